# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The package and service mapping of the storage_prereqs role, per OS family and pool type.

Loads the role's vars files (vars/main.yml, vars/Debian.yml, vars/RedHat.yml) and defaults the way Ansible does and
renders the role's own expressions with Ansible's templating, so what is checked is what the role installs and
starts. Debian 12 runs for real in the lab; EL9 does not run anywhere here, so this test is all that checks its
names against the distributions' packaging (libvirt.spec's per-backend driver packages, the modular daemons).
"""

from __future__ import annotations

import pathlib

import pytest

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

ROLE = pathlib.Path(__file__).resolve().parents[3] / "roles" / "storage_prereqs"
POOL_TYPES = ["dir", "fs", "netfs", "logical", "iscsi", "iscsi-direct", "rbd"]
FEATURES = ["libvirt"] + POOL_TYPES + ["ceph_client", "iscsi_initiator"]

DEBIAN_BASE = {"libvirt-daemon-system", "python3-libvirt"}
EL9_BASE = {"libvirt-daemon-driver-qemu", "libvirt-daemon-driver-storage-core", "libvirt-daemon-driver-secret",
            "python3-libvirt"}

# What each pool type adds to the base, per OS family.
EXPECTED_PACKAGES = {
    "Debian": {
        "dir": {"qemu-utils"},
        "fs": {"qemu-utils"},
        "netfs": {"nfs-common", "qemu-utils"},
        "logical": {"lvm2"},
        "iscsi": {"open-iscsi"},
        "iscsi-direct": {"libvirt-daemon-driver-storage-iscsi-direct"},
        "rbd": {"libvirt-daemon-driver-storage-rbd", "ceph-common", "python3-rados", "python3-rbd"},
    },
    "RedHat": {
        "dir": {"qemu-img"},
        "fs": {"qemu-img"},
        "netfs": {"nfs-utils", "qemu-img"},
        "logical": {"libvirt-daemon-driver-storage-logical", "lvm2"},
        "iscsi": {"libvirt-daemon-driver-storage-iscsi", "iscsi-initiator-utils"},
        "iscsi-direct": {"libvirt-daemon-driver-storage-iscsi-direct"},
        "rbd": {"libvirt-daemon-driver-storage-rbd", "ceph-common", "python3-rados", "python3-rbd"},
    },
}
BASE = {"Debian": DEBIAN_BASE, "RedHat": EL9_BASE}

# (unit, enabled, started): Debian 12's monolithic libvirtd, EL9's modular daemons; sockets are started,
# socket-activated services (which exit after 120 s idle) only enabled.
LIBVIRT_UNITS = {
    "Debian": [("libvirtd.service", True, False), ("libvirtd.socket", True, True)],
    "RedHat": [("virtqemud.service", True, False), ("virtqemud.socket", True, True),
               ("virtstoraged.service", True, False), ("virtstoraged.socket", True, True),
               ("virtsecretd.service", True, False), ("virtsecretd.socket", True, True)],
}
ISCSI_UNITS = {
    "Debian": [("iscsid.socket", True, True), ("open-iscsi.service", True, False)],
    "RedHat": [("iscsid.socket", True, True), ("iscsi.service", True, False)],
}


def role_vars(family, **inputs):
    """The role's variables as Ansible sees them for a node of this OS family, with these inputs."""
    loader = DataLoader()
    variables = {}
    for path in (ROLE / "defaults" / "main.yml", ROLE / "vars" / "main.yml", ROLE / "vars" / ("%s.yml" % family)):
        variables.update(loader.load_from_file(str(path), trusted_as_template=True))
    variables.update(inputs)
    return Templar(loader=loader, variables=variables), variables


def render(family, name, **inputs):
    templar, variables = role_vars(family, **inputs)
    return templar.template(variables[name])


def units(family, **inputs):
    return [(unit["name"], unit.get("enabled", False), unit.get("started", False))
            for unit in render(family, "storage_prereqs_services", **inputs)]


@pytest.mark.parametrize("family", ["Debian", "RedHat"])
def test_every_feature_has_packages_and_services(family):
    _templar, variables = role_vars(family)
    assert sorted(variables["storage_prereqs_packages_by_feature"]) == sorted(FEATURES)
    assert sorted(variables["storage_prereqs_services_by_feature"]) == sorted(FEATURES)


@pytest.mark.parametrize("family", ["Debian", "RedHat"])
def test_a_node_without_pools_gets_libvirt_only(family):
    assert set(render(family, "storage_prereqs_packages")) == BASE[family]
    assert units(family) == LIBVIRT_UNITS[family]


@pytest.mark.parametrize("family", ["Debian", "RedHat"])
@pytest.mark.parametrize("pool_type", POOL_TYPES)
def test_each_pool_type_adds_its_driver_and_tools(family, pool_type):
    packages = render(family, "storage_prereqs_packages", storage_prereqs_pool_types=[pool_type])
    assert set(packages) == BASE[family] | EXPECTED_PACKAGES[family][pool_type]
    assert packages == sorted(set(packages))
    expected_units = LIBVIRT_UNITS[family] + (ISCSI_UNITS[family] if pool_type == "iscsi" else [])
    assert units(family, storage_prereqs_pool_types=[pool_type]) == expected_units


@pytest.mark.parametrize("family", ["Debian", "RedHat"])
def test_every_pool_type_at_once_installs_each_package_once(family):
    packages = render(family, "storage_prereqs_packages", storage_prereqs_pool_types=POOL_TYPES)
    expected = set(BASE[family])
    for added in EXPECTED_PACKAGES[family].values():
        expected |= added
    assert packages == sorted(expected)
    assert units(family, storage_prereqs_pool_types=POOL_TYPES) == LIBVIRT_UNITS[family] + ISCSI_UNITS[family]


@pytest.mark.parametrize("family, initiator, ceph", [("Debian", "open-iscsi", "ceph-common"),
                                                     ("RedHat", "iscsi-initiator-utils", "ceph-common")])
def test_features_beyond_pool_types(family, initiator, ceph):
    logs_in = render(family, "storage_prereqs_packages", storage_prereqs_iscsi_initiator=True)
    assert set(logs_in) == BASE[family] | {initiator}
    assert units(family, storage_prereqs_iscsi_initiator=True) == LIBVIRT_UNITS[family] + ISCSI_UNITS[family]
    named = render(family, "storage_prereqs_packages", storage_prereqs_iscsi_initiator_name="iqn.2026-01.com.example:n1")
    assert set(named) == BASE[family] | {initiator}
    assert set(render(family, "storage_prereqs_packages", storage_prereqs_ceph_client=True)) == BASE[family] | {ceph}
    assert "htop" in render(family, "storage_prereqs_packages", storage_prereqs_extra_packages=["htop"])


@pytest.mark.parametrize("family, mode", [("Debian", "0600"), ("RedHat", "0644")])
def test_iscsi_settings(family, mode):
    _templar, variables = role_vars(family)
    assert variables["storage_prereqs_iscsid_service"] == "iscsid.service"
    assert variables["storage_prereqs_initiatorname_mode"] == mode


@pytest.mark.parametrize("family, stdout, rc", [
    # dpkg-query: "ii " is installed; "rc " (removed, config files left) and unknown packages are not.
    ("Debian", "ii  libvirt-daemon-system\nrc  python3-libvirt\nii  lvm2", 1),
    # rpm: a missing package is a line of its own, and the exit code counts them.
    ("RedHat", "installed libvirt-daemon-driver-qemu\npackage python3-libvirt is not installed\ninstalled lvm2", 1),
])
def test_missing_packages_from_the_package_query(family, stdout, rc):
    packages = render(family, "storage_prereqs_packages", storage_prereqs_pool_types=["logical"])
    result = {"rc": rc, "stdout": stdout, "stdout_lines": stdout.splitlines()}
    missing = render(family, "storage_prereqs_missing_packages", storage_prereqs_pool_types=["logical"],
                     storage_prereqs_installed=result)
    installed = {"Debian": {"libvirt-daemon-system", "lvm2"}, "RedHat": {"libvirt-daemon-driver-qemu", "lvm2"}}[family]
    assert sorted(missing) == sorted(set(packages) - installed)


def test_the_package_query_commands():
    assert render("Debian", "storage_prereqs_query_installed")[:2] == ["dpkg-query", "--show"]
    assert render("RedHat", "storage_prereqs_query_installed")[:2] == ["rpm", "--query"]


def test_only_units_not_in_the_wanted_state_are_changed():
    shown = "\n".join([
        "UnitFileState=enabled", "ActiveState=inactive", "",  # libvirtd.service: timed out, that is fine
        "UnitFileState=enabled", "ActiveState=inactive", "",  # libvirtd.socket: not listening
        "UnitFileState=disabled", "ActiveState=active", "",  # iscsid.socket: not enabled
        "UnitFileState=static", "ActiveState=inactive",  # open-iscsi.service: static counts as enabled
    ])
    result = {"stdout": shown, "stdout_lines": shown.splitlines()}
    changed = render("Debian", "storage_prereqs_units_to_change", storage_prereqs_pool_types=["iscsi"],
                     storage_prereqs_units=result)
    assert [unit["name"] for unit in changed] == ["libvirtd.socket", "iscsid.socket"]
    settled = "UnitFileState=enabled\nActiveState=active\n\nUnitFileState=enabled\nActiveState=active"
    assert render("Debian", "storage_prereqs_units_to_change",
                  storage_prereqs_units={"stdout": settled, "stdout_lines": settled.splitlines()}) == []

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._node import mode_text
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends import BACKENDS, _base, backend_for
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._base import (
    BUILD_NEW,
    BUILD_NO_OVERWRITE,
    BUILD_OVERWRITE,
    DEFINITION_OPTIONS,
    BuildStep,
    format_monitor,
    parse_monitor,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import (
    POOL_TYPES,
    Auth,
    Host,
    PoolDefinition,
    from_xml,
    normalized,
    to_xml,
)

# Valid options for each type, with every option the type takes.
VALID_OPTIONS = {
    "dir": {"target": "/var/lib/limiquantix/images", "mode": "0711", "owner": "0", "group": "0"},
    "fs": {"target": "/srv/local-ssd", "device": "/dev/vdb", "filesystem": "ext4",
           "mount_options": ["noatime", "discard"], "mode": "0755", "owner": "0", "group": "0"},
    "netfs": {"target": "/srv/shared-nfs", "host": "nfs.example.com", "export": "/export/vms", "filesystem": "nfs",
              "nfs_version": "4.2", "mount_options": ["nconnect=4"], "mode": "0755", "owner": "0", "group": "0"},
    "logical": {"volume_group": "vg_vms", "devices": ["/dev/sdb", "/dev/sdc"], "target": "/dev/vg_vms"},
    "iscsi": {"host": "10.0.0.20", "port": 3260, "iqn": "iqn.2026-01.com.example:san",
              "initiator_iqn": "iqn.2026-01.com.example:node1", "target": "/dev/disk/by-path",
              "auth": {"username": "node1", "secret_usage": "iscsi-san"}},
    "iscsi-direct": {"host": "san.example.com", "port": 3260, "iqn": "iqn.2026-01.com.example:san",
                     "initiator_iqn": "iqn.2026-01.com.example:node1",
                     "auth": {"username": "node1", "secret_uuid": "6f1cdb43-d5fd-4cfe-8a1b-6ad1ab19e6f4"}},
    "rbd": {"monitors": ["10.0.0.1:6789", "mon2.example.com", "[2001:db8::3]:3300"], "rbd_pool": "vms",
            "auth": {"username": "libvirt", "secret_usage": "client.libvirt"},
            "rbd_options": {"client_mount_timeout": "10"}},
}

MINIMAL_OPTIONS = {
    "dir": {"target": "/srv/images"},
    "fs": {"target": "/srv/local-ssd", "device": "/dev/vdb"},
    "netfs": {"target": "/srv/shared-nfs", "host": "nfs.example.com", "export": "/export/vms"},
    "logical": {},
    "iscsi": {"host": "10.0.0.20", "iqn": "iqn.2026-01.com.example:san"},
    "iscsi-direct": {"host": "10.0.0.20", "iqn": "iqn.2026-01.com.example:san",
                     "initiator_iqn": "iqn.2026-01.com.example:node1"},
    "rbd": {"monitors": ["10.0.0.1"]},
}

REQUIRED = {
    "dir": ["target"],
    "fs": ["target", "device"],
    "netfs": ["target", "host", "export"],
    "logical": [],
    "iscsi": ["host", "iqn"],
    "iscsi-direct": ["host", "iqn", "initiator_iqn"],
    "rbd": ["monitors"],
}


def with_all_options_unset(options):
    """The options as the module passes them: every definition option present, None when not given."""
    return dict({option: None for option in DEFINITION_OPTIONS}, **options)


def problems_of(pool_type, **options):
    return backend_for(pool_type).validate(with_all_options_unset(options))


def test_every_pool_type_has_a_backend():
    assert sorted(BACKENDS) == sorted(POOL_TYPES)
    assert all(backend.pool_type == pool_type for pool_type, backend in BACKENDS.items())


def test_backend_for_unknown_type():
    with pytest.raises(LqError, match=r"type 'zfs' is not a supported pool type; use one of dir, fs, netfs"):
        backend_for("zfs")


@pytest.mark.parametrize("pool_type", POOL_TYPES)
def test_every_backend_option_is_a_definition_option(pool_type):
    assert set(backend_for(pool_type).options) <= set(DEFINITION_OPTIONS)


# -- validate -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("pool_type", POOL_TYPES)
@pytest.mark.parametrize("options", [VALID_OPTIONS, MINIMAL_OPTIONS], ids=["all-options", "minimal"])
def test_validate_accepts_valid_options(pool_type, options):
    assert backend_for(pool_type).validate(with_all_options_unset(options[pool_type])) == []


@pytest.mark.parametrize("pool_type, missing", [
    (pool_type, option) for pool_type, options in REQUIRED.items() for option in options])
def test_validate_requires_options(pool_type, missing):
    options = dict(MINIMAL_OPTIONS[pool_type], **{missing: None})
    assert problems_of(pool_type, **options) == ["%s is required for pool type %s" % (missing, pool_type)]


@pytest.mark.parametrize("pool_type, missing, empty", [
    ("dir", "target", ""),
    ("netfs", "host", ""),
    ("iscsi", "host", ""),
    ("rbd", "monitors", []),
])
def test_validate_empty_is_missing(pool_type, missing, empty):
    options = dict(MINIMAL_OPTIONS[pool_type], **{missing: empty})
    assert "%s is required for pool type %s" % (missing, pool_type) in problems_of(pool_type, **options)


def test_validate_reports_every_missing_option():
    assert problems_of("netfs") == ["target is required for pool type netfs", "host is required for pool type netfs",
                                    "export is required for pool type netfs"]


@pytest.mark.parametrize("pool_type, option, value", [
    ("dir", "device", "/dev/vdb"),
    ("dir", "monitors", ["mon1"]),
    ("dir", "auth", {"username": "u", "secret_usage": "s"}),
    ("fs", "host", "nfs.example.com"),
    ("fs", "devices", ["/dev/vdb"]),
    ("netfs", "port", 2049),
    ("netfs", "device", "/dev/vdb"),
    ("logical", "mode", "0755"),
    ("logical", "device", "/dev/sdb"),
    ("iscsi", "export", "/export"),
    ("iscsi", "mount_options", ["ro"]),
    ("iscsi-direct", "target", "/dev/disk/by-path"),
    ("rbd", "host", "mon1"),
    ("rbd", "target", "/srv"),
    ("rbd", "volume_group", "vg"),
])
def test_validate_rejects_options_of_other_types(pool_type, option, value):
    problems = problems_of(pool_type, **dict(MINIMAL_OPTIONS[pool_type], **{option: value}))
    valid = ", ".join(sorted(backend_for(pool_type).options))
    assert problems == ["%s is not valid for pool type %s (valid here: %s); remove it or change type"
                        % (option, pool_type, valid)]


def test_validate_lists_the_valid_options():
    [problem] = problems_of("dir", target="/srv", device="/dev/vdb")
    assert "(valid here: group, mode, owner, target)" in problem


def test_validate_ignores_lifecycle_options():
    options = dict(MINIMAL_OPTIONS["dir"], name="images", type="dir", state="present", started=True, xml=None,
                   delete_data=False, restart="always")
    assert problems_of("dir", **options) == []


@pytest.mark.parametrize("pool_type, option, value, message", [
    ("dir", "target", "images", "target must be an absolute path, got 'images'"),
    ("dir", "target", "./images", "target must be an absolute path, got './images'"),
    ("fs", "device", "vdb", "device must be an absolute path, got 'vdb'"),
    ("netfs", "export", "export/vms", "export must be an absolute path, got 'export/vms'"),
    ("logical", "devices", ["/dev/sdb", "sdc"], "devices must be absolute paths, got 'sdc'"),
])
def test_validate_rejects_relative_paths(pool_type, option, value, message):
    assert problems_of(pool_type, **dict(MINIMAL_OPTIONS[pool_type], **{option: value})) == [message]


@pytest.mark.parametrize("mode", ["0755", "755", "0711", "0777", "0000", 0o755, 0o711])
def test_validate_accepts_modes(mode):
    assert problems_of("dir", target="/srv", mode=mode) == []


@pytest.mark.parametrize("mode", ["999", "0o755", "rwxr-xr-x", "u+rwx", "75", "017777", "", "0x1ed"])
def test_validate_rejects_bad_modes(mode):
    assert problems_of("dir", target="/srv", mode=mode) == [
        "mode must be an octal mode from 0000 to 0777 such as '0755' (libvirt takes no setuid, setgid or sticky "
        "bits), got %r" % mode]


@pytest.mark.parametrize("mode", ["1777", "01777", "2775", "4755", 0o1777])
def test_validate_rejects_modes_libvirt_rejects(mode):
    """libvirt refuses a pool <mode> with bits beyond 0777 ("malformed octal mode"); say so before defining."""
    [problem] = problems_of("dir", target="/srv", mode=mode)
    assert problem.startswith("mode ")


@pytest.mark.parametrize("mode, expected", [(0o755, "0755"), (0o711, "0711"), (0o1777, "1777"), ("755", "755")])
def test_mode_text(mode, expected):
    assert mode_text(mode) == expected


@pytest.mark.parametrize("port", [1, 860, 3260, 65535])
def test_validate_accepts_ports(port):
    assert problems_of("iscsi", **dict(MINIMAL_OPTIONS["iscsi"], port=port)) == []


@pytest.mark.parametrize("port", [0, -1, 65536, 100000])
def test_validate_rejects_bad_ports(port):
    assert problems_of("iscsi", **dict(MINIMAL_OPTIONS["iscsi"], port=port)) == [
        "port must be between 1 and 65535, got %r" % port]


@pytest.mark.parametrize("iqn", [
    "iqn.2026-01.com.example:storage",
    "iqn.2026-01.com.example",
    "iqn.1994-05.com.redhat:5a7f3b2c1d",
    "eui.0123456789ABCDEF",
    "naa.60014055f4a3b2c1",
    "naa.60014055f4a3b2c1d0e9f8a7b6c5d4e3",
])
@pytest.mark.parametrize("option", ["iqn", "initiator_iqn"])
def test_validate_accepts_iscsi_names(option, iqn):
    assert problems_of("iscsi", **dict(MINIMAL_OPTIONS["iscsi"], **{option: iqn})) == []


@pytest.mark.parametrize("iqn", [
    "storage",
    "iqn.26-01.com.example:storage",
    "iqn.2026-1.com.example:storage",
    "iqn.2026-01.com.example:my storage",
    "eui.0123",
    "naa.xyz0123456789abcd",
])
@pytest.mark.parametrize("option", ["iqn", "initiator_iqn"])
def test_validate_rejects_bad_iscsi_names(option, iqn):
    assert problems_of("iscsi", **dict(MINIMAL_OPTIONS["iscsi"], **{option: iqn})) == [
        "%s must be an iSCSI name such as iqn.2026-01.com.example:storage, got %r" % (option, iqn)]


@pytest.mark.parametrize("pool_type", ["fs", "netfs"])
@pytest.mark.parametrize("mount_option", ["rw,noatime", "no atime", "", " "])
def test_validate_rejects_bad_mount_options(pool_type, mount_option):
    options = dict(MINIMAL_OPTIONS[pool_type], mount_options=["soft", mount_option])
    assert problems_of(pool_type, **options) == [
        "mount_options takes one option per list item without spaces or commas, got %r" % mount_option]


@pytest.mark.parametrize("filesystem", [None, "auto", "ext4", "xfs", "btrfs"])
def test_validate_fs_filesystems(filesystem):
    assert problems_of("fs", **dict(MINIMAL_OPTIONS["fs"], filesystem=filesystem)) == []


@pytest.mark.parametrize("filesystem", ["zfs", "nfs", "EXT4"])
def test_validate_fs_rejects_filesystems(filesystem):
    [problem] = problems_of("fs", **dict(MINIMAL_OPTIONS["fs"], filesystem=filesystem))
    assert problem.startswith("filesystem %r is not one libvirt can mount for an fs pool; use one of auto, ext2"
                              % filesystem)


@pytest.mark.parametrize("filesystem, ok", [("nfs", True), ("auto", True), ("ext4", False), ("glusterfs", False)])
def test_validate_netfs_filesystem(filesystem, ok):
    problems = problems_of("netfs", **dict(MINIMAL_OPTIONS["netfs"], filesystem=filesystem))
    assert problems == ([] if ok else ["filesystem for a netfs pool is nfs (or auto), got %r" % filesystem])


@pytest.mark.parametrize("version, ok", [("3", True), ("4", True), ("4.2", True), ("2", False), ("4.3", False)])
def test_validate_nfs_version(version, ok):
    problems = problems_of("netfs", **dict(MINIMAL_OPTIONS["netfs"], nfs_version=version))
    assert problems == ([] if ok else ["nfs_version must be one of 3, 4, 4.0, 4.1, 4.2, got %r" % version])


@pytest.mark.parametrize("name", ["Client_Mount_Timeout", "client-mount-timeout", "1timeout", "_x", ""])
def test_validate_rejects_bad_rbd_option_names(name):
    options = dict(MINIMAL_OPTIONS["rbd"], rbd_options={"client_mount_timeout": "10", name: "1"})
    assert problems_of("rbd", **options) == [
        "rbd_options: %r is not a librados option name (lowercase, underscores)" % name]


@pytest.mark.parametrize("monitor", [
    "",
    "   ",
    ":6789",
    "mon1:",
    "mon1:port",
    "[]:6789",
    "[2001:db8::1]:port",
    "[2001:db8::1]:",
    "mon1:99999",
    "mon1:0",
])
def test_validate_rejects_bad_monitors(monitor):
    problems = problems_of("rbd", monitors=["10.0.0.1:6789", monitor])
    assert len(problems) == 1, problems
    assert problems[0].startswith("monitors: %r " % monitor)
    with pytest.raises(LqError, match=r"^monitors: "):
        parse_monitor(monitor)


def test_validate_reports_every_problem():
    problems = problems_of("fs", target="srv", device=None, host="h", mode="9", mount_options=["a,b"])
    assert problems == [
        "device is required for pool type fs",
        "host is not valid for pool type fs (valid here: device, filesystem, group, mode, mount_options, owner, "
        "target); remove it or change type",
        "target must be an absolute path, got 'srv'",
        "mode must be an octal mode from 0000 to 0777 such as '0755' (libvirt takes no setuid, setgid or sticky "
        "bits), got '9'",
        "mount_options takes one option per list item without spaces or commas, got 'a,b'",
    ]


# -- monitors ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, host, formatted", [
    ("mon1", Host("mon1"), "mon1"),
    ("mon1.example.com:6789", Host("mon1.example.com", 6789), "mon1.example.com:6789"),
    ("10.0.0.1", Host("10.0.0.1"), "10.0.0.1"),
    ("10.0.0.1:3300", Host("10.0.0.1", 3300), "10.0.0.1:3300"),
    ("[2001:db8::3]:3300", Host("2001:db8::3", 3300), "[2001:db8::3]:3300"),
    ("[2001:db8::3]", Host("2001:db8::3"), "[2001:db8::3]"),
    ("2001:db8::3", Host("2001:db8::3"), "[2001:db8::3]"),
    ("::1", Host("::1"), "[::1]"),
    ("  mon1:6789  ", Host("mon1", 6789), "mon1:6789"),
])
def test_parse_and_format_monitor(text, host, formatted):
    assert parse_monitor(text) == host
    assert format_monitor(host) == formatted
    assert parse_monitor(formatted) == host


# -- options <-> definition ----------------------------------------------------------------------------

EXPECTED_DEFINITIONS = {
    "dir": PoolDefinition(name="p", type="dir", target_path="/var/lib/limiquantix/images", target_mode="0711",
                          target_owner=0, target_group=0),
    "fs": PoolDefinition(name="p", type="fs", target_path="/srv/local-ssd", devices=("/dev/vdb",),
                         source_format="ext4", mount_options=("noatime", "discard"), target_mode="0755",
                         target_owner=0, target_group=0),
    "netfs": PoolDefinition(name="p", type="netfs", target_path="/srv/shared-nfs", hosts=(Host("nfs.example.com"),),
                            source_dir="/export/vms", source_format="nfs", protocol_version="4.2",
                            mount_options=("nconnect=4",), target_mode="0755", target_owner=0, target_group=0),
    "logical": PoolDefinition(name="p", type="logical", source_name="vg_vms", devices=("/dev/sdb", "/dev/sdc"),
                              source_format="lvm2", target_path="/dev/vg_vms"),
    "iscsi": PoolDefinition(name="p", type="iscsi", hosts=(Host("10.0.0.20", 3260),),
                            devices=("iqn.2026-01.com.example:san",), initiator_iqn="iqn.2026-01.com.example:node1",
                            target_path="/dev/disk/by-path",
                            auth=Auth(type="chap", username="node1", secret_usage="iscsi-san")),
    "iscsi-direct": PoolDefinition(name="p", type="iscsi-direct", hosts=(Host("san.example.com", 3260),),
                                   devices=("iqn.2026-01.com.example:san",),
                                   initiator_iqn="iqn.2026-01.com.example:node1",
                                   auth=Auth(type="chap", username="node1",
                                             secret_uuid="6f1cdb43-d5fd-4cfe-8a1b-6ad1ab19e6f4")),
    "rbd": PoolDefinition(name="p", type="rbd",
                          hosts=(Host("10.0.0.1", 6789), Host("mon2.example.com"), Host("2001:db8::3", 3300)),
                          source_name="vms", auth=Auth(type="ceph", username="libvirt", secret_usage="client.libvirt"),
                          rbd_options=(("client_mount_timeout", "10"),), volume_allocation_default=True),
}


def new_definition(pool_type, name, options):
    """A new pool's definition the way the pool manager builds it: defaults, then what the task gives."""
    backend = backend_for(pool_type)
    options = with_all_options_unset(options)
    fields = dict(backend.default_fields(name, options), **backend.definition_fields(options))
    return normalized(PoolDefinition(name=name, type=pool_type, **fields))


@pytest.mark.parametrize("pool_type", POOL_TYPES)
def test_definition_from_options(pool_type):
    assert new_definition(pool_type, "p", VALID_OPTIONS[pool_type]) == EXPECTED_DEFINITIONS[pool_type]


@pytest.mark.parametrize("pool_type", POOL_TYPES)
def test_options_round_trip(pool_type):
    """options -> definition -> XML -> definition -> options gives back what the task said."""
    definition = from_xml(to_xml(new_definition(pool_type, "p", VALID_OPTIONS[pool_type])))
    options = backend_for(pool_type).options_from_definition(definition)
    assert options == {
        "dir": {"target": "/var/lib/limiquantix/images", "mode": "0711", "owner": 0, "group": 0},
        "fs": {"target": "/srv/local-ssd", "device": "/dev/vdb", "filesystem": "ext4",
               "mount_options": ["noatime", "discard"], "mode": "0755", "owner": 0, "group": 0},
        "netfs": {"target": "/srv/shared-nfs", "host": "nfs.example.com", "export": "/export/vms",
                  "filesystem": "nfs", "nfs_version": "4.2", "mount_options": ["nconnect=4"], "mode": "0755",
                  "owner": 0, "group": 0},
        "logical": VALID_OPTIONS["logical"],
        "iscsi": VALID_OPTIONS["iscsi"],
        "iscsi-direct": VALID_OPTIONS["iscsi-direct"],
        "rbd": VALID_OPTIONS["rbd"],
    }[pool_type]


@pytest.mark.parametrize("pool_type", POOL_TYPES)
def test_options_from_definition_feed_back_into_the_same_definition(pool_type):
    backend = backend_for(pool_type)
    definition = new_definition(pool_type, "p", VALID_OPTIONS[pool_type])
    assert new_definition(pool_type, "p", backend.options_from_definition(definition)) == definition


@pytest.mark.parametrize("pool_type", POOL_TYPES)
def test_options_from_definition_validate(pool_type):
    backend = backend_for(pool_type)
    options = backend.options_from_definition(new_definition(pool_type, "p", VALID_OPTIONS[pool_type]))
    assert backend.validate(with_all_options_unset(options)) == []


@pytest.mark.parametrize("pool_type, name, options, expected", [
    ("dir", "p", {"target": "/srv"}, {}),
    ("fs", "p", {"device": "/dev/vdb"}, {"source_format": "auto"}),
    ("netfs", "p", {}, {"source_format": "nfs"}),
    ("logical", "vg_vms", {}, {"source_name": "vg_vms", "source_format": "lvm2", "target_path": "/dev/vg_vms"}),
    ("logical", "p", {"volume_group": "vg0"},
     {"source_name": "vg0", "source_format": "lvm2", "target_path": "/dev/vg0"}),
    ("iscsi", "p", {}, {"target_path": "/dev/disk/by-path"}),
    ("iscsi-direct", "p", {}, {}),
    ("rbd", "ceph", {}, {"source_name": "ceph", "volume_allocation_default": True}),
    ("rbd", "ceph", {"rbd_pool": "vms"}, {"source_name": "vms", "volume_allocation_default": True}),
])
def test_default_fields(pool_type, name, options, expected):
    assert backend_for(pool_type).default_fields(name, with_all_options_unset(options)) == expected


@pytest.mark.parametrize("pool_type, expected", [
    ("dir", PoolDefinition(name="p", type="dir", target_path="/srv/images")),
    ("fs", PoolDefinition(name="p", type="fs", target_path="/srv/local-ssd", devices=("/dev/vdb",),
                          source_format="auto")),
    ("netfs", PoolDefinition(name="p", type="netfs", target_path="/srv/shared-nfs", hosts=(Host("nfs.example.com"),),
                             source_dir="/export/vms", source_format="nfs")),
    ("logical", PoolDefinition(name="p", type="logical", source_name="p", source_format="lvm2", target_path="/dev/p")),
    ("iscsi", PoolDefinition(name="p", type="iscsi", hosts=(Host("10.0.0.20"),),
                             devices=("iqn.2026-01.com.example:san",), target_path="/dev/disk/by-path")),
    ("iscsi-direct", PoolDefinition(name="p", type="iscsi-direct", hosts=(Host("10.0.0.20"),),
                                    devices=("iqn.2026-01.com.example:san",),
                                    initiator_iqn="iqn.2026-01.com.example:node1")),
    ("rbd", PoolDefinition(name="p", type="rbd", hosts=(Host("10.0.0.1"),), source_name="p",
                           volume_allocation_default=True)),
])
def test_definition_from_minimal_options(pool_type, expected):
    assert new_definition(pool_type, "p", MINIMAL_OPTIONS[pool_type]) == expected


def test_definition_fields_only_sets_what_is_given():
    assert backend_for("dir").definition_fields(with_all_options_unset({"mode": "755"})) == {"target_mode": "755"}
    assert backend_for("rbd").definition_fields(with_all_options_unset({})) == {}


@pytest.mark.parametrize("mode", [0o755, "0755", "755"])
def test_definition_mode_spellings(mode):
    definition = new_definition("dir", "p", {"target": "/srv", "mode": mode})
    assert definition.target_mode == "0755"


def test_definition_owner_and_group_by_name():
    definition = new_definition("dir", "p", {"target": "/srv", "owner": "root", "group": "root"})
    assert (definition.target_owner, definition.target_group) == (0, 0)


@pytest.mark.parametrize("option, message", [
    ("owner", "owner: no user named 'no-such-user-lq' on the node; give an existing name or a numeric id"),
    ("group", "group: no group named 'no-such-user-lq' on the node; give an existing name or a numeric id"),
])
def test_definition_unknown_owner_or_group(option, message):
    with pytest.raises(LqError) as excinfo:
        backend_for("dir").definition_fields(with_all_options_unset({"target": "/srv", option: "no-such-user-lq"}))
    assert excinfo.value.message == message


def test_definition_auth_secret_uuid_wins_over_usage():
    fields = backend_for("rbd").definition_fields(with_all_options_unset(
        {"auth": {"username": "libvirt", "secret_uuid": "u-u-i-d", "secret_usage": "client.libvirt"}}))
    assert fields["auth"] == Auth(type="ceph", username="libvirt", secret_uuid="u-u-i-d")


def test_definition_rbd_options_are_sorted_strings():
    fields = backend_for("rbd").definition_fields(with_all_options_unset(
        {"rbd_options": {"rados_osd_op_timeout": 30, "client_mount_timeout": 10}}))
    assert fields["rbd_options"] == (("client_mount_timeout", "10"), ("rados_osd_op_timeout", "30"))


@pytest.mark.parametrize("pool_type, volumes, storage", [
    ("dir", True, True),
    ("fs", True, True),
    ("netfs", True, True),
    ("logical", True, True),
    ("iscsi", False, False),
    ("iscsi-direct", False, False),
    ("rbd", True, False),
])
def test_what_delete_data_can_remove(pool_type, volumes, storage):
    backend = backend_for(pool_type)
    assert (backend.manages_volumes, backend.storage_deletable) == (volumes, storage)


# -- build_step ------------------------------------------------------------------------------------------

def test_build_flags_are_libvirts():
    """VIR_STORAGE_POOL_BUILD_NEW, _NO_OVERWRITE and _OVERWRITE, copied so the backends import without libvirt."""
    assert (BUILD_NEW, BUILD_NO_OVERWRITE, BUILD_OVERWRITE) == (0, 4, 8)


class FakeNode:
    """The node as build_step sees it: which paths exist, what blkid finds, which volume groups exist."""

    def __init__(self, paths=(), signatures=None, volume_groups=(), permission_drifts=None):
        self.paths = set(paths)
        self._signatures = signatures or {}
        self.volume_groups = set(volume_groups)
        self._permission_drifts = permission_drifts or {}

    def permission_drift(self, path, mode, owner, group):
        return self._permission_drifts.get(path)

    def exists(self, path):
        return path in self.paths

    def signatures(self, device):
        return dict(self._signatures.get(device, {}))

    def volume_group_exists(self, name):
        return name in self.volume_groups


def test_dir_build_sets_drifted_permissions_of_an_existing_directory():
    node = FakeNode(paths={"/srv/images"}, permission_drifts={"/srv/images": "mode 0755 -> 0711"})
    step = BACKENDS["dir"].build_step(PoolDefinition(name="p", type="dir", target_path="/srv/images",
                                                     target_mode="0711"), node, overwrite=False)
    assert step == BuildStep(BUILD_NEW, "set mode 0755 -> 0711 of /srv/images")


EXT4 = {"DEVNAME": "/dev/vdb", "UUID": "5f1d", "BLOCK_SIZE": "4096", "TYPE": "ext4"}
XFS = {"UUID": "9a8b", "TYPE": "xfs"}
GPT = {"PTUUID": "1c2d", "PTTYPE": "gpt"}
LVM = {"UUID": "abcd", "VERSION": "LVM2 001", "TYPE": "LVM2_member", "USAGE": "raid"}


@pytest.mark.parametrize("pool_type", ["dir", "netfs"])
def test_build_creates_a_missing_target_directory(pool_type):
    definition = new_definition(pool_type, "p", MINIMAL_OPTIONS[pool_type])
    step = backend_for(pool_type).build_step(definition, FakeNode(), overwrite=False)
    assert step == BuildStep(BUILD_NEW, "create directory %s" % definition.target_path)


@pytest.mark.parametrize("pool_type", ["dir", "netfs"])
def test_build_nothing_when_the_target_directory_exists(pool_type):
    definition = new_definition(pool_type, "p", MINIMAL_OPTIONS[pool_type])
    assert backend_for(pool_type).build_step(definition, FakeNode(paths=[definition.target_path]), False) is None


@pytest.mark.parametrize("pool_type", ["iscsi", "iscsi-direct", "rbd"])
def test_build_nothing_for_remote_pools(pool_type):
    definition = new_definition(pool_type, "p", MINIMAL_OPTIONS[pool_type])
    assert backend_for(pool_type).build_step(definition, FakeNode(), overwrite=True) is None


def fs_definition(filesystem):
    options = {"target": "/srv/ssd", "device": "/dev/vdb"}
    if filesystem is not None:
        options["filesystem"] = filesystem
    return new_definition("fs", "ssd", options)


@pytest.mark.parametrize("overwrite", [False, True])
def test_build_fs_formats_a_blank_device_without_overwriting(overwrite):
    step = backend_for("fs").build_step(fs_definition("ext4"), FakeNode(paths=["/dev/vdb"]), overwrite)
    assert step == BuildStep(BUILD_NO_OVERWRITE, "format /dev/vdb as ext4")


@pytest.mark.parametrize("filesystem, signatures", [("ext4", EXT4), ("auto", EXT4), (None, XFS)])
@pytest.mark.parametrize("overwrite", [False, True])
def test_build_fs_keeps_a_mountable_filesystem(filesystem, signatures, overwrite):
    backend = backend_for("fs")
    node = FakeNode(paths=["/dev/vdb", "/srv/ssd"], signatures={"/dev/vdb": signatures})
    assert backend.build_step(fs_definition(filesystem), node, overwrite) is None
    node.paths.remove("/srv/ssd")
    assert backend.build_step(fs_definition(filesystem), node, overwrite) == BuildStep(
        BUILD_NEW, "create directory /srv/ssd")


@pytest.mark.parametrize("signatures, described", [
    (XFS, "existing data (xfs signature)"), (GPT, "existing data (gpt partition table)"), (LVM, "existing data (LVM2_member signature)")])
def test_build_fs_refuses_to_format_over_data(signatures, described):
    node = FakeNode(paths=["/dev/vdb"], signatures={"/dev/vdb": signatures})
    with pytest.raises(LqError) as excinfo:
        backend_for("fs").build_step(fs_definition("ext4"), node, overwrite=False)
    assert excinfo.value.message == (
        "refusing to format /dev/vdb as ext4: /dev/vdb holds %s. Set overwrite: true to "
        "destroy it, or point the pool at a blank device" % described)


@pytest.mark.parametrize("signatures, described", [
    (XFS, "existing data (xfs signature)"), (GPT, "existing data (gpt partition table)")])
def test_build_fs_overwrites_when_allowed(signatures, described):
    node = FakeNode(paths=["/dev/vdb"], signatures={"/dev/vdb": signatures})
    step = backend_for("fs").build_step(fs_definition("ext4"), node, overwrite=True)
    assert step == BuildStep(BUILD_OVERWRITE, "format /dev/vdb as ext4, destroying its %s" % described)


@pytest.mark.parametrize("filesystem", ["auto", None])
@pytest.mark.parametrize("overwrite", [False, True])
def test_build_fs_auto_cannot_format_a_blank_device(filesystem, overwrite):
    with pytest.raises(LqError, match="holds no filesystem and filesystem is auto, so the pool cannot format it"):
        backend_for("fs").build_step(fs_definition(filesystem), FakeNode(paths=["/dev/vdb"]), overwrite)


@pytest.mark.parametrize("overwrite", [False, True])
def test_build_fs_auto_on_a_partition_table(overwrite):
    node = FakeNode(paths=["/dev/vdb"], signatures={"/dev/vdb": GPT})
    with pytest.raises(LqError, match="holds existing data \\(gpt partition table\\), not a filesystem libvirt can mount: set filesystem"):
        backend_for("fs").build_step(fs_definition("auto"), node, overwrite)


def logical_definition(devices=("/dev/sdb", "/dev/sdc")):
    return new_definition("logical", "vg_vms", {"devices": list(devices)} if devices else {})


@pytest.mark.parametrize("devices", [("/dev/sdb", "/dev/sdc"), ()])
@pytest.mark.parametrize("overwrite", [False, True])
def test_build_logical_nothing_when_the_volume_group_exists(devices, overwrite):
    node = FakeNode(volume_groups=["vg_vms"], signatures={"/dev/sdb": LVM, "/dev/sdc": LVM})
    assert backend_for("logical").build_step(logical_definition(devices), node, overwrite) is None


def test_build_logical_uses_the_volume_group_name():
    definition = new_definition("logical", "pool", {"volume_group": "vg0", "devices": ["/dev/sdb"]})
    assert backend_for("logical").build_step(definition, FakeNode(volume_groups=["vg0"]), False) is None


@pytest.mark.parametrize("overwrite", [False, True])
def test_build_logical_on_blank_devices(overwrite):
    step = backend_for("logical").build_step(logical_definition(), FakeNode(), overwrite)
    assert step == BuildStep(BUILD_NO_OVERWRITE, "create volume group vg_vms on /dev/sdb, /dev/sdc")


@pytest.mark.parametrize("signed, reported", [
    ({"/dev/sdc": GPT}, "/dev/sdc holds existing data (gpt partition table)"),
    ({"/dev/sdc": GPT, "/dev/sdb": EXT4}, "/dev/sdb holds existing data (ext4 signature)"),
])
def test_build_logical_refuses_signed_devices(signed, reported):
    with pytest.raises(LqError) as excinfo:
        backend_for("logical").build_step(logical_definition(), FakeNode(signatures=signed), overwrite=False)
    assert excinfo.value.message == (
        "refusing to create volume group vg_vms: %s. Set overwrite: true to destroy it, or point "
        "the pool at a blank device" % reported)


def test_build_logical_overwrites_when_allowed():
    node = FakeNode(signatures={"/dev/sdc": GPT})
    step = backend_for("logical").build_step(logical_definition(), node, overwrite=True)
    assert step == BuildStep(BUILD_OVERWRITE, "create volume group vg_vms on /dev/sdb, /dev/sdc, destroying what "
                                              "they hold")


@pytest.mark.parametrize("overwrite", [False, True])
def test_build_logical_without_devices_or_volume_group(overwrite):
    with pytest.raises(LqError) as excinfo:
        backend_for("logical").build_step(logical_definition(devices=()), FakeNode(), overwrite)
    assert excinfo.value.message.startswith("volume group vg_vms does not exist and no devices are given to create it "
                                            "on: set devices")


# -- probing the storage server before libvirt waits on it ----------------------------------------------------


@pytest.fixture
def probes(monkeypatch):
    """The host:port pairs probed; those in ``down`` give the reason they do not answer."""
    calls, down = [], {}

    def probe_tcp(host, port):
        calls.append("%s:%d" % (host, port))
        return down.get("%s:%d" % (host, port))

    monkeypatch.setattr(_base, "probe_tcp", probe_tcp)
    return calls, down


@pytest.mark.parametrize("pool_type, host, probed", [
    ("netfs", Host("nfs.example.com"), "nfs.example.com:2049"),
    ("iscsi", Host("10.0.0.20"), "10.0.0.20:3260"),
    ("iscsi-direct", Host("10.0.0.20", 3261), "10.0.0.20:3261"),
])
def test_require_reachable_probes_the_server(probes, pool_type, host, probed):
    calls, down = probes
    definition = PoolDefinition(name="p", type=pool_type, hosts=(host,))
    backend_for(pool_type).require_reachable(definition, "starting pool p")
    assert calls == [probed]
    down[probed] = "Connection refused"
    with pytest.raises(LqError, match=r"^starting pool p: the .* of pool p does not answer \(%s: Connection refused\)"
                       % probed.replace(".", r"\.")):
        backend_for(pool_type).require_reachable(definition, "starting pool p")


def test_require_reachable_is_content_with_one_host(probes):
    calls, down = probes
    down["10.0.0.20:3260"] = "no answer within 3 s"
    definition = PoolDefinition(name="p", type="iscsi", hosts=(Host("10.0.0.20"), Host("10.0.0.21")))
    backend_for("iscsi").require_reachable(definition, "starting pool p")
    assert calls == ["10.0.0.20:3260", "10.0.0.21:3260"]


@pytest.mark.parametrize("pool_type", ["dir", "fs", "logical"])
def test_require_reachable_probes_nothing_for_local_pools(probes, pool_type):
    backend_for(pool_type).require_reachable(PoolDefinition(name="p", type=pool_type), "starting pool p")
    assert probes[0] == []


class LinkNode:
    """A node whose /dev/disk/by-path links point at /dev/sdb and /dev/sdc."""

    @staticmethod
    def device_name(path):
        return {"/dev/disk/by-path/lun-1": "/dev/sdb", "/dev/disk/by-path/lun-2": "/dev/sdc"}.get(path, path)


def test_a_logical_pool_is_defined_with_the_devices_links_point_to():
    # libvirt matches the devices against pvs's names, not through links.
    definition = PoolDefinition(name="vg", type="logical", source_name="vg",
                                devices=("/dev/disk/by-path/lun-1", "/dev/disk/by-path/lun-2", "/dev/vdd"))
    assert BACKENDS["logical"].on_node(definition, LinkNode()).devices == ("/dev/sdb", "/dev/sdc", "/dev/vdd")


@pytest.mark.parametrize("pool_type", sorted(set(POOL_TYPES) - {"logical"}))
def test_other_pools_are_defined_as_given(pool_type):
    definition = PoolDefinition(name="p", type=pool_type, devices=("/dev/disk/by-path/lun-1",))
    assert BACKENDS[pool_type].on_node(definition, LinkNode()) is definition

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._node import (
    Node,
    describe_signature,
    parse_export,
)

BLKID_EXT4 = """DEVNAME=/dev/vdb
UUID=5f1d3c2b-0a9e-4d8c-8b7a-6f5e4d3c2b1a
BLOCK_SIZE=4096
TYPE=ext4
USAGE=filesystem
"""

BLKID_GPT = """DEVNAME=/dev/sdb
PTUUID=1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f
PTTYPE=gpt
"""

BLKID_LVM = """DEVNAME=/dev/sdc
UUID=abcdEF-1234-5678-90ab-cdef-1234-567890
VERSION=LVM2 001
TYPE=LVM2_member
USAGE=raid
"""


@pytest.mark.parametrize("output, expected", [
    ("", {}),
    ("\n", {}),
    (BLKID_EXT4, {"DEVNAME": "/dev/vdb", "UUID": "5f1d3c2b-0a9e-4d8c-8b7a-6f5e4d3c2b1a", "BLOCK_SIZE": "4096",
                  "TYPE": "ext4", "USAGE": "filesystem"}),
    (BLKID_GPT, {"DEVNAME": "/dev/sdb", "PTUUID": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "PTTYPE": "gpt"}),
    (BLKID_LVM, {"DEVNAME": "/dev/sdc", "UUID": "abcdEF-1234-5678-90ab-cdef-1234-567890", "VERSION": "LVM2 001",
                 "TYPE": "LVM2_member", "USAGE": "raid"}),
    ("LABEL=a=b\n", {"LABEL": "a=b"}),
    ("LABEL=\n", {"LABEL": ""}),
    ("garbage line\nTYPE=xfs\r\n", {"TYPE": "xfs"}),
    ("  TYPE = vfat  \n", {"TYPE": "vfat"}),
])
def test_parse_export(output, expected):
    assert parse_export(output) == expected


@pytest.mark.parametrize("signatures, expected", [
    ({"TYPE": "ext4"}, "existing data (ext4 signature)"),
    ({"TYPE": "LVM2_member", "USAGE": "raid"}, "existing data (LVM2_member signature)"),
    ({"PTTYPE": "gpt"}, "existing data (gpt partition table)"),
    ({"PTTYPE": "dos", "TYPE": "vfat"}, "existing data (vfat signature)"),
    ({"PART_ENTRY_SCHEME": "gpt", "PART_ENTRY_NAME": "data"},
     "existing data (PART_ENTRY_NAME=data, PART_ENTRY_SCHEME=gpt)"),
])
def test_describe_signature(signatures, expected):
    assert describe_signature(signatures) == expected


class FakeCommands:
    """AnsibleModule.run_command and get_bin_path, answering from a table."""

    def __init__(self, results=None, binaries=("blkid", "vgs")):
        self.results = results or {}
        self.binaries = binaries
        self.calls = []

    def run_command(self, args):
        self.calls.append(args)
        return self.results[args[0]]

    def get_bin_path(self, name, opt_dirs=None):
        assert "/sbin" in opt_dirs and "/usr/sbin" in opt_dirs
        return "/usr/sbin/%s" % name if name in self.binaries else None


@pytest.fixture
def device(tmp_path):
    path = tmp_path / "disk.img"
    path.write_bytes(b"")
    return str(path)


def node_with(commands):
    return Node(commands.run_command, commands.get_bin_path)


def test_exists(tmp_path, device):
    assert Node.exists(device)
    assert Node.exists(str(tmp_path))
    assert not Node.exists(str(tmp_path / "missing"))


def test_signatures_of_a_blank_device(device):
    commands = FakeCommands({"/usr/sbin/blkid": (2, "", "")})
    assert node_with(commands).signatures(device) == {}
    assert commands.calls == [["/usr/sbin/blkid", "-p", "-o", "export", "--", device]]


def test_signatures_of_a_formatted_device(device):
    commands = FakeCommands({"/usr/sbin/blkid": (0, BLKID_EXT4, "")})
    assert node_with(commands).signatures(device)["TYPE"] == "ext4"


@pytest.mark.parametrize("rc, err", [(4, "blkid: error: /dev/vdb: Permission denied\n"), (8, "")])
def test_signatures_probe_failure(device, rc, err):
    commands = FakeCommands({"/usr/sbin/blkid": (rc, "", err)})
    with pytest.raises(LqError) as excinfo:
        node_with(commands).signatures(device)
    assert excinfo.value.message == "cannot probe %s for existing data (blkid exit %d): %s" % (device, rc, err.strip())


def test_signatures_of_a_missing_device(tmp_path):
    commands = FakeCommands()
    with pytest.raises(LqError, match="device .*/missing does not exist on the node"):
        node_with(commands).signatures(str(tmp_path / "missing"))
    assert commands.calls == []


def test_signatures_without_blkid(device):
    with pytest.raises(LqError, match="the node has no blkid command: install the util-linux package"):
        node_with(FakeCommands(binaries=())).signatures(device)


@pytest.mark.parametrize("rc, exists", [(0, True), (5, False)])
def test_volume_group_exists(rc, exists):
    commands = FakeCommands({"/usr/sbin/vgs": (rc, "  vg_vms\n" if rc == 0 else "", "")})
    assert node_with(commands).volume_group_exists("vg_vms") is exists
    assert commands.calls == [["/usr/sbin/vgs", "--noheadings", "-o", "vg_name", "--", "vg_vms"]]


def test_volume_group_without_lvm():
    with pytest.raises(LqError, match="the node has no vgs command: install the lvm2 package"):
        node_with(FakeCommands(binaries=("blkid",))).volume_group_exists("vg_vms")


def test_permission_drift_and_set_permissions(tmp_path):
    directory = tmp_path / "pool"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    uid, gid = directory.stat().st_uid, directory.stat().st_gid
    assert Node.permission_drift(str(directory), "0755", uid, gid) is None
    assert Node.permission_drift(str(directory), None, None, None) is None
    assert Node.permission_drift(str(directory), "0711", None, None) == "mode 0755 -> 0711"
    assert Node.permission_drift(str(directory), "0711", uid + 1, None) == "mode 0755 -> 0711, owner %d -> %d" % (
        uid, uid + 1)
    Node.set_permissions(str(directory), "0711", None, None)
    assert Node.permission_drift(str(directory), "0711", uid, gid) is None


def test_permission_drift_of_a_missing_directory_is_for_the_build_to_handle(tmp_path):
    assert Node.permission_drift(str(tmp_path / "missing"), "0711", None, None) is None


def test_device_name_resolves_links(tmp_path):
    device = tmp_path / "sdb"
    device.write_text("")
    link = tmp_path / "by-path" / "ip-10.0.0.20:3260-iscsi-iqn.2026-01.com.example:san-lun-1"
    link.parent.mkdir()
    link.symlink_to("../sdb")
    assert Node.device_name(str(link)) == str(device)
    assert Node.device_name(str(device)) == str(device)
    assert Node.device_name("/dev/lqtest-no-such-disk") == "/dev/lqtest-no-such-disk"

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""open-iscsi: parsers, record files, iscsiadm through a fake Node, and the LUNs of sessions in a fake sysfs.

The command outputs are open-iscsi 2.1.8's (Debian 12).
"""

from __future__ import annotations

import json
import os
import socket
import stat
import types

import pytest

from ansible_collections.limiquantix.storage.plugins.module_utils import _iscsi
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._iscsi import (
    HIDDEN,
    Iscsiadm,
    IscsiadmError,
    Lun,
    NodeRecord,
    Portal,
    Session,
    Sysfs,
    by_path_link,
    iscsi_report,
    masked,
    parse_node_records,
    parse_portal,
    parse_sessions,
    parse_settings,
    probe_portal,
    serial_of,
    session_luns,
    wait_for_luns,
    with_serials,
    write_record_settings,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._node import Node

IQN = "iqn.2026-11.lab.limiquantix:guest"
OTHER_IQN = "iqn.2026-11.lab.limiquantix:backup"
PASSWORD = "secret12345678"
PASSWORD_IN = "target1234567"
LOCAL = Portal("127.0.0.1")
V6 = Portal("fd00::1")
ISCSIADM = "/usr/sbin/iscsiadm"
UDEVADM = "/usr/sbin/udevadm"
WWID = "naa.6001405f1c2a3b4c5d6e7f8091a2b3c4"
GIB = 1024 ** 3

SESSIONS = """tcp: [1] 127.0.0.1:3260,1 iqn.2026-11.lab.limiquantix:guest (non-flash)
tcp: [2] [fd00::1]:3260,1 iqn.2026-11.lab.limiquantix:guest (non-flash)
tcp: [13] 10.0.0.20:3261,2 iqn.2026-11.lab.limiquantix:backup (non-flash)
"""

NODES = """127.0.0.1:3260,1 iqn.2026-11.lab.limiquantix:guest
[fd00::1]:3260,1 iqn.2026-11.lab.limiquantix:guest
10.0.0.20:3261,-1 iqn.2026-11.lab.limiquantix:backup
"""

RECORD_SHOWN = """# BEGIN RECORD 2.1.8
node.name = iqn.2026-11.lab.limiquantix:guest
node.tpgt = 1
node.startup = automatic
node.leading_login = No
iface.iscsi_ifacename = default
iface.net_ifacename = <empty>
iface.transport_name = tcp
node.discovery_address = 127.0.0.1
node.discovery_port = 3260
node.discovery_type = send_targets
node.session.initial_cmdsn = 0
node.session.initial_login_retry_max = 8
node.session.auth.authmethod = CHAP
node.session.auth.chap_algs = MD5
node.session.auth.username = u
node.session.auth.password = secret12345678
node.session.auth.username_in = <empty>
node.session.auth.password_in = <empty>
node.session.timeo.replacement_timeout = 120
node.conn[0].address = 127.0.0.1
node.conn[0].port = 3260
node.conn[0].startup = automatic
# END RECORD
"""

RECORD_FILE = """# BEGIN RECORD 2.1.8
node.name = iqn.2026-11.lab.limiquantix:guest
node.tpgt = 1
node.startup = manual
node.session.auth.authmethod = CHAP
node.session.auth.username = u
node.session.auth.password = old-secret-9999
node.conn[0].address = 127.0.0.1
node.conn[0].port = 3260
node.conn[0].startup = manual
# END RECORD
"""


# -- portals ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, host, port", [
    ("10.0.0.5", "10.0.0.5", 3260),
    ("10.0.0.5:3261", "10.0.0.5", 3261),
    (" san.example.com:3260 ", "san.example.com", 3260),
    ("san", "san", 3260),
    ("[fd00::1]", "fd00::1", 3260),
    ("[fd00::1]:3261", "fd00::1", 3261),
    ("[FD00:0::1]:3260", "fd00::1", 3260),  # compressed and lowercase, as iscsiadm prints it
    ("fd00::1", "fd00::1", 3260),
    ("fd00:0:0:0:0:0:0:1", "fd00::1", 3260),
    ("::1", "::1", 3260),
    ("10.0.0.5:1", "10.0.0.5", 1),
    ("10.0.0.5:65535", "10.0.0.5", 65535),
])
def test_parse_portal(text, host, port):
    assert parse_portal(text) == Portal(host, port)


@pytest.mark.parametrize("text", [
    "10.0.0.5:0", "10.0.0.5:65536", "10.0.0.5:99999999999", "[fd00::1]:0", "[fd00::1]:70000",
    "10.0.0.5:", "10.0.0.5:port", "10.0.0.5:-1", "", "   ", "a b", "[fd00::1", "fd00::1]", "[]", "[10.0.0.5]",
    "10.0.0.5,1", "host:3260:1x", "[fd00::1]3260",
])
def test_parse_portal_rejects(text):
    with pytest.raises(LqError) as excinfo:
        parse_portal(text, "portals")
    assert excinfo.value.message == ("portals: %r is not host, host:port, [ipv6] or [ipv6]:port with a port from 1 "
                                     "to 65535" % text)


@pytest.mark.parametrize("portal, text", [
    (Portal("10.0.0.5"), "10.0.0.5:3260"),
    (Portal("san.example.com", 3261), "san.example.com:3261"),
    (Portal("fd00::1"), "[fd00::1]:3260"),
    (Portal("fd00::1", 3261), "[fd00::1]:3261"),
])
def test_portal_str(portal, text):
    assert str(portal) == text
    assert parse_portal(text) == portal


# -- parsers ----------------------------------------------------------------------------------------------------

def test_parse_sessions():
    assert parse_sessions(SESSIONS) == [
        Session("1", Portal("127.0.0.1"), "1", IQN),
        Session("2", Portal("fd00::1"), "1", IQN),
        Session("13", Portal("10.0.0.20", 3261), "2", OTHER_IQN),
    ]


@pytest.mark.parametrize("text", ["", "\n", "iscsiadm: No active sessions.\n", "garbage\n"])
def test_parse_sessions_none(text):
    assert parse_sessions(text) == []


def test_parse_sessions_skips_other_lines():
    text = "iscsiadm: some warning\n" + SESSIONS.splitlines()[0] + "\r\n\n"
    assert parse_sessions(text) == [Session("1", LOCAL, "1", IQN)]


def test_parse_node_records():
    assert parse_node_records(NODES) == [
        NodeRecord(Portal("127.0.0.1"), "1", IQN),
        NodeRecord(Portal("fd00::1"), "1", IQN),
        NodeRecord(Portal("10.0.0.20", 3261), "-1", OTHER_IQN),
    ]


@pytest.mark.parametrize("text", [
    "", "iscsiadm: No records found\n", "iscsiadm: cannot make connection to 127.0.0.1: Connection refused\n"])
def test_parse_node_records_none(text):
    assert parse_node_records(text) == []


def test_parse_settings():
    settings = parse_settings(RECORD_SHOWN)
    assert settings["node.name"] == IQN
    assert settings["node.startup"] == "automatic"
    assert settings["node.session.auth.password"] == PASSWORD
    assert settings["node.session.auth.username_in"] == "<empty>"
    assert settings["node.conn[0].startup"] == "automatic"
    assert not any(name.startswith("#") for name in settings)
    assert len(settings) == 22


def test_parse_settings_value_with_equals_and_comments():
    assert parse_settings("# a = b\n  # c = d\nx = a=b \nno separator\ny=\n") == {"x": "a=b", "y": ""}


@pytest.mark.parametrize("settings, expected", [
    ({"node.session.auth.password": PASSWORD}, {"node.session.auth.password": HIDDEN}),
    ({"node.session.auth.password_in": PASSWORD_IN}, {"node.session.auth.password_in": HIDDEN}),
    ({"discovery.sendtargets.auth.password": PASSWORD}, {"discovery.sendtargets.auth.password": HIDDEN}),
    ({"discovery.sendtargets.auth.password_in": "x"}, {"discovery.sendtargets.auth.password_in": HIDDEN}),
    ({"node.session.auth.password": "<empty>"}, {"node.session.auth.password": "<empty>"}),
    ({"node.session.auth.password": ""}, {"node.session.auth.password": ""}),
    ({"node.session.auth.username": "u", "node.startup": "manual"},
     {"node.session.auth.username": "u", "node.startup": "manual"}),
    ({"node.session.auth.password_length": "14"}, {"node.session.auth.password_length": "14"}),
])
def test_masked(settings, expected):
    assert masked(settings) == expected


def test_masked_record():
    shown = masked(parse_settings(RECORD_SHOWN))
    assert PASSWORD not in json.dumps(shown)
    assert shown["node.session.auth.password"] == HIDDEN
    assert shown["node.session.auth.username"] == "u"


# -- probe_portal -----------------------------------------------------------------------------------------------

def test_probe_portal_answers():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        assert probe_portal(Portal("127.0.0.1", listener.getsockname()[1]), timeout=2) is None
    finally:
        listener.close()


def test_probe_portal_refused():
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    assert probe_portal(Portal("127.0.0.1", port), timeout=2) == os.strerror(111)


def test_probe_portal_timeout(monkeypatch):
    def no_answer(address, timeout):
        assert address == ("10.0.0.99", 3260) and timeout == 0.5
        raise socket.timeout("timed out")
    monkeypatch.setattr(_iscsi.socket, "create_connection", no_answer)
    assert probe_portal(Portal("10.0.0.99"), timeout=0.5) == "no answer within 0.5 s"


def test_probe_portal_unknown_host(monkeypatch):
    def unknown(address, timeout):
        raise socket.gaierror(-2, "Name or service not known")
    monkeypatch.setattr(_iscsi.socket, "create_connection", unknown)
    assert probe_portal(Portal("san.invalid")) == "Name or service not known"


# -- a fake node ------------------------------------------------------------------------------------------------

class FakeCommands:
    """AnsibleModule.run_command and get_bin_path: answers by argv (a function of the argv, or a result), else
    success without output."""

    def __init__(self, results=None, binaries=("iscsiadm", "udevadm")):
        self.results = dict(results or {})
        self.binaries = binaries
        self.calls = []
        self.hooks = []

    def run_command(self, args):
        self.calls.append(list(args))
        for hook in self.hooks:
            hook(args)
        result = self.results.get(" ".join(args), (0, "", ""))
        return result(args) if callable(result) else result

    def get_bin_path(self, name, opt_dirs=None):
        assert "/usr/sbin" in opt_dirs
        return "/usr/sbin/%s" % name if name in self.binaries else None

    def node(self):
        return Node(self.run_command, self.get_bin_path)


def iscsiadm_with(results=None, record_roots=("/nonexistent",)):
    commands = FakeCommands({"%s %s" % (ISCSIADM, args): result for args, result in (results or {}).items()})
    return Iscsiadm(commands.node(), record_roots), commands


# -- sysfs ------------------------------------------------------------------------------------------------------

def scsi_directory(root, sid, lun, host=2):
    return root / ("sys/class/iscsi_session/session%s/device/target%d:0:0/%d:0:0:%d" % (sid, host, host, lun))


def add_lun(root, sid, lun, scsi_type=0, device=None, sectors=None, wwid=None, link=None, host=2):
    """A SCSI device of session ``sid`` as the kernel shows it; with ``link``, udev's by-path link to it."""
    directory = scsi_directory(root, sid, lun, host)
    directory.mkdir(parents=True)
    (directory / "type").write_text("%d\n" % scsi_type)
    if wwid:
        (directory / "wwid").write_text(wwid + "\n")
    if device:
        (directory / "block" / device).mkdir(parents=True)
        block = root / "sys/class/block" / device
        block.mkdir(parents=True, exist_ok=True)
        if sectors is not None:
            (block / "size").write_text("%d\n" % sectors)
    if link:
        by_path = root / "dev/disk/by-path"
        by_path.mkdir(parents=True, exist_ok=True)
        (by_path / link).symlink_to("../../%s" % device)
    return directory


def by_path_name(portal, target, lun):
    return "ip-%s:%d-iscsi-%s-lun-%d" % (portal.host, portal.port, target, lun)


@pytest.fixture
def lab_session(tmp_path):
    """Session 1 to IQN at 127.0.0.1: LUN 0 a controller (tgt's), LUN 1 a 10 GiB disk sdb, LUN 2 a 1 GiB sdc."""
    add_lun(tmp_path, 1, 0, scsi_type=12)
    add_lun(tmp_path, 1, 1, device="sdb", sectors=10 * GIB // 512, wwid=WWID, link=by_path_name(LOCAL, IQN, 1))
    add_lun(tmp_path, 1, 2, device="sdc", sectors=GIB // 512, wwid=WWID[:-1] + "5",
            link=by_path_name(LOCAL, IQN, 2))
    return Session("1", LOCAL, "1", IQN)


def test_sysfs_disk_luns_skip_controllers(tmp_path, lab_session):
    sysfs = Sysfs(str(tmp_path))
    assert [(lun, os.path.basename(directory)) for lun, directory in sysfs.disk_luns("1")] == [
        (1, "2:0:0:1"), (2, "2:0:0:2")]


def test_sysfs_disk_luns_sorted_numerically(tmp_path):
    for lun in (10, 2, 1):
        add_lun(tmp_path, 4, lun, host=5)
    add_lun(tmp_path, 4, 3, scsi_type=5, host=5)  # a CD-ROM
    assert [lun for lun, _directory in Sysfs(str(tmp_path)).disk_luns("4")] == [1, 2, 10]


def test_sysfs_disk_luns_of_an_unknown_session(tmp_path, lab_session):
    assert Sysfs(str(tmp_path)).disk_luns("7") == []


def test_sysfs_disk_luns_of_another_session(tmp_path, lab_session):
    add_lun(tmp_path, 11, 1, device="sdd", host=12)
    assert [lun for lun, _d in Sysfs(str(tmp_path)).disk_luns("11")] == [1]
    assert [lun for lun, _d in Sysfs(str(tmp_path)).disk_luns("1")] == [1, 2]


def test_sysfs_block_device_size_wwid(tmp_path, lab_session):
    sysfs = Sysfs(str(tmp_path))
    directory = str(scsi_directory(tmp_path, 1, 1))
    assert sysfs.block_device(directory) == "/dev/sdb"
    assert sysfs.size("/dev/sdb") == 10 * GIB
    assert sysfs.wwid(directory) == WWID
    assert sysfs.block_device(str(scsi_directory(tmp_path, 1, 0))) is None
    assert sysfs.wwid(str(scsi_directory(tmp_path, 1, 0))) is None
    assert sysfs.size("/dev/sdz") is None


def test_sysfs_size_unreadable(tmp_path):
    (tmp_path / "sys/class/block/sdb").mkdir(parents=True)
    (tmp_path / "sys/class/block/sdb/size").write_text("garbage\n")
    assert Sysfs(str(tmp_path)).size("/dev/sdb") is None


def test_sysfs_holders_and_partitions(tmp_path):
    block = tmp_path / "sys/class/block"
    for path in ("sdb/holders/dm-0", "sdb/sdb1/holders/dm-1", "sdb/sdb2/holders/dm-2", "sdb/sdb2/holders/dm-3",
                 "sdc/holders/dm-9", "sdb/queue/holders/x"):
        (block / path).mkdir(parents=True)
    for path in ("sdb/sdb1/partition", "sdb/sdb2/partition", "sdc/sdc1/partition"):
        (block / path).parent.mkdir(parents=True, exist_ok=True)
        (block / path).write_text("1\n")
    sysfs = Sysfs(str(tmp_path))
    assert sysfs.holders("/dev/sdb") == ["dm-0", "dm-1", "dm-2", "dm-3"]
    assert sysfs.partitions("/dev/sdb") == ["/dev/sdb1", "/dev/sdb2"]
    assert sysfs.holders("/dev/sdc") == ["dm-9"]
    assert sysfs.partitions("/dev/sdc") == ["/dev/sdc1"]
    assert sysfs.holders("/dev/sdd") == [] and sysfs.partitions("/dev/sdd") == []


def test_sysfs_root_defaults_to_slash():
    assert Sysfs().root == "/"


# -- by-path links and serial numbers ---------------------------------------------------------------------------

def test_by_path_link(tmp_path, lab_session):
    link = "/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-%s-lun-1" % IQN
    assert by_path_link(LOCAL, IQN, 1, str(tmp_path)) == link
    assert by_path_link(LOCAL, IQN, 3, str(tmp_path)) is None
    assert by_path_link(Portal("127.0.0.1", 3261), IQN, 1, str(tmp_path)) is None
    assert by_path_link(LOCAL, OTHER_IQN, 1, str(tmp_path)) is None


def test_by_path_link_ipv6_has_no_brackets(tmp_path):
    """udev's path_id prints the session's persistent_address as it is: ip-fd00::1:3260-iscsi-..."""
    by_path = tmp_path / "dev/disk/by-path"
    by_path.mkdir(parents=True)
    (by_path / ("ip-fd00::1:3260-iscsi-%s-lun-1" % IQN)).symlink_to("../../sdb")
    assert by_path_link(V6, IQN, 1, str(tmp_path)) == "/dev/disk/by-path/ip-fd00::1:3260-iscsi-%s-lun-1" % IQN


def test_by_path_link_must_be_a_link(tmp_path):
    by_path = tmp_path / "dev/disk/by-path"
    by_path.mkdir(parents=True)
    (by_path / by_path_name(LOCAL, IQN, 1)).write_text("")
    assert by_path_link(LOCAL, IQN, 1, str(tmp_path)) is None


UDEV_SDB = """DEVPATH=/devices/platform/host2/session1/target2:0:0/2:0:0:1/block/sdb
DEVNAME=/dev/sdb
DEVTYPE=disk
ID_SCSI=1
ID_VENDOR=IET
ID_MODEL=VIRTUAL-DISK
ID_SCSI_SERIAL=beaf11
ID_SERIAL=360000000000000000e00000000010001
ID_SERIAL_SHORT=60000000000000000e00000000010001
ID_PATH=ip-127.0.0.1:3260-iscsi-iqn.2026-11.lab.limiquantix:guest-lun-1
"""


@pytest.mark.parametrize("rc, out, serial", [
    (0, UDEV_SDB, "beaf11"),
    (0, UDEV_SDB.replace("ID_SCSI_SERIAL=beaf11\n", ""), "60000000000000000e00000000010001"),
    (0, "DEVNAME=/dev/sdb\n", None),
    (1, "", None),
])
def test_serial_of(rc, out, serial):
    commands = FakeCommands({"%s info --query=property --name /dev/sdb" % UDEVADM: (rc, out, "")})
    assert serial_of(commands.node(), "/dev/sdb") == serial
    assert commands.calls == [[UDEVADM, "info", "--query=property", "--name", "/dev/sdb"]]


def test_serial_of_without_udevadm():
    with pytest.raises(LqError, match="the node has no udevadm command: install the udev package"):
        serial_of(FakeCommands(binaries=()).node(), "/dev/sdb")


# -- session_luns, with_serials ---------------------------------------------------------------------------------

def test_session_luns(tmp_path, lab_session):
    luns = session_luns(Sysfs(str(tmp_path)), lab_session)
    assert luns == [
        Lun(1, "/dev/sdb", "/dev/disk/by-path/" + by_path_name(LOCAL, IQN, 1), 10 * GIB, WWID, None),
        Lun(2, "/dev/sdc", "/dev/disk/by-path/" + by_path_name(LOCAL, IQN, 2), GIB, WWID[:-1] + "5", None),
    ]
    assert luns[0].as_dict() == {"lun": 1, "device": "/dev/sdb", "by_path": "/dev/disk/by-path/" + by_path_name(
        LOCAL, IQN, 1), "size": 10 * GIB, "wwn": WWID, "serial": None}


def test_session_luns_without_device_yet(tmp_path):
    add_lun(tmp_path, 1, 1, wwid=WWID)
    assert session_luns(Sysfs(str(tmp_path)), Session("1", LOCAL, "1", IQN)) == [
        Lun(1, None, None, None, WWID, None)]


def test_with_serials(tmp_path, lab_session):
    commands = FakeCommands({"%s info --query=property --name /dev/sdb" % UDEVADM: (0, UDEV_SDB, "")})
    luns = session_luns(Sysfs(str(tmp_path)), lab_session) + [Lun(3, None, None, None, None, None)]
    assert [lun.serial for lun in with_serials(commands.node(), luns)] == ["beaf11", None, None]
    assert [call[-1] for call in commands.calls] == ["/dev/sdb", "/dev/sdc"]


# -- wait_for_luns ----------------------------------------------------------------------------------------------

def settles(commands):
    return [call for call in commands.calls if call[1] == "settle"]


def test_wait_for_luns_complete_and_stable(tmp_path, lab_session):
    commands = FakeCommands()
    luns = wait_for_luns(Sysfs(str(tmp_path)), commands.node(), lab_session, timeout=5, poll=0)
    assert [(lun.lun, lun.device, lun.size) for lun in luns] == [(1, "/dev/sdb", 10 * GIB), (2, "/dev/sdc", GIB)]
    assert len(settles(commands)) == 2  # the same, complete LUNs on two polls in a row
    assert all(lun.by_path for lun in luns)


def test_wait_for_luns_of_a_session_without_disks(tmp_path):
    add_lun(tmp_path, 1, 0, scsi_type=12)
    commands = FakeCommands()
    assert wait_for_luns(Sysfs(str(tmp_path)), commands.node(), Session("1", LOCAL, "1", IQN), 5, poll=0) == []


def test_wait_for_luns_waits_for_the_device_and_the_link(tmp_path):
    """The kernel makes the block device a poll later, udev the by-path link later still."""
    session = Session("1", LOCAL, "1", IQN)
    add_lun(tmp_path, 1, 1, wwid=WWID)
    commands = FakeCommands({"%s info --query=property --name /dev/sdb" % UDEVADM: (0, UDEV_SDB, "")})

    def kernel_and_udev(args):
        count = len(settles(commands))
        directory = scsi_directory(tmp_path, 1, 1)
        if count == 2:
            (directory / "block/sdb").mkdir(parents=True)
            (tmp_path / "sys/class/block/sdb").mkdir(parents=True)
            (tmp_path / "sys/class/block/sdb/size").write_text("20971520\n")
        if count == 4:
            (tmp_path / "dev/disk/by-path").mkdir(parents=True)
            (tmp_path / "dev/disk/by-path" / by_path_name(LOCAL, IQN, 1)).symlink_to("../../sdb")
    commands.hooks.append(kernel_and_udev)
    luns = wait_for_luns(Sysfs(str(tmp_path)), commands.node(), session, timeout=5, poll=0)
    assert luns == [Lun(1, "/dev/sdb", "/dev/disk/by-path/" + by_path_name(LOCAL, IQN, 1), 10 * GIB, WWID, "beaf11")]
    assert len(settles(commands)) == 5


def test_wait_for_luns_times_out(tmp_path):
    add_lun(tmp_path, 1, 0, scsi_type=12)
    add_lun(tmp_path, 1, 1, device="sdb", sectors=2048, link=by_path_name(LOCAL, IQN, 1))
    add_lun(tmp_path, 1, 2, wwid=WWID)  # never gets a device
    add_lun(tmp_path, 1, 3, device="sdd", sectors=2048)  # never gets its link
    commands = FakeCommands()
    with pytest.raises(LqError) as excinfo:
        wait_for_luns(Sysfs(str(tmp_path)), commands.node(), Session("1", LOCAL, "1", IQN), timeout=0.05,
                      poll=0.01)
    assert excinfo.value.message == (
        "the LUNs of %s at 127.0.0.1:3260 did not all get block devices within 0.05 s (LUNs without a device or "
        "by-path link: 2, 3); raise wait_timeout, or check the target's LUNs and udev" % IQN)
    assert len(settles(commands)) >= 2


def test_wait_for_luns_times_out_while_the_luns_change(tmp_path):
    commands = FakeCommands()

    def new_lun_every_poll(args):
        if args[1] == "settle":
            lun = len(settles(commands))
            add_lun(tmp_path, 1, lun, device="sd%s" % chr(ord("a") + lun), sectors=2048,
                    link=by_path_name(LOCAL, IQN, lun))
    commands.hooks.append(new_lun_every_poll)
    with pytest.raises(LqError, match=r"within 0.05 s \(LUNs without a device or by-path link: none, still "
                                      r"changing\)"):
        wait_for_luns(Sysfs(str(tmp_path)), commands.node(), Session("1", LOCAL, "1", IQN), timeout=0.05,
                      poll=0.01)


def test_wait_for_luns_settles_within_the_timeout(tmp_path, monkeypatch):
    """Each udevadm settle waits at most what is left of the timeout: the whole wait stays bounded by it."""
    clock = [0.0]
    monkeypatch.setattr(_iscsi, "time", types.SimpleNamespace(monotonic=lambda: clock[0], sleep=lambda seconds: None))
    add_lun(tmp_path, 1, 1, wwid=WWID)  # never gets a device
    commands = FakeCommands()

    def slow_settle(args):
        if args[1] == "settle":
            clock[0] += 10
    commands.hooks.append(slow_settle)
    with pytest.raises(LqError, match="within 30 s"):
        wait_for_luns(Sysfs(str(tmp_path)), commands.node(), Session("1", LOCAL, "1", IQN), timeout=30)
    assert settles(commands) == [[UDEVADM, "settle", "--timeout=%d" % left] for left in (30, 20, 10)]


def test_wait_for_luns_settles_at_least_a_second(tmp_path, lab_session):
    commands = FakeCommands()
    wait_for_luns(Sysfs(str(tmp_path)), commands.node(), lab_session, timeout=0.2, poll=0)
    assert settles(commands)[0] == [UDEVADM, "settle", "--timeout=1"]


# -- record files -----------------------------------------------------------------------------------------------

@pytest.fixture
def record_file(tmp_path):
    directory = tmp_path / "etc/iscsi/nodes" / IQN / "127.0.0.1,3260,1"
    directory.mkdir(parents=True)
    path = directory / "default"
    path.write_text(RECORD_FILE)
    path.chmod(0o600)
    return path


def test_write_record_settings_replaces_and_adds(record_file):
    write_record_settings(str(record_file), {
        "node.session.auth.password": PASSWORD,
        "node.session.auth.username_in": "target",
        "node.session.auth.password_in": PASSWORD_IN,
    })
    lines = record_file.read_text().splitlines()
    assert lines == RECORD_FILE.replace("old-secret-9999", PASSWORD).splitlines()[:-1] + [
        "node.session.auth.username_in = target",
        "node.session.auth.password_in = " + PASSWORD_IN,
        "# END RECORD",
    ]
    assert parse_settings(record_file.read_text())["node.session.auth.password"] == PASSWORD


def test_write_record_settings_is_root_only_and_atomic(record_file):
    record_file.chmod(0o644)
    inode = record_file.stat().st_ino
    write_record_settings(str(record_file), {"node.session.auth.password": PASSWORD})
    assert stat.S_IMODE(record_file.stat().st_mode) == 0o600
    assert record_file.stat().st_ino != inode  # replaced by a new file, not rewritten in place
    assert os.listdir(str(record_file.parent)) == ["default"]  # no temporary file left


def test_write_record_settings_failure_leaves_the_record_and_no_temporary_file(record_file, monkeypatch):
    def fail(source, destination):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(_iscsi.os, "replace", fail)
    with pytest.raises(OSError):
        write_record_settings(str(record_file), {"node.session.auth.password": PASSWORD})
    assert record_file.read_text() == RECORD_FILE
    assert os.listdir(str(record_file.parent)) == ["default"]


def test_write_record_settings_empty_value_removes_the_line(record_file):
    record_file.write_text(RECORD_FILE.replace("# END RECORD", "node.session.auth.username_in = target\n"
                                                               "node.session.auth.password_in = %s\n# END RECORD"
                                               % PASSWORD_IN))
    write_record_settings(str(record_file), {"node.session.auth.username_in": "",
                                             "node.session.auth.password_in": "",
                                             "node.session.auth.username": ""})
    text = record_file.read_text()
    assert "username_in" not in text and "password_in" not in text and PASSWORD_IN not in text
    assert "node.session.auth.username" not in text
    assert text.endswith("node.conn[0].startup = manual\n# END RECORD\n")


def test_write_record_settings_duplicate_lines(record_file):
    record_file.write_text(RECORD_FILE.replace("# END RECORD", "node.session.auth.password = older\n# END RECORD"))
    write_record_settings(str(record_file), {"node.session.auth.password": PASSWORD})
    assert parse_settings(record_file.read_text())["node.session.auth.password"] == PASSWORD
    assert "older" not in record_file.read_text() and "old-secret" not in record_file.read_text()


def test_write_record_settings_without_end_marker(tmp_path):
    path = tmp_path / "st_config"
    path.write_text("discovery.startup = manual\n")
    write_record_settings(str(path), {"discovery.sendtargets.auth.password": PASSWORD})
    assert path.read_text() == "discovery.startup = manual\ndiscovery.sendtargets.auth.password = %s\n" % PASSWORD


def test_write_record_settings_leaves_comments_and_similar_names(record_file):
    record_file.write_text("# node.session.auth.password is secret\n" + RECORD_FILE)
    write_record_settings(str(record_file), {"node.session.auth.password": PASSWORD})
    text = record_file.read_text()
    assert text.startswith("# node.session.auth.password is secret\n# BEGIN RECORD 2.1.8\n")
    assert text.count(PASSWORD) == 1


# -- Iscsiadm ---------------------------------------------------------------------------------------------------

def test_sessions():
    iscsiadm, commands = iscsiadm_with({"-m session": (0, SESSIONS, "")})
    assert [session.sid for session in iscsiadm.sessions()] == ["1", "2", "13"]
    assert commands.calls == [[ISCSIADM, "-m", "session"]]


def test_sessions_none_is_not_an_error():
    iscsiadm, _commands = iscsiadm_with({"-m session": (21, "", "iscsiadm: No active sessions.\n")})
    assert iscsiadm.sessions() == []


def test_node_records_none_is_not_an_error():
    iscsiadm, _commands = iscsiadm_with({"-m node": (21, "", "iscsiadm: No records found\n")})
    assert iscsiadm.node_records() == []
    iscsiadm, _commands = iscsiadm_with({"-m node": (0, NODES, "")})
    assert len(iscsiadm.node_records()) == 3


def test_sessions_error_names_the_cause():
    iscsiadm, _commands = iscsiadm_with({"-m session": (20, "", "iscsiadm: can not connect to iSCSI daemon (111)!\n")})
    with pytest.raises(IscsiadmError) as excinfo:
        iscsiadm.sessions()
    assert excinfo.value.rc == 20
    assert excinfo.value.message == (
        "listing iSCSI sessions failed (iscsiadm exit 20: no connection to iscsid (start iscsid: systemctl start "
        "iscsid)): iscsiadm: can not connect to iSCSI daemon (111)!")


def test_iscsiadm_missing():
    iscsiadm = Iscsiadm(FakeCommands(binaries=("udevadm",)).node())
    with pytest.raises(LqError, match=r"the node has no iscsiadm command: install the open-iscsi \(Debian/Ubuntu\) "
                                      r"or iscsi-initiator-utils \(EL\) package"):
        iscsiadm.sessions()


LOGIN_FAILED = ("iscsiadm: Could not login to [iface: default, target: %s, portal: 127.0.0.1,3260].\n"
                "iscsiadm: initiator reported error (24 - iSCSI login failed due to authorization failure)\n"
                "iscsiadm: Could not log into all portals\n" % IQN)


@pytest.mark.parametrize("rc, err, cause", [
    (24, LOGIN_FAILED, "the target rejected the login credentials (CHAP user name or password wrong)"),
    (8, "iscsiadm: initiator reported error (8 - connection timed out)\n",
     "the portal did not answer in time (is the target running and reachable?)"),
    (19, "iscsiadm: initiator reported error (19 - encountered non-retryable iSCSI login failure)\n",
     "the target refused the login for good (check the target name and the target's ACL for this initiator; with "
     "mutual CHAP, that username_in and password_in are the target's own CHAP credentials)"),
    (12, "iscsiadm: initiator reported error (12 - iSCSI driver not found. Please make sure it is loaded, and retry "
         "the operation)\n",
     "the initiator's iSCSI driver is missing (modprobe iscsi_tcp; install the kernel's extra modules)"),
])
def test_login_errors(rc, err, cause):
    iscsiadm, _commands = iscsiadm_with({"-m node -T %s -p 127.0.0.1:3260 -I default --login" % IQN: (rc, "", err)})
    with pytest.raises(IscsiadmError) as excinfo:
        iscsiadm.login(IQN, LOCAL, "default")
    assert excinfo.value.message == "logging in to %s at 127.0.0.1:3260 failed (iscsiadm exit %d: %s): %s" % (
        IQN, rc, cause, err.strip())


def test_error_without_a_known_cause_uses_stdout_when_stderr_is_empty():
    iscsiadm, _commands = iscsiadm_with({"-m node -T %s -p 127.0.0.1:3260 -I default --login" % IQN:
                                         (7, "iscsiadm: some output\n", "")})
    with pytest.raises(IscsiadmError) as excinfo:
        iscsiadm.login(IQN, LOCAL, "default")
    assert excinfo.value.message == ("logging in to %s at 127.0.0.1:3260 failed (iscsiadm exit 7): iscsiadm: some "
                                     "output" % IQN)


def test_login_to_an_existing_session_is_fine():
    iscsiadm, _commands = iscsiadm_with({"-m node -T %s -p 127.0.0.1:3260 -I default --login" % IQN: (
        15, "", "iscsiadm: default: 1 session requested, but 1 already present.\n")})
    iscsiadm.login(IQN, LOCAL, "default")


def test_logout_and_delete_of_nothing_are_fine():
    iscsiadm, commands = iscsiadm_with({
        "-m node -T %s -p [fd00::1]:3260 -I default --logout" % IQN: (21, "", "iscsiadm: No matching sessions found\n"),
        "-m node -o delete -T %s -p [fd00::1]:3260 -I default" % IQN: (21, "", "iscsiadm: No records found\n"),
    })
    iscsiadm.logout(IQN, V6, "default")
    iscsiadm.delete_record(IQN, V6, "default")
    assert commands.calls == [
        [ISCSIADM, "-m", "node", "-T", IQN, "-p", "[fd00::1]:3260", "-I", "default", "--logout"],
        [ISCSIADM, "-m", "node", "-o", "delete", "-T", IQN, "-p", "[fd00::1]:3260", "-I", "default"],
    ]


def test_commands():
    iscsiadm, commands = iscsiadm_with({
        "-m discoverydb -t sendtargets -p 127.0.0.1:3260 -I default --discover -o nonpersistent":
            (0, "127.0.0.1:3260,1 %s\n127.0.0.1:3260,1 %s\n" % (IQN, OTHER_IQN), ""),
        "-m node -T %s -p 127.0.0.1:3260 -I default -S" % IQN: (0, RECORD_SHOWN, ""),
        "-m node -T %s -p 127.0.0.1:3260,1" % IQN: (0, RECORD_SHOWN.replace(PASSWORD, HIDDEN), ""),
        "-m discoverydb -t sendtargets -p 127.0.0.1:3260 -S": (0, "discovery.startup = manual\n", ""),
    })
    iscsiadm.new_discovery_record(LOCAL, "default")
    assert iscsiadm.discover(LOCAL, "default") == [NodeRecord(LOCAL, "1", IQN), NodeRecord(LOCAL, "1", OTHER_IQN)]
    assert iscsiadm.discovery_settings(LOCAL) == {"discovery.startup": "manual"}
    assert iscsiadm.settings(IQN, LOCAL, "default")["node.session.auth.password"] == PASSWORD
    assert iscsiadm.record_settings(NodeRecord(LOCAL, "1", IQN))["node.session.auth.password"] == HIDDEN
    iscsiadm.new_record(IQN, LOCAL, "1", "default")
    iscsiadm.new_record(IQN, V6, None, "iser")
    iscsiadm.update(IQN, LOCAL, "default", "node.startup", "automatic")
    iscsiadm.update_discovery(LOCAL, "discovery.sendtargets.auth.authmethod", "CHAP")
    iscsiadm.rescan("3")
    assert [call[1:] for call in commands.calls] == [
        ["-m", "discoverydb", "-t", "sendtargets", "-p", "127.0.0.1:3260", "-I", "default", "-o", "new"],
        ["-m", "discoverydb", "-t", "sendtargets", "-p", "127.0.0.1:3260", "-I", "default", "--discover", "-o",
         "nonpersistent"],
        ["-m", "discoverydb", "-t", "sendtargets", "-p", "127.0.0.1:3260", "-S"],
        ["-m", "node", "-T", IQN, "-p", "127.0.0.1:3260", "-I", "default", "-S"],
        ["-m", "node", "-T", IQN, "-p", "127.0.0.1:3260,1"],
        ["-m", "node", "-o", "new", "-T", IQN, "-p", "127.0.0.1:3260,1", "-I", "default"],
        ["-m", "node", "-o", "new", "-T", IQN, "-p", "[fd00::1]:3260", "-I", "iser"],
        ["-m", "node", "-o", "update", "-T", IQN, "-p", "127.0.0.1:3260", "-I", "default", "-n", "node.startup",
         "-v", "automatic"],
        ["-m", "discoverydb", "-t", "sendtargets", "-p", "127.0.0.1:3260", "-o", "update", "-n",
         "discovery.sendtargets.auth.authmethod", "-v", "CHAP"],
        ["-m", "session", "-r", "3", "--rescan"],
    ]


def test_settings_of_a_missing_record():
    iscsiadm, _commands = iscsiadm_with({"-m node -T %s -p 127.0.0.1:3260 -I default -S" % IQN: (
        21, "", "iscsiadm: No records found\n")})
    assert iscsiadm.settings(IQN, LOCAL, "default") == {}


def test_discover_timeout():
    iscsiadm, _commands = iscsiadm_with({
        "-m discoverydb -t sendtargets -p 127.0.0.1:3260 -I default --discover -o nonpersistent": (
            8, "", "iscsiadm: connection login retries (reopen_max) 5 exceeded\n")})
    with pytest.raises(IscsiadmError, match=r"discovering the targets of portal 127.0.0.1:3260 failed \(iscsiadm "
                                            r"exit 8: the portal did not answer in time"):
        iscsiadm.discover(LOCAL, "default")


@pytest.mark.parametrize("name", ["node.session.auth.password", "node.session.auth.password_in"])
def test_update_refuses_passwords(name):
    iscsiadm, commands = iscsiadm_with()
    with pytest.raises(LqError, match="internal error: %s must not pass through a command line" % name):
        iscsiadm.update(IQN, LOCAL, "default", name, PASSWORD)
    assert commands.calls == []


@pytest.mark.parametrize("name", ["discovery.sendtargets.auth.password", "discovery.sendtargets.auth.password_in"])
def test_update_discovery_refuses_passwords(name):
    iscsiadm, commands = iscsiadm_with()
    with pytest.raises(LqError, match="internal error: %s must not pass through a command line" % name):
        iscsiadm.update_discovery(LOCAL, name, PASSWORD)
    assert commands.calls == []


def test_set_secrets_writes_the_record_file(tmp_path, record_file):
    iscsiadm, commands = iscsiadm_with(record_roots=(str(tmp_path / "var/lib/iscsi"), str(tmp_path / "etc/iscsi")))
    iscsiadm.set_secrets(IQN, LOCAL, "default", {"node.session.auth.password": PASSWORD})
    assert parse_settings(record_file.read_text())["node.session.auth.password"] == PASSWORD
    assert commands.calls == []


def test_set_secrets_ipv6_record(tmp_path):
    directory = tmp_path / "etc/iscsi/nodes" / IQN / "fd00::1,3260,1"
    directory.mkdir(parents=True)
    (directory / "default").write_text(RECORD_FILE)
    (directory / "iser").write_text(RECORD_FILE)
    iscsiadm, _commands = iscsiadm_with(record_roots=(str(tmp_path / "etc/iscsi"),))
    iscsiadm.set_secrets(IQN, V6, "iser", {"node.session.auth.password": PASSWORD})
    assert PASSWORD in (directory / "iser").read_text()
    assert PASSWORD not in (directory / "default").read_text()


def test_set_secrets_record_file_without_iface_directory(tmp_path):
    """A portal entry that is the record file itself, not a directory of iface records."""
    nodes = tmp_path / "var/lib/iscsi/nodes" / IQN
    nodes.mkdir(parents=True)
    (nodes / "127.0.0.1,3260,1").write_text(RECORD_FILE)
    iscsiadm, _commands = iscsiadm_with(record_roots=(str(tmp_path / "etc/iscsi"), str(tmp_path / "var/lib/iscsi")))
    iscsiadm.set_secrets(IQN, LOCAL, "default", {"node.session.auth.password": PASSWORD})
    assert PASSWORD in (nodes / "127.0.0.1,3260,1").read_text()


def test_set_secrets_record_without_portal_group_tag(tmp_path):
    """iscsiadm -m node -o new without a tpgt (discovery: false) stores the record as the file ip,port."""
    nodes = tmp_path / "etc/iscsi/nodes" / IQN
    nodes.mkdir(parents=True)
    (nodes / "127.0.0.1,3260").write_text(RECORD_FILE.replace("node.tpgt = 1", "node.tpgt = -1"))
    (nodes / "127.0.0.1,32601").write_text(RECORD_FILE)
    iscsiadm, _commands = iscsiadm_with(record_roots=(str(tmp_path / "etc/iscsi"),))
    iscsiadm.set_secrets(IQN, LOCAL, "default", {"node.session.auth.password": PASSWORD})
    assert PASSWORD in (nodes / "127.0.0.1,3260").read_text()
    assert PASSWORD not in (nodes / "127.0.0.1,32601").read_text()


def test_set_secrets_of_a_missing_record(tmp_path, record_file):
    iscsiadm, _commands = iscsiadm_with(record_roots=(str(tmp_path / "etc/iscsi"), "/nonexistent"))
    for target, portal, iface in ((IQN, LOCAL, "iser"), (IQN, Portal("127.0.0.1", 3261), "default"),
                                  (OTHER_IQN, LOCAL, "default"), (IQN, Portal("127.0.0.11"), "default")):
        with pytest.raises(LqError) as excinfo:
            iscsiadm.set_secrets(target, portal, iface, {"node.session.auth.password": PASSWORD})
        assert excinfo.value.message == "the node record of %s at %s (iface %s) has no file under %s or " \
            "/nonexistent" % (target, portal, iface, tmp_path / "etc/iscsi")
        assert PASSWORD not in excinfo.value.message


def test_set_secrets_target_name_is_not_a_pattern(tmp_path):
    directory = tmp_path / "etc/iscsi/nodes" / "iqn.2026-11.lab.limiquantix:guest1" / "127.0.0.1,3260,1"
    directory.mkdir(parents=True)
    (directory / "default").write_text(RECORD_FILE)
    iscsiadm, _commands = iscsiadm_with(record_roots=(str(tmp_path / "etc/iscsi"),))
    with pytest.raises(LqError, match="has no file"):
        iscsiadm.set_secrets("iqn.2026-11.lab.limiquantix:guest?", LOCAL, "default", {"x.password": PASSWORD})


def test_set_discovery_secrets(tmp_path):
    directory = tmp_path / "etc/iscsi/send_targets/127.0.0.1,3260"
    directory.mkdir(parents=True)
    (directory / "st_config").write_text("# BEGIN RECORD 2.1.8\ndiscovery.startup = manual\n"
                                         "discovery.sendtargets.auth.authmethod = CHAP\n# END RECORD\n")
    iscsiadm, commands = iscsiadm_with(record_roots=(str(tmp_path / "etc/iscsi"),))
    iscsiadm.set_discovery_secrets(LOCAL, {"discovery.sendtargets.auth.password": PASSWORD})
    assert parse_settings((directory / "st_config").read_text())["discovery.sendtargets.auth.password"] == PASSWORD
    assert stat.S_IMODE((directory / "st_config").stat().st_mode) == 0o600
    assert commands.calls == []
    with pytest.raises(LqError) as excinfo:
        iscsiadm.set_discovery_secrets(Portal("127.0.0.1", 3261), {"discovery.sendtargets.auth.password": PASSWORD})
    assert excinfo.value.message == "the discovery record of 127.0.0.1:3261 has no file under %s" % (
        tmp_path / "etc/iscsi")


# -- iscsi_report -----------------------------------------------------------------------------------------------

def report_commands(sessions=SESSIONS, nodes=NODES):
    record = RECORD_SHOWN.replace(PASSWORD, HIDDEN)
    return FakeCommands({
        "%s -m session" % ISCSIADM: (0, sessions, "") if sessions else (21, "", "iscsiadm: No active sessions.\n"),
        "%s -m node" % ISCSIADM: (0, nodes, "") if nodes else (21, "", "iscsiadm: No records found\n"),
        "%s -m node -T %s -p 127.0.0.1:3260,1" % (ISCSIADM, IQN): (0, record, ""),
        "%s -m node -T %s -p [fd00::1]:3260,1" % (ISCSIADM, IQN): (0, record.replace(
            "node.startup = automatic", "node.startup = manual").replace(
            "node.session.auth.username_in = <empty>", "node.session.auth.username_in = target").replace(
            "node.session.auth.password_in = <empty>", "node.session.auth.password_in = ********"), ""),
        "%s -m node -T %s -p 10.0.0.20:3261,-1" % (ISCSIADM, OTHER_IQN): (0, (
            "# BEGIN RECORD 2.1.8\nnode.name = %s\nnode.startup = manual\nnode.session.auth.authmethod = None\n"
            "node.session.auth.username = <empty>\nnode.session.auth.password = <empty>\n# END RECORD\n"
            % OTHER_IQN), ""),
        "%s info --query=property --name /dev/sdb" % UDEVADM: (0, UDEV_SDB, ""),
    })


def test_iscsi_report(tmp_path, lab_session):
    commands = report_commands()
    report = iscsi_report(Iscsiadm(commands.node()), Sysfs(str(tmp_path)), commands.node(), None)
    assert report["sessions"] == [
        {"sid": "1", "target": IQN, "portal": "127.0.0.1:3260", "tpgt": "1", "luns": [
            {"lun": 1, "device": "/dev/sdb", "by_path": "/dev/disk/by-path/" + by_path_name(LOCAL, IQN, 1),
             "size": 10 * GIB, "wwn": WWID, "serial": "beaf11"},
            {"lun": 2, "device": "/dev/sdc", "by_path": "/dev/disk/by-path/" + by_path_name(LOCAL, IQN, 2),
             "size": GIB, "wwn": WWID[:-1] + "5", "serial": None}]},
        {"sid": "2", "target": IQN, "portal": "[fd00::1]:3260", "tpgt": "1", "luns": []},
        {"sid": "13", "target": OTHER_IQN, "portal": "10.0.0.20:3261", "tpgt": "2", "luns": []},
    ]
    assert report["records"] == [
        {"target": OTHER_IQN, "portal": "10.0.0.20:3261", "tpgt": "-1", "startup": "manual", "authmethod": "None",
         "username": None, "username_in": None},
        {"target": IQN, "portal": "127.0.0.1:3260", "tpgt": "1", "startup": "automatic", "authmethod": "CHAP",
         "username": "u", "username_in": None},
        {"target": IQN, "portal": "[fd00::1]:3260", "tpgt": "1", "startup": "manual", "authmethod": "CHAP",
         "username": "u", "username_in": "target"},
    ]
    text = json.dumps(report)
    assert PASSWORD not in text and HIDDEN not in text and "password" not in text
    # Passwords are never asked for (-S): the records as iscsiadm shows them to anyone, masked.
    assert not any("-S" in call for call in commands.calls)


def test_iscsi_report_of_one_target(tmp_path, lab_session):
    commands = report_commands()
    report = iscsi_report(Iscsiadm(commands.node()), Sysfs(str(tmp_path)), commands.node(), OTHER_IQN)
    assert [session["sid"] for session in report["sessions"]] == ["13"]
    assert [record["target"] for record in report["records"]] == [OTHER_IQN]
    assert not any(IQN in " ".join(call) for call in commands.calls)


def test_iscsi_report_sessions_sorted_by_number(tmp_path):
    lines = SESSIONS.splitlines()
    commands = report_commands(sessions="\n".join([lines[2], lines[1], lines[0]]) + "\n")
    report = iscsi_report(Iscsiadm(commands.node()), Sysfs(str(tmp_path)), commands.node(), None)
    assert [session["sid"] for session in report["sessions"]] == ["1", "2", "13"]


def test_iscsi_report_of_an_idle_initiator(tmp_path):
    commands = report_commands(sessions="", nodes="")
    assert iscsi_report(Iscsiadm(commands.node()), Sysfs(str(tmp_path)), commands.node(), None) == {
        "sessions": [], "records": []}
    assert iscsi_report(Iscsiadm(commands.node()), Sysfs(str(tmp_path)), commands.node(), IQN) == {
        "sessions": [], "records": []}


def test_sysfs_session_chap(tmp_path, lab_session):
    session = tmp_path / "sys/class/iscsi_session/session1"
    for name, value in (("username", "u"), ("password", "secret-1234567"), ("username_in", "(null)"),
                        ("password_in", "(null)")):
        (session / name).write_text(value + "\n")
    assert Sysfs(str(tmp_path)).session_chap("1") == {
        "node.session.auth.username": "u", "node.session.auth.password": "secret-1234567",
        "node.session.auth.username_in": "", "node.session.auth.password_in": ""}


def test_sysfs_session_chap_unreadable(tmp_path, lab_session):
    # A kernel without the attributes, or a reader without the right to see them.
    assert Sysfs(str(tmp_path)).session_chap("1") is None

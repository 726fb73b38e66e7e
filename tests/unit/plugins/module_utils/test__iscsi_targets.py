# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lq_iscsi_target: options, settings, LUN users, and planning and converging against a fake initiator.

The fake initiator answers iscsiadm (open-iscsi 2.1.8) and udevadm as a node would: it keeps its records as files
under a temporary /etc/iscsi (so the passwords the manager writes there are the ones a login checks), and shows its
sessions' LUNs in a temporary sysfs and /dev/disk/by-path.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.limiquantix.storage.plugins.module_utils import _iscsi, _iscsi_targets
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._iscsi import (
    HIDDEN,
    Iscsiadm,
    Lun,
    Portal,
    Sysfs,
    parse_settings,
    wait_for_luns,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._iscsi_targets import (
    TARGET_MUTUALLY_EXCLUSIVE,
    TARGET_REQUIRED_ONE_OF,
    Chap,
    TargetManager,
    TargetRequest,
    chap_settings,
    converge_targets,
    desired_settings,
    lun_users,
    read_mounts,
    setting_changes,
    target_argument_spec,
    target_requests,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._node import Node

IQN = "iqn.2026-11.lab.limiquantix:guest"
OTHER_IQN = "iqn.2026-11.lab.limiquantix:backup"
PASSWORD = "secret12345678"
NEW_PASSWORD = "rotated1234567"
PASSWORD_IN = "target1234567"
DISCOVERY_PASSWORD = "discovery12345"
SECRETS = (PASSWORD, NEW_PASSWORD, PASSWORD_IN, DISCOVERY_PASSWORD)
LOCAL = Portal("127.0.0.1")
SECOND = Portal("127.0.0.2", 3261)
V6 = Portal("fd00::1")
UNREACHABLE = Portal("10.0.0.9")
GIB = 1024 ** 3
AUTH = {"username": "u", "password": PASSWORD}
MUTUAL = {"username": "u", "password": PASSWORD, "username_in": "target", "password_in": PASSWORD_IN}


# -- options ----------------------------------------------------------------------------------------------------

def validate(**raw):
    """The module's argument validation, as AnsibleModule runs it."""
    validator = ArgumentSpecValidator(target_argument_spec(), mutually_exclusive=TARGET_MUTUALLY_EXCLUSIVE,
                                      required_one_of=TARGET_REQUIRED_ONE_OF)
    return validator.validate(raw)


def requests_of(**raw):
    result = validate(**raw)
    assert result.error_messages == []
    return target_requests(result.validated_parameters)


def problems_of(**raw):
    with pytest.raises(LqError) as excinfo:
        requests_of(**raw)
    message = excinfo.value.message
    assert message == "invalid iSCSI target options: " + "; ".join(excinfo.value.details["problems"])
    for secret in SECRETS:
        assert secret not in message, "a message quotes a password"
    return excinfo.value.details["problems"]


def request(target=IQN, portals=(LOCAL,), **fields):
    values = dict(iface="default", discovery=True, discovery_auth=None, auth=None, state="logged_in",
                  startup="automatic", force=False, wait_timeout=30)
    values.update(fields)
    return TargetRequest(target=target, portals=list(portals), **values)


def test_request_defaults():
    assert requests_of(target=IQN, portal="127.0.0.1") == [request()]


def test_request_everything():
    assert requests_of(target=IQN, portals=["[fd00::1]", "127.0.0.2:3261"], iface="iser", discovery=False,
                       discovery_auth={"username": "d", "password": DISCOVERY_PASSWORD}, auth=MUTUAL,
                       state="present", startup="manual", force=True, wait_timeout=5) == [
        request(portals=[V6, SECOND], iface="iser", discovery=False, discovery_auth=Chap("d", DISCOVERY_PASSWORD),
                auth=Chap("u", PASSWORD, "target", PASSWORD_IN), state="present", startup="manual", force=True,
                wait_timeout=5)]


def test_chap_hides_passwords_in_its_repr():
    text = repr(Chap("u", PASSWORD, "target", PASSWORD_IN))
    assert PASSWORD not in text and PASSWORD_IN not in text and "target" in text


@pytest.mark.parametrize("raw, error", [
    ({"target": IQN, "portal": "127.0.0.1", "portals": ["127.0.0.2"]},
     "parameters are mutually exclusive: portal|portals"),
    ({"target": IQN, "targets": [{"target": OTHER_IQN}], "portal": "127.0.0.1"},
     "parameters are mutually exclusive: targets|target"),
    ({"portal": "127.0.0.1"}, "one of the following is required: target, targets"),
    ({"target": IQN, "portal": "127.0.0.1", "state": "gone"}, "value of state must be one of"),
    ({"target": IQN, "portal": "127.0.0.1", "startup": "onboot"}, "value of startup must be one of"),
    ({"target": IQN, "portal": "127.0.0.1", "auth": {"username": "u"}}, "missing required arguments: password"),
    ({"target": IQN, "portal": "127.0.0.1", "auth": {"username": "u", "password": PASSWORD, "username_in": "t"}},
     "parameters are required together: username_in, password_in"),
    ({"target": IQN, "portal": "127.0.0.1", "discovery_auth": {"password": PASSWORD}},
     "missing required arguments: username"),
    ({"targets": [{"target": IQN, "portal": "127.0.0.1", "portals": ["127.0.0.2"]}]},
     "parameters are mutually exclusive: portal|portals found in targets"),
])
def test_argument_spec_rejects(raw, error):
    messages = validate(**raw).error_messages
    assert any(error in message for message in messages), messages
    assert not any(PASSWORD in message for message in messages)


@pytest.mark.parametrize("raw, problems", [
    ({"target": "guest", "portal": "127.0.0.1"},
     ["guest: target must be an iSCSI name such as iqn.2026-01.com.example:storage, got 'guest'"]),
    ({"target": "iqn.2026-11.lab.limiquantix guest", "portal": "127.0.0.1"},
     ["iqn.2026-11.lab.limiquantix guest: target must be an iSCSI name such as iqn.2026-01.com.example:storage, "
      "got 'iqn.2026-11.lab.limiquantix guest'"]),
    ({"target": IQN}, ["%s: portal (or portals) is required: where the target listens, host or host:port" % IQN]),
    ({"target": IQN, "portals": []},
     ["%s: portal (or portals) is required: where the target listens, host or host:port" % IQN]),
    ({"target": IQN, "portal": "127.0.0.1:99999"},
     ["%s: portal: '127.0.0.1:99999' is not host, host:port, [ipv6] or [ipv6]:port with a port from 1 to 65535"
      % IQN]),
    ({"target": IQN, "portals": ["127.0.0.1", "[fd00::1]:0", "a b"]},
     ["%s: portal: '[fd00::1]:0' is not host, host:port, [ipv6] or [ipv6]:port with a port from 1 to 65535" % IQN,
      "%s: portal: 'a b' is not host, host:port, [ipv6] or [ipv6]:port with a port from 1 to 65535" % IQN]),
    ({"target": IQN, "portal": "127.0.0.1", "wait_timeout": 0},
     ["%s: wait_timeout must be a positive number of seconds, got 0" % IQN]),
    ({"target": IQN, "portal": "127.0.0.1", "wait_timeout": -5},
     ["%s: wait_timeout must be a positive number of seconds, got -5" % IQN]),
    ({"target": "naa.60014", "portal": "x:0", "wait_timeout": 0},
     ["naa.60014: target must be an iSCSI name such as iqn.2026-01.com.example:storage, got 'naa.60014'",
      "naa.60014: portal: 'x:0' is not host, host:port, [ipv6] or [ipv6]:port with a port from 1 to 65535",
      "naa.60014: wait_timeout must be a positive number of seconds, got 0"]),
])
def test_request_problems(raw, problems):
    assert problems_of(**raw) == problems


def test_request_problems_with_passwords_given():
    assert problems_of(target=IQN, portal="127.0.0.1:0", auth=MUTUAL,
                       discovery_auth={"username": "d", "password": DISCOVERY_PASSWORD}) == [
        "%s: portal: '127.0.0.1:0' is not host, host:port, [ipv6] or [ipv6]:port with a port from 1 to 65535" % IQN]


def test_list_form_inherits_top_level_options():
    requests = requests_of(targets=[{"target": IQN}, {"target": OTHER_IQN, "startup": "manual", "auth": MUTUAL,
                                                      "state": "logged_out", "wait_timeout": 5}],
                           portal="127.0.0.1", auth=AUTH, startup="automatic", iface="iser", discovery=False)
    assert requests == [
        request(iface="iser", discovery=False, auth=Chap("u", PASSWORD)),
        request(target=OTHER_IQN, iface="iser", discovery=False, auth=Chap("u", PASSWORD, "target", PASSWORD_IN),
                startup="manual", state="logged_out", wait_timeout=5),
    ]


def test_list_form_own_portals_replace_inherited_ones():
    requests = requests_of(targets=[{"target": IQN}, {"target": OTHER_IQN, "portal": "[fd00::1]"},
                                    {"target": "iqn.2026-11.lab.limiquantix:third", "portals": ["127.0.0.2:3261"]}],
                           portals=["127.0.0.1", "127.0.0.2:3261"])
    assert [r.portals for r in requests] == [[LOCAL, SECOND], [V6], [SECOND]]
    requests = requests_of(targets=[{"target": IQN}, {"target": OTHER_IQN, "portals": ["[fd00::1]", "127.0.0.1"]}],
                           portal="127.0.0.2:3261")
    assert [r.portals for r in requests] == [[SECOND], [V6, LOCAL]]


def test_list_form_problems_name_the_item():
    assert problems_of(targets=[{"target": IQN}, {"target": "bad", "portal": "127.0.0.1"},
                                {"target": OTHER_IQN, "wait_timeout": 0}]) == [
        "targets[0] (%s): portal (or portals) is required: where the target listens, host or host:port" % IQN,
        "targets[1] (bad): target must be an iSCSI name such as iqn.2026-01.com.example:storage, got 'bad'",
        "targets[2] (%s): portal (or portals) is required: where the target listens, host or host:port" % OTHER_IQN,
        "targets[2] (%s): wait_timeout must be a positive number of seconds, got 0" % OTHER_IQN,
    ]


def test_list_form_item_without_target():
    assert problems_of(targets=[{"portal": "127.0.0.1"}]) == [
        "targets[0] (None): target must be an iSCSI name such as iqn.2026-01.com.example:storage, got None"]


def test_list_form_duplicates():
    assert problems_of(targets=[{"target": IQN}, {"target": OTHER_IQN}, {"target": IQN, "portal": "[fd00::1]"}],
                       portal="127.0.0.1") == [
        "targets: each target may appear once, but %s appear more than once" % IQN]


def test_list_form_empty():
    assert requests_of(targets=[]) == []


# -- settings ---------------------------------------------------------------------------------------------------

def test_chap_settings():
    assert chap_settings("node.session.auth", None) == {"node.session.auth.authmethod": "None"}
    assert chap_settings("node.session.auth", Chap("u", PASSWORD)) == {
        "node.session.auth.authmethod": "CHAP", "node.session.auth.username": "u",
        "node.session.auth.password": PASSWORD, "node.session.auth.username_in": "",
        "node.session.auth.password_in": ""}
    assert chap_settings("discovery.sendtargets.auth", Chap("u", PASSWORD, "t", PASSWORD_IN)) == {
        "discovery.sendtargets.auth.authmethod": "CHAP", "discovery.sendtargets.auth.username": "u",
        "discovery.sendtargets.auth.password": PASSWORD, "discovery.sendtargets.auth.username_in": "t",
        "discovery.sendtargets.auth.password_in": PASSWORD_IN}


def test_desired_settings():
    assert desired_settings(request(startup="manual")) == {
        "node.startup": "manual", "node.conn[0].startup": "manual", "node.session.auth.authmethod": "None"}
    assert desired_settings(request(auth=Chap("u", PASSWORD)))["node.session.auth.password"] == PASSWORD


@pytest.mark.parametrize("current, desired, changes", [
    ({}, {"node.startup": "automatic"}, ["node.startup"]),
    ({"node.startup": "automatic"}, {"node.startup": "automatic"}, []),
    ({"node.startup": "manual"}, {"node.startup": "automatic"}, ["node.startup"]),
    ({"node.session.auth.username_in": "<empty>"}, {"node.session.auth.username_in": ""}, []),
    ({}, {"node.session.auth.username_in": ""}, []),
    ({"node.session.auth.username_in": ""}, {"node.session.auth.username_in": "<empty>"}, []),
    ({"node.session.auth.username_in": "t"}, {"node.session.auth.username_in": ""},
     ["node.session.auth.username_in"]),
    ({"node.session.auth.password": PASSWORD}, {"node.session.auth.password": NEW_PASSWORD},
     ["node.session.auth.password"]),
    ({"node.startup": "manual", "other": "x"}, {"node.conn[0].startup": "manual", "node.startup": "manual"},
     ["node.conn[0].startup"]),
])
def test_setting_changes(current, desired, changes):
    assert setting_changes(current, desired) == changes


# -- who uses a LUN ---------------------------------------------------------------------------------------------

DOMAIN_XML = """<domain type='kvm'>
  <name>%s</name>
  <devices>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw'/>
      <source dev='%s'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <target dev='sda' bus='sata'/>
    </disk>
    <disk type='network' device='disk'>
      <source protocol='rbd' name='vms/web1-root'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
"""


def block_tree(root, holders=(), partitions=()):
    block = root / "sys/class/block/sdb"
    block.mkdir(parents=True)
    for held in holders:
        (block / "holders" / held).mkdir(parents=True)
    for partition in partitions:
        (block / partition).mkdir()
        (block / partition / "partition").write_text("1\n")
    return Sysfs(str(root))


SDB = Lun(1, "/dev/sdb", None, None, None, None)


def test_lun_users_none(tmp_path):
    sysfs = block_tree(tmp_path, partitions=["sdb1"])
    mounts = [("/dev/sda1", "/"), ("/dev/sdc", "/srv"), ("proc", "/proc"), ("/dev/sdb10", "/x")]
    assert lun_users(SDB, sysfs, mounts, [("web1", True, DOMAIN_XML % ("web1", "/dev/sdc"))]) == []


def test_lun_users_without_device(tmp_path):
    assert lun_users(Lun(1, None, None, None, None, None), Sysfs(str(tmp_path)), [("/dev/sdb", "/mnt")], []) == []


def test_lun_users_mounts(tmp_path):
    sysfs = block_tree(tmp_path, partitions=["sdb1", "sdb2"])
    mounts = [("/dev/sdb", "/mnt/whole"), ("/dev/sdb2", "/mnt/data"), ("/dev/sda1", "/")]
    assert lun_users(SDB, sysfs, mounts, []) == ["mounted at /mnt/whole", "mounted at /mnt/data"]


def test_lun_users_mount_through_a_link(tmp_path):
    sysfs = block_tree(tmp_path, partitions=["sdb1"])
    link = tmp_path / "by-uuid-link"
    link.symlink_to("/dev/sdb1")
    assert lun_users(SDB, sysfs, [(str(link), "/mnt/data")], []) == ["mounted at /mnt/data"]


def test_lun_users_holders(tmp_path):
    sysfs = block_tree(tmp_path, holders=["dm-0"], partitions=["sdb1"])
    (tmp_path / "sys/class/block/sdb/sdb1/holders/dm-3").mkdir(parents=True)
    assert lun_users(SDB, sysfs, [], []) == [
        "holds device-mapper device dm-0 (LVM or other)", "holds device-mapper device dm-3 (LVM or other)"]


def test_lun_users_domains(tmp_path):
    """Domains name a LUN by a stable link (by-path, by-id); the link resolves to the LUN's device."""
    sysfs = block_tree(tmp_path, partitions=["sdb1"])
    by_path = tmp_path / "dev/disk/by-path"
    by_path.mkdir(parents=True)
    (by_path / ("ip-127.0.0.1:3260-iscsi-%s-lun-1" % IQN)).symlink_to("/dev/sdb")
    (by_path / ("ip-127.0.0.1:3260-iscsi-%s-lun-1-part1" % IQN)).symlink_to("/dev/sdb1")
    domains = [
        ("web1", True, DOMAIN_XML % ("web1", by_path / ("ip-127.0.0.1:3260-iscsi-%s-lun-1" % IQN))),
        ("web2", False, DOMAIN_XML % ("web2", by_path / ("ip-127.0.0.1:3260-iscsi-%s-lun-1-part1" % IQN))),
        ("web3", True, DOMAIN_XML % ("web3", "/dev/sdc")),
        ("web4", False, DOMAIN_XML % ("web4", "/dev/sdb")),
    ]
    assert lun_users(SDB, sysfs, [], domains) == ["a disk of domain web1 (running)", "a disk of domain web2 (defined)",
                                                  "a disk of domain web4 (defined)"]


def test_lun_users_everything(tmp_path):
    sysfs = block_tree(tmp_path, holders=["dm-0"])
    assert lun_users(SDB, sysfs, [("/dev/sdb", "/mnt")], [("web1", True, DOMAIN_XML % ("web1", "/dev/sdb"))]) == [
        "mounted at /mnt", "holds device-mapper device dm-0 (LVM or other)", "a disk of domain web1 (running)"]


def test_read_mounts(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/vda1 / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n"
                      "/dev/sdb1 /mnt/data\\040dir xfs rw 0 0\n\n")
    assert read_mounts(str(mounts)) == [("/dev/vda1", "/"), ("proc", "/proc"), ("/dev/sdb1", "/mnt/data\\040dir")]


def test_read_mounts_of_this_process():
    assert all(len(mount) == 2 for mount in read_mounts())


# -- the fake initiator -----------------------------------------------------------------------------------------

DEFAULT_RECORD = """# BEGIN RECORD 2.1.8
node.name = {target}
node.tpgt = {tpgt}
node.startup = manual
node.leading_login = No
iface.iscsi_ifacename = {iface}
iface.transport_name = tcp
node.discovery_address = {host}
node.discovery_port = {port}
node.discovery_type = send_targets
node.session.initial_cmdsn = 0
node.session.auth.authmethod = None
node.session.auth.chap_algs = MD5
node.session.timeo.replacement_timeout = 120
node.conn[0].address = {host}
node.conn[0].port = {port}
node.conn[0].startup = manual
# END RECORD
"""

DEFAULT_DISCOVERY = """# BEGIN RECORD 2.1.8
discovery.startup = manual
discovery.type = sendtargets
discovery.sendtargets.address = {host}
discovery.sendtargets.port = {port}
discovery.sendtargets.auth.authmethod = None
discovery.sendtargets.timeo.login_timeout = 15
# END RECORD
"""

SHOWN_EMPTY = ("node.session.auth.username", "node.session.auth.password", "node.session.auth.username_in",
               "node.session.auth.password_in")


def portal_of(text):
    """iscsiadm's -p: host, host:port, [v6]:port, each optionally with ,tpgt."""
    address, _comma, tpgt = text.partition(",")
    if address.startswith("["):
        host, _bracket, rest = address[1:].partition("]")
        port = rest.lstrip(":")
    else:
        host, _colon, port = address.partition(":")
    return host, int(port or 3260), tpgt or None


def flat(host, port):
    return "%s:%d" % (host, port) if "." in host else "[%s]:%d" % (host, port)


class FakeTarget:
    def __init__(self, name, portals=(LOCAL,), chap=None, mutual=None, discovery_chap=None, luns=((1, 10 * GIB),),
                 tpgt="1"):
        self.name, self.portals, self.tpgt = name, list(portals), tpgt
        self.chap, self.mutual, self.discovery_chap = chap, mutual, discovery_chap
        self.luns = list(luns)


class FakeInitiator:
    """iscsiadm and udevadm of a node with open-iscsi 2.1.8, records under root/etc/iscsi, and the kernel's view of
    sessions under root/sys and root/dev."""

    def __init__(self, root, targets=()):
        self.root = root
        self.etc = root / "etc/iscsi"
        self.targets = {target.name: target for target in targets}
        self.sessions = []  # [sid, host, port, tpgt, target, iface]
        self.next_sid = 1
        self.next_disk = 0
        self.calls = []
        self.reachable = {(portal.host, portal.port) for target in targets for portal in target.portals}
        self.mounts = []
        self.domains = []

    # -- Node's view ----------------------------------------------------------------------------------------

    def node(self):
        return Node(self.run_command, lambda name, opt_dirs=None: "/usr/sbin/%s" % name)

    def run_command(self, args):
        self.calls.append(list(args))
        if args[0] == "/usr/sbin/udevadm":
            if args[1] == "info":
                return 0, "DEVNAME=%s\nID_SCSI_SERIAL=serial-%s\n" % (args[-1], os.path.basename(args[-1])), ""
            return 0, "", ""
        assert args[0] == "/usr/sbin/iscsiadm", args
        options, flags, position = {}, set(), 1
        while position < len(args):
            if args[position] in ("--login", "--logout", "--discover", "--rescan", "-S"):
                flags.add(args[position])
                position += 1
            else:
                options[args[position]] = args[position + 1]
                position += 2
        if options["-m"] == "session":
            return self.session_mode(options)
        if options["-m"] == "discoverydb":
            return self.discovery_mode(options, flags)
        return self.node_mode(options, flags)

    # -- records --------------------------------------------------------------------------------------------

    def record_path(self, target, host, port, iface="default", tpgt=None):
        directories = sorted((self.etc / "nodes" / target).glob("%s,%d,*" % (host, port))) if tpgt is None else [
            self.etc / "nodes" / target / ("%s,%d,%s" % (host, port, tpgt))]
        return next((directory / iface for directory in directories if (directory / iface).is_file()), None)

    def records(self):
        for path in sorted(self.etc.glob("nodes/*/*/*")):
            host, port, tpgt = path.parent.name.rsplit(",", 2)
            yield path.parent.parent.name, host, int(port), tpgt, path.name, path

    def settings(self, target, portal=LOCAL, iface="default"):
        path = self.record_path(target, portal.host, portal.port, iface)
        return parse_settings(path.read_text()) if path else None

    def add_record(self, target, portal=LOCAL, iface="default", tpgt="1", **settings):
        """A record as an earlier run (or the operator) left it."""
        path = self.etc / "nodes" / target / ("%s,%d,%s" % (portal.host, portal.port, tpgt)) / iface
        path.parent.mkdir(parents=True, exist_ok=True)
        text = DEFAULT_RECORD.format(target=target, tpgt=tpgt, iface=iface, host=portal.host, port=portal.port)
        for name, value in settings.items():
            name = name.replace("__", ".").replace("conn0", "conn[0]")
            text = "\n".join(line for line in text.splitlines() if line.partition(" =")[0] != name) + "\n"
            text = text.replace("# END RECORD", "%s = %s\n# END RECORD" % (name, value))
        path.write_text(text)
        path.chmod(0o600)
        return path

    def shown(self, path, show_secrets):
        settings = parse_settings(path.read_text())
        lines = ["# BEGIN RECORD 2.1.8"]
        for name, value in settings.items():
            if name.rsplit(".", 1)[-1] in ("password", "password_in") and not show_secrets:
                value = "********"
            lines.append("%s = %s" % (name, value))
        lines.extend("%s = <empty>" % name for name in SHOWN_EMPTY if name not in settings)
        return "\n".join(lines + ["# END RECORD"]) + "\n"

    def node_mode(self, options, flags):
        if "-T" not in options:
            lines = [("%s,%s %s" % (flat(host, port), tpgt, target)) for target, host, port, tpgt, _i, _p in
                     self.records()]
            return (0, "\n".join(lines) + "\n", "") if lines else (21, "", "iscsiadm: No records found\n")
        target = options["-T"]
        host, port, tpgt = portal_of(options["-p"])
        iface = options.get("-I", "default")
        path = self.record_path(target, host, port, iface, tpgt)
        operation = options.get("-o")
        if operation == "new":
            path = self.etc / "nodes" / target / ("%s,%d,%s" % (host, port, tpgt or "-1")) / iface
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(DEFAULT_RECORD.format(target=target, tpgt=tpgt or "-1", iface=iface, host=host,
                                                  port=port))
            path.chmod(0o600)
            return 0, "New iSCSI node [tcp:[hw=,ip=,net_if=,iscsi_if=%s] %s,%d,%s %s] added\n" % (
                iface, host, port, tpgt or "-1", target), ""
        if path is None:
            return 21, "", "iscsiadm: No records found\n"
        if operation == "update":
            name, value = options["-n"], options["-v"]
            assert name.rsplit(".", 1)[-1] not in ("password", "password_in"), "a password on a command line"
            settings = parse_settings(path.read_text())
            settings[name] = value
            path.write_text("# BEGIN RECORD 2.1.8\n" + "".join(
                "%s = %s\n" % item for item in settings.items() if item[1]) + "# END RECORD\n")
            return 0, "", ""
        if operation == "delete":
            shutil.rmtree(str(path.parent))
            return 0, "", ""
        if "--login" in flags:
            return self.login(target, host, port, path)
        if "--logout" in flags:
            session = self.session(target, host, port)
            if session is None:
                return 21, "", "iscsiadm: No matching sessions found\n"
            self.remove_session(session)
            return 0, "Logging out of session [sid: %s, target: %s, portal: %s,%d]\nLogout of [sid: %s, target: " \
                      "%s, portal: %s,%d] successful.\n" % (session[0], target, host, port, session[0], target,
                                                            host, port), ""
        return 0, self.shown(path, "-S" in flags), ""

    # -- discovery ------------------------------------------------------------------------------------------

    def discovery_path(self, host, port):
        return self.etc / "send_targets" / ("%s,%d" % (host, port)) / "st_config"

    def discovery_mode(self, options, flags):
        host, port, _tpgt = portal_of(options["-p"])
        path = self.discovery_path(host, port)
        if options.get("-o") == "new":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(DEFAULT_DISCOVERY.format(host=host, port=port))
            path.chmod(0o600)
            return 0, "New discovery record for [%s,%d] added.\n" % (host, port), ""
        if not path.is_file():
            return 21, "", "iscsiadm: Discovery record [%s,%d] not found.\n" % (host, port)
        if options.get("-o") == "update":
            name, value = options["-n"], options["-v"]
            assert name.rsplit(".", 1)[-1] not in ("password", "password_in"), "a password on a command line"
            settings = parse_settings(path.read_text())
            settings[name] = value
            path.write_text("".join("%s = %s\n" % item for item in settings.items() if item[1]))
            return 0, "", ""
        if "--discover" in flags:
            if (host, port) not in self.reachable:
                return 8, "", "iscsiadm: connection login retries (reopen_max) 5 exceeded\n"
            offered = [target for target in self.targets.values() if Portal(host, port) in target.portals]
            settings = parse_settings(path.read_text())
            for target in offered:
                if target.discovery_chap and (
                        settings.get("discovery.sendtargets.auth.authmethod") != "CHAP"
                        or (settings.get("discovery.sendtargets.auth.username"),
                            settings.get("discovery.sendtargets.auth.password")) != target.discovery_chap):
                    return 24, "", "iscsiadm: Login failed to authenticate with target\n"
            return 0, "".join("%s,%s %s\n" % (flat(host, port), target.tpgt, target.name) for target in offered), ""
        return 0, path.read_text(), ""

    # -- sessions -------------------------------------------------------------------------------------------

    def session(self, target, host, port):
        return next((s for s in self.sessions if (s[4], s[1], s[2]) == (target, host, port)), None)

    def session_mode(self, options):
        if "-r" in options:
            return 0, "Rescanning session [sid: %s]\n" % options["-r"], ""
        if not self.sessions:
            return 21, "", "iscsiadm: No active sessions.\n"
        return 0, "".join("tcp: [%s] %s,%s %s (non-flash)\n" % (s[0], flat(s[1], s[2]), s[3], s[4])
                          for s in self.sessions), ""

    def login(self, target, host, port, path):
        if self.session(target, host, port):
            return 15, "", "iscsiadm: default: 1 session requested, but 1 already present.\n"
        failed = ("iscsiadm: Could not login to [iface: default, target: %s, portal: %s,%d].\n"
                  "iscsiadm: initiator reported error (%%d - %%s)\niscsiadm: Could not log into all portals\n"
                  % (target, host, port))
        if (host, port) not in self.reachable:
            return 8, "Logging in to [iface: default, target: %s, portal: %s,%d]\n" % (target, host, port), \
                failed % (8, "connection timed out")
        fake = self.targets.get(target)
        if fake is None or Portal(host, port) not in fake.portals:
            return 10, "", failed % (10, "iSCSI login failed due to target not found")
        settings = parse_settings(path.read_text())
        given = (settings.get("node.session.auth.username"), settings.get("node.session.auth.password"))
        if fake.chap and (settings.get("node.session.auth.authmethod") != "CHAP" or given != fake.chap):
            return 24, "", failed % (24, "iSCSI login failed due to authorization failure")
        given_in = (settings.get("node.session.auth.username_in"), settings.get("node.session.auth.password_in"))
        if any(given_in) and given_in != fake.mutual:
            return 24, "", failed % (24, "iSCSI login failed due to authorization failure")
        self.add_session(target, Portal(host, port), path.parent.name.rsplit(",", 1)[1])
        return 0, "Logging in to [iface: default, target: %s, portal: %s,%d]\nLogin to [iface: default, target: " \
                  "%s, portal: %s,%d] successful.\n" % (target, host, port, target, host, port), ""

    def add_session(self, target, portal=LOCAL, tpgt="1", luns=None):
        """A session, with its LUNs as the kernel and udev show them (LUN 0 is the target's controller)."""
        sid = str(self.next_sid)
        self.next_sid += 1
        self.sessions.append([sid, portal.host, portal.port, tpgt, target, "default"])
        host = int(sid) + 1
        base = self.root / ("sys/class/iscsi_session/session%s/device/target%d:0:0" % (sid, host))
        (base / ("%d:0:0:0" % host)).mkdir(parents=True)
        (base / ("%d:0:0:0" % host) / "type").write_text("12\n")
        # The kernel keeps the CHAP credentials the session logged in with: the record's at that moment.
        record = self.record_path(target, portal.host, portal.port)
        settings = parse_settings(record.read_text()) if record else {}
        for name in ("username", "password", "username_in", "password_in"):
            used = settings.get("node.session.auth." + name) if settings.get("node.session.auth.authmethod") == \
                "CHAP" else None
            (base.parent.parent / name).write_text("%s\n" % (used or "(null)"))
        fake = self.targets.get(target)
        for lun, size in luns if luns is not None else (fake.luns if fake else []):
            device = "sd" + chr(ord("b") + self.next_disk)
            self.next_disk += 1
            scsi = base / ("%d:0:0:%d" % (host, lun))
            (scsi / "block" / device).mkdir(parents=True)
            (scsi / "type").write_text("0\n")
            (scsi / "wwid").write_text("naa.60014050000000000000000000%06d\n" % (int(sid) * 100 + lun))
            block = self.root / "sys/class/block" / device
            block.mkdir(parents=True)
            (block / "size").write_text("%d\n" % (size // 512))
            by_path = self.root / "dev/disk/by-path"
            by_path.mkdir(parents=True, exist_ok=True)
            (by_path / ("ip-%s:%d-iscsi-%s-lun-%d" % (portal.host, portal.port, target, lun))).symlink_to(
                "../../" + device)
        return sid

    def remove_session(self, session):
        self.sessions.remove(session)
        shutil.rmtree(str(self.root / ("sys/class/iscsi_session/session%s" % session[0])))
        pattern = "ip-%s:%d-iscsi-%s-lun-*" % (session[1], session[2], session[4])
        for link in (self.root / "dev/disk/by-path").glob(pattern):
            shutil.rmtree(str(self.root / "sys/class/block" / os.readlink(str(link)).rsplit("/", 1)[1]))
            link.unlink()

    def use(self, device="/dev/sdb", mount=None, holder=None, domain=None):
        """Make the LUN's device busy: a mount, a device-mapper holder, or a domain's disk."""
        if mount:
            self.mounts.append((device, mount))
        if holder:
            (self.root / "sys/class/block" / os.path.basename(device) / "holders" / holder).mkdir(parents=True)
        if domain:
            self.domains.append((domain, True, DOMAIN_XML % (domain, device)))

    def free(self, device="/dev/sdb"):
        """Undo use(): nothing holds the device any more."""
        self.mounts = [(source, target) for source, target in self.mounts if source != device]
        shutil.rmtree(str(self.root / "sys/class/block" / os.path.basename(device) / "holders"), ignore_errors=True)
        self.domains = [domain for domain in self.domains if device not in domain[2]]

    # -- what changed ---------------------------------------------------------------------------------------

    def changing_calls(self):
        """The commands that change the node: everything but listing and reading."""
        return [call for call in self.calls if call[0].endswith("iscsiadm") and (
            {"--login", "--logout", "--discover", "--rescan"} & set(call)
            or ("-o" in call and call[call.index("-o") + 1] in ("new", "update", "delete")))]


@pytest.fixture
def initiator(tmp_path, monkeypatch):
    fake = FakeInitiator(tmp_path, [
        FakeTarget(IQN, portals=[LOCAL, SECOND, V6], luns=[(1, 10 * GIB), (2, GIB)]),
        FakeTarget(OTHER_IQN, portals=[LOCAL], chap=("u", PASSWORD), luns=[(1, 2 * GIB)]),
    ])

    def probe(portal, timeout=3.0):
        return None if (portal.host, portal.port) in fake.reachable else "Connection refused"
    monkeypatch.setattr(_iscsi_targets, "probe_portal", probe)
    monkeypatch.setattr(_iscsi_targets, "read_mounts", lambda path="/proc/self/mounts": list(fake.mounts))
    # The fake kernel has the LUNs ready at once: no need for wait_for_luns to pause between its polls.
    monkeypatch.setattr(_iscsi_targets, "wait_for_luns", lambda *args: wait_for_luns(*args, poll=0))
    return fake


def manager_of(initiator):
    node = initiator.node()
    return TargetManager(Iscsiadm(node, record_roots=(str(initiator.etc),)), Sysfs(str(initiator.root)), node,
                         lambda: list(initiator.domains))


def converge(initiator, *requests, check_mode=False, diff_mode=True):
    return converge_targets(list(requests), manager_of(initiator), check_mode, diff_mode)


def plan_of(initiator, req):
    return manager_of(initiator).plan(req)


def assert_no_secrets(initiator, *results):
    text = json.dumps(results)
    for secret in SECRETS:
        assert secret not in text, "a password in the result"
        for call in initiator.calls:
            assert not any(secret in arg for arg in call), "a password on a command line: %s" % call


# -- planning and converging ------------------------------------------------------------------------------------

def test_new_target_with_discovery(initiator):
    req = request(auth=Chap("u", PASSWORD))
    initiator.targets[IQN].chap = ("u", PASSWORD)
    result, warnings = converge(initiator, req)
    label = "%s at 127.0.0.1:3260" % IQN
    assert result["actions"] == [
        "discover %s at portal 127.0.0.1:3260 (sendtargets) and create its node record" % IQN,
        "set node.startup = automatic, node.conn[0].startup = automatic, node.session.auth.authmethod = CHAP, "
        "node.session.auth.username = u, node.session.auth.password = ********, node.session.auth.username_in = "
        "<empty>, node.session.auth.password_in = <empty> of the node record of %s" % label,
        "log in to %s" % label,
    ]
    assert result["changed"] is True and warnings == []
    settings = initiator.settings(IQN)
    assert settings["node.session.auth.password"] == PASSWORD
    assert settings["node.startup"] == settings["node.conn[0].startup"] == "automatic"
    assert settings["node.tpgt"] == "1"
    assert initiator.discovery_path("127.0.0.1", 3260).is_file()
    status = result["targets"][0]
    assert status == {
        "target": IQN, "state": "logged_in", "relogin_pending": False,
        "portals": [{"portal": "127.0.0.1:3260", "record": True, "logged_in": True, "sid": "1",
                     "startup": "automatic", "authmethod": "CHAP", "username": "u", "username_in": None}],
        "luns": [
            {"lun": 1, "device": "/dev/sdb", "by_path": "/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-%s-lun-1" % IQN,
             "size": 10 * GIB, "wwn": "naa.60014050000000000000000000000101", "serial": "serial-sdb",
             "portal": "127.0.0.1:3260"},
            {"lun": 2, "device": "/dev/sdc", "by_path": "/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-%s-lun-2" % IQN,
             "size": GIB, "wwn": "naa.60014050000000000000000000000102", "serial": "serial-sdc",
             "portal": "127.0.0.1:3260"}],
    }
    assert result["diff"] == [{
        "before": {"127.0.0.1:3260": {"record": False, "logged_in": False, "settings": {}}},
        "after": {"127.0.0.1:3260": {"record": True, "logged_in": True, "settings": {
            "node.startup": "automatic", "node.conn[0].startup": "automatic", "node.session.auth.authmethod": "CHAP",
            "node.session.auth.username": "u", "node.session.auth.password": HIDDEN}}},
        "before_header": "iSCSI target %s (before)" % IQN, "after_header": "iSCSI target %s (after)" % IQN}]
    assert_no_secrets(initiator, result, warnings)

    # The rerun finds everything in place.
    initiator.calls.clear()
    again, warnings = converge(initiator, req)
    assert again["changed"] is False and again["actions"] == [] and again["diff"] == [] and warnings == []
    assert again["targets"] == result["targets"]
    assert initiator.changing_calls() == []
    assert_no_secrets(initiator, again)


def test_new_target_with_discovery_chap(initiator):
    initiator.targets[IQN].discovery_chap = ("d", DISCOVERY_PASSWORD)
    req = request(discovery_auth=Chap("d", DISCOVERY_PASSWORD))
    result, _warnings = converge(initiator, req)
    assert result["actions"][0] == ("discover %s at portal 127.0.0.1:3260 (sendtargets, CHAP) and create its node "
                                    "record" % IQN)
    st_config = initiator.discovery_path("127.0.0.1", 3260)
    discovery = parse_settings(st_config.read_text())
    assert discovery["discovery.sendtargets.auth.password"] == DISCOVERY_PASSWORD
    assert discovery["discovery.sendtargets.auth.authmethod"] == "CHAP"
    assert oct(st_config.stat().st_mode & 0o777) == oct(0o600)
    assert initiator.settings(IQN)["node.session.auth.authmethod"] == "None"
    assert result["targets"][0]["portals"][0]["logged_in"] is True
    assert_no_secrets(initiator, result)


def test_discovery_chap_wrong(initiator):
    initiator.targets[IQN].discovery_chap = ("d", "another1234567")
    with pytest.raises(LqError) as excinfo:
        converge(initiator, request(discovery_auth=Chap("d", DISCOVERY_PASSWORD)))
    assert excinfo.value.message.startswith(
        "discovering the targets of portal 127.0.0.1:3260 failed (iscsiadm exit 24: the target rejected the login "
        "credentials (CHAP user name or password wrong))")
    assert_no_secrets(initiator, excinfo.value.message)


def test_discovery_of_a_target_the_portal_does_not_offer(initiator):
    missing = "iqn.2026-11.lab.limiquantix:missing"
    with pytest.raises(LqError) as excinfo:
        converge(initiator, request(target=missing))
    assert excinfo.value.message == (
        "portal 127.0.0.1:3260 does not offer target %s (it offers: %s, %s). Check the target name, or the target's "
        "ACL for this initiator" % (missing, IQN, OTHER_IQN))
    assert initiator.settings(missing) is None


def test_discovery_of_a_portal_that_offers_nothing(initiator):
    initiator.reachable.add(("127.0.0.5", 3260))
    with pytest.raises(LqError, match=r"portal 127.0.0.5:3260 does not offer target .* \(it offers: none\)"):
        converge(initiator, request(portals=[Portal("127.0.0.5")]))


def test_new_target_without_discovery(initiator):
    result, _warnings = converge(initiator, request(discovery=False, startup="manual"))
    assert result["actions"] == [
        "create the node record of %s at 127.0.0.1:3260" % IQN,
        "set node.startup = manual, node.conn[0].startup = manual, node.session.auth.authmethod = None of the node "
        "record of %s at 127.0.0.1:3260" % IQN,
        "log in to %s at 127.0.0.1:3260" % IQN,
    ]
    assert ["/usr/sbin/iscsiadm", "-m", "node", "-o", "new", "-T", IQN, "-p", "127.0.0.1:3260", "-I",
            "default"] in initiator.calls
    assert not any("discoverydb" in call for call in initiator.calls)
    assert initiator.record_path(IQN, "127.0.0.1", 3260).parent.name == "127.0.0.1,3260,-1"
    assert result["targets"][0]["portals"][0]["startup"] == "manual"
    assert converge(initiator, request(discovery=False, startup="manual"))[0]["changed"] is False


def test_new_target_state_present_and_logged_out(initiator):
    for state in ("present", "logged_out"):
        result, _warnings = converge(initiator, request(state=state))
        assert [action.split(" ")[0] for action in result["actions"]] == ["discover", "set"]
        assert initiator.sessions == []
        assert result["targets"][0]["portals"][0]["record"] is True
        assert result["targets"][0]["luns"] == []
        shutil.rmtree(str(initiator.etc))


def test_startup_drift(initiator):
    initiator.add_record(IQN, node__startup="automatic", node__conn0__startup="manual")
    initiator.add_session(IQN)
    result, warnings = converge(initiator, request())
    assert result["actions"] == ["set node.conn[0].startup = automatic of the node record of %s at 127.0.0.1:3260"
                                 % IQN]
    assert warnings == []
    assert initiator.settings(IQN)["node.conn[0].startup"] == "automatic"
    assert [s[0] for s in initiator.sessions] == ["1"]  # startup is no reason to log in again
    assert result["diff"][0]["before"]["127.0.0.1:3260"]["settings"] == {
        "node.startup": "automatic", "node.conn[0].startup": "manual", "node.session.auth.authmethod": "None",
        "node.session.auth.chap_algs": "MD5"}
    assert result["diff"][0]["after"]["127.0.0.1:3260"]["settings"] == {
        "node.startup": "automatic", "node.conn[0].startup": "automatic", "node.session.auth.authmethod": "None",
        "node.session.auth.chap_algs": "MD5"}


def chap_record(initiator, target=OTHER_IQN, password=PASSWORD, **settings):
    """The record and session of a CHAP target as an earlier run left them."""
    initiator.add_record(target, node__startup="automatic", node__conn0__startup="automatic",
                         node__session__auth__authmethod="CHAP", node__session__auth__username="u",
                         node__session__auth__password=password, **settings)
    initiator.add_session(target)


def test_chap_change_on_a_logged_in_session_logs_in_again(initiator):
    chap_record(initiator, password="old-secret-999")
    req = request(target=OTHER_IQN, auth=Chap("u", PASSWORD))
    result, warnings = converge(initiator, req)
    label = "%s at 127.0.0.1:3260" % OTHER_IQN
    assert result["actions"] == [
        "set node.session.auth.password = ******** of the node record of %s" % label,
        "log out of %s to log in with the new CHAP settings" % label,
        "log in to %s" % label,
    ]
    assert warnings == []
    assert initiator.settings(OTHER_IQN)["node.session.auth.password"] == PASSWORD
    assert [s[0] for s in initiator.sessions] == ["2"]
    status = result["targets"][0]
    assert status["relogin_pending"] is False and status["portals"][0]["sid"] == "2"
    assert [lun["device"] for lun in status["luns"]] == ["/dev/sdc"]
    assert_no_secrets(initiator, result, "old-secret-999")
    assert not any("old-secret-999" in arg for call in initiator.calls for arg in call)
    assert converge(initiator, req)[0]["changed"] is False


@pytest.mark.parametrize("use, user", [
    ({"mount": "/srv/data"}, "mounted at /srv/data"),
    ({"holder": "dm-0"}, "holds device-mapper device dm-0 (LVM or other)"),
    ({"domain": "web1"}, "a disk of domain web1 (running)"),
])
def test_chap_change_while_luns_are_in_use_waits_for_the_next_login(initiator, use, user):
    chap_record(initiator, password="old-secret-999")
    initiator.use(**use)
    req = request(target=OTHER_IQN, auth=Chap("u", PASSWORD))
    result, warnings = converge(initiator, req)
    label = "%s at 127.0.0.1:3260" % OTHER_IQN
    assert result["actions"] == ["set node.session.auth.password = ******** of the node record of %s" % label]
    assert warnings == [
        "the CHAP settings of %s changed while its LUNs are in use (LUN 1 (/dev/sdb) %s): they apply at the next "
        "login. Log out and in when the LUNs are free, or set force: true" % (label, user)]
    assert result["targets"][0]["relogin_pending"] is True
    assert [s[0] for s in initiator.sessions] == ["1"]
    assert initiator.settings(OTHER_IQN)["node.session.auth.password"] == PASSWORD
    # The record is written; the session still runs on the old password (the kernel says so), and every run
    # says so until the LUNs are free, then logs in again.
    again, warnings_again = converge(initiator, req)
    assert again["changed"] is False and again["actions"] == [] and warnings_again == warnings
    assert again["targets"][0]["relogin_pending"] is True
    initiator.free()
    freed, warnings = converge(initiator, req)
    assert freed["actions"] == ["log out of %s to log in with the new CHAP settings" % label, "log in to %s" % label]
    assert warnings == [] and freed["targets"][0]["relogin_pending"] is False
    assert converge(initiator, req)[0]["changed"] is False
    assert_no_secrets(initiator, result, again, freed)


def test_chap_change_while_luns_are_in_use_with_force(initiator):
    chap_record(initiator, password="old-secret-999")
    initiator.use(mount="/srv/data")
    result, warnings = converge(initiator, request(target=OTHER_IQN, auth=Chap("u", PASSWORD), force=True))
    label = "%s at 127.0.0.1:3260" % OTHER_IQN
    assert result["actions"][1:] == ["log out of %s to log in with the new CHAP settings" % label,
                                     "log in to %s" % label]
    assert warnings == ["logging out of %s to log in with the new CHAP settings although its LUNs are in use "
                        "(force: true): LUN 1 (/dev/sdb) mounted at /srv/data" % label]
    assert result["targets"][0]["relogin_pending"] is False


def test_chap_change_of_state_present_leaves_the_session(initiator):
    chap_record(initiator, password="old-secret-999")
    result, warnings = converge(initiator, request(target=OTHER_IQN, auth=Chap("u", PASSWORD), state="present"))
    assert len(result["actions"]) == 1 and warnings == []
    assert [s[0] for s in initiator.sessions] == ["1"]
    assert result["targets"][0]["portals"][0]["logged_in"] is True


def test_mutual_chap(initiator):
    initiator.targets[OTHER_IQN].mutual = ("target", PASSWORD_IN)
    req = request(target=OTHER_IQN, auth=Chap("u", PASSWORD, "target", PASSWORD_IN))
    result, _warnings = converge(initiator, req)
    settings = initiator.settings(OTHER_IQN)
    assert (settings["node.session.auth.username_in"], settings["node.session.auth.password_in"]) == (
        "target", PASSWORD_IN)
    assert result["targets"][0]["portals"][0]["username_in"] == "target"
    assert "node.session.auth.password_in = ********" in result["actions"][1]
    assert_no_secrets(initiator, result)
    assert converge(initiator, req)[0]["changed"] is False


def test_leaving_mutual_chap_clears_the_targets_credentials(initiator):
    """open-iscsi demands mutual CHAP while username_in or password_in is set."""
    chap_record(initiator, node__session__auth__username_in="target",
                node__session__auth__password_in=PASSWORD_IN)
    req = request(target=OTHER_IQN, auth=Chap("u", PASSWORD))
    result, _warnings = converge(initiator, req)
    label = "%s at 127.0.0.1:3260" % OTHER_IQN
    assert result["actions"] == [
        "set node.session.auth.username_in = <empty>, node.session.auth.password_in = <empty> of the node record of "
        "%s" % label,
        "log out of %s to log in with the new CHAP settings" % label,
        "log in to %s" % label,
    ]
    text = initiator.record_path(OTHER_IQN, "127.0.0.1", 3260).read_text()
    assert "username_in" not in text and "password_in" not in text
    assert result["targets"][0]["portals"][0]["logged_in"] is True
    assert "node.session.auth.username_in" not in result["diff"][0]["after"]["127.0.0.1:3260"]["settings"]
    assert converge(initiator, req)[0]["changed"] is False


def test_no_auth_on_a_chap_record(initiator):
    chap_record(initiator, target=IQN)
    result, _warnings = converge(initiator, request())
    assert result["actions"][0] == ("set node.session.auth.authmethod = None of the node record of %s at "
                                    "127.0.0.1:3260" % IQN)
    assert result["actions"][1:] == ["log out of %s at 127.0.0.1:3260 to log in with the new CHAP settings" % IQN,
                                     "log in to %s at 127.0.0.1:3260" % IQN]
    assert initiator.settings(IQN)["node.session.auth.authmethod"] == "None"


def test_login_with_a_wrong_password(initiator):
    with pytest.raises(LqError) as excinfo:
        converge(initiator, request(target=OTHER_IQN, auth=Chap("u", NEW_PASSWORD)))
    message = excinfo.value.message
    assert message.startswith(
        "logging in to %s at 127.0.0.1:3260 failed (iscsiadm exit 24: the target rejected the login credentials "
        "(CHAP user name or password wrong)): iscsiadm: Could not login to" % OTHER_IQN)
    assert message.endswith("; already done before this failure: discover %s at portal 127.0.0.1:3260 (sendtargets) "
                            "and create its node record; set node.startup = automatic, node.conn[0].startup = "
                            "automatic, node.session.auth.authmethod = CHAP, node.session.auth.username = u, "
                            "node.session.auth.password = ********, node.session.auth.username_in = <empty>, "
                            "node.session.auth.password_in = <empty> of the node record of %s at 127.0.0.1:3260"
                            % (OTHER_IQN, OTHER_IQN))
    assert_no_secrets(initiator, message)


def test_logged_in_rerun_logs_in_a_lost_session(initiator):
    initiator.add_record(IQN, node__startup="automatic", node__conn0__startup="automatic")
    result, _warnings = converge(initiator, request())
    assert result["actions"] == ["log in to %s at 127.0.0.1:3260" % IQN]
    assert [lun["lun"] for lun in result["targets"][0]["luns"]] == [1, 2]


def test_logged_out(initiator):
    initiator.add_record(IQN, node__startup="automatic", node__conn0__startup="automatic")
    initiator.add_session(IQN)
    result, warnings = converge(initiator, request(state="logged_out"))
    assert result["actions"] == ["log out of %s at 127.0.0.1:3260" % IQN]
    assert warnings == [] and initiator.sessions == []
    assert result["targets"][0]["portals"][0] == {
        "portal": "127.0.0.1:3260", "record": True, "logged_in": False, "sid": None, "startup": "automatic",
        "authmethod": "None", "username": None, "username_in": None}
    assert result["targets"][0]["luns"] == []
    assert not (initiator.root / "dev/disk/by-path").exists() or not list(
        (initiator.root / "dev/disk/by-path").iterdir())
    assert converge(initiator, request(state="logged_out"))[0]["changed"] is False


@pytest.mark.parametrize("use, user", [
    ({"mount": "/srv/data"}, "LUN 1 (/dev/sdb) mounted at /srv/data"),
    ({"device": "/dev/sdc", "holder": "dm-4"}, "LUN 2 (/dev/sdc) holds device-mapper device dm-4 (LVM or other)"),
    ({"domain": "web1"}, "LUN 1 (/dev/sdb) a disk of domain web1 (running)"),
])
@pytest.mark.parametrize("state", ["logged_out", "absent"])
def test_logout_refused_while_luns_are_in_use(initiator, use, user, state):
    initiator.add_record(IQN, node__startup="automatic", node__conn0__startup="automatic")
    initiator.add_session(IQN)
    initiator.use(**use)
    with pytest.raises(LqError) as excinfo:
        converge(initiator, request(state=state))
    assert excinfo.value.message == (
        "refusing to log out of %s at 127.0.0.1:3260: its LUNs are in use: %s. Free them first, or set force: true "
        "(which pulls the disks from under their users)" % (IQN, user))
    assert initiator.changing_calls() == []
    assert len(initiator.sessions) == 1


@pytest.mark.parametrize("state", ["logged_out", "absent"])
def test_logout_while_luns_are_in_use_with_force(initiator, state):
    initiator.add_record(IQN, node__startup="automatic", node__conn0__startup="automatic")
    initiator.add_session(IQN)
    initiator.use(mount="/srv/data")
    initiator.use(device="/dev/sdc", holder="dm-0")
    result, warnings = converge(initiator, request(state=state, force=True))
    assert result["actions"][0] == "log out of %s at 127.0.0.1:3260" % IQN
    assert warnings == [
        "log out of %s at 127.0.0.1:3260 although its LUNs are in use (force: true): LUN 1 (/dev/sdb) mounted at "
        "/srv/data; LUN 2 (/dev/sdc) holds device-mapper device dm-0 (LVM or other)" % IQN]
    assert initiator.sessions == []


def test_absent(initiator):
    initiator.add_record(IQN, node__startup="automatic", node__conn0__startup="automatic")
    initiator.add_session(IQN)
    initiator.reachable.clear()  # leaving needs no portal
    result, warnings = converge(initiator, request(state="absent", auth=Chap("u", PASSWORD)))
    assert result["actions"] == ["log out of %s at 127.0.0.1:3260" % IQN,
                                 "delete the node record of %s at 127.0.0.1:3260" % IQN]
    assert warnings == [] and initiator.sessions == [] and initiator.settings(IQN) is None
    assert result["targets"][0] == {
        "target": IQN, "state": "absent", "relogin_pending": False, "luns": [],
        "portals": [{"portal": "127.0.0.1:3260", "record": False, "logged_in": False, "sid": None, "startup": None,
                     "authmethod": None, "username": None, "username_in": None}]}
    assert result["diff"][0]["after"] == {"127.0.0.1:3260": {"record": False, "logged_in": False, "settings": {}}}
    again, _warnings = converge(initiator, request(state="absent"))
    assert again["changed"] is False and again["actions"] == []


def test_absent_of_a_record_without_session(initiator):
    initiator.add_record(IQN)
    result, _warnings = converge(initiator, request(state="absent"))
    assert result["actions"] == ["delete the node record of %s at 127.0.0.1:3260" % IQN]


def test_present_leaves_sessions_alone(initiator):
    initiator.add_record(IQN, node__startup="automatic", node__conn0__startup="automatic")
    initiator.add_session(IQN)
    result, _warnings = converge(initiator, request(state="present"))
    assert result["changed"] is False and initiator.sessions
    assert result["targets"][0]["portals"][0]["sid"] == "1"
    assert len(result["targets"][0]["luns"]) == 2
    initiator.add_record(OTHER_IQN, node__startup="automatic", node__conn0__startup="automatic")
    result, _warnings = converge(initiator, request(target=OTHER_IQN, state="present"))
    assert result["changed"] is False and len(initiator.sessions) == 1
    assert result["targets"][0]["portals"][0]["logged_in"] is False


def test_several_portals(initiator):
    initiator.add_record(IQN, node__startup="automatic", node__conn0__startup="automatic")
    initiator.add_session(IQN)
    result, _warnings = converge(initiator, request(portals=[LOCAL, SECOND]))
    assert result["actions"] == [
        "discover %s at portal 127.0.0.2:3261 (sendtargets) and create its node record" % IQN,
        "set node.startup = automatic, node.conn[0].startup = automatic, node.session.auth.authmethod = None of the "
        "node record of %s at 127.0.0.2:3261" % IQN,
        "log in to %s at 127.0.0.2:3261" % IQN,
    ]
    status = result["targets"][0]
    assert [(p["portal"], p["sid"]) for p in status["portals"]] == [("127.0.0.1:3260", "1"), ("127.0.0.2:3261", "2")]
    assert [(lun["portal"], lun["lun"], lun["device"]) for lun in status["luns"]] == [
        ("127.0.0.1:3260", 1, "/dev/sdb"), ("127.0.0.1:3260", 2, "/dev/sdc"),
        ("127.0.0.2:3261", 1, "/dev/sdd"), ("127.0.0.2:3261", 2, "/dev/sde")]
    assert set(result["diff"][0]["before"]) == {"127.0.0.1:3260", "127.0.0.2:3261"}


def test_ipv6_portal(initiator):
    """The LUNs of an IPv6 session are found by udev's by-path links, which have no brackets."""
    result, _warnings = converge(initiator, request(portals=[V6]))
    assert result["actions"][-1] == "log in to %s at [fd00::1]:3260" % IQN
    assert initiator.record_path(IQN, "fd00::1", 3260) is not None
    assert ["/usr/sbin/iscsiadm", "-m", "node", "-T", IQN, "-p", "[fd00::1]:3260", "-I", "default",
            "--login"] in initiator.calls
    status = result["targets"][0]
    assert status["portals"][0]["portal"] == "[fd00::1]:3260" and status["portals"][0]["sid"] == "1"
    assert [lun["by_path"] for lun in status["luns"]] == [
        "/dev/disk/by-path/ip-fd00::1:3260-iscsi-%s-lun-%d" % (IQN, lun) for lun in (1, 2)]
    assert converge(initiator, request(portals=[V6]))[0]["changed"] is False


def test_several_targets(initiator):
    result, _warnings = converge(initiator, request(), request(target=OTHER_IQN, auth=Chap("u", PASSWORD)))
    assert [status["target"] for status in result["targets"]] == [IQN, OTHER_IQN]
    assert [len(status["luns"]) for status in result["targets"]] == [2, 1]
    assert len(result["diff"]) == 2
    assert_no_secrets(initiator, result)


def test_other_targets_records_and_sessions_stay(initiator):
    initiator.add_record(OTHER_IQN)
    initiator.add_session(OTHER_IQN)
    converge(initiator, request(state="absent"))
    converge(initiator, request())
    converge(initiator, request(state="absent"))
    assert initiator.settings(OTHER_IQN) is not None
    assert [s[4] for s in initiator.sessions] == [OTHER_IQN]


# -- unreachable portals ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["logged_in", "present", "logged_out"])
def test_unreachable_portal_of_a_new_target_fails_at_plan_time(initiator, state):
    with pytest.raises(LqError) as excinfo:
        converge(initiator, request(portals=[LOCAL, UNREACHABLE], state=state))
    assert excinfo.value.message == (
        "reaching %s: the portal 10.0.0.9:3260 does not answer (Connection refused). Check that the target runs, "
        "the portal's host and port, and that this node may reach it" % IQN)
    assert initiator.changing_calls() == []
    assert initiator.settings(IQN) is None


def test_unreachable_portal_fails_before_any_target_changes(initiator):
    with pytest.raises(LqError, match="the portal 10.0.0.9:3260 does not answer"):
        converge(initiator, request(target=OTHER_IQN, auth=Chap("u", PASSWORD)), request(portals=[UNREACHABLE]))
    assert initiator.changing_calls() == []


def test_unreachable_portal_of_a_lost_session(initiator):
    initiator.add_record(IQN, node__startup="automatic", node__conn0__startup="automatic")
    initiator.reachable.discard(("127.0.0.1", 3260))
    with pytest.raises(LqError, match="reaching %s: the portal 127.0.0.1:3260 does not answer" % IQN):
        converge(initiator, request())


def test_unreachable_portal_does_not_matter_when_nothing_needs_it(initiator):
    initiator.add_record(IQN, node__startup="automatic", node__conn0__startup="automatic")
    initiator.add_session(IQN)
    initiator.reachable.clear()
    for state in ("logged_in", "present"):
        assert converge(initiator, request(state=state))[0]["changed"] is False
    assert converge(initiator, request(state="logged_out"))[0]["actions"] == [
        "log out of %s at 127.0.0.1:3260" % IQN]


def test_portal_gone_between_plan_and_login(initiator):
    """The login probes again: a portal that stops answering is an error naming it, not iscsiadm's retries."""
    manager = manager_of(initiator)
    target_plan = manager.plan(request(discovery=False))
    initiator.reachable.clear()
    with pytest.raises(LqError, match="logging in to %s: the portal 127.0.0.1:3260 does not answer" % IQN):
        for action in target_plan.plan.actions:
            action.run()


# -- check mode -------------------------------------------------------------------------------------------------

def snapshot(initiator):
    files = {str(path): path.read_text() for path in sorted(initiator.root.rglob("*")) if path.is_file()}
    return files, [list(session) for session in initiator.sessions]


def test_check_mode_new_target(initiator):
    before = snapshot(initiator)
    req = request(auth=Chap("u", PASSWORD), discovery_auth=Chap("d", DISCOVERY_PASSWORD))
    predicted, warnings = converge(initiator, req, check_mode=True)
    assert snapshot(initiator) == before
    assert initiator.changing_calls() == []
    assert [action.split(" ")[0] for action in predicted["actions"]] == ["discover", "set", "log"]
    assert predicted["changed"] is True and warnings == []
    assert predicted["targets"][0] == {
        "target": IQN, "state": "logged_in", "relogin_pending": False, "luns": [],
        "portals": [{"portal": "127.0.0.1:3260", "record": True, "logged_in": True, "sid": None,
                     "startup": "automatic", "authmethod": "CHAP", "username": "u", "username_in": None}]}
    assert_no_secrets(initiator, predicted)

    initiator.targets[IQN].discovery_chap = ("d", DISCOVERY_PASSWORD)
    initiator.targets[IQN].chap = ("u", PASSWORD)
    result, _warnings = converge(initiator, req)
    assert result["actions"] == predicted["actions"] and result["diff"] == predicted["diff"]
    assert result["targets"][0]["portals"][0] == dict(predicted["targets"][0]["portals"][0], sid="1")
    assert_no_secrets(initiator, result)


def test_check_mode_of_an_unchanged_target_shows_its_luns(initiator):
    initiator.add_record(IQN, node__startup="automatic", node__conn0__startup="automatic")
    initiator.add_session(IQN)
    predicted, _warnings = converge(initiator, request(), check_mode=True)
    assert predicted["changed"] is False
    assert predicted["targets"][0]["portals"][0]["sid"] == "1"
    assert [lun["device"] for lun in predicted["targets"][0]["luns"]] == ["/dev/sdb", "/dev/sdc"]
    assert not any(call[1] == "settle" for call in initiator.calls)  # check mode does not wait


@pytest.mark.parametrize("req, logged_in", [
    (request(state="logged_out"), False),
    (request(state="absent"), False),
    (request(target=OTHER_IQN, auth=Chap("u", PASSWORD)), True),
    (request(target=OTHER_IQN, auth=Chap("u", PASSWORD), state="present"), True),
])
def test_check_mode_predicts_the_real_run(initiator, req, logged_in):
    for target in (IQN, OTHER_IQN):
        initiator.add_record(target, node__startup="automatic", node__conn0__startup="automatic",
                             node__session__auth__authmethod="CHAP", node__session__auth__username="u",
                             node__session__auth__password="old-secret-999")
        initiator.add_session(target)
    before = snapshot(initiator)
    predicted, predicted_warnings = converge(initiator, req, check_mode=True)
    assert snapshot(initiator) == before and initiator.changing_calls() == []
    result, warnings = converge(initiator, req)
    assert predicted["actions"] == result["actions"] and predicted["diff"] == result["diff"]
    assert predicted_warnings == warnings
    for key in ("record", "logged_in", "startup", "authmethod", "username", "username_in"):
        assert predicted["targets"][0]["portals"][0][key] == result["targets"][0]["portals"][0][key], key
    assert result["targets"][0]["portals"][0]["logged_in"] is logged_in
    assert_no_secrets(initiator, predicted, result, "old-secret-999")
    assert "old-secret-999" not in json.dumps([predicted, result])


def test_check_mode_relogin_pending(initiator):
    chap_record(initiator, password="old-secret-999")
    initiator.use(mount="/srv")
    predicted, warnings = converge(initiator, request(target=OTHER_IQN, auth=Chap("u", PASSWORD)), check_mode=True)
    assert predicted["targets"][0]["relogin_pending"] is True and len(warnings) == 1
    assert initiator.settings(OTHER_IQN)["node.session.auth.password"] == "old-secret-999"


def test_without_diff_mode(initiator):
    result, _warnings = converge(initiator, request(), diff_mode=False)
    assert "diff" not in result and result["changed"] is True


# -- passwords --------------------------------------------------------------------------------------------------

def test_passwords_never_leave_the_record_files(initiator):
    """Planning and applying CHAP with discovery CHAP and mutual CHAP, a password rotation, and a relogin: no
    password on any command line, in any result, diff, action or warning."""
    initiator.targets[OTHER_IQN].mutual = ("target", PASSWORD_IN)
    initiator.targets[OTHER_IQN].discovery_chap = ("d", DISCOVERY_PASSWORD)
    mutual = Chap("u", PASSWORD, "target", PASSWORD_IN)
    req = request(target=OTHER_IQN, auth=mutual, discovery_auth=Chap("d", DISCOVERY_PASSWORD))
    results = [converge(initiator, req, check_mode=True), converge(initiator, req), converge(initiator, req)]
    initiator.targets[OTHER_IQN].chap = ("u", NEW_PASSWORD)
    rotated = request(target=OTHER_IQN, auth=Chap("u", NEW_PASSWORD, "target", PASSWORD_IN))
    results += [converge(initiator, rotated, check_mode=True), converge(initiator, rotated)]
    assert "log in to %s at 127.0.0.1:3260" % OTHER_IQN in results[-1][0]["actions"]
    assert initiator.settings(OTHER_IQN)["node.session.auth.password"] == NEW_PASSWORD
    initiator.use(device="/dev/sdc", mount="/srv")  # the LUN of the session after the rotation
    results += [converge(initiator, request(target=OTHER_IQN, auth=mutual)),
                converge(initiator, request(target=OTHER_IQN, state="absent", force=True))]
    assert results[-2][1] and results[-1][1]  # warnings
    assert_no_secrets(initiator, results)
    assert any(call[-1] == "--login" for call in initiator.calls)
    for path in initiator.etc.rglob("*"):
        if path.is_file():
            assert oct(path.stat().st_mode & 0o777) == oct(0o600), path


def test_plan_never_holds_a_password_in_its_views(initiator):
    chap_record(initiator)
    target_plan = plan_of(initiator, request(target=OTHER_IQN, auth=Chap("u", NEW_PASSWORD, "t", PASSWORD_IN)))
    text = json.dumps([target_plan.plan.before, target_plan.plan.after, target_plan.plan.action_descriptions(),
                       target_plan.plan.warnings])
    assert PASSWORD not in text and NEW_PASSWORD not in text and PASSWORD_IN not in text
    assert target_plan.plan.before["127.0.0.1:3260"]["settings"]["node.session.auth.password"] == HIDDEN


@pytest.mark.parametrize("field, value", [("password", " leading-space1"), ("password", "line\nbreak12345"),
                                          ("username", "trailing ")])
def test_chap_values_that_a_record_file_cannot_hold(field, value):
    auth = {"username": "u", "password": "secret123456"}
    auth[field] = value
    problems = _iscsi_targets._entry_problems(dict(_iscsi_targets.TARGET_DEFAULTS, target="iqn.2026-11.lab:t", portal="10.0.0.5", auth=auth))
    assert problems == ["auth.%s must not start or end with spaces or hold control characters (line breaks)" % field]
    assert all(value not in problem for problem in problems)


def test_host_names_resolve_to_the_address_iscsiadm_records(monkeypatch):
    monkeypatch.setattr(_iscsi.socket, "getaddrinfo", lambda host, port, type: [(0, 0, 0, "", ("10.0.0.5", port))])
    assert _iscsi.resolve_portal(Portal("san.example.com", 3261)) == Portal("10.0.0.5", 3261)
    assert _iscsi.resolve_portal(Portal("fd00::1")) == Portal("fd00::1")


@pytest.mark.parametrize("raw", [
    {"target": IQN, "portal": "127.0.0.1",
     "auth": {"username": "u", "password": "session-secret-1", "username_in": "t", "password_in": "mutual-secret-2"},
     "discovery_auth": {"username": "d", "password": "discovery-secret-3"}},
    {"targets": [{"target": IQN, "portal": "127.0.0.1",
                  "auth": {"username": "u", "password": "session-secret-1", "username_in": "t",
                           "password_in": "mutual-secret-2"},
                  "discovery_auth": {"username": "d", "password": "discovery-secret-3"}}]},
])
def test_every_chap_password_is_masked_by_ansible(raw):
    """Ansible masks no_log values in everything the module returns and logs (-vvvv included), in the list form too."""
    no_log_values = validate(**raw)._no_log_values
    assert {"session-secret-1", "mutual-secret-2", "discovery-secret-3"} <= no_log_values
    assert not {"u", "t", "d"} & no_log_values

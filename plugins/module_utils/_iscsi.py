# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The node's iSCSI initiator (open-iscsi): iscsiadm, its records, and the block devices of logged-in LUNs.

Parsers are pure; :class:`Iscsiadm` runs commands through :class:`~._node.Node` and never puts a CHAP password on
a command line: passwords are written into open-iscsi's root-only record files, which iscsiadm reads at login.
"""

from __future__ import annotations

import dataclasses
import glob
import ipaddress
import os
import re
import socket
import tempfile
import time
import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._net import PROBE_TIMEOUT, probe_tcp
from ansible_collections.limiquantix.storage.plugins.module_utils._node import Node, parse_export

DEFAULT_PORT = 3260
# Where distributions keep open-iscsi's records: Debian/Ubuntu, then EL/Fedora/SUSE.
RECORD_ROOTS = ("/etc/iscsi", "/var/lib/iscsi")
SECRET_SETTINGS = ("password", "password_in")
CHAP_FIELDS = ("username", "password", "username_in", "password_in")
HIDDEN = "********"

# iscsiadm exit codes (open-iscsi's iscsi_err.h) that name a cause an operator can act on.
_EXIT_CAUSES = {
    8: "the portal did not answer in time (is the target running and reachable?)",
    12: "the initiator's iSCSI driver is missing (modprobe iscsi_tcp; install the kernel's extra modules)",
    15: "a session to this target already exists",
    19: "the target refused the login for good (check the target name and the target's ACL for this initiator; with "
        "mutual CHAP, that username_in and password_in are the target's own CHAP credentials)",
    20: "no connection to iscsid (start iscsid: systemctl start iscsid)",
    21: "no records or sessions found",
    24: "the target rejected the login credentials (CHAP user name or password wrong)",
}


@dataclasses.dataclass(frozen=True)
class Portal:
    host: str
    port: int = DEFAULT_PORT

    def __str__(self) -> str:
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "%s:%d" % (host, self.port)


def parse_portal(text: str, option: str = "portal") -> Portal:
    """``host``, ``host:port``, ``[ipv6]``, ``[ipv6]:port`` or a bare IPv6 address; port 3260 by default."""
    value = text.strip()
    match = (re.fullmatch(r"\[(?P<host>[0-9A-Fa-f:.%\w]*:[0-9A-Fa-f:.%\w]*)\](?::(?P<port>\d+))?", value)
             or re.fullmatch(r"(?P<host>[^\s:\[\],]+)(?::(?P<port>\d+))?", value)
             or re.fullmatch(r"(?P<host>[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*)", value))
    port = match.groupdict().get("port") if match else None
    host = match.group("host") if match else ""
    if ":" in host:
        try:
            # iscsiadm prints addresses in their compressed, lowercase form: compare in that form.
            host = str(ipaddress.IPv6Address(host))
        except ValueError:
            match = None
    if not match or (port is not None and not 0 < int(port) < 65536):
        raise LqError("%s: %r is not host, host:port, [ipv6] or [ipv6]:port with a port from 1 to 65535"
                      % (option, text))
    return Portal(host, int(port) if port else DEFAULT_PORT)


def resolve_portal(portal: Portal) -> Portal:
    """The portal with its host name resolved to the address iscsiadm records (IP addresses stay as they are)."""
    try:
        ipaddress.ip_address(portal.host)
        return portal
    except ValueError:
        pass
    try:
        address = socket.getaddrinfo(portal.host, portal.port, type=socket.SOCK_STREAM)[0][4][0]
    except OSError as error:
        raise LqError("portal: the host name %s does not resolve on the node (%s)" % (portal.host, error))
    return Portal(str(ipaddress.ip_address(address)), portal.port)


def _portal_of(text: str) -> t.Tuple[Portal, str]:
    """``ip:port,tpgt`` as iscsiadm prints portals: the portal and the portal group tag."""
    address, _comma, tpgt = text.rpartition(",")
    host, _colon, port = address.rpartition(":")
    return Portal(host.strip("[]"), int(port)), tpgt


@dataclasses.dataclass(frozen=True)
class Session:
    sid: str
    portal: Portal
    tpgt: str
    target: str


@dataclasses.dataclass(frozen=True)
class NodeRecord:
    portal: Portal
    tpgt: str
    target: str


def parse_sessions(text: str) -> t.List[Session]:
    """``iscsiadm -m session``: ``tcp: [1] 10.0.0.5:3260,1 iqn.2026-01.com.example:t1 (non-flash)``."""
    sessions = []
    for line in text.splitlines():
        match = re.match(r"^\S+:\s+\[(\d+)\]\s+(\S+)\s+(\S+)", line.strip())
        if match:
            portal, tpgt = _portal_of(match.group(2))
            sessions.append(Session(match.group(1), portal, tpgt, match.group(3)))
    return sessions


def parse_node_records(text: str) -> t.List[NodeRecord]:
    """``iscsiadm -m node`` and ``-m discovery``: ``10.0.0.5:3260,1 iqn.2026-01.com.example:t1``."""
    records = []
    for line in text.splitlines():
        match = re.match(r"^(\S+,\S+)\s+(\S+)$", line.strip())
        if match:
            portal, tpgt = _portal_of(match.group(1))
            records.append(NodeRecord(portal, tpgt, match.group(2)))
    return records


def parse_settings(text: str) -> t.Dict[str, str]:
    """A record as ``iscsiadm -m node -T ... -p ...`` (or its file) holds it: ``name = value`` lines."""
    settings = {}
    for line in text.splitlines():
        name, separator, value = line.partition("=")
        if separator and not line.lstrip().startswith("#"):
            settings[name.strip()] = value.strip()
    return settings


def masked(settings: t.Mapping[str, str]) -> t.Dict[str, str]:
    """Settings with every password hidden (for results, diffs and messages)."""
    return {name: (HIDDEN if name.rsplit(".", 1)[-1] in SECRET_SETTINGS and value not in ("", "<empty>") else value)
            for name, value in settings.items()}


def probe_portal(portal: Portal, timeout: float = PROBE_TIMEOUT) -> t.Optional[str]:
    """None when something accepts TCP connections at the portal, else why not."""
    return probe_tcp(portal.host, portal.port, timeout)


# -- LUNs: from the session in sysfs to block devices ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Lun:
    lun: int
    device: t.Optional[str]  # /dev/sdX, None while the kernel has not made one yet
    by_path: t.Optional[str]
    size: t.Optional[int]
    wwn: t.Optional[str]
    serial: t.Optional[str]

    def as_dict(self) -> t.Dict[str, t.Any]:
        return dataclasses.asdict(self)


class Sysfs:
    """The kernel's view of iSCSI sessions and their SCSI devices (a root other than / for tests)."""

    def __init__(self, root: str = "/") -> None:
        self.root = root

    def _path(self, *parts: str) -> str:
        return os.path.join(self.root, *parts)

    def _read(self, path: str) -> t.Optional[str]:
        try:
            with open(path, "rb") as stream:
                return stream.read().decode("utf-8", "replace").strip()
        except OSError:
            return None

    def session_chap(self, sid: str) -> t.Optional[t.Dict[str, str]]:
        """The CHAP credentials session ``sid`` logged in with, as the kernel keeps them (readable by root only),
        named like a record's settings; None where the kernel does not show them."""
        used = {}
        for name in CHAP_FIELDS:
            value = self._read(self._path("sys/class/iscsi_session/session%s" % sid, name))
            if value is None:
                return None
            used["node.session.auth." + name] = "" if value == "(null)" else value
        return used

    def disk_luns(self, sid: str) -> t.List[t.Tuple[int, str]]:
        """(LUN, SCSI device directory) of each disk (SCSI type 0) of session ``sid``; LUN 0 of many targets is a
        controller, not a disk."""
        found = []
        pattern = self._path("sys/class/iscsi_session/session%s/device/target*/*:*:*:*" % sid)
        for directory in glob.glob(pattern):
            if self._read(os.path.join(directory, "type")) == "0":
                found.append((int(os.path.basename(directory).rsplit(":", 1)[1]), directory))
        return sorted(found)

    def block_device(self, scsi_directory: str) -> t.Optional[str]:
        names = glob.glob(os.path.join(scsi_directory, "block", "*"))
        return "/dev/%s" % os.path.basename(names[0]) if names else None

    def size(self, device: str) -> t.Optional[int]:
        sectors = self._read(self._path("sys/class/block", os.path.basename(device), "size"))
        return int(sectors) * 512 if sectors and sectors.isdigit() else None

    def wwid(self, scsi_directory: str) -> t.Optional[str]:
        return self._read(os.path.join(scsi_directory, "wwid"))

    def holders(self, device: str) -> t.List[str]:
        """Kernel devices stacked on the device or its partitions (device-mapper: LVM, multipath, crypt)."""
        name = os.path.basename(device)
        held = glob.glob(self._path("sys/class/block", name, "holders", "*"))
        held += glob.glob(self._path("sys/class/block", name, name + "*", "holders", "*"))
        return sorted(os.path.basename(path) for path in held)

    def partitions(self, device: str) -> t.List[str]:
        name = os.path.basename(device)
        return sorted("/dev/%s" % os.path.basename(os.path.dirname(path))
                      for path in glob.glob(self._path("sys/class/block", name, name + "*", "partition")))


def by_path_link(portal: Portal, target: str, lun: int, root: str = "/") -> t.Optional[str]:
    """udev's /dev/disk/by-path link of a LUN: ``ip-<address>:<port>-iscsi-<target>-lun-<n>``.

    udev's path_id prints the connection's persistent_address as it is: an IPv6 address without brackets.
    """
    name = "ip-%s:%d-iscsi-%s-lun-%d" % (portal.host, portal.port, target, lun)
    return "/dev/disk/by-path/" + name if os.path.islink(os.path.join(root, "dev/disk/by-path", name)) else None


def serial_of(node: Node, device: str) -> t.Optional[str]:
    """The SCSI unit serial number, as udev reads it (ID_SCSI_SERIAL, else ID_SERIAL_SHORT)."""
    rc, out, _err = node.run([node.binary("udevadm", "udev"), "info", "--query=property", "--name", device])
    if rc != 0:
        return None
    properties = parse_export(out)
    return properties.get("ID_SCSI_SERIAL") or properties.get("ID_SERIAL_SHORT")


# -- iscsiadm -------------------------------------------------------------------------------------------------


class IscsiadmError(LqError):
    def __init__(self, doing: str, rc: int, output: str) -> None:
        cause = _EXIT_CAUSES.get(rc)
        message = "%s failed (iscsiadm exit %d%s): %s" % (doing, rc, ": " + cause if cause else "", output.strip())
        super().__init__(message)
        self.rc = rc


class Iscsiadm:
    def __init__(self, node: Node, record_roots: t.Sequence[str] = RECORD_ROOTS) -> None:
        self._node = node
        self._record_roots = record_roots

    def _run(self, args: t.List[str], doing: str, ok_codes: t.Tuple[int, ...] = (0,)) -> str:
        argv = [self._node.binary("iscsiadm", "open-iscsi (Debian/Ubuntu) or iscsi-initiator-utils (EL)")] + args
        rc, out, err = self._node.run(argv)
        if rc not in ok_codes:
            raise IscsiadmError(doing, rc, (err or out))
        return out if rc == 0 else ""

    def sessions(self) -> t.List[Session]:
        return parse_sessions(self._run(["-m", "session"], "listing iSCSI sessions", ok_codes=(0, 21)))

    def node_records(self) -> t.List[NodeRecord]:
        return parse_node_records(self._run(["-m", "node"], "listing iSCSI node records", ok_codes=(0, 21)))

    def new_discovery_record(self, portal: Portal, iface: str) -> None:
        self._run(["-m", "discoverydb", "-t", "sendtargets", "-p", str(portal), "-I", iface, "-o", "new"],
                  "creating the discovery record of %s" % portal, ok_codes=(0, 15))

    def discover(self, portal: Portal, iface: str) -> t.List[NodeRecord]:
        """The targets a portal offers (sendtargets), without storing records for the ones not asked for."""
        out = self._run(["-m", "discoverydb", "-t", "sendtargets", "-p", str(portal), "-I", iface, "--discover",
                         "-o", "nonpersistent"], "discovering the targets of portal %s" % portal)
        return parse_node_records(out)

    def discovery_settings(self, portal: Portal) -> t.Dict[str, str]:
        out = self._run(["-m", "discoverydb", "-t", "sendtargets", "-p", str(portal), "-S"],
                        "reading the discovery record of %s" % portal, ok_codes=(0, 21))
        return parse_settings(out)

    def settings(self, target: str, portal: Portal, iface: str) -> t.Dict[str, str]:
        """The node record's settings, passwords included (-S): they stay inside the module."""
        out = self._run(["-m", "node", "-T", target, "-p", str(portal), "-I", iface, "-S"],
                        "reading the node record of %s at %s" % (target, portal), ok_codes=(0, 21))
        return parse_settings(out)

    def record_settings(self, record: NodeRecord) -> t.Dict[str, str]:
        """A record's settings as iscsiadm shows them without -S (passwords masked), for every iface."""
        out = self._run(["-m", "node", "-T", record.target, "-p", "%s,%s" % (record.portal, record.tpgt)],
                        "reading the node record of %s at %s" % (record.target, record.portal), ok_codes=(0, 21))
        return parse_settings(out)

    def new_record(self, target: str, portal: Portal, tpgt: t.Optional[str], iface: str) -> None:
        address = "%s,%s" % (portal, tpgt) if tpgt else str(portal)
        self._run(["-m", "node", "-o", "new", "-T", target, "-p", address, "-I", iface],
                  "creating the node record of %s at %s" % (target, portal))

    def update(self, target: str, portal: Portal, iface: str, name: str, value: str) -> None:
        """Set one non-secret setting of a node record."""
        if name.rsplit(".", 1)[-1] in SECRET_SETTINGS:
            raise LqError("internal error: %s must not pass through a command line" % name)
        self._run(["-m", "node", "-o", "update", "-T", target, "-p", str(portal), "-I", iface, "-n", name,
                   "-v", value], "setting %s of the node record of %s at %s" % (name, target, portal))

    def update_discovery(self, portal: Portal, name: str, value: str) -> None:
        if name.rsplit(".", 1)[-1] in SECRET_SETTINGS:
            raise LqError("internal error: %s must not pass through a command line" % name)
        self._run(["-m", "discoverydb", "-t", "sendtargets", "-p", str(portal), "-o", "update", "-n", name,
                   "-v", value], "setting %s of the discovery record of %s" % (name, portal))

    def login(self, target: str, portal: Portal, iface: str) -> None:
        self._run(["-m", "node", "-T", target, "-p", str(portal), "-I", iface, "--login"],
                  "logging in to %s at %s" % (target, portal), ok_codes=(0, 15))

    def logout(self, target: str, portal: Portal, iface: str) -> None:
        self._run(["-m", "node", "-T", target, "-p", str(portal), "-I", iface, "--logout"],
                  "logging out of %s at %s" % (target, portal), ok_codes=(0, 21))

    def delete_record(self, target: str, portal: Portal, iface: str) -> None:
        self._run(["-m", "node", "-o", "delete", "-T", target, "-p", str(portal), "-I", iface],
                  "deleting the node record of %s at %s" % (target, portal), ok_codes=(0, 21))

    def rescan(self, sid: str) -> None:
        self._run(["-m", "session", "-r", sid, "--rescan"], "rescanning the LUNs of session %s" % sid)

    # -- secrets, straight into the record files ----------------------------------------------------------

    def _record_file(self, target: str, portal: Portal, iface: str) -> str:
        for root in self._record_roots:
            # ip,port,tpgt/<iface>; a record made without a portal group tag (discovery: false) is the file ip,port.
            entry = os.path.join(root, "nodes", glob.escape(target), glob.escape("%s,%d" % (portal.host, portal.port)))
            for directory in glob.glob(entry) + glob.glob(entry + ",*"):
                path = os.path.join(directory, iface) if os.path.isdir(directory) else directory
                if os.path.isfile(path):
                    return path
        raise LqError("the node record of %s at %s (iface %s) has no file under %s"
                      % (target, portal, iface, " or ".join(self._record_roots)))

    def _discovery_file(self, portal: Portal) -> str:
        for root in self._record_roots:
            path = os.path.join(root, "send_targets", "%s,%d" % (portal.host, portal.port), "st_config")
            if os.path.isfile(path):
                return path
        raise LqError("the discovery record of %s has no file under %s" % (portal, " or ".join(self._record_roots)))

    def set_secrets(self, target: str, portal: Portal, iface: str, values: t.Mapping[str, str]) -> None:
        write_record_settings(self._record_file(target, portal, iface), values)

    def set_discovery_secrets(self, portal: Portal, values: t.Mapping[str, str]) -> None:
        write_record_settings(self._discovery_file(portal), values)


def write_record_settings(path: str, values: t.Mapping[str, str]) -> None:
    """Set ``name = value`` lines of an open-iscsi record file in place, atomically, keeping it root-only.

    An empty value removes the setting's line: open-iscsi leaves empty settings out of its files (and warns about a
    line without a value), so the setting is back at its empty default.
    """
    with open(path) as stream:
        lines = stream.read().splitlines()
    pending = dict(values)
    kept = []
    for line in lines:
        name = line.partition("=")[0].strip()
        if "=" in line and name in values:
            if values[name] != "" and name in pending:
                kept.append("%s = %s" % (name, pending.pop(name)))
            continue
        kept.append(line)
    lines = kept
    end = next((i for i, line in enumerate(lines) if line.strip() == "# END RECORD"), len(lines))
    lines[end:end] = ["%s = %s" % item for item in pending.items() if item[1] != ""]
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".lq-record-")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write("\n".join(lines) + "\n")
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def session_luns(sysfs: Sysfs, session: Session) -> t.List[Lun]:
    """The disk LUNs of a session as the kernel shows them now (serial numbers not read)."""
    luns = []
    for number, directory in sysfs.disk_luns(session.sid):
        device = sysfs.block_device(directory)
        luns.append(Lun(number, device, by_path_link(session.portal, session.target, number, sysfs.root),
                        sysfs.size(device) if device else None, sysfs.wwid(directory), None))
    return luns


def with_serials(node: Node, luns: t.Sequence[Lun]) -> t.List[Lun]:
    return [dataclasses.replace(lun, serial=serial_of(node, lun.device)) if lun.device else lun for lun in luns]


def wait_for_luns(sysfs: Sysfs, node: Node, session: Session, timeout: float,
                  poll: float = 0.2) -> t.List[Lun]:
    """The disk LUNs of a logged-in session, once each has its block device and udev's by-path link.

    The kernel scans a new session's LUNs after the login returns, and udev links them later still: wait until the
    set of LUNs is the same on two polls in a row and every one of them is complete, or fail after ``timeout``.
    """
    deadline = time.monotonic() + timeout
    udevadm = node.binary("udevadm", "udev")
    previous: t.Optional[t.List[Lun]] = None
    while True:
        # Each settle waits at most what is left of the timeout, so the whole wait stays bounded by it.
        node.run([udevadm, "settle", "--timeout=%d" % max(1, int(deadline - time.monotonic()))])
        luns = session_luns(sysfs, session)
        complete = all(lun.device and lun.by_path for lun in luns)
        if complete and luns == previous:
            return with_serials(node, luns)
        if time.monotonic() >= deadline:
            missing = [str(lun.lun) for lun in luns if not (lun.device and lun.by_path)]
            raise LqError("the LUNs of %s at %s did not all get block devices within %g s (LUNs without a device or "
                          "by-path link: %s); raise wait_timeout, or check the target's LUNs and udev"
                          % (session.target, session.portal, timeout, ", ".join(missing) or "none, still changing"))
        previous = luns
        time.sleep(poll)


def _setting(settings: t.Mapping[str, str], name: str) -> t.Optional[str]:
    value = settings.get(name)
    return None if value in (None, "", "<empty>") else value


def iscsi_report(iscsiadm: Iscsiadm, sysfs: Sysfs, node: Node, target: t.Optional[str]) -> t.Dict[str, t.Any]:
    """Sessions with their LUNs, and node records without their passwords, of one target or all."""
    sessions = sorted((s for s in iscsiadm.sessions() if target in (None, s.target)), key=lambda s: int(s.sid))
    records = sorted((r for r in iscsiadm.node_records() if target in (None, r.target)),
                     key=lambda r: (r.target, str(r.portal)))
    reported_records = []
    for record in records:
        settings = iscsiadm.record_settings(record)
        reported_records.append({
            "target": record.target, "portal": str(record.portal), "tpgt": record.tpgt,
            "startup": _setting(settings, "node.startup"),
            "authmethod": _setting(settings, "node.session.auth.authmethod"),
            "username": _setting(settings, "node.session.auth.username"),
            "username_in": _setting(settings, "node.session.auth.username_in"),
        })
    return {
        "sessions": [{"sid": s.sid, "target": s.target, "portal": str(s.portal), "tpgt": s.tpgt,
                      "luns": [lun.as_dict() for lun in with_serials(node, session_luns(sysfs, s))]}
                     for s in sessions],
        "records": reported_records,
    }

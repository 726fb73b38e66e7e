# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lq_iscsi_target: the node's attachment to iSCSI targets - options, planning and status.

Per target and portal the desired state is a node record with the wanted settings (startup, CHAP) and, for
``logged_in``, a session whose disk LUNs have block devices. Nothing is logged out while one of its LUNs is in use
(mounted, holding an LVM volume or other device-mapper device, or a disk of a domain) unless forced.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._changes import Plan, converge
from ansible_collections.limiquantix.storage.plugins.module_utils._domains import disk_sources
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._iscsi import (
    Iscsiadm,
    Lun,
    NodeRecord,
    SECRET_SETTINGS,
    Portal,
    Session,
    Sysfs,
    masked,
    parse_portal,
    probe_portal,
    resolve_portal,
    session_luns,
    wait_for_luns,
    with_serials,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._node import Node
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._base import iqn_problem
from ansible_collections.limiquantix.storage.plugins.module_utils._requests import (
    duplicates,
    entries,
    fail_on,
    labelled,
)

TARGET_STATES = ("logged_in", "logged_out", "present", "absent")
STARTUPS = ("automatic", "manual")

_CHAP_SPEC = dict(
    username=dict(type="str", required=True),
    password=dict(type="str", required=True, no_log=True),
    username_in=dict(type="str"),
    password_in=dict(type="str", no_log=True),
)

_ENTRY_SPEC: t.Dict[str, t.Dict[str, t.Any]] = dict(
    target=dict(type="str"),
    portal=dict(type="str"),
    portals=dict(type="list", elements="str"),
    iface=dict(type="str"),
    discovery=dict(type="bool"),
    discovery_auth=dict(type="dict", no_log=False, options=copy.deepcopy(_CHAP_SPEC),
                        required_together=[("username_in", "password_in")]),
    auth=dict(type="dict", no_log=False, options=copy.deepcopy(_CHAP_SPEC),
              required_together=[("username_in", "password_in")]),
    state=dict(type="str", choices=list(TARGET_STATES)),
    startup=dict(type="str", choices=list(STARTUPS)),
    force=dict(type="bool"),
    wait_timeout=dict(type="int"),
)

TARGET_DEFAULTS: t.Dict[str, t.Any] = dict(iface="default", discovery=True, state="logged_in", startup="automatic",
                                           force=False, wait_timeout=30)


def target_argument_spec() -> t.Dict[str, t.Any]:
    spec = copy.deepcopy(_ENTRY_SPEC)
    for option, default in TARGET_DEFAULTS.items():
        spec[option]["default"] = default
    spec["targets"] = dict(type="list", elements="dict", options=copy.deepcopy(_ENTRY_SPEC),
                           mutually_exclusive=[("portal", "portals")])
    return spec


TARGET_MUTUALLY_EXCLUSIVE = [("targets", "target"), ("portal", "portals")]
TARGET_REQUIRED_ONE_OF = [("target", "targets")]


@dataclasses.dataclass(frozen=True)
class Chap:
    username: str
    password: str = dataclasses.field(repr=False)
    username_in: t.Optional[str] = None
    password_in: t.Optional[str] = dataclasses.field(default=None, repr=False)


@dataclasses.dataclass
class TargetRequest:
    target: str
    portals: t.List[Portal]
    iface: str
    discovery: bool
    discovery_auth: t.Optional[Chap]
    auth: t.Optional[Chap]
    state: str
    startup: str
    force: bool
    wait_timeout: int


def _chap(value: t.Optional[t.Mapping[str, t.Any]]) -> t.Optional[Chap]:
    return Chap(value["username"], value["password"], value.get("username_in"), value.get("password_in")) \
        if value else None


def _entry_problems(entry: t.Mapping[str, t.Any]) -> t.List[str]:
    problems = []
    problem = iqn_problem("target", entry.get("target"))
    if problem:
        problems.append(problem)
    portals = entry.get("portals") or ([entry["portal"]] if entry.get("portal") else [])
    if not portals:
        problems.append("portal (or portals) is required: where the target listens, host or host:port")
    for portal in portals:
        try:
            parse_portal(portal)
        except LqError as error:
            problems.append(error.message)
    if entry["wait_timeout"] <= 0:
        problems.append("wait_timeout must be a positive number of seconds, got %r" % entry["wait_timeout"])
    for option in ("auth", "discovery_auth"):
        for field, value in (entry.get(option) or {}).items():
            # open-iscsi keeps one setting a line and trims values: such a value would not survive the record file.
            if value is not None and (value != value.strip() or any(ord(char) < 32 for char in value)):
                problems.append("%s.%s must not start or end with spaces or hold control characters (line breaks)"
                                % (option, field))
    return problems


def target_requests(params: t.Mapping[str, t.Any]) -> t.List[TargetRequest]:
    """Every target of the task, or an error listing every problem (before anything changes)."""
    # An item's own portal or portals replaces both inherited ones (portal and portals exclude each other).
    inherited = [option for option in _ENTRY_SPEC if option not in ("target", "portal", "portals")]
    requests, problems = [], []
    for index, (label, entry) in enumerate(entries(params, "targets", inherited)):
        if params.get("targets") is not None:
            label = "targets[%d] (%s)" % (index, entry.get("target"))
            if not (entry.get("portal") or entry.get("portals")):
                entry.update(portal=params.get("portal"), portals=params.get("portals"))
        entry = dict(TARGET_DEFAULTS, **{k: v for k, v in entry.items() if v is not None})
        entry_problems = _entry_problems(entry)
        if entry_problems:
            problems.extend(labelled(label or entry.get("target") or "", entry_problems))
            continue
        texts = entry.get("portals") or [entry["portal"]]
        requests.append(TargetRequest(
            target=entry["target"], portals=[parse_portal(text) for text in texts], iface=entry["iface"],
            discovery=entry["discovery"], discovery_auth=_chap(entry.get("discovery_auth")),
            auth=_chap(entry.get("auth")), state=entry["state"], startup=entry["startup"], force=entry["force"],
            wait_timeout=entry["wait_timeout"],
        ))
    problems.extend(duplicates("targets", "target", [request.target for request in requests]))
    fail_on("iSCSI target", problems)
    return requests


# -- settings ------------------------------------------------------------------------------------------------


def chap_settings(prefix: str, chap: t.Optional[Chap]) -> t.Dict[str, str]:
    """The record settings for CHAP (or none) under ``prefix`` (node.session.auth or discovery.sendtargets.auth)."""
    if chap is None:
        return {prefix + ".authmethod": "None"}
    settings = {prefix + ".authmethod": "CHAP", prefix + ".username": chap.username, prefix + ".password": chap.password}
    # Without mutual CHAP the target's credentials must go: open-iscsi demands mutual CHAP while either is set.
    settings.update({prefix + ".username_in": chap.username_in or "",
                     prefix + ".password_in": (chap.password_in or "") if chap.username_in else ""})
    return settings


def _file_only(settings: t.Mapping[str, str]) -> t.Dict[str, str]:
    """The settings that go straight into the record file: passwords (never on a command line), and cleared
    settings (an empty value removes the line, as open-iscsi writes its files)."""
    return {name: value for name, value in settings.items()
            if name.rsplit(".", 1)[-1] in SECRET_SETTINGS or value == ""}


def desired_settings(request: TargetRequest) -> t.Dict[str, str]:
    settings = {"node.startup": request.startup, "node.conn[0].startup": request.startup}
    settings.update(chap_settings("node.session.auth", request.auth))
    return settings


def _empty(value: t.Optional[str]) -> bool:
    return value in (None, "", "<empty>")


def _same(current: t.Optional[str], desired: t.Optional[str]) -> bool:
    return current == desired or (_empty(current) and _empty(desired))


def setting_changes(current: t.Mapping[str, str], desired: t.Mapping[str, str]) -> t.List[str]:
    """Names of the desired settings the record does not have yet."""
    return [name for name, value in desired.items() if not _same(current.get(name), value)]


# -- who uses a LUN ------------------------------------------------------------------------------------------


def lun_users(lun: Lun, sysfs: Sysfs, mounts: t.Sequence[t.Tuple[str, str]],
              domains: t.Sequence[t.Tuple[str, bool, str]]) -> t.List[str]:
    """What would break if the LUN went away: mounts, device-mapper devices (LVM), domains' disks."""
    if not lun.device:
        return []
    devices = {lun.device} | set(sysfs.partitions(lun.device))
    users = ["mounted at %s" % target for source, target in mounts if os.path.realpath(source) in devices]
    users += ["holds device-mapper device %s (LVM or other)" % held for held in sysfs.holders(lun.device)]
    for name, running, xml in domains:
        if any(source.path and os.path.realpath(source.path) in devices for source in disk_sources(xml)):
            users.append("a disk of domain %s (%s)" % (name, "running" if running else "defined"))
    return users


def read_mounts(path: str = "/proc/self/mounts") -> t.List[t.Tuple[str, str]]:
    with open(path) as stream:
        return [(fields[0], fields[1]) for fields in (line.split() for line in stream) if len(fields) > 1]


# -- planning ------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class TargetPlan:
    request: TargetRequest
    plan: Plan
    # Settings changed on a session that stays logged in (they apply at its next login).
    relogin_pending: bool = False


class TargetManager:
    def __init__(self, iscsiadm: Iscsiadm, sysfs: Sysfs, node: Node,
                 domains: t.Callable[[], t.List[t.Tuple[str, bool, str]]]) -> None:
        self._iscsiadm = iscsiadm
        self._sysfs = sysfs
        self._node = node
        self._domains = domains
        self._records: t.Optional[t.List[NodeRecord]] = None
        self._sessions: t.Optional[t.List[Session]] = None

    def records(self) -> t.List[NodeRecord]:
        if self._records is None:
            self._records = self._iscsiadm.node_records()
        return self._records

    def sessions(self) -> t.List[Session]:
        if self._sessions is None:
            self._sessions = self._iscsiadm.sessions()
        return self._sessions

    def forget(self) -> None:
        """Read records and sessions again (after changes)."""
        self._records = self._sessions = None

    def _record(self, target: str, portal: Portal) -> t.Optional[NodeRecord]:
        return next((r for r in self.records() if (r.target, r.portal) == (target, portal)), None)

    def _session(self, target: str, portal: Portal) -> t.Optional[Session]:
        return next((s for s in self.sessions() if (s.target, s.portal) == (target, portal)), None)

    def _session_users(self, session: Session) -> t.List[str]:
        mounts = read_mounts()
        domains = self._domains()
        users = []
        for number, directory in self._sysfs.disk_luns(session.sid):
            device = self._sysfs.block_device(directory)
            lun = Lun(number, device, None, None, None, None)
            users.extend("LUN %d (%s) %s" % (number, device, use)
                         for use in lun_users(lun, self._sysfs, mounts, domains))
        return users

    def plan(self, request: TargetRequest) -> TargetPlan:
        target_plan = TargetPlan(request, Plan("iSCSI target", request.target, before={}, after={}))
        if request.state != "absent":
            # Fail now, not halfway: a login or discovery needs the portal.
            for portal in request.portals:
                if self._record(request.target, portal) is None or (
                        request.state == "logged_in" and self._session(request.target, portal) is None):
                    self._require_reachable(portal, "reaching %s" % request.target)
        for portal in request.portals:
            self._plan_portal(target_plan, portal)
        return target_plan

    def _view(self, record: bool, session: bool, settings: t.Mapping[str, str]) -> t.Dict[str, t.Any]:
        shown = {name: value for name, value in masked(settings).items()
                 if name.startswith(("node.startup", "node.conn[0].startup", "node.session.auth."))
                 and not _empty(value)}
        return {"record": record, "logged_in": session, "settings": shown}

    def _plan_portal(self, target_plan: TargetPlan, portal: Portal) -> None:
        request, plan = target_plan.request, target_plan.plan
        target, iface = request.target, request.iface
        label = "%s at %s" % (target, portal)
        record = self._record(target, portal)
        session = self._session(target, portal)
        current = self._iscsiadm.settings(target, portal, iface) if record else {}
        t.cast(dict, plan.before)[str(portal)] = self._view(bool(record), bool(session), current)
        if request.state == "absent":
            if session:
                self._refuse_if_in_use(request, session, "log out of %s" % label, plan)
                plan.add("log out of %s" % label, lambda: self._iscsiadm.logout(target, portal, iface))
            if record:
                plan.add("delete the node record of %s" % label,
                         lambda: self._iscsiadm.delete_record(target, portal, iface))
            t.cast(dict, plan.after)[str(portal)] = self._view(False, False, {})
            return

        desired = desired_settings(request)
        if record is None:
            if request.discovery:
                plan.add("discover %s at portal %s (sendtargets%s) and create its node record"
                         % (target, portal, ", CHAP" if request.discovery_auth else ""),
                         lambda: self._discover(request, portal))
            else:
                plan.add("create the node record of %s" % label,
                         lambda: self._iscsiadm.new_record(target, portal, None, iface))
        changes = setting_changes(current, desired) if record else list(desired)
        if changes:
            shown = ", ".join("%s = %s" % (name, masked({name: desired[name]})[name] or "<empty>")
                              for name in changes)
            plan.add("set %s of the node record of %s" % (shown, label),
                     lambda: self._apply_settings(request, portal, {name: desired[name] for name in changes}))
        logged_in = bool(session)
        if request.state == "logged_in" and session is None:
            plan.add("log in to %s" % label, lambda: self._login(request, portal))
            logged_in = True
        elif request.state == "logged_in" and session and record and self._logged_in_with_other_chap(
                session, changes, desired):
            users = self._session_users(session)
            if users and not request.force:
                plan.warnings.append("the CHAP settings of %s changed while its LUNs are in use (%s): they apply at "
                                     "the next login. Log out and in when the LUNs are free, or set force: true"
                                     % (label, "; ".join(users)))
                target_plan.relogin_pending = True
            else:
                if users:
                    plan.warnings.append("logging out of %s to log in with the new CHAP settings although its LUNs "
                                         "are in use (force: true): %s" % (label, "; ".join(users)))
                plan.add("log out of %s to log in with the new CHAP settings" % label,
                         lambda: self._iscsiadm.logout(target, portal, iface))
                plan.add("log in to %s" % label, lambda: self._login(request, portal))
        elif request.state == "logged_out" and session:
            self._refuse_if_in_use(request, session, "log out of %s" % label, plan)
            plan.add("log out of %s" % label, lambda: self._iscsiadm.logout(target, portal, iface))
            logged_in = False
        after = dict(current, **desired)
        t.cast(dict, plan.after)[str(portal)] = self._view(True, logged_in, after)

    def _logged_in_with_other_chap(self, session: Session, changes: t.Sequence[str],
                                   desired: t.Mapping[str, str]) -> bool:
        """Whether the session runs on other CHAP credentials than the task's: ones this run changes, or ones an
        earlier run wrote while the LUNs were in use (the kernel shows what the session logged in with)."""
        if any(name.startswith("node.session.auth.") for name in changes):
            return True
        used = self._sysfs.session_chap(session.sid)
        return used is not None and any(
            not _same(value, desired.get(name)) for name, value in used.items())

    def _refuse_if_in_use(self, request: TargetRequest, session: Session, doing: str, plan: Plan) -> None:
        users = self._session_users(session)
        if not users:
            return
        if not request.force:
            raise LqError("refusing to %s: its LUNs are in use: %s. Free them first, or set force: true (which "
                          "pulls the disks from under their users)" % (doing, "; ".join(users)))
        plan.warnings.append("%s although its LUNs are in use (force: true): %s" % (doing, "; ".join(users)))

    # -- actions --------------------------------------------------------------------------------------------

    def _require_reachable(self, portal: Portal, doing: str) -> None:
        problem = probe_portal(portal)
        if problem:
            raise LqError("%s: the portal %s does not answer (%s). Check that the target runs, the portal's host and "
                          "port, and that this node may reach it" % (doing, portal, problem))

    def _discover(self, request: TargetRequest, portal: Portal) -> None:
        self._require_reachable(portal, "discovering %s" % request.target)
        self._iscsiadm.new_discovery_record(portal, request.iface)
        # Without discovery_auth the record must not keep credentials an earlier run gave it.
        settings = chap_settings("discovery.sendtargets.auth", request.discovery_auth)
        secrets = _file_only(settings)
        for name, value in settings.items():
            if name not in secrets:
                self._iscsiadm.update_discovery(portal, name, value)
        if secrets:
            self._iscsiadm.set_discovery_secrets(portal, secrets)
        offered = self._iscsiadm.discover(portal, request.iface)
        match = next((record for record in offered if record.target == request.target), None)
        if match is None:
            offers = ", ".join(record.target for record in offered) or "none"
            raise LqError("portal %s does not offer target %s (it offers: %s). Check the target name, or the "
                          "target's ACL for this initiator" % (portal, request.target, offers))
        self._iscsiadm.new_record(request.target, portal, match.tpgt, request.iface)

    def _apply_settings(self, request: TargetRequest, portal: Portal, settings: t.Mapping[str, str]) -> None:
        secrets = _file_only(settings)
        for name, value in settings.items():
            if name not in secrets:
                self._iscsiadm.update(request.target, portal, request.iface, name, value)
        if secrets:
            self._iscsiadm.set_secrets(request.target, portal, request.iface, secrets)

    def _login(self, request: TargetRequest, portal: Portal) -> None:
        self._require_reachable(portal, "logging in to %s" % request.target)
        self._iscsiadm.login(request.target, portal, request.iface)

    # -- status ---------------------------------------------------------------------------------------------

    def status(self, request: TargetRequest, predicted: t.Optional[t.Mapping[str, t.Any]]) -> t.Dict[str, t.Any]:
        """The target as the module returns it: as the plan predicts it (check mode), or as it is after the run,
        once the LUNs of its sessions have their devices."""
        portals, luns = [], []
        for portal in request.portals:
            session = self._session(request.target, portal)
            if predicted is not None:
                view = predicted[str(portal)]
                session = session if view["logged_in"] else None
            else:
                record = self._record(request.target, portal)
                settings = self._iscsiadm.settings(request.target, portal, request.iface) if record else {}
                view = self._view(bool(record), bool(session), settings)
            shown = view["settings"]
            portals.append({"portal": str(portal), "record": view["record"], "logged_in": view["logged_in"],
                            "sid": session.sid if session else None, "startup": shown.get("node.startup"),
                            "authmethod": shown.get("node.session.auth.authmethod"),
                            "username": shown.get("node.session.auth.username"),
                            "username_in": shown.get("node.session.auth.username_in")})
            if session:
                found = (with_serials(self._node, session_luns(self._sysfs, session)) if predicted is not None
                         else wait_for_luns(self._sysfs, self._node, session, request.wait_timeout))
                luns.extend(dict(lun.as_dict(), portal=str(portal)) for lun in found)
        return {"target": request.target, "state": request.state, "portals": portals, "luns": luns}


def converge_targets(requests: t.Sequence[TargetRequest], manager: TargetManager, check_mode: bool,
                     diff_mode: bool) -> t.Tuple[dict, t.List[str]]:
    # Records and sessions name portals by address: a host name is compared as the address it resolves to.
    requests = [dataclasses.replace(request, portals=[resolve_portal(portal) for portal in request.portals])
                for request in requests]
    plans = {request.target: manager.plan(request) for request in requests}

    def status_of(request: TargetRequest) -> dict:
        if not check_mode:
            manager.forget()
        status = manager.status(request, plans[request.target].plan.after if check_mode else None)
        status["relogin_pending"] = plans[request.target].relogin_pending
        return status

    return converge(requests, lambda request: plans[request.target].plan, status_of, check_mode, diff_mode,
                    "targets")

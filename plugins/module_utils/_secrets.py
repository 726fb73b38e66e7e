# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converging libvirt secrets: definition (metadata), value, and who references them.

Values only ever travel from the task into ``virSecretSetValue``: never into XML, results, diffs, messages
or process arguments.
"""

from __future__ import annotations

import dataclasses
import functools
import typing as t
import xml.etree.ElementTree as ET

from ansible_collections.limiquantix.storage.plugins.module_utils._changes import Plan, converge
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._libvirt import (
    add_step,
    domain_definitions,
    libvirt,
    libvirt_errors,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._module import LqModule
from ansible_collections.limiquantix.storage.plugins.module_utils._secret_requests import (
    SECRET_REQUIRED_ONE_OF,
    SecretKind,
    SecretRequest,
    secret_argument_spec,
    secret_mutually_exclusive,
    secret_requests,
    value_name,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._secret_values import (
    FingerprintStore,
    default_fingerprint_dir,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._secret_xml import (
    SecretDefinition,
    from_xml,
    to_xml,
)

# <auth type=...> of a pool names the secret's usage type differently from a domain's <secret type=...>.
_USAGE_OF_POOL_AUTH = {"ceph": "ceph", "chap": "iscsi"}

# What a run tells about a secret's value without ever showing it.
VALUE_UNCHANGED = "(hidden, unchanged)"
VALUE_NEW = "(hidden, new value)"
VALUE_CURRENT = "(hidden)"


@dataclasses.dataclass(frozen=True)
class SecretRef:
    """One reference to a secret from a pool or domain definition."""

    usage_type: str
    uuid: t.Optional[str]
    usage_name: t.Optional[str]

    def names(self, secret: SecretDefinition) -> bool:
        if self.usage_type != secret.usage_type:
            return False
        return (self.uuid is not None and self.uuid == secret.uuid) or (
            self.usage_name is not None and self.usage_name == secret.usage_name)


def secret_refs(definition_xml: str) -> t.List[SecretRef]:
    """Every secret a pool or domain definition references through an <auth> element."""
    try:
        root = ET.fromstring(definition_xml)
    except ET.ParseError:
        return []
    refs = []
    for auth in root.iter("auth"):
        for secret in auth.findall("secret"):
            usage_type = secret.get("type") or _USAGE_OF_POOL_AUTH.get(auth.get("type", ""), "")
            refs.append(SecretRef(usage_type, secret.get("uuid"), secret.get("usage")))
    return refs


@dataclasses.dataclass
class SecretUsers:
    pools: t.List[str]
    domains: t.List[str]

    def describe(self) -> str:
        parts = []
        if self.pools:
            parts.append("pool(s) %s" % ", ".join(self.pools))
        if self.domains:
            parts.append("domain(s) %s" % ", ".join(self.domains))
        return " and ".join(parts)


class SecretManager:
    def __init__(self, conn: "libvirt.virConnect", fingerprints: FingerprintStore) -> None:
        self.conn = conn
        self.fingerprints = fingerprints
        self._secrets: t.Optional[t.List[SecretDefinition]] = None
        self._referrers: t.Optional[t.List[t.Tuple[str, str, t.List[SecretRef]]]] = None

    # -- reading ----------------------------------------------------------------------------------

    def definitions(self) -> t.List[SecretDefinition]:
        if self._secrets is None:
            with libvirt_errors("listing libvirt secrets"):
                self._secrets = [from_xml(secret.XMLDesc(0)) for secret in self.conn.listAllSecrets(0)]
        return self._secrets

    def find(self, usage_type: str, name: str) -> t.Optional[SecretDefinition]:
        return next((s for s in self.definitions() if (s.usage_type, s.usage_name) == (usage_type, name)), None)

    def find_uuid(self, uuid: str) -> t.Optional[SecretDefinition]:
        return next((s for s in self.definitions() if s.uuid == uuid), None)

    def users(self, secret: SecretDefinition) -> SecretUsers:
        if self._referrers is None:
            with libvirt_errors("listing storage pools"):
                pools = [("pool", pool.name(), secret_refs(pool.XMLDesc(0)))
                         for pool in self.conn.listAllStoragePools(0)]
            domains = [("domain", name, secret_refs(xml))
                       for name, _running, xml in domain_definitions(self.conn, running_only=False)]
            self._referrers = pools + domains
        using = [(kind, name) for kind, name, refs in self._referrers if any(ref.names(secret) for ref in refs)]
        return SecretUsers(sorted(name for kind, name in using if kind == "pool"),
                           sorted(name for kind, name in using if kind == "domain"))

    def _value_matches(self, secret: SecretDefinition, value: bytes) -> t.Tuple[bool, str]:
        """Whether the secret holds ``value``, and why we believe so (for the action's description)."""
        uuid = t.cast(str, secret.uuid)
        noun = value_name(secret.usage_type)
        if not secret.private:
            handle = self.conn.secretLookupByUUIDString(uuid)
            try:
                return handle.value() == value, "the %s differs from the secret's value" % noun
            except libvirt.libvirtError as error:
                if error.get_error_code() == libvirt.VIR_ERR_NO_SECRET:
                    return False, "the secret has no value yet"
                raise LqError("reading the value of secret %s failed: %s" % (uuid, error.get_error_message()))
        recorded = self.fingerprints.compare(uuid, value)
        if recorded is None:
            return False, ("the secret is private and this collection has recorded no fingerprint of its value, so "
                           "the value cannot be compared")
        return recorded, "the %s differs from the one this collection set last (by its recorded fingerprint)" % noun

    # -- planning -----------------------------------------------------------------------------------

    def plan(self, request: SecretRequest) -> Plan:
        current = self._current(request)
        label = "%s secret %s" % (request.usage_type, request.name)
        if request.state == "absent":
            return self._plan_absent(request, current, label)
        return self._plan_present(request, current, label)

    def _current(self, request: SecretRequest) -> t.Optional[SecretDefinition]:
        by_name = self.find(request.usage_type, request.name)
        by_uuid = self.find_uuid(request.uuid) if request.uuid else None
        if by_uuid is not None and (by_uuid.usage_type, by_uuid.usage_name) != (request.usage_type, request.name):
            raise LqError("uuid %s already belongs to the %s secret %r; a secret's usage cannot change. Use another "
                          "uuid, or leave uuid out" % (request.uuid, by_uuid.usage_type, by_uuid.usage_name))
        if by_name is not None and request.uuid and by_name.uuid != request.uuid and request.state == "present":
            raise LqError("the %s secret %r exists with uuid %s, not %s; libvirt cannot change a secret's uuid. "
                          "Leave uuid out (or set it to %s), or remove the secret first with state absent and point "
                          "the pools that use it at the new uuid"
                          % (request.usage_type, request.name, by_name.uuid, request.uuid, by_name.uuid))
        return by_name

    def _plan_present(self, request: SecretRequest, current: t.Optional[SecretDefinition], label: str) -> Plan:
        value = t.cast(bytes, request.value)  # validated: present always has a key
        # An empty description is none: libvirt drops it, so comparing "" with None would never converge.
        desired = SecretDefinition(request.usage_type, request.name, uuid=request.uuid or (current and current.uuid),
                                   description=request.description or None, private=request.private)
        if current is None:
            plan = Plan("secret", request.name, None, dict(desired.metadata(), value=VALUE_NEW))
            handle_box: t.List[t.Any] = []
            add_step(plan, "define %s" % label, lambda: handle_box.append(self.conn.secretDefineXML(to_xml(desired))))
            add_step(plan, "set value of %s" % label, lambda: self._set_value(handle_box[0], value))
            return plan
        if request.description is None:
            desired = dataclasses.replace(desired, description=current.description)
        plan = Plan("secret", request.name, dict(current.metadata(), value=VALUE_CURRENT), None)
        # libvirt refuses to make a private secret public in place: undefine, define, and set the value again.
        recreate = current.private and not desired.private
        if recreate:
            add_step(plan, "undefine %s to make it non-private (libvirt cannot change that in place)" % label,
                     lambda: self.conn.secretLookupByUUIDString(current.uuid).undefine())
        matches, reason = (False, "the secret is defined anew") if recreate else self._value_matches(current, value)
        if desired != current:
            what = "define %s again, non-private" % label if recreate else "redefine %s (%s)" % (
                label, ", ".join(_changed_fields(current, desired)))
            # A non-private value that matched was read back, not compared by fingerprint; once the secret is
            # private only a fingerprint can tell, so record one, or the next run would set the value again.
            record = matches and desired.private and not current.private

            def redefine() -> None:
                self.conn.secretDefineXML(to_xml(desired))
                if record:
                    self.fingerprints.record(t.cast(str, desired.uuid), value)
            add_step(plan, what, redefine)
        if not matches:
            add_step(plan, "set value of %s (%s)" % (label, reason),
                     lambda: self._set_value(self.conn.secretLookupByUUIDString(desired.uuid), value))
        plan.after = dict(desired.metadata(), value=VALUE_UNCHANGED if matches else VALUE_NEW)
        return plan

    def _set_value(self, handle: "libvirt.virSecret", value: bytes) -> None:
        handle.setValue(value, 0)
        self.fingerprints.record(handle.UUIDString(), value)

    def _plan_absent(self, request: SecretRequest, current: t.Optional[SecretDefinition], label: str) -> Plan:
        if current is None:
            return Plan("secret", request.name, None, None)
        users = self.users(current)
        plan = Plan("secret", request.name, dict(current.metadata(), value=VALUE_CURRENT), None)
        if users.pools or users.domains:
            if not request.force:
                raise LqError("refusing to remove %s: %s reference it and would fail to start without it. Remove "
                              "them (or their auth) first, or set force: true" % (label, users.describe()))
            plan.warnings.append("removed %s although %s reference it (force: true)" % (label, users.describe()))
        uuid = t.cast(str, current.uuid)

        def undefine() -> None:
            self.conn.secretLookupByUUIDString(uuid).undefine()
            self.fingerprints.forget(uuid)
        add_step(plan, "undefine %s" % label, undefine)
        return plan


def _changed_fields(current: SecretDefinition, desired: SecretDefinition) -> t.List[str]:
    return [field for field in ("description", "private", "ephemeral")
            if getattr(current, field) != getattr(desired, field)]


def secrets_info(conn: "libvirt.virConnect", usage_type: t.Optional[str], name: t.Optional[str],
                 uuid: t.Optional[str]) -> t.List[dict]:
    """Metadata of the secrets matching every given filter, with the pools and domains that reference each."""
    # Reads metadata only: the fingerprints are never consulted.
    manager = SecretManager(conn, FingerprintStore(default_fingerprint_dir(), ""))
    found = []
    for secret in sorted(manager.definitions(), key=lambda s: (s.usage_type, s.usage_name)):
        if (usage_type and secret.usage_type != usage_type or name is not None and secret.usage_name != name
                or uuid and secret.uuid != uuid):
            continue
        users = manager.users(secret)
        found.append(dict(secret.metadata(), used_by={"pools": users.pools, "domains": users.domains}))
    return found


def converge_secrets(requests: t.Sequence[SecretRequest], conn: "libvirt.virConnect", fingerprints: FingerprintStore,
                     check_mode: bool, diff_mode: bool) -> t.Tuple[dict, t.List[str]]:
    manager = SecretManager(conn, fingerprints)
    plans = {}

    def plan_of(request: SecretRequest) -> Plan:
        plans[request.name] = manager.plan(request)
        return plans[request.name]

    def status_of(request: SecretRequest) -> dict:
        plan = plans[request.name]
        if plan.after is None:
            return {"name": request.name, "usage_type": request.usage_type, "state": "absent"}
        status = {key: value for key, value in plan.after.items() if key != "value"}
        if status.get("uuid") is None and not check_mode:
            defined = SecretManager(conn, fingerprints).find(request.usage_type, request.name)
            status["uuid"] = defined.uuid if defined else None
        return dict(status, state="present")

    return converge(requests, plan_of, status_of, check_mode, diff_mode, "secrets")


def run_secret_module(kind: SecretKind) -> None:
    """main() of the modules that converge secrets of one kind (lq_ceph_secret, lq_iscsi_secret)."""
    module = LqModule(
        argument_spec=secret_argument_spec(kind),
        mutually_exclusive=secret_mutually_exclusive(kind),
        required_one_of=SECRET_REQUIRED_ONE_OF,
        supports_check_mode=True,
    )
    fingerprints = FingerprintStore(default_fingerprint_dir(), module.params["uri"])

    def converge(requests: t.Sequence[SecretRequest], conn: "libvirt.virConnect", _node: t.Any, check_mode: bool,
                 diff_mode: bool) -> t.Tuple[dict, t.List[str]]:
        return converge_secrets(requests, conn, fingerprints, check_mode, diff_mode)

    module.run_converge(functools.partial(secret_requests, kind), converge, "secrets", "secret")

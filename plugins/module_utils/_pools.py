# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading pools from libvirt and planning how to converge them."""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._changes import Plan, converge
from ansible_collections.limiquantix.storage.plugins.module_utils._domains import (
    DomainUse,
    StorageRef,
    describe_uses,
    domains_using,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._libvirt import (
    add_step,
    domain_definitions,
    libvirt,
    libvirt_errors,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._node import Node
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends import backend_for
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._base import PoolBackend
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_requests import PoolRequest
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import (
    Host,
    PoolDefinition,
    from_xml,
    normalized,
    to_xml,
)

# virStoragePoolState, in order.
_POOL_STATES = ("inactive", "building", "running", "degraded", "inaccessible")


@dataclasses.dataclass
class PoolSnapshot:
    """A pool as libvirt reports it right now."""

    definition: PoolDefinition
    uuid: str
    state: str
    autostart: bool
    persistent: bool
    capacity: int
    allocation: int
    available: int
    volume_count: t.Optional[int]
    # The definition the running pool uses; it differs from ``definition`` while a redefinition waits for a restart.
    live_definition: t.Optional[PoolDefinition] = None

    @property
    def active(self) -> bool:
        return self.state != "inactive"


def _needs_restart(running: PoolDefinition, desired: PoolDefinition, backend: PoolBackend) -> bool:
    if backend.permissions_apply_live:
        blank = dict(target_mode=None, target_owner=None, target_group=None)
        return dataclasses.replace(running, **blank) != dataclasses.replace(desired, **blank)
    return running != desired


def _lifecycle_view(definition: PoolDefinition, started: bool, autostart: bool) -> str:
    """What --diff shows for a pool: its lifecycle and libvirt definition (which holds no secret values)."""
    return "started: %s\nautostart: %s\n%s\n" % (str(started).lower(), str(autostart).lower(), to_xml(definition))


@dataclasses.dataclass
class PoolPlan:
    request: PoolRequest
    current: t.Optional[PoolSnapshot]
    desired: t.Optional[PoolDefinition]  # None when the pool is to be absent
    plan: Plan
    restart_required: bool = False
    # Whether the plan starts the pool (a new or stopped pool, or a restart for a new definition).
    starts: bool = False


class PoolManager:
    def __init__(self, conn: "libvirt.virConnect", node: Node) -> None:
        self._conn = conn
        self._node = node

    # -- reading ----------------------------------------------------------------------------------

    def _handle(self, name: str) -> "libvirt.virStoragePool":
        return self._conn.storagePoolLookupByName(name)

    def snapshot(self, name: str) -> t.Optional[PoolSnapshot]:
        with libvirt_errors("reading pool %s" % name):
            try:
                handle = self._handle(name)
            except libvirt.libvirtError as error:
                if error.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_POOL:
                    return None
                raise
            return self._snapshot_of(handle)

    def snapshots(self) -> t.List[PoolSnapshot]:
        with libvirt_errors("listing storage pools"):
            return [self._snapshot_of(handle) for handle in self._conn.listAllStoragePools(0)]

    @staticmethod
    def _snapshot_of(handle: "libvirt.virStoragePool") -> PoolSnapshot:
        state, capacity, allocation, available = handle.info()
        active = state != libvirt.VIR_STORAGE_POOL_INACTIVE
        if not active:
            # libvirt keeps the last figures of some stopped pools (rbd): stale, so none.
            capacity = allocation = available = 0
        definition = from_xml(handle.XMLDesc(libvirt.VIR_STORAGE_XML_INACTIVE))
        return PoolSnapshot(
            definition=definition,
            live_definition=from_xml(handle.XMLDesc(0)) if active else None,
            uuid=handle.UUIDString(),
            state=_POOL_STATES[state] if 0 <= state < len(_POOL_STATES) else "unknown",
            autostart=bool(handle.autostart()),
            persistent=bool(handle.isPersistent()),
            capacity=capacity, allocation=allocation, available=available,
            volume_count=handle.numOfVolumes() if active else None,
        )

    def _storage_ref(self, snapshot: PoolSnapshot) -> StorageRef:
        # Domains use the pool where it runs, which is where a pending redefinition has not moved it yet.
        definition = snapshot.live_definition or snapshot.definition
        volume_paths: t.FrozenSet[str] = frozenset()
        if snapshot.active:
            with libvirt_errors("listing the volumes of pool %s" % definition.name):
                volume_paths = frozenset(volume.path() for volume in self._handle(definition.name).listAllVolumes(0))
        owns_target = backend_for(definition.type).owns_target_path
        return StorageRef(pool_name=definition.name, volume_paths=volume_paths,
                          target_path=definition.target_path if owns_target else None,
                          rbd_pool=definition.source_name if definition.type == "rbd" else None)

    def _domain_uses(self, snapshot: PoolSnapshot, running_only: bool) -> t.List[DomainUse]:
        return domains_using(domain_definitions(self._conn, running_only), self._storage_ref(snapshot))

    # -- planning -----------------------------------------------------------------------------------

    def plan(self, request: PoolRequest) -> PoolPlan:
        current = self.snapshot(request.name)
        if request.state == "absent":
            return PoolPlan(request, current, None, self._plan_absent(request, current))
        desired = self._desired_definition(request, current)
        desired = backend_for(desired.type).on_node(desired, self._node)
        pool_plan = PoolPlan(request, current, desired, Plan(
            "pool", request.name,
            before=_lifecycle_view(current.definition, current.active, current.autostart) if current else None,
            after=_lifecycle_view(desired, request.started, request.autostart)))
        self._plan_present(pool_plan)
        return pool_plan

    def status(self, name: str) -> dict:
        snapshot = self.snapshot(name)
        return pool_status(snapshot) if snapshot is not None else {"name": name, "state": "absent"}

    @staticmethod
    def _desired_definition(request: PoolRequest, current: t.Optional[PoolSnapshot]) -> PoolDefinition:
        if current is not None and request.type and current.definition.type != request.type:
            raise LqError("pool %s is of type %s, not %s: a pool's type cannot change. Remove it first (state: "
                          "absent) and define it again, or pick another name"
                          % (request.name, current.definition.type, request.type))
        if request.xml_definition is not None:
            if current is None:
                return request.xml_definition
            fields = {field.name: getattr(request.xml_definition, field.name)
                      for field in dataclasses.fields(PoolDefinition)
                      if getattr(request.xml_definition, field.name) is not None}
        else:
            backend = backend_for(request.type or "")
            fields = backend.definition_fields(request.options)
            if current is not None and request.options.get("host") is not None and request.options.get("port") is None:
                # A port the task leaves out keeps its current value too, such as the 3260 that libvirt writes into
                # an iscsi pool's definition when it starts the pool (else every rerun would redefine and restart it).
                ports = {host.name: host.port for host in current.definition.hosts}
                fields["hosts"] = tuple(Host(host.name, ports.get(host.name)) for host in fields["hosts"])
            if current is None:
                return normalized(PoolDefinition(name=request.name, type=backend.pool_type,
                                                 **dict(backend.default_fields(request.name, request.options),
                                                        **fields)))
        # What the task leaves out keeps its current value (such as the owner libvirt fills in): only what it
        # says is enforced.
        return normalized(dataclasses.replace(current.definition, **fields))

    def _plan_present(self, pool_plan: PoolPlan) -> None:
        request, current, plan = pool_plan.request, pool_plan.current, pool_plan.plan
        desired = t.cast(PoolDefinition, pool_plan.desired)
        name = request.name
        redefined = current is not None and current.definition != desired
        if current is None or redefined or not current.persistent:
            verb = "define" if current is None else "redefine"
            uuid = current.uuid if current is not None else None
            add_step(plan, "%s pool %s" % (verb, name), lambda: self._define(desired, uuid))

        backend = backend_for(desired.type)
        needs_start = request.started and (current is None or not current.active)
        if request.started and current is not None and current.active:
            if backend.permissions_apply_live:
                self._plan_live_permissions(plan, desired)
            # What counts is the definition the pool runs with, which lags behind the persistent one until a
            # restart: a pool redefined behind our back may already run as desired.
            if _needs_restart(current.live_definition or current.definition, desired, backend):
                needs_start = self._plan_restart(plan, request, current)
                pool_plan.restart_required = not needs_start
        if not request.started and current is not None and current.active:
            self._refuse_if_running_domains(request, current, "stop")
            add_step(plan, "stop pool %s" % name, lambda: self._handle(name).destroy())

        pool_plan.starts = needs_start
        if needs_start:
            step = backend.build_step(desired, self._node, request.overwrite) if request.build else None
            if step is not None:
                add_step(plan, "build pool %s: %s" % (name, step.description),
                         lambda: self._handle(name).build(step.flags))
            add_step(plan, "start pool %s" % name, lambda: self._start(desired))

        # A new pool starts without autostart, so only enabling it is a step.
        if (current.autostart if current is not None else False) != request.autostart:
            add_step(plan, "%s autostart of pool %s" % ("enable" if request.autostart else "disable", name),
                     lambda: self._handle(name).setAutostart(1 if request.autostart else 0))

    def _plan_live_permissions(self, plan: Plan, desired: PoolDefinition) -> None:
        path = desired.target_path or ""
        drift = self._node.permission_drift(path, desired.target_mode, desired.target_owner, desired.target_group)
        if drift:
            def set_permissions() -> None:
                self._node.set_permissions(path, desired.target_mode, desired.target_owner, desired.target_group)
                # libvirt reads the permissions back from the directory when it refreshes the pool.
                self._handle(desired.name).refresh(0)
            add_step(plan, "set %s of %s" % (drift, path), set_permissions)

    def _plan_restart(self, plan: Plan, request: PoolRequest, current: PoolSnapshot) -> bool:
        """Restart an active pool whose definition changed, if that is safe or allowed; True if planned."""
        reason = None
        if request.restart == "never":
            reason = "restart is never"
        elif request.restart == "when_unused" and not request.force:
            uses = self._domain_uses(current, running_only=True)
            if uses:
                reason = "running domains use its volumes: %s" % describe_uses(uses)
        if reason:
            plan.warnings.append("pool %s has a new definition that takes effect only when the pool restarts, "
                                 "which was not done because %s; set restart: always (or force: true) to restart "
                                 "it" % (request.name, reason))
            return False
        add_step(plan, "stop pool %s to apply its new definition" % request.name,
                 lambda: self._handle(request.name).destroy())
        return True

    def _refuse_if_running_domains(self, request: PoolRequest, current: PoolSnapshot, verb: str) -> None:
        if request.force:
            return
        uses = self._domain_uses(current, running_only=True)
        if uses:
            raise LqError("refusing to %s pool %s: running domains use its volumes: %s. Stop them first, or set "
                          "force: true" % (verb, request.name, describe_uses(uses)))

    def _plan_absent(self, request: PoolRequest, current: t.Optional[PoolSnapshot]) -> Plan:
        plan = Plan("pool", request.name,
                    before=_lifecycle_view(current.definition, current.active, current.autostart) if current else None,
                    after="")
        if current is None:
            return plan
        name = request.name
        if not request.force:
            uses = self._domain_uses(current, running_only=False)
            if uses:
                raise LqError("refusing to remove pool %s: domains use its volumes: %s. Detach the disks or remove "
                              "the domains first, or set force: true" % (name, describe_uses(uses)))
        backend = backend_for(current.definition.type)
        if request.delete_data and not backend.manages_volumes:
            raise LqError("delete_data does not apply to pool %s of type %s: its LUNs belong to the iSCSI target"
                          % (name, current.definition.type))
        active = current.active
        if request.delete_data:
            flags = backend.volume_delete_flags
            if not active:
                add_step(plan, "start pool %s to delete its volumes" % name, lambda: self._handle(name).create(0))
                add_step(plan, "delete every volume of pool %s" % name, lambda: self._delete_volumes(name, None, flags))
            else:
                volume_names = self._volume_names(name)
                # Which RBD image is cloned from which only the storage knows: one step, which deletes clones first.
                batches = [volume_names] if backend.native_clones and volume_names else [[v] for v in volume_names]
                for batch in batches:
                    add_step(plan, "delete volume%s %s of pool %s" % ("s" if len(batch) > 1 else "", ", ".join(batch),
                                                                      name),
                             lambda batch=batch: self._delete_volumes(name, batch, flags))
            active = True
        if active:
            add_step(plan, "stop pool %s" % name, lambda: self._handle(name).destroy())
        if request.delete_data and backend.storage_deletable:
            add_step(plan, "delete the storage of pool %s (%s)" % (name, current.definition.target_path or name),
                     lambda: self._handle(name).delete(0))
        add_step(plan, "undefine pool %s (its data is %s)" % (name, "deleted" if request.delete_data else "kept"),
                 lambda: self._handle(name).undefine())
        return plan

    # -- actions ------------------------------------------------------------------------------------

    def _define(self, definition: PoolDefinition, uuid: t.Optional[str]) -> None:
        self._conn.storagePoolDefineXML(to_xml(definition, uuid), 0)

    def _start(self, definition: PoolDefinition) -> None:
        backend_for(definition.type).require_reachable(definition, "starting pool %s" % definition.name)
        handle = self._handle(definition.name)
        handle.create(0)
        wanted = (definition.target_mode, definition.target_owner, definition.target_group)
        if backend_for(definition.type).permissions_apply_live and definition.target_path and any(
                value is not None for value in wanted):
            # A freshly mounted filesystem brings its own root permissions: give it the pool's.
            self._node.set_permissions(definition.target_path, *wanted)
            handle.refresh(0)

    def _volume_names(self, pool_name: str) -> t.List[str]:
        with libvirt_errors("listing the volumes of pool %s" % pool_name):
            return sorted(volume.name() for volume in self._handle(pool_name).listAllVolumes(0))

    def _delete_volumes(self, pool_name: str, names: t.Optional[t.List[str]], flags: int) -> None:
        handle = self._handle(pool_name)
        handle.refresh(0)
        pending = [volume for volume in handle.listAllVolumes(0) if names is None or volume.name() in names]
        # An image with clones (RBD) refuses to go before them: delete in rounds while a round deletes something.
        while pending:
            refused = []
            for volume in pending:
                try:
                    volume.delete(flags)
                except libvirt.libvirtError as error:
                    refused.append((volume, error))
            if len(refused) == len(pending):
                raise refused[0][1]
            pending = [volume for volume, _error in refused]


def pool_status(snapshot: PoolSnapshot) -> dict:
    """A pool as modules return it."""
    definition = snapshot.definition
    return {
        "name": definition.name,
        "uuid": snapshot.uuid,
        "type": definition.type,
        "state": snapshot.state,
        "active": snapshot.active,
        "autostart": snapshot.autostart,
        "persistent": snapshot.persistent,
        "capacity": snapshot.capacity,
        "allocation": snapshot.allocation,
        "available": snapshot.available,
        "target": definition.target_path,
        "volume_count": snapshot.volume_count,
        "definition": backend_for(definition.type).options_from_definition(definition),
    }


def predicted_status(pool_plan: PoolPlan) -> dict:
    """What :func:`pool_status` will report once the plan has run; check mode cannot read it back."""
    request, current, desired = pool_plan.request, pool_plan.current, pool_plan.desired
    if desired is None:
        return {"name": request.name, "state": "absent"}
    status = dict(pool_status(current), restart_required=False) if current is not None else {
        "name": request.name, "uuid": None, "persistent": True, "capacity": None, "allocation": None,
        "available": None, "volume_count": None}
    current_state = current.state if current is not None else None
    if not request.started:
        state = "inactive"
    elif current is not None and current.active:
        state = current.state
    else:
        state = "running"
    status.update(type=desired.type, state=state, active=state != "inactive", autostart=request.autostart,
                  persistent=True, volume_count=status["volume_count"] if state == current_state else None,
                  target=desired.target_path, restart_required=pool_plan.restart_required,
                  definition=backend_for(desired.type).options_from_definition(desired))
    return status


def converge_pools(requests: t.Sequence[PoolRequest], conn: "libvirt.virConnect", node: Node, check_mode: bool,
                   diff_mode: bool) -> t.Tuple[dict, t.List[str]]:
    """Plan every pool, apply the plans unless in check mode; the result and warnings."""
    manager = PoolManager(conn, node)
    return converge_pool_plans(manager, [manager.plan(request) for request in requests], check_mode, diff_mode)


def converge_pool_plans(manager: PoolManager, pool_plans: t.Sequence[PoolPlan], check_mode: bool,
                        diff_mode: bool) -> t.Tuple[dict, t.List[str]]:
    """Apply plans that ``manager`` made, unless in check mode; the result and warnings."""
    def status_of(pool_plan: PoolPlan) -> dict:
        if check_mode:
            return predicted_status(pool_plan)
        if pool_plan.current is not None and not pool_plan.plan.changed:
            # Nothing ran: the pool is as planning read it, with no second read.
            status = pool_status(pool_plan.current)
        else:
            status = manager.status(pool_plan.request.name)
        if status["state"] != "absent":
            status["restart_required"] = pool_plan.restart_required
        return status

    return converge(pool_plans, lambda pool_plan: pool_plan.plan, status_of, check_mode, diff_mode, "pools")

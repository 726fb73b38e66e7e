# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Snapshots of volumes: one backend per way a pool type takes them, and planning lq_volume_snapshot.

A :class:`SnapshotBackend` lists, creates, deletes and reverts the snapshots of one volume. File-based pools
(dir, fs, netfs) use qcow2 internal snapshots through ``qemu-img``; a backend with native snapshots (RBD:
``rbd snap ls/create/rm/rollback``) is one more subclass registered in :data:`SNAPSHOT_BACKENDS`.

Every snapshot change writes the image, which is unsafe while a qemu process has it open: a change is
refused while a running domain uses the volume, directly or through a copy-on-write clone built on it.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._ceph import CephClient, rbd_errors
from ansible_collections.limiquantix.storage.plugins.module_utils._changes import Plan, apply, summarize
from ansible_collections.limiquantix.storage.plugins.module_utils._domains import (
    DomainUse,
    StorageRef,
    describe_uses,
    domains_using,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._node import Node
from ansible_collections.limiquantix.storage.plugins.module_utils._libvirt import (
    domain_definitions,
    libvirt,
    libvirt_errors,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import PoolDefinition
from ansible_collections.limiquantix.storage.plugins.module_utils._volume_xml import VolumeDefinition

SNAPSHOT_STATES = ("present", "absent", "reverted")

_LOCK_ERROR = re.compile(r'Failed to get "?\w+"? lock|Is another process using the image', re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """One snapshot of a volume. ``id`` and ``date`` are None for one that check mode predicts."""

    name: str
    id: t.Optional[str] = None
    date: t.Optional[str] = None  # ISO 8601, UTC
    vm_state_size: int = 0

    def as_dict(self) -> t.Dict[str, t.Any]:
        return {"id": self.id, "name": self.name, "date": self.date, "vm_state_size": self.vm_state_size}


def iso_date(seconds: int) -> str:
    """A snapshot's time (seconds since the epoch) as ISO 8601 in UTC, to the second: 2026-01-31T12:00:00Z."""
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_qemu_img_info(text: str, path: str = "the image") -> t.List[Snapshot]:
    """The snapshots in ``qemu-img info --output=json`` (none when the key is missing), in id order."""
    try:
        info = json.loads(text)
    except ValueError as error:
        raise LqError("cannot read the snapshots of %s: qemu-img printed no JSON (%s)" % (path, error))
    if not isinstance(info, dict):
        raise LqError("cannot read the snapshots of %s: qemu-img printed %s, not a JSON object"
                      % (path, type(info).__name__))
    snapshots = []
    for entry in info.get("snapshots") or []:
        try:
            snapshots.append(Snapshot(
                id=str(entry["id"]),
                name=str(entry["name"]),
                date=iso_date(int(entry.get("date-sec", 0))),
                vm_state_size=int(entry.get("vm-state-size", 0)),
            ))
        except (KeyError, TypeError, ValueError) as error:
            raise LqError("cannot read the snapshots of %s: unexpected entry %r in qemu-img's JSON (%s)"
                          % (path, entry, error))
    return sorted(snapshots, key=_id_order)


def _id_order(snapshot: Snapshot) -> t.Tuple[int, str]:
    identifier = snapshot.id or ""
    return (int(identifier) if identifier.isdigit() else 1 << 62, identifier)


def snapshot_name_problem(name: t.Optional[str]) -> t.Optional[str]:
    """Why ``name`` cannot name a snapshot, or None."""
    if name is None or not name.strip():
        return "name is required: the name of the snapshot"
    if name != name.strip():
        return "snapshot name %r starts or ends with spaces; remove them" % name
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        return "snapshot name %r holds control characters" % name
    if len(name.encode("utf-8")) > 255:
        return "snapshot name %r is longer than 255 bytes" % name
    return None


def image_options(path: str) -> str:
    """``--image-opts`` for a qcow2 file: the format is named, never probed (commas in the path doubled)."""
    return "driver=qcow2,file.driver=file,file.filename=%s" % path.replace(",", ",,")


# -- backends --------------------------------------------------------------------------------------


class SnapshotBackend:
    """How the volumes of some pool types get snapshots. Subclasses implement the five verbs."""

    pool_types: t.ClassVar[t.Tuple[str, ...]] = ()
    # How the module names this kind of snapshot in messages.
    kind: t.ClassVar[str] = "snapshot"
    # The states (present, absent, reverted) that are safe to converge while a running domain uses the volume.
    safe_while_running: t.ClassVar[t.Tuple[str, ...]] = ()
    # Whether reverting changes the data under copy-on-write clones of the volume.
    revert_breaks_clones: t.ClassVar[bool] = True
    # Whether copy-on-write clones of the volume are volumes whose backing file it is, found by reading every
    # running pool (a domain running on one of them uses the volume too).
    backing_file_clones: t.ClassVar[bool] = True

    def __init__(self, node: Node, ceph_keyring: t.Optional[str] = None) -> None:
        self._node = node
        self._ceph_keyring = ceph_keyring

    def unsupported(self, pool: PoolDefinition, volume: VolumeDefinition) -> t.Optional[str]:
        """Why ``volume`` cannot have snapshots (a message with the way out), or None when it can."""
        raise NotImplementedError

    def snapshots(self, pool: PoolDefinition, volume: VolumeDefinition) -> t.List[Snapshot]:
        raise NotImplementedError

    def create(self, pool: PoolDefinition, volume: VolumeDefinition, name: str) -> None:
        raise NotImplementedError

    def delete(self, pool: PoolDefinition, volume: VolumeDefinition, snapshot: Snapshot) -> None:
        raise NotImplementedError

    def revert(self, pool: PoolDefinition, volume: VolumeDefinition, snapshot: Snapshot) -> None:
        raise NotImplementedError

    def predict(self, existing: t.Sequence[Snapshot], name: str) -> Snapshot:
        """The snapshot ``create`` will make, as far as it can be told before (check mode)."""
        return Snapshot(name=name)


class QcowInternalSnapshots(SnapshotBackend):
    """qcow2 internal snapshots of the volumes of file-based pools, with ``qemu-img snapshot``.

    Reverts name the snapshot by its id, which ``qemu-img snapshot -a`` looks up before names, so a snapshot
    whose name is another one's id is never taken for it; ``-d`` looks up names only.
    """

    pool_types = ("dir", "fs", "netfs")
    kind = "qcow2 internal snapshot"

    def unsupported(self, pool: PoolDefinition, volume: VolumeDefinition) -> t.Optional[str]:
        if volume.format != "qcow2":
            return ("volume %s/%s is %s: internal snapshots need a qcow2 volume. Copy it into a new qcow2 volume "
                    "(lq_volume with clone_from and format: qcow2) and snapshot that"
                    % (pool.name, volume.name, volume.format or "of an unknown format"))
        if not volume.path:
            return "volume %s/%s has no path on the node" % (pool.name, volume.name)
        return None

    def _qemu_img(self, args: t.List[str], volume: VolumeDefinition, doing: str) -> str:
        rc, out, err = self._node.run([self._node.binary("qemu-img", "qemu-utils")] + args)
        if rc != 0:
            message = (err or out).strip()
            if _LOCK_ERROR.search(message):
                raise LqError("%s failed: %s is open in a running qemu process (a domain, on this node or one "
                              "sharing the storage, uses it or a copy-on-write clone of it). Stop that domain first "
                              "(qemu-img: %s)" % (doing, volume.path, message))
            raise LqError("%s failed: qemu-img exited with %d: %s" % (doing, rc, message))
        return out

    def _snapshot(self, operation: str, argument: str, volume: VolumeDefinition, doing: str) -> None:
        # qemu-img snapshot takes no -f: the format is named in image options, so it is never probed.
        self._qemu_img(["snapshot", "-q", operation, argument, "--image-opts", "--",
                        image_options(t.cast(str, volume.path))], volume, doing)

    def snapshots(self, pool: PoolDefinition, volume: VolumeDefinition) -> t.List[Snapshot]:
        # -U (force share): read the image even while a running domain holds its lock.
        out = self._qemu_img(["info", "-U", "-f", "qcow2", "--output=json", "--", t.cast(str, volume.path)], volume,
                             "reading the snapshots of volume %s/%s" % (pool.name, volume.name))
        return parse_qemu_img_info(out, "volume %s/%s" % (pool.name, volume.name))

    def create(self, pool: PoolDefinition, volume: VolumeDefinition, name: str) -> None:
        self._snapshot("-c", name, volume, "creating snapshot %s of volume %s/%s" % (name, pool.name, volume.name))

    def delete(self, pool: PoolDefinition, volume: VolumeDefinition, snapshot: Snapshot) -> None:
        # qemu-img snapshot -d looks the snapshot up by name only (and -a by id first): delete by name. Of several
        # snapshots of that name it deletes the first, so deleting all of them takes as many deletes.
        self._snapshot("-d", snapshot.name, volume,
                       "deleting snapshot %s of volume %s/%s" % (snapshot.name, pool.name, volume.name))

    def revert(self, pool: PoolDefinition, volume: VolumeDefinition, snapshot: Snapshot) -> None:
        self._snapshot("-a", t.cast(str, snapshot.id), volume,
                       "reverting volume %s/%s to snapshot %s" % (pool.name, volume.name, snapshot.name))

    def predict(self, existing: t.Sequence[Snapshot], name: str) -> Snapshot:
        # qcow2 gives a new snapshot the highest numeric id plus one.
        numbers = [int(snapshot.id) for snapshot in existing if snapshot.id and snapshot.id.isdigit()]
        return Snapshot(name=name, id=str(max(numbers, default=0) + 1), vm_state_size=0)


class RbdSnapshots(SnapshotBackend):
    """RBD snapshots of the images of rbd pools, through librbd with the pool's cephx user and a keyring.

    Snapshotting and deleting snapshots are safe while a domain writes the image (a snapshot is crash-consistent);
    reverting is not. Clones hang on protected snapshots, which a revert of the image leaves alone, but which
    cannot be deleted while clones use them.
    """

    pool_types = ("rbd",)
    kind = "RBD snapshot"
    safe_while_running = ("present", "absent")
    revert_breaks_clones = False
    # RBD clones hang on a snapshot of the image, not on the image: a domain running on one does not use the image.
    backing_file_clones = False

    def unsupported(self, pool: PoolDefinition, volume: VolumeDefinition) -> t.Optional[str]:
        return None

    def _label(self, pool: PoolDefinition, volume: VolumeDefinition, snapshot: t.Optional[str] = None) -> str:
        image = "%s/%s" % (pool.source_name or pool.name, volume.name)
        return "%s@%s" % (image, snapshot) if snapshot else image

    def snapshots(self, pool: PoolDefinition, volume: VolumeDefinition) -> t.List[Snapshot]:
        with CephClient(pool, self._ceph_keyring) as ceph, ceph.image(volume.name, read_only=True) as image:
            with rbd_errors("listing the snapshots of RBD image %s" % self._label(pool, volume)):
                return [Snapshot(name=entry["name"], id=str(entry["id"]),
                                 date=iso_date(int(image.get_snap_timestamp(entry["id"]).timestamp())))
                        for entry in image.list_snaps()]

    def create(self, pool: PoolDefinition, volume: VolumeDefinition, name: str) -> None:
        with CephClient(pool, self._ceph_keyring) as ceph, ceph.image(volume.name) as image:
            with rbd_errors("creating RBD snapshot %s" % self._label(pool, volume, name)):
                image.create_snap(name)

    def delete(self, pool: PoolDefinition, volume: VolumeDefinition, snapshot: Snapshot) -> None:
        label = self._label(pool, volume, snapshot.name)
        with CephClient(pool, self._ceph_keyring) as ceph, ceph.image(volume.name) as image:
            with rbd_errors("deleting RBD snapshot %s" % label):
                if image.is_protected_snap(snapshot.name):
                    image.set_snap(snapshot.name)
                    clones = ["%s/%s" % (child_pool, child) for child_pool, child in image.list_children()]
                    image.set_snap(None)
                    if clones:
                        raise LqError("refusing to delete RBD snapshot %s: clones are built on it: %s. Delete or "
                                      "flatten them first" % (label, ", ".join(sorted(clones))))
                    image.unprotect_snap(snapshot.name)
                image.remove_snap(snapshot.name)

    def revert(self, pool: PoolDefinition, volume: VolumeDefinition, snapshot: Snapshot) -> None:
        with CephClient(pool, self._ceph_keyring) as ceph, ceph.image(volume.name) as image:
            with rbd_errors("reverting RBD image %s to snapshot %s" % (self._label(pool, volume), snapshot.name)):
                image.rollback_to_snap(snapshot.name)


SNAPSHOT_BACKENDS: t.Tuple[t.Type[SnapshotBackend], ...] = (QcowInternalSnapshots, RbdSnapshots)


def snapshot_backend_for(pool: PoolDefinition, node: Node,
                         ceph_keyring: t.Optional[str] = None) -> t.Optional[SnapshotBackend]:
    """The backend that snapshots the volumes of ``pool``, or None when its type has none yet."""
    for backend in SNAPSHOT_BACKENDS:
        if pool.type in backend.pool_types:
            return backend(node, ceph_keyring)
    return None


def supported_pool_types() -> t.List[str]:
    return [pool_type for backend in SNAPSHOT_BACKENDS for pool_type in backend.pool_types]


# -- planning --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SnapshotRequest:
    pool: str
    volume: str
    name: str
    state: str


def snapshot_request(params: t.Mapping[str, t.Any]) -> SnapshotRequest:
    problems = [problem for problem in (
        snapshot_name_problem(params.get("name")),
        None if params.get("pool") else "pool is required: the pool of the volume",
        None if params.get("volume") else "volume is required: the volume to snapshot",
        None if params.get("state") in SNAPSHOT_STATES else "state must be one of %s" % ", ".join(SNAPSHOT_STATES),
    ) if problem]
    if problems:
        raise LqError("invalid snapshot options: %s" % "; ".join(problems), problems=problems)
    return SnapshotRequest(pool=params["pool"], volume=params["volume"], name=params["name"], state=params["state"])


@dataclasses.dataclass
class SnapshotPlan:
    request: SnapshotRequest
    plan: Plan
    before: t.List[Snapshot]
    predicted: t.List[Snapshot]  # the snapshots after the plan runs, as far as they can be told before


class Guard(t.Protocol):
    """Who would be hurt by changing a volume's image: asked only when a change is planned."""

    def running_users(self) -> t.List[DomainUse]:
        ...  # pragma: no cover

    def clones(self) -> t.List[str]:
        ...  # pragma: no cover


def _names(snapshots: t.Sequence[Snapshot]) -> t.List[str]:
    return [snapshot.name for snapshot in snapshots]


def plan_snapshot(request: SnapshotRequest, pool: PoolDefinition, volume: t.Optional[VolumeDefinition],
                  backend: t.Optional[SnapshotBackend], guard: Guard) -> SnapshotPlan:
    """What converging the snapshot takes. Raises before anything changes when it cannot or must not be done."""
    label = "%s/%s" % (request.pool, request.volume)
    if backend is None:
        raise LqError("volume snapshots are not supported yet for pool type %s (pool %s); they are for pool types %s"
                      % (pool.type, pool.name, ", ".join(supported_pool_types())))
    if volume is None:
        if request.state == "absent":
            return SnapshotPlan(request, Plan("snapshots of volume", label, before=None, after=None), [], [])
        raise LqError("volume %s does not exist: create it first (limiquantix.storage.lq_volume) or fix the pool "
                      "and volume options" % label)
    reason = backend.unsupported(pool, volume)
    if reason:
        raise LqError(reason)
    before = backend.snapshots(pool, volume)
    matching = [snapshot for snapshot in before if snapshot.name == request.name]
    plan = Plan("snapshots of volume", label, before={"snapshots": _names(before)}, after=None)
    after = list(before)
    steps: t.List[t.Tuple[str, t.Callable[[], None]]] = []
    if request.state == "present" and not matching:
        new = backend.predict(before, request.name)
        after.append(new)
        steps.append(("create %s %s of volume %s" % (backend.kind, request.name, label),
                      lambda: backend.create(pool, volume, request.name)))
    elif request.state == "absent":
        for snapshot in matching:
            after.remove(snapshot)
            steps.append(("delete %s %s (id %s) of volume %s" % (backend.kind, snapshot.name, snapshot.id, label),
                          _bind(backend.delete, pool, volume, snapshot)))
    elif request.state == "reverted":
        if not matching:
            raise LqError("volume %s has no snapshot named %s to revert to (its snapshots: %s)"
                          % (label, request.name, ", ".join(_names(before)) or "none"))
        if len(matching) > 1:
            raise LqError("volume %s has %d snapshots named %s (ids %s): which one to revert to is ambiguous. "
                          "qemu-img cannot delete one of them by id; state: absent deletes all of them"
                          % (label, len(matching), request.name, ", ".join(str(s.id) for s in matching)))
        snapshot = matching[0]
        steps.append(("revert volume %s to %s %s (id %s)" % (label, backend.kind, snapshot.name, snapshot.id),
                      _bind(backend.revert, pool, volume, snapshot)))
    if steps:
        _refuse_if_unsafe(request, label, guard, backend)
    for description, run in steps:
        plan.add(description, run)
    plan.after = {"snapshots": _names(after)}
    if request.state == "reverted":
        plan.after["reverted_to"] = request.name
    return SnapshotPlan(request, plan, before, after)


def _bind(verb: t.Callable[[PoolDefinition, VolumeDefinition, Snapshot], None], pool: PoolDefinition,
          volume: VolumeDefinition, snapshot: Snapshot) -> t.Callable[[], None]:
    return lambda: verb(pool, volume, snapshot)


def _refuse_if_unsafe(request: SnapshotRequest, label: str, guard: Guard, backend: SnapshotBackend) -> None:
    verb = {"present": "snapshot", "absent": "delete a snapshot of", "reverted": "revert"}[request.state]
    uses = [] if request.state in backend.safe_while_running else guard.running_users()
    if uses:
        raise LqError("refusing to %s volume %s: running domains use it (or a copy-on-write clone built on it): %s. "
                      "The image must not change under a running qemu; shut the domains down first"
                      % (verb, label, describe_uses(uses)))
    if request.state == "reverted" and backend.revert_breaks_clones:
        clones = guard.clones()
        if clones:
            raise LqError("refusing to revert volume %s: copy-on-write volumes are built on it: %s. Reverting would "
                          "change the data under them and corrupt them; delete them first" % (label, ", ".join(clones)))


# -- against libvirt -------------------------------------------------------------------------------


class VolumeReader(t.Protocol):
    """The part of ``_volumes.VolumeManager`` this module reads through."""

    def pool(self, name: str) -> t.Tuple[t.Any, PoolDefinition]:
        ...  # pragma: no cover

    def volume(self, pool_name: str, name: str) -> t.Optional[VolumeDefinition]:
        ...  # pragma: no cover

    def volumes(self, pool_name: str) -> t.List[VolumeDefinition]:
        ...  # pragma: no cover


def running_pool_names(conn: "libvirt.virConnect") -> t.List[str]:
    with libvirt_errors("listing storage pools"):
        return sorted(handle.name() for handle in conn.listAllStoragePools(
            libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE))


class LibvirtGuard:
    """Running domains and copy-on-write clones of one volume, read from libvirt when first asked."""

    def __init__(self, conn: "libvirt.virConnect", volumes: VolumeReader, pool: PoolDefinition,
                 volume: VolumeDefinition, backing_file_clones: bool = True) -> None:
        self._conn = conn
        self._volumes = volumes
        self._pool = pool
        self._volume = volume
        # Without backing-file clones there is nothing to look for in other pools (which could fail to refresh).
        self._clones: t.Optional[t.List[t.Tuple[str, VolumeDefinition]]] = None if backing_file_clones else []

    def _clone_volumes(self) -> t.List[t.Tuple[str, VolumeDefinition]]:
        """(pool, volume) of every volume of a running pool built on this one, through any chain of backing files."""
        if self._clones is None:
            every = [(pool_name, other) for pool_name in running_pool_names(self._conn)
                     for other in self._volumes.volumes(pool_name)]
            found: t.List[t.Tuple[str, VolumeDefinition]] = []
            paths = {self._volume.path} if self._volume.path else set()
            while paths:
                layer = [(pool_name, other) for pool_name, other in every
                         if other.backing_path in paths and (pool_name, other) not in found]
                found.extend(layer)
                paths = {other.path for _pool_name, other in layer if other.path}
            self._clones = found
        return self._clones

    def clones(self) -> t.List[str]:
        return ["%s/%s" % (pool_name, other.name) for pool_name, other in self._clone_volumes()]

    def running_users(self) -> t.List[DomainUse]:
        refs = [StorageRef.volume(self._pool, self._volume.name, self._volume.path)]
        refs.extend(StorageRef(pool_name=pool_name, volume_name=other.name,
                               volume_paths=frozenset([other.path]) if other.path else frozenset())
                    for pool_name, other in self._clone_volumes())
        domains = domain_definitions(self._conn, running_only=True)
        uses = {use for ref in refs for use in domains_using(domains, ref)}
        return sorted(uses, key=lambda use: use.domain)


def converge_snapshot(request: SnapshotRequest, conn: "libvirt.virConnect", volumes: VolumeReader,
                      node: Node, check_mode: bool, diff_mode: bool, ceph_keyring: t.Optional[str] = None) -> dict:
    """Plan the snapshot, apply the plan unless in check mode; the module's result."""
    _handle, pool = volumes.pool(request.pool)
    backend = snapshot_backend_for(pool, node, ceph_keyring)
    volume = volumes.volume(request.pool, request.volume)
    guard = (LibvirtGuard(conn, volumes, pool, volume, backend.backing_file_clones if backend else True)
             if volume is not None else _NoGuard())
    snapshot_plan = plan_snapshot(request, pool, volume, backend, guard)
    apply([snapshot_plan.plan], check_mode)
    snapshots = snapshot_plan.predicted
    if snapshot_plan.plan.changed and not check_mode and volume is not None and backend is not None:
        snapshots = backend.snapshots(pool, volume)
    result = summarize([snapshot_plan.plan], diff_mode)
    result["snapshots"] = [snapshot.as_dict() for snapshot in snapshots]
    named = [snapshot for snapshot in snapshots if snapshot.name == request.name]
    result["snapshot"] = named[-1].as_dict() if named else None
    return result


class _NoGuard:
    def running_users(self) -> t.List[DomainUse]:
        return []

    def clones(self) -> t.List[str]:
        return []


def volume_snapshots(pool: PoolDefinition, volume: VolumeDefinition, node: Node,
                     ceph_keyring: t.Optional[str] = None) -> t.List[dict]:
    """The snapshots of a volume for reports; [] where the pool type or the format has none."""
    backend = snapshot_backend_for(pool, node, ceph_keyring)
    if backend is None or backend.unsupported(pool, volume):
        return []
    return [snapshot.as_dict() for snapshot in backend.snapshots(pool, volume)]

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading volumes from libvirt and planning how to converge them."""

from __future__ import annotations

import dataclasses
import os
import time
import typing as t
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.limiquantix.storage.plugins.module_utils._ceph import CephClient
from ansible_collections.limiquantix.storage.plugins.module_utils._changes import Plan, converge
from ansible_collections.limiquantix.storage.plugins.module_utils._disk_xml import DISK_KINDS, disk, disk_xml
from ansible_collections.limiquantix.storage.plugins.module_utils._domains import (
    StorageRef,
    describe_uses,
    domains_using,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._libvirt import (
    add_step,
    describe_error,
    domain_definitions,
    libvirt,
    libvirt_errors,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._node import Node, numeric_id
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends import backend_for
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import PoolDefinition
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import from_xml as pool_from_xml
from ansible_collections.limiquantix.storage.plugins.module_utils._units import format_size
from ansible_collections.limiquantix.storage.plugins.module_utils._volume_requests import VolumeRequest
from ansible_collections.limiquantix.storage.plugins.module_utils._volume_xml import VolumeDefinition, from_xml, to_xml

# virStorageVolCreateFlags / virStorageVolResizeFlags, kept here so the planning imports without libvirt.
_CREATE_PREALLOC_METADATA = 1
_RESIZE_SHRINK = 4

# libvirt clones an RBD image through the first of its snapshots that still matches the image, else through a new
# one; but its search stops with an error (logged as "failed to iterate RBD snapshot", reported as "cause is
# unknown") at the first snapshot that does not match. Seen with libvirt 9.0 and Ceph 16.
_RBD_CLONE_HINT = (
    ". libvirt cannot clone an RBD image copy-on-write once the image has changed since one of its snapshots (such "
    "as the protected snapshot an earlier copy-on-write clone hangs on). Clone without copy_on_write (a full copy), "
    "or clone a snapshot with `rbd snap protect` and `rbd clone`")


def _view(volume: VolumeDefinition) -> dict:
    """What --diff shows for a volume (no contents, no secrets)."""
    return {key: value for key, value in (
        ("capacity", volume.capacity), ("format", volume.format), ("mode", volume.mode), ("owner", volume.owner),
        ("group", volume.group), ("backing_store", volume.backing_path)) if value is not None}


@dataclasses.dataclass
class VolumePlan:
    request: VolumeRequest
    pool: PoolDefinition
    current: t.Optional[VolumeDefinition]
    desired: t.Optional[VolumeDefinition]  # None when the volume is to be absent
    plan: Plan
    transfer: t.Dict[str, t.Any] = dataclasses.field(default_factory=dict)
    # The upload left to the caller (see defer_uploads_above): {pool, name, path, size}.
    pending_upload: t.Optional[t.Dict[str, t.Any]] = None


class VolumeManager:
    def __init__(self, conn: "libvirt.virConnect", node: Node, defer_uploads_above: t.Optional[int] = None,
                 ceph_keyring: t.Optional[str] = None) -> None:
        self._conn = conn
        self._node = node
        self._ceph_keyring = ceph_keyring
        # Images larger than this many bytes are not uploaded: their upload step only records the pending upload,
        # which lq_volume's action plugin then sends in chunks (upload_chunk), showing progress.
        self._defer_uploads_above = defer_uploads_above
        self._pools: t.Dict[str, t.Tuple["libvirt.virStoragePool", PoolDefinition]] = {}
        # The volumes of each pool as planning first listed them: one listing per pool instead of a lookup per
        # volume. Planning changes nothing, so it stays true until the plans run; reads after that go to libvirt.
        self._listed: t.Dict[str, t.Dict[str, "libvirt.virStorageVol"]] = {}
        self._prefetched: t.Dict[t.Tuple[str, str], str] = {}
        # Reading a pool can change it (a refresh that fails stops an rbd pool): a failure is kept and repeated,
        # so that the first read's message is the one the task reports.
        self._pool_errors: t.Dict[str, LqError] = {}
        # pool/volume of the volumes that earlier plans of this task delete (and Ceph pool/image of the RBD images
        # among them), and of those they create (as they will be), so that one task can create a volume and clone
        # it, or delete a clone and its base.
        self._deleted: t.Set[str] = set()
        self._created: t.Dict[str, VolumeDefinition] = {}

    # -- reading ----------------------------------------------------------------------------------

    def pool(self, name: str) -> t.Tuple["libvirt.virStoragePool", PoolDefinition]:
        """The running pool ``name`` and its definition, refreshed once per task."""
        if name in self._pool_errors:
            raise self._pool_errors[name]
        if name not in self._pools:
            try:
                self._pools[name] = self._read_pool(name)
            except LqError as error:
                self._pool_errors[name] = error
                raise
        return self._pools[name]

    def _read_pool(self, name: str) -> t.Tuple["libvirt.virStoragePool", PoolDefinition]:
        with libvirt_errors("reading pool %s" % name):
            try:
                handle = self._conn.storagePoolLookupByName(name)
            except libvirt.libvirtError as error:
                if error.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_POOL:
                    raise LqError("pool %s does not exist: define it first (limiquantix.storage.lq_storage_pool) "
                                  "or fix the pool option" % name)
                raise
            if not handle.isActive():
                raise LqError("pool %s is not running, so its volumes cannot be read or changed: start it "
                              "(lq_storage_pool with started: true)" % name)
            definition = pool_from_xml(handle.XMLDesc(0))
            backend_for(definition.type).require_reachable(definition, "reading pool %s" % name)
            handle.refresh(0)
            return handle, definition

    def volume(self, pool_name: str, name: str) -> t.Optional[VolumeDefinition]:
        handle, _definition = self.pool(pool_name)
        with libvirt_errors("reading volume %s/%s" % (pool_name, name)):
            try:
                return from_xml(handle.storageVolLookupByName(name).XMLDesc(0))
            except libvirt.libvirtError as error:
                if error.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_VOL:
                    return None
                raise

    def _listing(self, pool_name: str) -> t.Dict[str, "libvirt.virStorageVol"]:
        handle, _definition = self.pool(pool_name)
        if pool_name not in self._listed:
            with libvirt_errors("listing the volumes of pool %s" % pool_name):
                self._listed[pool_name] = {volume.name(): volume for volume in handle.listAllVolumes(0)}
        return self._listed[pool_name]

    def _planning_read(self, pool_name: str, name: str) -> t.Optional[VolumeDefinition]:
        """The volume as it is before the task: from the pool's listing, taken once."""
        volume = self._listing(pool_name).get(name)
        if volume is None:
            return None
        xml = self._prefetched.get((pool_name, name))
        if xml is None:
            with libvirt_errors("reading volume %s/%s" % (pool_name, name)):
                xml = volume.XMLDesc(0)
        return from_xml(xml)

    def prefetch(self, requests: t.Sequence[VolumeRequest]) -> None:
        """Read the definitions of the volumes ``requests`` name, and of their clone sources, a few at a time: one
        libvirt round trip each is most of planning many volumes. Best effort - what fails here, planning reads
        again, and reports in its order."""
        handles = []
        for pool_name in sorted({pool for request in requests for pool in (request.pool, request.clone_pool) if pool}):
            try:
                listing = self._listing(pool_name)
            except LqError:
                continue
            names = {request.name for request in requests if request.pool == pool_name} | {
                request.clone_name for request in requests if request.clone_pool == pool_name}
            handles.extend(((pool_name, name), listing[name]) for name in sorted(names) if name in listing)

        def read(volume: "libvirt.virStorageVol") -> t.Optional[str]:
            try:
                return volume.XMLDesc(0)
            except libvirt.libvirtError:
                return None

        if len(handles) > 1:
            with ThreadPoolExecutor(max_workers=4) as executor:
                xmls = list(executor.map(read, [volume for _key, volume in handles]))
            self._prefetched.update((key, xml) for (key, _volume), xml in zip(handles, xmls) if xml is not None)

    def volumes(self, pool_name: str) -> t.List[VolumeDefinition]:
        handle, _definition = self.pool(pool_name)
        with libvirt_errors("listing the volumes of pool %s" % pool_name):
            return sorted((from_xml(volume.XMLDesc(0)) for volume in handle.listAllVolumes(0)),
                          key=lambda volume: volume.name)

    def _backed_by(self, pool: PoolDefinition, volume: VolumeDefinition) -> t.List[str]:
        """pool/volume of every volume, in any running pool, whose backing file is ``volume``; for an RBD image,
        Ceph pool/image of every clone built on it."""
        if backend_for(pool.type).native_clones:
            with CephClient(pool, self._ceph_keyring) as ceph:
                return [clone for clone in ceph.descendants(volume.name) if clone not in self._deleted]
        with libvirt_errors("listing storage pools"):
            # Only pools that hold qcow2 volumes can hold one built on a backing file; reading the others (an rbd
            # pool whose cluster is down, say) could only fail for no reason.
            pool_names = [handle.name() for handle in self._conn.listAllStoragePools(
                libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)
                if "qcow2" in backend_for(pool_from_xml(handle.XMLDesc(0)).type).volume_formats]
        dependents = ["%s/%s" % (pool_name, other.name) for pool_name in sorted(pool_names)
                      for other in self.volumes(pool_name) if volume.path and other.backing_path == volume.path]
        return [dependent for dependent in dependents if dependent not in self._deleted]

    def _volume_handle(self, pool_name: str, name: str) -> "libvirt.virStorageVol":
        return self.pool(pool_name)[0].storageVolLookupByName(name)

    # -- planning -----------------------------------------------------------------------------------

    def plan(self, request: VolumeRequest) -> VolumePlan:
        _handle, pool = self.pool(request.pool)
        current = self._planning_read(request.pool, request.name)
        label = "%s/%s" % (request.pool, request.name)
        backend = backend_for(pool.type)
        if request.state == "absent":
            volume_plan = VolumePlan(request, pool, current, None,
                                     Plan("volume", label, before=_view(current) if current else None, after=None))
            self._plan_absent(volume_plan)
            return volume_plan
        if not backend.manages_volumes:
            if current is None:
                raise LqError("volume %s does not exist, and the volumes of %s pools (LUNs) belong to the target: "
                              "lq_volume cannot create them" % (label, pool.type))
        if request.format is not None and request.format not in backend.volume_formats:
            raise LqError("format %s is not one a %s pool holds (%s): change format or use another pool"
                          % (request.format, pool.type, ", ".join(backend.volume_formats)))
        if current is None:
            desired, volume_plan = self._plan_create(request, pool, label)
            self._created[label] = dataclasses.replace(desired, path=predicted_path(pool, request.name))
        else:
            desired, volume_plan = self._plan_update(request, pool, current, label)
        volume_plan.desired = desired
        volume_plan.plan.after = _view(desired)
        return volume_plan

    def _permissions(self, request: VolumeRequest, pool: PoolDefinition) -> t.Dict[str, t.Any]:
        if DISK_KINDS[pool.type] != "file":
            wanted = [option for option in ("mode", "owner", "group") if getattr(request, option) is not None]
            if wanted:
                raise LqError("%s apply to volumes of file-based pools (dir, fs, netfs), not to pool %s of type %s"
                              % ("/".join(wanted), pool.name, pool.type))
            return {}
        return {"mode": request.mode,
                "owner": numeric_id(request.owner, "owner") if request.owner is not None else None,
                "group": numeric_id(request.group, "group") if request.group is not None else None}

    def _plan_create(self, request: VolumeRequest, pool: PoolDefinition,
                     label: str) -> t.Tuple[VolumeDefinition, VolumePlan]:
        permissions = self._permissions(request, pool)
        volume_plan = VolumePlan(request, pool, None, None, Plan("volume", label, before=None, after=None))
        plan = volume_plan.plan
        if request.clone_name is not None:
            source_label = "%s/%s" % (request.clone_pool, request.clone_name)
            source = (self._planning_read(t.cast(str, request.clone_pool), request.clone_name)
                      or self._created.get(source_label))
            if source is None or (request.copy_on_write and source.path is None):
                raise LqError("clone_from: volume %s does not exist" % source_label)
            capacity = request.capacity or source.capacity
            if capacity < source.capacity:
                raise LqError("capacity %s is smaller than the clone source %s (%s): a clone cannot shrink"
                              % (format_size(capacity), source_label, format_size(source.capacity)))
            if request.copy_on_write:
                desired = self._plan_cow_clone(request, pool, source, capacity, permissions, plan, label,
                                               source_label)
            elif pool.type == "rbd" or self.pool(t.cast(str, request.clone_pool))[1].type == "rbd":
                desired = self._plan_rbd_copy(request, pool, source, capacity, plan, label, source_label)
            else:
                desired = VolumeDefinition(name=request.name, capacity=capacity,
                                           format=request.format or source.format, **permissions)
                add_step(plan, "create volume %s as a full copy of %s" % (label, source_label),
                         lambda: self.pool(request.pool)[0].createXMLFrom(
                         to_xml(desired), self._volume_handle(t.cast(str, request.clone_pool), source.name), 0))
            return desired, volume_plan

        if request.upload_from is not None:
            if pool.type == "rbd":
                raise LqError("upload_from: libvirt cannot upload into RBD images (pool %s). Import the image with "
                              "`rbd import`, or upload it into a volume of a dir pool and clone that elsewhere"
                              % pool.name)
            image_format, virtual_size = self._node.image_info(request.upload_from)
            if request.format is not None and request.format != image_format:
                raise LqError("upload_from: %s is a %s image, but format is %s; images are uploaded as they are: "
                              "convert it first (qemu-img convert) or set format: %s"
                              % (request.upload_from, image_format, request.format, image_format))
            desired = VolumeDefinition(name=request.name, capacity=virtual_size, format=image_format, **permissions)
            add_step(plan, "create volume %s for the image %s" % (label, request.upload_from),
                     lambda: self.pool(request.pool)[0].createXML(to_xml(desired), 0))
            deferred = self._plan_upload(volume_plan, label)
            # A deferred upload comes after this call, and would overwrite a grown qcow2 header: the call that
            # follows the upload grows such a volume.
            if (request.capacity is not None and request.capacity > virtual_size
                    and not (deferred and image_format == "qcow2")):
                desired = dataclasses.replace(desired, capacity=request.capacity)
                add_step(plan, "grow volume %s to %s" % (label, format_size(request.capacity)),
                         lambda: self._volume_handle(request.pool, request.name).resize(t.cast(int, request.capacity), 0))
            return desired, volume_plan

        if request.capacity is None:
            raise LqError("capacity is required to create volume %s (or give clone_from or upload_from)" % label)
        volume_format = request.format or ("qcow2" if "qcow2" in backend_for(pool.type).volume_formats else "raw")
        if request.preallocation == "metadata" and volume_format != "qcow2":
            raise LqError("preallocation: metadata applies to qcow2 volumes; use full or off for %s" % volume_format)
        full = request.preallocation == "full" or not backend_for(pool.type).sparse_volumes
        desired = VolumeDefinition(name=request.name, capacity=request.capacity, format=volume_format,
                                   allocation=request.capacity if full else 0, **permissions)
        # libvirt allocates a qcow2 volume's data (allocation = capacity) only along with its metadata.
        preallocate_qcow2 = volume_format == "qcow2" and request.preallocation in ("metadata", "full")
        flags = _CREATE_PREALLOC_METADATA if preallocate_qcow2 else 0
        add_step(plan, "create volume %s (%s, %s)" % (label, volume_format, format_size(request.capacity)),
                 lambda: self.pool(request.pool)[0].createXML(to_xml(desired), flags))
        return desired, volume_plan

    def _plan_cow_clone(self, request: VolumeRequest, pool: PoolDefinition, source: VolumeDefinition, capacity: int,
                        permissions: t.Dict[str, t.Any], plan: Plan, label: str,
                        source_label: str) -> VolumeDefinition:
        backend = backend_for(pool.type)

        def source_handle() -> "libvirt.virStorageVol":
            return self._volume_handle(t.cast(str, request.clone_pool), source.name)
        if backend.native_clones:
            if request.clone_pool != request.pool:
                raise LqError("copy_on_write: an RBD clone lives in the pool of its source, %s; set pool to %s or "
                              "clone without copy_on_write (a full copy)" % (request.clone_pool, request.clone_pool))
            if request.format not in (None, "raw"):
                raise LqError("copy_on_write: RBD clones are raw images; set format to raw or leave it out")
            desired = VolumeDefinition(name=request.name, capacity=source.capacity, format="raw")
            description = ("create volume %s as a copy-on-write RBD clone of %s (through a protected snapshot)"
                           % (label, source_label))

            def clone() -> None:
                try:
                    self.pool(request.pool)[0].createXMLFrom(to_xml(desired), source_handle(), 0)
                except libvirt.libvirtError as error:
                    text = error.get_error_message() or ""
                    hint = _RBD_CLONE_HINT if "cause is unknown" in text or "iterate RBD snapshot" in text else ""
                    raise LqError(describe_error(error, description) + hint)
            plan.add(description, clone)
            return self._plan_grow_clone(request, desired, capacity, plan, label)
        if "qcow2" not in backend.volume_formats:
            raise LqError("copy_on_write needs qcow2 or RBD clones, which a %s pool cannot hold: clone without "
                          "copy_on_write (a full copy)" % pool.type)
        if request.format not in (None, "qcow2"):
            raise LqError("copy_on_write: a copy-on-write clone in a %s pool is a qcow2 volume on a backing file: "
                          "set format to qcow2 or leave it out" % pool.type)
        desired = VolumeDefinition(name=request.name, capacity=capacity, format="qcow2",
                                   backing_path=source.path, backing_format=source.format or "raw", **permissions)
        add_step(plan, "create volume %s as a copy-on-write clone of %s" % (label, source_label),
                 lambda: self.pool(request.pool)[0].createXML(to_xml(desired), 0))
        return desired

    def _plan_rbd_copy(self, request: VolumeRequest, pool: PoolDefinition, source: VolumeDefinition, capacity: int,
                       plan: Plan, label: str, source_label: str) -> VolumeDefinition:
        source_pool = self.pool(t.cast(str, request.clone_pool))[1]
        if pool.type != "rbd" or source_pool.type != "rbd":
            raise LqError("clone_from: copies into or out of rbd pools go from one rbd pool to another (%s is %s, %s "
                          "is %s). Use rbd import/export for other storage"
                          % (source_pool.name, source_pool.type, pool.name, pool.type))
        if request.format not in (None, "raw"):
            raise LqError("format: RBD images are raw; set format to raw or leave it out")
        desired = VolumeDefinition(name=request.name, capacity=source.capacity, format="raw")

        def copy() -> None:
            with CephClient(pool, self._ceph_keyring) as ceph:
                ceph.copy(source_pool.source_name or source_pool.name, source.name, request.name)
            # The image appeared behind libvirt's back: make the pool list it.
            self.pool(request.pool)[0].refresh(0)
        plan.add("create volume %s as a full copy of %s (librbd)" % (label, source_label), copy)
        return self._plan_grow_clone(request, desired, capacity, plan, label)

    def _plan_grow_clone(self, request: VolumeRequest, desired: VolumeDefinition, capacity: int, plan: Plan,
                         label: str) -> VolumeDefinition:
        """RBD clones and copies start at their source's size: grow them to the capacity asked for."""
        if capacity <= desired.capacity:
            return desired
        add_step(plan, "grow volume %s to %s" % (label, format_size(capacity)),
                 lambda: self._volume_handle(request.pool, request.name).resize(capacity, 0))
        return dataclasses.replace(desired, capacity=capacity)

    def _plan_update(self, request: VolumeRequest, pool: PoolDefinition, current: VolumeDefinition,
                     label: str) -> t.Tuple[VolumeDefinition, VolumePlan]:
        volume_plan = VolumePlan(request, pool, current, None,
                                 Plan("volume", label, before=_view(current), after=None))
        plan = volume_plan.plan
        desired = current
        if request.format is not None and current.format is not None and request.format != current.format:
            raise LqError("volume %s is %s, not %s: formats are not converted in place. Delete and recreate it, or "
                          "set format: %s" % (label, current.format, request.format, current.format))
        if request.capacity is not None:
            capacity = request.capacity
            sizes = "from %s to %s" % (format_size(current.capacity), format_size(capacity))
            # Backends round sizes up (LVM to whole extents): less than one unit smaller is what was asked.
            shrinking = current.capacity - capacity >= backend_for(pool.type).size_granularity
            if shrinking and not request.allow_shrink:
                raise LqError("volume %s is %s; shrinking it to %s would destroy the data at its end. Set "
                              "allow_shrink: true if that is intended"
                              % (label, format_size(current.capacity), format_size(capacity)))
            if capacity > current.capacity or shrinking:
                desired = dataclasses.replace(desired, capacity=capacity)
                description = "%s volume %s %s" % ("shrink" if shrinking else "grow", label, sizes)
                if shrinking and pool.type == "rbd":
                    # libvirt's rbd driver refuses the shrink flag, and libvirt refuses to shrink without it.
                    add_step(plan, description + " (librbd)", lambda: self._shrink_rbd(request, pool, capacity))
                elif pool.type == "logical":
                    # libvirt's logical driver cannot resize ("storage pool does not support changing of volume
                    # capacity"): LVM does it.
                    path = t.cast(str, current.path)
                    add_step(plan, description + " (lvresize)", lambda: self._resize_lv(request, path, capacity))
                else:
                    flags = _RESIZE_SHRINK if shrinking else 0
                    add_step(plan, description,
                             lambda: self._volume_handle(request.pool, request.name).resize(capacity, flags))
        permissions = self._permissions(request, pool)
        if permissions and current.path:
            drift = self._node.permission_drift(current.path, permissions["mode"], permissions["owner"],
                                                permissions["group"])
            if drift:
                desired = dataclasses.replace(desired, **{k: v for k, v in permissions.items() if v is not None})
                path = current.path
                add_step(plan, "set %s of volume %s" % (drift, label),
                         lambda: self._node.set_permissions(path, permissions["mode"], permissions["owner"],
                                                            permissions["group"]))
        if request.upload_from is not None and request.upload_compare == "checksum":
            if not self._same_content(request.upload_from, current):
                self._plan_upload(volume_plan, label)
        return desired, volume_plan

    def _resize_lv(self, request: VolumeRequest, path: str, capacity: int) -> None:
        # --force: lvresize asks before it reduces a logical volume; allow_shrink already said yes.
        rc, _out, err = self._node.run([self._node.binary("lvresize", "lvm2"), "--force", "--size", "%db" % capacity,
                                        path])
        if rc != 0:
            raise LqError("resizing logical volume %s with lvresize failed: %s" % (path, err.strip()))
        # The volume changed behind libvirt's back: make the pool read its size again.
        self.pool(request.pool)[0].refresh(0)

    def _shrink_rbd(self, request: VolumeRequest, pool: PoolDefinition, capacity: int) -> None:
        with CephClient(pool, self._ceph_keyring) as ceph:
            ceph.resize(request.name, capacity)
        # The image changed behind libvirt's back: make the pool read its size again.
        self.pool(request.pool)[0].refresh(0)

    def _same_content(self, image: str, volume: VolumeDefinition) -> bool:
        if not volume.path or not os.path.exists(volume.path):
            raise LqError("cannot compare volume %s with %s: its content is not a file or device on the node; set "
                          "upload_compare: exists" % (volume.name, image))
        if volume.format == "qcow2":
            # Growing rewrites the qcow2 header, so the bytes differ from the image's while the disk does not.
            return self._node.same_guest_content(image, volume.path, "qcow2")
        size = os.path.getsize(image)
        return self._node.sha256(image) == self._node.sha256(volume.path, size)

    def _plan_upload(self, volume_plan: VolumePlan, label: str) -> bool:
        """Plan the upload of the request's image; whether it is deferred (left to the caller)."""
        request = volume_plan.request
        image = t.cast(str, request.upload_from)
        size = os.path.getsize(image)
        description = "upload %s (%s) into volume %s" % (image, format_size(size), label)
        if self._defer_uploads_above is not None and size > self._defer_uploads_above:
            def defer() -> None:
                volume_plan.pending_upload = {"pool": request.pool, "name": request.name, "path": image, "size": size}
            volume_plan.plan.add(description, defer)
            return True

        def upload() -> None:
            started = time.monotonic()
            stream = self._conn.newStream(0)
            self._volume_handle(request.pool, request.name).upload(stream, 0, size, 0)
            with open(image, "rb") as source:
                stream.sendAll(lambda _stream, nbytes, handle: handle.read(nbytes), source)
            stream.finish()
            seconds = time.monotonic() - started
            volume_plan.transfer = {"bytes": size, "seconds": round(seconds, 3),
                                    "bytes_per_second": int(size / seconds) if seconds else size}

        add_step(volume_plan.plan, description, upload)
        return False

    def upload_chunk(self, pool_name: str, name: str, image: str, offset: int, length: int) -> int:
        """Upload bytes [offset, offset + length) of ``image`` to the same place in an existing volume."""
        label = "%s/%s" % (pool_name, name)
        size = os.path.getsize(image)
        if offset < 0 or length <= 0 or offset + length > size:
            raise LqError("upload_chunk: offset %d and length %d are not within the %d bytes of %s"
                          % (offset, length, size, image))
        if self.volume(pool_name, name) is None:
            raise LqError("upload_chunk: volume %s does not exist" % label)
        remaining = [length]

        def read(_stream: t.Any, nbytes: int, source: t.BinaryIO) -> bytes:
            data = source.read(min(nbytes, remaining[0]))
            remaining[0] -= len(data)
            return data

        with libvirt_errors("upload bytes %d to %d of %s into volume %s" % (offset, offset + length, image, label)):
            stream = self._conn.newStream(0)
            self._volume_handle(pool_name, name).upload(stream, offset, length, 0)
            with open(image, "rb") as source:
                source.seek(offset)
                stream.sendAll(read, source)
            stream.finish()
        if remaining[0]:
            raise LqError("upload_chunk: %s ended %d bytes early" % (image, remaining[0]))
        return length

    def _plan_absent(self, volume_plan: VolumePlan) -> None:
        request, current, plan = volume_plan.request, volume_plan.current, volume_plan.plan
        if current is None:
            return
        pool = volume_plan.pool
        label = "%s/%s" % (request.pool, request.name)
        if not backend_for(pool.type).manages_volumes:
            raise LqError("volume %s is a LUN of an iSCSI target: lq_volume cannot delete it" % label)
        if not request.force:
            uses = domains_using(domain_definitions(self._conn, running_only=False),
                                 StorageRef.volume(pool, current.name, current.path))
            if uses:
                raise LqError("refusing to delete volume %s: domains use it: %s. Detach it first, or set force: true"
                              % (label, describe_uses(uses)))
            dependents = self._backed_by(pool, current)
            if dependents:
                raise LqError("refusing to delete volume %s: copy-on-write volumes are built on it: %s. Delete them "
                              "first, or set force: true" % (label, ", ".join(dependents)))
        if request.wipe is not None:
            algorithm = getattr(libvirt, "VIR_STORAGE_VOL_WIPE_ALG_%s" % request.wipe.upper(), None)
            add_step(plan, "wipe volume %s (%s)" % (label, request.wipe),
                     lambda: self._volume_handle(request.pool, request.name).wipePattern(algorithm, 0))
        backend = backend_for(pool.type)
        add_step(plan, "delete volume %s" % label,
                 lambda: self._volume_handle(request.pool, request.name).delete(backend.volume_delete_flags))
        self._deleted.add(label)
        if backend.native_clones:
            self._deleted.add("%s/%s" % (pool.source_name or pool.name, current.name))


def volume_status(pool: PoolDefinition, volume: VolumeDefinition, disk_target: str = "vda",
                  disk_bus: str = "virtio") -> dict:
    """A volume as modules return it, with the <disk> that attaches it to a domain."""
    element = disk(pool, volume, disk_target, disk_bus)
    return {
        "name": volume.name,
        "pool": pool.name,
        "state": "present",
        "key": volume.key,
        "path": volume.path,
        "type": volume.type,
        "format": volume.format,
        "capacity": volume.capacity,
        "allocation": volume.allocation,
        "backing_store": ({"path": volume.backing_path, "format": volume.backing_format}
                          if volume.backing_path else None),
        "disk": element,
        "disk_xml": disk_xml(element),
    }


def predicted_path(pool: PoolDefinition, name: str) -> t.Optional[str]:
    """Where libvirt will put a new volume, for check mode; None where the pool type does not tell."""
    if DISK_KINDS[pool.type] in ("file", "block") and pool.target_path and pool.type != "iscsi":
        return "%s/%s" % (pool.target_path, name)
    if pool.type == "rbd":
        return "%s/%s" % (pool.source_name or pool.name, name)
    return None


def _predicted_status(volume_plan: VolumePlan) -> dict:
    request, desired, current = volume_plan.request, volume_plan.desired, volume_plan.current
    if desired is None:
        return {"name": request.name, "pool": request.pool, "state": "absent"}
    path = current.path if current is not None else predicted_path(volume_plan.pool, request.name)
    kind = DISK_KINDS[volume_plan.pool.type]
    predicted = dataclasses.replace(desired, path=path, key=current.key if current else path,
                                    type=current.type if current else ("network" if kind in ("rbd", "iscsi") else kind),
                                    allocation=current.allocation if current else desired.allocation)
    return volume_status(volume_plan.pool, predicted, request.disk_target, request.disk_bus)


def converge_volumes(requests: t.Sequence[VolumeRequest], conn: "libvirt.virConnect", node: Node, check_mode: bool,
                     diff_mode: bool, defer_uploads_above: t.Optional[int] = None,
                     ceph_keyring: t.Optional[str] = None) -> t.Tuple[dict, t.List[str]]:
    """Plan every volume, apply the plans unless in check mode; the result and warnings. With
    ``defer_uploads_above``, larger images are not uploaded but listed in the result's ``pending_uploads``."""
    manager = VolumeManager(conn, node, defer_uploads_above, ceph_keyring)

    def status_of(volume_plan: VolumePlan) -> dict:
        request = volume_plan.request
        if check_mode:
            return _predicted_status(volume_plan)
        # Nothing ran: the volume is as planning read it, with no second read.
        volume = volume_plan.current if not volume_plan.plan.changed else manager.volume(request.pool, request.name)
        if volume is None:
            return {"name": request.name, "pool": request.pool, "state": "absent"}
        status = volume_status(volume_plan.pool, volume, request.disk_target, request.disk_bus)
        if volume_plan.transfer:
            status["transfer"] = volume_plan.transfer
        return status

    manager.prefetch(requests)
    volume_plans = [manager.plan(request) for request in requests]
    result, warnings = converge(volume_plans, lambda volume_plan: volume_plan.plan, status_of, check_mode,
                                diff_mode, "volumes")
    if defer_uploads_above is not None:
        result["pending_uploads"] = [volume_plan.pending_upload for volume_plan in volume_plans
                                     if volume_plan.pending_upload is not None]
    return result, warnings


def upload_chunk(conn: "libvirt.virConnect", node: Node, pool_name: str, name: str, image: str, offset: int,
                 length: int) -> int:
    """Upload one chunk of an image into an existing volume; the bytes uploaded."""
    return VolumeManager(conn, node).upload_chunk(pool_name, name, image, offset, length)

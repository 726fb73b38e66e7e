# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure parts of the volume manager; they run without the libvirt bindings (the import is guarded)."""

from __future__ import annotations

import types
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.limiquantix.storage.plugins.module_utils import _libvirt, _volumes
from ansible_collections.limiquantix.storage.plugins.module_utils._disk_xml import disk, disk_xml
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import (
    POOL_TYPES,
    Auth,
    Host,
    PoolDefinition,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import to_xml as pool_to_xml
from ansible_collections.limiquantix.storage.plugins.module_utils._units import format_size
from ansible_collections.limiquantix.storage.plugins.module_utils._volume_requests import VolumeRequest
from ansible_collections.limiquantix.storage.plugins.module_utils._volume_xml import VolumeDefinition, from_xml, to_xml
from ansible_collections.limiquantix.storage.plugins.module_utils._volumes import (
    VolumeManager,
    _view,
    predicted_path,
    volume_status,
)

GIB = 1024 ** 3

IMAGES = PoolDefinition(name="images", type="dir", target_path="/var/lib/limiquantix/images")
CEPH = PoolDefinition(name="ceph-vms", type="rbd", hosts=(Host("10.0.0.1", 6789), Host("10.0.0.2")), source_name="vms",
                      auth=Auth(type="ceph", username="libvirt", secret_usage="client.libvirt"))

WEB1 = VolumeDefinition(name="web1.qcow2", capacity=10 * GIB, allocation=200704, format="qcow2", mode="0600",
                        owner=107, group=107, backing_path="/var/lib/limiquantix/images/base.raw",
                        backing_format="raw", path="/var/lib/limiquantix/images/web1.qcow2",
                        key="/var/lib/limiquantix/images/web1.qcow2", type="file")


# -- _view: what --diff shows ----------------------------------------------------------------------------------

def test_view_everything():
    assert _view(WEB1) == {"capacity": 10 * GIB, "format": "qcow2", "mode": "0600", "owner": 107, "group": 107,
                           "backing_store": "/var/lib/limiquantix/images/base.raw"}


def test_view_leaves_out_unset_and_runtime_fields():
    """Allocation changes as the guest writes; path, key and type are libvirt's: none of them is a change."""
    assert _view(VolumeDefinition(name="a", capacity=1, allocation=1, path="/p", key="/p", type="file")) == {
        "capacity": 1}


def test_view_keeps_zero_ids():
    assert _view(VolumeDefinition(name="a", capacity=0, owner=0, group=0)) == {"capacity": 0, "owner": 0, "group": 0}


# -- volume_status: what modules return -------------------------------------------------------------------------

def test_volume_status_file():
    status = volume_status(IMAGES, WEB1)
    assert status == {
        "name": "web1.qcow2", "pool": "images", "state": "present", "key": WEB1.key, "path": WEB1.path,
        "type": "file", "format": "qcow2", "capacity": 10 * GIB, "allocation": 200704,
        "backing_store": {"path": "/var/lib/limiquantix/images/base.raw", "format": "raw"},
        "disk": disk(IMAGES, WEB1), "disk_xml": disk_xml(disk(IMAGES, WEB1)),
    }
    assert status["disk"]["source"] == {"file": WEB1.path}


def test_volume_status_without_backing_store():
    status = volume_status(IMAGES, VolumeDefinition(name="a", capacity=1, path="/var/lib/limiquantix/images/a"))
    assert status["backing_store"] is None
    assert status["format"] is None and status["disk"]["driver"]["type"] == "raw"


def test_volume_status_disk_target():
    status = volume_status(IMAGES, WEB1, "sdb", "scsi")
    assert status["disk"]["target"] == {"dev": "sdb", "bus": "scsi"}
    assert ET.fromstring(status["disk_xml"]).find("target").attrib == {"dev": "sdb", "bus": "scsi"}


def test_volume_status_rbd():
    volume = VolumeDefinition(name="web1-root", capacity=GIB, format="raw", path="vms/web1-root", key="vms/web1-root",
                              type="network")
    status = volume_status(CEPH, volume)
    assert status["disk"]["source"] == {"protocol": "rbd", "name": "vms/web1-root",
                                        "hosts": [{"name": "10.0.0.1", "port": "6789"}, {"name": "10.0.0.2"}]}
    assert status["disk"]["auth"] == {"username": "libvirt", "secret": {"type": "ceph", "usage": "client.libvirt"}}
    root = ET.fromstring(status["disk_xml"])
    assert root.attrib == {"type": "network", "device": "disk"}
    assert root.find("source").get("name") == "vms/web1-root"


# -- predicted_path: where check mode says a new volume goes ------------------------------------------------------

@pytest.mark.parametrize("pool, path", [
    (IMAGES, "/var/lib/limiquantix/images/new.qcow2"),
    (PoolDefinition(name="ssd", type="fs", target_path="/srv/ssd", devices=("/dev/vdb",)), "/srv/ssd/new.qcow2"),
    (PoolDefinition(name="nfs", type="netfs", target_path="/srv/nfs", hosts=(Host("nfs"),), source_dir="/e"),
     "/srv/nfs/new.qcow2"),
    (PoolDefinition(name="vg_vms", type="logical", target_path="/dev/vg_vms", source_name="vg_vms"),
     "/dev/vg_vms/new.qcow2"),
    (PoolDefinition(name="san", type="iscsi", target_path="/dev/disk/by-path", devices=("iqn.x",)), None),
    (PoolDefinition(name="san-lun", type="iscsi-direct", devices=("iqn.x",)), None),
    (CEPH, "vms/new.qcow2"),  # libvirt names an RBD volume ceph-pool/image
    (PoolDefinition(name="vg", type="logical", source_name="vg"), None),
])
def test_predicted_path(pool, path):
    assert predicted_path(pool, "new.qcow2") == path


def test_predicted_path_covers_every_pool_type():
    for pool_type in POOL_TYPES:
        predicted_path(PoolDefinition(name="p", type=pool_type, target_path="/t"), "v")


# -- planning, against a fake connection -------------------------------------------------------------------------
# The bindings may be missing where the unit tests run, so a stand-in provides what planning uses of them.

class FakeLibvirtError(Exception):
    def __init__(self, code, message="libvirt said no"):
        super().__init__(message)
        self.code = code

    def get_error_code(self):
        return self.code

    def get_error_message(self):
        return str(self)


FAKE_LIBVIRT = types.SimpleNamespace(
    libvirtError=FakeLibvirtError, VIR_ERR_NO_STORAGE_POOL=49, VIR_ERR_NO_STORAGE_VOL=50,
    VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE=2, VIR_CONNECT_LIST_DOMAINS_ACTIVE=1, VIR_STORAGE_VOL_WIPE_ALG_ZERO=0,
    VIR_ERR_NO_CONNECT=38, VIR_ERR_AUTH_FAILED=45, VIR_ERR_NO_SECRET=66, VIR_ERR_NO_SUPPORT=3, VIR_ERR_XML_ERROR=27)


class FakeVolume:
    def __init__(self, pool, xml):
        self.pool, self.xml = pool, xml

    def name(self):
        return from_xml(self.xml).name

    def XMLDesc(self, flags):
        return self.xml

    def resize(self, capacity, flags):
        self.pool.calls.append(("resize", from_xml(self.xml).name, capacity, flags))

    def delete(self, flags):
        self.pool.calls.append(("delete", from_xml(self.xml).name))


class FakePool:
    def __init__(self, definition, volumes=(), active=True):
        self.definition, self.active, self.calls = definition, active, []
        self.volumes = {from_xml(xml).name: FakeVolume(self, xml) for xml in volumes}

    def name(self):
        return self.definition.name

    def isActive(self):
        return self.active

    def refresh(self, flags):
        self.calls.append(("refresh",))

    def XMLDesc(self, flags):
        return pool_to_xml(self.definition)

    def storageVolLookupByName(self, name):
        if name not in self.volumes:
            raise FakeLibvirtError(FAKE_LIBVIRT.VIR_ERR_NO_STORAGE_VOL, "Storage volume not found")
        return self.volumes[name]

    def listAllVolumes(self, flags):
        return list(self.volumes.values())

    def createXML(self, xml, flags):
        self.calls.append(("createXML", xml, flags))


class FakeConnection:
    def __init__(self, pools, domains=()):
        self.pools = {pool.name(): pool for pool in pools}
        self.domains = list(domains)

    def storagePoolLookupByName(self, name):
        if name not in self.pools:
            raise FakeLibvirtError(FAKE_LIBVIRT.VIR_ERR_NO_STORAGE_POOL, "Storage pool not found")
        return self.pools[name]

    def listAllStoragePools(self, flags):
        assert flags == FAKE_LIBVIRT.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE
        return [pool for pool in self.pools.values() if pool.active]

    def listAllDomains(self, flags):
        return [types.SimpleNamespace(name=lambda name=name: name, isActive=lambda running=running: running,
                                      XMLDesc=lambda flags, xml=xml: xml) for name, running, xml in self.domains]


class FakeNode:
    def permission_drift(self, path, mode, owner, group):
        return None


@pytest.fixture(autouse=True)
def fake_libvirt(monkeypatch):
    monkeypatch.setattr(_volumes, "libvirt", FAKE_LIBVIRT)
    monkeypatch.setattr(_libvirt, "libvirt", FAKE_LIBVIRT)


def volume_xml(name, capacity, volume_format="qcow2", directory="/var/lib/limiquantix/images", backing=None):
    path = "%s/%s" % (directory, name)
    backing_xml = "<backingStore><path>%s</path><format type='raw'/></backingStore>" % backing if backing else ""
    return ("<volume type='file'><name>%s</name><key>%s</key><capacity unit='bytes'>%d</capacity>"
            "<allocation unit='bytes'>0</allocation><target><path>%s</path><format type='%s'/></target>%s</volume>"
            % (name, path, capacity, path, volume_format, backing_xml))


def request(pool="images", name="new.qcow2", **fields):
    values = dict(state="present", capacity=None, format=None, preallocation="off", mode=None, owner=None,
                  group=None, clone_pool=None, clone_name=None, copy_on_write=False, upload_from=None,
                  upload_compare="checksum", allow_shrink=False, force=False, wipe=None, disk_target="vda",
                  disk_bus="virtio")
    values.update(fields)
    return VolumeRequest(pool=pool, name=name, **values)


def manager(*pools, domains=()):
    return VolumeManager(FakeConnection(pools, domains), FakeNode())


def test_plan_create():
    pool = FakePool(IMAGES)
    volume_plan = manager(pool).plan(request(capacity=GIB))
    assert volume_plan.current is None
    assert volume_plan.desired == VolumeDefinition(name="new.qcow2", capacity=GIB, format="qcow2", allocation=0)
    assert volume_plan.plan.action_descriptions() == ["create volume images/new.qcow2 (qcow2, 1.0 GiB)"]
    assert (volume_plan.plan.before, volume_plan.plan.after) == (None, {"capacity": GIB, "format": "qcow2"})
    assert not [call for call in pool.calls if call[0] == "createXML"], "planning changes nothing"
    volume_plan.plan.actions[0].run()
    assert pool.calls[-1] == ("createXML", to_xml(volume_plan.desired), 0)


class CountingVolume(FakeVolume):
    """A FakeVolume that counts how often its definition is read."""

    reads = 0

    def XMLDesc(self, flags):
        CountingVolume.reads += 1
        return super().XMLDesc(flags)


def test_prefetch_reads_each_named_volume_once_and_planning_uses_it():
    pool = FakePool(IMAGES, [volume_xml("a.qcow2", GIB), volume_xml("b.qcow2", GIB), volume_xml("other", GIB)])
    pool.volumes = {name: CountingVolume(pool, volume.xml) for name, volume in pool.volumes.items()}
    CountingVolume.reads = 0
    volumes = manager(pool)
    requests = [request(name="a.qcow2", capacity=GIB), request(name="c.qcow2", clone_name="b.qcow2",
                                                               clone_pool="images")]
    volumes.prefetch(requests)
    assert CountingVolume.reads == 2, "a.qcow2 and the clone source b.qcow2, not the volume nobody named"
    plans = [volumes.plan(item) for item in requests]
    assert CountingVolume.reads == 2
    assert plans[0].current.capacity == GIB and not plans[0].plan.changed
    assert plans[1].plan.action_descriptions() == ["create volume images/c.qcow2 as a full copy of images/b.qcow2"]


def test_prefetch_leaves_a_missing_pool_to_planning():
    volumes = manager(FakePool(IMAGES))
    volumes.prefetch([request(pool="nowhere", name="a", capacity=GIB)])
    with pytest.raises(LqError, match="pool nowhere does not exist"):
        volumes.plan(request(pool="nowhere", name="a", capacity=GIB))


class StoppingPool(FakePool):
    """An rbd pool whose cluster rejects the key: libvirt stops a pool whose refresh fails."""

    def refresh(self, flags):
        self.active = False
        raise FakeLibvirtError(1, "failed to connect to the RADOS monitor on: 127.0.0.1")


def test_a_pool_that_failed_to_read_fails_again_with_the_first_message():
    volumes = manager(StoppingPool(IMAGES))
    volumes.prefetch([request(capacity=GIB)])
    with pytest.raises(LqError, match="reading pool images failed: failed to connect to the RADOS monitor"):
        volumes.plan(request(capacity=GIB))


def test_plan_create_preallocated_metadata():
    pool = FakePool(IMAGES)
    volume_plan = manager(pool).plan(request(capacity=GIB, preallocation="metadata"))
    volume_plan.plan.actions[0].run()
    assert pool.calls[-1][2] == 1, "VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA"


def test_plan_create_preallocated_full():
    volume_plan = manager(FakePool(IMAGES)).plan(request(capacity=GIB, format="raw", preallocation="full"))
    assert volume_plan.desired.allocation == GIB and volume_plan.desired.format == "raw"


def test_plan_create_needs_a_capacity():
    with pytest.raises(LqError, match="capacity is required to create volume images/new.qcow2"):
        manager(FakePool(IMAGES)).plan(request())


def test_plan_create_raw_in_a_logical_pool():
    vg = FakePool(PoolDefinition(name="vg_vms", type="logical", target_path="/dev/vg_vms", source_name="vg_vms"))
    volume_plan = manager(vg).plan(request("vg_vms", "data", capacity=GIB))
    assert volume_plan.desired.format == "raw"
    # Fully allocated whatever preallocation says: a sparse LV is a snapshot that LVM invalidates once it fills.
    assert volume_plan.desired.allocation == GIB
    with pytest.raises(LqError, match="format qcow2 is not one a logical pool holds"):
        manager(vg).plan(request("vg_vms", "data", capacity=GIB, format="qcow2"))


def test_plan_unknown_pool():
    with pytest.raises(LqError, match="pool nowhere does not exist"):
        manager(FakePool(IMAGES)).plan(request("nowhere", capacity=GIB))


def test_plan_inactive_pool():
    with pytest.raises(LqError, match="pool images is not running"):
        manager(FakePool(IMAGES, active=False)).plan(request(capacity=GIB))


def test_plan_unchanged():
    volume_plan = manager(FakePool(IMAGES, [volume_xml("web1.qcow2", GIB)])).plan(
        request(name="web1.qcow2", capacity=GIB, format="qcow2"))
    assert volume_plan.plan.actions == []
    assert volume_plan.plan.before == volume_plan.plan.after == {"capacity": GIB, "format": "qcow2"}


def test_plan_grow():
    pool = FakePool(IMAGES, [volume_xml("web1.qcow2", GIB)])
    volume_plan = manager(pool).plan(request(name="web1.qcow2", capacity=2 * GIB))
    assert volume_plan.plan.action_descriptions() == ["grow volume images/web1.qcow2 from 1.0 GiB to 2.0 GiB"]
    volume_plan.plan.actions[0].run()
    assert pool.calls[-1] == ("resize", "web1.qcow2", 2 * GIB, 0)


def test_plan_shrink_is_guarded():
    pool = FakePool(IMAGES, [volume_xml("web1.qcow2", 2 * GIB)])
    with pytest.raises(LqError, match="shrinking it to 1.0 GiB would destroy the data at its end"):
        manager(pool).plan(request(name="web1.qcow2", capacity=GIB))
    volume_plan = manager(pool).plan(request(name="web1.qcow2", capacity=GIB, allow_shrink=True))
    volume_plan.plan.actions[0].run()
    assert pool.calls[-1] == ("resize", "web1.qcow2", GIB, 4)


class LvmNode(FakeNode):
    def __init__(self, rc=0):
        self.rc, self.commands = rc, []

    def binary(self, name, package):
        return "/usr/sbin/%s" % name

    def run(self, argv):
        self.commands.append(argv)
        return self.rc, "", "  Insufficient free space: 256 extents needed, but only 12 available" if self.rc else ""


@pytest.mark.parametrize("capacity, verb", [(2 * GIB, "grow"), (GIB // 2, "shrink")])
def test_plan_resize_of_a_logical_volume_is_lvms(capacity, verb):
    # libvirt's logical driver cannot resize volumes.
    vg = FakePool(PoolDefinition(name="vg_vms", type="logical", target_path="/dev/vg_vms", source_name="vg_vms"),
                  [volume_xml("data", GIB, "raw", "/dev/vg_vms")])
    node = LvmNode()
    volume_plan = VolumeManager(FakeConnection([vg]), node).plan(request("vg_vms", "data", capacity=capacity,
                                                                         allow_shrink=True))
    assert volume_plan.plan.action_descriptions() == ["%s volume vg_vms/data from 1.0 GiB to %s (lvresize)"
                                                      % (verb, format_size(capacity))]
    volume_plan.plan.actions[0].run()
    assert node.commands == [["/usr/sbin/lvresize", "--force", "--size", "%db" % capacity, "/dev/vg_vms/data"]]
    assert vg.calls[-1] == ("refresh",)
    node.rc = 5
    with pytest.raises(LqError, match="resizing logical volume /dev/vg_vms/data with lvresize failed: Insufficient"):
        volume_plan.plan.actions[0].run()


def test_plan_format_is_not_converted():
    with pytest.raises(LqError, match="volume images/web1.qcow2 is qcow2, not raw"):
        manager(FakePool(IMAGES, [volume_xml("web1.qcow2", GIB)])).plan(request(name="web1.qcow2", format="raw"))


def test_plan_copy_on_write_clone():
    pool = FakePool(IMAGES, [volume_xml("base.raw", GIB, "raw")])
    volume_plan = manager(pool).plan(request(name="web1.qcow2", clone_pool="images", clone_name="base.raw",
                                             copy_on_write=True))
    assert volume_plan.desired == VolumeDefinition(
        name="web1.qcow2", capacity=GIB, format="qcow2", backing_path="/var/lib/limiquantix/images/base.raw",
        backing_format="raw")
    assert volume_plan.plan.action_descriptions() == [
        "create volume images/web1.qcow2 as a copy-on-write clone of images/base.raw"]


def test_plan_clone_of_a_missing_volume():
    with pytest.raises(LqError, match="clone_from: volume images/base.raw does not exist"):
        manager(FakePool(IMAGES)).plan(request(name="web1.qcow2", clone_pool="images", clone_name="base.raw"))


def test_plan_create_and_clone_in_one_task():
    volumes = manager(FakePool(IMAGES))
    volumes.plan(request(name="base.qcow2", capacity=GIB))
    clone = volumes.plan(request(name="web1.qcow2", clone_pool="images", clone_name="base.qcow2",
                                 copy_on_write=True))
    assert clone.desired.backing_path == "/var/lib/limiquantix/images/base.qcow2"
    assert clone.desired.backing_format == "qcow2"


def test_plan_permissions_only_for_file_pools():
    vg = FakePool(PoolDefinition(name="vg_vms", type="logical", target_path="/dev/vg_vms", source_name="vg_vms"))
    with pytest.raises(LqError, match="mode apply to volumes of file-based pools"):
        manager(vg).plan(request("vg_vms", "data", capacity=GIB, mode="0600"))


def test_plan_iscsi_luns_are_not_created():
    san = FakePool(PoolDefinition(name="san", type="iscsi", target_path="/dev/disk/by-path", devices=("iqn.x",),
                                  hosts=(Host("10.0.0.20"),)))
    with pytest.raises(LqError, match="lq_volume cannot create them"):
        manager(san).plan(request("san", "unit:0:0:1", capacity=GIB))


def test_plan_absent_of_a_missing_volume():
    volume_plan = manager(FakePool(IMAGES)).plan(request(state="absent"))
    assert volume_plan.plan.actions == [] and volume_plan.desired is None


def test_plan_absent():
    pool = FakePool(IMAGES, [volume_xml("old.qcow2", GIB)])
    volume_plan = manager(pool).plan(request(name="old.qcow2", state="absent", wipe="zero"))
    assert volume_plan.plan.action_descriptions() == ["wipe volume images/old.qcow2 (zero)",
                                                      "delete volume images/old.qcow2"]
    assert volume_plan.plan.after is None
    volume_plan.plan.actions[1].run()
    assert pool.calls[-1] == ("delete", "old.qcow2")


def test_plan_absent_refuses_a_volume_a_domain_uses():
    pool = FakePool(IMAGES, [volume_xml("web1.qcow2", GIB), volume_xml("web2.qcow2", GIB)])
    domain = ("<domain type='kvm'><name>web1</name><devices><disk type='file' device='disk'>"
              "<source file='/var/lib/limiquantix/images/web1.qcow2'/><target dev='vda'/></disk></devices></domain>")
    volumes = manager(pool, domains=[("web1", True, domain)])
    with pytest.raises(LqError, match=r"refusing to delete volume images/web1.qcow2: domains use it: web1 \(running\)"):
        volumes.plan(request(name="web1.qcow2", state="absent"))
    assert volumes.plan(request(name="web2.qcow2", state="absent")).plan.changed, "a sibling is not in use"
    assert volumes.plan(request(name="web1.qcow2", state="absent", force=True)).plan.changed


def test_plan_absent_refuses_a_backing_file():
    pool = FakePool(IMAGES, [volume_xml("base.raw", GIB, "raw"),
                             volume_xml("web1.qcow2", GIB, backing="/var/lib/limiquantix/images/base.raw")])
    with pytest.raises(LqError, match="copy-on-write volumes are built on it: images/web1.qcow2"):
        manager(pool).plan(request(name="base.raw", state="absent"))


def test_plan_absent_deletes_a_clone_then_its_base():
    pool = FakePool(IMAGES, [volume_xml("base.raw", GIB, "raw"),
                             volume_xml("web1.qcow2", GIB, backing="/var/lib/limiquantix/images/base.raw")])
    volumes = manager(pool)
    volumes.plan(request(name="web1.qcow2", state="absent"))
    assert volumes.plan(request(name="base.raw", state="absent")).plan.changed

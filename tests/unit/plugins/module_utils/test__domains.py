# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.limiquantix.storage.plugins.module_utils._domains import (
    DiskSource,
    DomainUse,
    StorageRef,
    describe_uses,
    disk_sources,
    domains_using,
)

DOMAIN = """<domain type='kvm' id='3'>
  <name>web1</name>
  <uuid>6a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d</uuid>
  <memory unit='KiB'>2097152</memory>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/limiquantix/images/web1.qcow2' index='4'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw'/>
      <source dev='/dev/vg_vms/web1-data' index='3'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='raw'/>
      <source pool='san' volume='unit:0:0:1' mode='host'/>
      <target dev='vdc' bus='virtio'/>
    </disk>
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw'/>
      <auth username='libvirt'>
        <secret type='ceph' usage='client.libvirt'/>
      </auth>
      <source protocol='rbd' name='vms/web1-root' index='1'>
        <host name='10.0.0.1' port='6789'/>
        <host name='2001:db8::3' port='3300'/>
      </source>
      <target dev='vdd' bus='virtio'/>
    </disk>
    <disk type='dir' device='disk'>
      <source dir='/srv/shared'/>
      <target dev='hda' bus='ide'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <interface type='network'>
      <source network='default'/>
    </interface>
  </devices>
</domain>
"""


def domain(name, *sources):
    disks = "".join("<disk type='file' device='disk'><source file='%s'/><target dev='vd%s'/></disk>"
                    % (path, chr(ord("a") + index)) for index, path in enumerate(sources))
    return "<domain type='kvm'><name>%s</name><devices>%s</devices></domain>" % (name, disks)


def test_disk_sources():
    assert disk_sources(DOMAIN) == [
        DiskSource(path="/var/lib/limiquantix/images/web1.qcow2"),
        DiskSource(path="/dev/vg_vms/web1-data"),
        DiskSource(pool="san", volume="unit:0:0:1"),
        DiskSource(protocol="rbd", network_name="vms/web1-root"),
        DiskSource(path="/srv/shared"),
    ]


@pytest.mark.parametrize("xml", [
    "<domain type='kvm'><name>empty</name></domain>",
    "<domain type='kvm'><name>empty</name><devices/></domain>",
    "<domain type='kvm'><name>cd</name><devices><disk type='file' device='cdrom'><target dev='sda'/></disk>"
    "</devices></domain>",
])
def test_disk_sources_none(xml):
    assert disk_sources(xml) == []


IMAGES = StorageRef(pool_name="images", target_path="/var/lib/limiquantix/images",
                    volume_paths=frozenset(["/var/lib/limiquantix/images/web1.qcow2"]))
VG = StorageRef(pool_name="vg_vms", target_path="/dev/vg_vms", volume_paths=frozenset(["/dev/vg_vms/web1-data"]))
SAN = StorageRef(pool_name="san", target_path="/dev/disk/by-path")
CEPH = StorageRef(pool_name="ceph-vms", rbd_pool="vms")


@pytest.mark.parametrize("ref, source, used", [
    # by volume path
    (IMAGES, DiskSource(path="/var/lib/limiquantix/images/web1.qcow2"), True),
    (StorageRef(pool_name="p", volume_paths=frozenset(["/dev/sdb"])), DiskSource(path="/dev/sdb"), True),
    (StorageRef(pool_name="p", volume_paths=frozenset(["/dev/sdb"])), DiskSource(path="/dev/sdc"), False),
    # by pool (and volume) name
    (SAN, DiskSource(pool="san", volume="unit:0:0:1"), True),
    (IMAGES, DiskSource(pool="images", volume="web1.qcow2"), True),
    (IMAGES, DiskSource(pool="images2", volume="web1.qcow2"), False),
    # by target path prefix: files the pool does not list (yet) are still in its directory
    (IMAGES, DiskSource(path="/var/lib/limiquantix/images/not-refreshed.qcow2"), True),
    (IMAGES, DiskSource(path="/var/lib/limiquantix/images/sub/dir/disk.raw"), True),
    (VG, DiskSource(path="/dev/vg_vms/other-lv"), True),
    (IMAGES, DiskSource(path="/var/lib/limiquantix/images2/web1.qcow2"), False),
    (IMAGES, DiskSource(path="/var/lib/limiquantix/image"), False),
    (IMAGES, DiskSource(path="/var/lib/limiquantix/isos/boot.iso"), False),
    (StorageRef(pool_name="root", target_path="/"), DiskSource(path="/var/lib/disk.qcow2"), False),
    (StorageRef(pool_name="p"), DiskSource(path="/var/lib/disk.qcow2"), False),
    # rbd by Ceph pool
    (CEPH, DiskSource(protocol="rbd", network_name="vms/web1-root"), True),
    (CEPH, DiskSource(protocol="rbd", network_name="vms2/web1-root"), False),
    (CEPH, DiskSource(protocol="rbd", network_name="vms"), False),
    (CEPH, DiskSource(protocol="nbd", network_name="vms/web1-root"), False),
    (CEPH, DiskSource(protocol="rbd"), False),
    (StorageRef(pool_name="ceph-vms"), DiskSource(protocol="rbd", network_name="vms/web1-root"), False),
    # nothing in common
    (CEPH, DiskSource(path="/var/lib/limiquantix/images/web1.qcow2"), False),
    (IMAGES, DiskSource(), False),
])
def test_used_by(ref, source, used):
    assert ref.used_by(source) is used


@pytest.mark.parametrize("ref", [IMAGES, VG, SAN, CEPH], ids=["file", "block", "volume", "rbd"])
def test_the_example_domain_uses_each_pool(ref):
    assert domains_using([("web1", True, DOMAIN)], ref) == [DomainUse("web1", True)]


def test_domains_using_sorts_by_name_and_skips_non_users():
    domains = [
        ("zeta", False, domain("zeta", "/var/lib/limiquantix/images/zeta.qcow2")),
        ("other", True, domain("other", "/srv/other/disk.qcow2")),
        ("alpha", True, domain("alpha", "/srv/other/a.qcow2", "/var/lib/limiquantix/images/alpha.qcow2")),
        ("mid", True, "<domain type='kvm'><name>mid</name><devices/></domain>"),
        ("beta", False, domain("beta", "/var/lib/limiquantix/images/web1.qcow2")),
    ]
    assert domains_using(domains, IMAGES) == [DomainUse("alpha", True), DomainUse("beta", False),
                                              DomainUse("zeta", False)]


def test_domains_using_none():
    assert domains_using([], IMAGES) == []
    assert domains_using([("other", True, domain("other", "/srv/x.qcow2"))], IMAGES) == []


def test_describe_uses():
    assert describe_uses([DomainUse("alpha", True), DomainUse("beta", False)]) == "alpha (running), beta (defined)"
    assert describe_uses([]) == ""


# -- one volume (StorageRef.volume_name) -----------------------------------------------------------------------

WEB1_FILE = StorageRef(pool_name="images", volume_name="web1.qcow2",
                       volume_paths=frozenset(["/var/lib/limiquantix/images/web1.qcow2"]))
WEB1_LV = StorageRef(pool_name="vg_vms", volume_name="web1-data", volume_paths=frozenset(["/dev/vg_vms/web1-data"]))
LUN1_PATH = "/dev/disk/by-path/ip-10.0.0.20:3260-iscsi-iqn.2026-01.com.example:san-lun-1"
LUN1 = StorageRef(pool_name="san", volume_name="unit:0:0:1", volume_paths=frozenset([LUN1_PATH]))
WEB1_RBD = StorageRef(pool_name="ceph-vms", volume_name="web1-root", rbd_pool="vms")


@pytest.mark.parametrize("ref, source, used", [
    # by path
    (WEB1_FILE, DiskSource(path="/var/lib/limiquantix/images/web1.qcow2"), True),
    (WEB1_FILE, DiskSource(path="/var/lib/limiquantix/images/web2.qcow2"), False),
    (WEB1_FILE, DiskSource(path="/var/lib/limiquantix/images/web1.qcow2.bak"), False),
    (WEB1_FILE, DiskSource(path="/var/lib/limiquantix/images"), False),
    (WEB1_LV, DiskSource(path="/dev/vg_vms/web1-data"), True),
    (WEB1_LV, DiskSource(path="/dev/vg_vms/web1-data2"), False),
    (WEB1_LV, DiskSource(path="/dev/vg_vms/other-lv"), False),
    (LUN1, DiskSource(path=LUN1_PATH), True),
    (LUN1, DiskSource(path=LUN1_PATH[:-1] + "2"), False),
    # by <source pool= volume=>
    (WEB1_FILE, DiskSource(pool="images", volume="web1.qcow2"), True),
    (WEB1_FILE, DiskSource(pool="images", volume="web2.qcow2"), False),
    (WEB1_FILE, DiskSource(pool="images"), False),
    (WEB1_FILE, DiskSource(pool="images2", volume="web1.qcow2"), False),
    (LUN1, DiskSource(pool="san", volume="unit:0:0:1"), True),
    (LUN1, DiskSource(pool="san", volume="unit:0:0:10"), False),
    (WEB1_RBD, DiskSource(pool="ceph-vms", volume="web1-root"), True),
    (WEB1_RBD, DiskSource(pool="ceph-vms", volume="web2-root"), False),
    # rbd by <ceph pool>/<image>
    (WEB1_RBD, DiskSource(protocol="rbd", network_name="vms/web1-root"), True),
    (WEB1_RBD, DiskSource(protocol="rbd", network_name="vms/web1-root2"), False),
    (WEB1_RBD, DiskSource(protocol="rbd", network_name="vms/web1"), False),
    (WEB1_RBD, DiskSource(protocol="rbd", network_name="vms/other"), False),
    (WEB1_RBD, DiskSource(protocol="rbd", network_name="vms2/web1-root"), False),
    (WEB1_RBD, DiskSource(protocol="rbd", network_name="ceph-vms/web1-root"), False),
    (WEB1_RBD, DiskSource(protocol="nbd", network_name="vms/web1-root"), False),
    (WEB1_RBD, DiskSource(protocol="rbd"), False),
    (StorageRef(pool_name="ceph", volume_name="img", rbd_pool="ceph"),
     DiskSource(protocol="rbd", network_name="ceph/img"), True),
    # nothing in common
    (WEB1_FILE, DiskSource(protocol="rbd", network_name="vms/web1.qcow2"), False),
    (WEB1_RBD, DiskSource(path="/var/lib/limiquantix/images/web1-root"), False),
    (WEB1_FILE, DiskSource(), False),
])
def test_volume_used_by(ref, source, used):
    assert ref.used_by(source) is used


def test_volume_ref_with_a_target_path_does_not_match_other_volumes():
    """One volume's guard must not count a sibling file in the pool's directory as a use of that volume."""
    ref = StorageRef(pool_name="images", target_path="/var/lib/limiquantix/images", volume_name="web1.qcow2",
                     volume_paths=frozenset(["/var/lib/limiquantix/images/web1.qcow2"]))
    assert ref.used_by(DiskSource(path="/var/lib/limiquantix/images/web1.qcow2"))
    assert not ref.used_by(DiskSource(path="/var/lib/limiquantix/images/web2.qcow2"))


@pytest.mark.parametrize("ref", [WEB1_FILE, WEB1_LV, LUN1, WEB1_RBD], ids=["file", "block", "volume", "rbd"])
def test_the_example_domain_uses_each_volume(ref):
    assert domains_using([("web1", True, DOMAIN)], ref) == [DomainUse("web1", True)]


@pytest.mark.parametrize("ref", [
    StorageRef(pool_name="images", volume_name="web2.qcow2",
               volume_paths=frozenset(["/var/lib/limiquantix/images/web2.qcow2"])),
    StorageRef(pool_name="vg_vms", volume_name="web2-data", volume_paths=frozenset(["/dev/vg_vms/web2-data"])),
    StorageRef(pool_name="san", volume_name="unit:0:0:2"),
    StorageRef(pool_name="ceph-vms", volume_name="web2-root", rbd_pool="vms"),
], ids=["file", "block", "volume", "rbd"])
def test_the_example_domain_does_not_use_other_volumes(ref):
    assert domains_using([("web1", True, DOMAIN)], ref) == []


def test_domains_using_a_volume():
    domains = [
        ("web2", False, domain("web2", "/var/lib/limiquantix/images/web2.qcow2")),
        ("web1", True, DOMAIN),
        ("base-user", True, domain("base-user", "/srv/x.raw", "/var/lib/limiquantix/images/web1.qcow2")),
    ]
    assert domains_using(domains, WEB1_FILE) == [DomainUse("base-user", True), DomainUse("web1", True)]

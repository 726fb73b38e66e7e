# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.limiquantix.storage.plugins.module_utils._disk_xml import DISK_KINDS, disk, disk_xml
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import (
    POOL_TYPES,
    Auth,
    Host,
    PoolDefinition,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._volume_xml import VolumeDefinition

CEPH_SECRET_UUID = "2a5b08e4-3dea-4ff1-9e61-9b1e1d4a9c01"
SAN_IQN = "iqn.2026-01.com.example:san"
NODE_IQN = "iqn.2026-01.com.example:node1"

POOLS = {
    "dir": PoolDefinition(name="images", type="dir", target_path="/var/lib/limiquantix/images"),
    "fs": PoolDefinition(name="local-ssd", type="fs", target_path="/srv/local-ssd", devices=("/dev/vdb",),
                         source_format="ext4"),
    "netfs": PoolDefinition(name="shared-nfs", type="netfs", target_path="/srv/shared-nfs",
                            hosts=(Host("nfs.example.com"),), source_dir="/export/vms", source_format="nfs"),
    "logical": PoolDefinition(name="vg_vms", type="logical", target_path="/dev/vg_vms", devices=("/dev/sdb",),
                              source_name="vg_vms", source_format="lvm2"),
    "iscsi": PoolDefinition(name="san", type="iscsi", target_path="/dev/disk/by-path", hosts=(Host("10.0.0.20", 3260),),
                            devices=(SAN_IQN,), initiator_iqn=NODE_IQN,
                            auth=Auth(type="chap", username="node1", secret_usage="iscsi-san")),
    "iscsi-direct": PoolDefinition(name="san-lun", type="iscsi-direct",
                                   hosts=(Host("san.example.com"), Host("10.0.0.21", 3260)), devices=(SAN_IQN,),
                                   initiator_iqn=NODE_IQN,
                                   auth=Auth(type="chap", username="node1", secret_uuid="6f1cdb43-d5fd")),
    "rbd": PoolDefinition(name="ceph-vms", type="rbd",
                          hosts=(Host("10.0.0.1", 6789), Host("mon2.example.com"), Host("2001:db8::3", 3300)),
                          source_name="vms", auth=Auth(type="ceph", username="libvirt", secret_uuid=CEPH_SECRET_UUID)),
}

VOLUMES = {
    "dir": VolumeDefinition(name="web1.qcow2", capacity=1, format="qcow2",
                            path="/var/lib/limiquantix/images/web1.qcow2"),
    "fs": VolumeDefinition(name="web1.raw", capacity=1, format="raw", path="/srv/local-ssd/web1.raw"),
    "netfs": VolumeDefinition(name="web1.qcow2", capacity=1, format="qcow2", path="/srv/shared-nfs/web1.qcow2"),
    "logical": VolumeDefinition(name="web1-data", capacity=1, path="/dev/vg_vms/web1-data"),
    "iscsi": VolumeDefinition(name="unit:0:0:1", capacity=1,
                              path="/dev/disk/by-path/ip-10.0.0.20:3260-iscsi-%s-lun-1" % SAN_IQN),
    "iscsi-direct": VolumeDefinition(name="unit:0:0:3", capacity=1, path="ip-san.example.com-lun-3"),
    "rbd": VolumeDefinition(name="web1-root", capacity=1, format="raw", path="vms/web1-root", key="vms/web1-root"),
}


def parse_disk(text):
    """The inverse of disk_xml: the <disk> element as the data disk() returns."""
    root = ET.fromstring(text)
    assert root.tag == "disk"
    assert [child.tag for child in root] == ["driver", "source"] + (["auth"] if root.find("auth") is not None
                                                                    else []) + ["target"]
    source = root.find("source")
    source_data = dict(source.attrib)
    if "protocol" in source_data:
        source_data["hosts"] = [dict(host.attrib) for host in source.findall("host")]
    iqn = source.find("initiator/iqn")
    if iqn is not None:
        source_data["initiator_iqn"] = iqn.get("name")
    element = {
        "type": root.get("type"),
        "device": root.get("device"),
        "driver": dict(root.find("driver").attrib),
        "source": source_data,
        "target": dict(root.find("target").attrib),
    }
    auth = root.find("auth")
    if auth is not None:
        assert [child.tag for child in auth] == ["secret"]
        element["auth"] = {"username": auth.get("username"), "secret": dict(auth.find("secret").attrib)}
    return element


def test_every_pool_type_has_a_disk_kind():
    assert set(DISK_KINDS) == set(POOL_TYPES)
    assert set(POOLS) == set(POOL_TYPES)


# -- disk(): the element as data ------------------------------------------------------------------------------

@pytest.mark.parametrize("pool_type", ["dir", "fs", "netfs"])
def test_file_pools(pool_type):
    volume = VOLUMES[pool_type]
    assert disk(POOLS[pool_type], volume) == {
        "type": "file", "device": "disk",
        "driver": {"name": "qemu", "type": volume.format},
        "source": {"file": volume.path},
        "target": {"dev": "vda", "bus": "virtio"},
    }


@pytest.mark.parametrize("pool_type", ["logical", "iscsi"])
def test_block_pools(pool_type):
    volume = VOLUMES[pool_type]
    assert disk(POOLS[pool_type], volume) == {
        "type": "block", "device": "disk",
        "driver": {"name": "qemu", "type": "raw"},
        "source": {"dev": volume.path},
        "target": {"dev": "vda", "bus": "virtio"},
    }


def test_iscsi_pool_auth_is_not_on_the_disk():
    """The node's kernel initiator logged in (with the pool's CHAP); the domain opens a plain block device."""
    assert "auth" not in disk(POOLS["iscsi"], VOLUMES["iscsi"])


def test_rbd():
    assert disk(POOLS["rbd"], VOLUMES["rbd"]) == {
        "type": "network", "device": "disk",
        "driver": {"name": "qemu", "type": "raw"},
        "source": {"protocol": "rbd", "name": "vms/web1-root", "hosts": [
            {"name": "10.0.0.1", "port": "6789"},
            {"name": "mon2.example.com"},
            {"name": "2001:db8::3", "port": "3300"},
        ]},
        "auth": {"username": "libvirt", "secret": {"type": "ceph", "uuid": CEPH_SECRET_UUID}},
        "target": {"dev": "vda", "bus": "virtio"},
    }


def test_rbd_secret_by_usage():
    pool = PoolDefinition(name="ceph-vms", type="rbd", hosts=(Host("mon1"),), source_name="vms",
                          auth=Auth(type="ceph", username="admin", secret_usage="client.admin secret"))
    assert disk(pool, VOLUMES["rbd"])["auth"] == {
        "username": "admin", "secret": {"type": "ceph", "usage": "client.admin secret"}}


def test_rbd_image_name_uses_the_ceph_pool_name():
    """<source name> is <ceph pool>/<image>: the libvirt pool's <source><name>, not the libvirt pool's name."""
    assert disk(POOLS["rbd"], VOLUMES["rbd"])["source"]["name"] == "vms/web1-root"


def test_rbd_without_source_name_uses_the_pool_name():
    pool = PoolDefinition(name="ceph", type="rbd", hosts=(Host("mon1"),))
    assert disk(pool, VolumeDefinition(name="img", capacity=1))["source"]["name"] == "ceph/img"


def test_rbd_without_auth():
    pool = PoolDefinition(name="ceph", type="rbd", hosts=(Host("mon1"),), source_name="ceph")
    element = disk(pool, VolumeDefinition(name="img", capacity=1))
    assert "auth" not in element
    assert element["source"] == {"protocol": "rbd", "name": "ceph/img", "hosts": [{"name": "mon1"}]}


def test_rbd_every_monitor_in_order():
    hosts = tuple(Host("mon%d" % index, 6789 + index if index % 2 else None) for index in range(5))
    pool = PoolDefinition(name="ceph", type="rbd", hosts=hosts, source_name="rbd")
    assert disk(pool, VolumeDefinition(name="img", capacity=1))["source"]["hosts"] == [
        {"name": "mon0"}, {"name": "mon1", "port": "6790"}, {"name": "mon2"}, {"name": "mon3", "port": "6792"},
        {"name": "mon4"}]


def test_rbd_driver_is_raw_without_a_format():
    element = disk(POOLS["rbd"], VolumeDefinition(name="img", capacity=1))
    assert element["driver"] == {"name": "qemu", "type": "raw"}


def test_iscsi_direct():
    assert disk(POOLS["iscsi-direct"], VOLUMES["iscsi-direct"]) == {
        "type": "network", "device": "disk",
        "driver": {"name": "qemu", "type": "raw"},
        "source": {"protocol": "iscsi", "name": "%s/3" % SAN_IQN,
                   "hosts": [{"name": "san.example.com"}, {"name": "10.0.0.21", "port": "3260"}],
                   "initiator_iqn": NODE_IQN},
        "auth": {"username": "node1", "secret": {"type": "iscsi", "uuid": "6f1cdb43-d5fd"}},
        "target": {"dev": "vda", "bus": "virtio"},
    }


@pytest.mark.parametrize("volume_name, lun", [("unit:0:0:0", "0"), ("unit:0:0:1", "1"), ("unit:0:0:17", "17"),
                                              ("unit:0:1:255", "255")])
def test_iscsi_direct_lun_from_the_volume_name(volume_name, lun):
    element = disk(POOLS["iscsi-direct"], VolumeDefinition(name=volume_name, capacity=1))
    assert element["source"]["name"] == "%s/%s" % (SAN_IQN, lun)


def test_iscsi_direct_secret_by_usage_and_no_initiator():
    pool = PoolDefinition(name="san-lun", type="iscsi-direct", hosts=(Host("san"),), devices=(SAN_IQN,),
                          auth=Auth(type="chap", username="u", secret_usage="iscsi-san"))
    element = disk(pool, VolumeDefinition(name="unit:0:0:2", capacity=1))
    assert "initiator_iqn" not in element["source"]
    assert element["auth"] == {"username": "u", "secret": {"type": "iscsi", "usage": "iscsi-san"}}


def test_iscsi_direct_without_auth():
    pool = PoolDefinition(name="san-lun", type="iscsi-direct", hosts=(Host("san"),), devices=(SAN_IQN,),
                          initiator_iqn=NODE_IQN)
    assert "auth" not in disk(pool, VolumeDefinition(name="unit:0:0:2", capacity=1))


@pytest.mark.parametrize("volume_format", ["qcow2", "raw"])
def test_driver_type_is_the_volume_format(volume_format):
    volume = VolumeDefinition(name="a", capacity=1, format=volume_format, path="/srv/a")
    assert disk(POOLS["dir"], volume)["driver"] == {"name": "qemu", "type": volume_format}


def test_driver_type_defaults_to_raw():
    volume = VolumeDefinition(name="a", capacity=1, path="/srv/a")
    assert disk(POOLS["dir"], volume)["driver"] == {"name": "qemu", "type": "raw"}


@pytest.mark.parametrize("pool_type", sorted(POOLS))
@pytest.mark.parametrize("dev, bus", [("vda", "virtio"), ("vdb", "virtio"), ("sda", "scsi"), ("sdc", "sata"),
                                      ("hda", "ide")])
def test_target(pool_type, dev, bus):
    assert disk(POOLS[pool_type], VOLUMES[pool_type], dev, bus)["target"] == {"dev": dev, "bus": bus}
    assert disk(POOLS[pool_type], VOLUMES[pool_type], target_dev=dev, bus=bus)["target"] == {"dev": dev, "bus": bus}


def test_disk_is_plain_data():
    """It goes into module results as is: only dicts, lists and strings."""
    def check(value):
        if isinstance(value, dict):
            assert all(isinstance(key, str) for key in value)
            for item in value.values():
                check(item)
        elif isinstance(value, list):
            for item in value:
                check(item)
        else:
            assert isinstance(value, str), value
    for pool_type in POOLS:
        check(disk(POOLS[pool_type], VOLUMES[pool_type]))


# -- disk_xml(): the element as XML ------------------------------------------------------------------------------

@pytest.mark.parametrize("pool_type", sorted(POOLS))
def test_disk_xml_parses_back_to_the_same_data(pool_type):
    element = disk(POOLS[pool_type], VOLUMES[pool_type], "vdc", "scsi")
    assert parse_disk(disk_xml(element)) == element


def test_disk_xml_file():
    assert disk_xml(disk(POOLS["dir"], VOLUMES["dir"])) == (
        '<disk type="file" device="disk">\n'
        '  <driver name="qemu" type="qcow2" />\n'
        '  <source file="/var/lib/limiquantix/images/web1.qcow2" />\n'
        '  <target dev="vda" bus="virtio" />\n'
        '</disk>')


def test_disk_xml_block():
    root = ET.fromstring(disk_xml(disk(POOLS["logical"], VOLUMES["logical"], "vdb")))
    assert root.attrib == {"type": "block", "device": "disk"}
    assert root.find("source").attrib == {"dev": "/dev/vg_vms/web1-data"}
    assert root.find("target").attrib == {"dev": "vdb", "bus": "virtio"}


def test_disk_xml_rbd():
    root = ET.fromstring(disk_xml(disk(POOLS["rbd"], VOLUMES["rbd"])))
    assert root.attrib == {"type": "network", "device": "disk"}
    assert root.find("driver").attrib == {"name": "qemu", "type": "raw"}
    source = root.find("source")
    assert source.attrib == {"protocol": "rbd", "name": "vms/web1-root"}
    assert [host.attrib for host in source.findall("host")] == [
        {"name": "10.0.0.1", "port": "6789"}, {"name": "mon2.example.com"}, {"name": "2001:db8::3", "port": "3300"}]
    assert source.find("initiator") is None
    assert root.find("auth").attrib == {"username": "libvirt"}
    assert root.find("auth/secret").attrib == {"type": "ceph", "uuid": CEPH_SECRET_UUID}


def test_disk_xml_iscsi_direct():
    root = ET.fromstring(disk_xml(disk(POOLS["iscsi-direct"], VOLUMES["iscsi-direct"])))
    source = root.find("source")
    assert source.attrib == {"protocol": "iscsi", "name": "%s/3" % SAN_IQN}
    assert [host.attrib for host in source.findall("host")] == [
        {"name": "san.example.com"}, {"name": "10.0.0.21", "port": "3260"}]
    assert source.find("initiator/iqn").attrib == {"name": NODE_IQN}
    assert root.find("auth/secret").attrib == {"type": "iscsi", "uuid": "6f1cdb43-d5fd"}


def test_disk_xml_does_not_change_its_input():
    element = disk(POOLS["iscsi-direct"], VOLUMES["iscsi-direct"])
    copy = {key: (dict(value) if isinstance(value, dict) else value) for key, value in element.items()}
    disk_xml(element)
    assert element == copy and "hosts" in element["source"] and "initiator_iqn" in element["source"]


def test_disk_xml_escapes_attributes():
    volume = VolumeDefinition(name="a", capacity=1, path="/srv/it's \"quoted\" & <odd>.raw")
    element = disk(POOLS["dir"], volume)
    assert parse_disk(disk_xml(element)) == element

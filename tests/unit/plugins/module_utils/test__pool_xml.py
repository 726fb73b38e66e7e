# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import (
    FS_NAMESPACE,
    POOL_TYPES,
    RBD_NAMESPACE,
    Auth,
    Host,
    PoolDefinition,
    PoolXmlError,
    from_xml,
    normalized,
    to_xml,
)

CEPH_SECRET_UUID = "2a5b08e4-3dea-4ff1-9e61-9b1e1d4a9c01"

# One definition per pool type (several for some), each using every field that type manages.
DEFINITIONS = {
    "dir": PoolDefinition(name="images", type="dir", target_path="/var/lib/limiquantix/images"),
    "dir-permissions": PoolDefinition(
        name="images", type="dir", target_path="/var/lib/limiquantix/images",
        target_mode="0711", target_owner=107, target_group=0),
    "fs": PoolDefinition(
        name="local-ssd", type="fs", target_path="/srv/local-ssd", devices=("/dev/vdb",), source_format="ext4",
        target_mode="0755", mount_options=("noatime", "discard")),
    "fs-auto": PoolDefinition(
        name="local-ssd", type="fs", target_path="/srv/local-ssd", devices=("/dev/vdb",), source_format="auto"),
    "netfs": PoolDefinition(
        name="shared-nfs", type="netfs", target_path="/srv/shared-nfs", hosts=(Host("nfs.example.com"),),
        source_dir="/export/vms", source_format="nfs", protocol_version="4.2",
        mount_options=("nconnect=4", "soft", "timeo=600")),
    "logical": PoolDefinition(
        name="vg_vms", type="logical", target_path="/dev/vg_vms", devices=("/dev/sdb", "/dev/sdc"),
        source_name="vg_vms", source_format="lvm2"),
    "iscsi": PoolDefinition(
        name="san", type="iscsi", target_path="/dev/disk/by-path", hosts=(Host("10.0.0.20", 3260),),
        devices=("iqn.2026-01.com.example:san",), initiator_iqn="iqn.2026-01.com.example:node1",
        auth=Auth(type="chap", username="node1", secret_usage="iscsi-san")),
    "iscsi-direct": PoolDefinition(
        name="san-lun", type="iscsi-direct", hosts=(Host("san.example.com"),),
        devices=("iqn.2026-01.com.example:san",), initiator_iqn="iqn.2026-01.com.example:node1",
        auth=Auth(type="chap", username="node1", secret_uuid="6f1cdb43-d5fd-4cfe-8a1b-6ad1ab19e6f4")),
    "rbd-uuid": PoolDefinition(
        name="ceph-vms", type="rbd",
        hosts=(Host("10.0.0.1", 6789), Host("mon2.example.com"), Host("2001:db8::3", 3300), Host("2001:db8::4")),
        source_name="vms", auth=Auth(type="ceph", username="libvirt", secret_uuid=CEPH_SECRET_UUID),
        rbd_options=(("client_mount_timeout", "10"), ("rados_osd_op_timeout", "30")),
        volume_allocation_default=True),
    "rbd-usage": PoolDefinition(
        name="ceph-vms", type="rbd", hosts=(Host("10.0.0.1", 6789),), source_name="vms",
        auth=Auth(type="ceph", username="libvirt", secret_usage="client.libvirt secret")),
    "rbd-minimal": PoolDefinition(name="ceph", type="rbd", hosts=(Host("mon1"),), source_name="ceph"),
}


def test_every_pool_type_has_a_round_trip_case():
    assert {definition.type for definition in DEFINITIONS.values()} == set(POOL_TYPES)


@pytest.mark.parametrize("definition", list(DEFINITIONS.values()), ids=list(DEFINITIONS))
def test_round_trip(definition):
    assert normalized(definition) == definition, "the fixture itself must be in normal form"
    assert from_xml(to_xml(definition)) == definition


@pytest.mark.parametrize("definition", list(DEFINITIONS.values()), ids=list(DEFINITIONS))
def test_to_xml_is_stable(definition):
    assert to_xml(from_xml(to_xml(definition))) == to_xml(definition)


def test_to_xml_netfs_shape():
    pool = ET.fromstring(to_xml(DEFINITIONS["netfs"]))
    assert pool.tag == "pool" and pool.get("type") == "netfs"
    assert pool.findtext("name") == "shared-nfs"
    assert pool.find("source/host").attrib == {"name": "nfs.example.com"}
    assert pool.find("source/dir").get("path") == "/export/vms"
    assert pool.find("source/format").get("type") == "nfs"
    assert pool.find("source/protocol").get("ver") == "4.2"
    assert pool.findtext("target/path") == "/srv/shared-nfs"
    options = pool.findall("{%s}mount_opts/{%s}option" % (FS_NAMESPACE, FS_NAMESPACE))
    assert [option.get("name") for option in options] == ["nconnect=4", "soft", "timeo=600"]


def test_to_xml_declares_the_fs_namespace_with_the_fs_prefix():
    text = to_xml(DEFINITIONS["netfs"])
    assert 'xmlns:fs="%s"' % FS_NAMESPACE in text
    assert "<fs:mount_opts>" in text


def test_to_xml_rbd_shape():
    text = to_xml(DEFINITIONS["rbd-uuid"])
    assert 'xmlns:rbd="%s"' % RBD_NAMESPACE in text
    pool = ET.fromstring(text)
    assert [host.attrib for host in pool.findall("source/host")] == [
        {"name": "10.0.0.1", "port": "6789"}, {"name": "mon2.example.com"},
        {"name": "2001:db8::3", "port": "3300"}, {"name": "2001:db8::4"}]
    assert pool.findtext("source/name") == "vms"
    assert pool.find("source/auth").attrib == {"type": "ceph", "username": "libvirt"}
    assert pool.find("source/auth/secret").attrib == {"uuid": CEPH_SECRET_UUID}
    assert pool.find("refresh/volume").get("allocation") == "default"
    options = pool.findall("{%s}config_opts/{%s}option" % (RBD_NAMESPACE, RBD_NAMESPACE))
    assert [option.attrib for option in options] == [
        {"name": "client_mount_timeout", "value": "10"}, {"name": "rados_osd_op_timeout", "value": "30"}]


def test_to_xml_iscsi_shape():
    pool = ET.fromstring(to_xml(DEFINITIONS["iscsi"]))
    assert pool.find("source/host").attrib == {"name": "10.0.0.20", "port": "3260"}
    assert pool.find("source/device").get("path") == "iqn.2026-01.com.example:san"
    assert pool.find("source/auth").attrib == {"type": "chap", "username": "node1"}
    assert pool.find("source/auth/secret").attrib == {"usage": "iscsi-san"}
    assert pool.find("source/initiator/iqn").get("name") == "iqn.2026-01.com.example:node1"


def test_to_xml_leaves_out_what_is_not_set():
    pool = ET.fromstring(to_xml(PoolDefinition(name="images", type="dir", target_path="/srv/images")))
    assert pool.find("source") is None
    assert pool.find("target/permissions") is None
    assert pool.find("refresh") is None
    assert [child.tag for child in pool] == ["name", "target"]


def test_to_xml_writes_only_the_permissions_given():
    pool = ET.fromstring(to_xml(PoolDefinition(name="images", type="dir", target_path="/srv", target_owner=0)))
    assert [child.tag for child in pool.find("target/permissions")] == ["owner"]
    assert pool.findtext("target/permissions/owner") == "0"


def test_to_xml_normalizes():
    definition = PoolDefinition(name="images", type="dir", target_path="/srv/images/", target_mode="755",
                                rbd_options=())
    pool = ET.fromstring(to_xml(definition))
    assert pool.findtext("target/path") == "/srv/images"
    assert pool.findtext("target/permissions/mode") == "0755"


def test_to_xml_sorts_rbd_options():
    definition = dataclasses.replace(DEFINITIONS["rbd-minimal"], rbd_options=(("b_opt", "2"), ("a_opt", "1")))
    pool = ET.fromstring(to_xml(definition))
    options = pool.findall("{%s}config_opts/{%s}option" % (RBD_NAMESPACE, RBD_NAMESPACE))
    assert [option.get("name") for option in options] == ["a_opt", "b_opt"]


# -- XML as libvirt 9.0 prints it (virsh pool-dumpxml --inactive) -----------------------------------------

LIBVIRT_DIR = """<pool type='dir'>
  <name>images</name>
  <uuid>0d3b6e26-5a3c-4e0f-8a7e-4f1f6a1e2c11</uuid>
  <capacity unit='bytes'>107374182400</capacity>
  <allocation unit='bytes'>21474836480</allocation>
  <available unit='bytes'>85899345920</available>
  <source>
  </source>
  <target>
    <path>/var/lib/limiquantix/images/</path>
    <permissions>
      <mode>0711</mode>
      <owner>107</owner>
      <group>0</group>
    </permissions>
  </target>
</pool>
"""

LIBVIRT_FS = """<pool type='fs' xmlns:fs='http://libvirt.org/schemas/storagepool/fs/1.0'>
  <name>local-ssd</name>
  <uuid>7c3f4b0a-3b43-4d69-9a0e-0d3d2a0e7d01</uuid>
  <capacity unit='bytes'>0</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>0</available>
  <source>
    <device path='/dev/vdb'/>
    <format type='auto'/>
  </source>
  <target>
    <path>/srv/local-ssd</path>
    <permissions>
      <mode>755</mode>
    </permissions>
  </target>
  <fs:mount_opts>
    <fs:option name='noatime'/>
  </fs:mount_opts>
</pool>
"""

LIBVIRT_NETFS = """<pool type='netfs' xmlns:fs='http://libvirt.org/schemas/storagepool/fs/1.0'>
  <name>shared-nfs</name>
  <uuid>1e0d1c36-4a40-4b7e-bb4f-1d3e0c9b8a02</uuid>
  <capacity unit='bytes'>1099511627776</capacity>
  <allocation unit='bytes'>549755813888</allocation>
  <available unit='bytes'>549755813888</available>
  <source>
    <host name='nfs.example.com'/>
    <dir path='/export/vms'/>
    <format type='nfs'/>
    <protocol ver='4.2'/>
  </source>
  <target>
    <path>/srv/shared-nfs</path>
    <permissions>
      <mode>0755</mode>
      <owner>0</owner>
      <group>0</group>
    </permissions>
  </target>
  <fs:mount_opts>
    <fs:option name='nconnect=4'/>
    <fs:option name='soft'/>
  </fs:mount_opts>
</pool>
"""

LIBVIRT_LOGICAL = """<pool type='logical'>
  <name>vg_vms</name>
  <uuid>5b8f0a2c-7e0f-4a44-9a4f-2e6c0f1d9b03</uuid>
  <capacity unit='bytes'>0</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>0</available>
  <source>
    <device path='/dev/sdb'/>
    <device path='/dev/sdc'/>
    <name>vg_vms</name>
    <format type='lvm2'/>
  </source>
  <target>
    <path>/dev/vg_vms</path>
  </target>
</pool>
"""

LIBVIRT_ISCSI = """<pool type='iscsi'>
  <name>san</name>
  <uuid>9a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c04</uuid>
  <capacity unit='bytes'>0</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>0</available>
  <source>
    <host name='10.0.0.20' port='3260'/>
    <device path='iqn.2026-01.com.example:san'/>
    <auth type='chap' username='node1'>
      <secret usage='iscsi-san'/>
    </auth>
    <initiator>
      <iqn name='iqn.2026-01.com.example:node1'/>
    </initiator>
  </source>
  <target>
    <path>/dev/disk/by-path</path>
  </target>
</pool>
"""

LIBVIRT_ISCSI_DIRECT = """<pool type='iscsi-direct'>
  <name>san-lun</name>
  <uuid>3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b05</uuid>
  <capacity unit='bytes'>10737418240</capacity>
  <allocation unit='bytes'>10737418240</allocation>
  <available unit='bytes'>0</available>
  <source>
    <host name='san.example.com'/>
    <device path='iqn.2026-01.com.example:san'/>
    <auth type='chap' username='node1'>
      <secret uuid='6f1cdb43-d5fd-4cfe-8a1b-6ad1ab19e6f4'/>
    </auth>
    <initiator>
      <iqn name='iqn.2026-01.com.example:node1'/>
    </initiator>
  </source>
</pool>
"""

LIBVIRT_RBD = """<pool type='rbd' xmlns:rbd='http://libvirt.org/schemas/storagepool/rbd/1.0'>
  <name>ceph-vms</name>
  <uuid>4d3c2b1a-0f9e-4d8c-8b7a-6f5e4d3c2b06</uuid>
  <capacity unit='bytes'>3298534883328</capacity>
  <allocation unit='bytes'>107374182400</allocation>
  <available unit='bytes'>3191160700928</available>
  <source>
    <host name='10.0.0.1' port='6789'/>
    <host name='mon2.example.com'/>
    <host name='2001:db8::3' port='3300'/>
    <host name='2001:db8::4'/>
    <name>vms</name>
    <auth type='ceph' username='libvirt'>
      <secret uuid='2a5b08e4-3dea-4ff1-9e61-9b1e1d4a9c01'/>
    </auth>
  </source>
  <refresh>
    <volume allocation='default'/>
  </refresh>
  <rbd:config_opts>
    <rbd:option name='rados_osd_op_timeout' value='30'/>
    <rbd:option name='client_mount_timeout' value='10'/>
  </rbd:config_opts>
</pool>
"""

LIBVIRT_RBD_USAGE = """<pool type='rbd'>
  <name>ceph-vms</name>
  <uuid>4d3c2b1a-0f9e-4d8c-8b7a-6f5e4d3c2b07</uuid>
  <source>
    <host name='10.0.0.1' port='6789'/>
    <name>vms</name>
    <auth type='ceph' username='libvirt'>
      <secret usage='client.libvirt secret'/>
    </auth>
  </source>
</pool>
"""


@pytest.mark.parametrize("text, expected", [
    (LIBVIRT_DIR, DEFINITIONS["dir-permissions"]),
    (LIBVIRT_FS, PoolDefinition(name="local-ssd", type="fs", target_path="/srv/local-ssd", devices=("/dev/vdb",),
                                source_format="auto", target_mode="0755", mount_options=("noatime",))),
    (LIBVIRT_NETFS, PoolDefinition(name="shared-nfs", type="netfs", target_path="/srv/shared-nfs",
                                   hosts=(Host("nfs.example.com"),), source_dir="/export/vms", source_format="nfs",
                                   protocol_version="4.2", target_mode="0755", target_owner=0, target_group=0,
                                   mount_options=("nconnect=4", "soft"))),
    (LIBVIRT_LOGICAL, DEFINITIONS["logical"]),
    (LIBVIRT_ISCSI, DEFINITIONS["iscsi"]),
    (LIBVIRT_ISCSI_DIRECT, DEFINITIONS["iscsi-direct"]),
    (LIBVIRT_RBD, DEFINITIONS["rbd-uuid"]),
    (LIBVIRT_RBD_USAGE, DEFINITIONS["rbd-usage"]),
], ids=["dir", "fs", "netfs", "logical", "iscsi", "iscsi-direct", "rbd-uuid", "rbd-usage"])
def test_from_xml_libvirt_output(text, expected):
    assert from_xml(text) == expected


def test_from_xml_ignores_runtime_elements():
    stripped = "\n".join(line for line in LIBVIRT_DIR.splitlines()
                         if not any(tag in line for tag in ("<uuid>", "<capacity", "<allocation", "<available")))
    assert from_xml(stripped) == from_xml(LIBVIRT_DIR)


def test_from_xml_empty_source_is_no_source():
    assert from_xml(LIBVIRT_DIR) == from_xml(LIBVIRT_DIR.replace("<source>\n  </source>\n", ""))


def test_from_xml_rbd_auth_by_usage_has_no_uuid():
    auth = from_xml(LIBVIRT_RBD_USAGE).auth
    assert auth == Auth(type="ceph", username="libvirt", secret_uuid=None, secret_usage="client.libvirt secret")


@pytest.mark.parametrize("written, expected", [
    ("755", "0755"),
    ("0755", "0755"),
    ("00755", "0755"),
    ("711", "0711"),
    ("0", "0000"),
])
def test_mode_normalization(written, expected):
    text = "<pool type='dir'><name>p</name><target><path>/p</path><permissions><mode>%s</mode>" \
           "</permissions></target></pool>" % written
    assert from_xml(text).target_mode == expected


def test_mode_spellings_compare_equal():
    short = PoolDefinition(name="p", type="dir", target_path="/p", target_mode="755")
    long = PoolDefinition(name="p", type="dir", target_path="/p/", target_mode="0755")
    assert normalized(short) == normalized(long)
    assert from_xml(to_xml(short)) == from_xml(to_xml(long))


@pytest.mark.parametrize("path, expected", [
    ("/srv/images", "/srv/images"),
    ("/srv/images/", "/srv/images"),
    ("/srv/images//", "/srv/images"),
    ("/", "/"),
    ("  /srv/images  ", "/srv/images"),
])
def test_target_path_normalization(path, expected):
    text = "<pool type='dir'><name>p</name><target><path>%s</path></target></pool>" % path
    assert from_xml(text).target_path == expected


def test_double_quotes_and_whitespace_are_accepted():
    text = '<?xml version="1.0"?>\n<pool type="dir">\n  <name>\n    images\n  </name>\n' \
           '  <target><path>/srv/images</path></target>\n</pool>\n'
    assert from_xml(text) == PoolDefinition(name="images", type="dir", target_path="/srv/images")


def test_as_dict_leaves_out_empty_fields():
    assert DEFINITIONS["dir"].as_dict() == {"name": "images", "type": "dir",
                                            "target_path": "/var/lib/limiquantix/images"}
    assert DEFINITIONS["rbd-uuid"].as_dict() == {
        "name": "ceph-vms", "type": "rbd",
        "hosts": [{"name": "10.0.0.1", "port": 6789}, {"name": "mon2.example.com"},
                  {"name": "2001:db8::3", "port": 3300}, {"name": "2001:db8::4"}],
        "source_name": "vms",
        "auth": {"type": "ceph", "username": "libvirt", "secret_uuid": CEPH_SECRET_UUID},
        "rbd_options": {"client_mount_timeout": "10", "rados_osd_op_timeout": "30"},
        "volume_allocation_default": True,
    }


# -- errors --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("<pool type='dir'><name>p</name>", "not well-formed"),
    ("", "not well-formed"),
    ("not xml at all", "not well-formed"),
    ("<domain type='kvm'><name>vm</name></domain>", "root element must be <pool>, not <domain>"),
    ("<volume><name>v</name></volume>", "not <volume>"),
    ("<pool type='zfs'><name>p</name></pool>", "<pool type='zfs'> is not one of the supported types: dir, fs, netfs"),
    ("<pool><name>p</name></pool>", "<pool type=None> is not one of the supported types"),
    ("<pool type='dir'><target><path>/p</path></target></pool>", "<name> element is missing or empty"),
    ("<pool type='dir'><name>  </name></pool>", "<name> element is missing or empty"),
    ("<pool type='iscsi'><name>p</name><source><host name='h' port='x'/></source></pool>",
     "<host port> must be a number, got 'x'"),
    ("<pool type='dir'><name>p</name><target><permissions><owner>root</owner></permissions></target></pool>",
     "<permissions><owner> must be a number, got 'root'"),
    ("<pool type='dir'><name>p</name><target><permissions><group>wheel</group></permissions></target></pool>",
     "<permissions><group> must be a number, got 'wheel'"),
    ("<pool type='dir'><name>p</name><target><permissions><mode>rwx</mode></permissions></target></pool>",
     "<permissions><mode> must be an octal mode"),
    ("<pool type='dir'><name>p</name><target><permissions><mode>0789</mode></permissions></target></pool>",
     "<permissions><mode> must be an octal mode"),
    ("<pool type='dir'><name>p</name><target><permissions><mode>-1</mode></permissions></target></pool>",
     "<permissions><mode> must be an octal mode"),
])
def test_from_xml_errors(text, message):
    with pytest.raises(PoolXmlError) as excinfo:
        from_xml(text)
    assert message in str(excinfo.value)


def test_pool_xml_error_is_a_value_error():
    assert issubclass(PoolXmlError, ValueError)


def test_to_xml_names_the_uuid_of_a_pool_being_redefined():
    definition = PoolDefinition(name="images", type="dir", target_path="/srv/images")
    uuid = "0d3b6e26-5a3c-4e0f-8a7e-4f1f6a1e2c11"
    assert "<uuid>%s</uuid>" % uuid in to_xml(definition, uuid)
    assert "<uuid>" not in to_xml(definition)
    assert from_xml(to_xml(definition, uuid)) == definition

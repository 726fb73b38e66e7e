# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.limiquantix.storage.plugins.module_utils._volume_xml import (
    VolumeDefinition,
    VolumeXmlError,
    from_xml,
    to_xml,
)

GIB = 1024 ** 3

# Definitions as the collection writes them (only the fields to_xml renders).
DEFINITIONS = {
    "minimal": VolumeDefinition(name="web1.raw", capacity=GIB),
    "qcow2": VolumeDefinition(name="web1.qcow2", capacity=10 * GIB, format="qcow2", allocation=0),
    "preallocated": VolumeDefinition(name="db.raw", capacity=20 * GIB, format="raw", allocation=20 * GIB),
    "permissions": VolumeDefinition(name="web1.qcow2", capacity=GIB, format="qcow2", mode="0600", owner=107,
                                    group=107),
    "mode-only": VolumeDefinition(name="a", capacity=1, mode="0640"),
    "owner-only": VolumeDefinition(name="a", capacity=1, owner=0),
    "group-only": VolumeDefinition(name="a", capacity=1, group=6),
    "cow-clone": VolumeDefinition(name="web2.qcow2", capacity=10 * GIB, format="qcow2",
                                  backing_path="/var/lib/limiquantix/images/base.qcow2", backing_format="qcow2"),
    "cow-clone-of-raw": VolumeDefinition(name="web3.qcow2", capacity=10 * GIB, format="qcow2", mode="0600",
                                         backing_path="/var/lib/limiquantix/images/base.raw", backing_format="raw"),
    "backing-without-format": VolumeDefinition(name="x.qcow2", capacity=GIB, format="qcow2", backing_path="/b"),
    "lun-name": VolumeDefinition(name="unit:0:0:1", capacity=GIB),
}


@pytest.mark.parametrize("volume", list(DEFINITIONS.values()), ids=list(DEFINITIONS))
def test_round_trip(volume):
    assert from_xml(to_xml(volume)) == volume


@pytest.mark.parametrize("volume", list(DEFINITIONS.values()), ids=list(DEFINITIONS))
def test_to_xml_is_stable(volume):
    assert to_xml(from_xml(to_xml(volume))) == to_xml(volume)


def test_to_xml_minimal():
    assert to_xml(VolumeDefinition(name="web1.raw", capacity=GIB)) == (
        "<volume>\n"
        "  <name>web1.raw</name>\n"
        "  <capacity unit=\"bytes\">1073741824</capacity>\n"
        "</volume>")


def test_to_xml_everything():
    root = ET.fromstring(to_xml(VolumeDefinition(
        name="web3.qcow2", capacity=10 * GIB, allocation=0, format="qcow2", mode="0600", owner=107, group=108,
        backing_path="/var/lib/limiquantix/images/base.raw", backing_format="raw")))
    assert root.tag == "volume" and root.attrib == {}
    assert [child.tag for child in root] == ["name", "capacity", "allocation", "target", "backingStore"]
    assert root.findtext("name") == "web3.qcow2"
    assert (root.find("capacity").get("unit"), root.findtext("capacity")) == ("bytes", str(10 * GIB))
    assert (root.find("allocation").get("unit"), root.findtext("allocation")) == ("bytes", "0")
    assert root.find("target/format").attrib == {"type": "qcow2"}
    assert [(child.tag, child.text) for child in root.find("target/permissions")] == [
        ("mode", "0600"), ("owner", "107"), ("group", "108")]
    assert root.find("target/path") is None, "libvirt chooses the path; it is never written"
    assert root.findtext("backingStore/path") == "/var/lib/limiquantix/images/base.raw"
    assert root.find("backingStore/format").attrib == {"type": "raw"}


def test_to_xml_never_writes_reported_fields():
    volume = VolumeDefinition(name="a", capacity=1, path="/srv/a", key="/srv/a", type="file")
    root = ET.fromstring(to_xml(volume))
    assert root.attrib == {} and root.find("key") is None and root.find("target") is None
    assert from_xml(to_xml(volume)) == VolumeDefinition(name="a", capacity=1)


def test_to_xml_omits_allocation_when_unset():
    assert ET.fromstring(to_xml(VolumeDefinition(name="a", capacity=1))).find("allocation") is None


def test_to_xml_zero_allocation_is_written():
    """allocation 0 (sparse) is a value, not an absence."""
    assert ET.fromstring(to_xml(VolumeDefinition(name="a", capacity=1, allocation=0))).findtext("allocation") == "0"


def test_to_xml_owner_zero_is_written():
    root = ET.fromstring(to_xml(VolumeDefinition(name="a", capacity=1, owner=0, group=0)))
    assert [(child.tag, child.text) for child in root.find("target/permissions")] == [("owner", "0"), ("group", "0")]


def test_to_xml_escapes_text():
    volume = VolumeDefinition(name="a&b<c>", capacity=1, backing_path="/srv/x&y")
    assert from_xml(to_xml(volume)) == volume


# -- XML as libvirt 9.0 reports it ----------------------------------------------------------------------------

LIBVIRT_FILE_VOLUME = """<volume type='file'>
  <name>web2.qcow2</name>
  <key>/var/lib/limiquantix/images/web2.qcow2</key>
  <capacity unit='bytes'>10737418240</capacity>
  <allocation unit='bytes'>200704</allocation>
  <physical unit='bytes'>196928</physical>
  <target>
    <path>/var/lib/limiquantix/images/web2.qcow2</path>
    <format type='qcow2'/>
    <permissions>
      <mode>0600</mode>
      <owner>64055</owner>
      <group>64055</group>
      <label>system_u:object_r:svirt_image_t:s0</label>
    </permissions>
    <timestamps>
      <atime>1767225600.123456789</atime>
      <mtime>1767225601.5</mtime>
      <ctime>1767225601.5</ctime>
      <btime>0</btime>
    </timestamps>
    <compat>1.1</compat>
    <clusterSize unit='B'>65536</clusterSize>
    <features/>
  </target>
  <backingStore>
    <path>/var/lib/limiquantix/images/base.raw</path>
    <format type='raw'/>
    <permissions>
      <mode>0644</mode>
      <owner>0</owner>
      <group>0</group>
    </permissions>
    <timestamps>
      <atime>1767225500</atime>
      <mtime>1767225500</mtime>
      <ctime>1767225500</ctime>
    </timestamps>
  </backingStore>
</volume>
"""

LIBVIRT_BLOCK_VOLUME = """<volume type='block'>
  <name>web1-data</name>
  <key>Xz0bJ4-Hc2c-LyWe-Hqf1-2Ewf-3tBq-8fJ0Pv</key>
  <capacity unit='bytes'>4294967296</capacity>
  <allocation unit='bytes'>4294967296</allocation>
  <physical unit='bytes'>4294967296</physical>
  <target>
    <path>/dev/vg_vms/web1-data</path>
    <permissions>
      <mode>0660</mode>
      <owner>0</owner>
      <group>6</group>
    </permissions>
    <timestamps>
      <atime>1767225600.1</atime>
      <mtime>1767225600.1</mtime>
      <ctime>1767225600.1</ctime>
    </timestamps>
  </target>
</volume>
"""

LIBVIRT_RBD_VOLUME = """<volume type='network'>
  <name>web1-root</name>
  <key>vms/web1-root</key>
  <capacity unit='bytes'>21474836480</capacity>
  <allocation unit='bytes'>21474836480</allocation>
  <target>
    <path>vms/web1-root</path>
    <format type='raw'/>
  </target>
</volume>
"""

LIBVIRT_ISCSI_DIRECT_VOLUME = """<volume type='network'>
  <name>unit:0:0:1</name>
  <key>ip-10.0.0.20:3260-iscsi-iqn.2026-01.com.example:san-lun-1</key>
  <capacity unit='bytes'>107374182400</capacity>
  <allocation unit='bytes'>107374182400</allocation>
  <target>
    <path>ip-10.0.0.20:3260-iscsi-iqn.2026-01.com.example:san-lun-1</path>
  </target>
</volume>
"""


def test_from_libvirt_file_volume():
    assert from_xml(LIBVIRT_FILE_VOLUME) == VolumeDefinition(
        name="web2.qcow2", capacity=10737418240, allocation=200704, format="qcow2", mode="0600", owner=64055,
        group=64055, backing_path="/var/lib/limiquantix/images/base.raw", backing_format="raw",
        path="/var/lib/limiquantix/images/web2.qcow2", key="/var/lib/limiquantix/images/web2.qcow2", type="file")


def test_from_libvirt_file_volume_ignores_backing_store_permissions():
    """The backing file's <permissions> (0644, root) must not leak into the volume's own."""
    volume = from_xml(LIBVIRT_FILE_VOLUME)
    assert (volume.mode, volume.owner, volume.group) == ("0600", 64055, 64055)


def test_from_libvirt_block_volume():
    assert from_xml(LIBVIRT_BLOCK_VOLUME) == VolumeDefinition(
        name="web1-data", capacity=4294967296, allocation=4294967296, mode="0660", owner=0, group=6,
        path="/dev/vg_vms/web1-data", key="Xz0bJ4-Hc2c-LyWe-Hqf1-2Ewf-3tBq-8fJ0Pv", type="block")


def test_from_libvirt_rbd_volume():
    assert from_xml(LIBVIRT_RBD_VOLUME) == VolumeDefinition(
        name="web1-root", capacity=21474836480, allocation=21474836480, format="raw", path="vms/web1-root",
        key="vms/web1-root", type="network")


def test_from_libvirt_iscsi_direct_volume():
    volume = from_xml(LIBVIRT_ISCSI_DIRECT_VOLUME)
    assert (volume.name, volume.capacity, volume.format, volume.type) == ("unit:0:0:1", 107374182400, None, "network")
    assert volume.backing_path is None and volume.mode is None


@pytest.mark.parametrize("written, normalized", [("0600", "0600"), ("600", "0600"), ("0", "0000"), ("755", "0755"),
                                                 (" 0640 ", "0640")])
def test_from_xml_normalizes_the_mode(written, normalized):
    xml = "<volume><name>a</name><capacity>1</capacity><target><permissions><mode>%s</mode></permissions></target>" \
          "</volume>" % written
    assert from_xml(xml).mode == normalized


def test_from_xml_strips_whitespace():
    xml = "<volume><name>\n  a  \n</name><capacity unit='bytes'> 42 </capacity><key> k </key></volume>"
    volume = from_xml(xml)
    assert (volume.name, volume.capacity, volume.key) == ("a", 42, "k")


def test_from_xml_empty_elements_are_absent():
    xml = ("<volume><name>a</name><capacity>1</capacity><allocation/><target><path> </path><permissions><mode/>"
           "<owner></owner></permissions></target><backingStore/></volume>")
    assert from_xml(xml) == VolumeDefinition(name="a", capacity=1)


def test_from_xml_empty_backing_store_element():
    """libvirt prints <backingStore/> for a volume without one."""
    assert from_xml("<volume><name>a</name><capacity>1</capacity><backingStore/></volume>").backing_path is None


# -- malformed XML -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("xml, message", [
    ("", "the volume XML is not well-formed"),
    ("<volume><name>a</name>", "the volume XML is not well-formed"),
    ("not xml at all", "the volume XML is not well-formed"),
    ("<pool type='dir'><name>a</name></pool>", "the root element must be <volume>, not <pool>"),
    ("<domain><name>vm</name></domain>", "the root element must be <volume>, not <domain>"),
    ("<volume><name>a</name><capacity>ten</capacity></volume>", "<capacity> must be a number, got 'ten'"),
    ("<volume><name>a</name><capacity>1</capacity><allocation>1.5</allocation></volume>",
     "<allocation> must be a number, got '1.5'"),
    ("<volume><name>a</name><capacity>1</capacity><target><permissions><owner>qemu</owner></permissions></target>"
     "</volume>", "<target/permissions/owner> must be a number, got 'qemu'"),
    ("<volume><name>a</name><capacity>1</capacity><target><permissions><group>kvm</group></permissions></target>"
     "</volume>", "<target/permissions/group> must be a number, got 'kvm'"),
])
def test_malformed(xml, message):
    with pytest.raises(VolumeXmlError) as excinfo:
        from_xml(xml)
    assert str(excinfo.value).startswith(message)


@pytest.mark.parametrize("mode", ["rw-------", "9999", "0x1a", "0600x"])
def test_malformed_mode_is_a_volume_xml_error(mode):
    """A <mode> that is not octal is malformed XML, reported like every other (not a bare ValueError)."""
    xml = "<volume><name>a</name><capacity>1</capacity><target><permissions><mode>%s</mode></permissions></target>" \
          "</volume>" % mode
    with pytest.raises(VolumeXmlError, match="mode"):
        from_xml(xml)


def test_volume_xml_error_is_a_value_error():
    assert issubclass(VolumeXmlError, ValueError)

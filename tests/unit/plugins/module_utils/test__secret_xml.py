# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.limiquantix.storage.plugins.module_utils._secret_xml import (
    USAGE_ELEMENTS,
    SecretDefinition,
    SecretXmlError,
    from_xml,
    to_xml,
)

UUID = "1b0b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10"

# One definition per usage type, each with a different mix of the optional fields.
DEFINITIONS = {
    "ceph": SecretDefinition("ceph", "client.libvirt secret", uuid=UUID, description="cephx key of client.libvirt"),
    "iscsi": SecretDefinition("iscsi", "iscsi-san", uuid="6f1cdb43-d5fd-4cfe-8a1b-6ad1ab19e6f4", private=False),
    "volume": SecretDefinition("volume", "/var/lib/limiquantix/images/luks.img", ephemeral=True),
    "tls": SecretDefinition("tls", "tls-backups", description="TLS key passphrase", private=False, ephemeral=True),
    "vtpm": SecretDefinition("vtpm", "vTPM secret of web1", uuid="0d3b6e26-5a3c-4e0f-8a7e-4f1f6a1e2c11"),
}

# What `virsh secret-dumpxml` prints: indented, with a trailing newline.
LIBVIRT_CEPH = """<secret ephemeral='no' private='yes'>
  <uuid>1b0b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10</uuid>
  <description>cephx key of client.libvirt</description>
  <usage type='ceph'>
    <name>client.libvirt secret</name>
  </usage>
</secret>
"""

LIBVIRT_ISCSI = """<secret ephemeral='no' private='no'>
  <uuid>6f1cdb43-d5fd-4cfe-8a1b-6ad1ab19e6f4</uuid>
  <usage type='iscsi'>
    <target>iscsi-san</target>
  </usage>
</secret>
"""

LIBVIRT_VOLUME = """<secret ephemeral='no' private='yes'>
  <uuid>3c5a8a39-7e0d-4a3b-b4b3-7c2f0e6f1a22</uuid>
  <description>LUKS passphrase</description>
  <usage type='volume'>
    <volume>/var/lib/limiquantix/images/luks.img</volume>
  </usage>
</secret>
"""


def test_every_usage_type_has_a_definition_here():
    assert sorted(DEFINITIONS) == sorted(USAGE_ELEMENTS)


@pytest.mark.parametrize("usage_type", sorted(DEFINITIONS))
def test_round_trip(usage_type):
    definition = DEFINITIONS[usage_type]
    assert from_xml(to_xml(definition)) == definition


@pytest.mark.parametrize("usage_type", sorted(DEFINITIONS))
def test_to_xml_names_the_usage_with_its_element(usage_type):
    definition = DEFINITIONS[usage_type]
    root = ET.fromstring(to_xml(definition))
    assert root.tag == "secret"
    assert root.find("usage").get("type") == usage_type
    assert [child.tag for child in root.find("usage")] == [USAGE_ELEMENTS[usage_type]]
    assert root.find("usage").find(USAGE_ELEMENTS[usage_type]).text == definition.usage_name


def test_to_xml_everything():
    root = ET.fromstring(to_xml(DEFINITIONS["ceph"]))
    assert root.attrib == {"ephemeral": "no", "private": "yes"}
    assert [child.tag for child in root] == ["uuid", "description", "usage"]
    assert root.findtext("uuid") == UUID
    assert root.findtext("description") == "cephx key of client.libvirt"
    assert root.find("usage/name").text == "client.libvirt secret"


def test_to_xml_leaves_out_what_is_not_set():
    """Without a uuid libvirt picks one; an empty description is no description."""
    root = ET.fromstring(to_xml(SecretDefinition("ceph", "c", description="")))
    assert [child.tag for child in root] == ["usage"]


def test_to_xml_flags():
    root = ET.fromstring(to_xml(SecretDefinition("ceph", "c", private=False, ephemeral=True)))
    assert root.attrib == {"ephemeral": "yes", "private": "no"}


def test_to_xml_never_holds_a_value():
    """libvirt's secret XML has no value element; the definition has no value to put there either."""
    assert "value" not in [field.name for field in dataclasses.fields(SecretDefinition)]
    assert ET.fromstring(to_xml(DEFINITIONS["ceph"])).find(".//value") is None


def test_to_xml_escapes():
    definition = SecretDefinition("ceph", "client.a&b <secret>", description="\"quoted\" & 'single'")
    assert from_xml(to_xml(definition)) == definition


def test_to_xml_unknown_usage_type():
    with pytest.raises(SecretXmlError, match="unknown secret usage type 'passphrase'"):
        to_xml(SecretDefinition("passphrase", "x"))


@pytest.mark.parametrize("text, definition", [
    (LIBVIRT_CEPH, DEFINITIONS["ceph"]),
    (LIBVIRT_ISCSI, DEFINITIONS["iscsi"]),
    (LIBVIRT_VOLUME, SecretDefinition("volume", "/var/lib/limiquantix/images/luks.img",
                                      uuid="3c5a8a39-7e0d-4a3b-b4b3-7c2f0e6f1a22", description="LUKS passphrase")),
])
def test_from_libvirt_xml(text, definition):
    assert from_xml(text) == definition


def test_from_libvirt_xml_and_back():
    """What the module writes reads back as libvirt prints it."""
    assert from_xml(to_xml(from_xml(LIBVIRT_CEPH))) == from_xml(LIBVIRT_CEPH)


def test_from_xml_defaults():
    """libvirt's defaults for attributes left out: neither ephemeral nor private."""
    definition = from_xml("<secret><usage type='ceph'><name>c</name></usage></secret>")
    assert definition == SecretDefinition("ceph", "c", uuid=None, description=None, private=False, ephemeral=False)


def test_from_xml_strips_the_uuid_and_name_but_not_the_description():
    definition = from_xml("<secret><uuid>\n  %s\n</uuid><description> two  spaces </description>"
                          "<usage type='ceph'><name>\n  c\n</name></usage></secret>" % UUID)
    assert (definition.uuid, definition.usage_name, definition.description) == (UUID, "c", " two  spaces ")


def test_from_xml_without_usage():
    definition = from_xml("<secret ephemeral='no' private='no'><uuid>%s</uuid></secret>" % UUID)
    assert (definition.usage_type, definition.usage_name, definition.uuid) == ("", "", UUID)


def test_from_xml_unknown_usage_type():
    """A usage type this collection does not know (a newer libvirt's) is kept, without a name."""
    definition = from_xml("<secret><usage type='future'><name>x</name></usage></secret>")
    assert (definition.usage_type, definition.usage_name) == ("future", "")


def test_from_xml_usage_element_of_another_type_is_not_the_name():
    definition = from_xml("<secret><usage type='iscsi'><name>x</name></usage></secret>")
    assert (definition.usage_type, definition.usage_name) == ("iscsi", "")


@pytest.mark.parametrize("text, message", [
    ("<secret>", "secret XML does not parse"),
    ("", "secret XML does not parse"),
    ("<pool type='dir'><name>images</name></pool>", "expected a <secret> element, got <pool>"),
])
def test_from_xml_errors(text, message):
    with pytest.raises(SecretXmlError, match=message):
        from_xml(text)


def test_secret_xml_error_is_a_value_error():
    assert issubclass(SecretXmlError, ValueError)


def test_metadata():
    assert DEFINITIONS["ceph"].metadata() == {
        "uuid": UUID, "usage_type": "ceph", "name": "client.libvirt secret",
        "description": "cephx key of client.libvirt", "private": True, "ephemeral": False}


def test_definitions_are_values():
    """Planning compares definitions with ==, and they can be keys."""
    assert SecretDefinition("ceph", "c") == SecretDefinition("ceph", "c", private=True)
    assert SecretDefinition("ceph", "c") != SecretDefinition("ceph", "c", description="d")
    assert len({SecretDefinition("ceph", "c"), SecretDefinition("ceph", "c")}) == 1

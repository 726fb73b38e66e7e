# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure codec between libvirt secret XML and :class:`SecretDefinition` (metadata only: libvirt never puts a
secret's value in its XML)."""

from __future__ import annotations

import dataclasses
import typing as t
import xml.etree.ElementTree as ET

# The element under <usage> that names the secret, per usage type.
USAGE_ELEMENTS = {"ceph": "name", "iscsi": "target", "volume": "volume", "tls": "name", "vtpm": "name"}


class SecretXmlError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class SecretDefinition:
    usage_type: str
    usage_name: str
    uuid: t.Optional[str] = None
    description: t.Optional[str] = None
    private: bool = True
    ephemeral: bool = False

    def metadata(self) -> t.Dict[str, t.Any]:
        """The definition as results and diffs show it."""
        return {"uuid": self.uuid, "usage_type": self.usage_type, "name": self.usage_name,
                "description": self.description, "private": self.private, "ephemeral": self.ephemeral}


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def to_xml(definition: SecretDefinition) -> str:
    if definition.usage_type not in USAGE_ELEMENTS:
        raise SecretXmlError("unknown secret usage type %r" % definition.usage_type)
    root = ET.Element("secret", ephemeral=_yes_no(definition.ephemeral), private=_yes_no(definition.private))
    if definition.uuid:
        ET.SubElement(root, "uuid").text = definition.uuid
    if definition.description:
        ET.SubElement(root, "description").text = definition.description
    usage = ET.SubElement(root, "usage", type=definition.usage_type)
    ET.SubElement(usage, USAGE_ELEMENTS[definition.usage_type]).text = definition.usage_name
    return ET.tostring(root, encoding="unicode")


def from_xml(text: str) -> SecretDefinition:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise SecretXmlError("secret XML does not parse: %s" % error)
    if root.tag != "secret":
        raise SecretXmlError("expected a <secret> element, got <%s>" % root.tag)
    usage = root.find("usage")
    usage_type = usage.get("type", "") if usage is not None else ""
    element = USAGE_ELEMENTS.get(usage_type)
    return SecretDefinition(
        usage_type=usage_type,
        usage_name=(usage.findtext(element) or "").strip() if usage is not None and element else "",
        uuid=(root.findtext("uuid") or "").strip() or None,
        description=root.findtext("description") or None,
        private=root.get("private", "no") == "yes",
        ephemeral=root.get("ephemeral", "no") == "yes",
    )

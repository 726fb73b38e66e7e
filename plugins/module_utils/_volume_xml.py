# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure codec between libvirt storage volume XML and :class:`VolumeDefinition`."""

from __future__ import annotations

import dataclasses
import typing as t
import xml.etree.ElementTree as ET


class VolumeXmlError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class VolumeDefinition:
    """A volume as created or reported by libvirt; ``allocation`` only matters when creating."""

    name: str
    capacity: int
    format: t.Optional[str] = None
    allocation: t.Optional[int] = None
    mode: t.Optional[str] = None
    owner: t.Optional[int] = None
    group: t.Optional[int] = None
    backing_path: t.Optional[str] = None
    backing_format: t.Optional[str] = None
    # Reported by libvirt, never written.
    path: t.Optional[str] = None
    key: t.Optional[str] = None
    type: t.Optional[str] = None


def to_xml(volume: VolumeDefinition) -> str:
    root = ET.Element("volume")
    ET.SubElement(root, "name").text = volume.name
    ET.SubElement(root, "capacity", {"unit": "bytes"}).text = str(volume.capacity)
    if volume.allocation is not None:
        ET.SubElement(root, "allocation", {"unit": "bytes"}).text = str(volume.allocation)
    target = ET.SubElement(root, "target")
    if volume.format is not None:
        ET.SubElement(target, "format", {"type": volume.format})
    if any(value is not None for value in (volume.mode, volume.owner, volume.group)):
        permissions = ET.SubElement(target, "permissions")
        for tag, value in (("mode", volume.mode), ("owner", volume.owner), ("group", volume.group)):
            if value is not None:
                ET.SubElement(permissions, tag).text = str(value)
    if len(target) == 0:
        root.remove(target)
    if volume.backing_path is not None:
        backing = ET.SubElement(root, "backingStore")
        ET.SubElement(backing, "path").text = volume.backing_path
        if volume.backing_format is not None:
            ET.SubElement(backing, "format", {"type": volume.backing_format})
    ET.indent(root)
    return ET.tostring(root, encoding="unicode")


def _text(parent: ET.Element, path: str) -> t.Optional[str]:
    text = parent.findtext(path)
    return text.strip() if text is not None and text.strip() else None


def _int(parent: ET.Element, path: str) -> t.Optional[int]:
    text = _text(parent, path)
    try:
        return int(text) if text is not None else None
    except ValueError:
        raise VolumeXmlError("<%s> must be a number, got %r" % (path, text))


def _format(parent: t.Optional[ET.Element]) -> t.Optional[str]:
    element = parent.find("format") if parent is not None else None
    return element.get("type") if element is not None else None


def from_xml(text: str) -> VolumeDefinition:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise VolumeXmlError("the volume XML is not well-formed: %s" % exc)
    if root.tag != "volume":
        raise VolumeXmlError("the root element must be <volume>, not <%s>" % root.tag)
    target = root.find("target")
    backing = root.find("backingStore")
    mode = _text(root, "target/permissions/mode")
    try:
        mode = "%04o" % int(mode, 8) if mode else None
    except ValueError:
        raise VolumeXmlError("<permissions><mode> must be an octal mode, got %r" % mode)
    return VolumeDefinition(
        name=_text(root, "name") or "",
        capacity=_int(root, "capacity") or 0,
        allocation=_int(root, "allocation"),
        format=_format(target),
        mode=mode,
        owner=_int(root, "target/permissions/owner"),
        group=_int(root, "target/permissions/group"),
        backing_path=_text(backing, "path") if backing is not None else None,
        backing_format=_format(backing),
        path=_text(root, "target/path"),
        key=_text(root, "key"),
        type=root.get("type"),
    )

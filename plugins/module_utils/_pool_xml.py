# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure codec between libvirt storage pool XML and :class:`PoolDefinition`.

The definition mirrors the XML (not the module options, which the pool backends map onto it), so the
codec knows nothing about pool types. Only what the collection manages is modelled; runtime elements
(uuid, capacity, allocation, available) are read separately and never compared.
"""

from __future__ import annotations

import dataclasses
import typing as t
import xml.etree.ElementTree as ET

FS_NAMESPACE = "http://libvirt.org/schemas/storagepool/fs/1.0"
RBD_NAMESPACE = "http://libvirt.org/schemas/storagepool/rbd/1.0"

POOL_TYPES = ("dir", "fs", "netfs", "logical", "iscsi", "iscsi-direct", "rbd")


class PoolXmlError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Host:
    name: str
    port: t.Optional[int] = None


@dataclasses.dataclass(frozen=True)
class Auth:
    type: str
    username: str
    secret_uuid: t.Optional[str] = None
    secret_usage: t.Optional[str] = None


@dataclasses.dataclass(frozen=True)
class PoolDefinition:
    """A storage pool definition in normalized form: equal definitions mean equal libvirt XML."""

    name: str
    type: str
    target_path: t.Optional[str] = None
    target_mode: t.Optional[str] = None
    target_owner: t.Optional[int] = None
    target_group: t.Optional[int] = None
    hosts: t.Tuple[Host, ...] = ()
    devices: t.Tuple[str, ...] = ()
    source_dir: t.Optional[str] = None
    source_name: t.Optional[str] = None
    source_format: t.Optional[str] = None
    protocol_version: t.Optional[str] = None
    initiator_iqn: t.Optional[str] = None
    auth: t.Optional[Auth] = None
    mount_options: t.Tuple[str, ...] = ()
    rbd_options: t.Tuple[t.Tuple[str, str], ...] = ()
    volume_allocation_default: bool = False

    def as_dict(self) -> dict:
        """Plain data for results and diffs, without empty fields."""
        data = dataclasses.asdict(self)
        data["hosts"] = [{k: v for k, v in host.items() if v is not None} for host in data["hosts"]]
        data["devices"] = list(self.devices)
        data["mount_options"] = list(self.mount_options)
        data["rbd_options"] = dict(self.rbd_options)
        if data["auth"]:
            data["auth"] = {k: v for k, v in data["auth"].items() if v is not None}
        return {k: v for k, v in data.items() if v not in (None, (), [], {}, False)}


def _normalize_mode(mode: t.Optional[str]) -> t.Optional[str]:
    if mode is None:
        return None
    value = int(str(mode), 8)
    if not 0 <= value <= 0o7777:
        raise ValueError("%r is out of range" % mode)
    return "%04o" % value


def normalized(definition: PoolDefinition) -> PoolDefinition:
    """The canonical form of a definition, so that comparisons ignore spelling differences."""
    return dataclasses.replace(
        definition,
        target_mode=_normalize_mode(definition.target_mode),
        rbd_options=tuple(sorted(definition.rbd_options)),
        target_path=(definition.target_path.rstrip("/") or "/") if definition.target_path else None,
    )


def to_xml(definition: PoolDefinition, uuid: t.Optional[str] = None) -> str:
    """Render the libvirt XML for a definition; redefining an existing pool needs its ``uuid``."""
    definition = normalized(definition)
    ET.register_namespace("fs", FS_NAMESPACE)
    ET.register_namespace("rbd", RBD_NAMESPACE)
    pool = ET.Element("pool", {"type": definition.type})
    ET.SubElement(pool, "name").text = definition.name
    if uuid is not None:
        ET.SubElement(pool, "uuid").text = uuid

    source = ET.SubElement(pool, "source")
    for host in definition.hosts:
        attributes = {"name": host.name}
        if host.port is not None:
            attributes["port"] = str(host.port)
        ET.SubElement(source, "host", attributes)
    for device in definition.devices:
        ET.SubElement(source, "device", {"path": device})
    if definition.source_dir is not None:
        ET.SubElement(source, "dir", {"path": definition.source_dir})
    if definition.source_name is not None:
        ET.SubElement(source, "name").text = definition.source_name
    if definition.source_format is not None:
        ET.SubElement(source, "format", {"type": definition.source_format})
    if definition.protocol_version is not None:
        ET.SubElement(source, "protocol", {"ver": definition.protocol_version})
    if definition.auth is not None:
        auth = ET.SubElement(source, "auth", {"type": definition.auth.type, "username": definition.auth.username})
        if definition.auth.secret_uuid is not None:
            ET.SubElement(auth, "secret", {"uuid": definition.auth.secret_uuid})
        else:
            ET.SubElement(auth, "secret", {"usage": definition.auth.secret_usage or ""})
    if definition.initiator_iqn is not None:
        initiator = ET.SubElement(source, "initiator")
        ET.SubElement(initiator, "iqn", {"name": definition.initiator_iqn})

    if len(source) == 0:
        pool.remove(source)

    if definition.target_path is not None or _has_permissions(definition):
        target = ET.SubElement(pool, "target")
        if definition.target_path is not None:
            ET.SubElement(target, "path").text = definition.target_path
        if _has_permissions(definition):
            permissions = ET.SubElement(target, "permissions")
            for tag, value in (("mode", definition.target_mode), ("owner", definition.target_owner),
                               ("group", definition.target_group)):
                if value is not None:
                    ET.SubElement(permissions, tag).text = str(value)

    if definition.volume_allocation_default:
        refresh = ET.SubElement(pool, "refresh")
        ET.SubElement(refresh, "volume", {"allocation": "default"})

    if definition.mount_options:
        mount_opts = ET.SubElement(pool, "{%s}mount_opts" % FS_NAMESPACE)
        for option in definition.mount_options:
            ET.SubElement(mount_opts, "{%s}option" % FS_NAMESPACE, {"name": option})
    if definition.rbd_options:
        config_opts = ET.SubElement(pool, "{%s}config_opts" % RBD_NAMESPACE)
        for name, value in definition.rbd_options:
            ET.SubElement(config_opts, "{%s}option" % RBD_NAMESPACE, {"name": name, "value": value})

    ET.indent(pool)
    return ET.tostring(pool, encoding="unicode")


def _has_permissions(definition: PoolDefinition) -> bool:
    return any(v is not None for v in (definition.target_mode, definition.target_owner, definition.target_group))


def _int_or_none(text: t.Optional[str], what: str) -> t.Optional[int]:
    if text is None or text.strip() == "":
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise PoolXmlError("%s must be a number, got %r" % (what, text))


def from_xml(text: str) -> PoolDefinition:
    """Parse libvirt pool XML (as libvirt reports it, or as a user wrote it)."""
    try:
        pool = ET.fromstring(text)
    except ET.ParseError as exc:
        raise PoolXmlError("the XML is not well-formed: %s" % exc)
    if pool.tag != "pool":
        raise PoolXmlError("the root element must be <pool>, not <%s>" % pool.tag)
    pool_type = pool.get("type")
    if pool_type not in POOL_TYPES:
        raise PoolXmlError("<pool type=%r> is not one of the supported types: %s"
                           % (pool_type, ", ".join(POOL_TYPES)))
    name = (pool.findtext("name") or "").strip()
    if not name:
        raise PoolXmlError("the <name> element is missing or empty")

    fields: t.Dict[str, t.Any] = {"name": name, "type": pool_type}
    source = pool.find("source")
    if source is not None:
        fields["hosts"] = tuple(
            Host(host.get("name", ""), _int_or_none(host.get("port"), "<host port>"))
            for host in source.findall("host"))
        fields["devices"] = tuple(device.get("path", "") for device in source.findall("device"))
        fields["source_dir"] = _attribute(source, "dir", "path")
        source_name = source.findtext("name")
        fields["source_name"] = source_name.strip() if source_name is not None else None
        fields["source_format"] = _attribute(source, "format", "type")
        fields["protocol_version"] = _attribute(source, "protocol", "ver")
        fields["initiator_iqn"] = _attribute(source, "initiator/iqn", "name")
        auth = source.find("auth")
        if auth is not None:
            fields["auth"] = Auth(
                type=auth.get("type", ""), username=auth.get("username", ""),
                secret_uuid=_attribute(auth, "secret", "uuid"),
                secret_usage=None if _attribute(auth, "secret", "uuid") else _attribute(auth, "secret", "usage"))

    target = pool.find("target")
    if target is not None:
        path = target.findtext("path")
        fields["target_path"] = path.strip() if path and path.strip() else None
        permissions = target.find("permissions")
        if permissions is not None:
            mode = permissions.findtext("mode")
            fields["target_mode"] = mode.strip() if mode and mode.strip() else None
            fields["target_owner"] = _int_or_none(permissions.findtext("owner"), "<permissions><owner>")
            fields["target_group"] = _int_or_none(permissions.findtext("group"), "<permissions><group>")

    fields["volume_allocation_default"] = _attribute(pool, "refresh/volume", "allocation") == "default"
    fields["mount_options"] = tuple(
        option.get("name", "") for option in pool.findall("{%s}mount_opts/{%s}option" % (FS_NAMESPACE, FS_NAMESPACE)))
    fields["rbd_options"] = tuple(
        (option.get("name", ""), option.get("value", ""))
        for option in pool.findall("{%s}config_opts/{%s}option" % (RBD_NAMESPACE, RBD_NAMESPACE)))
    try:
        return normalized(PoolDefinition(**fields))
    except ValueError as exc:
        raise PoolXmlError("<permissions><mode> must be an octal mode: %s" % exc)


def _attribute(parent: ET.Element, path: str, attribute: str) -> t.Optional[str]:
    element = parent.find(path)
    return element.get(attribute) if element is not None else None

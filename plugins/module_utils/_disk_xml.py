# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The libvirt ``<disk>`` element that attaches a volume to a domain, as its pool type requires."""

from __future__ import annotations

import typing as t
import xml.etree.ElementTree as ET

from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import PoolDefinition
from ansible_collections.limiquantix.storage.plugins.module_utils._volume_xml import VolumeDefinition

# How domains reach the volumes of each pool type.
DISK_KINDS = {
    "dir": "file", "fs": "file", "netfs": "file",
    "logical": "block", "iscsi": "block",
    "rbd": "rbd", "iscsi-direct": "iscsi",
}


def _lun_of(volume_name: str) -> str:
    """iscsi-direct names its volumes unit:0:0:<lun>."""
    return volume_name.rsplit(":", 1)[-1]


def disk(pool: PoolDefinition, volume: VolumeDefinition, target_dev: str = "vda",
         bus: str = "virtio") -> t.Dict[str, t.Any]:
    """The ``<disk>`` as data: the same structure :func:`disk_xml` renders."""
    kind = DISK_KINDS[pool.type]
    source: t.Dict[str, t.Any]
    if kind == "file":
        source = {"file": volume.path}
    elif kind == "block":
        source = {"dev": volume.path}
    else:
        name = ("%s/%s" % (pool.source_name or pool.name, volume.name) if kind == "rbd"
                else "%s/%s" % (pool.devices[0] if pool.devices else "", _lun_of(volume.name)))
        source = {"protocol": kind, "name": name,
                  "hosts": [dict({"name": host.name}, **({"port": str(host.port)} if host.port else {}))
                            for host in pool.hosts]}
        if kind == "iscsi" and pool.initiator_iqn:
            source["initiator_iqn"] = pool.initiator_iqn
    element: t.Dict[str, t.Any] = {
        "type": "network" if kind in ("rbd", "iscsi") else kind,
        "device": "disk",
        "driver": {"name": "qemu", "type": volume.format or "raw"},
        "source": source,
        "target": {"dev": target_dev, "bus": bus},
    }
    if kind in ("rbd", "iscsi") and pool.auth is not None:
        secret = {"type": "ceph" if kind == "rbd" else "iscsi"}
        secret.update({"uuid": pool.auth.secret_uuid} if pool.auth.secret_uuid else {"usage": pool.auth.secret_usage})
        element["auth"] = {"username": pool.auth.username, "secret": secret}
    return element


def disk_xml(element: t.Mapping[str, t.Any]) -> str:
    root = ET.Element("disk", {"type": element["type"], "device": element["device"]})
    ET.SubElement(root, "driver", element["driver"])
    source_data = dict(element["source"])
    hosts = source_data.pop("hosts", [])
    initiator_iqn = source_data.pop("initiator_iqn", None)
    source = ET.SubElement(root, "source", source_data)
    for host in hosts:
        ET.SubElement(source, "host", host)
    if initiator_iqn:
        ET.SubElement(ET.SubElement(source, "initiator"), "iqn", {"name": initiator_iqn})
    if "auth" in element:
        auth = ET.SubElement(root, "auth", {"username": element["auth"]["username"]})
        ET.SubElement(auth, "secret", element["auth"]["secret"])
    ET.SubElement(root, "target", element["target"])
    ET.indent(root)
    return ET.tostring(root, encoding="unicode")

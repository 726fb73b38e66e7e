# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which domains (VMs) use which storage: the guard in front of every destructive action."""

from __future__ import annotations

import dataclasses
import typing as t
import xml.etree.ElementTree as ET

from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import PoolDefinition


@dataclasses.dataclass(frozen=True)
class DiskSource:
    """Where one of a domain's disks points, in whichever way the domain XML names it."""

    path: t.Optional[str] = None
    pool: t.Optional[str] = None
    volume: t.Optional[str] = None
    protocol: t.Optional[str] = None
    network_name: t.Optional[str] = None


def disk_sources(domain_xml: str) -> t.List[DiskSource]:
    sources = []
    for disk in ET.fromstring(domain_xml).findall("devices/disk"):
        source = disk.find("source")
        if source is None:
            continue
        sources.append(DiskSource(
            path=source.get("file") or source.get("dev") or source.get("dir"),
            pool=source.get("pool"),
            volume=source.get("volume"),
            protocol=source.get("protocol"),
            network_name=source.get("name"),
        ))
    return sources


@dataclasses.dataclass(frozen=True)
class StorageRef:
    """A pool's storage (or, with ``volume_name``, one volume of it) as a domain could refer to it."""

    pool_name: str
    target_path: t.Optional[str] = None
    volume_paths: t.FrozenSet[str] = frozenset()
    rbd_pool: t.Optional[str] = None
    volume_name: t.Optional[str] = None

    @classmethod
    def volume(cls, pool: PoolDefinition, name: str, path: t.Optional[str]) -> "StorageRef":
        """One volume of ``pool``, as a domain could refer to it: by pool and name, path, or RBD image."""
        return cls(pool_name=pool.name, volume_name=name, volume_paths=frozenset([path] if path else []),
                   rbd_pool=(pool.source_name or pool.name) if pool.type == "rbd" else None)

    def used_by(self, source: DiskSource) -> bool:
        if source.pool == self.pool_name and self.volume_name in (None, source.volume):
            return True
        if source.path:
            if source.path in self.volume_paths:
                return True
            if (self.volume_name is None and self.target_path and self.target_path != "/"
                    and source.path.startswith(self.target_path + "/")):
                return True
        if self.rbd_pool and source.protocol == "rbd" and source.network_name:
            if self.volume_name is not None:
                return source.network_name == "%s/%s" % (self.rbd_pool, self.volume_name)
            return source.network_name.startswith(self.rbd_pool + "/")
        return False


@dataclasses.dataclass(frozen=True)
class DomainUse:
    domain: str
    running: bool


def domains_using(domains: t.Iterable[t.Tuple[str, bool, str]], ref: StorageRef) -> t.List[DomainUse]:
    """Domains (name, running, XML) whose disks use ``ref``, in name order."""
    return sorted((DomainUse(name, running) for name, running, xml in domains
                   if any(ref.used_by(source) for source in disk_sources(xml))), key=lambda use: use.domain)


def describe_uses(uses: t.Sequence[DomainUse]) -> str:
    return ", ".join("%s (%s)" % (use.domain, "running" if use.running else "defined") for use in uses)

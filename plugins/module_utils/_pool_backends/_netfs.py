# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""netfs: an NFS export mounted by libvirt at the target path."""

from __future__ import annotations

import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._node import Node
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._base import BuildStep, PoolBackend
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import PoolDefinition

NFS_VERSIONS = ("3", "4", "4.0", "4.1", "4.2")


class NetfsBackend(PoolBackend):
    pool_type = "netfs"
    volume_formats = ("raw", "qcow2")
    # qemu-img rounds image sizes up to whole 512-byte sectors.
    size_granularity = 512
    required_options = ("target", "host", "export")
    optional_options = ("filesystem", "nfs_version", "mount_options", "mode", "owner", "group")
    # Without nfsd answering, mount.nfs retries an NFSv4 mount for 2 minutes, and fails an NFSv3 one with
    # "requested NFS version or transport protocol is not supported": probe nfsd's port first.
    server = "NFS server (nfsd)"
    server_port = 2049

    def _value_problems(self, options: t.Mapping[str, t.Any]) -> t.List[str]:
        problems = super()._value_problems(options)
        if options.get("filesystem") not in (None, "nfs", "auto"):
            problems.append("filesystem for a netfs pool is nfs (or auto), got %r" % options["filesystem"])
        if options.get("nfs_version") not in (None,) + NFS_VERSIONS:
            problems.append("nfs_version must be one of %s, got %r" % (", ".join(NFS_VERSIONS), options["nfs_version"]))
        return problems

    def default_fields(self, name: str, options: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
        return {"source_format": "nfs"}

    def build_step(self, definition: PoolDefinition, node: Node, overwrite: bool) -> t.Optional[BuildStep]:
        return self._missing_directory_step(definition.target_path, node)

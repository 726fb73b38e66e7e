# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fs: a filesystem on a block device (or image), mounted by libvirt at the target path."""

from __future__ import annotations

import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._node import Node, describe_signature
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._base import (
    BUILD_NO_OVERWRITE,
    BUILD_OVERWRITE,
    BuildStep,
    PoolBackend,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import PoolDefinition

FILESYSTEMS = ("auto", "ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "ufs", "iso9660", "udf", "gfs", "gfs2",
               "hfs+", "ocfs2")


class FsBackend(PoolBackend):
    pool_type = "fs"
    volume_formats = ("raw", "qcow2")
    # qemu-img rounds image sizes up to whole 512-byte sectors.
    size_granularity = 512
    required_options = ("target", "device")
    optional_options = ("filesystem", "mount_options", "mode", "owner", "group")

    def _value_problems(self, options: t.Mapping[str, t.Any]) -> t.List[str]:
        problems = super()._value_problems(options)
        if options.get("filesystem") not in (None,) + FILESYSTEMS:
            problems.append("filesystem %r is not one libvirt can mount for an fs pool; use one of %s"
                            % (options["filesystem"], ", ".join(FILESYSTEMS)))
        return problems

    def default_fields(self, name: str, options: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
        return {"source_format": "auto"}

    def build_step(self, definition: PoolDefinition, node: Node, overwrite: bool) -> t.Optional[BuildStep]:
        device = definition.devices[0]
        wanted = definition.source_format or "auto"
        signatures = node.signatures(device)
        found = signatures.get("TYPE")
        if found and (wanted == "auto" or found == wanted):
            return self._missing_directory_step(definition.target_path, node)
        if wanted == "auto" and not signatures:
            raise LqError("%s holds no filesystem and filesystem is auto, so the pool cannot format it: set "
                          "filesystem (e.g. ext4 or xfs)" % device)
        if wanted == "auto":
            raise LqError("%s holds %s, not a filesystem libvirt can mount: set filesystem, and overwrite: true to "
                          "format it, destroying its data" % (device, describe_signature(signatures)))
        if not signatures:
            return BuildStep(BUILD_NO_OVERWRITE, "format %s as %s" % (device, wanted))
        if overwrite:
            return BuildStep(BUILD_OVERWRITE, "format %s as %s, destroying its %s"
                             % (device, wanted, describe_signature(signatures)))
        raise self._refuse_to_overwrite(device, signatures, "format %s as %s" % (device, wanted))

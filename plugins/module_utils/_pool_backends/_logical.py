# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""logical: an LVM volume group; its volumes are logical volumes."""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._node import Node
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._base import (
    BUILD_NO_OVERWRITE,
    BUILD_OVERWRITE,
    BuildStep,
    PoolBackend,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import PoolDefinition


class LogicalBackend(PoolBackend):
    pool_type = "logical"
    permissions_apply_live = False
    # LVM allocates whole extents (4 MiB by default): a logical volume is rounded up to them.
    size_granularity = 4 * 1024 * 1024
    # A volume with allocation below capacity is an LVM snapshot of a virtual origin to libvirt, whose copy-on-write
    # space is the allocation (one extent for none): once that much is written, LVM invalidates it and the data is
    # gone. So every logical volume is fully allocated.
    sparse_volumes = False
    optional_options = ("volume_group", "devices", "target")

    def default_fields(self, name: str, options: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
        volume_group = options.get("volume_group") or name
        return {"source_name": volume_group, "source_format": "lvm2", "target_path": "/dev/%s" % volume_group}

    def on_node(self, definition: PoolDefinition, node: Node) -> PoolDefinition:
        # libvirt starts a logical pool only when one of its devices is, by name, a physical volume that pvs lists
        # for the volume group (/dev/sdb, /dev/mapper/mpatha): with a link (/dev/disk/by-path/..., by-id/...) it
        # builds the volume group and then fails to start it ("cannot find any matching source devices"). So the
        # pool is defined with the names the links point to, and a rerun compares the same names.
        return dataclasses.replace(definition, devices=tuple(node.device_name(device) for device in definition.devices))

    def build_step(self, definition: PoolDefinition, node: Node, overwrite: bool) -> t.Optional[BuildStep]:
        volume_group = definition.source_name or definition.name
        if node.volume_group_exists(volume_group):
            return None
        if not definition.devices:
            raise LqError("volume group %s does not exist and no devices are given to create it on: set devices "
                          "(blank block devices) or create the volume group first" % volume_group)
        devices = ", ".join(definition.devices)
        signed = {device: node.signatures(device) for device in definition.devices}
        signed = {device: signatures for device, signatures in signed.items() if signatures}
        if not signed:
            return BuildStep(BUILD_NO_OVERWRITE, "create volume group %s on %s" % (volume_group, devices))
        if overwrite:
            return BuildStep(BUILD_OVERWRITE, "create volume group %s on %s, destroying what they hold"
                             % (volume_group, devices))
        device, signatures = sorted(signed.items())[0]
        raise self._refuse_to_overwrite(device, signatures, "create volume group %s" % volume_group)

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""dir: a directory on the node's filesystem."""

from __future__ import annotations

import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._node import Node
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._base import (
    BUILD_NEW,
    BuildStep,
    PoolBackend,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import PoolDefinition


class DirBackend(PoolBackend):
    pool_type = "dir"
    volume_formats = ("raw", "qcow2")
    # qemu-img rounds image sizes up to whole 512-byte sectors.
    size_granularity = 512
    required_options = ("target",)
    optional_options = ("mode", "owner", "group")

    def build_step(self, definition: PoolDefinition, node: Node, overwrite: bool) -> t.Optional[BuildStep]:
        step = self._missing_directory_step(definition.target_path, node)
        if step is None and definition.target_path:
            drift = node.permission_drift(definition.target_path, definition.target_mode, definition.target_owner,
                                          definition.target_group)
            if drift:
                step = BuildStep(BUILD_NEW, "set %s of %s" % (drift, definition.target_path))
        return step

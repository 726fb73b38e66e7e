# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rbd: a Ceph RADOS block device pool, reached through librbd."""

from __future__ import annotations

import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._ceph import require_reachable_monitors
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._base import PoolBackend
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import PoolDefinition


class RbdBackend(PoolBackend):
    pool_type = "rbd"
    permissions_apply_live = False
    required_options = ("monitors",)
    optional_options = ("rbd_pool", "auth", "rbd_options")
    auth_type = "ceph"
    # Deleting images is fine; the Ceph pool itself belongs to the cluster, not to this node.
    storage_deletable = False
    # libvirt clones an RBD image by protecting a snapshot of it and cloning that.
    native_clones = True
    # VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS: an RBD image goes with its snapshots, as a qcow2 file does with its
    # internal ones (a number here, so planning imports without the bindings).
    volume_delete_flags = 2

    def default_fields(self, name: str, options: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
        # Without this libvirt reports every image as fully allocated, which makes allocation useless.
        return {"source_name": options.get("rbd_pool") or name, "volume_allocation_default": True}

    def require_reachable(self, definition: PoolDefinition, doing: str) -> None:
        require_reachable_monitors(definition, doing)

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""iscsi: LUNs of an iSCSI target, logged in by the node's kernel initiator (open-iscsi)."""

from __future__ import annotations

import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._base import PoolBackend


class IscsiBackend(PoolBackend):
    pool_type = "iscsi"
    permissions_apply_live = False
    required_options = ("host", "iqn")
    optional_options = ("port", "initiator_iqn", "auth", "target")
    auth_type = "chap"
    owns_target_path = False
    manages_volumes = False
    storage_deletable = False
    # Without a portal libvirt's iscsiadm login retries for over 2 minutes, then reports "connection timed out".
    server = "iSCSI target"
    server_port = 3260

    def default_fields(self, name: str, options: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
        return {"target_path": "/dev/disk/by-path"}

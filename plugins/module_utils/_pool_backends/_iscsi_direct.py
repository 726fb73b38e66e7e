# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""iscsi-direct: LUNs of an iSCSI target reached through libiscsi, without the kernel initiator."""

from __future__ import annotations

from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._base import PoolBackend


class IscsiDirectBackend(PoolBackend):
    pool_type = "iscsi-direct"
    permissions_apply_live = False
    required_options = ("host", "iqn", "initiator_iqn")
    optional_options = ("port", "auth")
    auth_type = "chap"
    manages_volumes = False
    storage_deletable = False
    # Without a portal libiscsi only says "iscsi_service_reconnect_if_loggedin. Can not reconnect right now."
    server = "iSCSI target"
    server_port = 3260

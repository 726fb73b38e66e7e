# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lq_node_storage on the controller: its volumes' large uploads go in chunks with progress, as lq_volume's do."""

from __future__ import annotations

from ansible_collections.limiquantix.storage.plugins.action.lq_volume import ActionModule as VolumeActionModule


class ActionModule(VolumeActionModule):
    module_name = "limiquantix.storage.lq_node_storage"

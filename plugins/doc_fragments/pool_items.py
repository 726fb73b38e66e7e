# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The items of a list of pools, as lq_storage_pool and lq_node_storage take them; each module describes the
    # list itself.
    DOCUMENTATION = r"""
options:
  pools:
    type: list
    elements: dict
    suboptions:
      name:
        description: See O(limiquantix.storage.lq_storage_pool#module:name).
        type: str
      type:
        description: See O(limiquantix.storage.lq_storage_pool#module:type).
        type: str
        choices: [dir, fs, netfs, logical, iscsi, iscsi-direct, rbd]
      xml:
        description: See O(limiquantix.storage.lq_storage_pool#module:xml).
        type: str
      state:
        description: See O(limiquantix.storage.lq_storage_pool#module:state).
        type: str
        choices: [present, absent]
      started:
        description: See O(limiquantix.storage.lq_storage_pool#module:started).
        type: bool
      autostart:
        description: See O(limiquantix.storage.lq_storage_pool#module:autostart).
        type: bool
      build:
        description: See O(limiquantix.storage.lq_storage_pool#module:build).
        type: bool
      overwrite:
        description: See O(limiquantix.storage.lq_storage_pool#module:overwrite).
        type: bool
      delete_data:
        description: See O(limiquantix.storage.lq_storage_pool#module:delete_data).
        type: bool
      force:
        description: See O(limiquantix.storage.lq_storage_pool#module:force).
        type: bool
      restart:
        description: See O(limiquantix.storage.lq_storage_pool#module:restart).
        type: str
        choices: [when_unused, always, never]
      target:
        description: See O(limiquantix.storage.lq_storage_pool#module:target).
        type: path
      mode:
        description: See O(limiquantix.storage.lq_storage_pool#module:mode).
        type: raw
      owner:
        description: See O(limiquantix.storage.lq_storage_pool#module:owner).
        type: str
      group:
        description: See O(limiquantix.storage.lq_storage_pool#module:group).
        type: str
      device:
        description: See O(limiquantix.storage.lq_storage_pool#module:device).
        type: path
      devices:
        description: See O(limiquantix.storage.lq_storage_pool#module:devices).
        type: list
        elements: path
      filesystem:
        description: See O(limiquantix.storage.lq_storage_pool#module:filesystem).
        type: str
      host:
        description: See O(limiquantix.storage.lq_storage_pool#module:host).
        type: str
      port:
        description: See O(limiquantix.storage.lq_storage_pool#module:port).
        type: int
      export:
        description: See O(limiquantix.storage.lq_storage_pool#module:export).
        type: str
      nfs_version:
        description: See O(limiquantix.storage.lq_storage_pool#module:nfs_version).
        type: str
        choices: ['3', '4', '4.0', '4.1', '4.2']
      mount_options:
        description: See O(limiquantix.storage.lq_storage_pool#module:mount_options).
        type: list
        elements: str
      volume_group:
        description: See O(limiquantix.storage.lq_storage_pool#module:volume_group).
        type: str
      iqn:
        description: See O(limiquantix.storage.lq_storage_pool#module:iqn).
        type: str
      initiator_iqn:
        description: See O(limiquantix.storage.lq_storage_pool#module:initiator_iqn).
        type: str
      auth:
        description: See O(limiquantix.storage.lq_storage_pool#module:auth).
        type: dict
        suboptions:
          username:
            description: See O(limiquantix.storage.lq_storage_pool#module:auth.username).
            type: str
            required: true
          secret_uuid:
            description: See O(limiquantix.storage.lq_storage_pool#module:auth.secret_uuid).
            type: str
          secret_usage:
            description: See O(limiquantix.storage.lq_storage_pool#module:auth.secret_usage).
            type: str
      monitors:
        description: See O(limiquantix.storage.lq_storage_pool#module:monitors).
        type: list
        elements: str
      rbd_pool:
        description: See O(limiquantix.storage.lq_storage_pool#module:rbd_pool).
        type: str
      rbd_options:
        description: See O(limiquantix.storage.lq_storage_pool#module:rbd_options).
        type: dict
"""

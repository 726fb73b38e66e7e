# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The items of a list of volumes, as lq_volume and lq_node_storage take them; each module describes the
    # list itself.
    DOCUMENTATION = r"""
options:
  volumes:
    type: list
    elements: dict
    suboptions:
      name:
        description: See O(limiquantix.storage.lq_volume#module:name).
        type: str
      pool:
        description: See O(limiquantix.storage.lq_volume#module:pool).
        type: str
      state:
        description: See O(limiquantix.storage.lq_volume#module:state).
        type: str
        choices: [present, absent]
      capacity:
        description: See O(limiquantix.storage.lq_volume#module:capacity).
        type: raw
      format:
        description: See O(limiquantix.storage.lq_volume#module:format).
        type: str
        choices: [raw, qcow2]
      preallocation:
        description: See O(limiquantix.storage.lq_volume#module:preallocation).
        type: str
        choices: ['off', metadata, full]
      mode:
        description: See O(limiquantix.storage.lq_volume#module:mode).
        type: raw
      owner:
        description: See O(limiquantix.storage.lq_volume#module:owner).
        type: str
      group:
        description: See O(limiquantix.storage.lq_volume#module:group).
        type: str
      clone_from:
        description: See O(limiquantix.storage.lq_volume#module:clone_from).
        type: dict
        suboptions:
          pool:
            description: See O(limiquantix.storage.lq_volume#module:clone_from.pool).
            type: str
          name:
            description: See O(limiquantix.storage.lq_volume#module:clone_from.name).
            type: str
            required: true
      copy_on_write:
        description: See O(limiquantix.storage.lq_volume#module:copy_on_write).
        type: bool
      upload_from:
        description: See O(limiquantix.storage.lq_volume#module:upload_from).
        type: path
      upload_compare:
        description: See O(limiquantix.storage.lq_volume#module:upload_compare).
        type: str
        choices: [checksum, exists]
      allow_shrink:
        description: See O(limiquantix.storage.lq_volume#module:allow_shrink).
        type: bool
      force:
        description: See O(limiquantix.storage.lq_volume#module:force).
        type: bool
      wipe:
        description: See O(limiquantix.storage.lq_volume#module:wipe).
        type: str
        choices: [zero, nnsa, dod, bsi, gutmann, schneier, pfitzner7, pfitzner33, random, trim]
      disk_target:
        description: See O(limiquantix.storage.lq_volume#module:disk_target).
        type: str
      disk_bus:
        description: See O(limiquantix.storage.lq_volume#module:disk_bus).
        type: str
"""

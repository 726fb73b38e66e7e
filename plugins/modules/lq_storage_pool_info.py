#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lq_storage_pool_info
short_description: Report the libvirt storage pools of a node
version_added: 0.1.0
description:
  - Lists libvirt storage pools with their type, state, autostart, persistence, capacity, allocation, available
    space, target, definition (source) and volume count.
  - Reads only; never changes anything.
author:
  - LimiQuantix storage team (@limiquantix)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - limiquantix.storage.connection
attributes:
  check_mode:
    support: full
  diff_mode:
    support: N/A
  platform:
    platforms: posix
  action_group:
    membership: [limiquantix.storage.storage]
options:
  names:
    description:
      - Report only these pools. A name that does not exist is reported with RV(pools[].state=absent).
      - All pools when not given.
    type: list
    elements: str
    aliases: [name]
seealso:
  - module: limiquantix.storage.lq_storage_pool
"""

EXAMPLES = r"""
- name: All pools of the node
  limiquantix.storage.lq_storage_pool_info:
  register: storage

- name: Free space of the images pool
  ansible.builtin.debug:
    msg: "{{ (storage.pools | selectattr('name', 'equalto', 'images') | first).available | human_readable }}"

- name: One pool
  limiquantix.storage.lq_storage_pool_info:
    name: images
  register: images
"""

RETURN = r"""
pools:
  description: The pools, in name order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Pool name.
      type: str
      sample: images
    uuid:
      description: Pool UUID.
      type: str
    type:
      description: Pool type (V(dir), V(fs), V(netfs), V(logical), V(iscsi), V(iscsi-direct), V(rbd)).
      type: str
    state:
      description: V(running), V(inactive), V(building), V(degraded), V(inaccessible), or V(absent) for a name
        asked for that does not exist.
      type: str
    active:
      description: Whether the pool is started.
      type: bool
    autostart:
      description: Whether the pool autostarts.
      type: bool
    persistent:
      description: Whether the pool has a persistent definition.
      type: bool
    capacity:
      description: Capacity in bytes (0 while inactive).
      type: int
    allocation:
      description: Allocated bytes (0 while inactive).
      type: int
    available:
      description: Available bytes (0 while inactive).
      type: int
    target:
      description: Target path, when the pool type has one.
      type: str
    volume_count:
      description: Number of volumes (null while the pool is inactive).
      type: int
    definition:
      description: The pool's definition (source and target) in terms of M(limiquantix.storage.lq_storage_pool)'s
        options. Never holds secret values.
      type: dict
      sample: {host: nfs.example.com, export: /export/vms, nfs_version: '4.2', target: /srv/shared-nfs}
"""

from ansible_collections.limiquantix.storage.plugins.module_utils._module import LqModule
from ansible_collections.limiquantix.storage.plugins.module_utils._pools import PoolManager, pool_status


def report(module: LqModule) -> dict:
    manager = PoolManager(module.connect(), module.node())
    names = module.params["names"]
    if names is None:
        statuses = [pool_status(snapshot) for snapshot in manager.snapshots()]
    else:
        statuses = [manager.status(name) for name in names]
    return {"changed": False, "pools": sorted(statuses, key=lambda status: status["name"])}


def main() -> None:
    module = LqModule(argument_spec=dict(names=dict(type="list", elements="str", aliases=["name"])),
                      supports_check_mode=True)
    module.run(report)


if __name__ == "__main__":
    main()

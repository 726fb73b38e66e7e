#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lq_node_storage
short_description: Converge a node's libvirt storage pools and the volumes in them, in one call
version_added: 0.1.0
description:
  - Converges the pools of O(pools) exactly as M(limiquantix.storage.lq_storage_pool) does, then the volumes of
    O(volumes) exactly as M(limiquantix.storage.lq_volume) does, in one module call.
  - One call costs about half of the two tasks it replaces when nothing changes, since most of a module task is
    Ansible's and Python's start-up on the node rather than libvirt's work. The role
    C(limiquantix.storage.node_storage) uses it.
  - Every pool and volume is validated before anything changes, including volumes that the task's own pools make
    impossible - a volume in, or cloned from, a pool the task removes (unless the volume is removed too) or leaves
    stopped (O(pools[].started=false)).
  - The steps, in order - the volumes to remove from pools the task removes (a removed pool's volumes cannot be
    reached afterwards; in a pool that is already gone they are gone too), the pools, the other volumes. These are
    planned once the pools are converged, so they can be in pools the same task creates. A failure in a later step
    names what the earlier ones did, and the task then counts as changed.
  - In check mode, volumes in (or cloned from) pools that the task creates, starts or restarts cannot be planned,
    since the real run plans them from the started pool; they are left out of the result and named in a warning.
  - Images of O(volumes[].upload_from) larger than 256 MiB are uploaded in chunks by the collection's action plugin,
    with progress shown in verbose output (C(-v)), as with M(limiquantix.storage.lq_volume).
author:
  - LimiQuantix storage team (@limiquantix)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - limiquantix.storage.connection
  - limiquantix.storage.ceph_client
  - limiquantix.storage.pool_items
  - limiquantix.storage.volume_items
attributes:
  check_mode:
    support: full
    details:
      - Check mode reports exactly the actions a real run would take, in RV(actions), except for the volumes it
        cannot plan yet (see above).
  diff_mode:
    support: full
    details: The diff shows each changed pool and volume before and after, as the two modules show them.
  platform:
    platforms: posix
  action_group:
    membership: [limiquantix.storage.storage]
options:
  pools:
    description:
      - The pools, each with the options of one pool of M(limiquantix.storage.lq_storage_pool). Lifecycle options an
        item leaves out take that module's defaults (present, started, autostarted, built, nothing overwritten or
        deleted, restarted when unused).
    default: []
  volumes:
    description:
      - The volumes, each with the options of one volume of M(limiquantix.storage.lq_volume), with that module's
        defaults. Converged after every pool.
    default: []
  upload_defer_above:
    description:
      - "Internal: used by the collection's action plugin to upload in steps and show progress; do not set it."
      - Images larger than this many bytes are not uploaded but listed in the result's C(pending_uploads).
    type: int
seealso:
  - module: limiquantix.storage.lq_storage_pool
  - module: limiquantix.storage.lq_volume
"""

EXAMPLES = r"""
- name: An image pool with a base image and two copy-on-write clones, in one module call
  limiquantix.storage.lq_node_storage:
    pools:
      - name: images
        type: dir
        target: /var/lib/limiquantix/images
    volumes:
      - pool: images
        name: debian-12.qcow2
        upload_from: /srv/images/debian-12-genericcloud-amd64.qcow2
      - pool: images
        name: vm1-root.qcow2
        capacity: 20GiB
        clone_from: {name: debian-12.qcow2}
        copy_on_write: true
      - pool: images
        name: vm2-root.qcow2
        capacity: 20GiB
        clone_from: {name: debian-12.qcow2}
        copy_on_write: true
  register: storage

- name: Show the disk XML of the first clone
  ansible.builtin.debug:
    msg: "{{ (storage.volumes | selectattr('name', 'eq', 'vm1-root.qcow2') | first).disk_xml }}"
"""

RETURN = r"""
pools:
  description:
    - Every pool of the task, in the order given, each as RV(limiquantix.storage.lq_storage_pool#module:pool) of
      M(limiquantix.storage.lq_storage_pool) (predicted in check mode).
  returned: always
  type: list
  elements: dict
volumes:
  description:
    - Every volume of the task, in the order given, each as RV(limiquantix.storage.lq_volume#module:volume) of
      M(limiquantix.storage.lq_volume), with its C(disk_xml) (predicted in check mode).
    - In check mode, without the volumes it could not plan yet (see above).
  returned: always
  type: list
  elements: dict
actions:
  description: What the task did (or, in check mode, would do), in order; the pools' steps first.
  returned: always
  type: list
  elements: str
  sample: [define pool images, 'build pool images: create directory /var/lib/limiquantix/images', start pool images,
           enable autostart of pool images, 'create volume images/vm1-root.qcow2 (qcow2, 20.0 GiB)']
"""

from ansible_collections.limiquantix.storage.plugins.module_utils._module import LqModule
from ansible_collections.limiquantix.storage.plugins.module_utils._node_storage import (
    converge_node_storage,
    node_storage_argument_spec,
)


def main() -> None:
    module = LqModule(argument_spec=node_storage_argument_spec(), supports_check_mode=True)
    module.run(converge_node_storage)


if __name__ == "__main__":
    main()

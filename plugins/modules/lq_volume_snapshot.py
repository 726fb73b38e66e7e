#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lq_volume_snapshot
short_description: Create, delete and revert snapshots of a libvirt storage volume
version_added: 0.1.0
description:
  - Creates a named snapshot of a volume, deletes it, or reverts the volume to it.
  - Volumes of file-based pools (C(dir), C(fs), C(netfs)) get qcow2 internal snapshots, taken with
    C(qemu-img snapshot) on the node; the volume must be qcow2 (a raw volume is an error).
  - Volumes of C(rbd) pools get RBD snapshots, taken with librbd on the node as the pool's cephx user, with the
    keyring in O(ceph_keyring). Deleting a protected snapshot unprotects it first, and is refused while clones (for
    example copy-on-write volumes that M(limiquantix.storage.lq_volume) made) are built on it.
  - Volumes of other pool types are not supported (an error naming the pool type).
  - A change to a qcow2 volume writes its image, which must not happen while a qemu process has it open. Every
    change is therefore refused while a running (or paused) domain uses the volume, directly or through a
    copy-on-write clone built on it; there is no option to force it. Shut the domain down first, or take a domain
    snapshot through libvirt instead. Domains that are only defined do not stop a change.
  - RBD snapshots can be created and deleted while a domain runs on the image (the snapshot is crash-consistent);
    reverting an RBD image is refused while a running domain uses it.
  - Reverting a qcow2 volume is refused while copy-on-write volumes are built on it (their data would no longer match
    their backing file). RBD clones hang on snapshots, which a revert leaves alone.
  - Creating and deleting are idempotent. Reverting is not - neither qemu-img nor librbd can tell whether the volume
    still holds the snapshot's data - so O(state=reverted) reverts, and reports a change, every time it runs.
author:
  - LimiQuantix storage team (@limiquantix)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - limiquantix.storage.connection
  - limiquantix.storage.ceph_client
attributes:
  check_mode:
    support: full
    details: Check mode reports exactly the actions a real run would take, in RV(actions), and predicts
      RV(snapshots); a snapshot it predicts has no RV(snapshots[].date).
  diff_mode:
    support: full
    details: The diff shows the names of the volume's snapshots before and after, and after a revert which snapshot
      the volume was reverted to.
  platform:
    platforms: posix
  action_group:
    membership: [limiquantix.storage.storage]
options:
  pool:
    description:
      - The pool that holds the volume. It must exist and run.
    type: str
    required: true
  volume:
    description:
      - Name of the volume in O(pool).
      - With O(state=absent) a volume that does not exist has no snapshots, which is no change.
    type: str
    required: true
  name:
    description:
      - Name of the snapshot. At most 255 bytes, without control characters or leading and trailing spaces.
      - Snapshots are matched by name, never by qemu-img's numeric id.
    type: str
    required: true
  state:
    description:
      - V(present) creates the snapshot when the volume has none of that name.
      - V(absent) deletes it (every snapshot of that name, when other tools made several).
      - V(reverted) reverts the volume's data to the snapshot, which must exist; the snapshot stays. This discards
        every change made to the volume since the snapshot was taken, and is reported as a change every time.
    type: str
    choices: [present, absent, reverted]
    default: present
notes:
  - For qcow2 volumes the node needs C(qemu-img) (package C(qemu-utils) on Debian and Ubuntu, C(qemu-img) on EL).
  - Internal snapshots live inside the qcow2 file and grow it. A volume whose snapshots hold much data reports a
    larger RV(limiquantix.storage.lq_volume_info#module:volumes[].allocation) than its guest uses.
seealso:
  - module: limiquantix.storage.lq_volume
  - module: limiquantix.storage.lq_volume_info
  - name: qemu-img snapshot
    description: The command this module runs for qcow2 internal snapshots.
    link: https://www.qemu.org/docs/master/tools/qemu-img.html
  - name: RBD snapshots
    description: Ceph's documentation of the snapshots this module takes of RBD images.
    link: https://docs.ceph.com/en/latest/rbd/rbd-snapshot/
"""

EXAMPLES = r"""
- name: Snapshot a volume before an upgrade of its (shut down) domain
  limiquantix.storage.lq_volume_snapshot:
    pool: images
    volume: vm1-root.qcow2
    name: before-upgrade

- name: Go back to the snapshot (reverts every time it runs)
  limiquantix.storage.lq_volume_snapshot:
    pool: images
    volume: vm1-root.qcow2
    name: before-upgrade
    state: reverted

- name: Delete the snapshot
  limiquantix.storage.lq_volume_snapshot:
    pool: images
    volume: vm1-root.qcow2
    name: before-upgrade
    state: absent
"""

RETURN = r"""
snapshots:
  description:
    - The volume's snapshots after the task (predicted in check mode), in id order.
    - Empty when O(state=absent) and the volume does not exist.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The backend's id of the snapshot (for qcow2, qemu-img's numeric id; for RBD, Ceph's snapshot id).
      type: str
      sample: '1'
    name:
      description: Name of the snapshot.
      type: str
      sample: before-upgrade
    date:
      description: When the snapshot was taken, ISO 8601 in UTC; null for one that check mode predicts.
      type: str
      sample: '2026-01-31T12:00:00Z'
    vm_state_size:
      description: Bytes of VM memory state the snapshot holds (0 for a disk-only snapshot).
      type: int
      sample: 0
snapshot:
  description: The snapshot named O(name) after the task, as in RV(snapshots), or null when there is none.
  returned: always
  type: dict
  sample: {id: '1', name: before-upgrade, date: '2026-01-31T12:00:00Z', vm_state_size: 0}
actions:
  description: What the task did (or, in check mode, would do), in order.
  returned: always
  type: list
  elements: str
  sample: ['create qcow2 internal snapshot before-upgrade of volume images/vm1-root.qcow2']
"""

from ansible_collections.limiquantix.storage.plugins.module_utils._ceph import CEPH_CLIENT_ARGUMENT_SPEC
from ansible_collections.limiquantix.storage.plugins.module_utils._module import LqModule
from ansible_collections.limiquantix.storage.plugins.module_utils._snapshots import (
    SNAPSHOT_STATES,
    converge_snapshot,
    snapshot_request,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._volumes import VolumeManager


def converge(module: LqModule) -> dict:
    request = snapshot_request(module.params)
    conn = module.connect()
    node = module.node()
    return converge_snapshot(request, conn, VolumeManager(conn, node), node, module.ansible.check_mode,
                             module.ansible._diff, module.params["ceph_keyring"])


def main() -> None:
    module = LqModule(
        argument_spec=dict(
            pool=dict(type="str", required=True),
            volume=dict(type="str", required=True),
            name=dict(type="str", required=True),
            state=dict(type="str", choices=list(SNAPSHOT_STATES), default="present"),
            **CEPH_CLIENT_ARGUMENT_SPEC
        ),
        supports_check_mode=True,
    )
    module.run(converge)


if __name__ == "__main__":
    main()

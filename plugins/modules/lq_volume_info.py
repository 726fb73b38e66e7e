#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lq_volume_info
short_description: Report the libvirt storage volumes of a node, with their snapshots
version_added: 0.1.0
description:
  - Lists the volumes of one pool, or of every running pool, with the same fields M(limiquantix.storage.lq_volume)
    returns (path, format, capacity, allocation, backing store, the C(<disk>) element that attaches the volume) and
    their snapshots.
  - Snapshots are listed for qcow2 volumes of file-based pools (C(dir), C(fs), C(netfs)), read with
    C(qemu-img info), also while a running domain uses the volume, and for volumes of rbd pools, read with librbd
    (see O(ceph_keyring)); when they cannot be read (no keyring for the pool's user, say), they are null and a
    warning says why. Other volumes list none.
  - Reads only; never changes anything. Pools are refreshed before they are read, as libvirt does on C(pool-refresh).
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
  diff_mode:
    support: N/A
  platform:
    platforms: posix
  action_group:
    membership: [limiquantix.storage.storage]
options:
  pool:
    description:
      - Report the volumes of this pool only. It must exist and run.
      - Every running pool when not given (pools that are not started have no volumes to read).
    type: str
  names:
    description:
      - Report only the volumes of these names.
      - With O(pool), a name the pool does not hold is reported with RV(volumes[].state=absent). Without O(pool),
        every running pool's volumes of these names are reported, and a name that no running pool holds is reported
        with RV(volumes[].state=absent) and RV(volumes[].pool=null).
    type: list
    elements: str
    aliases: [name]
notes:
  - Listing snapshots runs C(qemu-img) on the node (package C(qemu-utils) on Debian and Ubuntu) once per qcow2 volume
    of a file-based pool.
seealso:
  - module: limiquantix.storage.lq_volume
  - module: limiquantix.storage.lq_volume_snapshot
  - module: limiquantix.storage.lq_storage_pool_info
"""

EXAMPLES = r"""
- name: Every volume of every running pool
  limiquantix.storage.lq_volume_info:
  register: storage

- name: Volumes that have snapshots
  ansible.builtin.debug:
    msg: "{{ storage.volumes | selectattr('snapshots') | map(attribute='path') | list }}"

- name: Two volumes of the images pool
  limiquantix.storage.lq_volume_info:
    pool: images
    names: [vm1-root.qcow2, vm2-root.qcow2]
  register: roots

- name: Attach the first one to a domain
  community.libvirt.virt:
    command: attach_device
    name: vm1
    xml: "{{ roots.volumes[0].disk_xml }}"
"""

RETURN = r"""
volumes:
  description: The volumes, ordered by pool, then name; names that no running pool holds come last.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Volume name.
      type: str
      sample: vm1-root.qcow2
    pool:
      description: Pool name; null for a name asked for that no running pool holds.
      type: str
      sample: images
    state:
      description: V(present), or V(absent) for a name asked for that does not exist.
      type: str
    key:
      description: libvirt's key of the volume.
      type: str
    path:
      description: Path of the volume on the node (for network volumes the pool/image name).
      type: str
      sample: /var/lib/limiquantix/images/vm1-root.qcow2
    type:
      description: libvirt's volume type (V(file), V(block), V(network)).
      type: str
    format:
      description: Volume format.
      type: str
      sample: qcow2
    capacity:
      description: Capacity in bytes.
      type: int
    allocation:
      description: Allocated bytes.
      type: int
    backing_store:
      description: Backing file of a copy-on-write volume (C(path), C(format)), or null.
      type: dict
    disk:
      description: The C(<disk>) element as data (C(type), C(device), C(driver), C(source), C(target), C(auth)).
      type: dict
    disk_xml:
      description: The libvirt C(<disk>) element that attaches this volume to a domain (target C(vda), bus
        C(virtio)).
      type: str
    snapshots:
      description:
        - The volume's snapshots in id order; empty for volumes without snapshot support.
        - Null when they cannot be read (a warning says why).
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
          description: When the snapshot was taken, ISO 8601 in UTC.
          type: str
          sample: '2026-01-31T12:00:00Z'
        vm_state_size:
          description: Bytes of VM memory state the snapshot holds (0 for a disk-only snapshot).
          type: int
          sample: 0
"""

import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._ceph import CEPH_CLIENT_ARGUMENT_SPEC
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._module import LqModule
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import PoolDefinition
from ansible_collections.limiquantix.storage.plugins.module_utils._snapshots import (
    running_pool_names,
    volume_snapshots,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._volume_xml import VolumeDefinition
from ansible_collections.limiquantix.storage.plugins.module_utils._volumes import VolumeManager, volume_status


def _read_pool(conn, manager: VolumeManager, pool_name: str,
               must_exist: bool) -> t.Optional[t.Tuple[PoolDefinition, t.List[VolumeDefinition]]]:
    """The pool and its volumes. Volumes deleted while they are listed are read again once; a pool that stops
    or goes away while the report reads every running pool is left out.

    When the second read fails too, the first error is the one reported: libvirt stops a pool whose refresh
    fails (an rbd pool whose cephx key is wrong, say), so the second read only finds the pool stopped.
    """
    first_error: t.Optional[LqError] = None
    for _attempt in (1, 2):
        try:
            return manager.pool(pool_name)[1], manager.volumes(pool_name)
        except LqError as error:
            if not must_exist and pool_name not in running_pool_names(conn):
                return None
            if first_error is not None:
                raise first_error
            first_error = error
    return None  # pragma: no cover


def report(module: LqModule) -> dict:
    conn = module.connect()
    node = module.node()
    manager = VolumeManager(conn, node)
    pool_option: t.Optional[str] = module.params["pool"]
    names: t.Optional[t.List[str]] = module.params["names"]
    pool_names = [pool_option] if pool_option is not None else running_pool_names(conn)
    statuses = []
    found = set()
    unreadable: t.Set[str] = set()
    for pool_name in pool_names:
        read = _read_pool(conn, manager, pool_name, must_exist=pool_option is not None)
        if read is None:
            continue
        pool, volumes = read
        for volume in volumes:
            if names is not None and volume.name not in names:
                continue
            found.add(volume.name)
            status = volume_status(pool, volume)
            status["snapshots"] = None
            if pool.name not in unreadable:
                try:
                    status["snapshots"] = volume_snapshots(pool, volume, node, module.params["ceph_keyring"])
                except LqError as error:
                    # One warning per pool: the next volume would fail the same way.
                    unreadable.add(pool.name)
                    module.warn(["snapshots of the volumes of pool %s cannot be read: %s" % (pool.name, error.message)])
            statuses.append(status)
    for name in sorted(set(names or []) - found):
        statuses.append({"name": name, "pool": pool_option, "state": "absent"})
    statuses.sort(key=lambda status: (status["pool"] is None, status["pool"] or "", status["name"]))
    return {"changed": False, "volumes": statuses}


def main() -> None:
    module = LqModule(
        argument_spec=dict(
            pool=dict(type="str"),
            names=dict(type="list", elements="str", aliases=["name"]),
            **CEPH_CLIENT_ARGUMENT_SPEC
        ),
        supports_check_mode=True,
    )
    module.run(report)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lq_storage_pool
short_description: Converge libvirt storage pools of every type, one or many per task
version_added: 0.1.0
description:
  - Defines, builds, starts, autostarts, redefines and removes libvirt storage pools of type C(dir), C(fs),
    C(netfs) (NFS), C(logical) (LVM), C(iscsi), C(iscsi-direct) and C(rbd) (Ceph).
  - Declarative. The task states the pool's definition and lifecycle; the module compares them with what libvirt
    reports and changes only what differs. Definition options the task leaves out keep their current value.
  - A changed definition is redefined. On a running pool it takes effect at the next pool restart; the module
    restarts the pool itself when no running domain uses its volumes (see O(restart)), and otherwise warns and
    returns RV(pool.restart_required). A later run restarts the pool once it is safe.
  - Building never destroys data. Before formatting a device (C(fs)) or creating a volume group (C(logical)) the
    module probes the devices with C(blkid); a device holding any filesystem, RAID, LVM or partition-table
    signature is refused unless O(overwrite=true).
  - O(state=absent) stops and undefines the pool and keeps its data unless O(delete_data=true). Removing or stopping
    a pool whose volumes a domain uses is refused unless O(force=true).
  - To converge many pools with one module call (much faster than a loop), give them as a list in O(pools); the
    top-level lifecycle options are then defaults for every entry.
author:
  - LimiQuantix storage team (@limiquantix)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - limiquantix.storage.connection
  - limiquantix.storage.pool_items
attributes:
  check_mode:
    support: full
    details: Check mode reports exactly the actions a real run would take, in RV(actions).
  diff_mode:
    support: full
    details: The diff shows the definition and lifecycle before and after. Pool definitions hold no secret values.
  platform:
    platforms: posix
  action_group:
    membership: [limiquantix.storage.storage]
options:
  name:
    description:
      - Name of the pool, made of letters, digits and the characters C(_.+:-); no slashes or spaces.
      - Required unless O(pools) or O(xml) is given.
    type: str
  type:
    description:
      - The pool type. Required with O(state=present) unless O(xml) is given.
      - Which definition options apply depends on the type; the module says which when one does not fit.
    type: str
    choices: [dir, fs, netfs, logical, iscsi, iscsi-direct, rbd]
  xml:
    description:
      - The whole pool definition as libvirt XML, instead of the typed options (escape hatch).
      - Mutually exclusive with O(type) and every definition option.
      - Drift is detected on the parts of the definition the typed options also cover.
    type: str
  state:
    description:
      - Whether the pool is defined (V(present)) or not (V(absent)).
    type: str
    choices: [present, absent]
    default: present
  started:
    description:
      - Whether the pool is started (active).
    type: bool
    default: true
  autostart:
    description:
      - Whether libvirt starts the pool when it starts.
    type: bool
    default: true
  build:
    description:
      - Build the pool before starting it when it needs building - create the target directory (C(dir), C(fs),
        C(netfs)), format the device (C(fs)), create the volume group (C(logical)).
      - Never destroys data unless O(overwrite=true).
    type: bool
    default: true
  overwrite:
    description:
      - Allow building over a device that holds signatures (a filesystem, LVM, RAID or partition table),
        destroying its data.
    type: bool
    default: false
  delete_data:
    description:
      - With O(state=absent), delete the pool's volumes and its storage (directory, mount point, volume group)
        before undefining it. For C(rbd) the images are deleted, clones before the images they were cloned from,
        each with its snapshots, and the Ceph pool is kept.
      - On shared storage that means everything the pool shows, not only what this node made - every image of
        the Ceph pool (C(rbd)), every file of the export (C(netfs)) - and the check for domains using the
        volumes sees this node's domains only.
      - Not valid for C(iscsi) and C(iscsi-direct), whose LUNs belong to the target.
    type: bool
    default: false
  force:
    description:
      - Stop, restart or remove the pool even while domains use its volumes.
    type: bool
    default: false
  restart:
    description:
      - When the definition of a running pool changes, whether the module restarts the pool to apply it.
      - V(when_unused) restarts only when no running domain uses the pool's volumes, V(always) restarts anyway,
        V(never) leaves it to the operator. When no restart happens the module warns and returns
        RV(pool.restart_required=true).
    type: str
    choices: [when_unused, always, never]
    default: when_unused
  target:
    description:
      - Path of the pool on the node. Required for C(dir), C(fs) (mount point) and C(netfs) (mount point).
      - For C(logical) it defaults to C(/dev/<volume_group>), for C(iscsi) to C(/dev/disk/by-path).
    type: path
  mode:
    description:
      - Permissions of the target directory (C(dir), C(fs), C(netfs)), as an octal string such as C('0711').
    type: raw
  owner:
    description:
      - Owner of the target directory, a user name or a numeric uid (C(dir), C(fs), C(netfs)).
    type: str
  group:
    description:
      - Group of the target directory, a group name or a numeric gid (C(dir), C(fs), C(netfs)).
    type: str
  device:
    description:
      - Block device (or image file) holding the filesystem of an C(fs) pool. Required for C(fs).
    type: path
  devices:
    description:
      - Physical volumes of a C(logical) pool's volume group, used when the module creates the volume group.
      - Stable links such as C(/dev/disk/by-path/...) or C(/dev/disk/by-id/...) are resolved to the device names LVM
        lists (C(/dev/sdb), C(/dev/mapper/mpatha)) in the pool definition, because libvirt starts a logical pool only
        when its devices match those names. A rerun with the same links compares equal.
    type: list
    elements: path
  filesystem:
    description:
      - Filesystem of an C(fs) pool (C(ext4), C(xfs), ...; default C(auto), which mounts whatever is there but cannot
        format), or C(nfs) for a C(netfs) pool (the default there; C(auto) lets mount choose).
    type: str
  host:
    description:
      - Server of a C(netfs) pool (NFS server) or portal host of an C(iscsi) or C(iscsi-direct) pool.
      - Before it starts such a pool, and before M(limiquantix.storage.lq_volume) and friends read its volumes, the
        module probes the host over TCP (nfsd's port 2049, or the portal's port; 3 seconds) and fails with a message
        naming it when it does not answer. Without the probe C(mount.nfs) and C(iscsiadm) wait about 2 minutes, and
        libiscsi fails with an obscure message.
    type: str
  port:
    description:
      - Portal port of an C(iscsi) or C(iscsi-direct) pool. libvirt uses 3260 when not set.
    type: int
  export:
    description:
      - Exported directory on the NFS server of a C(netfs) pool. Required for C(netfs).
    type: str
  nfs_version:
    description:
      - NFS protocol version of a C(netfs) pool.
    type: str
    choices: ['3', '4', '4.0', '4.1', '4.2']
  mount_options:
    description:
      - Extra mount options for C(fs) and C(netfs) pools, one per item (for example C(nconnect=4)).
    type: list
    elements: str
  volume_group:
    description:
      - Volume group of a C(logical) pool. Defaults to the pool name.
    type: str
  iqn:
    description:
      - Target IQN of an C(iscsi) or C(iscsi-direct) pool.
    type: str
  initiator_iqn:
    description:
      - Initiator IQN the pool logs in with. Required for C(iscsi-direct), optional for C(iscsi).
    type: str
  auth:
    description:
      - Authentication of an C(iscsi)/C(iscsi-direct) pool (CHAP) or an C(rbd) pool (cephx).
      - The secret value lives in a libvirt secret; the pool refers to it by UUID or usage, so no secret value is
        ever part of a pool definition.
    type: dict
    suboptions:
      username:
        description: CHAP user name, or cephx user name without the C(client.) prefix.
        type: str
        required: true
      secret_uuid:
        description: UUID of the libvirt secret. Mutually exclusive with O(auth.secret_usage).
        type: str
      secret_usage:
        description: Usage name of the libvirt secret. Mutually exclusive with O(auth.secret_uuid).
        type: str
  monitors:
    description:
      - Ceph monitors of an C(rbd) pool, each C(host), C(host:port) or C([ipv6]:port); without a port, librados tries
        3300 (msgr2) and 6789. Required for C(rbd). Give several, as libvirt, librados and the domains' disks use any
        that answers.
      - Before it starts an C(rbd) pool, and before M(limiquantix.storage.lq_volume) and friends touch its volumes, the
        module probes the monitors (TCP and the Ceph banner, 3 seconds each) and fails with a message naming each
        monitor and what went wrong when none answers. libvirt itself would wait 30 seconds and then report a
        misleading "failed to connect to the RADOS monitor".
    type: list
    elements: str
  rbd_pool:
    description:
      - Ceph pool of an C(rbd) pool. Defaults to the pool name.
    type: str
  rbd_options:
    description:
      - librados configuration options of an C(rbd) pool (C(<ceph:config>) in the pool XML), such as C(rbd_cache).
      - libvirt sets C(client_mount_timeout), C(rados_mon_op_timeout) and C(rados_osd_op_timeout) itself, to 30
        seconds, after these options; setting them here has no effect.
    type: dict
  pools:
    description:
      - Many pools in one call. Each item takes the same options as a single pool (O(name), O(type), the
        definition options, and the lifecycle options, which default to the top-level values).
      - Mutually exclusive with O(name), O(type), O(xml) and the definition options at the top level.
      - Every item is validated, and every plan made, before anything changes.
seealso:
  - module: limiquantix.storage.lq_storage_pool_info
  - name: libvirt storage pool XML format
    description: What each pool type's definition means to libvirt.
    link: https://libvirt.org/formatstorage.html
"""

EXAMPLES = r"""
- name: A directory pool, started and autostarted
  limiquantix.storage.lq_storage_pool:
    name: images
    type: dir
    target: /var/lib/limiquantix/images
    mode: '0711'

- name: An ext4 filesystem pool on a dedicated disk (formatted only if the disk is blank)
  limiquantix.storage.lq_storage_pool:
    name: local-ssd
    type: fs
    device: /dev/disk/by-id/nvme-SAMSUNG_MZ1LB960HAJQ-00007_S435NE0M900001
    filesystem: ext4
    target: /srv/local-ssd

- name: An NFS 4.2 pool
  limiquantix.storage.lq_storage_pool:
    name: shared-nfs
    type: netfs
    host: nfs.example.com
    export: /export/vms
    nfs_version: '4.2'
    mount_options: [nconnect=4]
    target: /srv/shared-nfs

- name: An LVM pool, creating the volume group on a blank device
  limiquantix.storage.lq_storage_pool:
    name: vg_vms
    type: logical
    devices: [/dev/sdb]

- name: A Ceph RBD pool authenticated through a libvirt secret
  limiquantix.storage.lq_storage_pool:
    name: ceph-vms
    type: rbd
    rbd_pool: vms
    monitors: [10.0.0.1:6789, 10.0.0.2:6789, '[2001:db8::3]:3300']
    auth:
      username: libvirt
      secret_usage: client.libvirt
    rbd_options:
      rbd_cache: "false"

- name: An iSCSI target through libiscsi, with CHAP
  limiquantix.storage.lq_storage_pool:
    name: san-lun
    type: iscsi-direct
    host: 10.0.0.20
    iqn: iqn.2026-01.com.example:san
    initiator_iqn: iqn.2026-01.com.example:node1
    auth:
      username: node1
      secret_usage: iscsi-san

- name: Many pools in one call (a no-op run costs one module invocation)
  limiquantix.storage.lq_storage_pool:
    autostart: true
    pools:
      - {name: images, type: dir, target: /var/lib/limiquantix/images}
      - {name: isos, type: dir, target: /var/lib/limiquantix/isos, autostart: false}
      - {name: old-pool, state: absent}

- name: Remove a pool and delete its volumes and directory
  limiquantix.storage.lq_storage_pool:
    name: scratch
    state: absent
    delete_data: true
"""

RETURN = r"""
pool:
  description: The pool after the task (predicted in check mode). Only for the single-pool form.
  returned: when O(pools) is not given
  type: dict
  contains:
    name:
      description: Pool name.
      type: str
      sample: images
    state:
      description: V(running), V(inactive), V(building), V(degraded), V(inaccessible), or V(absent).
      type: str
      sample: running
    uuid:
      description: Pool UUID (null in check mode for a pool not yet defined).
      type: str
      sample: 0d3b6e26-5a3c-4e0f-8a7e-4f1f6a1e2c11
    type:
      description: Pool type.
      type: str
      sample: dir
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
      description: Capacity in bytes (null when unknown, for example in check mode for a new pool).
      type: int
      sample: 107374182400
    allocation:
      description: Allocated bytes.
      type: int
    available:
      description: Available bytes.
      type: int
    target:
      description: Target path on the node, when the pool type has one.
      type: str
      sample: /var/lib/limiquantix/images
    volume_count:
      description: Number of volumes (null while the pool is inactive).
      type: int
    restart_required:
      description: True when a new definition waits for a pool restart the module did not do.
      type: bool
    definition:
      description: The pool's definition in terms of this module's options (no secret values).
      type: dict
      sample: {target: /var/lib/limiquantix/images, mode: '0711'}
pools:
  description: Every pool of the task, in the order given, each as described for RV(pool).
  returned: always
  type: list
  elements: dict
actions:
  description: What the task did (or, in check mode, would do), in order.
  returned: always
  type: list
  elements: str
  sample: [define pool images, 'build pool images: create directory /var/lib/limiquantix/images', start pool images,
           enable autostart of pool images]
"""

from ansible_collections.limiquantix.storage.plugins.module_utils._module import LqModule
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_requests import (
    POOL_MUTUALLY_EXCLUSIVE,
    POOL_REQUIRED_ONE_OF,
    pool_argument_spec,
    pool_requests,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._pools import converge_pools


def main() -> None:
    module = LqModule(
        argument_spec=pool_argument_spec(),
        mutually_exclusive=POOL_MUTUALLY_EXCLUSIVE,
        required_one_of=POOL_REQUIRED_ONE_OF,
        supports_check_mode=True,
    )
    module.run_converge(pool_requests, converge_pools, "pools", "pool")


if __name__ == "__main__":
    main()

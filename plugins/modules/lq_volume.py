#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lq_volume
short_description: Converge libvirt storage volumes - create, clone, upload, resize, delete - one or many per task
version_added: 0.1.0
description:
  - Creates empty volumes, clones volumes (copy-on-write on a qcow2 backing file, or a full copy, also across
    pools), uploads disk images from a file on the node, grows volumes, corrects the mode, owner and group of
    file-based volumes, wipes and deletes volumes.
  - Returns, for every volume, the libvirt C(<disk>) element that attaches it to a domain, as the pool type
    requires - a file, a block device, or a network disk (RBD with monitors and auth secret, iSCSI through libiscsi).
  - Never loses data unless told. Shrinking needs O(allow_shrink=true); deleting a volume that a domain definition
    uses (by path, by pool and volume, by RBD image) needs O(force=true); formats are never converted in place.
  - The pool must exist and run (see M(limiquantix.storage.lq_storage_pool)).
  - To converge many volumes with one module call, give them as a list in O(volumes); every other top-level option
    is then a default for every item (for example O(pool)).
author:
  - LimiQuantix storage team (@limiquantix)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - limiquantix.storage.connection
  - limiquantix.storage.ceph_client
  - limiquantix.storage.volume_items
attributes:
  check_mode:
    support: full
    details: Check mode reports exactly the actions a real run would take, in RV(actions).
  diff_mode:
    support: full
    details: The diff shows capacity, format, permissions and backing store before and after; never contents.
  platform:
    platforms: posix
  action_group:
    membership: [limiquantix.storage.storage]
options:
  name:
    description:
      - Name of the volume in its pool. Letters, digits and the characters C(_.+:@-); no slashes.
      - Required unless O(volumes) is given.
    type: str
  pool:
    description:
      - The pool that holds the volume. Required (at the top level or in every item of O(volumes)).
    type: str
  state:
    description:
      - Whether the volume exists.
    type: str
    choices: [present, absent]
    default: present
  capacity:
    description:
      - Size of the volume, in bytes or with a unit - V(10GiB), V(512MiB), V(10GB) (powers of 1000), V(10G) (powers
        of 1024, as qemu-img reads it).
      - Required to create an empty volume. For clones it defaults to the source's size, for uploads to the image's
        virtual size; a larger value grows the volume after cloning or uploading.
      - An existing volume smaller than this grows. One larger than this is an error unless O(allow_shrink=true).
        Sizes the backend rounds up (LVM extents) are not a change.
    type: raw
  format:
    description:
      - Volume format. C(dir), C(fs) and C(netfs) pools hold V(raw) and V(qcow2) (the default there); the other
        pool types hold V(raw) only.
      - An existing volume in another format is an error, never converted.
    type: str
    choices: [raw, qcow2]
  preallocation:
    description:
      - V(off) allocates on write (sparse), V(metadata) preallocates qcow2 metadata, V(full) allocates the whole
        capacity. Applies when the volume is created.
      - Volumes of C(logical) pools are always fully allocated. libvirt would make a sparse one an LVM snapshot whose
        copy-on-write space is its allocation, which LVM invalidates, losing the data, once that much is written.
    type: str
    choices: ['off', metadata, full]
    default: 'off'
  mode:
    description: Permissions of a volume in a file-based pool, as an octal string such as C('0600').
    type: raw
  owner:
    description: Owner of a volume in a file-based pool, a user name or numeric uid.
    type: str
  group:
    description: Group of a volume in a file-based pool, a group name or numeric gid.
    type: str
  clone_from:
    description:
      - Create the volume as a clone of another volume. Applies only when the volume does not exist yet.
    type: dict
    suboptions:
      pool:
        description: Pool of the source volume. Defaults to O(pool).
        type: str
      name:
        description: Name of the source volume.
        type: str
        required: true
  copy_on_write:
    description:
      - With O(clone_from), create a copy-on-write clone instead of a full copy. In file-based pools the clone is a
        qcow2 volume whose backing file is the source, which must then stay unchanged for as long as the clone exists.
      - In an rbd pool the clone is an RBD clone, made by libvirt through a protected snapshot of the source image
        (the first of its snapshots that still matches the image, else a new one named C(libvirt-...)); it must be
        in the source's pool. The source can change afterwards; it cannot be deleted while clones are built on it.
      - libvirt (seen with 9.0 and Ceph 16) cannot make such a clone once the source has changed since one of its
        snapshots, for example after an earlier copy-on-write clone; the task then fails saying so. Make a full copy
        instead, or clone with the C(rbd) tool.
      - Without it, a clone in or from an rbd pool is a full, independent copy made with librbd (see
        O(ceph_keyring)); RBD volumes are copied only between rbd pools of the same cluster.
    type: bool
    default: false
  upload_from:
    description:
      - A disk image file on the node to upload into the volume, streamed through libvirt. Its format (raw, qcow2)
        is detected with C(qemu-img info); the volume gets that format and the image's virtual size.
      - Not for rbd pools, which libvirt cannot upload into (an error; use C(rbd import)).
      - Whether a rerun uploads again is decided by O(upload_compare). The result's RV(volume.transfer) tells how
        many bytes went how fast.
    type: path
  upload_compare:
    description:
      - How a rerun decides whether an existing volume already holds the image. V(checksum) compares the SHA-256 of
        a raw image with that of the volume's first bytes (as many as the image has), and compares a qcow2 image
        with the volume as a guest sees them (C(qemu-img compare), so a volume grown beyond the image still
        matches); it uploads again when they differ and reads both in full on every run. V(exists) never uploads
        into an existing volume.
    type: str
    choices: [checksum, exists]
    default: checksum
  allow_shrink:
    description: Allow O(capacity) to shrink an existing volume, destroying the data beyond the new end.
    type: bool
    default: false
  force:
    description:
      - Delete the volume even while domain definitions use it, or copy-on-write clones are built on it.
      - An RBD image with clones cannot be deleted even so (Ceph refuses); its own snapshots are deleted with it, as
        a qcow2 file's internal snapshots are.
    type: bool
    default: false
  wipe:
    description:
      - With O(state=absent), overwrite the volume's content with this libvirt wipe algorithm before deleting it.
    type: str
    choices: [zero, nnsa, dod, bsi, gutmann, schneier, pfitzner7, pfitzner33, random, trim]
  disk_target:
    description: Target device name in the returned RV(volume.disk_xml).
    type: str
    default: vda
  disk_bus:
    description: Bus in the returned RV(volume.disk_xml).
    type: str
    default: virtio
  upload_chunk:
    description:
      - "Internal: used by the collection's action plugin to upload in steps and show progress; do not set it."
      - Uploads only the bytes from O(upload_chunk.offset) on, O(upload_chunk.length) of them, of O(upload_from) into
        the same place of the existing volume O(pool)/O(name), and nothing else.
    type: dict
    suboptions:
      offset:
        description: First byte of the chunk.
        type: int
        required: true
      length:
        description: Number of bytes of the chunk.
        type: int
        required: true
  upload_defer_above:
    description:
      - "Internal: used by the collection's action plugin to upload in steps and show progress; do not set it."
      - Images larger than this many bytes are not uploaded but listed in the result's C(pending_uploads).
    type: int
  volumes:
    description:
      - Many volumes in one call. Each item takes the options of a single volume; every top-level option except
        O(name) is a default for the items.
      - Every item is validated, and every plan made, before anything changes.
seealso:
  - module: limiquantix.storage.lq_storage_pool
  - name: libvirt storage volume XML format
    description: What libvirt stores for a volume.
    link: https://libvirt.org/formatstorage.html#storage-volume-xml
"""

EXAMPLES = r"""
- name: An empty 20 GiB qcow2 volume
  limiquantix.storage.lq_volume:
    pool: images
    name: vm1-root.qcow2
    capacity: 20GiB
  register: root_disk

- name: Attach it to a domain with the returned disk XML
  community.libvirt.virt:
    command: attach_device
    name: vm1
    xml: "{{ root_disk.volume.disk_xml }}"

- name: Upload a cloud image once (a rerun compares checksums)
  limiquantix.storage.lq_volume:
    pool: images
    name: debian-12.qcow2
    upload_from: /srv/images/debian-12-genericcloud-amd64.qcow2

- name: Copy-on-write clones of the image, 20 GiB each, in one call
  limiquantix.storage.lq_volume:
    pool: images
    capacity: 20GiB
    clone_from: {name: debian-12.qcow2}
    copy_on_write: true
    volumes:
      - name: vm1-root.qcow2
      - name: vm2-root.qcow2

- name: Delete a volume, overwriting it with zeros first
  limiquantix.storage.lq_volume:
    pool: images
    name: old.qcow2
    state: absent
    wipe: zero
"""

RETURN = r"""
volume:
  description: The volume after the task (predicted in check mode). Only for the single-volume form.
  returned: when O(volumes) is not given
  type: dict
  contains:
    name:
      description: Volume name.
      type: str
    pool:
      description: Pool name.
      type: str
    state:
      description: V(present) or V(absent).
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
      description: The libvirt C(<disk>) element that attaches this volume to a domain.
      type: str
      sample: |-
        <disk type="file" device="disk">
          <driver name="qemu" type="qcow2" />
          <source file="/var/lib/limiquantix/images/vm1-root.qcow2" />
          <target dev="vda" bus="virtio" />
        </disk>
    transfer:
      description:
        - After an upload, how many C(bytes) took how many C(seconds) (C(bytes_per_second)).
        - Large images are uploaded in C(chunks) (their number), with progress shown in verbose output (C(-v)).
      type: dict
      returned: when the task uploaded
volumes:
  description: Every volume of the task, in the order given, each as described for RV(volume).
  returned: always
  type: list
  elements: dict
actions:
  description: What the task did (or, in check mode, would do), in order.
  returned: always
  type: list
  elements: str
  sample: ['create volume images/vm1-root.qcow2 (qcow2, 20.0 GiB)']
"""

import functools

from ansible_collections.limiquantix.storage.plugins.module_utils._ceph import CEPH_CLIENT_ARGUMENT_SPEC
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._module import LqModule
from ansible_collections.limiquantix.storage.plugins.module_utils._volume_requests import (
    VOLUME_MUTUALLY_EXCLUSIVE,
    VOLUME_REQUIRED_ONE_OF,
    volume_argument_spec,
    volume_requests,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._volumes import converge_volumes, upload_chunk


def upload_one_chunk(module: LqModule) -> dict:
    """upload_chunk: send one chunk of the image of a single, existing volume (for the action plugin)."""
    params = module.params
    if params["volumes"] is not None or not params["pool"] or not params["upload_from"]:
        raise LqError("upload_chunk needs pool, name and upload_from (and no volumes)")
    if module.ansible.check_mode:
        raise LqError("upload_chunk does not run in check mode")
    chunk = params["upload_chunk"]
    transferred = upload_chunk(module.connect(), module.node(), params["pool"], params["name"], params["upload_from"],
                               chunk["offset"], chunk["length"])
    return {"changed": True, "transferred": transferred}


def main() -> None:
    argument_spec = volume_argument_spec()
    argument_spec.update(
        upload_chunk=dict(type="dict", options=dict(
            offset=dict(type="int", required=True),
            length=dict(type="int", required=True),
        )),
        upload_defer_above=dict(type="int"),
        **CEPH_CLIENT_ARGUMENT_SPEC
    )
    module = LqModule(
        argument_spec=argument_spec,
        mutually_exclusive=VOLUME_MUTUALLY_EXCLUSIVE + [("upload_chunk", "upload_defer_above")],
        required_one_of=VOLUME_REQUIRED_ONE_OF,
        supports_check_mode=True,
    )
    if module.params["upload_chunk"] is not None:
        module.run(upload_one_chunk)
    module.run_converge(volume_requests,
                        functools.partial(converge_volumes, defer_uploads_above=module.params["upload_defer_above"],
                                          ceph_keyring=module.params["ceph_keyring"]),
                        "volumes", "volume")


if __name__ == "__main__":
    main()

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  ceph_keyring:
    description:
      - For volumes of rbd pools, what libvirt cannot do (RBD snapshots, full copies, shrinking, finding clones) the module does
        with librbd on the node, as the pool's cephx user (its C(auth.username)) at the pool's monitors. This is the
        keyring file on the node that holds that user's key.
      - When not given, Ceph's default places are searched, first C(/etc/ceph/ceph.client.USER.keyring).
      - The key is read by librados inside the module; it never appears in results or on a command line.
    type: path
requirements:
  - for rbd pools, the Ceph Python bindings on the managed node (C(python3-rados) and C(python3-rbd))
"""

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  uri:
    description:
      - The libvirt connection URI on the managed node.
      - The module runs on the node and needs the libvirt Python bindings there (C(python3-libvirt) on
        Debian, Ubuntu and EL).
    type: str
    default: qemu:///system
requirements:
  - libvirt-python (C(python3-libvirt)) on the managed node
  - a running libvirt daemon (C(libvirtd), or the modular C(virtqemud) and C(virtstoraged)) on the managed node
"""

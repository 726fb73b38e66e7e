#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lq_iscsi_target_info
short_description: Report the node's iSCSI sessions, with their LUN devices, and node records
version_added: 0.1.0
description:
  - Lists the node's open-iscsi sessions, each with the block devices of its disk LUNs, and its node records with
    their startup and CHAP settings (user names only; passwords are never read into the result).
  - Reads only; never changes anything.
author:
  - LimiQuantix storage team (@limiquantix)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
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
  target:
    description:
      - Report only sessions and records of this target (IQN).
    type: str
notes:
  - The node needs open-iscsi (C(iscsiadm)) and udev. Run as root to read node records.
seealso:
  - module: limiquantix.storage.lq_iscsi_target
"""

EXAMPLES = r"""
- name: The node's iSCSI sessions and records
  limiquantix.storage.lq_iscsi_target_info:
  register: iscsi

- name: Devices of every logged-in LUN
  ansible.builtin.debug:
    msg: "{{ iscsi.sessions | map(attribute='luns') | flatten | map(attribute='by_path') }}"
"""

RETURN = r"""
sessions:
  description: The node's iSCSI sessions, in session id order.
  returned: always
  type: list
  elements: dict
  contains:
    sid:
      description: The session id.
      type: str
      sample: '3'
    target:
      description: The target's IQN.
      type: str
      sample: iqn.2026-01.com.example:san-vms
    portal:
      description: The portal of the session, C(host:port).
      type: str
      sample: '10.0.0.20:3260'
    tpgt:
      description: The target portal group tag.
      type: str
      sample: '1'
    luns:
      description: The session's disk LUNs, as RV(limiquantix.storage.lq_iscsi_target#module:targets[].luns).
      type: list
      elements: dict
      sample: [{lun: 1, device: /dev/sdb, by_path: '/dev/disk/by-path/ip-10.0.0.20:3260-iscsi-iqn.2026-01.com.example:san-vms-lun-1',
                size: 10737418240, wwn: naa.60000000000000000000000000000001, serial: beaf11}]
records:
  description: The node records, sorted by target and portal.
  returned: always
  type: list
  elements: dict
  contains:
    target:
      description: The target's IQN.
      type: str
      sample: iqn.2026-01.com.example:san-vms
    portal:
      description: The portal, C(host:port).
      type: str
      sample: '10.0.0.20:3260'
    tpgt:
      description: The target portal group tag.
      type: str
      sample: '1'
    startup:
      description: C(automatic) or C(manual).
      type: str
      sample: automatic
    authmethod:
      description: C(CHAP) or C(None).
      type: str
      sample: CHAP
    username:
      description: The CHAP user name the initiator presents, or null.
      type: str
      sample: node1
    username_in:
      description: For mutual CHAP, the user name the target presents, or null.
      type: str
      sample: null
"""

from ansible_collections.limiquantix.storage.plugins.module_utils._iscsi import Iscsiadm, Sysfs, iscsi_report
from ansible_collections.limiquantix.storage.plugins.module_utils._module import LqModule


def main() -> None:
    module = LqModule(argument_spec=dict(target=dict(type="str")), uses_libvirt=False, supports_check_mode=True)

    def report(module: LqModule) -> dict:
        node = module.node()
        return dict(iscsi_report(Iscsiadm(node), Sysfs(), node, module.params["target"]), changed=False)

    module.run(report)


if __name__ == "__main__":
    main()

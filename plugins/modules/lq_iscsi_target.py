#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lq_iscsi_target
short_description: Converge a node's attachment to iSCSI targets - discovery, CHAP, login, LUN devices
version_added: 0.1.0
description:
  - Manages the node's side of an iSCSI target with open-iscsi (C(iscsiadm)) - its node records, their startup
    and CHAP settings, and the sessions - and returns the block devices of the target's disk LUNs.
  - A target missing from the node's records is found by sendtargets discovery at each portal (with discovery
    CHAP when O(discovery_auth) is given). Discovery stores a record for the requested target only, not for every
    target the portal offers.
  - After a login the module waits, bounded by O(wait_timeout) and with no fixed sleeps, until every disk LUN of
    the session has its block device and udev's C(/dev/disk/by-path) link, then returns them with size, WWN and
    serial number.
  - Idempotent. CHAP settings that changed on a logged-in session are written to the record and the session logs
    out and in again to use them - unless its LUNs are in use, in which case the change waits for the next login and
    a warning says so (RV(targets[].relogin_pending)). Later runs compare the credentials the kernel shows for the
    session with the task's, so they say so again, and log in again once the LUNs are free.
  - Never logs out (O(state=logged_out) or V(absent)) while one of the target's LUNs is in use - mounted, holding
    an LVM volume or another device-mapper device, or a disk of a domain - unless O(force=true).
  - A portal that does not answer is an error within seconds (a TCP probe before discovery and login) naming the
    portal, not iscsiadm's retries.
  - To converge many targets with one module call, give them as a list in O(targets); every other top-level option
    is then a default for every item.
author:
  - LimiQuantix storage team (@limiquantix)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - limiquantix.storage.connection
attributes:
  check_mode:
    support: full
    details: Check mode reports exactly the actions a real run would take, in RV(actions), and the predicted state;
      it needs the portals to answer when a discovery or login is due, as the real run would.
  diff_mode:
    support: full
    details: The diff shows, per portal, whether a record and a session exist and the record's startup and CHAP
      settings, with every password shown as C(********).
  platform:
    platforms: posix
  action_group:
    membership: [limiquantix.storage.storage]
options:
  target:
    description:
      - The target's iSCSI name (IQN), for example C(iqn.2026-01.com.example:storage). Required unless O(targets)
        is given.
    type: str
  portal:
    description:
      - Where the target listens, C(host), C(host:port), C([ipv6]) or C([ipv6]:port); port 3260 by default.
      - Mutually exclusive with O(portals).
    type: str
  portals:
    description:
      - Several portals of the target (one session each, for multipath). Mutually exclusive with O(portal).
    type: list
    elements: str
  iface:
    description:
      - The open-iscsi interface the records and sessions use.
    type: str
    default: default
  discovery:
    description:
      - Find a target that has no node record yet by sendtargets discovery at its portal. Without discovery the
        record is created directly (for targets that do not answer sendtargets).
    type: bool
    default: true
  discovery_auth:
    description:
      - CHAP credentials for sendtargets discovery. Without it, discovery uses none.
    type: dict
    suboptions:
      username:
        description: CHAP user name the initiator presents.
        type: str
        required: true
      password:
        description: CHAP secret the initiator presents.
        type: str
        required: true
      username_in:
        description: For mutual CHAP, the user name the target presents. Requires O(discovery_auth.password_in).
        type: str
      password_in:
        description: For mutual CHAP, the secret the target presents.
        type: str
  auth:
    description:
      - CHAP credentials for the session (login). Without it, the record uses no authentication.
      - Most targets (tgt, LIO) take CHAP secrets of 12 to 16 characters.
    type: dict
    suboptions:
      username:
        description: CHAP user name the initiator presents.
        type: str
        required: true
      password:
        description: CHAP secret the initiator presents.
        type: str
        required: true
      username_in:
        description: For mutual CHAP, the user name the target presents. Requires O(auth.password_in).
        type: str
      password_in:
        description: For mutual CHAP, the secret the target presents.
        type: str
  state:
    description:
      - V(logged_in) - a node record with the wanted settings and a session through every portal.
      - V(logged_out) - the record, and no session.
      - V(present) - the record with the wanted settings; sessions are left as they are.
      - V(absent) - no session and no record.
    type: str
    choices: [logged_in, logged_out, present, absent]
    default: logged_in
  startup:
    description:
      - Whether the node logs in to the target at boot (V(automatic)) or only when told (V(manual)).
    type: str
    choices: [automatic, manual]
    default: automatic
  force:
    description:
      - Log out even while LUNs of the target are in use. Their users lose their disks; a warning names them.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait after a login for the LUNs' block devices and by-path links.
    type: int
    default: 30
  targets:
    description:
      - Many targets in one module call, each with the options above; the top-level options are defaults for
        every item. Mutually exclusive with O(target).
    type: list
    elements: dict
    suboptions:
      target:
        description: The target's IQN. Required.
        type: str
      portal:
        description: As O(portal).
        type: str
      portals:
        description: As O(portals).
        type: list
        elements: str
      iface:
        description: As O(iface).
        type: str
      discovery:
        description: As O(discovery).
        type: bool
      discovery_auth:
        description: As O(discovery_auth).
        type: dict
        suboptions:
          username:
            description: CHAP user name the initiator presents.
            type: str
            required: true
          password:
            description: CHAP secret the initiator presents.
            type: str
            required: true
          username_in:
            description: For mutual CHAP, the user name the target presents.
            type: str
          password_in:
            description: For mutual CHAP, the secret the target presents.
            type: str
      auth:
        description: As O(auth).
        type: dict
        suboptions:
          username:
            description: CHAP user name the initiator presents.
            type: str
            required: true
          password:
            description: CHAP secret the initiator presents.
            type: str
            required: true
          username_in:
            description: For mutual CHAP, the user name the target presents.
            type: str
          password_in:
            description: For mutual CHAP, the secret the target presents.
            type: str
      state:
        description: As O(state).
        type: str
        choices: [logged_in, logged_out, present, absent]
      startup:
        description: As O(startup).
        type: str
        choices: [automatic, manual]
      force:
        description: As O(force).
        type: bool
      wait_timeout:
        description: As O(wait_timeout).
        type: int
notes:
  - The node needs open-iscsi (C(open-iscsi) on Debian and Ubuntu, C(iscsi-initiator-utils) on EL) with C(iscsid)
    running, and udev. Run as root. libvirt (O(uri)) is asked only which domains use a LUN, before a logout.
  - B(Where the CHAP secrets go.) Passwords are options with C(no_log) and never appear in results, diffs, warnings
    or logs. They never pass through a command line - C(iscsiadm -o update -v SECRET) would show them in the process
    list - but are written straight into open-iscsi's record files (C(/etc/iscsi/nodes/...),
    C(/etc/iscsi/send_targets/...)), which the module leaves mode 0600, owned by root. That is where open-iscsi
    keeps them in any case (it must present them at every login, also at boot), so the residual exposure is that
    of open-iscsi itself - root on the node can read them.
seealso:
  - module: limiquantix.storage.lq_iscsi_target_info
  - module: limiquantix.storage.lq_storage_pool
  - name: open-iscsi
    description: The initiator this module drives.
    link: https://github.com/open-iscsi/open-iscsi
"""

EXAMPLES = r"""
- name: Log in to a SAN target with mutual CHAP and get its LUNs' devices
  limiquantix.storage.lq_iscsi_target:
    target: iqn.2026-01.com.example:san-vms
    portals: [10.0.0.20, '10.0.1.20:3260']
    auth:
      username: node1
      password: "{{ vault_chap_node1 }}"
      username_in: san
      password_in: "{{ vault_chap_san }}"
  register: san

- name: A volume group on the first LUN (see lq_storage_pool type logical)
  limiquantix.storage.lq_storage_pool:
    name: vg-san
    type: logical
    devices: ["{{ san.target.luns[0].by_path }}"]

- name: Detach the node from an old target (refused while its LUNs are in use)
  limiquantix.storage.lq_iscsi_target:
    target: iqn.2026-01.com.example:old
    portal: 10.0.0.21
    state: absent
"""

RETURN = r"""
targets:
  description: Every target of the task after it ran (predicted in check mode), in task order.
  returned: always
  type: list
  elements: dict
  contains:
    target:
      description: The target's IQN.
      type: str
      sample: iqn.2026-01.com.example:san-vms
    state:
      description: The state asked for.
      type: str
      sample: logged_in
    relogin_pending:
      description: Whether the session still runs on other CHAP settings than the task's, which wait for the next
        login because the LUNs are in use.
      type: bool
      sample: false
    portals:
      description: Per portal, the node record and session.
      type: list
      elements: dict
      sample: [{portal: '10.0.0.20:3260', record: true, logged_in: true, sid: '3', startup: automatic,
                authmethod: CHAP, username: node1, username_in: san}]
    luns:
      description:
        - The disk LUNs of the target's sessions (controller LUNs, such as LUN 0 of tgt, are left out).
        - C(device) is the kernel device, C(by_path) udev's stable link, C(size) bytes, C(wwn) the SCSI WWID,
          C(serial) the unit serial number; C(portal) says which session shows it.
      type: list
      elements: dict
      sample: [{lun: 1, device: /dev/sdb, by_path: '/dev/disk/by-path/ip-10.0.0.20:3260-iscsi-iqn.2026-01.com.example:san-vms-lun-1',
                size: 10737418240, wwn: naa.60000000000000000000000000000001, serial: beaf11, portal: '10.0.0.20:3260'}]
target:
  description: The target, as in RV(targets), when the task names one target (no O(targets)).
  returned: when O(targets) is not given
  type: dict
actions:
  description: What the task did (or, in check mode, would do), in order. Passwords are shown as C(********).
  returned: always
  type: list
  elements: str
  sample: ['discover iqn.2026-01.com.example:san-vms at portal 10.0.0.20:3260 (sendtargets) and create its node record',
           'set node.startup = automatic, node.session.auth.password = ******** of the node record of ...',
           'log in to iqn.2026-01.com.example:san-vms at 10.0.0.20:3260']
"""

from ansible_collections.limiquantix.storage.plugins.module_utils._iscsi import Iscsiadm, Sysfs
from ansible_collections.limiquantix.storage.plugins.module_utils._iscsi_targets import (
    TARGET_MUTUALLY_EXCLUSIVE,
    TARGET_REQUIRED_ONE_OF,
    TargetManager,
    converge_targets,
    target_argument_spec,
    target_requests,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._libvirt import domain_definitions
from ansible_collections.limiquantix.storage.plugins.module_utils._module import LqModule


def main() -> None:
    module = LqModule(
        argument_spec=target_argument_spec(),
        mutually_exclusive=TARGET_MUTUALLY_EXCLUSIVE,
        required_one_of=TARGET_REQUIRED_ONE_OF,
        supports_check_mode=True,
    )

    def converge(module: LqModule) -> dict:
        requests = target_requests(module.params)
        node = module.node()
        manager = TargetManager(Iscsiadm(node), Sysfs(), node,
                                lambda: domain_definitions(module.connect(), running_only=False))
        result, warnings = converge_targets(requests, manager, module.ansible.check_mode, module.ansible._diff)
        module.warn(warnings)
        if module.params["targets"] is None:
            result["target"] = result["targets"][0]
        return result

    module.run(converge)


if __name__ == "__main__":
    main()

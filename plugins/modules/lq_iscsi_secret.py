#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lq_iscsi_secret
short_description: Converge libvirt secrets that hold iSCSI CHAP passwords, for iscsi and iscsi-direct pools
version_added: 0.1.0
description:
  - Defines a libvirt secret of usage type C(iscsi) holding a CHAP password, or removes it. C(iscsi) and
    C(iscsi-direct) storage pools (M(limiquantix.storage.lq_storage_pool) with
    O(limiquantix.storage.lq_storage_pool#module:auth)) name it by usage or UUID, and libvirt presents it when it
    logs in to the target.
  - Works as M(limiquantix.storage.lq_ceph_secret) does - private by default, idempotent value through a salted
    fingerprint, the password never in results, diffs, logs, command lines or files - with a CHAP password instead
    of a cephx key. See that module's notes for how value drift is detected.
  - "What this module cannot prevent: when libvirt starts an C(iscsi) pool it hands the password to the kernel
    initiator with C(iscsiadm --op update --name node.session.auth.password --value ...), so for that moment it is
    on a command line that local users can list, and it stays in open-iscsi's record file (root only). An
    C(iscsi-direct) pool (user space, libiscsi) runs no such command; for the kernel initiator,
    M(limiquantix.storage.lq_iscsi_target) writes the password into the record file without a command line."
  - To converge many secrets with one module call, give them as a list in O(secrets); the top-level O(description),
    O(private), O(state) and O(force) are then defaults for every item.
author:
  - LimiQuantix storage team (@limiquantix)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - limiquantix.storage.connection
attributes:
  check_mode:
    support: full
    details: Check mode reports exactly the actions a real run would take, in RV(actions).
  diff_mode:
    support: full
    details: The diff shows the secret's metadata before and after; never the password.
  platform:
    platforms: posix
  action_group:
    membership: [limiquantix.storage.storage]
options:
  name:
    description:
      - The secret's usage target (C(<usage type='iscsi'><target>)), which identifies it and which pools name in
        O(limiquantix.storage.lq_storage_pool#module:auth.secret_usage). Required unless O(secrets) is given.
    type: str
  uuid:
    description:
      - The secret's UUID. Without it, libvirt picks one for a new secret and an existing secret keeps its own.
    type: str
  description:
    description:
      - A free-text description stored with the secret. Left unchanged when not given.
    type: str
  private:
    description:
      - Whether libvirt refuses to hand out the secret's value through its API.
    type: bool
    default: true
  password:
    description:
      - The CHAP password (the secret the initiator presents). Required with O(state=present).
      - Keep it in Ansible Vault or an AWX credential, never in plain variables.
    type: str
  state:
    description:
      - V(present) defines the secret and sets its value; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - With O(state=absent), remove the secret although storage pools or domains reference it.
    type: bool
    default: false
  secrets:
    description:
      - Many secrets in one module call, each with the options above. Mutually exclusive with O(name), O(uuid) and
        O(password).
    type: list
    elements: dict
    suboptions:
      name:
        description: The secret's usage target. Required.
        type: str
      uuid:
        description: As O(uuid).
        type: str
      description:
        description: As O(description).
        type: str
      private:
        description: As O(private).
        type: bool
      password:
        description: As O(password).
        type: str
      state:
        description: As O(state).
        type: str
        choices: [present, absent]
      force:
        description: As O(force).
        type: bool
seealso:
  - module: limiquantix.storage.lq_ceph_secret
  - module: limiquantix.storage.lq_secret_info
  - module: limiquantix.storage.lq_storage_pool
"""

EXAMPLES = r"""
- name: The CHAP password libvirt presents to the SAN
  limiquantix.storage.lq_iscsi_secret:
    name: san-chap
    password: "{{ vault_san_chap_password }}"

- name: An iscsi pool that logs in with it
  limiquantix.storage.lq_storage_pool:
    name: san
    type: iscsi
    host: 10.0.0.20
    iqn: iqn.2026-01.com.example:san-vms
    auth:
      username: node1
      secret_usage: san-chap
"""

RETURN = r"""
secrets:
  description: Every secret of the task after it ran (predicted in check mode), in task order. Metadata only.
  returned: always
  type: list
  elements: dict
  sample: [{name: san-chap, usage_type: iscsi, state: present, private: true, ephemeral: false,
            uuid: 2c1b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10, description: null}]
secret:
  description: The secret, as in RV(secrets), when the task names one secret (no O(secrets)).
  returned: when O(secrets) is not given
  type: dict
  sample: {name: san-chap, usage_type: iscsi, state: present, private: true, ephemeral: false,
           uuid: 2c1b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10, description: null}
actions:
  description: What the task did (or, in check mode, would do), in order. Never includes the password.
  returned: always
  type: list
  elements: str
  sample: ['define iscsi secret san-chap', 'set value of iscsi secret san-chap']
"""

from ansible_collections.limiquantix.storage.plugins.module_utils._secret_requests import ISCSI
from ansible_collections.limiquantix.storage.plugins.module_utils._secrets import run_secret_module


def main() -> None:
    run_secret_module(ISCSI)


if __name__ == "__main__":
    main()

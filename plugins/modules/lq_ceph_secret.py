#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lq_ceph_secret
short_description: Converge libvirt secrets that hold cephx keys, for rbd pools and RBD disks
version_added: 0.1.0
description:
  - Defines a libvirt secret of usage type C(ceph) and sets its value to a cephx key, or removes it. rbd storage
    pools (M(limiquantix.storage.lq_storage_pool) with O(limiquantix.storage.lq_storage_pool#module:auth)) and RBD
    disks of domains name the secret by usage name or UUID.
  - O(key) takes the key as Ceph prints it (C(ceph auth get-key client.NAME)); the secret holds the decoded bytes,
    which is what libvirt's rbd driver expects. A key stored as base64 text instead makes pools fail to start with
    a misleading "failed to connect to the RADOS monitor" error; this module cannot make that mistake.
  - Idempotent, including the value of private secrets, whose value libvirt never hands out. Whenever the module
    sets a value it records a fingerprint of it on the node (HMAC-SHA256 under a random salt, in a root-only file;
    see the notes). A rerun with the same key reports no change; a different key (rotation) is set and reported as
    a change. A non-private secret's value is read back and compared directly.
  - The key never appears in results, diffs, warnings, error messages or logs (the option is C(no_log)), never
    on a process's command line (the value goes through the libvirt API), and never in a file.
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
    details: Check mode reports exactly the actions a real run would take, in RV(actions), including whether the
      key would be set.
  diff_mode:
    support: full
    details: The diff shows the secret's metadata (UUID, usage name, description, private) before and after. The
      value is never shown; the diff says only whether it stays or changes.
  platform:
    platforms: posix
  action_group:
    membership: [limiquantix.storage.storage]
options:
  name:
    description:
      - The secret's usage name (C(<usage type='ceph'><name>)), which identifies it. Pools and domains can name
        the secret by it (O(limiquantix.storage.lq_storage_pool#module:auth.secret_usage)).
      - A common convention is C(client.USER secret).
      - Required unless O(secrets) is given.
    type: str
  uuid:
    description:
      - The secret's UUID. Without it, libvirt picks one for a new secret and an existing secret keeps its own.
      - Give it to have the same UUID on every node of a fleet, so domain definitions can move between nodes.
      - A secret's UUID cannot change; a different UUID for an existing secret is an error that tells how to
        proceed.
    type: str
  description:
    description:
      - A free-text description stored with the secret. Left unchanged when not given.
    type: str
  private:
    description:
      - Whether libvirt refuses to hand out the secret's value through its API (C(virsh secret-get-value)).
      - Making a private secret non-private redefines it (libvirt cannot change that in place) and sets its value
        again; its UUID stays.
    type: bool
    default: true
  key:
    description:
      - The cephx key, base64 as C(ceph auth get-key client.USER) prints it (40 characters starting with C(AQ)).
        Something that is not a cephx key is an error before anything changes.
      - Required with O(state=present).
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
      - With O(state=absent), remove the secret although storage pools or domains reference it (they fail to start
        without it). A warning names them.
    type: bool
    default: false
  secrets:
    description:
      - Many secrets to converge in one module call, each with the options above. Mutually exclusive with O(name),
        O(uuid) and O(key).
    type: list
    elements: dict
    suboptions:
      name:
        description: The secret's usage name. Required.
        type: str
      uuid:
        description: The secret's UUID, as O(uuid).
        type: str
      description:
        description: As O(description); defaults to the top-level O(description).
        type: str
      private:
        description: As O(private); defaults to the top-level O(private).
        type: bool
      key:
        description: As O(key).
        type: str
      state:
        description: As O(state); defaults to the top-level O(state).
        type: str
        choices: [present, absent]
      force:
        description: As O(force); defaults to the top-level O(force).
        type: bool
notes:
  - B(How value drift is detected.) For a private secret the module keeps, per libvirt connection and secret UUID, a
    JSON file in C(/var/lib/limiquantix-storage/secret-fingerprints/) (C(~/.local/state/limiquantix-storage/) when
    not root), directory mode 0700 and file mode 0600. It holds a random 32-byte salt and HMAC-SHA256(salt, value)
    of the value the module last set, never the value. This does not weaken the secret - the file is readable only
    by root, who can read libvirt's own secret store anyway; HMAC-SHA256 cannot be reversed; and guessing a cephx
    key means searching 128 random bits. Salts differ per secret and node, so equal keys do not give equal
    fingerprints.
  - Limits of that detection. A private secret's value changed behind the module's back (C(virsh
    secret-set-value)) is not noticed while the task's key still matches the fingerprint. A private secret the
    module did not create, or whose fingerprint file was lost, gets its value set once and reports a change; later
    runs are unchanged. Non-private secrets have neither limit.
  - The module sets values through the libvirt API. The key still passes through Ansible's module arguments, which
    Ansible itself writes to a temporary file readable only by the connecting user unless pipelining is on; use
    pipelining or a root connection on shared nodes.
seealso:
  - module: limiquantix.storage.lq_secret_info
  - module: limiquantix.storage.lq_storage_pool
  - name: libvirt secret XML format
    description: The definition this module writes.
    link: https://libvirt.org/formatsecret.html
"""

EXAMPLES = r"""
- name: The key of client.libvirt, as a private libvirt secret with a fleet-wide UUID
  limiquantix.storage.lq_ceph_secret:
    name: client.libvirt secret
    uuid: 1b0b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10
    key: "{{ vault_ceph_libvirt_key }}"
    description: cephx key of client.libvirt

- name: An rbd pool that uses it
  limiquantix.storage.lq_storage_pool:
    name: vms-rbd
    type: rbd
    monitors: [10.0.0.11, 10.0.0.12, '10.0.0.13:6789']
    rbd_pool: vms
    auth:
      username: libvirt
      secret_usage: client.libvirt secret

- name: Two clusters' keys in one module call
  limiquantix.storage.lq_ceph_secret:
    secrets:
      - name: client.libvirt secret
        key: "{{ vault_ceph_libvirt_key }}"
      - name: client.backup secret
        key: "{{ vault_ceph_backup_key }}"

- name: Remove a secret no pool uses any more
  limiquantix.storage.lq_ceph_secret:
    name: client.old secret
    state: absent
"""

RETURN = r"""
secrets:
  description:
    - Every secret of the task after it ran (predicted in check mode), in task order. Metadata only, never the value.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The usage name.
      type: str
      sample: client.libvirt secret
    usage_type:
      description: The usage type, always V(ceph) here.
      type: str
      sample: ceph
    state:
      description: V(present) or V(absent).
      type: str
      sample: present
    uuid:
      description: The UUID; null for a secret that check mode predicts without a given O(uuid).
      type: str
      returned: when present
      sample: 1b0b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10
    description:
      description: The stored description, or null.
      type: str
      returned: when present
      sample: cephx key of client.libvirt
    private:
      description: Whether libvirt hides the value.
      type: bool
      returned: when present
      sample: true
    ephemeral:
      description: Whether the secret lives only in memory; always false after this module defined it.
      type: bool
      returned: when present
      sample: false
secret:
  description: The secret, as in RV(secrets), when the task names one secret (no O(secrets)).
  returned: when O(secrets) is not given
  type: dict
  sample: {name: client.libvirt secret, usage_type: ceph, state: present, private: true, ephemeral: false,
           uuid: 1b0b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10, description: null}
actions:
  description: What the task did (or, in check mode, would do), in order. Never includes the value.
  returned: always
  type: list
  elements: str
  sample: ['define ceph secret client.libvirt secret', 'set value of ceph secret client.libvirt secret']
"""

from ansible_collections.limiquantix.storage.plugins.module_utils._secret_requests import CEPH
from ansible_collections.limiquantix.storage.plugins.module_utils._secrets import run_secret_module


def main() -> None:
    run_secret_module(CEPH)


if __name__ == "__main__":
    main()

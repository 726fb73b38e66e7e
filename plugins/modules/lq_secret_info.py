#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lq_secret_info
short_description: Report the libvirt secrets of a node (metadata only) and what references them
version_added: 0.1.0
description:
  - Lists libvirt secrets - Ceph keys (M(limiquantix.storage.lq_ceph_secret)), iSCSI CHAP passwords and the other
    usage types - with their UUID, usage, description and flags, and the storage pools and domains whose
    definitions reference each one.
  - Never reads or returns a secret's value, not even of non-private secrets.
  - Reads only; never changes anything.
author:
  - LimiQuantix storage team (@limiquantix)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - limiquantix.storage.connection
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
  usage_type:
    description:
      - Report only secrets of this usage type.
    type: str
    choices: [ceph, iscsi, tls, volume, vtpm]
  name:
    description:
      - Report only the secret of this usage name (for V(iscsi), the usage target).
    type: str
  uuid:
    description:
      - Report only the secret of this UUID.
    type: str
seealso:
  - module: limiquantix.storage.lq_ceph_secret
"""

EXAMPLES = r"""
- name: Every Ceph secret of the node
  limiquantix.storage.lq_secret_info:
    usage_type: ceph
  register: ceph_secrets

- name: Secrets no pool or domain references
  ansible.builtin.debug:
    msg: "{{ ceph_secrets.secrets | selectattr('used_by.pools', '==', []) | selectattr('used_by.domains', '==', [])
             | map(attribute='name') }}"
"""

RETURN = r"""
secrets:
  description: The matching secrets, sorted by usage type and name. Empty when none matches.
  returned: always
  type: list
  elements: dict
  contains:
    uuid:
      description: The secret's UUID.
      type: str
      sample: 1b0b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10
    usage_type:
      description: The usage type.
      type: str
      sample: ceph
    name:
      description: The usage name (for V(iscsi) the target, for V(volume) the volume path).
      type: str
      sample: client.libvirt secret
    description:
      description: The description, or null.
      type: str
      sample: cephx key of client.libvirt
    private:
      description: Whether libvirt hides the value.
      type: bool
      sample: true
    ephemeral:
      description: Whether the secret lives only in memory.
      type: bool
      sample: false
    used_by:
      description: Names of the storage pools and domains whose definitions reference the secret, by UUID or usage.
      type: dict
      sample: {pools: [vms-rbd], domains: []}
"""

from ansible_collections.limiquantix.storage.plugins.module_utils._module import LqModule
from ansible_collections.limiquantix.storage.plugins.module_utils._secret_requests import normalize_uuid
from ansible_collections.limiquantix.storage.plugins.module_utils._secret_xml import USAGE_ELEMENTS
from ansible_collections.limiquantix.storage.plugins.module_utils._secrets import secrets_info


def report(module: LqModule) -> dict:
    params = module.params
    uuid = normalize_uuid(params["uuid"]) if params["uuid"] else None
    return {"changed": False,
            "secrets": secrets_info(module.connect(), params["usage_type"], params["name"], uuid)}


def main() -> None:
    module = LqModule(
        argument_spec=dict(
            usage_type=dict(type="str", choices=sorted(USAGE_ELEMENTS)),
            name=dict(type="str"),
            uuid=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    module.run(report)


if __name__ == "__main__":
    main()

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lq_storage_pool's options: the argument spec, and turning parameters into validated pool requests.

A task converges one pool (options at the top level) or many (``pools``, a list of the same options).
In the list form the top-level lifecycle options (state, started, autostart, ...) are defaults for
every entry, so a fleet-wide policy is written once.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._requests import (
    duplicates,
    entries,
    fail_on,
    labelled,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends import BACKENDS, backend_for
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._base import DEFINITION_OPTIONS
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._netfs import NFS_VERSIONS
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import (
    PoolDefinition,
    PoolXmlError,
    from_xml,
)

RESTART_POLICIES = ("when_unused", "always", "never")

_NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+:-]{0,199}")

_DEFINITION_SPEC: t.Dict[str, t.Dict[str, t.Any]] = dict(
    target=dict(type="path"),
    mode=dict(type="raw"),
    owner=dict(type="str"),
    group=dict(type="str"),
    device=dict(type="path"),
    devices=dict(type="list", elements="path"),
    filesystem=dict(type="str"),
    host=dict(type="str"),
    port=dict(type="int"),
    export=dict(type="str"),
    nfs_version=dict(type="str", choices=list(NFS_VERSIONS)),
    mount_options=dict(type="list", elements="str"),
    volume_group=dict(type="str"),
    iqn=dict(type="str"),
    initiator_iqn=dict(type="str"),
    auth=dict(type="dict", options=dict(
        username=dict(type="str", required=True),
        # These name the libvirt secret; its value never passes through this module.
        secret_uuid=dict(type="str", no_log=False),
        secret_usage=dict(type="str", no_log=False),
    ), mutually_exclusive=[("secret_uuid", "secret_usage")], required_one_of=[("secret_uuid", "secret_usage")]),
    monitors=dict(type="list", elements="str"),
    rbd_pool=dict(type="str"),
    rbd_options=dict(type="dict"),
)

LIFECYCLE_DEFAULTS: t.Dict[str, t.Any] = dict(
    state="present", started=True, autostart=True, build=True, overwrite=False, delete_data=False, force=False,
    restart="when_unused",
)

_LIFECYCLE_SPEC: t.Dict[str, t.Dict[str, t.Any]] = dict(
    state=dict(type="str", choices=["present", "absent"]),
    started=dict(type="bool"),
    autostart=dict(type="bool"),
    build=dict(type="bool"),
    overwrite=dict(type="bool"),
    delete_data=dict(type="bool"),
    force=dict(type="bool"),
    restart=dict(type="str", choices=list(RESTART_POLICIES)),
)

_IDENTITY_SPEC: t.Dict[str, t.Dict[str, t.Any]] = dict(
    name=dict(type="str"),
    type=dict(type="str", choices=list(BACKENDS)),
    xml=dict(type="str"),
)


def pool_item_spec() -> t.Dict[str, t.Any]:
    """The options of one pool, none with a default (an item of a ``pools`` list)."""
    return dict(copy.deepcopy(_IDENTITY_SPEC), **copy.deepcopy(_DEFINITION_SPEC), **copy.deepcopy(_LIFECYCLE_SPEC))


def pool_argument_spec() -> t.Dict[str, t.Any]:
    """Options of lq_storage_pool (without the connection options every module shares)."""
    spec = pool_item_spec()
    for option, default in LIFECYCLE_DEFAULTS.items():
        spec[option]["default"] = default
    spec["pools"] = dict(type="list", elements="dict", options=pool_item_spec())
    return spec


POOL_MUTUALLY_EXCLUSIVE = [("pools", option) for option in list(_IDENTITY_SPEC) + list(DEFINITION_OPTIONS)]
POOL_REQUIRED_ONE_OF = [("name", "pools", "xml")]


@dataclasses.dataclass
class PoolRequest:
    """One pool as the task wants it, validated; ``options`` holds only the definition options given."""

    name: str
    type: t.Optional[str]
    state: str
    started: bool
    autostart: bool
    build: bool
    overwrite: bool
    delete_data: bool
    force: bool
    restart: str
    options: t.Dict[str, t.Any]
    xml_definition: t.Optional[PoolDefinition] = None


def _entry_problems(entry: t.Mapping[str, t.Any]) -> t.List[str]:
    problems = []
    name = entry.get("name")
    if name is None and entry.get("xml") is None:
        problems.append("name is required (or give the whole definition as xml)")
    if name is not None and not _NAME_PATTERN.fullmatch(name):
        problems.append("name %r is not a valid pool name: use letters, digits and _ . + : - (no slashes or "
                        "spaces), at most 200 characters, not starting with a punctuation mark" % name)
    given = sorted(option for option in DEFINITION_OPTIONS if entry.get(option) is not None)
    if entry.get("xml") is not None:
        if given or entry.get("type") is not None:
            problems.append("xml cannot be combined with typed options (%s): describe the pool either with xml or "
                            "with typed options" % ", ".join(given + (["type"] if entry.get("type") else [])))
        return problems
    if entry["state"] == "absent" and entry.get("type") is None:
        return problems
    if entry.get("type") is None:
        problems.append("type is required with state=present (one of %s), or give the definition as xml"
                        % ", ".join(BACKENDS))
        return problems
    backend = backend_for(entry["type"])
    if entry["state"] == "present":
        problems.extend(backend.validate(entry))
    if entry["delete_data"] and not backend.manages_volumes:
        problems.append("delete_data does not apply to pool type %s: its LUNs belong to the iSCSI target"
                        % entry["type"])
    return problems


def _xml_definition(entry: t.Mapping[str, t.Any]) -> t.Tuple[t.Optional[PoolDefinition], t.List[str]]:
    try:
        definition = from_xml(entry["xml"])
    except PoolXmlError as error:
        return None, ["xml: %s" % error]
    if entry.get("name") is not None and entry["name"] != definition.name:
        return None, ["name %r does not match the <name> %r in xml; make them equal or leave name out"
                      % (entry["name"], definition.name)]
    return definition, []


def pool_requests(params: t.Mapping[str, t.Any]) -> t.List[PoolRequest]:
    """Every pool the task describes, or an error listing every problem (before anything changes)."""
    requests, problems = [], []
    for label, entry in entries(params, "pools", LIFECYCLE_DEFAULTS):
        xml_definition = None
        entry_problems = _entry_problems(entry)
        if entry.get("xml") is not None and not entry_problems:
            xml_definition, entry_problems = _xml_definition(entry)
        if entry_problems:
            problems.extend(labelled(label, entry_problems))
            continue
        requests.append(PoolRequest(
            name=xml_definition.name if xml_definition else entry["name"],
            type=xml_definition.type if xml_definition else entry.get("type"),
            state=entry["state"], started=entry["started"], autostart=entry["autostart"], build=entry["build"],
            overwrite=entry["overwrite"], delete_data=entry["delete_data"], force=entry["force"],
            restart=entry["restart"],
            options={option: entry[option] for option in DEFINITION_OPTIONS if entry.get(option) is not None},
            xml_definition=xml_definition,
        ))
    problems.extend(duplicates("pools", "pool", [request.name for request in requests]))
    fail_on("pool", problems)
    return requests

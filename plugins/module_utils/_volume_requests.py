# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lq_volume's options: the argument spec, and turning parameters into validated volume requests."""

from __future__ import annotations

import copy
import dataclasses
import os
import re
import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._node import mode_text
from ansible_collections.limiquantix.storage.plugins.module_utils._requests import (
    duplicates,
    entries,
    fail_on,
    labelled,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._units import SizeError, parse_size

VOLUME_FORMATS = ("raw", "qcow2")
PREALLOCATIONS = ("off", "metadata", "full")
WIPE_ALGORITHMS = ("zero", "nnsa", "dod", "bsi", "gutmann", "schneier", "pfitzner7", "pfitzner33", "random", "trim")
UPLOAD_COMPARISONS = ("checksum", "exists")

_NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+:@-]{0,254}")

_ENTRY_SPEC: t.Dict[str, t.Dict[str, t.Any]] = dict(
    name=dict(type="str"),
    pool=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"]),
    capacity=dict(type="raw"),
    format=dict(type="str", choices=list(VOLUME_FORMATS)),
    preallocation=dict(type="str", choices=list(PREALLOCATIONS)),
    mode=dict(type="raw"),
    owner=dict(type="str"),
    group=dict(type="str"),
    clone_from=dict(type="dict", options=dict(
        pool=dict(type="str"),
        name=dict(type="str", required=True),
    )),
    copy_on_write=dict(type="bool"),
    upload_from=dict(type="path"),
    upload_compare=dict(type="str", choices=list(UPLOAD_COMPARISONS)),
    allow_shrink=dict(type="bool"),
    force=dict(type="bool"),
    wipe=dict(type="str", choices=list(WIPE_ALGORITHMS)),
    disk_target=dict(type="str"),
    disk_bus=dict(type="str"),
)

VOLUME_DEFAULTS: t.Dict[str, t.Any] = dict(
    state="present", preallocation="off", copy_on_write=False, upload_compare="checksum", allow_shrink=False,
    force=False, disk_target="vda", disk_bus="virtio",
)


def volume_item_spec() -> t.Dict[str, t.Any]:
    """The options of one volume, none with a default (an item of a ``volumes`` list)."""
    return copy.deepcopy(_ENTRY_SPEC)


def volume_argument_spec() -> t.Dict[str, t.Any]:
    spec = volume_item_spec()
    for option, default in VOLUME_DEFAULTS.items():
        spec[option]["default"] = default
    spec["volumes"] = dict(type="list", elements="dict", options=volume_item_spec())
    return spec


VOLUME_MUTUALLY_EXCLUSIVE = [("volumes", "name"), ("clone_from", "upload_from")]
VOLUME_REQUIRED_ONE_OF = [("name", "volumes")]


@dataclasses.dataclass
class VolumeRequest:
    pool: str
    name: str
    state: str
    capacity: t.Optional[int]
    format: t.Optional[str]
    preallocation: str
    mode: t.Optional[str]
    owner: t.Optional[t.Union[int, str]]
    group: t.Optional[t.Union[int, str]]
    clone_pool: t.Optional[str]
    clone_name: t.Optional[str]
    copy_on_write: bool
    upload_from: t.Optional[str]
    upload_compare: str
    allow_shrink: bool
    force: bool
    wipe: t.Optional[str]
    disk_target: str
    disk_bus: str


def _entry_problems(entry: t.Mapping[str, t.Any]) -> t.List[str]:
    problems = []
    name = entry.get("name")
    if not name:
        problems.append("name is required")
    elif "/" in name or not _NAME_PATTERN.fullmatch(name):
        problems.append("name %r is not a valid volume name: use letters, digits and _ . + : @ - (no slashes or "
                        "spaces), starting with a letter, digit or underscore" % name)
    if not entry.get("pool"):
        problems.append("pool is required: name the storage pool that holds the volume")
    if entry.get("capacity") is not None:
        try:
            if parse_size(entry["capacity"], "capacity") == 0:
                problems.append("capacity must be more than 0 bytes")
        except SizeError as error:
            problems.append(str(error))
    mode = entry.get("mode")
    if mode is not None and not re.fullmatch(r"0?[0-7]{3}", mode_text(mode)):
        problems.append("mode must be an octal mode from 0000 to 0777 such as '0600', got %r" % mode)
    if entry.get("state", "present") == "absent":
        return problems
    if entry.get("clone_from") and entry.get("upload_from"):
        problems.append("clone_from and upload_from are two ways of filling a new volume: give one of them")
    if entry.get("copy_on_write") and not entry.get("clone_from"):
        problems.append("copy_on_write applies to clones: give clone_from too")
    upload_from = entry.get("upload_from")
    if upload_from is not None and not os.path.isfile(upload_from):
        problems.append("upload_from: %s is not a file on the node" % upload_from)
    elif upload_from is not None and not os.access(upload_from, os.R_OK):
        problems.append("upload_from: %s is not readable" % upload_from)
    return problems


def volume_requests(params: t.Mapping[str, t.Any]) -> t.List[VolumeRequest]:
    """Every volume the task describes, or an error listing every problem (before anything changes)."""
    inherited = [option for option in _ENTRY_SPEC if option != "name"]
    requests, problems = [], []
    for label, entry in entries(params, "volumes", inherited):
        entry = dict(VOLUME_DEFAULTS, **{k: v for k, v in entry.items() if v is not None})
        entry_problems = _entry_problems(entry)
        if entry_problems:
            problems.extend(labelled(label, entry_problems))
            continue
        clone = entry.get("clone_from") or {}
        requests.append(VolumeRequest(
            pool=entry["pool"], name=entry["name"], state=entry["state"],
            capacity=parse_size(entry["capacity"], "capacity") if entry.get("capacity") is not None else None,
            format=entry.get("format"), preallocation=entry["preallocation"],
            mode="%04o" % int(mode_text(entry["mode"]), 8) if entry.get("mode") is not None else None,
            owner=entry.get("owner"), group=entry.get("group"),
            clone_pool=(clone.get("pool") or entry["pool"]) if clone else None, clone_name=clone.get("name"),
            copy_on_write=entry["copy_on_write"], upload_from=entry.get("upload_from"),
            upload_compare=entry["upload_compare"], allow_shrink=entry["allow_shrink"], force=entry["force"],
            wipe=entry.get("wipe"), disk_target=entry["disk_target"], disk_bus=entry["disk_bus"],
        ))
    problems.extend(duplicates("volumes", "volume", [(request.pool, request.name) for request in requests],
                               lambda key: "%s/%s" % key))
    fail_on("volume", problems)
    return requests

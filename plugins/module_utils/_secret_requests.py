# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lq_ceph_secret's options: the argument spec, and turning parameters into validated secret requests."""

from __future__ import annotations

import copy
import dataclasses
import typing as t
import uuid as uuidlib

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._requests import (
    duplicates,
    entries,
    fail_on,
    labelled,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._secret_values import decode_cephx_key


@dataclasses.dataclass(frozen=True)
class SecretKind:
    """What differs between the secret modules: the usage type, and the option that carries the value."""

    usage_type: str
    value_option: str
    # Turns the option's text into the bytes the secret holds; raises LqError (never quoting the text).
    decode: t.Callable[[str], bytes]
    # Says what the value option takes, for the message when it is missing.
    value_hint: str


CEPH = SecretKind("ceph", "key", decode_cephx_key, "the cephx key as `ceph auth get-key client.NAME` prints it")


def _chap_password(text: str) -> bytes:
    if not text:
        raise LqError("password must not be empty")
    return text.encode("utf-8")


ISCSI = SecretKind("iscsi", "password", _chap_password, "the CHAP password the initiator presents")


def value_name(usage_type: str) -> str:
    """What users call a secret's value: the option that carries it (key, password)."""
    return next((kind.value_option for kind in (CEPH, ISCSI) if kind.usage_type == usage_type), "value")


_COMMON_SPEC: t.Dict[str, t.Dict[str, t.Any]] = dict(
    name=dict(type="str"),
    uuid=dict(type="str"),
    description=dict(type="str"),
    private=dict(type="bool"),
    state=dict(type="str", choices=["present", "absent"]),
    force=dict(type="bool"),
)

SECRET_DEFAULTS: t.Dict[str, t.Any] = dict(private=True, state="present", force=False)


def _entry_spec(kind: SecretKind) -> t.Dict[str, t.Dict[str, t.Any]]:
    return dict(copy.deepcopy(_COMMON_SPEC), **{kind.value_option: dict(type="str", no_log=True)})


def secret_argument_spec(kind: SecretKind) -> t.Dict[str, t.Any]:
    spec = _entry_spec(kind)
    for option, default in SECRET_DEFAULTS.items():
        spec[option]["default"] = default
    # The list holds no value itself: its items' value option is no_log.
    spec["secrets"] = dict(type="list", elements="dict", no_log=False, options=_entry_spec(kind))
    return spec


def secret_mutually_exclusive(kind: SecretKind) -> t.List[t.Tuple[str, str]]:
    return [("secrets", "name"), ("secrets", kind.value_option), ("secrets", "uuid")]


SECRET_REQUIRED_ONE_OF = [("name", "secrets")]


@dataclasses.dataclass
class SecretRequest:
    usage_type: str
    name: str
    uuid: t.Optional[str]
    description: t.Optional[str]
    private: bool
    value: t.Optional[bytes] = dataclasses.field(repr=False)
    state: str
    force: bool


def normalize_uuid(text: str) -> str:
    """The canonical form libvirt prints (lowercase, dashed), or an error naming the option."""
    try:
        return str(uuidlib.UUID(text))
    except ValueError:
        raise LqError("uuid %r is not a UUID such as 1b0b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10" % text)


def _entry_problems(kind: SecretKind, entry: t.Mapping[str, t.Any]) -> t.List[str]:
    problems = []
    if not (entry.get("name") or "").strip():
        problems.append("name is required: the secret's usage name, which pools name in auth.secret_usage")
    elif entry["name"] != entry["name"].strip() or any(ord(c) < 32 for c in entry["name"]):
        problems.append("name %r has leading or trailing spaces or control characters" % entry["name"])
    for option, check in (("uuid", normalize_uuid), (kind.value_option, kind.decode)):
        if entry.get(option) is not None:
            try:
                check(entry[option])
            except LqError as error:
                problems.append(error.message)
    if entry["state"] == "present" and entry.get(kind.value_option) is None:
        problems.append("%s is required with state present: %s" % (kind.value_option, kind.value_hint))
    return problems


def secret_requests(kind: SecretKind, params: t.Mapping[str, t.Any]) -> t.List[SecretRequest]:
    """Every secret the task describes, or an error listing every problem (before anything changes)."""
    inherited = ("description", "private", "state", "force")
    requests, problems = [], []
    for label, entry in entries(params, "secrets", inherited):
        entry = dict(SECRET_DEFAULTS, **{k: v for k, v in entry.items() if v is not None})
        entry_problems = _entry_problems(kind, entry)
        if entry_problems:
            problems.extend(labelled(label, entry_problems))
            continue
        value = entry.get(kind.value_option)
        requests.append(SecretRequest(
            usage_type=kind.usage_type, name=entry["name"],
            uuid=normalize_uuid(entry["uuid"]) if entry.get("uuid") else None,
            description=entry.get("description"), private=entry["private"],
            value=kind.decode(value) if value is not None else None,
            state=entry["state"], force=entry["force"],
        ))
    problems.extend(duplicates("secrets", "secret name", [request.name for request in requests]))
    problems.extend(duplicates("secrets", "uuid", [request.uuid for request in requests if request.uuid]))
    fail_on("%s secret" % kind.usage_type, problems)
    return requests

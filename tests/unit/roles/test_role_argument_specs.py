# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles' meta/argument_specs.yml: node_storage's lists take exactly what the modules' list options take.

node_storage hands node_storage_iscsi_secrets and _iscsi_targets to one module call each, and _pools and _volumes
together to one call of lq_node_storage, so its argument spec, which validates them before anything runs, must not
drift from the modules' options (as documented, or for lq_node_storage, whose item options come from doc fragments,
as its argument spec takes them).
"""

from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible_collections.limiquantix.storage.plugins.module_utils._node_storage import node_storage_argument_spec

ROOT = pathlib.Path(__file__).resolve().parents[3]
ROLES = ["node_storage", "storage_prereqs", "ceph_client"]

# Role variable -> (module, its list option, keys the role adds and replaces before the call).
MIRRORED = {
    "node_storage_iscsi_secrets": ("lq_iscsi_secret", "secrets", set()),
    "node_storage_iscsi_targets": ("lq_iscsi_target", "targets", set()),
    "node_storage_pools": ("lq_node_storage", "pools", {"ceph_cluster"}),
    "node_storage_volumes": ("lq_node_storage", "volumes", set()),
}
COMPARED = ("type", "elements", "choices")
SECRET_NAMES = {"password", "password_in", "key"}


def module_doc(module):
    source = (ROOT / "plugins" / "modules" / ("%s.py" % module)).read_text()
    start = source.index('DOCUMENTATION = r"""') + len('DOCUMENTATION = r"""')
    return yaml.safe_load(source[start:source.index('"""', start)])


def module_items(module, option):
    """The options of the items of a module's list option, with their suboptions under ``suboptions``."""
    if module != "lq_node_storage":
        return module_doc(module)["options"][option]["suboptions"]

    def as_documented(spec):
        return {name: dict({key: value for key, value in entry.items() if key != "options"},
                           **({"suboptions": as_documented(entry["options"])} if "options" in entry else {}))
                for name, entry in spec.items()}
    return as_documented(node_storage_argument_spec()[option]["options"])


def role_spec(role):
    return yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]


def role_defaults(role):
    return yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text()) or {}


def compare(role_options, module_options, path, extra=frozenset()):
    """Differences between a role spec's options and a module's suboptions, as readable strings."""
    problems = []
    missing = set(module_options) - set(role_options)
    unknown = set(role_options) - set(module_options) - set(extra)
    problems += ["%s.%s: missing (the module takes it)" % (path, name) for name in sorted(missing)]
    problems += ["%s.%s: the module does not take it" % (path, name) for name in sorted(unknown)]
    for name in sorted(set(role_options) & set(module_options)):
        mine, theirs = role_options[name], module_options[name]
        for key in COMPARED:
            if mine.get(key) != theirs.get(key):
                problems.append("%s.%s: %s is %r, the module's is %r" % (path, name, key, mine.get(key), theirs.get(key)))
        if bool(mine.get("required")) < bool(theirs.get("required")):
            problems.append("%s.%s: the module requires it" % (path, name))
        if name in SECRET_NAMES and not mine.get("no_log"):
            problems.append("%s.%s: a secret without no_log" % (path, name))
        if "suboptions" in theirs or "options" in mine:
            problems += compare(mine.get("options", {}), theirs.get("suboptions", {}), "%s.%s" % (path, name))
    return problems


@pytest.mark.parametrize("variable", sorted(MIRRORED))
def test_node_storage_lists_mirror_the_module_list_options(variable):
    module, option, extra = MIRRORED[variable]
    spec = role_spec("node_storage")["options"][variable]
    assert (spec["type"], spec["elements"]) == ("list", "dict")
    assert compare(spec["options"], module_items(module, option), variable, extra) == []


@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_documented_with_the_same_value(role):
    options = role_spec(role)["options"]
    defaults = role_defaults(role)
    assert sorted(defaults) == sorted(options)
    for name, value in defaults.items():
        assert options[name].get("default") == value, name
        assert options[name].get("description"), name


@pytest.mark.parametrize("role", ROLES)
def test_every_variable_carries_the_role_prefix(role):
    assert all(name.startswith(role + "_") for name in role_spec(role)["options"])

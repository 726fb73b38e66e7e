# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._requests import (
    duplicates,
    entries,
    fail_on,
    labelled,
)

# -- entries -------------------------------------------------------------------------------------------------


def test_entries_single_form():
    params = {"name": "a", "pool": "images", "state": "present", "items": None}
    [(label, entry)] = entries(params, "items", ["pool", "state"])
    assert label == ""
    assert entry == params


def test_entries_single_form_is_a_copy():
    params = {"name": "a", "items": None}
    [(_label, entry)] = entries(params, "items", [])
    entry["name"] = "changed"
    assert params["name"] == "a"


def test_entries_single_form_when_the_list_option_is_missing():
    [(label, entry)] = entries({"name": "a"}, "items", ["pool"])
    assert (label, entry) == ("", {"name": "a"})


def test_entries_list_form_inherits_top_level_values():
    params = {"name": None, "pool": "images", "state": "present", "format": None, "items": [
        {"name": "a", "pool": None, "state": None, "format": None},
        {"name": "b", "pool": "other", "state": "absent", "format": "raw"},
    ]}
    assert entries(params, "items", ["pool", "state", "format"]) == [
        ("items[0] (a)", {"name": "a", "pool": "images", "state": "present"}),
        ("items[1] (b)", {"name": "b", "pool": "other", "state": "absent", "format": "raw"}),
    ]


def test_entries_list_form_inherits_only_the_inherited_options():
    params = {"name": "top", "pool": "images", "secret": "x", "items": [{"name": "a"}]}
    assert entries(params, "items", ["pool"]) == [("items[0] (a)", {"name": "a", "pool": "images"})]


def test_entries_list_form_false_and_zero_override_the_top_level():
    """Only None (not given) inherits: an item's false, 0 or empty string is a value."""
    params = {"force": True, "count": 3, "label": "top", "items": [{"name": "a", "force": False, "count": 0,
                                                                    "label": ""}]}
    [(_label, entry)] = entries(params, "items", ["force", "count", "label"])
    assert entry == {"name": "a", "force": False, "count": 0, "label": ""}


def test_entries_list_form_top_level_false_is_inherited():
    [(_label, entry)] = entries({"force": False, "items": [{"name": "a", "force": None}]}, "items", ["force"])
    assert entry == {"name": "a", "force": False}


def test_entries_list_form_does_not_share_defaults_between_items():
    params = {"clone_from": {"name": "base"}, "items": [{"name": "a"}, {"name": "b"}]}
    first, second = entries(params, "items", ["clone_from"])
    first[1]["pool"] = "x"
    assert "pool" not in second[1]


def test_entries_list_form_label_without_a_name():
    assert entries({"items": [{"pool": "images"}]}, "items", []) == [("items[0] (None)", {"pool": "images"})]


def test_entries_empty_list():
    assert entries({"name": None, "items": []}, "items", ["pool"]) == []


def test_entries_keeps_the_order():
    params = {"items": [{"name": name} for name in ("z", "a", "m")]}
    assert [label for label, _entry in entries(params, "items", [])] == ["items[0] (z)", "items[1] (a)",
                                                                         "items[2] (m)"]


# -- labelled ------------------------------------------------------------------------------------------------

def test_labelled():
    assert labelled("volumes[1] (a)", ["x", "y"]) == ["volumes[1] (a): x", "volumes[1] (a): y"]


def test_labelled_without_a_label():
    assert labelled("", ["x", "y"]) == ["x", "y"]


def test_labelled_nothing():
    assert labelled("volumes[0] (a)", []) == []
    assert labelled("volumes[0] (a)", iter(())) == []


# -- duplicates ----------------------------------------------------------------------------------------------

def test_no_duplicates():
    assert duplicates("pools", "pool", ["a", "b", "c"]) == []
    assert duplicates("pools", "pool", []) == []


def test_duplicates():
    assert duplicates("pools", "pool", ["a", "b", "a"]) == [
        "pools: each pool may appear once, but a appear more than once"]


def test_duplicates_are_named_once_in_order():
    assert duplicates("pools", "pool", ["c", "b", "c", "a", "b", "c"]) == [
        "pools: each pool may appear once, but b, c appear more than once"]


def test_duplicates_with_tuple_keys_and_describe():
    keys = [("images", "b"), ("ssd", "a"), ("images", "b"), ("images", "a"), ("ssd", "a")]
    assert duplicates("volumes", "volume", keys, lambda key: "%s/%s" % key) == [
        "volumes: each volume may appear once, but images/b, ssd/a appear more than once"]


def test_duplicates_same_name_in_different_groups_is_fine():
    assert duplicates("volumes", "volume", [("a", "x"), ("b", "x")], lambda key: "%s/%s" % key) == []


# -- fail_on ---------------------------------------------------------------------------------------------------

def test_fail_on_nothing():
    assert fail_on("volume", []) is None


def test_fail_on_problems():
    with pytest.raises(LqError) as excinfo:
        fail_on("volume", ["a is wrong", "b is wrong"])
    assert excinfo.value.message == "invalid volume options: a is wrong; b is wrong"
    assert str(excinfo.value) == excinfo.value.message
    assert excinfo.value.details == {"problems": ["a is wrong", "b is wrong"]}

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lq_node_storage's composition of the pool and volume steps; the steps themselves are faked here (their own unit
tests and the integration target lq_node_storage cover them against libvirt)."""

from __future__ import annotations

import types

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.limiquantix.storage.plugins.module_utils import _node_storage
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._node_storage import (
    converge_node_storage,
    merge_results,
    node_storage_argument_spec,
    node_storage_requests,
    unpredictable_volumes,
)

IMAGES = {"name": "images", "type": "dir", "target": "/srv/images"}
ROOT = {"pool": "images", "name": "vm1.qcow2", "capacity": "1GiB"}


def module_params(**raw):
    result = ArgumentSpecValidator(node_storage_argument_spec()).validate(raw)
    assert result.error_messages == []
    return result.validated_parameters


def test_items_get_each_module_defaults():
    pools, volumes = node_storage_requests(module_params(pools=[IMAGES], volumes=[ROOT]))
    assert (pools[0].name, pools[0].state, pools[0].started, pools[0].autostart, pools[0].delete_data) == (
        "images", "present", True, True, False)
    assert (volumes[0].pool, volumes[0].capacity, volumes[0].state, volumes[0].disk_bus) == (
        "images", 1024 ** 3, "present", "virtio")


def test_no_items_is_nothing_to_do():
    assert node_storage_requests(module_params()) == ([], [])


def test_an_item_option_is_validated_by_its_module_spec():
    result = ArgumentSpecValidator(node_storage_argument_spec()).validate(
        {"pools": [dict(IMAGES, trget="/x")], "volumes": [dict(ROOT, format="vmdk")]})
    assert any("trget" in message for message in result.error_messages)
    assert any("format" in message and "vmdk" in message for message in result.error_messages)


@pytest.mark.parametrize("bad, problem", [
    ({"pools": [{"name": "images"}], "volumes": [ROOT]}, "pools[0] (images): type is required"),
    ({"pools": [IMAGES], "volumes": [dict(ROOT, capacity="ten gigs")]}, "volumes[0] (vm1.qcow2): "),
])
def test_invalid_items_fail_before_anything_connects(bad, problem):
    with pytest.raises(LqError) as excinfo:
        node_storage_requests(module_params(**bad))
    assert problem in excinfo.value.message


def requests(pools, volumes):
    return node_storage_requests(module_params(pools=pools, volumes=volumes))


def test_unpredictable_volumes_are_those_in_or_cloned_from_pools_the_task_starts():
    pools, volumes = requests(
        [IMAGES, {"name": "gone", "state": "absent"}, {"name": "old", "type": "dir", "target": "/srv/old"}],
        [ROOT, {"pool": "old", "name": "a.qcow2", "capacity": "1GiB"},
         {"pool": "old", "name": "b.qcow2", "clone_from": {"pool": "images", "name": "base.qcow2"}},
         {"pool": "other", "name": "c.qcow2", "capacity": "1GiB"}])
    left_out = unpredictable_volumes(volumes, pools, running={"old", "other"})
    assert [volume.name for volume in left_out] == ["vm1.qcow2", "b.qcow2"]
    assert unpredictable_volumes(volumes, pools, running={"images", "old"}) == []


def step_result(key, actions, statuses, diff=None):
    result = {"changed": bool(actions), "actions": actions, key: statuses}
    if diff is not None:
        result["diff"] = diff
    return result


def test_merge_results_keeps_the_pools_steps_first():
    merged = merge_results(step_result("pools", ["define pool images"], [{"name": "images"}], diff=[{"p": 1}]),
                           step_result("volumes", ["create volume images/a"], [{"name": "a"}], diff=[{"v": 1}]))
    assert merged == {"changed": True, "actions": ["define pool images", "create volume images/a"],
                      "pools": [{"name": "images"}], "volumes": [{"name": "a"}], "diff": [{"p": 1}, {"v": 1}]}


def test_merge_results_unchanged():
    merged = merge_results(step_result("pools", [], []), dict(step_result("volumes", [], []), pending_uploads=[]))
    assert merged == {"changed": False, "actions": [], "pools": [], "volumes": [], "pending_uploads": []}


class FakeModule:
    def __init__(self, check_mode=False, **raw):
        self.params = module_params(**raw)
        self.ansible = types.SimpleNamespace(check_mode=check_mode, _diff=False)
        self.warnings = []

    def connect(self):
        return "conn"

    def node(self):
        return "node"

    def warn(self, warnings):
        self.warnings.extend(warnings)


@pytest.fixture
def steps(monkeypatch):
    """Fake pool and volume steps; records what each was asked to converge."""
    calls = {}

    def converge_pools(pools, conn, node, check_mode, diff_mode):
        calls["pools"] = [pool.name for pool in pools]
        return step_result("pools", ["define pool %s" % pool.name for pool in pools], []), ["pool warning"]

    def converge_volumes(volumes, conn, node, check_mode, diff_mode, defer_uploads_above=None, ceph_keyring=None):
        calls["volumes"] = [volume.name for volume in volumes]
        calls["volume_options"] = (defer_uploads_above, ceph_keyring)
        if calls.get("fail_volumes"):
            raise LqError("volume vm1.qcow2 would shrink", problems=["shrink"])
        return step_result("volumes", ["create volume %s" % volume.name for volume in volumes], []), []

    monkeypatch.setattr(_node_storage, "converge_pools", converge_pools)
    monkeypatch.setattr(_node_storage, "converge_volumes", converge_volumes)
    monkeypatch.setattr(_node_storage, "_running_pools", lambda conn: set())
    return calls


def test_converge_pools_then_volumes(steps):
    module = FakeModule(pools=[IMAGES], volumes=[ROOT], ceph_keyring="/etc/ceph/k", upload_defer_above=5)
    result = converge_node_storage(module)
    assert result["actions"] == ["define pool images", "create volume vm1.qcow2"]
    assert steps["volume_options"] == (5, "/etc/ceph/k")
    assert module.warnings == ["pool warning"]


def test_check_mode_leaves_out_volumes_of_pools_it_starts_and_says_so(steps):
    module = FakeModule(check_mode=True, pools=[IMAGES],
                        volumes=[ROOT, {"pool": "other", "name": "b.qcow2", "capacity": "1GiB"}])
    result = converge_node_storage(module)
    assert steps["volumes"] == ["b.qcow2"]
    assert result["actions"] == ["define pool images", "create volume b.qcow2"]
    assert module.warnings == ["pool warning", "check mode cannot predict volumes in pools that this task creates "
                                               "or starts: images/vm1.qcow2"]


def test_a_volume_failure_names_what_the_pools_step_did(steps):
    steps["fail_volumes"] = True
    with pytest.raises(LqError) as excinfo:
        converge_node_storage(FakeModule(pools=[IMAGES], volumes=[ROOT]))
    assert excinfo.value.message == ("volume vm1.qcow2 would shrink; the pools were converged before this failure: "
                                     "define pool images")
    assert excinfo.value.details == {"problems": ["shrink"]}


def test_a_volume_failure_after_unchanged_pools_is_the_volume_step_s_own(steps):
    steps["fail_volumes"] = True
    with pytest.raises(LqError) as excinfo:
        converge_node_storage(FakeModule(volumes=[ROOT]))
    assert excinfo.value.message == "volume vm1.qcow2 would shrink"

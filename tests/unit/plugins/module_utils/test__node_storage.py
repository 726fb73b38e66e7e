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
    merge_steps,
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
    _pools, volumes = requests(
        [IMAGES, {"name": "old", "type": "dir", "target": "/srv/old"}],
        [ROOT, {"pool": "old", "name": "a.qcow2", "capacity": "1GiB"},
         {"pool": "old", "name": "b.qcow2", "clone_from": {"pool": "images", "name": "base.qcow2"}},
         {"pool": "other", "name": "c.qcow2", "capacity": "1GiB"}])
    assert [volume.name for volume in unpredictable_volumes(volumes, {"images"})] == ["vm1.qcow2", "b.qcow2"]
    assert unpredictable_volumes(volumes, set()) == []


@pytest.mark.parametrize("pool, volume, problem", [
    ({"name": "images", "state": "absent"}, ROOT,
     "volume images/vm1.qcow2: its pool images is removed by this task (state: absent); remove the volume too, or "
     "keep the pool"),
    ({"name": "images", "state": "absent"},
     {"pool": "other", "name": "b", "clone_from": {"pool": "images", "name": "a"}},
     "volume other/b: the pool it is cloned from images is removed by this task"),
    (dict(IMAGES, started=False), dict(ROOT, state="absent"),
     "volume images/vm1.qcow2: its pool images is stopped by this task (started: false)"),
])
def test_volumes_the_task_s_own_pools_make_impossible_are_refused_up_front(pool, volume, problem):
    with pytest.raises(LqError) as excinfo:
        requests([pool], [volume])
    assert problem in excinfo.value.message


def test_a_volume_to_delete_from_a_pool_the_task_removes_is_fine():
    pools, volumes = requests([{"name": "images", "state": "absent"}], [dict(ROOT, state="absent")])
    assert (pools[0].state, volumes[0].state) == ("absent", "absent")


def step_result(key, actions, statuses, diff=None):
    result = {"changed": bool(actions), "actions": actions, key: statuses}
    if diff is not None:
        result["diff"] = diff
    return result


def test_merge_steps_keeps_step_order_and_the_task_s_volume_order():
    _pools, (first, second) = requests([], [ROOT, dict(ROOT, name="vm2.qcow2")])
    merged = merge_steps([
        ([second], step_result("volumes", ["delete volume images/vm2.qcow2"], [{"name": "vm2.qcow2"}], diff=[1]), []),
        ([], step_result("pools", ["define pool images"], [{"name": "images"}], diff=[2]), []),
        ([first], step_result("volumes", [], [{"name": "vm1.qcow2"}], diff=[]), []),
    ], [first, second])
    assert merged == {"changed": True, "actions": ["delete volume images/vm2.qcow2", "define pool images"],
                      "pools": [{"name": "images"}], "volumes": [{"name": "vm1.qcow2"}, {"name": "vm2.qcow2"}],
                      "diff": [1, 2]}


def test_merge_steps_unchanged():
    merged = merge_steps([([], step_result("pools", [], []), []),
                          ([], dict(step_result("volumes", [], []), pending_uploads=[]), [])], [])
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
def node(monkeypatch):
    """Fake pool and volume steps on a node whose pools are ``node["existing"]``, of which the pools step starts
    ``node["starting"]``; records what each step was asked to converge, in order."""
    state = {"existing": set(), "starting": set(), "calls": [], "fail": None}

    class FakePoolManager:
        def __init__(self, conn, node):
            pass

        def plan(self, pool):
            return types.SimpleNamespace(request=pool, current=object() if pool.name in state["existing"] else None,
                                         starts=pool.name in state["starting"])

    def converge_pool_plans(manager, pool_plans, check_mode, diff_mode):
        state["calls"].append(("pools", [plan.request.name for plan in pool_plans]))
        actions = ["converge pool %s" % plan.request.name for plan in pool_plans]
        return step_result("pools", actions, [{"name": plan.request.name} for plan in pool_plans]), ["pool warning"]

    def converge_volumes(volumes, conn, node, check_mode, diff_mode, defer_uploads_above=None, ceph_keyring=None):
        state["calls"].append(("volumes", [volume.name for volume in volumes]))
        state["volume_options"] = (defer_uploads_above, ceph_keyring)
        if volumes and state["fail"]:
            raise LqError(state["fail"], problems=["x"])
        return step_result("volumes", ["converge volume %s" % volume.name for volume in volumes],
                           [{"name": volume.name} for volume in volumes]), []

    monkeypatch.setattr(_node_storage, "PoolManager", FakePoolManager)
    monkeypatch.setattr(_node_storage, "converge_pool_plans", converge_pool_plans)
    monkeypatch.setattr(_node_storage, "converge_volumes", converge_volumes)
    return state


def test_converge_pools_then_volumes(node):
    module = FakeModule(pools=[IMAGES], volumes=[ROOT], ceph_keyring="/etc/ceph/k", upload_defer_above=5)
    result = converge_node_storage(module)
    assert node["calls"] == [("volumes", []), ("pools", ["images"]), ("volumes", ["vm1.qcow2"])]
    assert result["actions"] == ["converge pool images", "converge volume vm1.qcow2"]
    assert node["volume_options"] == (5, "/etc/ceph/k")
    assert module.warnings == ["pool warning"]


def test_volumes_of_a_removed_pool_go_first_or_are_gone_with_it(node):
    node["existing"] = {"old"}
    result = converge_node_storage(FakeModule(
        pools=[{"name": "old", "state": "absent"}, {"name": "older", "state": "absent"}, IMAGES],
        volumes=[ROOT, {"pool": "old", "name": "a", "state": "absent"},
                 {"pool": "older", "name": "b", "state": "absent"}]))
    assert node["calls"] == [("volumes", ["a"]), ("pools", ["old", "older", "images"]), ("volumes", ["vm1.qcow2"])]
    assert result["volumes"] == [{"name": "vm1.qcow2"}, {"name": "a"},
                                 {"name": "b", "pool": "older", "state": "absent"}]


def test_check_mode_leaves_out_volumes_of_pools_it_starts_and_says_so(node):
    node["starting"] = {"images"}
    module = FakeModule(check_mode=True, pools=[IMAGES],
                        volumes=[ROOT, {"pool": "other", "name": "b.qcow2", "capacity": "1GiB"}])
    result = converge_node_storage(module)
    assert node["calls"][-1] == ("volumes", ["b.qcow2"])
    assert result["volumes"] == [{"name": "b.qcow2"}]
    assert module.warnings == ["pool warning", "check mode cannot predict volumes in pools that this task creates, "
                                               "starts or restarts: images/vm1.qcow2"]


def test_a_volume_failure_names_what_the_steps_before_did_and_is_a_change(node):
    node["fail"] = "volume vm1.qcow2 would shrink"
    with pytest.raises(LqError) as excinfo:
        converge_node_storage(FakeModule(pools=[IMAGES], volumes=[ROOT]))
    assert excinfo.value.message == "volume vm1.qcow2 would shrink; done before, in this task: converge pool images"
    assert excinfo.value.details == {"problems": ["x"], "changed": True}


def test_a_failure_after_steps_that_changed_nothing_is_reported_as_is(node):
    node["fail"] = "volume vm1.qcow2 would shrink"
    with pytest.raises(LqError) as excinfo:
        converge_node_storage(FakeModule(volumes=[ROOT]))
    assert excinfo.value.message == "volume vm1.qcow2 would shrink"
    assert excinfo.value.details == {"problems": ["x"]}

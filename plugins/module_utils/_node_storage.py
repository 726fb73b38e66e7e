# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lq_node_storage: a node's pools, then the volumes in them, in one module call.

One call instead of an lq_storage_pool and an lq_volume task saves one module start-up, most of what a run that
changes nothing costs: a module task is mostly Ansible's and Python's start-up, not libvirt's work.

The steps, in order: the volumes to delete from pools the task removes (a removed pool's volumes cannot be reached
afterwards), the pools, the other volumes. The pools are planned before anything changes; each volume step when the
steps before it have run.
"""

from __future__ import annotations

import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._ceph import CEPH_CLIENT_ARGUMENT_SPEC
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._module import LqModule
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_requests import (
    LIFECYCLE_DEFAULTS,
    PoolRequest,
    pool_item_spec,
    pool_requests,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._pools import PoolManager, converge_pool_plans
from ansible_collections.limiquantix.storage.plugins.module_utils._requests import fail_on
from ansible_collections.limiquantix.storage.plugins.module_utils._volume_requests import (
    VolumeRequest,
    volume_item_spec,
    volume_requests,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._volumes import converge_volumes

Step = t.Tuple[t.Sequence[t.Any], t.Dict[str, t.Any], t.List[str]]


def node_storage_argument_spec() -> t.Dict[str, t.Any]:
    return dict(
        pools=dict(type="list", elements="dict", default=[], options=pool_item_spec()),
        volumes=dict(type="list", elements="dict", default=[], options=volume_item_spec()),
        upload_defer_above=dict(type="int"),
        **CEPH_CLIENT_ARGUMENT_SPEC
    )


def _label(volume: VolumeRequest) -> str:
    return "%s/%s" % (volume.pool, volume.name)


def _conflicts(pools: t.Sequence[PoolRequest], volumes: t.Sequence[VolumeRequest]) -> t.List[str]:
    """Volumes that the task's own pools make impossible: in or cloned from a pool it removes, or leaves stopped."""
    removed = {pool.name for pool in pools if pool.state == "absent"}
    stopped = {pool.name for pool in pools if pool.state == "present" and not pool.started}
    problems = []
    for volume in volumes:
        for pool, role in ((volume.pool, "its pool"), (volume.clone_pool, "the pool it is cloned from")):
            if pool in stopped:
                problems.append("volume %s: %s %s is stopped by this task (started: false), and the volumes of a "
                                "stopped pool cannot be read or changed" % (_label(volume), role, pool))
            elif pool in removed and volume.state == "present":
                problems.append("volume %s: %s %s is removed by this task (state: absent); remove the volume too, "
                                "or keep the pool" % (_label(volume), role, pool))
    return problems


def node_storage_requests(params: t.Mapping[str, t.Any]) -> t.Tuple[t.List[PoolRequest], t.List[VolumeRequest]]:
    """Every pool and volume of the task, validated before anything connects; items without lifecycle options get
    lq_storage_pool's defaults."""
    pools = pool_requests(dict(LIFECYCLE_DEFAULTS, pools=params["pools"]))
    volumes = volume_requests({"volumes": params["volumes"]})
    fail_on("volume", _conflicts(pools, volumes))
    return pools, volumes


def unpredictable_volumes(volumes: t.Sequence[VolumeRequest], starting: t.Collection[str]) -> t.List[VolumeRequest]:
    """The volumes check mode cannot plan: those in (or cloned from) a pool that the pools step starts - a new or
    stopped pool, or one restarted for a new definition - since the real run plans them from the started pool."""
    return [volume for volume in volumes if volume.pool in starting or volume.clone_pool in starting]


def merge_steps(steps: t.Sequence[Step], volumes: t.Sequence[VolumeRequest]) -> t.Dict[str, t.Any]:
    """One result from the steps' results, in step order; the volumes in the order the task gave them."""
    results = [result for _requests, result, _warnings in steps]
    merged: t.Dict[str, t.Any] = {
        "changed": any(result["changed"] for result in results),
        "actions": [action for result in results for action in result["actions"]],
        "pools": [status for result in results for status in result.get("pools", [])],
    }
    if any("diff" in result for result in results):
        merged["diff"] = [diff for result in results for diff in result.get("diff", [])]
    if any("pending_uploads" in result for result in results):
        merged["pending_uploads"] = [upload for result in results for upload in result.get("pending_uploads", [])]
    statuses = {id(request): status for requests, result, _warnings in steps
                for request, status in zip(requests, result.get("volumes", []))}
    merged["volumes"] = [statuses[id(volume)] for volume in volumes if id(volume) in statuses]
    return merged


def converge_node_storage(module: LqModule) -> t.Dict[str, t.Any]:
    """Remove what goes with removed pools, converge the pools, then the other volumes; a failure in a later step
    names what the steps before it did."""
    params, check_mode, diff_mode = module.params, module.ansible.check_mode, module.ansible._diff
    pools, volumes = node_storage_requests(params)
    conn, node = module.connect(), module.node()
    pool_manager = PoolManager(conn, node)
    pool_plans = [pool_manager.plan(pool) for pool in pools]
    existing = {pool_plan.request.name for pool_plan in pool_plans if pool_plan.current is not None}
    removed = {pool.name for pool in pools if pool.state == "absent"}

    steps: t.List[Step] = []
    warnings: t.List[str] = []

    def run(requests: t.Sequence[t.Any], converge: t.Callable[[], t.Tuple[dict, t.List[str]]]) -> None:
        done = [action for _requests, result, _warnings in steps for action in result["actions"]]
        try:
            result, step_warnings = converge()
        except LqError as error:
            if done and not check_mode:
                raise LqError("%s; done before, in this task: %s" % (error.message, "; ".join(done)),
                              **dict(error.details, changed=True))
            raise
        steps.append((requests, result, step_warnings))
        warnings.extend(step_warnings)

    def volume_step(requests: t.Sequence[VolumeRequest]) -> None:
        run(requests, lambda: converge_volumes(requests, conn, node, check_mode, diff_mode,
                                               defer_uploads_above=params["upload_defer_above"],
                                               ceph_keyring=params["ceph_keyring"]))

    # A volume of a pool that is already gone is gone with it.
    gone = [volume for volume in volumes if volume.pool in removed and volume.pool not in existing]
    steps.append((gone, {"changed": False, "actions": [],
                         "volumes": [{"name": volume.name, "pool": volume.pool, "state": "absent"} for volume in gone]},
                  []))
    volume_step([volume for volume in volumes if volume.pool in removed and volume.pool in existing])
    run(pools, lambda: converge_pool_plans(pool_manager, pool_plans, check_mode, diff_mode))
    rest = [volume for volume in volumes if volume.pool not in removed]
    if check_mode:
        left_out = unpredictable_volumes(rest, {pool_plan.request.name for pool_plan in pool_plans if pool_plan.starts})
        if left_out:
            warnings.append("check mode cannot predict volumes in pools that this task creates, starts or restarts: "
                            "%s" % ", ".join(_label(volume) for volume in left_out))
            rest = [volume for volume in rest if volume not in left_out]
    volume_step(rest)
    module.warn(warnings)
    return merge_steps(steps, volumes)

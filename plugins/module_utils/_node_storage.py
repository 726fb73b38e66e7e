# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lq_node_storage: a node's pools, then the volumes in them, in one module call.

One call instead of an lq_storage_pool and an lq_volume task halves what a run that changes nothing costs: most
of a module task is Ansible's and Python's start-up, not libvirt's work.
"""

from __future__ import annotations

import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._ceph import CEPH_CLIENT_ARGUMENT_SPEC
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._libvirt import libvirt, libvirt_errors
from ansible_collections.limiquantix.storage.plugins.module_utils._module import LqModule
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_requests import (
    LIFECYCLE_DEFAULTS,
    PoolRequest,
    pool_item_spec,
    pool_requests,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._pools import converge_pools
from ansible_collections.limiquantix.storage.plugins.module_utils._volume_requests import (
    VolumeRequest,
    volume_item_spec,
    volume_requests,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._volumes import converge_volumes


def node_storage_argument_spec() -> t.Dict[str, t.Any]:
    return dict(
        pools=dict(type="list", elements="dict", default=[], options=pool_item_spec()),
        volumes=dict(type="list", elements="dict", default=[], options=volume_item_spec()),
        upload_defer_above=dict(type="int"),
        **CEPH_CLIENT_ARGUMENT_SPEC
    )


def node_storage_requests(params: t.Mapping[str, t.Any]) -> t.Tuple[t.List[PoolRequest], t.List[VolumeRequest]]:
    """Every pool and volume of the task, validated before anything connects; items without lifecycle options get
    lq_storage_pool's defaults."""
    return (pool_requests(dict(LIFECYCLE_DEFAULTS, pools=params["pools"])),
            volume_requests({"volumes": params["volumes"]}))


def unpredictable_volumes(volumes: t.Sequence[VolumeRequest], pools: t.Sequence[PoolRequest],
                          running: t.Collection[str]) -> t.List[VolumeRequest]:
    """The volumes check mode cannot plan: those in (or cloned from) a pool of the task that does not run yet -
    the real run creates or starts it before it plans the volumes."""
    starting = {pool.name for pool in pools if pool.state == "present" and pool.name not in running}
    return [volume for volume in volumes if {volume.pool, volume.clone_pool} & starting]


def _running_pools(conn: "libvirt.virConnect") -> t.Set[str]:
    with libvirt_errors("listing storage pools"):
        return {handle.name() for handle in conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)}


def merge_results(pools: t.Mapping[str, t.Any], volumes: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
    result = dict(pools, **volumes)
    result["changed"] = bool(pools["changed"] or volumes["changed"])
    result["actions"] = list(pools["actions"]) + list(volumes["actions"])
    if "diff" in pools:
        result["diff"] = list(pools["diff"]) + list(volumes["diff"])
    return result


def converge_node_storage(module: LqModule) -> t.Dict[str, t.Any]:
    """The pools first, then the volumes; a failure among the volumes says what the pools step already did."""
    params, check_mode, diff_mode = module.params, module.ansible.check_mode, module.ansible._diff
    pools, volumes = node_storage_requests(params)
    conn, node = module.connect(), module.node()
    pools_result, warnings = converge_pools(pools, conn, node, check_mode, diff_mode)
    if check_mode and volumes:
        left_out = unpredictable_volumes(volumes, pools, _running_pools(conn))
        if left_out:
            warnings.append("check mode cannot predict volumes in pools that this task creates or starts: %s"
                            % ", ".join("%s/%s" % (volume.pool, volume.name) for volume in left_out))
            volumes = [volume for volume in volumes if volume not in left_out]
    try:
        volumes_result, volume_warnings = converge_volumes(
            volumes, conn, node, check_mode, diff_mode, defer_uploads_above=params["upload_defer_above"],
            ceph_keyring=params["ceph_keyring"])
    except LqError as error:
        if pools_result["changed"] and not check_mode:
            raise LqError("%s; the pools were converged before this failure: %s"
                          % (error.message, "; ".join(pools_result["actions"])), **error.details)
        raise
    module.warn(warnings + volume_warnings)
    return merge_results(pools_result, volumes_result)

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure parts of the pool manager; they run without the libvirt bindings (the import is guarded)."""

from __future__ import annotations

import dataclasses
import types

import pytest

from ansible_collections.limiquantix.storage.plugins.module_utils import _pools
from ansible_collections.limiquantix.storage.plugins.module_utils._changes import Plan
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends import BACKENDS
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_requests import LIFECYCLE_DEFAULTS, PoolRequest
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import Host, PoolDefinition, to_xml
from ansible_collections.limiquantix.storage.plugins.module_utils._pools import (
    PoolManager,
    PoolPlan,
    PoolSnapshot,
    _lifecycle_view,
    _needs_restart,
    pool_status,
    predicted_status,
)

IMAGES = PoolDefinition(name="images", type="dir", target_path="/srv/images", target_mode="0711")


def request(name="images", pool_type="dir", options=None, xml_definition=None, **lifecycle):
    return PoolRequest(name=name, type=pool_type, options=options or {}, xml_definition=xml_definition,
                       **dict(LIFECYCLE_DEFAULTS, **lifecycle))


def snapshot(definition=IMAGES, state="running", **fields):
    values = dict(uuid="0d3b6e26-5a3c-4e0f-8a7e-4f1f6a1e2c11", state=state, autostart=True, persistent=True,
                  capacity=100, allocation=40, available=60, volume_count=3 if state != "inactive" else None)
    values.update(fields)
    return PoolSnapshot(definition=definition, **values)


def pool_plan(req, current, desired, restart_required=False):
    return PoolPlan(req, current, desired, Plan("pool", req.name, before=None, after=None),
                    restart_required=restart_required)


def test_snapshot_active():
    assert snapshot(state="running").active and snapshot(state="degraded").active
    assert not snapshot(state="inactive").active


def test_pool_status():
    assert pool_status(snapshot()) == {
        "name": "images", "uuid": "0d3b6e26-5a3c-4e0f-8a7e-4f1f6a1e2c11", "type": "dir", "state": "running",
        "active": True, "autostart": True, "persistent": True, "capacity": 100, "allocation": 40, "available": 60,
        "target": "/srv/images", "volume_count": 3, "definition": {"target": "/srv/images", "mode": "0711"},
    }


def test_pool_status_definition_uses_module_options():
    ceph = PoolDefinition(name="ceph", type="rbd", hosts=(Host("2001:db8::3", 3300),), source_name="vms",
                          volume_allocation_default=True)
    status = pool_status(snapshot(ceph))
    assert status["target"] is None
    assert status["definition"] == {"monitors": ["[2001:db8::3]:3300"], "rbd_pool": "vms"}


def test_lifecycle_view():
    assert _lifecycle_view(IMAGES, True, False) == "started: true\nautostart: false\n%s\n" % to_xml(IMAGES)


# -- predicted_status: what check mode reports ---------------------------------------------------------------

def test_predicted_status_absent():
    status = predicted_status(pool_plan(request(state="absent"), snapshot(), None))
    assert status == {"name": "images", "state": "absent"}


@pytest.mark.parametrize("started, state", [(True, "running"), (False, "inactive")])
def test_predicted_status_new_pool(started, state):
    status = predicted_status(pool_plan(request(started=started, autostart=False), None, IMAGES))
    assert status == {
        "name": "images", "uuid": None, "type": "dir", "state": state, "active": started, "autostart": False,
        "persistent": True, "capacity": None, "allocation": None, "available": None, "target": "/srv/images",
        "volume_count": None, "restart_required": False, "definition": {"target": "/srv/images", "mode": "0711"},
    }


def test_predicted_status_unchanged_pool_is_its_status():
    current = snapshot()
    assert predicted_status(pool_plan(request(), current, IMAGES)) == dict(pool_status(current),
                                                                           restart_required=False)


@pytest.mark.parametrize("state", ["running", "degraded", "building"])
def test_predicted_status_keeps_the_state_of_an_active_pool(state):
    assert predicted_status(pool_plan(request(), snapshot(state=state), IMAGES))["state"] == state


def test_predicted_status_starting_an_inactive_pool():
    status = predicted_status(pool_plan(request(), snapshot(state="inactive"), IMAGES))
    assert (status["state"], status["active"]) == ("running", True)


def test_predicted_status_stopping_a_pool():
    """pool_status reports volume_count None for an inactive pool, so the prediction must too."""
    status = predicted_status(pool_plan(request(started=False), snapshot(state="running"), IMAGES))
    assert (status["state"], status["active"]) == ("inactive", False)
    assert status["volume_count"] is None


def test_predicted_status_of_a_transient_pool_is_persistent():
    """A transient pool is (re)defined by the plan, so afterwards it is persistent."""
    status = predicted_status(pool_plan(request(), snapshot(persistent=False), IMAGES))
    assert status["persistent"] is True


def test_predicted_status_new_definition_and_autostart():
    desired = dataclasses.replace(IMAGES, target_mode="0755")
    status = predicted_status(pool_plan(request(autostart=False), snapshot(), desired, restart_required=True))
    assert status["restart_required"] is True
    assert status["autostart"] is False
    assert status["definition"] == {"target": "/srv/images", "mode": "0755"}


# -- the desired definition ------------------------------------------------------------------------------------

desired_definition = PoolManager._desired_definition


def test_desired_definition_of_a_new_pool_has_the_defaults():
    req = request("vg_vms", "logical", {"devices": ["/dev/sdb"]})
    assert desired_definition(req, None) == PoolDefinition(
        name="vg_vms", type="logical", devices=("/dev/sdb",), source_name="vg_vms", source_format="lvm2",
        target_path="/dev/vg_vms")


def test_desired_definition_is_normalized():
    req = request(options={"target": "/srv/images/", "mode": "711"})
    assert desired_definition(req, None) == IMAGES


def test_desired_definition_keeps_what_the_task_leaves_out():
    current = snapshot(dataclasses.replace(IMAGES, target_owner=107, target_group=107))
    req = request(options={"target": "/srv/images", "mode": 0o755})
    assert desired_definition(req, current) == PoolDefinition(
        name="images", type="dir", target_path="/srv/images", target_mode="0755", target_owner=107, target_group=107)


def test_desired_definition_does_not_reapply_defaults_to_an_existing_pool():
    current = snapshot(PoolDefinition(name="fast", type="fs", target_path="/srv/fast", devices=("/dev/vdb",),
                                      source_format="xfs"))
    assert desired_definition(request("fast", "fs", {"device": "/dev/vdb"}), current) == current.definition


def test_desired_definition_from_xml():
    xml_definition = PoolDefinition(name="images", type="dir", target_path="/elsewhere")
    req = request(pool_type="dir", xml_definition=xml_definition)
    assert desired_definition(req, None) is xml_definition
    # What the XML leaves out (here the mode libvirt reports) keeps its current value, as with typed options.
    current = snapshot()
    assert desired_definition(req, current) == dataclasses.replace(current.definition, target_path="/elsewhere")


def test_desired_definition_keeps_the_port_the_task_leaves_out():
    # libvirt writes port 3260 into an iscsi pool's definition when it starts the pool.
    san = PoolDefinition(name="san", type="iscsi", target_path="/dev/disk/by-path", hosts=(Host("10.0.0.20", 3260),),
                         devices=("iqn.2026-01.com.example:san",))
    options = {"host": "10.0.0.20", "iqn": "iqn.2026-01.com.example:san"}
    assert desired_definition(request("san", "iscsi", options), snapshot(san)) == san
    moved = desired_definition(request("san", "iscsi", dict(options, host="10.0.0.21")), snapshot(san))
    assert moved.hosts == (Host("10.0.0.21"),)
    assert desired_definition(request("san", "iscsi", dict(options, port=3261)), snapshot(san)).hosts == (
        Host("10.0.0.20", 3261),)


def test_desired_definition_cannot_change_the_type():
    req = request(pool_type="fs", options={"target": "/srv/images", "device": "/dev/vdb"})
    with pytest.raises(LqError, match="pool images is of type dir, not fs: a pool's type cannot change"):
        desired_definition(req, snapshot())


@pytest.mark.parametrize("pool_type", ["dir", "fs", "netfs"])
def test_a_permission_change_needs_no_restart_where_permissions_are_the_directorys(pool_type):
    running = PoolDefinition(name="p", type=pool_type, target_path="/srv/p", target_mode="0755", target_owner=0)
    desired = dataclasses.replace(running, target_mode="0711", target_owner=107)
    assert not _needs_restart(running, desired, BACKENDS[pool_type])
    assert _needs_restart(running, dataclasses.replace(desired, target_path="/srv/q"), BACKENDS[pool_type])


def test_a_logical_pool_restarts_for_any_change():
    running = PoolDefinition(name="vg", type="logical", source_name="vg", target_path="/dev/vg")
    assert _needs_restart(running, dataclasses.replace(running, target_mode="0700"), BACKENDS["logical"])
    assert not _needs_restart(running, running, BACKENDS["logical"])


class StoppedRbdPool:
    """A stopped rbd pool as libvirt 9 shows it: with the figures of when it last ran."""

    def info(self):
        return [0, 10 * 2**30, 4 * 2**30, 6 * 2**30]

    def XMLDesc(self, flags):
        return to_xml(PoolDefinition(name="ceph", type="rbd", source_name="rbd", hosts=(Host("10.0.0.1"),)))

    def UUIDString(self):
        return "2bd3c4e5-0000-4000-8000-000000000001"

    def autostart(self):
        return 1

    def isPersistent(self):
        return 1


def test_a_stopped_pool_reports_no_capacity(monkeypatch):
    monkeypatch.setattr(_pools, "libvirt", types.SimpleNamespace(VIR_STORAGE_POOL_INACTIVE=0,
                                                                 VIR_STORAGE_XML_INACTIVE=1))
    snapshot = PoolManager._snapshot_of(StoppedRbdPool())
    assert (snapshot.state, snapshot.capacity, snapshot.allocation, snapshot.available) == ("inactive", 0, 0, 0)

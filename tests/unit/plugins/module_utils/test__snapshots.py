# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible_collections.limiquantix.storage.plugins.module_utils._changes import apply, summarize
from ansible_collections.limiquantix.storage.plugins.module_utils._domains import DomainUse
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._node import Node
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import PoolDefinition
from ansible_collections.limiquantix.storage.plugins.module_utils._snapshots import (
    QcowInternalSnapshots,
    RbdSnapshots,
    Snapshot,
    SnapshotBackend,
    SnapshotRequest,
    image_options,
    iso_date,
    parse_qemu_img_info,
    plan_snapshot,
    snapshot_backend_for,
    snapshot_name_problem,
    snapshot_request,
    volume_snapshots,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._volume_xml import VolumeDefinition

QEMU_IMG_INFO = """{
    "snapshots": [
        {"icount": 0, "vm-clock-nsec": 0, "name": "second", "date-sec": 1767268800, "date-nsec": 5000,
         "vm-clock-sec": 0, "id": "10", "vm-state-size": 0},
        {"icount": 0, "vm-clock-nsec": 0, "name": "before-upgrade", "date-sec": 1767225600, "date-nsec": 395457000,
         "vm-clock-sec": 0, "id": "2", "vm-state-size": 1048576}
    ],
    "virtual-size": 1048576,
    "filename": "/var/lib/limiquantix/images/vm1.qcow2",
    "cluster-size": 65536,
    "format": "qcow2",
    "actual-size": 217088,
    "dirty-flag": false
}"""

POOL = PoolDefinition(name="images", type="dir", target_path="/var/lib/limiquantix/images")
VOLUME = VolumeDefinition(name="vm1.qcow2", capacity=1 << 20, format="qcow2",
                          path="/var/lib/limiquantix/images/vm1.qcow2")


# -- parsing ----------------------------------------------------------------------------------------


def test_parse_qemu_img_info_in_id_order():
    assert parse_qemu_img_info(QEMU_IMG_INFO) == [
        Snapshot(id="2", name="before-upgrade", date="2026-01-01T00:00:00Z", vm_state_size=1048576),
        Snapshot(id="10", name="second", date="2026-01-01T12:00:00Z", vm_state_size=0),
    ]


def test_parse_qemu_img_info_without_snapshots():
    assert parse_qemu_img_info('{"format": "qcow2", "virtual-size": 1}') == []
    assert parse_qemu_img_info('{"format": "qcow2", "snapshots": []}') == []


@pytest.mark.parametrize("text, expected", [
    ("qemu-img: Could not open", "printed no JSON"),
    ("[]", "not a JSON object"),
    ('{"snapshots": [{"name": "x"}]}', "unexpected entry"),
    ('{"snapshots": [{"id": "1", "name": "x", "date-sec": "soon"}]}', "unexpected entry"),
])
def test_parse_qemu_img_info_errors(text, expected):
    with pytest.raises(LqError, match=expected):
        parse_qemu_img_info(text, "volume images/vm1.qcow2")


def test_iso_date_is_utc():
    assert iso_date(0) == "1970-01-01T00:00:00Z"
    assert iso_date(1767225600) == "2026-01-01T00:00:00Z"


def test_snapshot_as_dict():
    assert Snapshot(name="a", id="1", date="2026-01-01T00:00:00Z").as_dict() == {
        "id": "1", "name": "a", "date": "2026-01-01T00:00:00Z", "vm_state_size": 0}


@pytest.mark.parametrize("name, expected", [
    ("before-upgrade", None),
    ("with space inside", None),
    ("1", None),
    (None, "name is required"),
    ("", "name is required"),
    ("  ", "name is required"),
    (" padded", "spaces"),
    ("tab\there", "control characters"),
    ("x" * 256, "longer than 255 bytes"),
])
def test_snapshot_name_problem(name, expected):
    problem = snapshot_name_problem(name)
    if expected is None:
        assert problem is None
    else:
        assert expected in problem


def test_snapshot_request():
    assert snapshot_request({"pool": "images", "volume": "vm1.qcow2", "name": "s", "state": "present"}) == \
        SnapshotRequest(pool="images", volume="vm1.qcow2", name="s", state="present")
    with pytest.raises(LqError, match="name is required") as raised:
        snapshot_request({"pool": "images", "volume": "", "name": "", "state": "present"})
    assert raised.value.details["problems"] == ["name is required: the name of the snapshot",
                                                "volume is required: the volume to snapshot"]


# -- the qemu-img backend ---------------------------------------------------------------------------


class FakeNode:
    """run_command / get_bin_path that record argv and answer from a table."""

    def __init__(self, answers=None, binaries=("qemu-img",)):
        self.calls = []
        self.answers = answers or {}
        self.binaries = binaries

    def run_command(self, argv):
        self.calls.append(argv)
        for verb, answer in self.answers.items():
            if verb in argv:
                return answer
        return 0, "", ""

    def get_bin_path(self, name, opt_dirs=None):
        return "/usr/bin/%s" % name if name in self.binaries else None

    def commands(self):
        return Node(self.run_command, self.get_bin_path)


def test_qemu_img_argv():
    node = FakeNode({"info": (0, QEMU_IMG_INFO, "")})
    backend = QcowInternalSnapshots(node.commands())
    snapshots = backend.snapshots(POOL, VOLUME)
    backend.create(POOL, VOLUME, "-looks-like-an-option")
    backend.delete(POOL, VOLUME, snapshots[0])
    backend.revert(POOL, VOLUME, snapshots[1])
    path = VOLUME.path
    opts = "driver=qcow2,file.driver=file,file.filename=" + path
    assert node.calls == [
        ["/usr/bin/qemu-img", "info", "-U", "-f", "qcow2", "--output=json", "--", path],
        ["/usr/bin/qemu-img", "snapshot", "-q", "-c", "-looks-like-an-option", "--image-opts", "--", opts],
        ["/usr/bin/qemu-img", "snapshot", "-q", "-d", "before-upgrade", "--image-opts", "--", opts],
        ["/usr/bin/qemu-img", "snapshot", "-q", "-a", "10", "--image-opts", "--", opts],
    ]


def test_image_options_name_the_format_and_escape_commas():
    assert image_options("/srv/a,b/vm1.qcow2") == "driver=qcow2,file.driver=file,file.filename=/srv/a,,b/vm1.qcow2"


def test_qemu_img_missing():
    backend = QcowInternalSnapshots(FakeNode(binaries=()).commands())
    with pytest.raises(LqError, match="no qemu-img command: install the qemu-utils package"):
        backend.snapshots(POOL, VOLUME)


def test_qemu_img_failure_names_the_step():
    node = FakeNode({"-a": (1, "", "qemu-img: Could not apply snapshot '1': Failed to load snapshot\n")})
    with pytest.raises(LqError, match=r"reverting volume images/vm1.qcow2 to snapshot s failed: qemu-img exited "
                                      r"with 1: qemu-img: Could not apply snapshot"):
        QcowInternalSnapshots(node.commands()).revert(POOL, VOLUME, Snapshot(name="s", id="1"))


def test_qemu_img_lock_failure_says_who_holds_the_image():
    message = ('qemu-img: Could not open \'/x.qcow2\': Failed to get "write" lock\n'
               'Is another process using the image [/x.qcow2]?\n')
    node = FakeNode({"-c": (1, "", message)})
    with pytest.raises(LqError, match="open in a running qemu process.*Stop that domain first"):
        QcowInternalSnapshots(node.commands()).create(POOL, VOLUME, "s")


@pytest.mark.parametrize("volume, expected", [
    (VOLUME, None),
    (VolumeDefinition(name="d.raw", capacity=1, format="raw", path="/p/d.raw"),
     "volume images/d.raw is raw: internal snapshots need a qcow2 volume"),
    (VolumeDefinition(name="d", capacity=1, path="/p/d"), "is of an unknown format"),
    (VolumeDefinition(name="d", capacity=1, format="qcow2"), "has no path"),
])
def test_qcow_unsupported(volume, expected):
    reason = QcowInternalSnapshots(FakeNode().commands()).unsupported(POOL, volume)
    if expected is None:
        assert reason is None
    else:
        assert expected in reason


def test_qcow_predict_takes_the_next_id():
    backend = QcowInternalSnapshots(FakeNode().commands())
    assert backend.predict([], "a") == Snapshot(name="a", id="1")
    assert backend.predict([Snapshot(name="x", id="2"), Snapshot(name="y", id="10")], "a") == Snapshot(name="a",
                                                                                                       id="11")


@pytest.mark.parametrize("pool_type, expected", [
    ("dir", QcowInternalSnapshots), ("fs", QcowInternalSnapshots), ("netfs", QcowInternalSnapshots),
    ("logical", None), ("iscsi", None), ("iscsi-direct", None), ("rbd", RbdSnapshots),
])
def test_snapshot_backend_for(pool_type, expected):
    backend = snapshot_backend_for(PoolDefinition(name="p", type=pool_type), FakeNode().commands())
    assert (type(backend) if backend else None) is expected


def test_volume_snapshots_for_reports():
    node = FakeNode({"info": (0, QEMU_IMG_INFO, "")})
    assert [s["name"] for s in volume_snapshots(POOL, VOLUME, node.commands())] == ["before-upgrade", "second"]
    raw = VolumeDefinition(name="d.raw", capacity=1, format="raw", path="/p/d.raw")
    assert volume_snapshots(POOL, raw, node.commands()) == []
    logical = PoolDefinition(name="vg", type="logical")
    assert volume_snapshots(logical, VOLUME, node.commands()) == []
    assert len(node.calls) == 1


# -- planning ---------------------------------------------------------------------------------------


class FakeBackend(SnapshotBackend):
    """Snapshots in a list; records what it was asked to do."""

    pool_types = ("dir",)
    kind = "snapshot"

    def __init__(self, snapshots=(), reason=None):
        super().__init__(Node(lambda argv: (0, "", ""), lambda name, opt_dirs=None: None))
        self.existing = list(snapshots)
        self.reason = reason
        self.done = []

    def unsupported(self, pool, volume):
        return self.reason

    def snapshots(self, pool, volume):
        return list(self.existing)

    def create(self, pool, volume, name):
        self.done.append(("create", name))

    def delete(self, pool, volume, snapshot):
        self.done.append(("delete", snapshot.id))

    def revert(self, pool, volume, snapshot):
        self.done.append(("revert", snapshot.id))


class FakeGuard:
    def __init__(self, running=(), clones=()):
        self.running = list(running)
        self.clone_names = list(clones)
        self.asked = 0

    def running_users(self):
        self.asked += 1
        return self.running

    def clones(self):
        return self.clone_names


A = Snapshot(name="a", id="1", date="2026-01-01T00:00:00Z")
B = Snapshot(name="b", id="2", date="2026-01-02T00:00:00Z")


def request(name, state="present"):
    return SnapshotRequest(pool="images", volume="vm1.qcow2", name=name, state=state)


def test_create_when_missing():
    backend, guard = FakeBackend([A]), FakeGuard()
    result = plan_snapshot(request("b"), POOL, VOLUME, backend, guard)
    assert result.plan.action_descriptions() == ["create snapshot b of volume images/vm1.qcow2"]
    assert result.predicted == [A, Snapshot(name="b")]
    assert result.plan.before == {"snapshots": ["a"]}
    assert result.plan.after == {"snapshots": ["a", "b"]}
    assert backend.done == []
    apply([result.plan], check_mode=False)
    assert backend.done == [("create", "b")]


def test_present_is_idempotent_and_reads_no_domains():
    backend, guard = FakeBackend([A, B]), FakeGuard(running=[DomainUse("vm1", True)])
    result = plan_snapshot(request("b"), POOL, VOLUME, backend, guard)
    assert not result.plan.changed
    assert result.predicted == [A, B]
    assert guard.asked == 0
    assert summarize([result.plan], diff_mode=True) == {"changed": False, "actions": [], "diff": []}


def test_absent_deletes_every_snapshot_of_the_name_by_id():
    duplicate = Snapshot(name="a", id="7")
    backend = FakeBackend([A, B, duplicate])
    result = plan_snapshot(request("a", "absent"), POOL, VOLUME, backend, FakeGuard())
    assert result.plan.action_descriptions() == ["delete snapshot a (id 1) of volume images/vm1.qcow2",
                                                 "delete snapshot a (id 7) of volume images/vm1.qcow2"]
    assert result.predicted == [B]
    apply([result.plan], check_mode=False)
    assert backend.done == [("delete", "1"), ("delete", "7")]


def test_absent_is_idempotent():
    result = plan_snapshot(request("c", "absent"), POOL, VOLUME, FakeBackend([A]), FakeGuard())
    assert not result.plan.changed
    assert result.predicted == [A]


def test_absent_of_a_missing_volume_is_no_change():
    result = plan_snapshot(request("c", "absent"), POOL, None, FakeBackend([A]), FakeGuard())
    assert not result.plan.changed
    assert result.predicted == []


def test_present_on_a_missing_volume_fails():
    with pytest.raises(LqError, match="volume images/vm1.qcow2 does not exist"):
        plan_snapshot(request("c"), POOL, None, FakeBackend(), FakeGuard())


def test_revert_is_always_a_change():
    backend = FakeBackend([A, B])
    result = plan_snapshot(request("a", "reverted"), POOL, VOLUME, backend, FakeGuard())
    assert result.plan.action_descriptions() == ["revert volume images/vm1.qcow2 to snapshot a (id 1)"]
    assert result.predicted == [A, B]
    assert result.plan.after == {"snapshots": ["a", "b"], "reverted_to": "a"}
    summary = summarize([result.plan], diff_mode=True)
    assert summary["changed"] is True
    assert summary["diff"][0]["before_header"] == "snapshots of volume images/vm1.qcow2 (before)"
    apply([result.plan], check_mode=True)
    assert backend.done == []
    apply([result.plan], check_mode=False)
    assert backend.done == [("revert", "1")]


def test_revert_to_a_missing_snapshot_fails_listing_the_others():
    with pytest.raises(LqError, match="has no snapshot named c to revert to \\(its snapshots: a, b\\)"):
        plan_snapshot(request("c", "reverted"), POOL, VOLUME, FakeBackend([A, B]), FakeGuard())
    with pytest.raises(LqError, match="its snapshots: none"):
        plan_snapshot(request("c", "reverted"), POOL, VOLUME, FakeBackend(), FakeGuard())


def test_revert_to_an_ambiguous_name_fails():
    with pytest.raises(LqError, match="has 2 snapshots named a \\(ids 1, 7\\)"):
        plan_snapshot(request("a", "reverted"), POOL, VOLUME, FakeBackend([A, Snapshot(name="a", id="7")]),
                      FakeGuard())


@pytest.mark.parametrize("state, name, verb", [
    ("present", "c", "refusing to snapshot volume images/vm1.qcow2"),
    ("absent", "a", "refusing to delete a snapshot of volume images/vm1.qcow2"),
    ("reverted", "a", "refusing to revert volume images/vm1.qcow2"),
])
def test_running_domains_refuse_every_change(state, name, verb):
    guard = FakeGuard(running=[DomainUse("vm1", True), DomainUse("vm2", True)])
    with pytest.raises(LqError) as raised:
        plan_snapshot(request(name, state), POOL, VOLUME, FakeBackend([A]), guard)
    assert verb in raised.value.message
    assert "vm1 (running), vm2 (running)" in raised.value.message
    assert "shut the domains down first" in raised.value.message


def test_clones_refuse_revert_only():
    guard = FakeGuard(clones=["images/vm1-clone.qcow2"])
    with pytest.raises(LqError, match="refusing to revert volume images/vm1.qcow2: copy-on-write volumes are built "
                                      "on it: images/vm1-clone.qcow2"):
        plan_snapshot(request("a", "reverted"), POOL, VOLUME, FakeBackend([A]), guard)
    assert plan_snapshot(request("c"), POOL, VOLUME, FakeBackend([A]), guard).plan.changed
    assert plan_snapshot(request("a", "absent"), POOL, VOLUME, FakeBackend([A]), guard).plan.changed


def test_unsupported_volume_and_pool_type():
    with pytest.raises(LqError, match="^raw needs qcow2$"):
        plan_snapshot(request("a"), POOL, VOLUME, FakeBackend(reason="raw needs qcow2"), FakeGuard())
    logical = PoolDefinition(name="vg", type="logical")
    with pytest.raises(LqError, match="not supported yet for pool type logical \\(pool vg\\); they are for pool "
                                      "types dir, fs, netfs"):
        plan_snapshot(request("a", "absent"), logical, VOLUME, None, FakeGuard())


def test_check_mode_prediction_of_the_qcow_backend_matches_the_json():
    node = FakeNode({"info": (0, json.dumps({"snapshots": [{"id": "3", "name": "old", "date-sec": 0}]}), "")})
    result = plan_snapshot(request("new"), POOL, VOLUME, QcowInternalSnapshots(node.commands()), FakeGuard())
    assert [s.as_dict() for s in result.predicted] == [
        {"id": "3", "name": "old", "date": "1970-01-01T00:00:00Z", "vm_state_size": 0},
        {"id": "4", "name": "new", "date": None, "vm_state_size": 0},
    ]
    assert result.plan.action_descriptions() == ["create qcow2 internal snapshot new of volume images/vm1.qcow2"]

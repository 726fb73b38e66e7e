# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.limiquantix.storage.plugins.module_utils import _volume_requests
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._volume_requests import (
    VOLUME_DEFAULTS,
    VOLUME_MUTUALLY_EXCLUSIVE,
    VOLUME_REQUIRED_ONE_OF,
    VolumeRequest,
    volume_argument_spec,
    volume_requests,
)

GIB = 1024 ** 3


def validate(**raw):
    """The module's argument validation, as AnsibleModule runs it."""
    validator = ArgumentSpecValidator(volume_argument_spec(), mutually_exclusive=VOLUME_MUTUALLY_EXCLUSIVE,
                                      required_one_of=VOLUME_REQUIRED_ONE_OF)
    return validator.validate(raw)


def module_params(**raw):
    """The parameters the module gets for ``raw`` task options; they must pass argument validation."""
    result = validate(**raw)
    assert result.error_messages == []
    return result.validated_parameters


def requests_of(**raw):
    return volume_requests(module_params(**raw))


def problems_of(**raw):
    with pytest.raises(LqError) as excinfo:
        requests_of(**raw)
    assert excinfo.value.message == "invalid volume options: " + "; ".join(excinfo.value.details["problems"])
    return excinfo.value.details["problems"]


def expected(pool="images", name="web1.qcow2", **fields):
    """A VolumeRequest with the module defaults but for ``fields``."""
    values = dict(state="present", capacity=None, format=None, preallocation="off", mode=None, owner=None,
                  group=None, clone_pool=None, clone_name=None, copy_on_write=False, upload_from=None,
                  upload_compare="checksum", allow_shrink=False, force=False, wipe=None, disk_target="vda",
                  disk_bus="virtio")
    values.update(fields)
    return VolumeRequest(pool=pool, name=name, **values)


@pytest.fixture
def image(tmp_path):
    path = tmp_path / "base.qcow2"
    path.write_bytes(b"QFI\xfb")
    return str(path)


# -- argument spec ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    {"name": "web1.qcow2", "pool": "images", "capacity": "10GiB"},
    {"name": "web1.qcow2", "pool": "images", "capacity": 10737418240, "format": "qcow2", "preallocation": "metadata"},
    {"name": "web1.qcow2", "pool": "images", "state": "absent", "wipe": "zero", "force": True},
    {"name": "web1.qcow2", "pool": "images", "mode": "0600", "owner": "libvirt-qemu", "group": "kvm"},
    {"name": "web1.qcow2", "pool": "images", "mode": 0o600, "owner": 107, "group": 107},
    {"name": "web2", "pool": "images", "clone_from": {"name": "base"}, "copy_on_write": True},
    {"name": "web2", "pool": "ssd", "clone_from": {"pool": "images", "name": "base"}},
    {"name": "web2", "pool": "images", "upload_from": "/srv/images/base.qcow2", "upload_compare": "exists"},
    {"name": "web2", "pool": "images", "capacity": "20G", "allow_shrink": True, "disk_target": "sdb",
     "disk_bus": "scsi"},
    {"pool": "images", "capacity": "1G", "volumes": [{"name": "a"}, {"name": "b", "pool": "ssd", "mode": "0640"}]},
    {"volumes": [{"name": "a", "pool": "p", "clone_from": {"name": "base"}}]},
    {"volumes": []},
])
def test_argument_spec_accepts(raw):
    assert validate(**raw).error_messages == []


@pytest.mark.parametrize("raw, message", [
    ({"name": "a", "volumes": [{"name": "b"}]}, "parameters are mutually exclusive: volumes|name"),
    ({"name": "a", "pool": "p", "clone_from": {"name": "b"}, "upload_from": "/srv/b.qcow2"},
     "parameters are mutually exclusive: clone_from|upload_from"),
    ({"pool": "p", "capacity": "1G"}, "one of the following is required: name, volumes"),
    ({"name": "a", "state": "gone"}, "value of state must be one of: present, absent"),
    ({"name": "a", "format": "vmdk"}, "value of format must be one of: raw, qcow2"),
    ({"name": "a", "preallocation": "falloc"}, "value of preallocation must be one of: off, metadata, full"),
    ({"name": "a", "wipe": "shred"}, "value of wipe must be one of: zero, nnsa, dod"),
    ({"name": "a", "upload_compare": "size"}, "value of upload_compare must be one of: checksum, exists"),
    ({"name": "a", "clone_from": {"pool": "images"}}, "missing required arguments: name"),
    ({"name": "a", "clone_from": {"name": "b", "volume": "c"}}, "volume"),
    ({"name": "a", "copy_on_write": "maybe"}, "copy_on_write"),
    ({"name": "a", "colour": "blue"}, "colour"),
    ({"volumes": [{"name": "a", "state": "gone"}]}, "value of state must be one of: present, absent"),
    ({"volumes": [{"name": "a", "clone_from": {"pool": "p"}}]}, "missing required arguments: name"),
    ({"volumes": [{"name": "a", "volumes": []}]}, "volumes"),
    ({"volumes": [{"name": "a", "colour": "blue"}]}, "colour"),
    ({"volumes": "a"}, "volumes"),
])
def test_argument_spec_rejects(raw, message):
    messages = validate(**raw).error_messages
    assert any(message in text for text in messages), messages


def test_argument_spec_top_level_defaults():
    params = module_params(name="a", pool="p")
    assert {option: params[option] for option in VOLUME_DEFAULTS} == VOLUME_DEFAULTS
    assert params["volumes"] is None and params["capacity"] is None and params["clone_from"] is None


def test_argument_spec_volume_entries_have_no_defaults():
    """Entries leave every option unset (None) so that they inherit the top-level values."""
    [entry] = module_params(volumes=[{"name": "a"}])["volumes"]
    assert set(entry) == set(volume_argument_spec()) - {"volumes"}
    assert all(value is None for option, value in entry.items() if option != "name")


def test_argument_spec_entries_take_the_same_options():
    spec = volume_argument_spec()
    entry_options = spec["volumes"]["options"]
    assert set(entry_options) == set(spec) - {"volumes"}
    assert entry_options["clone_from"] == spec["clone_from"]
    assert all("default" not in option for option in entry_options.values())


def test_argument_spec_is_a_fresh_copy():
    spec = volume_argument_spec()
    spec["state"]["default"] = "absent"
    spec["volumes"]["options"]["clone_from"]["options"].clear()
    spec["clone_from"]["options"]["name"]["required"] = False
    assert volume_argument_spec()["state"]["default"] == "present"
    assert volume_argument_spec()["volumes"]["options"]["clone_from"]["options"]
    assert volume_argument_spec()["clone_from"]["options"]["name"]["required"] is True


def test_argument_spec_upload_from_is_a_path():
    params = module_params(name="a", pool="p", upload_from="~/images/base.qcow2")
    assert params["upload_from"] == os.path.expanduser("~/images/base.qcow2")


# -- single volume -------------------------------------------------------------------------------------------

def test_single_volume():
    assert requests_of(name="web1.qcow2", pool="images", capacity="10GiB") == [expected(capacity=10 * GIB)]


def test_single_volume_every_option(image):
    [request] = requests_of(
        name="web1.qcow2", pool="images", capacity="1.5GiB", format="qcow2", preallocation="metadata", mode="0640",
        owner="libvirt-qemu", group="107", upload_from=image, upload_compare="exists", allow_shrink=True, force=True,
        disk_target="sdb", disk_bus="scsi")
    assert request == expected(capacity=GIB + GIB // 2, format="qcow2", preallocation="metadata", mode="0640",
                               owner="libvirt-qemu", group="107", upload_from=image, upload_compare="exists",
                               allow_shrink=True, force=True, disk_target="sdb", disk_bus="scsi")


@pytest.mark.parametrize("capacity, size", [
    (1, 1), (10737418240, 10 * GIB), ("10GiB", 10 * GIB), ("10G", 10 * GIB), ("10GB", 10 * 1000 ** 3),
    ("512MiB", 512 * 1024 ** 2), ("1 TiB", 1024 ** 4), ("4096", 4096), ("0.5GiB", GIB // 2),
])
def test_capacity_units(capacity, size):
    assert requests_of(name="a", pool="p", capacity=capacity)[0].capacity == size


def test_capacity_is_optional():
    """A clone or an upload takes its size from the source; planning says when it is missing for a new volume."""
    assert requests_of(name="a", pool="p")[0].capacity is None


@pytest.mark.parametrize("mode", ["0600", "0640", "0755", "0000", "0777", "600", 0o600, 0o644])
def test_valid_modes(mode):
    [request] = requests_of(name="a", pool="p", mode=mode)
    expected_mode = mode if isinstance(mode, int) else int(mode, 8)
    assert int(request.mode, 8) == expected_mode


def test_mode_from_yaml_integer_is_octal_text():
    """YAML reads an unquoted 0640 as the integer 416; it means mode 0640."""
    assert requests_of(name="a", pool="p", mode=0o640)[0].mode == "0640"


def test_clone_from_the_same_pool():
    [request] = requests_of(name="web2", pool="images", clone_from={"name": "base"})
    assert request == expected(name="web2", clone_pool="images", clone_name="base")


def test_clone_from_another_pool():
    [request] = requests_of(name="web2", pool="ssd", clone_from={"pool": "images", "name": "base"},
                            copy_on_write=True)
    assert (request.clone_pool, request.clone_name, request.copy_on_write) == ("images", "base", True)


@pytest.mark.parametrize("volume_format", [None, "qcow2"])
def test_copy_on_write_clone(volume_format):
    raw = {"format": volume_format} if volume_format else {}
    [request] = requests_of(name="web2", pool="images", clone_from={"name": "base"}, copy_on_write=True, **raw)
    assert request.copy_on_write is True and request.format == volume_format


def test_upload_from(image):
    [request] = requests_of(name="base", pool="images", upload_from=image)
    assert request == expected(name="base", upload_from=image)


def test_absent():
    [request] = requests_of(name="old", pool="images", state="absent", wipe="zero")
    assert request == expected(name="old", state="absent", wipe="zero")


def test_absent_does_not_check_what_only_creating_uses(tmp_path):
    """Leftover creation options must not stop a volume from being deleted."""
    [request] = requests_of(name="old", pool="images", state="absent", copy_on_write=True, format="raw",
                            upload_from=str(tmp_path / "gone.qcow2"))
    assert request.state == "absent"


@pytest.mark.parametrize("name", ["web1.qcow2", "web1-data", "unit:0:0:1", "a+b", "user@host", "_private", "0",
                                  "a" * 255])
def test_valid_names(name):
    assert requests_of(name=name, pool="p")[0].name == name


# -- problems --------------------------------------------------------------------------------------------------

NAME_PROBLEM = ("name %r is not a valid volume name: use letters, digits and _ . + : @ - (no slashes or spaces), "
                "starting with a letter, digit or underscore")


@pytest.mark.parametrize("name", ["a/b", "/srv/images/a.qcow2", "../a", "my disk", "-a", ".hidden", "..", "a" * 256,
                                  "disk\n", "a\\b", "a;b", "ä"])
def test_invalid_names(name):
    assert problems_of(name=name, pool="p") == [NAME_PROBLEM % name]


def test_empty_name():
    assert problems_of(name="", pool="p") == ["name is required"]


def test_missing_pool():
    assert problems_of(name="a", capacity="1G") == ["pool is required: name the storage pool that holds the volume"]


def test_empty_pool():
    assert problems_of(name="a", pool="") == ["pool is required: name the storage pool that holds the volume"]


def test_missing_pool_is_a_problem_for_absent_too():
    assert problems_of(name="a", state="absent") == [
        "pool is required: name the storage pool that holds the volume"]


@pytest.mark.parametrize("capacity", [0, "0", "0GiB", "0 bytes", "0.1", "0.0001KiB"])
def test_capacity_zero(capacity):
    assert problems_of(name="a", pool="p", capacity=capacity) == ["capacity must be more than 0 bytes"]


def test_capacity_negative_number():
    assert problems_of(name="a", pool="p", capacity=-1) == ["capacity: -1 is negative; sizes must be positive"]


@pytest.mark.parametrize("capacity", ["-1", "-10GiB", "lots", "10 GiB extra", "1e9", "", "GiB", "1,5G", True])
def test_capacity_not_a_size(capacity):
    [problem] = problems_of(name="a", pool="p", capacity=capacity)
    assert problem.startswith("capacity: %r is not a size" % capacity)


@pytest.mark.parametrize("capacity, unit", [("10XB", "XB"), ("10 gigs", "gigs"), ("5Gi", "Gi"), ("1EiB", "EiB")])
def test_capacity_unknown_unit(capacity, unit):
    [problem] = problems_of(name="a", pool="p", capacity=capacity)
    assert problem.startswith("capacity: unknown unit %r in %r; use bytes, KiB/MiB" % (unit, capacity))


@pytest.mark.parametrize("mode", ["4755", "2755", "1777", "7777", 0o4755, 0o1777, "0800", "rw-------", "06000",
                                  "60", "", 600])
def test_invalid_modes(mode):
    """libvirt takes no setuid, setgid or sticky bits; an unquoted YAML 600 is decimal 600, i.e. 01130."""
    assert problems_of(name="a", pool="p", mode=mode) == [
        "mode must be an octal mode from 0000 to 0777 such as '0600', got %r" % mode]


def test_copy_on_write_without_clone_from():
    assert problems_of(name="a", pool="p", capacity="1G", copy_on_write=True) == [
        "copy_on_write applies to clones: give clone_from too"]


def test_copy_on_write_with_format_raw_is_left_to_the_pool_type():
    # RBD clones are raw, qcow2 clones are not: the volume manager decides, knowing the pool's type.
    assert requests_of(name="a", pool="p", clone_from={"name": "base"}, copy_on_write=True, format="raw")[0].format == "raw"


def test_copy_on_write_without_clone_from_with_format_raw():
    assert problems_of(name="a", pool="p", copy_on_write=True, format="raw") == [
        "copy_on_write applies to clones: give clone_from too"]


def test_full_clone_may_be_raw():
    assert requests_of(name="a", pool="p", clone_from={"name": "base"}, format="raw")[0].format == "raw"


def test_upload_from_missing_file(tmp_path):
    missing = str(tmp_path / "missing.qcow2")
    assert problems_of(name="a", pool="p", upload_from=missing) == [
        "upload_from: %s is not a file on the node" % missing]


def test_upload_from_directory(tmp_path):
    assert problems_of(name="a", pool="p", upload_from=str(tmp_path)) == [
        "upload_from: %s is not a file on the node" % tmp_path]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode, so chmod 000 cannot make it "
                                              "unreadable; test_upload_from_unreadable_file_as_reported covers it")
def test_upload_from_unreadable_file(image):
    os.chmod(image, 0)
    try:
        assert problems_of(name="a", pool="p", upload_from=image) == ["upload_from: %s is not readable" % image]
    finally:
        os.chmod(image, 0o600)


def test_upload_from_unreadable_file_as_reported(image, monkeypatch):
    """What os.access says decides, whoever runs the tests."""
    monkeypatch.setattr(_volume_requests.os, "access", lambda path, mode: not (path == image and mode == os.R_OK))
    assert problems_of(name="a", pool="p", upload_from=image) == ["upload_from: %s is not readable" % image]


def test_single_volume_every_problem_is_reported_at_once(tmp_path):
    missing = str(tmp_path / "missing.qcow2")
    assert problems_of(name="a/b", capacity="0", mode="4755", copy_on_write=True, format="raw",
                       upload_from=missing) == [
        NAME_PROBLEM % "a/b",
        "pool is required: name the storage pool that holds the volume",
        "capacity must be more than 0 bytes",
        "mode must be an octal mode from 0000 to 0777 such as '0600', got '4755'",
        "copy_on_write applies to clones: give clone_from too",
        "upload_from: %s is not a file on the node" % missing,
    ]


def test_single_volume_problem_message():
    with pytest.raises(LqError) as excinfo:
        requests_of(name="a", capacity=0)
    assert excinfo.value.message == ("invalid volume options: pool is required: name the storage pool that holds the "
                                     "volume; capacity must be more than 0 bytes")


# -- many volumes ----------------------------------------------------------------------------------------------

def test_volumes_inherit_top_level_options():
    requests = requests_of(pool="images", capacity="10GiB", format="qcow2", mode="0600", volumes=[
        {"name": "a"},
        {"name": "b", "capacity": "20GiB"},
        {"name": "c", "pool": "ssd", "format": "raw", "mode": "0640"},
    ])
    assert requests == [
        expected(name="a", capacity=10 * GIB, format="qcow2", mode="0600"),
        expected(name="b", capacity=20 * GIB, format="qcow2", mode="0600"),
        expected(pool="ssd", name="c", capacity=10 * GIB, format="raw", mode="0640"),
    ]


def test_volumes_inherit_top_level_state():
    requests = requests_of(pool="images", state="absent", volumes=[
        {"name": "a"},
        {"name": "b", "state": "present", "capacity": "1G"},
    ])
    assert [(r.name, r.state, r.capacity) for r in requests] == [("a", "absent", None), ("b", "present", GIB)]


def test_volumes_default_to_the_module_defaults():
    [request] = requests_of(volumes=[{"name": "a", "pool": "p"}])
    assert request == expected(pool="p", name="a")


def test_volumes_item_false_overrides_top_level_true():
    [request] = requests_of(pool="p", force=True, allow_shrink=True, volumes=[
        {"name": "a", "force": False, "allow_shrink": False}])
    assert (request.force, request.allow_shrink) == (False, False)


def test_volumes_item_overrides_every_inherited_option(image):
    [request] = requests_of(
        pool="p", state="absent", capacity="1G", format="raw", preallocation="full", mode="0600", owner="a",
        group="b", copy_on_write=False, upload_compare="checksum", allow_shrink=False, force=False, wipe="zero",
        disk_target="vda", disk_bus="virtio",
        volumes=[{"name": "x", "pool": "q", "state": "present", "capacity": "2G", "format": "qcow2",
                  "preallocation": "metadata", "mode": "0640", "owner": "c", "group": "d", "upload_from": image,
                  "upload_compare": "exists", "allow_shrink": True, "force": True, "wipe": "random",
                  "disk_target": "sdb", "disk_bus": "scsi"}])
    assert request == expected(pool="q", name="x", capacity=2 * GIB, format="qcow2", preallocation="metadata",
                               mode="0640", owner="c", group="d", upload_from=image, upload_compare="exists",
                               allow_shrink=True, force=True, wipe="random", disk_target="sdb", disk_bus="scsi")


def test_volumes_inherit_clone_from():
    """One base, many copy-on-write clones; clone_from without a pool means the clone's own pool."""
    requests = requests_of(pool="images", clone_from={"name": "base"}, copy_on_write=True, volumes=[
        {"name": "web1"},
        {"name": "web2", "pool": "ssd"},
        {"name": "web3", "clone_from": {"pool": "golden", "name": "base2"}, "copy_on_write": False},
    ])
    assert [(r.pool, r.name, r.clone_pool, r.clone_name, r.copy_on_write) for r in requests] == [
        ("images", "web1", "images", "base", True),
        ("ssd", "web2", "ssd", "base", True),
        ("images", "web3", "golden", "base2", False),
    ]


def test_volumes_create_and_clone_in_one_task():
    requests = requests_of(pool="images", volumes=[
        {"name": "base", "capacity": "10G"},
        {"name": "web1", "clone_from": {"name": "base"}, "copy_on_write": True},
    ])
    assert [(r.name, r.capacity, r.clone_name) for r in requests] == [("base", 10 * GIB, None), ("web1", None, "base")]


def test_volumes_keep_their_order():
    requests = requests_of(pool="p", volumes=[{"name": name} for name in ("z", "a", "m")])
    assert [request.name for request in requests] == ["z", "a", "m"]


def test_empty_volumes():
    assert requests_of(pool="p", volumes=[]) == []


def test_volumes_same_name_in_different_pools():
    requests = requests_of(volumes=[{"name": "a", "pool": "p"}, {"name": "a", "pool": "q"}])
    assert [(r.pool, r.name) for r in requests] == [("p", "a"), ("q", "a")]


@pytest.mark.parametrize("raw", [
    {"volumes": [{"name": "a", "pool": "p"}, {"name": "a", "pool": "p"}]},
    {"pool": "p", "volumes": [{"name": "a"}, {"name": "a", "pool": "p"}]},
    {"pool": "p", "volumes": [{"name": "a", "state": "absent"}, {"name": "a", "capacity": "1G"}]},
])
def test_volumes_duplicates(raw):
    assert problems_of(**raw) == ["volumes: each volume may appear once, but p/a appear more than once"]


def test_volumes_several_duplicates():
    [problem] = problems_of(pool="p", volumes=[{"name": n} for n in ("b", "a", "b", "a", "c")]
                            + [{"name": "a", "pool": "q"}, {"name": "a", "pool": "q"}])
    assert problem == "volumes: each volume may appear once, but p/a, p/b, q/a appear more than once"


def test_volumes_item_problems_are_labelled():
    assert problems_of(pool="p", volumes=[{"name": "ok"}, {"name": "a", "capacity": 0}]) == [
        "volumes[1] (a): capacity must be more than 0 bytes"]


def test_volumes_item_without_name():
    assert problems_of(pool="p", volumes=[{"capacity": "1G"}]) == ["volumes[0] (None): name is required"]


def test_volumes_inherited_problems_are_reported_per_item():
    assert problems_of(capacity="0", volumes=[{"name": "a", "pool": "p"}, {"name": "b", "pool": "p"}]) == [
        "volumes[0] (a): capacity must be more than 0 bytes",
        "volumes[1] (b): capacity must be more than 0 bytes",
    ]


def test_volumes_every_problem_is_reported_at_once(tmp_path):
    missing = str(tmp_path / "missing.qcow2")
    problems = problems_of(pool="images", volumes=[
        {"name": "ok", "capacity": "1G"},
        {"name": "bad/name"},
        {"name": "nopool", "pool": ""},
        {"name": "zero", "capacity": 0},
        {"name": "garbage", "capacity": "lots"},
        {"name": "suid", "mode": "4755"},
        {"name": "cow", "copy_on_write": True},
        {"name": "up", "upload_from": missing},
        {"name": "ok", "state": "absent"},
    ])
    assert problems == [
        "volumes[1] (bad/name): " + NAME_PROBLEM % "bad/name",
        "volumes[2] (nopool): pool is required: name the storage pool that holds the volume",
        "volumes[3] (zero): capacity must be more than 0 bytes",
        "volumes[4] (garbage): capacity: 'lots' is not a size; write a number followed by one of bytes, "
        "KiB/MiB/GiB/TiB/PiB, KB/MB/GB/TB/PB or k/M/G/T/P (powers of 1024), e.g. 10GiB",
        "volumes[5] (suid): mode must be an octal mode from 0000 to 0777 such as '0600', got '4755'",
        "volumes[6] (cow): copy_on_write applies to clones: give clone_from too",
        "volumes[7] (up): upload_from: %s is not a file on the node" % missing,
        "volumes: each volume may appear once, but images/ok appear more than once",
    ]


def test_volumes_problem_message_lists_all_problems():
    with pytest.raises(LqError) as excinfo:
        requests_of(volumes=[{"name": "a"}, {"name": "b", "pool": "p", "capacity": 0}])
    assert excinfo.value.message == (
        "invalid volume options: volumes[0] (a): pool is required: name the storage pool that holds the volume; "
        "volumes[1] (b): capacity must be more than 0 bytes")


def test_volumes_item_clone_from_and_upload_from_are_mutually_exclusive(image):
    """As at the top level: a volume is either a clone or an upload, never silently one of them."""
    result = validate(pool="images", volumes=[{"name": "a", "clone_from": {"name": "base"}, "upload_from": image}])
    if result.error_messages:
        assert any("clone_from" in message and "upload_from" in message for message in result.error_messages)
        return
    with pytest.raises(LqError) as excinfo:
        volume_requests(result.validated_parameters)
    assert any("clone_from" in problem and "upload_from" in problem
               for problem in excinfo.value.details["problems"]), excinfo.value.details

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_requests import (
    LIFECYCLE_DEFAULTS,
    POOL_MUTUALLY_EXCLUSIVE,
    POOL_REQUIRED_ONE_OF,
    PoolRequest,
    pool_argument_spec,
    pool_requests,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import PoolDefinition

DIR_XML = "<pool type='dir'><name>images</name><target><path>/srv/images</path></target></pool>"


def validate(**raw):
    """The module's argument validation, as AnsibleModule runs it."""
    validator = ArgumentSpecValidator(pool_argument_spec(), mutually_exclusive=POOL_MUTUALLY_EXCLUSIVE,
                                      required_one_of=POOL_REQUIRED_ONE_OF)
    return validator.validate(raw)


def module_params(**raw):
    """The parameters the module gets for ``raw`` task options; they must pass argument validation."""
    result = validate(**raw)
    assert result.error_messages == []
    return result.validated_parameters


def requests_of(**raw):
    return pool_requests(module_params(**raw))


def problems_of(**raw):
    with pytest.raises(LqError) as excinfo:
        requests_of(**raw)
    assert excinfo.value.message == "invalid pool options: " + "; ".join(excinfo.value.details["problems"])
    return excinfo.value.details["problems"]


# -- argument spec ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    {"name": "images", "type": "dir", "target": "/srv/images"},
    {"name": "images", "state": "absent"},
    {"xml": DIR_XML},
    {"name": "images", "type": "dir", "target": "/srv/images", "mode": "0711", "owner": "root", "autostart": False},
    {"name": "ceph", "type": "rbd", "monitors": ["mon1", "[2001:db8::3]:3300"],
     "auth": {"username": "libvirt", "secret_usage": "client.libvirt"}, "rbd_options": {"client_mount_timeout": 10}},
    {"name": "nfs", "type": "netfs", "host": "nfs", "export": "/e", "target": "/t", "nfs_version": "4.2"},
    {"pools": [{"name": "a", "type": "dir", "target": "/a"}, {"name": "b", "state": "absent"}], "autostart": False},
    {"pools": []},
])
def test_argument_spec_accepts(raw):
    assert validate(**raw).error_messages == []


@pytest.mark.parametrize("raw, message", [
    ({"pools": [{"name": "a", "type": "dir", "target": "/a"}], "name": "b"},
     "parameters are mutually exclusive: pools|name"),
    ({"pools": [{"name": "a", "type": "dir", "target": "/a"}], "target": "/b"},
     "parameters are mutually exclusive: pools|target"),
    ({"pools": [], "xml": DIR_XML}, "parameters are mutually exclusive: pools|xml"),
    ({"type": "dir", "target": "/srv"}, "one of the following is required: name, pools, xml"),
    ({"name": "p", "type": "zfs"}, "value of type must be one of: dir, fs, netfs, logical, iscsi, iscsi-direct, rbd"),
    ({"name": "p", "state": "gone"}, "value of state must be one of: present, absent"),
    ({"name": "p", "restart": "sometimes"}, "value of restart must be one of: when_unused, always, never"),
    ({"name": "p", "type": "netfs", "nfs_version": "5"}, "value of nfs_version must be one of"),
    ({"name": "p", "type": "iscsi", "port": "http"}, "port"),
    ({"name": "p", "type": "rbd", "auth": {"secret_usage": "x"}}, "missing required arguments: username"),
    ({"name": "p", "type": "rbd", "auth": {"username": "u", "secret_uuid": "a", "secret_usage": "b"}},
     "parameters are mutually exclusive: secret_uuid|secret_usage"),
    ({"name": "p", "type": "rbd", "auth": {"username": "u"}},
     "one of the following is required: secret_uuid, secret_usage"),
    ({"pools": [{"name": "a", "state": "gone"}]}, "value of state must be one of: present, absent"),
    ({"pools": [{"name": "a", "type": "rbd", "auth": {"username": "u"}}]},
     "one of the following is required: secret_uuid, secret_usage"),
    ({"pools": [{"name": "a", "colour": "blue"}]}, "colour"),
])
def test_argument_spec_rejects(raw, message):
    messages = validate(**raw).error_messages
    assert any(message in text for text in messages), messages


def test_argument_spec_top_level_defaults():
    params = module_params(name="images")
    assert {option: params[option] for option in LIFECYCLE_DEFAULTS} == LIFECYCLE_DEFAULTS
    assert params["pools"] is None and params["type"] is None and params["target"] is None


def test_argument_spec_pool_entries_have_no_defaults():
    """Entries leave lifecycle options unset (None) so that they inherit the top-level values."""
    [entry] = module_params(pools=[{"name": "a"}])["pools"]
    assert all(entry[option] is None for option in LIFECYCLE_DEFAULTS)


def test_argument_spec_entries_take_the_same_options():
    spec = pool_argument_spec()
    entry_options = spec["pools"]["options"]
    assert set(entry_options) == set(spec) - {"pools"}
    assert entry_options["auth"] == spec["auth"]


def test_argument_spec_is_a_fresh_copy():
    spec = pool_argument_spec()
    spec["state"]["default"] = "absent"
    spec["pools"]["options"]["auth"]["options"].clear()
    assert pool_argument_spec()["state"]["default"] == "present"
    assert pool_argument_spec()["pools"]["options"]["auth"]["options"]


# -- single pool ------------------------------------------------------------------------------------------

def test_single_pool():
    assert requests_of(name="images", type="dir", target="/srv/images", mode="0711") == [PoolRequest(
        name="images", type="dir", state="present", started=True, autostart=True, build=True, overwrite=False,
        delete_data=False, force=False, restart="when_unused", options={"target": "/srv/images", "mode": "0711"})]


def test_single_pool_lifecycle_options():
    [request] = requests_of(name="images", type="dir", target="/srv", started=False, autostart=False, build=False,
                            overwrite=True, force=True, restart="never")
    assert (request.started, request.autostart, request.build, request.overwrite, request.force,
            request.restart) == (False, False, False, True, True, "never")


def test_single_pool_options_hold_only_definition_options_given():
    [request] = requests_of(name="ceph", type="rbd", monitors=["mon1"], auth={"username": "u", "secret_usage": "s"})
    assert request.options == {"monitors": ["mon1"], "auth": {"username": "u", "secret_uuid": None,
                                                              "secret_usage": "s"}}


def test_absent_needs_only_a_name():
    [request] = requests_of(name="old-pool", state="absent")
    assert (request.name, request.type, request.state, request.options) == ("old-pool", None, "absent", {})


def test_absent_does_not_validate_the_definition_options():
    [request] = requests_of(name="old-pool", state="absent", type="dir", device="/dev/vdb")
    assert (request.type, request.options) == ("dir", {"device": "/dev/vdb"})


def test_present_needs_a_type():
    assert problems_of(name="images", target="/srv/images") == [
        "type is required with state=present (one of dir, fs, netfs, logical, iscsi, iscsi-direct, rbd), or give the "
        "definition as xml"]


@pytest.mark.parametrize("name", ["images", "vg_vms", "ceph-vms", "pool.1", "a+b", "x:y", "_private", "a" * 200])
def test_valid_names(name):
    assert requests_of(name=name, state="absent")[0].name == name


@pytest.mark.parametrize("name", ["", "a/b", "my pool", "-images", ".hidden", "a" * 201, "pool\n"])
def test_invalid_names(name):
    [problem] = problems_of(name=name, state="absent")
    assert problem.startswith("name %r is not a valid pool name" % name)


def test_type_problems_come_from_the_backend():
    assert problems_of(name="images", type="dir", target="images", device="/dev/vdb") == [
        "device is not valid for pool type dir (valid here: group, mode, owner, target); remove it or change type",
        "target must be an absolute path, got 'images'",
    ]


def test_xml():
    [request] = requests_of(xml=DIR_XML, autostart=False)
    assert request.name == "images" and request.type == "dir" and request.autostart is False
    assert request.options == {}
    assert request.xml_definition == PoolDefinition(name="images", type="dir", target_path="/srv/images")


def test_xml_with_the_same_name():
    assert requests_of(name="images", xml=DIR_XML)[0].name == "images"


def test_xml_name_mismatch():
    assert problems_of(name="other", xml=DIR_XML) == [
        "name 'other' does not match the <name> 'images' in xml; make them equal or leave name out"]


@pytest.mark.parametrize("extra, named", [
    ({"type": "dir"}, "type"),
    ({"target": "/srv"}, "target"),
    ({"target": "/srv", "mode": "0755", "type": "dir"}, "mode, target, type"),
])
def test_xml_cannot_be_mixed_with_typed_options(extra, named):
    assert problems_of(xml=DIR_XML, **extra) == [
        "xml cannot be combined with typed options (%s): describe the pool either with xml or with typed options"
        % named]


@pytest.mark.parametrize("xml, message", [
    ("<pool type='dir'>", "xml: the XML is not well-formed"),
    ("<pool type='zfs'><name>p</name></pool>", "xml: <pool type='zfs'> is not one of the supported types"),
    ("<domain><name>vm</name></domain>", "xml: the root element must be <pool>, not <domain>"),
])
def test_bad_xml(xml, message):
    [problem] = problems_of(xml=xml)
    assert problem.startswith(message)


@pytest.mark.parametrize("pool_type", ["iscsi", "iscsi-direct"])
def test_delete_data_rejected_for_iscsi(pool_type):
    """delete_data only does something with state=absent, so that is where it must be refused."""
    [problem] = problems_of(name="san", type=pool_type, state="absent", delete_data=True)
    assert "delete_data does not apply to pool type %s" % pool_type in problem


@pytest.mark.parametrize("pool_type, options", [
    ("dir", {"target": "/srv"}),
    ("rbd", {"monitors": ["mon1"]}),
    ("logical", {}),
])
def test_delete_data_accepted_for_other_types(pool_type, options):
    [request] = requests_of(name="p", type=pool_type, state="absent", delete_data=True, **options)
    assert request.delete_data is True


# -- many pools ----------------------------------------------------------------------------------------------

def test_pools_inherit_top_level_lifecycle_options():
    requests = requests_of(autostart=False, restart="never", force=True, pools=[
        {"name": "images", "type": "dir", "target": "/srv/images"},
        {"name": "isos", "type": "dir", "target": "/srv/isos", "autostart": True, "restart": "always"},
        {"name": "old", "state": "absent", "force": False},
    ])
    assert [(r.name, r.state, r.autostart, r.restart, r.force) for r in requests] == [
        ("images", "present", False, "never", True),
        ("isos", "present", True, "always", True),
        ("old", "absent", False, "never", False),
    ]


def test_pools_default_to_the_module_defaults():
    [request] = requests_of(pools=[{"name": "images", "type": "dir", "target": "/srv/images"}])
    assert {option: getattr(request, option) for option in LIFECYCLE_DEFAULTS} == LIFECYCLE_DEFAULTS


def test_pools_top_level_state_absent():
    requests = requests_of(state="absent", pools=[
        {"name": "a"},
        {"name": "b", "type": "dir", "target": "/b", "state": "present"},
    ])
    assert [(r.name, r.state) for r in requests] == [("a", "absent"), ("b", "present")]


def test_pools_entry_false_overrides_top_level_true():
    [request] = requests_of(started=True, pools=[{"name": "a", "type": "dir", "target": "/a", "started": False}])
    assert request.started is False


def test_pools_keep_their_order_and_options():
    requests = requests_of(pools=[
        {"name": "z", "type": "rbd", "monitors": ["mon1:6789"], "rbd_pool": "vms"},
        {"name": "a", "type": "logical", "devices": ["/dev/sdb"]},
        {"xml": DIR_XML},
    ])
    assert [(r.name, r.type, r.options) for r in requests] == [
        ("z", "rbd", {"monitors": ["mon1:6789"], "rbd_pool": "vms"}),
        ("a", "logical", {"devices": ["/dev/sdb"]}),
        ("images", "dir", {}),
    ]
    assert requests[2].xml_definition.target_path == "/srv/images"


def test_empty_pools():
    assert requests_of(pools=[]) == []


@pytest.mark.parametrize("pools, duplicate", [
    ([{"name": "a", "state": "absent"}, {"name": "a", "type": "dir", "target": "/a"}], "a"),
    ([{"name": "images", "state": "absent"}, {"xml": DIR_XML}], "images"),
])
def test_pools_duplicates(pools, duplicate):
    assert problems_of(pools=pools) == [
        "pools: each pool may appear once, but %s appear more than once" % duplicate]


def test_pools_several_duplicates():
    [problem] = problems_of(pools=[{"name": n, "state": "absent"} for n in ("b", "a", "b", "a", "c")])
    assert problem == "pools: each pool may appear once, but a, b appear more than once"


def test_pools_every_problem_is_reported_at_once():
    problems = problems_of(pools=[
        {"name": "ok", "type": "dir", "target": "/ok"},
        {"name": "images", "type": "dir"},
        {"name": "ceph", "type": "rbd", "monitors": ["mon1"], "target": "/srv"},
        {"name": "typeless"},
        {"name": "bad/name", "state": "absent"},
        {"name": "other", "xml": DIR_XML},
        {"name": "ok", "state": "absent"},
    ])
    assert problems == [
        "pools[1] (images): target is required for pool type dir",
        "pools[2] (ceph): target is not valid for pool type rbd (valid here: auth, monitors, rbd_options, rbd_pool); "
        "remove it or change type",
        "pools[3] (typeless): type is required with state=present (one of dir, fs, netfs, logical, iscsi, "
        "iscsi-direct, rbd), or give the definition as xml",
        "pools[4] (bad/name): name 'bad/name' is not a valid pool name: use letters, digits and _ . + : - (no slashes "
        "or spaces), at most 200 characters, not starting with a punctuation mark",
        "pools[5] (other): name 'other' does not match the <name> 'images' in xml; make them equal or leave name out",
        "pools: each pool may appear once, but ok appear more than once",
    ]


def test_pools_problem_message_lists_all_problems():
    with pytest.raises(LqError) as excinfo:
        requests_of(pools=[{"name": "a", "type": "dir"}, {"name": "b", "type": "fs", "target": "/b"}])
    assert excinfo.value.message == ("invalid pool options: pools[0] (a): target is required for pool type dir; "
                                     "pools[1] (b): device is required for pool type fs")

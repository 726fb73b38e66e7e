# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import base64

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._secret_requests import (
    SECRET_DEFAULTS,
    CEPH,
    ISCSI,
    SECRET_REQUIRED_ONE_OF,
    SecretRequest,
    secret_mutually_exclusive,
    secret_requests,
    normalize_uuid,
    secret_argument_spec,
)

KEY = "AQBzV0ZnAAAAABAAhP1yD8K/4D1F4uQ7hZ0H9Q=="
OTHER_KEY = "AQCzV0ZnAAAAABAAhP1yD8K/4D1F4uQ7hZ0H9Q=="
VALUE = base64.b64decode(KEY)
OTHER_VALUE = base64.b64decode(OTHER_KEY)
UUID = "1b0b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10"
KEY_HINT = ("key must be a cephx key as `ceph auth get-key client.NAME` prints it (base64, 40 characters, starting "
            "with AQ)")
KEY_REQUIRED = "key is required with state present: the cephx key as `ceph auth get-key client.NAME` prints it"
NAME_REQUIRED = "name is required: the secret's usage name, which pools name in auth.secret_usage"


def validate(**raw):
    """The module's argument validation, as AnsibleModule runs it."""
    validator = ArgumentSpecValidator(secret_argument_spec(CEPH), mutually_exclusive=secret_mutually_exclusive(CEPH),
                                      required_one_of=SECRET_REQUIRED_ONE_OF)
    return validator.validate(raw)


def module_params(**raw):
    result = validate(**raw)
    assert result.error_messages == []
    return result.validated_parameters


def requests_of(**raw):
    return secret_requests(CEPH, module_params(**raw))


def problems_of(**raw):
    with pytest.raises(LqError) as excinfo:
        requests_of(**raw)
    message = excinfo.value.message
    assert message == "invalid ceph secret options: " + "; ".join(excinfo.value.details["problems"])
    for key in (KEY, OTHER_KEY, "AQBzV0Zn", "hP1yD8K"):
        assert key not in message, "a message quotes the key"
    return excinfo.value.details["problems"]


def request(name="client.libvirt secret", **fields):
    values = dict(usage_type="ceph", uuid=None, description=None, private=True, value=VALUE, state="present",
                  force=False)
    values.update(fields)
    return SecretRequest(name=name, **values)


# -- argument spec ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    {"name": "client.libvirt secret", "key": KEY},
    {"name": "client.libvirt secret", "key": KEY, "uuid": UUID, "description": "d", "private": False},
    {"name": "client.libvirt secret", "state": "absent", "force": True},
    {"secrets": [{"name": "a", "key": KEY}, {"name": "b", "state": "absent"}], "private": False},
    {"secrets": []},
])
def test_argument_spec_accepts(raw):
    assert validate(**raw).error_messages == []


@pytest.mark.parametrize("raw, message", [
    ({"secrets": [{"name": "a", "key": KEY}], "name": "b"}, "parameters are mutually exclusive: secrets|name"),
    ({"secrets": [{"name": "a"}], "key": KEY}, "parameters are mutually exclusive: secrets|key"),
    ({"secrets": [{"name": "a", "key": KEY}], "uuid": UUID}, "parameters are mutually exclusive: secrets|uuid"),
    ({"key": KEY}, "one of the following is required: name, secrets"),
    ({"name": "a", "state": "gone"}, "value of state must be one of: present, absent"),
    ({"secrets": [{"name": "a", "state": "gone"}]}, "value of state must be one of: present, absent"),
    ({"secrets": [{"name": "a", "usage_type": "iscsi"}]}, "usage_type"),
    ({"name": "a", "private": "perhaps"}, "private"),
])
def test_argument_spec_rejects(raw, message):
    messages = validate(**raw).error_messages
    assert any(message in text for text in messages), messages


@pytest.mark.parametrize("raw", [
    {"name": "a", "key": KEY},
    {"secrets": [{"name": "a", "key": KEY}, {"name": "b", "key": OTHER_KEY}]},
])
def test_argument_spec_hides_every_key(raw):
    """Ansible masks no_log values in everything the module returns and logs, in the list form too."""
    no_log_values = validate(**raw)._no_log_values
    assert KEY in no_log_values
    assert "secrets" not in raw or OTHER_KEY in no_log_values


def test_argument_spec_top_level_defaults():
    params = module_params(name="a", key=KEY)
    assert {option: params[option] for option in SECRET_DEFAULTS} == SECRET_DEFAULTS == {
        "private": True, "state": "present", "force": False}
    assert params["secrets"] is None and params["uuid"] is None and params["description"] is None


def test_argument_spec_entries_have_no_defaults():
    """Entries leave the inherited options unset (None) so that they inherit the top-level values."""
    [entry] = module_params(secrets=[{"name": "a"}])["secrets"]
    assert all(entry[option] is None for option in SECRET_DEFAULTS)


def test_argument_spec_entries_take_the_same_options():
    spec = secret_argument_spec(CEPH)
    assert set(spec["secrets"]["options"]) == set(spec) - {"secrets"}
    assert spec["secrets"]["options"]["key"]["no_log"] is True


def test_argument_spec_is_a_fresh_copy():
    spec = secret_argument_spec(CEPH)
    spec["state"]["default"] = "absent"
    spec["secrets"]["options"]["key"]["no_log"] = False
    assert secret_argument_spec(CEPH)["state"]["default"] == "present"
    assert secret_argument_spec(CEPH)["secrets"]["options"]["key"]["no_log"] is True


# -- single secret ------------------------------------------------------------------------------------------

def test_single_secret():
    assert requests_of(name="client.libvirt secret", key=KEY) == [request()]


def test_single_secret_every_option():
    [result] = requests_of(name="client.libvirt secret", key=KEY, uuid=UUID, description="cephx key",
                           private=False)
    assert result == request(uuid=UUID, description="cephx key", private=False)


def test_the_value_is_the_decoded_key():
    [result] = requests_of(name="a", key=" %s\n" % KEY)
    assert result.value == VALUE and isinstance(result.value, bytes)


def test_the_value_is_not_in_the_repr():
    text = repr(requests_of(name="a", key=KEY)[0])
    assert "value" not in text and KEY not in text and repr(VALUE) not in text
    assert "name='a'" in text


def test_absent_needs_no_key():
    [result] = requests_of(name="a", state="absent")
    assert (result.state, result.value, result.force) == ("absent", None, False)


def test_absent_with_force():
    assert requests_of(name="a", state="absent", force=True)[0].force is True


def test_absent_still_validates_a_given_key():
    assert problems_of(name="a", state="absent", key="nope!") == [KEY_HINT + ": the value is not valid base64"]


@pytest.mark.parametrize("text", [
    UUID, UUID.upper(), UUID.replace("-", ""), "{%s}" % UUID, "urn:uuid:%s" % UUID
])
def test_uuid_is_normalized(text):
    assert requests_of(name="a", key=KEY, uuid=text)[0].uuid == UUID


def test_normalize_uuid():
    assert normalize_uuid(UUID.upper()) == UUID


@pytest.mark.parametrize("text", ["nope", UUID[:-1], UUID + "0", "g" * 32, "%s-0" % UUID])
def test_normalize_uuid_error(text):
    with pytest.raises(LqError, match=r"^uuid %r is not a UUID such as " % text):
        normalize_uuid(text)


def test_empty_uuid_is_a_problem():
    """An empty uuid (a variable left empty, say) is not taken as leaving it out."""
    assert problems_of(name="a", key=KEY, uuid="") == [
        "uuid '' is not a UUID such as 1b0b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10"]


# -- problems, each naming its option --------------------------------------------------------------------------

@pytest.mark.parametrize("raw, problems", [
    ({"name": "", "key": KEY}, [NAME_REQUIRED]),
    ({"name": "   ", "key": KEY}, [NAME_REQUIRED]),
    ({"name": " a", "key": KEY}, ["name ' a' has leading or trailing spaces or control characters"]),
    ({"name": "a ", "key": KEY}, ["name 'a ' has leading or trailing spaces or control characters"]),
    ({"name": "a\tb", "key": KEY}, ["name 'a\\tb' has leading or trailing spaces or control characters"]),
    ({"name": "a"}, [KEY_REQUIRED]),
    ({"name": "a", "key": "nope!"}, [KEY_HINT + ": the value is not valid base64"]),
    ({"name": "a", "key": KEY[:-4]}, [KEY_HINT + ": the value's length field says 16 key bytes, but 15 follow; "
                                                 "was it cut or padded?"]),
    ({"name": "a", "key": base64.b64encode(KEY.encode()).decode()},
     [KEY_HINT + ": the value holds key type 20801, not a cephx key type (1 = AES-128)"]),
    ({"name": "a", "key": KEY, "uuid": "nope"},
     ["uuid 'nope' is not a UUID such as 1b0b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10"]),
])
def test_problems(raw, problems):
    assert problems_of(**raw) == problems


def test_every_problem_at_once():
    assert problems_of(name="", uuid="nope", key="AQ==") == [
        NAME_REQUIRED,
        "uuid 'nope' is not a UUID such as 1b0b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10",
        KEY_HINT + ": the value decodes to 1 bytes, too short for a cephx key",
    ]


def test_missing_and_bad_key_are_one_problem():
    """A bad key is not also reported as missing."""
    assert problems_of(name="a", key="") == [KEY_HINT + ": the value decodes to 0 bytes, too short for a cephx key"]


@pytest.mark.parametrize("name", ["client.libvirt secret", "a", "ceph/cluster-1 key", "ключ", "a" * 300])
def test_valid_names(name):
    assert requests_of(name=name, key=KEY)[0].name == name


# -- list form -------------------------------------------------------------------------------------------------

def test_list_form():
    assert requests_of(secrets=[{"name": "a", "key": KEY}, {"name": "b", "key": OTHER_KEY, "uuid": UUID.upper()},
                                {"name": "c", "state": "absent"}]) == [
        request("a"), request("b", value=OTHER_VALUE, uuid=UUID), request("c", value=None, state="absent")]


def test_list_form_inherits_the_top_level_defaults():
    requests = requests_of(secrets=[{"name": "a", "key": KEY}, {"name": "b", "key": KEY, "private": True,
                                                                "description": "own"}],
                           private=False, description="shared")
    assert [(r.private, r.description) for r in requests] == [(False, "shared"), (True, "own")]


def test_list_form_inherits_state_and_force():
    requests = requests_of(secrets=[{"name": "a"}, {"name": "b", "force": False},
                                    {"name": "c", "state": "present", "key": KEY}],
                           state="absent", force=True)
    assert [(r.state, r.force) for r in requests] == [("absent", True), ("absent", False), ("present", True)]


def test_list_form_items_default_like_the_single_form():
    [result] = requests_of(secrets=[{"name": "a", "key": KEY}])
    assert (result.private, result.state, result.force, result.description) == (True, "present", False, None)


def test_list_form_empty():
    assert requests_of(secrets=[]) == []


def test_list_form_problems_name_the_item():
    assert problems_of(secrets=[{"name": "a", "key": KEY}, {"name": "b"}, {"key": "nope!"},
                                {"name": "d", "key": KEY, "uuid": "x"}]) == [
        "secrets[1] (b): " + KEY_REQUIRED,
        "secrets[2] (None): " + NAME_REQUIRED,
        "secrets[2] (None): " + KEY_HINT + ": the value is not valid base64",
        "secrets[3] (d): uuid 'x' is not a UUID such as 1b0b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10",
    ]


def test_list_form_duplicate_names():
    assert problems_of(secrets=[{"name": "a", "key": KEY}, {"name": "b", "key": KEY}, {"name": "a", "key": KEY},
                                {"name": "b", "state": "absent"}]) == [
        "secrets: each secret name may appear once, but a, b appear more than once"]


def test_list_form_duplicate_uuids_after_normalisation():
    assert problems_of(secrets=[{"name": "a", "key": KEY, "uuid": UUID},
                                {"name": "b", "key": KEY, "uuid": UUID.upper().replace("-", "")}]) == [
        "secrets: each uuid may appear once, but %s appear more than once" % UUID]


def test_list_form_one_key_for_two_secrets_is_fine():
    assert len(requests_of(secrets=[{"name": "a", "key": KEY}, {"name": "b", "key": KEY}])) == 2


def test_list_form_item_problems_and_duplicates_together():
    assert problems_of(secrets=[{"name": "a", "key": KEY}, {"name": "a", "key": KEY}, {"name": "c"}]) == [
        "secrets[2] (c): " + KEY_REQUIRED,
        "secrets: each secret name may appear once, but a appear more than once",
    ]


def test_iscsi_secrets_take_a_password_as_utf8_bytes():
    [request] = secret_requests(ISCSI, {"name": "san-chap", "password": "s3cret-pässword", "uuid": None,
                                        "description": None, "private": True, "state": "present", "force": False,
                                        "secrets": None})
    assert (request.usage_type, request.value) == ("iscsi", "s3cret-pässword".encode("utf-8"))


def test_iscsi_secret_needs_a_password():
    with pytest.raises(LqError, match="password is required with state present: the CHAP password"):
        secret_requests(ISCSI, {"name": "san-chap", "password": None, "uuid": None, "description": None,
                                "private": True, "state": "present", "force": False, "secrets": None})

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import base64
import json
import os
import stat
import struct

import pytest

from ansible_collections.limiquantix.storage.plugins.module_utils import _secret_values
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._secret_values import (
    ROOT_FINGERPRINT_DIR,
    FingerprintStore,
    decode_cephx_key,
    default_fingerprint_dir,
)

# A key as `ceph auth get-key` prints it: type 1 (AES), created 2024-11-26 (0x67465773), 16 key bytes.
KEY = "AQBzV0ZnAAAAABAAhP1yD8K/4D1F4uQ7hZ0H9Q=="
OTHER_KEY = "AQCzV0ZnAAAAABAAhP1yD8K/4D1F4uQ7hZ0H9Q=="
UUID = "1b0b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10"
URI = "qemu:///system"


def cephx(key_type=1, length=16, key_bytes=None, created=(0x67465773, 0)):
    """A cephx key's base64 text, built field by field."""
    key_bytes = bytes(range(16)) if key_bytes is None else key_bytes
    return base64.b64encode(struct.pack("<HIIH", key_type, created[0], created[1], length) + key_bytes).decode()


# -- decode_cephx_key ------------------------------------------------------------------------------------------

def test_decode_a_key():
    decoded = decode_cephx_key(KEY)
    assert decoded == base64.b64decode(KEY)
    assert len(KEY) == 40 and len(decoded) == 28
    assert struct.unpack_from("<HIIH", decoded) == (1, 0x67465773, 0, 16)


def test_decoded_bytes_are_what_libvirt_stores():
    """virsh secret-get-value prints the base64 of the stored bytes: it must print the key as given."""
    assert base64.b64encode(decode_cephx_key(KEY)).decode() == KEY


def test_decode_a_built_key():
    assert decode_cephx_key(cephx()) == struct.pack("<HIIH", 1, 0x67465773, 0, 16) + bytes(range(16))


@pytest.mark.parametrize("text", [" %s" % KEY, "%s\n" % KEY, "\t%s \n" % KEY])
def test_decode_ignores_surrounding_whitespace(text):
    """As when the key comes from `ceph auth get-key` output or a file with a newline."""
    assert decode_cephx_key(text) == base64.b64decode(KEY)


def test_decode_keys_of_other_lengths():
    """The length field decides, not a fixed size: a longer key is still a key."""
    assert len(decode_cephx_key(cephx(length=32, key_bytes=bytes(32)))) == 12 + 32


# Each case: the text, and what the message says. Neither the text nor any 8-character piece of it may appear in
# the message.
BAD_KEYS = [
    ("not a key!", "the value is not valid base64"),
    ("AQBzV0ZnAAAAABAAhP1yD8K/4D1F4uQ7hZ0H9Q=", "the value is not valid base64"),
    ("AQBzV0ZnAAAAABAAhP1yD8K/4D1F4uQ7hZ0H9Q==AA", "the value is not valid base64"),
    ("AQBzV0Zn AAAAABAAhP1yD8K/4D1F4uQ7hZ0H9Q==", "the value is not valid base64"),
    ("AQBzV0ZnAAAAABAAhP1yD8K_4D1F4uQ7hZ0H9Q==", "the value is not valid base64"),
    ("AQBzV0ZnAAAAABAAhP1yD8K/4D1F4uQ7hZ0H9Q\u00e9=", "the value is not valid base64"),
    ("", "the value decodes to 0 bytes, too short for a cephx key"),
    ("AQBzV0ZnAAAA", "the value decodes to 9 bytes, too short for a cephx key"),
    (base64.b64encode(b"hunter2-password-123").decode(), "the value holds key type 30056, not a cephx key type "
                                                         r"\(1 = AES-128\)"),
    (cephx(key_type=0), r"the value holds key type 0, not a cephx key type \(1 = AES-128\)"),
    (cephx(key_type=2), "the value holds key type 2"),
    (cephx(length=17), "the value's length field says 17 key bytes, but 16 follow; was it cut or padded"),
    (cephx(length=16, key_bytes=bytes(15)), "the value's length field says 16 key bytes, but 15 follow"),
    (cephx(length=16, key_bytes=bytes(20)), "the value's length field says 16 key bytes, but 20 follow"),
    (cephx(length=0, key_bytes=b""), "the value's length field says 0 key bytes, but 0 follow"),
    (KEY[:-4], "the value's length field says 16 key bytes, but 15 follow"),
    # The key as text, base64-encoded once more (what storing the printed key as the value would give).
    (base64.b64encode(KEY.encode()).decode(), "not a cephx key type"),
]


@pytest.mark.parametrize("text, message", BAD_KEYS)
def test_decode_bad_keys(text, message):
    with pytest.raises(LqError, match=message) as excinfo:
        decode_cephx_key(text)
    assert excinfo.value.message.startswith(
        "key must be a cephx key as `ceph auth get-key client.NAME` prints it (base64, 40 characters, starting "
        "with AQ): ")
    assert excinfo.value.details == {}


@pytest.mark.parametrize("text, message", BAD_KEYS)
def test_decode_errors_never_quote_the_key(text, message):
    with pytest.raises(LqError) as excinfo:
        decode_cephx_key(text)
    pieces = {text[i:i + 8] for i in range(len(text) - 7)}
    assert not [piece for piece in pieces if piece in excinfo.value.message], excinfo.value.message


def test_decode_error_names_the_option():
    with pytest.raises(LqError, match=r"^secrets\[0\].key must be a cephx key"):
        decode_cephx_key("nope", option="secrets[0].key")


@pytest.mark.parametrize("text", ["AQBzV0ZnAAAAABAAhP1yD8K/4D1F4uQ7hZ0H9Q=", "AQBzV0Zn!AAAABAAhP1yD8K/4D1F4uQ7hZ0H9Q==",
                                  "AQBzV0ZnAAAAABAAhP1yD8K/4D1F4uQ7hZ0H9Q\u00e9="])
def test_decode_error_context_does_not_quote_the_key(text):
    """The error the decoder raised is the LqError's context, which a traceback would show."""
    with pytest.raises(LqError) as excinfo:
        decode_cephx_key(text)
    context = excinfo.value.__context__
    assert context is not None
    assert "AQBzV0Zn" not in str(context) and "hP1yD8K" not in str(context)


# -- default_fingerprint_dir -----------------------------------------------------------------------------------

def test_default_fingerprint_dir_as_root(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert default_fingerprint_dir() == ROOT_FINGERPRINT_DIR == "/var/lib/limiquantix-storage/secret-fingerprints"


def test_default_fingerprint_dir_as_a_user(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert default_fingerprint_dir() == str(tmp_path / "state" / "limiquantix-storage" / "secret-fingerprints")


def test_default_fingerprint_dir_as_a_user_without_xdg(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_fingerprint_dir() == str(tmp_path / ".local" / "state" / "limiquantix-storage" /
                                            "secret-fingerprints")


# -- FingerprintStore --------------------------------------------------------------------------------------------

@pytest.fixture
def store(tmp_path):
    return FingerprintStore(str(tmp_path / "state" / "secret-fingerprints"), URI)


def files_of(store):
    return sorted(os.listdir(store.directory))


def record_of(store, uuid=UUID):
    (name,) = [name for name in files_of(store) if name.endswith("-%s.json" % uuid)]
    with open(os.path.join(store.directory, name)) as stream:
        return json.load(stream)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_compare_without_a_record(store):
    assert store.compare(UUID, decode_cephx_key(KEY)) is None
    assert not os.path.exists(store.directory), "comparing writes nothing"


def test_record_then_compare(store):
    value = decode_cephx_key(KEY)
    store.record(UUID, value)
    assert store.compare(UUID, value) is True
    assert store.compare(UUID, decode_cephx_key(OTHER_KEY)) is False
    assert store.compare("0d3b6e26-5a3c-4e0f-8a7e-4f1f6a1e2c11", value) is None, "records are per secret"


def test_record_replaces_the_last_value(store):
    store.record(UUID, decode_cephx_key(KEY))
    store.record(UUID, decode_cephx_key(OTHER_KEY))
    assert store.compare(UUID, decode_cephx_key(OTHER_KEY)) is True
    assert store.compare(UUID, decode_cephx_key(KEY)) is False
    assert len(files_of(store)) == 1, "one file per secret, and no temporary file left"


def test_record_file_and_directory_modes(store):
    old_umask = os.umask(0)  # the most permissive umask must not loosen the modes
    try:
        store.record(UUID, decode_cephx_key(KEY))
    finally:
        os.umask(old_umask)
    assert mode_of(store.directory) == 0o700
    (name,) = files_of(store)
    assert mode_of(os.path.join(store.directory, name)) == 0o600


def test_record_tightens_an_existing_directory(store):
    os.makedirs(store.directory, mode=0o755)
    os.chmod(store.directory, 0o755)
    store.record(UUID, decode_cephx_key(KEY))
    assert mode_of(store.directory) == 0o700


def test_record_holds_no_value(store):
    value = decode_cephx_key(KEY)
    store.record(UUID, value)
    (name,) = files_of(store)
    with open(os.path.join(store.directory, name), "rb") as stream:
        content = stream.read()
    for form in (value, KEY.encode(), KEY[:-2].encode(), value.hex().encode(), base64.b64encode(value[12:])):
        assert form not in content
    record = json.loads(content)
    assert sorted(record) == ["hmac_sha256", "salt", "uri", "uuid"]
    assert (record["uuid"], record["uri"]) == (UUID, URI)
    assert len(bytes.fromhex(record["salt"])) == 32
    assert len(bytes.fromhex(record["hmac_sha256"])) == 32


def test_salt_differs_between_records(store, tmp_path):
    value = decode_cephx_key(KEY)
    other_uuid = "0d3b6e26-5a3c-4e0f-8a7e-4f1f6a1e2c11"
    store.record(UUID, value)
    first = record_of(store)
    store.record(other_uuid, value)
    store.record(UUID, value)
    again = record_of(store)
    other = record_of(store, other_uuid)
    assert len({first["salt"], again["salt"], other["salt"]}) == 3
    assert len({first["hmac_sha256"], again["hmac_sha256"], other["hmac_sha256"]}) == 3, \
        "one key gives unrelated fingerprints"
    assert store.compare(UUID, value) and store.compare(other_uuid, value)


def test_records_are_scoped_by_uri(store):
    value = decode_cephx_key(KEY)
    store.record(UUID, value)
    session = FingerprintStore(store.directory, "qemu:///session")
    assert session.compare(UUID, value) is None
    session.record(UUID, decode_cephx_key(OTHER_KEY))
    assert store.compare(UUID, value) is True
    assert session.compare(UUID, decode_cephx_key(OTHER_KEY)) is True
    assert len(files_of(store)) == 2
    assert FingerprintStore(store.directory, URI).compare(UUID, value) is True, "a new store finds the record"


def test_file_names_hold_the_uuid_and_no_uri(store):
    store.record(UUID, decode_cephx_key(KEY))
    (name,) = files_of(store)
    assert name.endswith("-%s.json" % UUID)
    assert "qemu" not in name and "/" not in name


def test_forget(store):
    value = decode_cephx_key(KEY)
    store.record(UUID, value)
    store.forget(UUID)
    assert store.compare(UUID, value) is None
    assert files_of(store) == []


def test_forget_without_a_record(store):
    store.forget(UUID)
    assert not os.path.exists(store.directory)


def test_forget_only_its_uri(store):
    value = decode_cephx_key(KEY)
    store.record(UUID, value)
    FingerprintStore(store.directory, "qemu:///session").forget(UUID)
    assert store.compare(UUID, value) is True


@pytest.mark.parametrize("content", [
    "", "{", "[]", "null", '{"salt": "00"}', '{"salt": "zz", "hmac_sha256": "00"}', '{"salt": 1, "hmac_sha256": 2}',
])
def test_compare_a_damaged_record_is_no_record(store, content):
    store.record(UUID, decode_cephx_key(KEY))
    (name,) = files_of(store)
    with open(os.path.join(store.directory, name), "w") as stream:
        stream.write(content)
    assert store.compare(UUID, decode_cephx_key(KEY)) is None


def test_record_failure_says_what_to_do(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    store = FingerprintStore(str(blocker / "secret-fingerprints"), URI)
    with pytest.raises(LqError, match="the secret's value is set, but recording its fingerprint in .* failed: .*"
                                      "The next run will set the value again and report a change") as excinfo:
        store.record(UUID, decode_cephx_key(KEY))
    assert KEY not in excinfo.value.message


class FailingOs:
    """The os module, but for one function that fails."""

    def __init__(self, function, error):
        self.function, self.error = function, error

    def __getattr__(self, name):
        if name == self.function:
            def fail(*args, **kwargs):
                raise self.error
            return fail
        return getattr(os, name)


def test_record_failure_leaves_no_temporary_file(store, monkeypatch):
    monkeypatch.setattr(_secret_values, "os", FailingOs("replace", OSError(28, "No space left on device")))
    with pytest.raises(LqError, match="No space left on device"):
        store.record(UUID, decode_cephx_key(KEY))
    assert files_of(store) == []


def test_forget_failure(store, monkeypatch):
    monkeypatch.setattr(_secret_values, "os", FailingOs("unlink", PermissionError(13, "Permission denied")))
    with pytest.raises(LqError, match="removing the fingerprint .*%s.json failed: .*Permission denied" % UUID):
        store.forget(UUID)

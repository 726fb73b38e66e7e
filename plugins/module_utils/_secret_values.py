# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret values: decoding cephx keys, and telling whether a private secret already holds a value.

libvirt never hands out the value of a private secret, so a rerun cannot compare the requested key with
the stored one. Instead, whenever the collection sets a value it records a fingerprint of it on the node:
HMAC-SHA256 of the value under a random 32-byte salt of its own, in a root-only file (directory 0700, file
0600). A rerun computes the same HMAC over the requested value and compares. The fingerprint reveals
nothing usable: reversing HMAC-SHA256 is infeasible, and guessing is hopeless because a cephx key holds 128
random bits; the salt makes fingerprints of one key on two nodes (or two secrets) unrelated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import struct
import tempfile
import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError

ROOT_FINGERPRINT_DIR = "/var/lib/limiquantix-storage/secret-fingerprints"
# Ceph's CryptoKey encoding: u16 type, utime_t created (u32 seconds, u32 nanoseconds), u16 length, key bytes.
_CEPHX_HEADER = struct.Struct("<HIIH")
_CEPHX_KEY_TYPES = {1: "AES-128"}


def decode_cephx_key(text: str, option: str = "key") -> bytes:
    """The bytes a libvirt ceph secret must hold for a cephx key as ``ceph auth get-key`` prints it.

    Messages never quote the key.
    """
    hint = ("%s must be a cephx key as `ceph auth get-key client.NAME` prints it (base64, 40 characters, "
            "starting with AQ)" % option)
    try:
        decoded = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise LqError("%s: the value is not valid base64" % hint)
    if len(decoded) < _CEPHX_HEADER.size:
        raise LqError("%s: the value decodes to %d bytes, too short for a cephx key" % (hint, len(decoded)))
    key_type, _seconds, _nanoseconds, length = _CEPHX_HEADER.unpack_from(decoded)
    if key_type not in _CEPHX_KEY_TYPES:
        raise LqError("%s: the value holds key type %d, not a cephx key type (%s)"
                      % (hint, key_type, ", ".join("%d = %s" % item for item in _CEPHX_KEY_TYPES.items())))
    if length != len(decoded) - _CEPHX_HEADER.size or length == 0:
        raise LqError("%s: the value's length field says %d key bytes, but %d follow; was it cut or padded?"
                      % (hint, length, len(decoded) - _CEPHX_HEADER.size))
    return decoded


def default_fingerprint_dir() -> str:
    if os.geteuid() == 0:
        return ROOT_FINGERPRINT_DIR
    state_home = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return os.path.join(state_home, "limiquantix-storage", "secret-fingerprints")


class FingerprintStore:
    """Fingerprints of the values the collection set, one file per libvirt connection and secret UUID."""

    def __init__(self, directory: str, uri: str) -> None:
        self.directory = directory
        self.uri = uri

    def _path(self, uuid: str) -> str:
        # The URI is part of the name: one node may manage secrets of several libvirt daemons.
        scope = hashlib.sha256(self.uri.encode("utf-8")).hexdigest()[:16]
        return os.path.join(self.directory, "%s-%s.json" % (scope, uuid))

    def compare(self, uuid: str, value: bytes) -> t.Optional[bool]:
        """Whether the value last recorded for this secret is ``value``; None when nothing is recorded."""
        try:
            with open(self._path(uuid)) as stream:
                record = json.load(stream)
            salt = bytes.fromhex(record["salt"])
            expected = bytes.fromhex(record["hmac_sha256"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return hmac.compare_digest(hmac.new(salt, value, hashlib.sha256).digest(), expected)

    def record(self, uuid: str, value: bytes) -> None:
        salt = secrets.token_bytes(32)
        record = {"uuid": uuid, "uri": self.uri, "salt": salt.hex(),
                  "hmac_sha256": hmac.new(salt, value, hashlib.sha256).hexdigest()}
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            os.chmod(self.directory, 0o700)
            # mkstemp creates the file 0600; renaming it into place never exposes a partial record.
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".fingerprint-")
            try:
                with os.fdopen(handle, "w") as stream:
                    json.dump(record, stream)
                os.replace(temporary, self._path(uuid))
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError as error:
            raise LqError("the secret's value is set, but recording its fingerprint in %s failed: %s. The next run "
                          "will set the value again and report a change; fix the directory's permissions or free "
                          "space" % (self.directory, error))

    def forget(self, uuid: str) -> None:
        try:
            os.unlink(self._path(uuid))
        except FileNotFoundError:
            pass
        except OSError as error:
            raise LqError("removing the fingerprint %s failed: %s" % (self._path(uuid), error))

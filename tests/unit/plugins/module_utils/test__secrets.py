# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The secret manager against a fake connection; they run without the libvirt bindings (the import is guarded)."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import types
import uuid as uuidlib
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.limiquantix.storage.plugins.module_utils import _libvirt, _secrets
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import Auth, Host, PoolDefinition
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import to_xml as pool_to_xml
from ansible_collections.limiquantix.storage.plugins.module_utils._secret_requests import SecretRequest
from ansible_collections.limiquantix.storage.plugins.module_utils._secret_values import FingerprintStore
from ansible_collections.limiquantix.storage.plugins.module_utils._secret_xml import (
    SecretDefinition,
    from_xml,
    to_xml,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._secrets import (
    VALUE_CURRENT,
    VALUE_NEW,
    VALUE_UNCHANGED,
    SecretManager,
    SecretRef,
    SecretUsers,
    converge_secrets,
    secret_refs,
    secrets_info,
)

KEY = "AQBzV0ZnAAAAABAAhP1yD8K/4D1F4uQ7hZ0H9Q=="
OTHER_KEY = "AQCzV0ZnAAAAABAAhP1yD8K/4D1F4uQ7hZ0H9Q=="
VALUE = base64.b64decode(KEY)
OTHER_VALUE = base64.b64decode(OTHER_KEY)
UUID = "1b0b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10"
OTHER_UUID = "0d3b6e26-5a3c-4e0f-8a7e-4f1f6a1e2c11"
NAME = "client.libvirt secret"
LABEL = "ceph secret client.libvirt secret"
URI = "qemu:///system"


# -- secret_refs: who names a secret ------------------------------------------------------------------------------

RBD_POOL_BY_UUID = """<pool type='rbd'>
  <name>ceph-vms</name>
  <source>
    <host name='10.0.0.1' port='6789'/>
    <name>vms</name>
    <auth type='ceph' username='libvirt'>
      <secret uuid='1b0b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10'/>
    </auth>
  </source>
</pool>"""

RBD_POOL_BY_USAGE = """<pool type='rbd'>
  <name>ceph-backup</name>
  <source>
    <host name='10.0.0.1'/>
    <name>backup</name>
    <auth username='backup' type='ceph'>
      <secret usage='client.libvirt secret'/>
    </auth>
  </source>
</pool>"""

ISCSI_POOL = """<pool type='iscsi'>
  <name>san</name>
  <source>
    <host name='10.0.0.20'/>
    <device path='iqn.2026-01.com.example:san'/>
    <auth type='chap' username='node1'>
      <secret usage='iscsi-san'/>
    </auth>
  </source>
  <target><path>/dev/disk/by-path</path></target>
</pool>"""

DOMAIN_DISK_AUTH = """<domain type='kvm'>
  <name>web1</name>
  <devices>
    <disk type='file' device='disk'>
      <source file='/var/lib/limiquantix/images/web1.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw'/>
      <auth username='libvirt'>
        <secret type='ceph' usage='client.libvirt secret'/>
      </auth>
      <source protocol='rbd' name='vms/web1-root'>
        <host name='10.0.0.1' port='6789'/>
      </source>
      <target dev='vdb' bus='virtio'/>
    </disk>
  </devices>
</domain>"""

DOMAIN_SOURCE_AUTH = """<domain type='kvm'>
  <name>web2</name>
  <devices>
    <disk type='network' device='disk'>
      <source protocol='rbd' name='vms/web2-root'>
        <host name='10.0.0.1' port='6789'/>
        <auth username='libvirt'>
          <secret type='ceph' uuid='1b0b8c2e-54d4-4f0e-9a57-3c1c2a4f7e10'/>
        </auth>
      </source>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='network' device='lun'>
      <source protocol='iscsi' name='iqn.2026-01.com.example:san/1'>
        <host name='10.0.0.20' port='3260'/>
        <auth username='node1'>
          <secret type='iscsi' usage='iscsi-san'/>
        </auth>
      </source>
      <target dev='sda' bus='scsi'/>
    </disk>
  </devices>
</domain>"""

DOMAIN_WITHOUT_AUTH = """<domain type='kvm'><name>plain</name><devices><disk type='file' device='disk'>
<source file='/var/lib/limiquantix/images/plain.qcow2'/><target dev='vda'/></disk></devices></domain>"""


def test_secret_refs_pool_by_uuid():
    assert secret_refs(RBD_POOL_BY_UUID) == [SecretRef("ceph", UUID, None)]


def test_secret_refs_pool_by_usage():
    assert secret_refs(RBD_POOL_BY_USAGE) == [SecretRef("ceph", None, NAME)]


def test_secret_refs_pool_chap_is_an_iscsi_secret():
    assert secret_refs(ISCSI_POOL) == [SecretRef("iscsi", None, "iscsi-san")]


def test_secret_refs_of_the_collections_own_pool_xml():
    for auth, ref in [(Auth(type="ceph", username="libvirt", secret_uuid=UUID), SecretRef("ceph", UUID, None)),
                      (Auth(type="ceph", username="libvirt", secret_usage=NAME), SecretRef("ceph", None, NAME)),
                      (Auth(type="chap", username="n", secret_usage="san"), SecretRef("iscsi", None, "san"))]:
        pool = PoolDefinition(name="p", type="rbd" if auth.type == "ceph" else "iscsi", hosts=(Host("10.0.0.1"),),
                              source_name="vms", devices=("iqn.x",) if auth.type == "chap" else (),
                              target_path="/dev/disk/by-path" if auth.type == "chap" else None, auth=auth)
        assert secret_refs(pool_to_xml(pool)) == [ref]


def test_secret_refs_domain_disk_auth():
    assert secret_refs(DOMAIN_DISK_AUTH) == [SecretRef("ceph", None, NAME)]


def test_secret_refs_domain_auth_under_source():
    assert secret_refs(DOMAIN_SOURCE_AUTH) == [SecretRef("ceph", UUID, None), SecretRef("iscsi", None, "iscsi-san")]


@pytest.mark.parametrize("text", [
    DOMAIN_WITHOUT_AUTH,
    "<pool type='dir'><name>images</name><target><path>/srv/images</path></target></pool>",
    "<pool type='rbd'><name>x</name><source><auth type='ceph' username='u'/></source></pool>",
    "<domain",
    "",
])
def test_secret_refs_none(text):
    assert secret_refs(text) == []


def test_secret_refs_auth_of_an_unknown_type():
    assert secret_refs("<pool><source><auth type='kerberos' username='u'><secret usage='k'/></auth></source></pool>") \
        == [SecretRef("", None, "k")]


CEPH_SECRET = SecretDefinition("ceph", NAME, uuid=UUID)


@pytest.mark.parametrize("ref, names", [
    (SecretRef("ceph", UUID, None), True),
    (SecretRef("ceph", None, NAME), True),
    (SecretRef("ceph", OTHER_UUID, NAME), True),
    (SecretRef("ceph", UUID, "other"), True),
    (SecretRef("ceph", OTHER_UUID, None), False),
    (SecretRef("ceph", None, "client.libvirt"), False),
    (SecretRef("iscsi", None, NAME), False),
    (SecretRef("iscsi", UUID, None), False),
    (SecretRef("", UUID, None), False),
    (SecretRef("ceph", None, None), False),
])
def test_secret_ref_names(ref, names):
    assert ref.names(CEPH_SECRET) is names


def test_secret_ref_names_a_secret_without_uuid_only_by_usage():
    assert not SecretRef("ceph", None, None).names(SecretDefinition("ceph", NAME))
    assert SecretRef("ceph", None, NAME).names(SecretDefinition("ceph", NAME))


@pytest.mark.parametrize("pools, domains, text", [
    (["a"], [], "pool(s) a"),
    (["a", "b"], [], "pool(s) a, b"),
    ([], ["web1"], "domain(s) web1"),
    (["a"], ["web1", "web2"], "pool(s) a and domain(s) web1, web2"),
    ([], [], ""),
])
def test_secret_users_describe(pools, domains, text):
    assert SecretUsers(pools, domains).describe() == text


# -- a fake libvirt ---------------------------------------------------------------------------------------------
# The bindings may be missing where the unit tests run, so a stand-in provides what the manager uses of them,
# and a connection that behaves like libvirtd's secret driver where it matters: it keeps a secret's value when
# the secret is redefined, refuses to make a private secret public in place, and never returns a private value.

class FakeLibvirtError(Exception):
    def __init__(self, code, message="libvirt said no"):
        super().__init__(message)
        self.code = code

    def get_error_code(self):
        return self.code

    def get_error_message(self):
        return str(self)


FAKE_LIBVIRT = types.SimpleNamespace(
    libvirtError=FakeLibvirtError, VIR_ERR_NO_SECRET=66, VIR_ERR_INVALID_SECRET=65, VIR_ERR_INTERNAL_ERROR=1,
    VIR_CONNECT_LIST_DOMAINS_ACTIVE=1, VIR_ERR_NO_CONNECT=38, VIR_ERR_AUTH_FAILED=45, VIR_ERR_NO_SUPPORT=3,
    VIR_ERR_XML_ERROR=27)


class FakeSecret:
    def __init__(self, conn, definition, value=None):
        self.conn, self.definition, self.stored = conn, definition, value

    def UUIDString(self):
        return self.definition.uuid

    def XMLDesc(self, flags):
        return to_xml(self.definition)

    def value(self, flags=0):
        self.conn.calls.append(("value", self.definition.uuid))
        if self.definition.private:
            raise FakeLibvirtError(FAKE_LIBVIRT.VIR_ERR_INVALID_SECRET, "Invalid secret: secret is private")
        if self.stored is None:
            raise FakeLibvirtError(FAKE_LIBVIRT.VIR_ERR_NO_SECRET, "secret '%s' does not have a value"
                                   % self.definition.uuid)
        return self.stored

    def setValue(self, value, flags):
        self.conn.calls.append(("setValue", self.definition.uuid))
        self.conn.check_failure("setValue")
        self.stored = value

    def undefine(self):
        self.conn.calls.append(("undefine", self.definition.uuid))
        del self.conn.secrets[self.definition.uuid]


class FakeConnection:
    def __init__(self, secrets=(), pools=(), domains=()):
        """secrets: (definition, value) pairs; pools: pool XML; domains: (name, running, XML)."""
        self.calls, self.fail = [], set()
        self.secrets = {}
        for definition, value in secrets:
            self.secrets[definition.uuid] = FakeSecret(self, definition, value)
        self.pools = [types.SimpleNamespace(name=lambda xml=xml: ET.fromstring(xml).findtext("name"),
                                            XMLDesc=lambda flags, xml=xml: xml) for xml in pools]
        self.domains = list(domains)

    def check_failure(self, call):
        if call in self.fail:
            raise FakeLibvirtError(FAKE_LIBVIRT.VIR_ERR_INTERNAL_ERROR, "%s went wrong" % call)

    def listAllSecrets(self, flags):
        return list(self.secrets.values())

    def secretLookupByUUIDString(self, uuid):
        if uuid not in self.secrets:
            raise FakeLibvirtError(FAKE_LIBVIRT.VIR_ERR_NO_SECRET, "no secret with matching uuid '%s'" % uuid)
        return self.secrets[uuid]

    def secretDefineXML(self, xml, flags=0):
        self.calls.append(("secretDefineXML", xml))
        self.check_failure("secretDefineXML")
        definition = from_xml(xml)
        same_usage = [s for s in self.secrets.values()
                      if (s.definition.usage_type, s.definition.usage_name) == (definition.usage_type,
                                                                                definition.usage_name)]
        if definition.uuid is None:
            if same_usage:
                raise FakeLibvirtError(FAKE_LIBVIRT.VIR_ERR_INTERNAL_ERROR, "a secret with UUID %s already defined "
                                       "for use with %s" % (same_usage[0].definition.uuid, definition.usage_name))
            definition = dataclasses.replace(definition, uuid=str(uuidlib.uuid4()))
        existing = self.secrets.get(definition.uuid)
        if existing is not None:
            if existing.definition.private and not definition.private:
                raise FakeLibvirtError(FAKE_LIBVIRT.VIR_ERR_INTERNAL_ERROR,
                                       "cannot change private flag on existing secret")
            existing.definition = definition
            return existing
        self.secrets[definition.uuid] = FakeSecret(self, definition)
        return self.secrets[definition.uuid]

    def listAllStoragePools(self, flags):
        assert flags == 0, "inactive pools reference secrets too"
        return self.pools

    def listAllDomains(self, flags):
        assert flags == 0, "shut-off domains reference secrets too"
        return [types.SimpleNamespace(name=lambda name=name: name, isActive=lambda running=running: running,
                                      XMLDesc=lambda flags, xml=xml: xml) for name, running, xml in self.domains]

    def changes(self):
        return [call for call in self.calls if call[0] != "value"]


@pytest.fixture(autouse=True)
def fake_libvirt(monkeypatch):
    monkeypatch.setattr(_secrets, "libvirt", FAKE_LIBVIRT)
    monkeypatch.setattr(_libvirt, "libvirt", FAKE_LIBVIRT)


@pytest.fixture
def fingerprints(tmp_path):
    return FingerprintStore(str(tmp_path / "fingerprints"), URI)


def request(name=NAME, **fields):
    values = dict(usage_type="ceph", uuid=None, description=None, private=True, value=VALUE, state="present",
                  force=False)
    values.update(fields)
    return SecretRequest(name=name, **values)


def run(plan):
    for action in plan.actions:
        action.run()


def stored(conn, uuid=UUID):
    return conn.secrets[uuid].stored


def secret(uuid=UUID, name=NAME, **fields):
    return SecretDefinition("ceph", name, uuid=uuid, **fields)


def assert_no_value_in(data):
    text = json.dumps(data)
    for form in (KEY, OTHER_KEY, KEY[:20], OTHER_KEY[:20], VALUE.hex(), OTHER_VALUE.hex(), repr(VALUE)):
        assert form not in text


# -- reading ------------------------------------------------------------------------------------------------------

def test_definitions_find_and_find_uuid(fingerprints):
    conn = FakeConnection([(secret(), VALUE), (secret(OTHER_UUID, "other"), None),
                           (SecretDefinition("iscsi", NAME, uuid="6f1cdb43-d5fd-4cfe-8a1b-6ad1ab19e6f4"), None)])
    manager = SecretManager(conn, fingerprints)
    assert len(manager.definitions()) == 3
    assert manager.find("ceph", NAME) == secret()
    assert manager.find("iscsi", NAME).uuid == "6f1cdb43-d5fd-4cfe-8a1b-6ad1ab19e6f4"
    assert manager.find("ceph", "nosuch") is None
    assert manager.find_uuid(OTHER_UUID).usage_name == "other"
    assert manager.find_uuid("3c5a8a39-7e0d-4a3b-b4b3-7c2f0e6f1a22") is None


def test_definitions_listing_error(fingerprints):
    conn = FakeConnection()

    def failing(flags):
        raise FakeLibvirtError(FAKE_LIBVIRT.VIR_ERR_NO_CONNECT, "no connection driver")
    conn.listAllSecrets = failing
    with pytest.raises(LqError, match="listing libvirt secrets failed: no connection driver"):
        SecretManager(conn, fingerprints).definitions()


def test_users_pools_and_domains_by_uuid_and_by_usage(fingerprints):
    conn = FakeConnection([(secret(), VALUE)], pools=[RBD_POOL_BY_UUID, RBD_POOL_BY_USAGE, ISCSI_POOL],
                          domains=[("web2", False, DOMAIN_SOURCE_AUTH), ("web1", True, DOMAIN_DISK_AUTH),
                                   ("plain", True, DOMAIN_WITHOUT_AUTH)])
    users = SecretManager(conn, fingerprints).users(secret())
    assert users == SecretUsers(["ceph-backup", "ceph-vms"], ["web1", "web2"])


def test_users_of_an_iscsi_secret(fingerprints):
    conn = FakeConnection(pools=[RBD_POOL_BY_USAGE, ISCSI_POOL], domains=[("web2", False, DOMAIN_SOURCE_AUTH)])
    users = SecretManager(conn, fingerprints).users(SecretDefinition("iscsi", "iscsi-san", uuid=OTHER_UUID))
    assert users == SecretUsers(["san"], ["web2"])


def test_users_none(fingerprints):
    conn = FakeConnection(pools=[ISCSI_POOL], domains=[("plain", False, DOMAIN_WITHOUT_AUTH)])
    assert SecretManager(conn, fingerprints).users(secret()) == SecretUsers([], [])


# -- planning a secret that is present ------------------------------------------------------------------------

def test_plan_create(fingerprints):
    conn = FakeConnection()
    plan = SecretManager(conn, fingerprints).plan(request(description="cephx key"))
    assert plan.action_descriptions() == ["define %s" % LABEL, "set value of %s" % LABEL]
    assert plan.before is None
    assert plan.after == {"uuid": None, "usage_type": "ceph", "name": NAME, "description": "cephx key",
                          "private": True, "ephemeral": False, "value": VALUE_NEW}
    assert conn.calls == [], "planning changes nothing"
    run(plan)
    (defined,) = list(conn.secrets.values())
    assert defined.definition == SecretDefinition("ceph", NAME, uuid=defined.definition.uuid,
                                                  description="cephx key", private=True)
    assert defined.stored == VALUE
    assert fingerprints.compare(defined.definition.uuid, VALUE) is True
    assert_no_value_in([call[1] for call in conn.calls if call[0] == "secretDefineXML"])


def test_plan_create_with_uuid(fingerprints):
    conn = FakeConnection()
    plan = SecretManager(conn, fingerprints).plan(request(uuid=UUID))
    assert plan.after["uuid"] == UUID
    run(plan)
    assert ET.fromstring(conn.calls[0][1]).findtext("uuid") == UUID
    assert stored(conn) == VALUE


def test_plan_create_non_private(fingerprints):
    conn = FakeConnection()
    run(SecretManager(conn, fingerprints).plan(request(uuid=UUID, private=False)))
    assert conn.secrets[UUID].definition.private is False
    assert conn.secrets[UUID].value() == VALUE
    assert fingerprints.compare(UUID, VALUE) is True, "recorded for non-private secrets too"


def test_plan_unchanged_private_rerun(fingerprints):
    conn = FakeConnection()
    run(SecretManager(conn, fingerprints).plan(request(uuid=UUID, description="d")))
    conn.calls.clear()
    plan = SecretManager(conn, fingerprints).plan(request(uuid=UUID, description="d"))
    assert plan.actions == []
    assert plan.before == dict(secret(description="d").metadata(), value=VALUE_CURRENT)
    assert plan.after == dict(secret(description="d").metadata(), value=VALUE_UNCHANGED)
    assert conn.changes() == []


def test_plan_unchanged_rerun_without_uuid(fingerprints):
    conn = FakeConnection()
    run(SecretManager(conn, fingerprints).plan(request()))
    plan = SecretManager(conn, fingerprints).plan(request())
    assert plan.actions == []
    assert plan.after["uuid"] == next(iter(conn.secrets))


def test_plan_unchanged_non_private_compares_the_value_itself(fingerprints):
    """No fingerprint needed: libvirt hands out a non-private value."""
    conn = FakeConnection([(secret(private=False), VALUE)])
    plan = SecretManager(conn, fingerprints).plan(request(private=False))
    assert plan.actions == []
    assert ("value", UUID) in conn.calls


def test_plan_rotation_private(fingerprints):
    conn = FakeConnection()
    run(SecretManager(conn, fingerprints).plan(request(uuid=UUID)))
    plan = SecretManager(conn, fingerprints).plan(request(uuid=UUID, value=OTHER_VALUE))
    assert plan.action_descriptions() == [
        "set value of %s (the key differs from the one this collection set last (by its recorded fingerprint))"
        % LABEL]
    assert plan.after["value"] == VALUE_NEW
    run(plan)
    assert stored(conn) == OTHER_VALUE
    assert fingerprints.compare(UUID, OTHER_VALUE) is True
    assert SecretManager(conn, fingerprints).plan(request(uuid=UUID, value=OTHER_VALUE)).actions == []


def test_plan_rotation_non_private(fingerprints):
    conn = FakeConnection([(secret(private=False), VALUE)])
    plan = SecretManager(conn, fingerprints).plan(request(private=False, value=OTHER_VALUE))
    assert plan.action_descriptions() == ["set value of %s (the key differs from the secret's value)" % LABEL]
    run(plan)
    assert stored(conn) == OTHER_VALUE


def test_plan_non_private_without_a_value(fingerprints):
    conn = FakeConnection([(secret(private=False), None)])
    plan = SecretManager(conn, fingerprints).plan(request(private=False))
    assert plan.action_descriptions() == ["set value of %s (the secret has no value yet)" % LABEL]


def test_plan_non_private_value_read_error(fingerprints):
    conn = FakeConnection([(secret(private=False), VALUE)])

    def failing(flags=0):
        raise FakeLibvirtError(FAKE_LIBVIRT.VIR_ERR_INTERNAL_ERROR, "cannot read")
    conn.secrets[UUID].value = failing
    with pytest.raises(LqError, match="reading the value of secret %s failed: cannot read" % UUID):
        SecretManager(conn, fingerprints).plan(request(private=False))


def test_plan_private_without_fingerprint_sets_the_value_once(fingerprints):
    """A private secret the collection did not set: the value cannot be compared, so it is set, and recorded."""
    conn = FakeConnection([(secret(), VALUE)])
    plan = SecretManager(conn, fingerprints).plan(request())
    assert plan.action_descriptions() == [
        "set value of %s (the secret is private and this collection has recorded no fingerprint of its value, so "
        "the value cannot be compared)" % LABEL]
    run(plan)
    assert SecretManager(conn, fingerprints).plan(request()).actions == []


def test_plan_private_never_reads_the_value(fingerprints):
    conn = FakeConnection([(secret(), VALUE)])
    fingerprints.record(UUID, VALUE)
    SecretManager(conn, fingerprints).plan(request())
    assert ("value", UUID) not in conn.calls


def test_plan_fingerprints_are_per_uri(fingerprints):
    conn = FakeConnection([(secret(), VALUE)])
    FingerprintStore(fingerprints.directory, "qemu+ssh://other/system").record(UUID, VALUE)
    assert SecretManager(conn, fingerprints).plan(request()).changed


def test_plan_description_change(fingerprints):
    conn = FakeConnection([(secret(description="old"), VALUE)])
    fingerprints.record(UUID, VALUE)
    plan = SecretManager(conn, fingerprints).plan(request(description="new"))
    assert plan.action_descriptions() == ["redefine %s (description)" % LABEL]
    assert (plan.before["description"], plan.after["description"]) == ("old", "new")
    assert plan.after["value"] == VALUE_UNCHANGED
    run(plan)
    assert conn.secrets[UUID].definition == secret(description="new")
    assert stored(conn) == VALUE, "libvirt keeps the value of a redefined secret"
    assert SecretManager(conn, fingerprints).plan(request(description="new")).actions == []


def test_plan_description_left_out_is_kept(fingerprints):
    conn = FakeConnection([(secret(description="kept"), VALUE)])
    fingerprints.record(UUID, VALUE)
    plan = SecretManager(conn, fingerprints).plan(request())
    assert plan.actions == [] and plan.after["description"] == "kept"


def test_plan_empty_description_clears_it(fingerprints):
    conn = FakeConnection([(secret(description="old"), VALUE)])
    fingerprints.record(UUID, VALUE)
    plan = SecretManager(conn, fingerprints).plan(request(description=""))
    assert plan.action_descriptions() == ["redefine %s (description)" % LABEL]
    assert plan.after["description"] is None
    run(plan)
    assert conn.secrets[UUID].definition.description is None
    assert SecretManager(conn, fingerprints).plan(request(description="")).actions == [], "and stays cleared"


def test_plan_private_to_non_private_recreates(fingerprints):
    conn = FakeConnection([(secret(description="d"), VALUE)])
    fingerprints.record(UUID, VALUE)
    plan = SecretManager(conn, fingerprints).plan(request(private=False))
    assert plan.action_descriptions() == [
        "undefine %s to make it non-private (libvirt cannot change that in place)" % LABEL,
        "define %s again, non-private" % LABEL,
        "set value of %s (the secret is defined anew)" % LABEL,
    ]
    assert plan.after == dict(secret(description="d", private=False).metadata(), value=VALUE_NEW)
    run(plan)
    assert conn.secrets[UUID].definition == secret(description="d", private=False), "the uuid stays"
    assert conn.secrets[UUID].value() == VALUE
    assert SecretManager(conn, fingerprints).plan(request(private=False)).actions == []


def test_plan_private_to_non_private_with_a_new_key(fingerprints):
    conn = FakeConnection([(secret(), VALUE)])
    fingerprints.record(UUID, VALUE)
    run(SecretManager(conn, fingerprints).plan(request(private=False, value=OTHER_VALUE)))
    assert conn.secrets[UUID].value() == OTHER_VALUE


def test_plan_non_private_to_private_in_place(fingerprints):
    conn = FakeConnection([(secret(private=False), VALUE)])
    fingerprints.record(UUID, VALUE)
    plan = SecretManager(conn, fingerprints).plan(request())
    assert plan.action_descriptions() == ["redefine %s (private)" % LABEL]
    run(plan)
    assert conn.secrets[UUID].definition.private and stored(conn) == VALUE
    assert SecretManager(conn, fingerprints).plan(request()).actions == []


def test_plan_non_private_to_private_without_fingerprint_is_unchanged_on_the_next_run(fingerprints):
    """The value was compared directly before the secret became private; the next run compares by fingerprint,
    so making it private must leave one (as with secrets defined by hand, after Ceph's documentation)."""
    conn = FakeConnection([(secret(private=False), VALUE)])
    plan = SecretManager(conn, fingerprints).plan(request())
    assert plan.action_descriptions() == ["redefine %s (private)" % LABEL]
    run(plan)
    assert ("setValue", UUID) not in conn.calls
    assert SecretManager(conn, fingerprints).plan(request()).actions == []


def test_plan_non_private_to_private_with_a_new_key(fingerprints):
    conn = FakeConnection([(secret(private=False), VALUE)])
    plan = SecretManager(conn, fingerprints).plan(request(value=OTHER_VALUE))
    assert plan.action_descriptions() == ["redefine %s (private)" % LABEL,
                                          "set value of %s (the key differs from the secret's value)" % LABEL]
    run(plan)
    assert stored(conn) == OTHER_VALUE
    assert SecretManager(conn, fingerprints).plan(request(value=OTHER_VALUE)).actions == []
    assert SecretManager(conn, fingerprints).plan(request()).changed


def test_plan_given_uuid_of_the_existing_secret(fingerprints):
    conn = FakeConnection([(secret(), VALUE)])
    fingerprints.record(UUID, VALUE)
    assert SecretManager(conn, fingerprints).plan(request(uuid=UUID)).actions == []


def test_plan_uuid_of_another_secret(fingerprints):
    conn = FakeConnection([(secret(OTHER_UUID, "client.other secret"), VALUE)])
    with pytest.raises(LqError, match="uuid %s already belongs to the ceph secret 'client.other secret'; a secret's "
                                      "usage cannot change. Use another uuid, or leave uuid out" % OTHER_UUID):
        SecretManager(conn, fingerprints).plan(request(uuid=OTHER_UUID))
    assert conn.changes() == []


def test_plan_uuid_of_a_secret_of_another_usage_type(fingerprints):
    conn = FakeConnection([(SecretDefinition("iscsi", NAME, uuid=UUID), None)])
    with pytest.raises(LqError, match="uuid %s already belongs to the iscsi secret" % UUID):
        SecretManager(conn, fingerprints).plan(request(uuid=UUID))


def test_plan_existing_secret_has_another_uuid(fingerprints):
    conn = FakeConnection([(secret(), VALUE)])
    with pytest.raises(LqError) as excinfo:
        SecretManager(conn, fingerprints).plan(request(uuid=OTHER_UUID))
    assert excinfo.value.message == (
        "the ceph secret %r exists with uuid %s, not %s; libvirt cannot change a secret's uuid. Leave uuid out (or set "
        "it to %s), or remove the secret first with state absent and point the pools that use it at the new uuid"
        % (NAME, UUID, OTHER_UUID, UUID))


def test_plan_same_name_of_another_usage_type_is_another_secret(fingerprints):
    conn = FakeConnection([(SecretDefinition("iscsi", NAME, uuid=OTHER_UUID), None)])
    plan = SecretManager(conn, fingerprints).plan(request())
    assert plan.action_descriptions() == ["define %s" % LABEL, "set value of %s" % LABEL]


def test_plan_step_errors_name_the_step(fingerprints):
    conn = FakeConnection()
    conn.fail.add("secretDefineXML")
    plan = SecretManager(conn, fingerprints).plan(request())
    with pytest.raises(LqError, match="define %s failed: secretDefineXML went wrong" % LABEL):
        run(plan)


def test_plan_value_is_recorded_only_once_set(fingerprints):
    conn = FakeConnection()
    conn.fail.add("setValue")
    plan = SecretManager(conn, fingerprints).plan(request(uuid=UUID))
    with pytest.raises(LqError, match="set value of %s failed: setValue went wrong" % LABEL):
        run(plan)
    assert fingerprints.compare(UUID, VALUE) is None


def test_plan_never_holds_the_value(fingerprints):
    conn = FakeConnection([(secret(private=False), VALUE)])
    for req in (request(value=OTHER_VALUE), request(private=False, value=OTHER_VALUE), request(uuid=OTHER_UUID,
                                                                                               name="new")):
        plan = SecretManager(conn, fingerprints).plan(req)
        assert_no_value_in([plan.before, plan.after, plan.diff(), plan.action_descriptions(), plan.warnings])


# -- planning a secret that is absent ------------------------------------------------------------------------

def test_plan_absent_of_a_missing_secret(fingerprints):
    plan = SecretManager(FakeConnection(), fingerprints).plan(request(state="absent", value=None))
    assert (plan.actions, plan.before, plan.after) == ([], None, None)


def test_plan_absent(fingerprints):
    conn = FakeConnection([(secret(), VALUE)], pools=[ISCSI_POOL], domains=[("plain", True, DOMAIN_WITHOUT_AUTH)])
    fingerprints.record(UUID, VALUE)
    plan = SecretManager(conn, fingerprints).plan(request(state="absent", value=None))
    assert plan.action_descriptions() == ["undefine %s" % LABEL]
    assert plan.before == dict(secret().metadata(), value=VALUE_CURRENT) and plan.after is None
    assert plan.warnings == []
    assert conn.changes() == []
    run(plan)
    assert conn.secrets == {}
    assert fingerprints.compare(UUID, VALUE) is None
    assert os.listdir(fingerprints.directory) == [], "the fingerprint file is removed"


@pytest.mark.parametrize("pools, domains, users", [
    ([RBD_POOL_BY_UUID], [], "pool(s) ceph-vms"),
    ([RBD_POOL_BY_USAGE], [], "pool(s) ceph-backup"),
    ([RBD_POOL_BY_USAGE, RBD_POOL_BY_UUID], [], "pool(s) ceph-backup, ceph-vms"),
    ([], [("web1", True, DOMAIN_DISK_AUTH)], "domain(s) web1"),
    ([], [("web2", False, DOMAIN_SOURCE_AUTH)], "domain(s) web2"),
    ([RBD_POOL_BY_UUID], [("web1", False, DOMAIN_DISK_AUTH)], "pool(s) ceph-vms and domain(s) web1"),
])
def test_plan_absent_refused_while_referenced(fingerprints, pools, domains, users):
    conn = FakeConnection([(secret(), VALUE)], pools=pools, domains=domains)
    with pytest.raises(LqError) as excinfo:
        SecretManager(conn, fingerprints).plan(request(state="absent", value=None))
    assert excinfo.value.message == (
        "refusing to remove %s: %s reference it and would fail to start without it. Remove them (or their auth) "
        "first, or set force: true" % (LABEL, users))
    assert conn.changes() == []


def test_plan_absent_with_force_warns(fingerprints):
    conn = FakeConnection([(secret(), VALUE)], pools=[RBD_POOL_BY_UUID], domains=[("web1", True, DOMAIN_DISK_AUTH)])
    fingerprints.record(UUID, VALUE)
    plan = SecretManager(conn, fingerprints).plan(request(state="absent", value=None, force=True))
    assert plan.warnings == ["removed %s although pool(s) ceph-vms and domain(s) web1 reference it (force: true)"
                             % LABEL]
    assert plan.action_descriptions() == ["undefine %s" % LABEL]
    run(plan)
    assert conn.secrets == {} and fingerprints.compare(UUID, VALUE) is None


def test_plan_absent_ignores_references_to_other_secrets(fingerprints):
    conn = FakeConnection([(secret(OTHER_UUID, "client.other secret"), VALUE)],
                          pools=[RBD_POOL_BY_UUID, RBD_POOL_BY_USAGE, ISCSI_POOL],
                          domains=[("web1", True, DOMAIN_DISK_AUTH), ("web2", False, DOMAIN_SOURCE_AUTH)])
    plan = SecretManager(conn, fingerprints).plan(request("client.other secret", state="absent", value=None))
    assert plan.changed and plan.warnings == []


def test_plan_absent_undefine_error(fingerprints):
    conn = FakeConnection([(secret(), VALUE)])
    fingerprints.record(UUID, VALUE)
    plan = SecretManager(conn, fingerprints).plan(request(state="absent", value=None))
    del conn.secrets[UUID]  # removed by someone else meanwhile
    with pytest.raises(LqError, match="undefine %s failed: no secret with matching uuid" % LABEL):
        run(plan)
    assert fingerprints.compare(UUID, VALUE) is True, "kept while the secret may still exist"


# -- converge_secrets: what the module returns ------------------------------------------------------------------

def converge(requests, conn, fingerprints, check_mode=False, diff_mode=True):
    return converge_secrets(requests, conn, fingerprints, check_mode, diff_mode)


def test_converge_create(fingerprints):
    conn = FakeConnection()
    result, warnings = converge([request(description="d")], conn, fingerprints)
    (defined,) = list(conn.secrets)
    assert result["changed"] is True and warnings == []
    assert result["actions"] == ["define %s" % LABEL, "set value of %s" % LABEL]
    assert result["secrets"] == [{"uuid": defined, "usage_type": "ceph", "name": NAME, "description": "d",
                                  "private": True, "ephemeral": False, "state": "present"}]
    assert result["diff"] == [{"before": "", "after": dict(secret(None, description="d").metadata(), value=VALUE_NEW),
                               "before_header": "secret %s (before)" % NAME,
                               "after_header": "secret %s (after)" % NAME}]
    assert_no_value_in(result)


def test_converge_check_mode_predicts_and_changes_nothing(fingerprints):
    requests = [request(uuid=UUID, description="d"), request("client.b secret", value=OTHER_VALUE),
                request("client.c secret", state="absent", value=None)]
    existing = [(secret(OTHER_UUID, "client.c secret"), None)]
    check_conn = FakeConnection(existing)
    predicted = converge(requests, check_conn, fingerprints, check_mode=True)[0]
    assert check_conn.changes() == []
    assert not os.path.exists(fingerprints.directory), "check mode records no fingerprint"
    conn = FakeConnection(existing)
    real = converge(requests, conn, fingerprints)[0]
    assert predicted["changed"] is real["changed"] is True
    assert predicted["actions"] == real["actions"] == [
        "define %s" % LABEL, "set value of %s" % LABEL, "define ceph secret client.b secret",
        "set value of ceph secret client.b secret", "undefine ceph secret client.c secret"]
    assert predicted["diff"] == real["diff"]
    [b_uuid] = [uuid for uuid, s in conn.secrets.items() if s.definition.usage_name == "client.b secret"]
    assert [status.get("uuid") for status in predicted["secrets"]] == [UUID, None, None]
    assert [status.get("uuid") for status in real["secrets"]] == [UUID, b_uuid, None]
    assert real["secrets"][2] == {"name": "client.c secret", "usage_type": "ceph", "state": "absent"}


def test_converge_check_mode_of_an_unchanged_rerun(fingerprints):
    conn = FakeConnection()
    converge([request(uuid=UUID)], conn, fingerprints)
    conn.calls.clear()
    result = converge([request(uuid=UUID)], conn, fingerprints, check_mode=True)[0]
    assert (result["changed"], result["actions"], result["diff"]) == (False, [], [])
    assert result["secrets"][0]["uuid"] == UUID


def test_converge_rotation_diff_shows_no_value(fingerprints):
    conn = FakeConnection()
    converge([request(uuid=UUID)], conn, fingerprints)
    result = converge([request(uuid=UUID, value=OTHER_VALUE)], conn, fingerprints)[0]
    assert result["changed"] is True
    [diff] = result["diff"]
    assert (diff["before"]["value"], diff["after"]["value"]) == (VALUE_CURRENT, VALUE_NEW)
    assert {k: v for k, v in diff["before"].items() if k != "value"} == \
        {k: v for k, v in diff["after"].items() if k != "value"}
    assert_no_value_in(result)


def test_converge_force_warning(fingerprints):
    conn = FakeConnection([(secret(), VALUE)], pools=[RBD_POOL_BY_USAGE])
    result, warnings = converge([request(state="absent", value=None, force=True)], conn, fingerprints)
    assert result["changed"] is True
    assert warnings == ["removed %s although pool(s) ceph-backup reference it (force: true)" % LABEL]
    assert result["secrets"] == [{"name": NAME, "usage_type": "ceph", "state": "absent"}]


def test_converge_a_refusal_changes_nothing(fingerprints):
    """Every secret is planned before the first action runs."""
    conn = FakeConnection([(secret(), VALUE)], pools=[RBD_POOL_BY_UUID])
    with pytest.raises(LqError, match="refusing to remove"):
        converge([request("client.new secret"), request(state="absent", value=None)], conn, fingerprints)
    assert conn.changes() == []


def test_converge_without_diff(fingerprints):
    result = converge([request()], FakeConnection(), fingerprints, diff_mode=False)[0]
    assert "diff" not in result


# -- secrets_info -------------------------------------------------------------------------------------------------

INFO_SECRETS = [
    (secret(description="d"), VALUE),
    (secret(OTHER_UUID, "client.backup secret", private=False), OTHER_VALUE),
    (SecretDefinition("iscsi", "iscsi-san", uuid="6f1cdb43-d5fd-4cfe-8a1b-6ad1ab19e6f4", private=False), VALUE),
    (SecretDefinition("vtpm", "vTPM of web1", uuid="3c5a8a39-7e0d-4a3b-b4b3-7c2f0e6f1a22", ephemeral=True), None),
]


def info_conn():
    return FakeConnection(INFO_SECRETS, pools=[RBD_POOL_BY_UUID, ISCSI_POOL],
                          domains=[("web1", False, DOMAIN_DISK_AUTH), ("web2", True, DOMAIN_SOURCE_AUTH)])


def test_secrets_info_everything_sorted():
    found = secrets_info(info_conn(), None, None, None)
    assert [(s["usage_type"], s["name"]) for s in found] == [
        ("ceph", "client.backup secret"), ("ceph", NAME), ("iscsi", "iscsi-san"), ("vtpm", "vTPM of web1")]
    assert found[1] == {"uuid": UUID, "usage_type": "ceph", "name": NAME, "description": "d", "private": True,
                        "ephemeral": False, "used_by": {"pools": ["ceph-vms"], "domains": ["web1", "web2"]}}
    assert found[0]["used_by"] == {"pools": [], "domains": []}
    assert found[2]["used_by"] == {"pools": ["san"], "domains": ["web2"]}
    assert found[3]["ephemeral"] is True


def test_secrets_info_never_reads_a_value():
    conn = info_conn()
    found = secrets_info(conn, None, None, None)
    assert not [call for call in conn.calls if call[0] == "value"]
    assert all("value" not in s for s in found)
    assert_no_value_in(found)


@pytest.mark.parametrize("usage_type, name, uuid, names", [
    ("ceph", None, None, ["client.backup secret", NAME]),
    ("iscsi", None, None, ["iscsi-san"]),
    ("tls", None, None, []),
    (None, NAME, None, [NAME]),
    (None, "iscsi-san", None, ["iscsi-san"]),
    (None, "nosuch", None, []),
    (None, None, OTHER_UUID, ["client.backup secret"]),
    ("ceph", NAME, UUID, [NAME]),
    ("ceph", NAME, OTHER_UUID, []),
    ("iscsi", NAME, None, []),
])
def test_secrets_info_filters(usage_type, name, uuid, names):
    assert [s["name"] for s in secrets_info(info_conn(), usage_type, name, uuid)] == names


def test_secrets_info_none():
    assert secrets_info(FakeConnection(), None, None, None) == []


def test_secrets_info_writes_no_fingerprint(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    secrets_info(info_conn(), None, None, None)
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize("private", [False, True])
def test_plan_rotation_of_an_iscsi_secret_names_the_password(fingerprints, private):
    iscsi_secret = SecretDefinition("iscsi", NAME, uuid=UUID, private=private)
    fingerprints.record(UUID, VALUE)
    plan = SecretManager(FakeConnection([(iscsi_secret, VALUE)]), fingerprints).plan(
        request(usage_type="iscsi", private=private, value=OTHER_VALUE))
    assert plan.action_descriptions()[0].startswith("set value of iscsi secret %s (the password differs from the "
                                                    % NAME)

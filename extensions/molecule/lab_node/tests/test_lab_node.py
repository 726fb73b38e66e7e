"""What the lab_node scenario's converge must leave on this machine, read from the node itself.

The expected values are written out here rather than read from inventory/host_vars/lab-node.yml (where most are
templates): a second, independent statement of what the description asks for. The lab's own
Ceph and tgt facts come from the root-only facts files of tests/lab.
"""

import json

import pytest
import yaml

URI = "qemu:///system"
ROOT = "/var/lib/lqmol"
CEPH_DIR = ROOT + "/ceph"
POOLS = {"lqmol-images": "dir", "lqmol-rbd": "rbd", "lqmol-direct": "iscsi-direct"}
GIB = 1024**3


def lab_facts(component):
    with open("/run/lq-lab/%s/facts.yml" % component, encoding="utf-8") as facts:
        return yaml.safe_load(facts)["lq_lab_" + component]


CEPH = lab_facts("ceph")
TGT = lab_facts("tgt")


def virsh(host, *words):
    return host.check_output("virsh -q -c %s %s" % (URI, " ".join(words)))


def pool_info(host, pool):
    """virsh pool-info as a dict: {'State': 'running', 'Autostart': 'yes', ...}."""
    fields = (line.split(":", 1) for line in virsh(host, "pool-info", pool).splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in fields}


def volumes(host, pool):
    return [line.split()[0] for line in virsh(host, "vol-list", pool).splitlines()]


def rbd_info(host, image, conf, keyring):
    return json.loads(host.check_output(
        "rbd -c %s --id %s --keyring %s info --format json %s/%s", conf, CEPH["user"], keyring, CEPH["rbd_pool"],
        image))


@pytest.mark.parametrize("pool", sorted(POOLS))
def test_pool_runs_autostarts_and_has_its_type(host, pool):
    info = pool_info(host, pool)
    assert (info["State"], info["Persistent"], info["Autostart"]) == ("running", "yes", "yes"), info
    assert virsh(host, "pool-dumpxml", pool).startswith("<pool type='%s'>" % POOLS[pool])


def test_dir_pool_holds_a_qcow2_copy_on_write_clone(host):
    assert volumes(host, "lqmol-images") == ["lqmol-base.qcow2", "lqmol-vm1-root.qcow2"]
    directory = host.file(ROOT + "/images")
    assert (directory.user, directory.group, directory.mode) == ("root", "root", 0o711)
    clone = json.loads(host.check_output(
        "qemu-img info -U --output=json %s", ROOT + "/images/lqmol-vm1-root.qcow2"))
    assert clone["format"] == "qcow2"
    assert clone["virtual-size"] == 4 * GIB
    assert clone["full-backing-filename"] == ROOT + "/images/lqmol-base.qcow2"


def test_rbd_images_are_there_with_the_lab_keyring(host):
    listed = host.check_output(
        "rbd -c %s --id %s --keyring %s ls %s", CEPH["conf"], CEPH["user"], CEPH["keyring"], CEPH["rbd_pool"])
    assert {"lqmol-golden", "lqmol-vm1-root"} <= set(listed.split())
    golden = rbd_info(host, "lqmol-golden", CEPH["conf"], CEPH["keyring"])
    clone = rbd_info(host, "lqmol-vm1-root", CEPH["conf"], CEPH["keyring"])
    assert golden["size"] == 256 * 1024**2
    assert clone["size"] == GIB
    assert (clone["parent"]["pool"], clone["parent"]["image"]) == (CEPH["rbd_pool"], "lqmol-golden")
    assert {"lqmol-golden", "lqmol-vm1-root"} <= set(volumes(host, "lqmol-rbd"))


def test_the_ceph_files_the_role_wrote_reach_the_cluster(host):
    # The role's ceph.conf (monitors, fsid) and keyring (the user's key) are enough for a Ceph client.
    clone = rbd_info(host, "lqmol-vm1-root", CEPH_DIR + "/ceph.conf",
                     CEPH_DIR + "/ceph.client.%s.keyring" % CEPH["user"])
    assert clone["name"] == "lqmol-vm1-root"


@pytest.mark.parametrize(("path", "mode"), [
    (CEPH_DIR, 0o755),
    (CEPH_DIR + "/ceph.conf", 0o644),
    (CEPH_DIR + "/ceph.client.%s.keyring" % CEPH["user"], 0o600),
])
def test_ceph_file_owner_group_and_mode(host, path, mode):
    f = host.file(path)
    assert f.exists, path
    assert (f.user, f.group, f.mode) == ("root", "root", mode), path


def test_ceph_conf_names_the_lab_cluster_and_only_the_keyring_holds_the_key(host):
    conf = host.file(CEPH_DIR + "/ceph.conf").content_string
    keyring = host.file(CEPH_DIR + "/ceph.client.%s.keyring" % CEPH["user"]).content_string
    assert "fsid = %s" % CEPH["fsid"] in conf
    # Booleans first: a failing assertion must not print the key.
    key_in_conf, key_in_keyring = CEPH["key"] in conf, CEPH["key"] in keyring
    assert (key_in_conf, key_in_keyring) == (False, True)


@pytest.mark.parametrize(("usage_type", "name"), [("ceph", "lqmol-ceph"), ("iscsi", "lqmol-direct-chap")])
def test_secret_is_private_and_used_by_its_pool(host, usage_type, name):
    uuids = [line.split()[0] for line in virsh(host, "secret-list").splitlines()
             if line.split()[1:] == [usage_type, name]]
    assert len(uuids) == 1, virsh(host, "secret-list")
    assert "<secret ephemeral='no' private='yes'>" in virsh(host, "secret-dumpxml", uuids[0])
    pool = {"ceph": "lqmol-rbd", "iscsi": "lqmol-direct"}[usage_type]
    assert "<secret usage='%s'/>" % name in virsh(host, "pool-dumpxml", pool)


def test_iscsi_direct_pool_logged_in_with_chap_and_lists_the_luns(host):
    direct = TGT["targets"]["direct"]
    definition = virsh(host, "pool-dumpxml", "lqmol-direct")
    assert "<auth type='chap' username='%s'>" % direct["chap"]["username"] in definition
    assert "<device path='%s'/>" % direct["iqn"] in definition
    assert volumes(host, "lqmol-direct") == ["unit:0:0:0"] + ["unit:0:0:%d" % lun["lun"] for lun in direct["luns"]]

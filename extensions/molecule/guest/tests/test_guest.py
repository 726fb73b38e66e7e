"""What the guest scenario's converge must leave in the lab guest, read from the guest over SSH.

The expected values are written out here rather than read from inventory/host_vars/lq-guest.yml (where most are
templates): a second, independent statement of what the description asks for. Few commands: each is a round trip
to an emulated machine.
"""

import pytest

URI = "qemu:///system"
SAN_IQN = "iqn.2026-11.io.limiquantix.lab:lqmol-san"
LUN = "/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-%s-lun-1" % SAN_IQN
NFS_MOUNT = "/var/lib/lqmol-nfs"
MIB = 1024**2


def virsh(host, *words):
    return host.check_output("virsh -q -c %s %s" % (URI, " ".join(words)))


@pytest.mark.parametrize(("pool", "pool_type"), [("lqmol-nfs", "netfs"), ("lqmol-san", "logical")])
def test_pool_runs_autostarts_and_holds_its_volume(host, pool, pool_type):
    # One round trip: info, definition and volumes.
    out = virsh(host, "'pool-info %s; pool-dumpxml %s; vol-list %s'" % (pool, pool, pool))
    fields = (line.split(":", 1) for line in out.splitlines() if ":" in line)
    info = {key.strip(): value.strip() for key, value in fields}
    assert (info["State"], info["Persistent"], info["Autostart"]) == ("running", "yes", "yes"), out
    assert "<pool type='%s'>" % pool_type in out
    volume = {"lqmol-nfs": "lqmol-disk.qcow2", "lqmol-san": "lqmol-data"}[pool]
    assert any(line.split()[0] == volume for line in out.splitlines() if line.split()), out


def test_nfs_pool_is_mounted_with_nfs_4_2(host):
    source, fstype, options = host.check_output(
        "findmnt -n -o SOURCE,FSTYPE,OPTIONS --mountpoint %s", NFS_MOUNT).split()
    assert (source, fstype) == ("127.0.0.1:/srv/lqmol-nfs", "nfs4")
    assert "vers=4.2" in options.split(","), options
    mount_point = host.file(NFS_MOUNT)
    assert (mount_point.user, mount_point.group, mount_point.mode) == ("root", "root", 0o711)


def test_iscsi_session_with_chap_and_automatic_startup(host):
    sessions = host.check_output("iscsiadm -m session")
    assert any(line.split()[2:4] == ["127.0.0.1:3260,1", SAN_IQN] for line in sessions.splitlines()), sessions
    record = dict(line.split(" = ", 1) for line in host.check_output(
        "iscsiadm -m node -T %s -p 127.0.0.1:3260", SAN_IQN).splitlines() if " = " in line)
    assert record["node.session.auth.authmethod"] == "CHAP"
    assert record["node.session.auth.username"] == "lqmol-node"
    assert record["node.startup"] == "automatic"


def test_volume_group_is_on_the_lun_and_holds_the_volume(host):
    # The LUN's block device (what the by-path link points to) is the volume group's one physical volume.
    out = host.check_output(
        "readlink -f %s && pvs --noheadings -o pv_name -S vg_name=lqmol-san"
        " && lvs --noheadings --units b --nosuffix -o lv_name,lv_size lqmol-san", LUN).split()
    device, pv, lv_name, lv_size = out
    assert pv == device
    assert (lv_name, int(lv_size)) == ("lqmol-data", 64 * MIB)


def test_nfs_volume_is_qcow2_on_the_export(host):
    info = host.check_output("qemu-img info -U %s/lqmol-disk.qcow2", NFS_MOUNT)
    assert "file format: qcow2" in info
    assert "virtual size: 256 MiB" in info

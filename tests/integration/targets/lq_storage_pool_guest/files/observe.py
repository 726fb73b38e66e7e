"""What the guest's own tools say about the objects of one test run, as JSON on stdout.

Usage: python3 observe.py RUN TMP [PATH...]
RUN prefixes every pool, volume group, secret usage and IQN of the run, TMP is the run's directory. Reports:
mounts (findmnt, NFS under TMP), pools (virsh: state, autostart, volumes with their paths), vgs/lvs (of the run's
volume groups, sizes in bytes), pvs (every physical volume: name -> volume group), sessions and nodes (iscsiadm:
the run's target IQNs), for each PATH whether it exists, and for each that is a *.qcow2 file what qemu-img info
says.
"""
import json
import os
import subprocess
import sys

run, tmp, paths = sys.argv[1], sys.argv[2], sys.argv[3:]


def out(*argv):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True,
                          check=False).stdout


def lvm(command, *fields):
    text = out(command, "--reportformat", "json", "--units", "b", "--nosuffix", "-o", ",".join(fields))
    return json.loads(text)["report"][0][command[:2]] if text.strip() else []


mounts = json.loads(out("findmnt", "-J", "-t", "nfs,nfs4", "-o", "TARGET,SOURCE,FSTYPE,OPTIONS") or '{"filesystems": []}')
pools = {}
for line in out("virsh", "-q", "pool-list", "--all").splitlines():
    fields = line.split()
    if len(fields) == 3 and fields[0].startswith(run + "-"):
        volumes = {}
        if fields[1] == "active":
            for volume in out("virsh", "-q", "vol-list", fields[0]).splitlines():
                if volume.split():
                    volumes[volume.split()[0]] = volume.split()[-1]
        pools[fields[0]] = {"state": fields[1], "autostart": fields[2], "volumes": volumes}
print(json.dumps({
    "mounts": [mount for mount in mounts["filesystems"] if mount["target"].startswith(tmp + "/")],
    "pools": pools,
    "vgs": {vg["vg_name"]: vg for vg in lvm("vgs", "vg_name,pv_count,lv_count,vg_size,vg_extent_size")
            if vg["vg_name"].startswith(run)},
    "lvs": {"%s/%s" % (lv["vg_name"], lv["lv_name"]): dict(lv, lv_size=int(lv["lv_size"]))
            for lv in lvm("lvs", "vg_name,lv_name,lv_size,lv_attr") if lv["vg_name"].startswith(run)},
    "pvs": {pv["pv_name"]: pv["vg_name"] for pv in lvm("pvs", "pv_name,vg_name")},
    "sessions": sorted(line.split()[3] for line in out("iscsiadm", "-m", "session").splitlines()
                       if len(line.split()) > 3 and (":" + run) in line.split()[3]),
    "nodes": sorted(line.split()[1] for line in out("iscsiadm", "-m", "node").splitlines()
                    if len(line.split()) > 1 and (":" + run) in line.split()[1]),
    "exists": {path: os.path.exists(path) for path in paths},
    "images": {path: json.loads(out("qemu-img", "info", "-U", "--output=json", path) or "null")
               for path in paths if path.endswith(".qcow2") and os.path.isfile(path)},
}))

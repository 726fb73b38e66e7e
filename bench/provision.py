# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The libvirt side of bench/provision: the node description every contender converges, the floor, and checks.

Run with the node's Python (/usr/bin/python3, which has the libvirt bindings).

  describe PREFIX ROOT POOLS PER_POOL  prints the description as JSON extra vars: bench_pools (dir pools PREFIX-NNN
                                       with their directory under ROOT) and bench_volumes (PER_POOL qcow2 volumes in
                                       each); every contender's playbook reads these
  converge DESCRIPTION                 the floor: one process converging DESCRIPTION (a file describe wrote) straight
                                       through libvirt-python, as little as the work takes; prints "changed N"
  check DESCRIPTION                    exits 1, naming each, when a pool of DESCRIPTION is not running and
                                       autostarted or a volume is missing, smaller or not qcow2
  remove PREFIX ROOT                   deletes every pool named PREFIX-* with its volumes and directory, then ROOT
                                       if that left it empty; what a contender leaves behind, whatever counts it ran
"""

import json
import os
import sys
import xml.etree.ElementTree as ET

import libvirt

URI = "qemu:///system"
VOLUME_CAPACITY = 1024 ** 3


def describe(prefix, root, pool_count, per_pool):
    pools = [{"name": "%s-%03d" % (prefix, index), "type": "dir", "target": "%s/%03d" % (root, index)}
             for index in range(pool_count)]
    volumes = [{"name": "vol-%d.qcow2" % index, "pool": pool["name"], "capacity": VOLUME_CAPACITY, "format": "qcow2"}
               for pool in pools for index in range(per_pool)]
    return {"bench_pools": pools, "bench_volumes": volumes}


def pool_xml(pool):
    return "<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>" % (pool["name"], pool["target"])


def volume_xml(volume):
    return ("<volume><name>%s</name><capacity unit='bytes'>%d</capacity><target><format type='%s'/></target>"
            "</volume>" % (volume["name"], volume["capacity"], volume["format"]))


def lookup(find, name, missing_code):
    """The object ``find(name)`` returns, or None when libvirt says it does not exist."""
    try:
        return find(name)
    except libvirt.libvirtError as error:
        if error.get_error_code() == missing_code:
            return None
        raise


def converge(conn, description):
    changed = 0
    handles = {}
    for pool in description["bench_pools"]:
        handle = lookup(conn.storagePoolLookupByName, pool["name"], libvirt.VIR_ERR_NO_STORAGE_POOL)
        if handle is None:
            handle = conn.storagePoolDefineXML(pool_xml(pool), 0)
            handle.build(0)
            changed += 1
        if not handle.isActive():
            handle.create(0)
            changed += 1
        if not handle.autostart():
            handle.setAutostart(1)
            changed += 1
        handles[pool["name"]] = handle
    for volume in description["bench_volumes"]:
        pool = handles[volume["pool"]]
        handle = lookup(pool.storageVolLookupByName, volume["name"], libvirt.VIR_ERR_NO_STORAGE_VOL)
        if handle is None:
            pool.createXML(volume_xml(volume), 0)
            changed += 1
        elif handle.info()[1] < volume["capacity"]:
            handle.resize(volume["capacity"], 0)
            changed += 1
    return changed


def check(conn, description):
    problems = []
    for pool in description["bench_pools"]:
        handle = lookup(conn.storagePoolLookupByName, pool["name"], libvirt.VIR_ERR_NO_STORAGE_POOL)
        if handle is None or not handle.isActive() or not handle.autostart():
            problems.append("pool %s is not defined, running and autostarted" % pool["name"])
    for volume in description["bench_volumes"]:
        where = "%s/%s" % (volume["pool"], volume["name"])
        pool = lookup(conn.storagePoolLookupByName, volume["pool"], libvirt.VIR_ERR_NO_STORAGE_POOL)
        running = pool is not None and pool.isActive()
        handle = running and lookup(pool.storageVolLookupByName, volume["name"], libvirt.VIR_ERR_NO_STORAGE_VOL)
        if not handle:
            problems.append("volume %s is missing" % where)
            continue
        found_format = ET.fromstring(handle.XMLDesc(0)).find("target/format").get("type")
        if handle.info()[1] < volume["capacity"] or found_format != volume["format"]:
            problems.append("volume %s is %s of %d bytes, not %s of %d" % (
                where, found_format, handle.info()[1], volume["format"], volume["capacity"]))
    return problems


def remove(conn, prefix, root):
    for pool in conn.listAllStoragePools(0):
        if not pool.name().startswith(prefix + "-"):
            continue
        if not pool.isActive():
            pool.create(0)
        for volume in pool.listAllVolumes(0):
            volume.delete(0)
        pool.destroy()
        # Deletes the pool's now empty directory.
        pool.delete(0)
        pool.undefine()
    if os.path.isdir(root) and not os.listdir(root):
        os.rmdir(root)


def main(argv):
    command, args = argv[1], argv[2:]
    if command == "describe":
        prefix, root, pool_count, per_pool = args
        print(json.dumps(describe(prefix, root, int(pool_count), int(per_pool))))
        return 0
    # libvirt prints every error to stderr by default, the expected "not found" of each lookup too.
    libvirt.registerErrorHandler(lambda _context, _error: None, None)
    conn = libvirt.open(URI)
    if command == "remove":
        remove(conn, *args)
        return 0
    with open(args[0], encoding="utf-8") as handle:
        description = json.load(handle)
    if command == "converge":
        print("changed %d" % converge(conn, description))
        return 0
    problems = check(conn, description)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

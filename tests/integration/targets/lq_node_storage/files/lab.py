"""What virsh and the filesystem say about pools and volumes (for the lq_node_storage target).

probe SPEC  SPEC is JSON {"uri": ..., "pools": [name, ...], "volumes": ["pool/name", ...], "files": [path, ...],
            "dirs": [path, ...], "prefix": {"pool/name" or path: bytes}}. Prints JSON {"pools": {name: {...}},
            "volumes": {"pool/name": {...}}, "files": {path: {...}}, "dirs": {path: {...}}}:
            - a pool: what virsh pool-info says (exists, state, autostart, persistent), pool-dumpxml (live) and
              pool-dumpxml --inactive (inactive) XML, the target path and mode of the inactive XML, the target
              directory (dir: exists, mode, and the names of the files in it), and the names virsh vol-list
              gives (after pool-refresh; [] for a pool that does not run);
            - a volume: what virsh vol-info --bytes says (libvirt: the volume exists, vol_type, vol_capacity,
              vol_allocation) and vol-dumpxml (xml, xml_path, xml_format, xml_backing, xml_backing_format),
              and the file where libvirt has it (or would put it in the pool's target directory): file, mode,
              size, sha256 (sha256_prefix: of its first prefix bytes), and qemu-img info (format,
              virtual_size, backing);
            - a file: the same file fields; a directory: exists, mode, files (the names in it).
            Every virsh command runs in one virsh process.
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "setup_lab_probe", "files"))
from lab_probe import read_file, virsh_sections  # noqa: E402  pylint: disable=wrong-import-position


def read_dir(path):
    """Whether a directory exists, its mode and the names in it."""
    entry = {"path": path, "exists": bool(path) and os.path.isdir(path)}
    if entry["exists"]:
        entry.update(mode="%04o" % (os.stat(path).st_mode & 0o7777), files=sorted(os.listdir(path)))
    return entry


def field(text, name):
    match = re.search(r"^%s:\s+(\S+)" % name, text, re.M)
    return match.group(1) if match else None


def first(pattern, text):
    match = re.search(pattern, text, re.S)
    return match.group(1) if match else None


def parse_pool(name, out):
    info, _sep, rest = out.partition("<pool")
    xmls = [xml.strip() + "</pool>" for xml in ("<pool" + rest).split("</pool>")
            if rest and xml.strip().startswith("<pool")]
    live = xmls[0] if len(xmls) > 0 else ""
    inactive = xmls[1] if len(xmls) > 1 else ""
    target = first(r"<target>.*?<path>([^<]+)</path>", inactive)
    volumes_out = out.split("@@vols@@")[1] if "@@vols@@" in out else ""
    return {
        "name": name,
        "exists": field(info, "Name") == name,
        "state": field(info, "State"),
        "autostart": field(info, "Autostart"),
        "persistent": field(info, "Persistent"),
        "live": live,
        "inactive": inactive,
        "target": target,
        "xml_mode": first(r"<permissions>.*?<mode>([0-7]+)</mode>", inactive),
        "volumes": sorted(line.split()[0] for line in volumes_out.splitlines() if line.split()),
        "dir": read_dir(target),
    }


def parse_volume(out):
    info, _sep, xml = out.partition("<volume")
    xml = "<volume" + xml if xml else ""
    entry = {"libvirt": bool(xml), "xml": xml}
    for name in ("Type", "Capacity", "Allocation"):
        value = field(info, name)
        entry["vol_" + name.lower()] = int(value) if value and value.isdigit() else value
    own, _sep, backing = xml.partition("<backingStore>")
    entry.update(xml_path=first(r"<target>\s*<path>([^<]+)</path>", own),
                 xml_format=first(r"<target>.*?<format type='([^']+)'/>", own),
                 xml_backing=first(r"<path>([^<]+)</path>", backing),
                 xml_backing_format=first(r"<format type='([^']+)'/>", backing))
    return entry


def probe(spec):
    pool_names = spec.get("pools", [])
    labels = [label.split("/", 1) for label in spec.get("volumes", [])]
    sections = [["pool-info %s" % pool, "pool-dumpxml %s" % pool, "pool-dumpxml --inactive %s" % pool,
                 "pool-refresh %s" % pool, "echo @@vols@@", "vol-list %s" % pool] for pool in pool_names]
    # The volumes' pools, for the directory of a volume libvirt does not (or no longer) know.
    extra = sorted({pool for pool, _name in labels} - set(pool_names))
    sections += [["pool-dumpxml --inactive %s" % pool] for pool in extra]
    sections += [["vol-info --bytes --pool %s %s" % (pool, name), "vol-dumpxml --pool %s %s" % (pool, name)]
                 for pool, name in labels]
    outputs = virsh_sections(spec["uri"], sections)
    pools = {name: parse_pool(name, outputs.get(index, "")) for index, name in enumerate(pool_names)}
    targets = {name: pool["target"] for name, pool in pools.items()}
    for index, pool in enumerate(extra):
        targets[pool] = first(r"<target>.*?<path>([^<]+)</path>", outputs.get(len(pool_names) + index, ""))
    prefix = spec.get("prefix", {})
    volumes = {}
    for index, (pool, name) in enumerate(labels):
        label = "%s/%s" % (pool, name)
        entry = parse_volume(outputs.get(len(pool_names) + len(extra) + index, ""))
        path = entry["xml_path"] or (os.path.join(targets[pool], name) if targets.get(pool) else None)
        entry.update(read_file(path, prefix.get(label)))
        volumes[label] = entry
    files = {path: read_file(path, prefix.get(path)) for path in spec.get("files", [])}
    dirs = {path: read_dir(path) for path in spec.get("dirs", [])}
    return {"pools": pools, "volumes": volumes, "files": files, "dirs": dirs}


if __name__ == "__main__":
    ACTION, ARGUMENT = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps({"probe": probe}[ACTION](ARGUMENT)))

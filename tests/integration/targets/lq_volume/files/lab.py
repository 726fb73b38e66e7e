"""What the node says about volumes, and removing this run's volumes and domains (for the lq_volume target).

probe SPEC  SPEC is JSON {"uri": ..., "dirs": {pool: directory}, "volumes": ["pool/name", ...],
            "files": [path, ...], "lists": [pool, ...], "prefix": {"pool/name" or path: bytes}}. Prints JSON
            {"volumes": {"pool/name": {...}}, "files": {path: {...}}, "lists": {pool: {"files": [...],
            "volumes": [...]}}}: what stat, sha256 (sha256_prefix: of the first bytes prefix asks for),
            qemu-img and virsh say. Lists leave out lost+found, the directory of the fs pool's filesystem.
            A volume's "state" sums up what a change to it would change (existence, mode, owner, size,
            content, format, backing file).
clean SPEC  SPEC is JSON {"uri": ..., "pools": [...], "domains": [...]}: deletes every volume of the pools
            and undefines the domains (only this run's: the target passes its own names).
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "setup_lab_probe", "files"))
from lab_probe import read_file, virsh, virsh_sections  # noqa: E402  pylint: disable=wrong-import-position


def parse_volume(entry, out):
    """Adds to ``entry`` what virsh vol-info and vol-dumpxml printed (``out``)."""
    info, _sep, xml = out.partition("<volume")
    entry["libvirt"] = bool(xml)
    entry["xml"] = "<volume" + xml if xml else ""
    for field in ("Type", "Capacity", "Allocation"):
        match = re.search(r"^%s:\s+(\S+)" % field, info, re.M)
        value = match.group(1) if match else None
        entry["vol_" + field.lower()] = int(value) if value and value.isdigit() else value
    match = re.search(r"<format type='([^']+)'/>", xml.split("<backingStore>")[0])
    entry["xml_format"] = match.group(1) if match else None
    entry["state"] = ";".join("%s=%s" % (key, entry.get(key)) for key in (
        "file", "libvirt", "mode", "uid", "gid", "size", "sha256", "format", "virtual_size", "backing"))
    return entry


def volume_names(out):
    """The names virsh vol-list printed, but lost+found, the directory of the fs pool's filesystem."""
    return sorted(line.split()[0] for line in out.splitlines() if line.split() and line.split()[0] != "lost+found")


def list_commands(pool):
    return ["pool-refresh %s" % pool, "vol-list %s" % pool]


def probe(spec):
    labels = [label.split("/", 1) for label in spec["volumes"]]
    sections = [["vol-info --bytes --pool %s %s" % (pool, name), "vol-dumpxml --pool %s %s" % (pool, name)]
                for pool, name in labels] + [list_commands(pool) for pool in spec["lists"]]
    outputs = virsh_sections(spec["uri"], sections)
    prefix = spec.get("prefix", {})
    volumes = {"%s/%s" % (pool, name): parse_volume(read_file(os.path.join(spec["dirs"][pool], name),
                                                              prefix.get("%s/%s" % (pool, name))),
                                                    outputs.get(index, ""))
               for index, (pool, name) in enumerate(labels)}
    lists = {pool: {"files": sorted(set(os.listdir(spec["dirs"][pool])) - {"lost+found"}),
                    "volumes": volume_names(outputs.get(len(labels) + index, ""))}
             for index, pool in enumerate(spec["lists"])}
    return {"volumes": volumes, "files": {path: read_file(path, prefix.get(path)) for path in spec["files"]},
            "lists": lists}


def clean(spec):
    outputs = virsh_sections(spec["uri"], [list_commands(pool) for pool in spec["pools"]])
    commands = ["vol-delete --pool %s %s" % (pool, name) for index, pool in enumerate(spec["pools"])
                for name in volume_names(outputs.get(index, ""))]
    commands += ["undefine %s" % domain for domain in spec["domains"]]
    if commands:
        virsh(spec["uri"], "; ".join(commands))
    return {"removed": commands}


if __name__ == "__main__":
    ACTION, ARGUMENT = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps({"probe": probe, "clean": clean}[ACTION](ARGUMENT)))

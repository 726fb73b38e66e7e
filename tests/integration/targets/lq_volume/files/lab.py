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

import hashlib
import json
import os
import re
import subprocess
import sys


def virsh(uri, commands):
    result = subprocess.run(["virsh", "-q", "-c", uri, commands], capture_output=True, text=True, check=False)
    return result.stdout


def read_file(path, prefix=None):
    """stat, qemu-img info and sha256 of a file (and, given ``prefix``, of its first ``prefix`` bytes)."""
    entry = {"path": path, "file": os.path.isfile(path)}
    if not entry["file"]:
        return entry
    status = os.stat(path)
    entry.update(mode="%04o" % (status.st_mode & 0o7777), uid=status.st_uid, gid=status.st_gid,
                 size=status.st_size, allocated=status.st_blocks * 512)
    info = subprocess.run(["qemu-img", "info", "-U", "--output=json", path], capture_output=True, text=True,
                          check=False)
    qemu = json.loads(info.stdout) if info.returncode == 0 else {}
    entry.update(format=qemu.get("format"), virtual_size=qemu.get("virtual-size"),
                 backing=qemu.get("backing-filename"), backing_format=qemu.get("backing-filename-format"))
    entry["sha256"] = sha256(path)
    if prefix:
        entry["sha256_prefix"] = sha256(path, prefix)
    return entry


def sha256(path, limit=None):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while limit is None or limit > 0:
            chunk = stream.read(1 << 20 if limit is None else min(1 << 20, limit))
            if not chunk:
                break
            digest.update(chunk)
            limit = None if limit is None else limit - len(chunk)
    return digest.hexdigest()


def virsh_sections(uri, sections):
    """Runs each list of virsh commands of ``sections`` in one virsh process; the output of each."""
    commands = "; ".join("echo @@%d@@; %s" % (index, "; ".join(section)) for index, section in enumerate(sections))
    parts = re.split(r"@@(\d+)@@", virsh(uri, commands)) if sections else [""]
    return dict(zip((int(index) for index in parts[1::2]), parts[2::2]))


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

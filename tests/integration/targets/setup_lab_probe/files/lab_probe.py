"""What the integration targets' lab helpers (their files/lab.py) share: running virsh, and reading files.

Not a target itself (tests/integration/run skips setup_* targets): each lab.py imports this from here.
"""

import hashlib
import json
import os
import re
import subprocess


def virsh(uri, commands):
    result = subprocess.run(["virsh", "-q", "-c", uri, commands], capture_output=True, text=True, check=False)
    return result.stdout


def virsh_sections(uri, sections):
    """Runs each list of virsh commands of ``sections`` in one virsh process; the output of each.

    virsh goes on after a command fails (a pool or volume that does not exist prints nothing to stdout)."""
    if not sections:
        return {}
    commands = "; ".join("echo @@%d@@; %s" % (index, "; ".join(section)) for index, section in enumerate(sections))
    parts = re.split(r"@@(\d+)@@", virsh(uri, commands))
    return {int(index): text for index, text in zip(parts[1::2], parts[2::2])}


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


def read_file(path, prefix=None):
    """stat, qemu-img info and sha256 of a file (and, given ``prefix``, of its first ``prefix`` bytes)."""
    entry = {"path": path, "file": bool(path) and os.path.isfile(path)}
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

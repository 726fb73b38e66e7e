# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only facts about the node that libvirt does not report: paths, on-disk signatures, LVM."""

from __future__ import annotations

import grp
import hashlib
import json
import os
import pwd
import re
import stat
import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError

RunCommand = t.Callable[..., t.Tuple[int, str, str]]


def parse_export(output: str) -> t.Dict[str, str]:
    """KEY=value lines, as ``blkid -o export`` and ``udevadm info --query=property`` print them."""
    values = {}
    for line in output.splitlines():
        key, separator, value = line.partition("=")
        if separator:
            values[key.strip()] = value.strip()
    return values


def describe_signature(signatures: t.Mapping[str, str]) -> str:
    """What a device holds, for messages: 'existing data (ext4 signature)'."""
    if "TYPE" in signatures:
        found = "%s signature" % signatures["TYPE"]
    elif "PTTYPE" in signatures:
        found = "%s partition table" % signatures["PTTYPE"]
    else:
        found = ", ".join("%s=%s" % item for item in sorted(signatures.items()))
    return "existing data (%s)" % found


def mode_text(mode: t.Union[int, str]) -> str:
    """YAML reads an unquoted 0755 as the integer 493; both spellings mean the same mode."""
    if isinstance(mode, bool):
        return str(mode)  # not a mode: validation rejects it by name
    return "%04o" % mode if isinstance(mode, int) else str(mode)


def numeric_id(value: t.Union[int, str], option: str) -> int:
    text = str(value)
    if text.isdigit():
        return int(text)
    try:
        return (pwd.getpwnam(text).pw_uid if option == "owner" else grp.getgrnam(text).gr_gid)
    except KeyError:
        raise LqError("%s: no %s named %r on the node; give an existing name or a numeric id"
                      % (option, "user" if option == "owner" else "group", text))


class Node:
    """The managed node, seen through commands the module runs there (``AnsibleModule.run_command``)."""

    def __init__(self, run_command: RunCommand, get_bin_path: t.Callable[..., t.Optional[str]]) -> None:
        self._run_command = run_command
        self._get_bin_path = get_bin_path

    @staticmethod
    def exists(path: str) -> bool:
        return os.path.exists(path)

    @staticmethod
    def device_name(path: str) -> str:
        """The name LVM lists the block device at ``path`` by: a link (/dev/disk/by-path/..., /dev/disk/by-id/...)
        resolved to the kernel's name, a device-mapper device as /dev/mapper/<name>; ``path`` when it does not exist."""
        if not os.path.exists(path):
            return path
        real = os.path.realpath(path)
        if re.fullmatch(r"/dev/dm-\d+", real):
            try:
                with open("/sys/block/%s/dm/name" % os.path.basename(real)) as name_file:
                    return "/dev/mapper/%s" % name_file.read().strip()
            except OSError:
                pass
        return real

    def run(self, argv: t.List[str]) -> t.Tuple[int, str, str]:
        """Run a command on the node, always as an argv list (never through a shell)."""
        return self._run_command(argv)

    @staticmethod
    def permission_drift(path: str, mode: t.Optional[str], owner: t.Optional[int],
                         group: t.Optional[int]) -> t.Optional[str]:
        """How ``path``'s mode/owner/group differ from the wanted ones (None = any), in words; None if not."""
        try:
            status = os.stat(path)
        except FileNotFoundError:
            return None
        differences = []
        if mode is not None and stat.S_IMODE(status.st_mode) != int(mode, 8):
            differences.append("mode %04o -> %s" % (stat.S_IMODE(status.st_mode), mode))
        if owner is not None and status.st_uid != owner:
            differences.append("owner %d -> %d" % (status.st_uid, owner))
        if group is not None and status.st_gid != group:
            differences.append("group %d -> %d" % (status.st_gid, group))
        return ", ".join(differences) or None

    @staticmethod
    def set_permissions(path: str, mode: t.Optional[str], owner: t.Optional[int], group: t.Optional[int]) -> None:
        if owner is not None or group is not None:
            os.chown(path, -1 if owner is None else owner, -1 if group is None else group)
        if mode is not None:
            os.chmod(path, int(mode, 8))

    def binary(self, name: str, package: str) -> str:
        """The path of a command on the node, or an error naming the package that has it."""
        path = self._get_bin_path(name, opt_dirs=["/sbin", "/usr/sbin"])
        if not path:
            raise LqError("the node has no %s command: install the %s package" % (name, package))
        return path

    def signatures(self, device: str) -> t.Dict[str, str]:
        """Filesystem, RAID, LVM or partition-table signatures on ``device`` ({} when blank)."""
        if not self.exists(device):
            raise LqError("device %s does not exist on the node" % device)
        rc, out, err = self._run_command([self.binary("blkid", "util-linux"), "-p", "-o", "export", "--", device])
        if rc == 2 and not out.strip():
            return {}
        if rc != 0:
            raise LqError("cannot probe %s for existing data (blkid exit %d): %s" % (device, rc, err.strip()))
        return parse_export(out)

    def volume_group_exists(self, name: str) -> bool:
        rc, _out, _err = self._run_command([self.binary("vgs", "lvm2"), "--noheadings", "-o", "vg_name", "--", name])
        return rc == 0

    def image_info(self, path: str) -> t.Tuple[str, int]:
        """(format, virtual size) of a disk image, as qemu-img detects them."""
        rc, out, err = self._run_command([self.binary("qemu-img", "qemu-utils"), "info", "--output=json", "--", path])
        if rc != 0:
            raise LqError("cannot read the image %s with qemu-img: %s" % (path, err.strip()))
        info = json.loads(out)
        return info["format"], int(info["virtual-size"])

    def same_guest_content(self, image: str, volume: str, image_format: str) -> bool:
        """Whether two images show a guest the same disk (qemu-img compare: a larger one may end in zeros)."""
        rc, _out, err = self.run([self.binary("qemu-img", "qemu-utils"), "compare", "-U", "-f", image_format,
                                  "-F", image_format, "--", image, volume])
        if rc not in (0, 1):
            raise LqError("cannot compare %s with %s (qemu-img compare exit %d): %s" % (image, volume, rc, err.strip()))
        return rc == 0

    @staticmethod
    def sha256(path: str, limit: t.Optional[int] = None) -> str:
        """SHA-256 of a file's first ``limit`` bytes (all of it when None), read in chunks."""
        digest = hashlib.sha256()
        remaining = limit
        with open(path, "rb") as stream:
            while remaining is None or remaining > 0:
                chunk = stream.read(1024 * 1024 if remaining is None else min(1024 * 1024, remaining))
                if not chunk:
                    break
                digest.update(chunk)
                if remaining is not None:
                    remaining -= len(chunk)
        return digest.hexdigest()

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The interface every pool type implements, and the option <-> definition mapping they share.

A backend knows, for its pool type: which module options apply and which are required, the defaults
libvirt would otherwise fill in (so a rerun compares equal), and how to build the pool without
destroying data. Everything here is pure except :meth:`PoolBackend.build_step`, which only reads the
node through :class:`~._node.Node`.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._net import probe_tcp
from ansible_collections.limiquantix.storage.plugins.module_utils._node import Node, describe_signature, mode_text, numeric_id
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import Auth, Host, PoolDefinition

# virStoragePoolBuildFlags, kept here so this module imports without the libvirt bindings.
BUILD_NEW = 0
BUILD_NO_OVERWRITE = 4
BUILD_OVERWRITE = 8

# Options that describe the pool definition; the lifecycle options (state, started, ...) are not here.
DEFINITION_OPTIONS = (
    "target", "mode", "owner", "group", "device", "devices", "filesystem", "host", "port", "export",
    "nfs_version", "mount_options", "volume_group", "iqn", "initiator_iqn", "auth", "monitors", "rbd_pool",
    "rbd_options",
)

_IQN_PATTERN = re.compile(r"^(iqn\.\d{4}-\d{2}\.[^\s:]+(:\S+)?|eui\.[0-9A-Fa-f]{16}|naa\.[0-9A-Fa-f]{16,32})$")
_MOUNT_OPTION_PATTERN = re.compile(r"^[^\s,]+$")
_RBD_OPTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclasses.dataclass(frozen=True)
class BuildStep:
    """How to build a pool before it starts: libvirt build flags and what that does, in words."""

    flags: int
    description: str


def iqn_problem(option: str, value: t.Optional[str]) -> t.Optional[str]:
    """Why ``value`` is not an iSCSI name (iqn., eui. or naa. form), or None."""
    if value is not None and _IQN_PATTERN.match(value):
        return None
    return "%s must be an iSCSI name such as iqn.2026-01.com.example:storage, got %r" % (option, value)


def parse_monitor(monitor: str) -> Host:
    """``host``, ``host:port``, ``[ipv6]``, ``[ipv6]:port`` or a bare IPv6 address."""
    text = monitor.strip()
    match = (re.fullmatch(r"\[(?P<host>[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)\](?::(?P<port>\d+))?", text)
             or re.fullmatch(r"(?P<host>[^\s:\[\]]+)(?::(?P<port>\d+))?", text)
             or re.fullmatch(r"(?P<host>[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*)", text))
    port = match.groupdict().get("port") if match else None
    if not match or (port is not None and not 0 < int(port) < 65536):
        raise LqError("monitors: %r is not host, host:port, [ipv6] or [ipv6]:port with a port from 1 to 65535"
                      % monitor)
    return Host(match.group("host"), int(port) if port is not None else None)


def format_monitor(host: Host) -> str:
    name = "[%s]" % host.name if ":" in host.name else host.name
    return name if host.port is None else "%s:%d" % (name, host.port)


class PoolBackend:
    pool_type: t.ClassVar[str]
    required_options: t.ClassVar[t.Tuple[str, ...]] = ()
    optional_options: t.ClassVar[t.Tuple[str, ...]] = ()
    # The <auth type=...> this pool type uses, when it takes the auth option.
    auth_type: t.ClassVar[t.Optional[str]] = None
    # Whether the pool's permissions are those of its target directory (for fs and netfs: the root of the
    # mounted filesystem), which libvirt reads back on every refresh: they are then set on the directory
    # while the pool runs, with no restart.
    permissions_apply_live: t.ClassVar[bool] = True
    # Whether every path under the target belongs to this pool (not so for /dev/disk/by-path).
    owns_target_path: t.ClassVar[bool] = True
    # Whether volumes are created and deleted through the pool (iSCSI LUNs belong to the target), and what
    # delete_data can remove: the volumes, then the pool's own storage (directory, mount point, volume group).
    manages_volumes: t.ClassVar[bool] = True
    storage_deletable: t.ClassVar[bool] = True
    # Volume formats the pool type can hold, and the unit its volume sizes are rounded up to.
    volume_formats: t.ClassVar[t.Tuple[str, ...]] = ("raw",)
    size_granularity: t.ClassVar[int] = 1
    # Whether a volume may be created sparse (allocation below capacity), allocating on write.
    sparse_volumes: t.ClassVar[bool] = True
    # Whether the storage itself clones copy-on-write (RBD clones), rather than through a qcow2 backing file.
    # Such a volume's clones must go before it.
    native_clones: t.ClassVar[bool] = False
    # virStorageVolDeleteFlags for deleting a volume with what belongs to it.
    volume_delete_flags: t.ClassVar[int] = 0
    # The server the pool's hosts run, and its TCP port when the host has none, for require_reachable to probe
    # (None: nothing to probe).
    server: t.ClassVar[str] = ""
    server_port: t.ClassVar[t.Optional[int]] = None

    @property
    def options(self) -> t.Tuple[str, ...]:
        return self.required_options + self.optional_options

    # -- validation ---------------------------------------------------------------------------------

    def validate(self, options: t.Mapping[str, t.Any]) -> t.List[str]:
        """Problems with the definition options (given = not None), each naming the option and the fix."""
        problems = []
        for option in self.required_options:
            if options.get(option) in (None, "", []):
                problems.append("%s is required for pool type %s" % (option, self.pool_type))
        for option in DEFINITION_OPTIONS:
            if options.get(option) is not None and option not in self.options:
                problems.append("%s is not valid for pool type %s (valid here: %s); remove it or change type"
                                % (option, self.pool_type, ", ".join(sorted(self.options))))
        problems.extend(self._value_problems(options))
        return problems

    def _value_problems(self, options: t.Mapping[str, t.Any]) -> t.List[str]:
        problems = []
        for option in ("target", "device", "export"):
            value = options.get(option)
            if value is not None and not str(value).startswith("/"):
                problems.append("%s must be an absolute path, got %r" % (option, value))
        for device in options.get("devices") or []:
            if not str(device).startswith("/"):
                problems.append("devices must be absolute paths, got %r" % device)
        mode = options.get("mode")
        if mode is not None and not re.fullmatch(r"0?[0-7]{3}", mode_text(mode)):
            problems.append("mode must be an octal mode from 0000 to 0777 such as '0755' (libvirt takes no "
                            "setuid, setgid or sticky bits), got %r" % mode)
        port = options.get("port")
        if port is not None and not 0 < port < 65536:
            problems.append("port must be between 1 and 65535, got %r" % port)
        for option in ("iqn", "initiator_iqn"):
            problem = iqn_problem(option, options[option]) if options.get(option) is not None else None
            if problem:
                problems.append(problem)
        for mount_option in options.get("mount_options") or []:
            if not _MOUNT_OPTION_PATTERN.match(mount_option):
                problems.append("mount_options takes one option per list item without spaces or commas, got %r"
                                % mount_option)
        for name in options.get("rbd_options") or {}:
            if not _RBD_OPTION_PATTERN.match(name):
                problems.append("rbd_options: %r is not a librados option name (lowercase, underscores)" % name)
        for monitor in options.get("monitors") or []:
            try:
                parse_monitor(monitor)
            except LqError as error:
                problems.append(error.message)
        return problems

    # -- options <-> definition ---------------------------------------------------------------------

    def definition_fields(self, options: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
        """The definition fields that the given options (not None) set."""
        given = {key: value for key, value in options.items() if value is not None}
        fields: t.Dict[str, t.Any] = {}
        simple = {"target": "target_path", "export": "source_dir", "filesystem": "source_format",
                  "nfs_version": "protocol_version", "volume_group": "source_name", "rbd_pool": "source_name",
                  "initiator_iqn": "initiator_iqn"}
        for option, field in simple.items():
            if option in given:
                fields[field] = given[option]
        if "mode" in given:
            fields["target_mode"] = mode_text(given["mode"])
        for option, field in (("owner", "target_owner"), ("group", "target_group")):
            if option in given:
                fields[field] = numeric_id(given[option], option)
        for option in ("device", "iqn"):
            if option in given:
                fields["devices"] = (given[option],)
        if "devices" in given:
            fields["devices"] = tuple(given["devices"])
        if "host" in given:
            fields["hosts"] = (Host(given["host"], given.get("port")),)
        if "monitors" in given:
            fields["hosts"] = tuple(parse_monitor(monitor) for monitor in given["monitors"])
        if "mount_options" in given:
            fields["mount_options"] = tuple(given["mount_options"])
        if "rbd_options" in given:
            fields["rbd_options"] = tuple(sorted((str(k), str(v)) for k, v in given["rbd_options"].items()))
        if "auth" in given:
            auth = given["auth"]
            fields["auth"] = Auth(type=self.auth_type or "", username=auth["username"],
                                  secret_uuid=auth.get("secret_uuid"),
                                  secret_usage=None if auth.get("secret_uuid") else auth.get("secret_usage"))
        return fields

    def default_fields(self, name: str, options: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
        """Fields a new definition gets when the task leaves them out (libvirt's defaults, made explicit)."""
        return {}

    def options_from_definition(self, definition: PoolDefinition) -> t.Dict[str, t.Any]:
        """The module options that describe ``definition`` (for results and info)."""
        values: t.Dict[str, t.Any] = {
            "target": definition.target_path,
            "mode": definition.target_mode,
            "owner": definition.target_owner,
            "group": definition.target_group,
            "filesystem": definition.source_format,
            "export": definition.source_dir,
            "nfs_version": definition.protocol_version,
            "mount_options": list(definition.mount_options),
            "initiator_iqn": definition.initiator_iqn,
            "volume_group": definition.source_name,
            "rbd_pool": definition.source_name,
            "rbd_options": dict(definition.rbd_options),
            "devices": list(definition.devices),
            "device": definition.devices[0] if definition.devices else None,
            "iqn": definition.devices[0] if definition.devices else None,
            "monitors": [format_monitor(host) for host in definition.hosts],
            "host": definition.hosts[0].name if definition.hosts else None,
            "port": definition.hosts[0].port if definition.hosts else None,
            "auth": ({k: v for k, v in dataclasses.asdict(definition.auth).items() if v is not None and k != "type"}
                     if definition.auth else None),
        }
        return {option: values[option] for option in self.options if values[option] not in (None, [], {})}

    def on_node(self, definition: PoolDefinition, node: Node) -> PoolDefinition:
        """``definition`` as libvirt needs it on this node (the pool types that care resolve device names)."""
        return definition

    # -- reaching the storage ----------------------------------------------------------------------

    def require_reachable(self, definition: PoolDefinition, doing: str) -> None:
        """Fail fast, with a clear message, when the pool's storage cannot answer (before libvirt waits on it).

        Probes each host of the pool at its port (or :attr:`server_port`) over TCP; fine when one answers.
        """
        if self.server_port is None or not definition.hosts:
            return
        problems = []
        for host in definition.hosts:
            port = host.port or self.server_port
            problem = probe_tcp(host.name, port)
            if problem is None:
                return
            problems.append("%s: %s" % (format_monitor(Host(host.name, port)), problem))
        raise LqError("%s: the %s of pool %s does not answer (%s). Check that it runs, the pool's host%s, and that "
                      "this node may reach it" % (doing, self.server, definition.name, "; ".join(problems),
                                                  " and port" if "port" in self.options else ""))

    # -- building -------------------------------------------------------------------------------

    def build_step(self, definition: PoolDefinition, node: Node, overwrite: bool) -> t.Optional[BuildStep]:
        """What building takes before the pool can start; None when nothing needs building."""
        return None

    @staticmethod
    def _missing_directory_step(path: t.Optional[str], node: Node) -> t.Optional[BuildStep]:
        if path and not node.exists(path):
            return BuildStep(BUILD_NEW, "create directory %s" % path)
        return None

    @staticmethod
    def _refuse_to_overwrite(device: str, signatures: t.Mapping[str, str], purpose: str) -> LqError:
        return LqError("refusing to %s: %s holds %s. Set overwrite: true to destroy it, or point "
                       "the pool at a blank device" % (purpose, device, describe_signature(signatures)))

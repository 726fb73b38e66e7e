# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Talking to Ceph directly, for what libvirt's rbd driver cannot do (RBD snapshots, full copies, clone trees).

libvirt keeps the cephx key in a (private) secret that it never hands out, so this side authenticates with a
keyring file on the node, as every Ceph client does. Connections use short timeouts: an unreachable cluster is
a clear error in seconds, not a hang.

A pool's monitors are first probed over TCP: libvirt's rbd driver waits 30 seconds on an unreachable cluster
and then reports a misleading "failed to connect to the RADOS monitor ... Success", which a probe of a few
seconds turns into a message that names the monitors.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import traceback
import typing as t

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_xml import Host, PoolDefinition

# librados' and librbd's bindings, imported by load_bindings() when Ceph is first talked to: most module runs never
# do, and the import costs them ~20 ms.
rados: t.Any = None
rbd: t.Any = None

CEPH_CLIENT_ARGUMENT_SPEC: t.Dict[str, t.Any] = dict(ceph_keyring=dict(type="path"))

# A monitor given without a port is tried at msgr2's port, then at msgr1's, as librados does.
DEFAULT_MONITOR_PORTS = (3300, 6789)
PROBE_TIMEOUT = 3.0  # seconds per monitor
# librados timeouts (seconds): connecting, then each monitor and OSD operation.
CLIENT_TIMEOUTS = {"client_mount_timeout": "5", "rados_mon_op_timeout": "10", "rados_osd_op_timeout": "30"}

_BINDINGS_HINT = ("the Ceph Python bindings: on Debian/Ubuntu install python3-rados and python3-rbd, on EL "
                  "python3-rados and python3-rbd from the Ceph repositories")


def load_bindings() -> None:
    global rados, rbd  # pylint: disable=global-statement
    if rados is not None:
        return
    try:
        import rados as rados_bindings  # pylint: disable=import-outside-toplevel
        import rbd as rbd_bindings  # pylint: disable=import-outside-toplevel
    except ImportError as error:
        raise LqError(missing_required_lib(_BINDINGS_HINT), exception=traceback.format_exc()) from error
    rados, rbd = rados_bindings, rbd_bindings


def _label(host: Host, port: t.Optional[int] = None) -> str:
    port = port or host.port
    name = "[%s]" % host.name if ":" in host.name else host.name
    return "%s:%d" % (name, port) if port else name


def probe_monitor(host: Host, port: int, timeout: float = PROBE_TIMEOUT) -> t.Optional[str]:
    """None when a Ceph monitor answers at ``host``:``port``, else why not.

    A monitor greets every new connection with a banner starting ``ceph v`` (msgr v1 ``ceph v027``, v2
    ``ceph v2``), so a port that something else listens on is told apart from a monitor.
    """
    try:
        with socket.create_connection((host.name, port), timeout=timeout) as connection:
            connection.settimeout(timeout)
            banner = connection.recv(8)
    except socket.timeout:
        return "no answer within %g s" % timeout
    except OSError as error:
        return error.strerror or str(error)
    if not banner.startswith(b"ceph v"):
        return "something answers, but not a Ceph monitor"
    return None


def require_reachable_monitors(pool: PoolDefinition, doing: str) -> None:
    """Fail in seconds, naming every monitor and what went wrong, when none of the pool's monitors answers."""
    problems = []
    for host in pool.hosts:
        for port in (host.port,) if host.port else DEFAULT_MONITOR_PORTS:
            problem = probe_monitor(host, port)
            if problem is None:
                return
            problems.append("%s: %s" % (_label(host, port), problem))
    raise LqError("%s: no Ceph monitor of pool %s answers (%s). Check that the cluster runs and that the pool's "
                  "monitors are right, and that this node may reach them" % (doing, pool.name, "; ".join(problems)))


def _client_user(pool: PoolDefinition) -> str:
    return pool.auth.username if pool.auth else "admin"


def default_keyring(user: str) -> str:
    """Where librados looks first for the keyring of client.<user>."""
    return "/etc/ceph/ceph.client.%s.keyring" % user


class CephClient:
    """A librados connection to the cluster of an rbd pool, as the pool's cephx user."""

    def __init__(self, pool: PoolDefinition, keyring: t.Optional[str]) -> None:
        self.pool = pool
        self.keyring = keyring
        self._cluster: t.Any = None

    def _describe_keyring(self) -> str:
        return self.keyring or "%s (Ceph's default)" % default_keyring(_client_user(self.pool))

    def __enter__(self) -> "CephClient":
        load_bindings()
        require_reachable_monitors(self.pool, "connecting to Ceph")
        user = _client_user(self.pool)
        conf = dict(CLIENT_TIMEOUTS, mon_host=",".join(_label(host) for host in self.pool.hosts))
        if self.pool.auth is None:
            conf["auth_client_required"] = "none"
        elif self.keyring:
            if not os.access(self.keyring, os.R_OK):
                # librados would only say "permission denied", as if the key were wrong.
                raise LqError("ceph_keyring: %s does not exist or cannot be read; it must be a keyring file on the "
                              "node with the key of client.%s (ceph auth get client.%s)" % (self.keyring, user, user))
            conf["keyring"] = self.keyring
        try:
            # The cluster name makes librados search Ceph's default keyrings (/etc/ceph/ceph.client.USER.keyring, ...);
            # without it, it looks for /etc/ceph/.client.USER.keyring.
            self._cluster = rados.Rados(rados_id=user, clustername="ceph", conf=conf)
            self._cluster.connect()
        except rados.PermissionDeniedError:
            self.close()
            if not self.keyring and not os.path.exists(default_keyring(user)):
                raise LqError("Ceph refused client.%s: there is no keyring for it at %s. Put the user's keyring there "
                              "(ceph auth get client.%s), or set ceph_keyring" % (user, default_keyring(user), user))
            raise LqError("Ceph refused client.%s: the key in %s is not that user's key (or the user is gone). Put "
                          "the user's keyring there (ceph auth get client.%s), or set ceph_keyring"
                          % (user, self._describe_keyring(), user))
        except rados.Error as error:
            self.close()
            hint = ""
            # Without a key for the user librados falls back to no authentication, which the cluster refuses
            # (EOPNOTSUPP); a keyring that lacks the user's entry gives EPERM.
            no_key = getattr(error, "errno", None) in (errno.EOPNOTSUPP, errno.EPERM)
            if no_key or isinstance(error, rados.ObjectNotFound) or "keyring" in str(error).lower():
                hint = ": no keyring for client.%s at %s; put it there or set ceph_keyring" % (
                    user, self._describe_keyring())
            raise LqError("connecting to Ceph as client.%s failed: %s%s" % (user, error, hint))
        return self

    def close(self) -> None:
        if self._cluster is not None:
            self._cluster.shutdown()
            self._cluster = None

    def __exit__(self, *_exc_info: t.Any) -> None:
        self.close()

    @contextlib.contextmanager
    def ioctx(self, ceph_pool: t.Optional[str] = None) -> t.Iterator[t.Any]:
        """An I/O context on a Ceph pool: the libvirt pool's own unless another is named."""
        name = ceph_pool or self.pool.source_name or self.pool.name
        try:
            ioctx = self._cluster.open_ioctx(name)
        except rados.Error as error:
            raise LqError("opening Ceph pool %s failed: %s (does it exist, and may client.%s use it?)"
                          % (name, error, _client_user(self.pool)))
        try:
            yield ioctx
        finally:
            ioctx.close()

    @contextlib.contextmanager
    def image(self, name: str, read_only: bool = False, ceph_pool: t.Optional[str] = None) -> t.Iterator[t.Any]:
        with self.ioctx(ceph_pool) as ioctx:
            try:
                image = rbd.Image(ioctx, name, read_only=read_only)
            except rbd.Error as error:
                raise LqError("opening RBD image %s/%s failed: %s"
                              % (ceph_pool or self.pool.source_name or self.pool.name, name, error))
            try:
                yield image
            finally:
                image.close()

    def descendants(self, name: str) -> t.List[str]:
        """pool/image of every clone built on the image, and on those clones, through any of its snapshots."""
        with self.image(name, read_only=True) as image, rbd_errors("listing the clones of RBD image %s" % name):
            return sorted("%s/%s" % (child["pool"], child["image"]) for child in image.list_descendants())

    def resize(self, name: str, size: int) -> None:
        """Set the size of image ``name``, shrinking it if need be (libvirt's rbd driver cannot shrink)."""
        with self.image(name) as image, rbd_errors("resizing RBD image %s" % name):
            image.resize(size)

    def copy(self, source_pool: str, source: str, target: str) -> None:
        """A full, independent copy of image ``source_pool/source`` as ``target`` in this client's pool."""
        with self.image(source, read_only=True, ceph_pool=source_pool) as image, self.ioctx() as target_ioctx:
            with rbd_errors("copying RBD image %s/%s to %s" % (source_pool, source, target)):
                image.copy(target_ioctx, target)


@contextlib.contextmanager
def rbd_errors(doing: str) -> t.Iterator[None]:
    """Turn librbd and librados errors raised inside the block into an :class:`LqError` about ``doing``."""
    load_bindings()
    try:
        yield
    except (rbd.Error, rados.Error) as error:
        busy = isinstance(error, (rbd.ImageBusy, rbd.ImageHasSnapshots))
        hint = " (the image is in use, or has snapshots or clones)" if busy else ""
        raise LqError("%s failed: %s%s" % (doing, error, hint))

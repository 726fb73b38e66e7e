# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Opening libvirt and turning its errors into messages an operator can act on."""

from __future__ import annotations

import contextlib
import traceback
import typing as t

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.limiquantix.storage.plugins.module_utils._changes import Plan
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError

try:
    import libvirt
except ImportError:
    libvirt = None
    LIBVIRT_IMPORT_ERROR: t.Optional[str] = traceback.format_exc()
else:
    LIBVIRT_IMPORT_ERROR = None

DEFAULT_URI = "qemu:///system"

_BINDINGS_HINT = ("libvirt-python: on Debian/Ubuntu install python3-libvirt, on EL/Fedora python3-libvirt, "
                  "or pip install libvirt-python for the Python that runs the module")


def _silence_default_error_handler() -> None:
    # libvirt prints every error to stderr on top of raising it, which would corrupt the module's output.
    libvirt.registerErrorHandler(lambda _context, _error: None, None)


def _hint_for(error_code: int) -> str:
    hints = {
        libvirt.VIR_ERR_NO_CONNECT: "check that libvirtd (or virtqemud/virtstoraged) runs on the node and that "
                                    "the uri option names it",
        libvirt.VIR_ERR_AUTH_FAILED: "the connection was refused: run the task as root (become: true) or use "
                                     "a URI the remote user may open",
        libvirt.VIR_ERR_NO_SECRET: "define the libvirt secret first, or fix the secret's uuid/usage in auth",
        libvirt.VIR_ERR_NO_SUPPORT: "the node's libvirt lacks this storage driver: install its package (e.g. "
                                    "libvirt-daemon-driver-storage-rbd) and restart libvirtd",
        libvirt.VIR_ERR_XML_ERROR: "fix the pool definition",
    }
    return hints.get(error_code, "")


_RADOS_LOGIN_HINT = (
    "libvirt could not log in to Ceph: check the pool's monitors, that auth.username names a Ceph user with rbd caps "
    "on the pool, and that its libvirt secret holds that user's key (lq_ceph_secret stores it decoded, as libvirt "
    "needs; a secret set with `virsh secret-set-value --plain` holds the wrong bytes)")


def describe_error(error: "libvirt.libvirtError", doing: str) -> str:
    """A message saying what we tried, what libvirt said and, where we know, what to do."""
    text = error.get_error_message() or str(error)
    message = "%s failed: %s" % (doing, text)
    hint = _RADOS_LOGIN_HINT if "connect to the RADOS monitor" in text else _hint_for(error.get_error_code())
    return "%s (%s)" % (message, hint) if hint else message


@contextlib.contextmanager
def libvirt_errors(doing: str) -> t.Iterator[None]:
    """Turn any libvirt error raised inside the block into an :class:`LqError` about ``doing``."""
    try:
        yield
    except libvirt.libvirtError as error:
        raise LqError(describe_error(error, doing))


def connect(uri: str) -> "libvirt.virConnect":
    if libvirt is None:
        raise LqError(missing_required_lib(_BINDINGS_HINT), exception=LIBVIRT_IMPORT_ERROR)
    _silence_default_error_handler()
    try:
        return libvirt.open(uri)
    except libvirt.libvirtError as error:
        raise LqError("cannot connect to libvirt at %r: %s (check that libvirtd (or virtqemud/virtstoraged) runs "
                      "on the node and that the uri option is right)" % (uri, error.get_error_message()))


def domain_definitions(conn: "libvirt.virConnect", running_only: bool) -> t.List[t.Tuple[str, bool, str]]:
    """(name, running, XML) of every domain, or of the running ones."""
    with libvirt_errors("listing domains"):
        flags = libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE if running_only else 0
        return [(domain.name(), bool(domain.isActive()), domain.XMLDesc(0)) for domain in conn.listAllDomains(flags)]


def add_step(plan: Plan, description: str, run: t.Callable[[], t.Any]) -> None:
    """Plan a step whose libvirt errors are reported as failures of that step."""
    def guarded() -> None:
        with libvirt_errors(description):
            run()
    plan.add(description, guarded)

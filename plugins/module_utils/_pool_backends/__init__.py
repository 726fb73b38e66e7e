# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One backend per libvirt pool type; adding a type means adding a module and a line here."""

from __future__ import annotations

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._base import PoolBackend
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._dir import DirBackend
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._fs import FsBackend
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._iscsi import IscsiBackend
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._iscsi_direct import IscsiDirectBackend
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._logical import LogicalBackend
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._netfs import NetfsBackend
from ansible_collections.limiquantix.storage.plugins.module_utils._pool_backends._rbd import RbdBackend

BACKENDS = {backend.pool_type: backend() for backend in (
    DirBackend, FsBackend, NetfsBackend, LogicalBackend, IscsiBackend, IscsiDirectBackend, RbdBackend)}


def backend_for(pool_type: str) -> PoolBackend:
    try:
        return BACKENDS[pool_type]
    except KeyError:
        raise LqError("type %r is not a supported pool type; use one of %s" % (pool_type, ", ".join(BACKENDS)))

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Probing storage servers before libvirt or a storage tool waits minutes on one that does not answer."""

from __future__ import annotations

import socket
import typing as t

# Seconds a probe waits for a TCP connection.
PROBE_TIMEOUT = 3.0


def probe_tcp(host: str, port: int, timeout: float = PROBE_TIMEOUT) -> t.Optional[str]:
    """None when something accepts TCP connections at ``host``:``port``, else why not."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except socket.timeout:
        return "no answer within %g s" % timeout
    except OSError as error:
        return error.strerror or str(error)

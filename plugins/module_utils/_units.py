# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sizes as operators write them, converted to bytes and back.

IEC units (KiB, MiB, ...) are powers of 1024, SI units (KB, MB, ...) powers of 1000. The bare
single letters k/M/G/T/P follow qemu-img and libvirt, where they mean powers of 1024.
"""

from __future__ import annotations

import re

_UNIT_FACTORS = {
    "": 1, "b": 1, "bytes": 1,
    "kib": 1024, "mib": 1024 ** 2, "gib": 1024 ** 3, "tib": 1024 ** 4, "pib": 1024 ** 5,
    "kb": 1000, "mb": 1000 ** 2, "gb": 1000 ** 3, "tb": 1000 ** 4, "pb": 1000 ** 5,
    "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3, "t": 1024 ** 4, "p": 1024 ** 5,
}

_SIZE_PATTERN = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[A-Za-z]*)\s*$")

UNITS_HELP = "bytes, KiB/MiB/GiB/TiB/PiB, KB/MB/GB/TB/PB or k/M/G/T/P (powers of 1024)"


class SizeError(ValueError):
    pass


def parse_size(value, option: str = "size") -> int:
    """Return the number of bytes in ``value`` (an int, or a string such as ``'10GiB'``)."""
    if isinstance(value, bool):
        raise SizeError("%s: %r is not a size; use a number with a unit such as 10GiB" % (option, value))
    if isinstance(value, int):
        number, unit = value, ""
    else:
        match = _SIZE_PATTERN.match(str(value))
        if not match:
            raise SizeError("%s: %r is not a size; write a number followed by one of %s, e.g. 10GiB"
                            % (option, value, UNITS_HELP))
        number, unit = match.group("number"), match.group("unit")
    factor = _UNIT_FACTORS.get(unit.lower())
    if factor is None:
        raise SizeError("%s: unknown unit %r in %r; use %s" % (option, unit, value, UNITS_HELP))
    if isinstance(number, int):
        size = number * factor
    elif "." in number:
        whole, fraction = number.split(".")
        size = (int(whole) * factor) + (int(fraction) * factor) // (10 ** len(fraction))
    else:
        size = int(number) * factor
    if size < 0:
        raise SizeError("%s: %r is negative; sizes must be positive" % (option, value))
    return size


def format_size(size: int) -> str:
    """Human-readable IEC rendering of a byte count, for messages."""
    if size < 1024:
        return "%d B" % size
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024:
            break
    return "%.1f %s" % (value, unit)

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.limiquantix.storage.plugins.module_utils._units import SizeError, format_size, parse_size

KiB, MiB, GiB, TiB, PiB = (1024 ** power for power in range(1, 6))


@pytest.mark.parametrize("value, expected", [
    # plain bytes
    (0, 0),
    (512, 512),
    ("512", 512),
    ("512B", 512),
    ("512b", 512),
    ("512 bytes", 512),
    # IEC, powers of 1024
    ("1KiB", KiB),
    ("1MiB", MiB),
    ("10GiB", 10 * GiB),
    ("2TiB", 2 * TiB),
    ("1PiB", PiB),
    ("1gib", GiB),
    # SI, powers of 1000
    ("1KB", 1000),
    ("1MB", 1000 ** 2),
    ("10GB", 10 * 1000 ** 3),
    ("2TB", 2 * 1000 ** 4),
    ("1PB", 1000 ** 5),
    ("1kb", 1000),
    # single letters, powers of 1024 like qemu-img and libvirt
    ("1k", KiB),
    ("1K", KiB),
    ("1M", MiB),
    ("1G", GiB),
    ("1T", TiB),
    ("1P", PiB),
    # decimals
    ("1.5GiB", GiB + GiB // 2),
    ("0.5k", 512),
    ("2.75KiB", 2816),
    ("0.1KB", 100),
    ("1.0", 1),
    # whitespace
    ("  10GiB  ", 10 * GiB),
    ("10 GiB", 10 * GiB),
    ("\t1 M\n", MiB),
    # int input is bytes
    (10 * GiB, 10 * GiB),
])
def test_parse_size(value, expected):
    assert parse_size(value) == expected


@pytest.mark.parametrize("value, message", [
    (-1, "is negative"),
    ("-1GiB", "is not a size"),
    ("10XB", "unknown unit 'XB'"),
    ("10 gigs", "unknown unit 'gigs'"),
    ("abc", "is not a size"),
    ("", "is not a size"),
    ("1.5.2G", "is not a size"),
    ("1,5G", "is not a size"),
    ("G10", "is not a size"),
    (None, "is not a size"),
    (True, "is not a size"),
    (False, "is not a size"),
])
def test_parse_size_rejects(value, message):
    with pytest.raises(SizeError) as excinfo:
        parse_size(value, option="capacity")
    assert str(excinfo.value).startswith("capacity: ")
    assert message in str(excinfo.value)


def test_parse_size_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_size("nonsense")


def test_parse_size_default_option_name():
    with pytest.raises(SizeError, match=r"^size: "):
        parse_size("nonsense")


@pytest.mark.parametrize("value", ["10XB", "abc"])
def test_parse_size_error_lists_the_units(value):
    with pytest.raises(SizeError, match="KiB/MiB/GiB/TiB/PiB"):
        parse_size(value)


@pytest.mark.parametrize("size, expected", [
    (0, "0 B"),
    (1023, "1023 B"),
    (KiB, "1.0 KiB"),
    (1536, "1.5 KiB"),
    (10 * GiB, "10.0 GiB"),
    (3 * TiB, "3.0 TiB"),
    (PiB, "1024.0 TiB"),
])
def test_format_size(size, expected):
    assert format_size(size) == expected

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.limiquantix.storage.plugins.action.lq_volume import (
    DEFAULT_CHUNK_BYTES,
    chunk_bytes_of,
    chunks,
    merge,
    progress_text,
    uploads,
)

MIB = 1024 * 1024
GIB = 1024 * MIB


def test_chunks_cover_the_file_in_order_the_last_one_shorter():
    assert chunks(5 * MIB + 3, MIB) == [(0, MIB), (MIB, MIB), (2 * MIB, MIB), (3 * MIB, MIB), (4 * MIB, MIB),
                                        (5 * MIB, 3)]


def test_chunks_of_an_exact_multiple_and_of_a_small_file():
    assert chunks(2 * MIB, MIB) == [(0, MIB), (MIB, MIB)]
    assert chunks(10, MIB) == [(0, 10)]
    assert chunks(0, MIB) == []


def test_chunks_need_a_positive_size():
    with pytest.raises(ValueError):
        chunks(10, 0)


def test_progress_text():
    assert progress_text("images/debian.qcow2", GIB, int(2.3 * GIB), 1024 / 180.0) == (
        "lq_volume: images/debian.qcow2: uploaded 1.0 GiB of 2.3 GiB (43%), 180.0 MiB/s")
    assert progress_text("p/v", 0, 0, 0) == "lq_volume: p/v: uploaded 0 B of 0 B (100%), 0 B/s"


def test_chunk_bytes_default_and_override():
    assert chunk_bytes_of({}) == DEFAULT_CHUNK_BYTES
    assert chunk_bytes_of({"lq_volume_upload_chunk_bytes": "1048576"}) == MIB
    for bad in (0, -1, "many"):
        with pytest.raises(ValueError, match="lq_volume_upload_chunk_bytes"):
            chunk_bytes_of({"lq_volume_upload_chunk_bytes": bad})


def test_uploads_single_form_and_items():
    assert uploads({"name": "a", "upload_from": "/i.raw"})
    assert not uploads({"name": "a", "capacity": "1GiB"})
    assert uploads({"volumes": [{"name": "a"}, {"name": "b", "upload_from": "/i.raw"}]})
    assert uploads({"upload_from": "/i.raw", "volumes": [{"name": "a"}]})
    assert not uploads({"volumes": [{"name": "a"}]})


def test_merge_joins_actions_and_sets_the_transfer():
    first = {"changed": True, "actions": ["create volume p/v for the image /i", "upload /i (5.0 MiB) into volume p/v"],
             "volumes": [], "warnings": ["w1"]}
    final = {"changed": True, "actions": ["grow volume p/v to 6.0 MiB"],
             "volumes": [{"pool": "p", "name": "v"}, {"pool": "p", "name": "other"}],
             "volume": {"pool": "p", "name": "v"}}
    transfer = {"bytes": 5 * MIB, "seconds": 1.0, "bytes_per_second": 5 * MIB, "chunks": 5}
    result = merge(first, final, {("p", "v"): transfer})
    assert result["changed"] is True
    assert result["actions"] == first["actions"] + final["actions"]
    assert result["volumes"][0]["transfer"] == transfer
    assert "transfer" not in result["volumes"][1]
    assert result["volume"]["transfer"] == transfer
    assert result["warnings"] == ["w1"]
    assert "diff" not in result


def test_merge_is_changed_by_the_upload_alone():
    result = merge({"changed": False, "actions": []}, {"changed": False, "actions": [], "volumes": []},
                   {("p", "v"): {"bytes": 1}})
    assert result["changed"] is True

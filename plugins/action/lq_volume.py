# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lq_volume on the controller: uploads large images in chunks, one module call each, showing progress.

A module cannot print while it runs, so a task that uploads (not in check mode) is run in three steps: a
module call that converges everything except the bytes of images larger than one chunk and lists those
uploads (``upload_defer_above``); one module call per chunk (``upload_chunk``), with progress shown with -v
after each; and a normal module call that reads (and finishes converging) the final state. The result is
that of a single call: the actions of all calls, and each uploaded volume's ``transfer``.
"""

from __future__ import annotations

import time
import typing as t

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.limiquantix.storage.plugins.module_utils._units import format_size

display = Display()

MODULE = "limiquantix.storage.lq_volume"
# Bytes per module call; the task variable overrides it (the tests use small chunks).
DEFAULT_CHUNK_BYTES = 256 * 1024 * 1024
CHUNK_BYTES_VAR = "lq_volume_upload_chunk_bytes"
_INTERNAL_OPTIONS = ("upload_chunk", "upload_defer_above")


def chunks(size: int, chunk_bytes: int) -> t.List[t.Tuple[int, int]]:
    """(offset, length) of the chunks of ``size`` bytes, each ``chunk_bytes`` long but the last."""
    if chunk_bytes <= 0:
        raise ValueError("chunk size must be positive, got %d" % chunk_bytes)
    return [(offset, min(chunk_bytes, size - offset)) for offset in range(0, size, chunk_bytes)]


def progress_text(label: str, done: int, total: int, seconds: float) -> str:
    """One line of progress, such as ``images/a.qcow2: uploaded 1.0 GiB of 2.3 GiB (43%), 180.0 MiB/s``."""
    percent = done * 100 // total if total else 100
    rate = format_size(int(done / seconds)) if seconds > 0 else format_size(done)
    return "lq_volume: %s: uploaded %s of %s (%d%%), %s/s" % (label, format_size(done), format_size(total), percent,
                                                              rate)


def chunk_bytes_of(task_vars: t.Mapping[str, t.Any]) -> int:
    value = task_vars.get(CHUNK_BYTES_VAR, DEFAULT_CHUNK_BYTES)
    try:
        size = int(value)
    except (TypeError, ValueError):
        size = 0
    if size <= 0:
        raise ValueError("%s must be a positive number of bytes, got %r" % (CHUNK_BYTES_VAR, value))
    return size


def uploads(args: t.Mapping[str, t.Any]) -> bool:
    """Whether the task (its single form or any item of volumes) names an image to upload."""
    items = args.get("volumes")
    if isinstance(items, list):
        return bool(args.get("upload_from")) or any(isinstance(item, dict) and item.get("upload_from")
                                                    for item in items)
    return bool(args.get("upload_from"))


def merge(first: t.Dict[str, t.Any], final: t.Dict[str, t.Any],
          transfers: t.Mapping[t.Tuple[str, str], t.Dict[str, t.Any]]) -> t.Dict[str, t.Any]:
    """The result of a chunked upload as one module call would give it."""
    result = dict(final)
    result["changed"] = bool(first.get("changed") or final.get("changed") or transfers)
    result["actions"] = list(first.get("actions", [])) + list(final.get("actions", []))
    if "diff" in first or "diff" in final:
        result["diff"] = list(first.get("diff", [])) + list(final.get("diff", []))
    warnings = list(first.get("warnings", [])) + list(final.get("warnings", []))
    if warnings:
        result["warnings"] = warnings
    statuses = list(result.get("volumes") or [])
    if isinstance(result.get("volume"), dict):
        statuses.append(result["volume"])
    for status in statuses:
        transfer = transfers.get((status.get("pool"), status.get("name")))
        if transfer is not None:
            status["transfer"] = dict(transfer)
    return result


class ActionModule(ActionBase):
    """Runs lq_volume; uploads of images larger than one chunk go in chunks, with progress (-v)."""

    # The module the task runs; the chunks always go through lq_volume.
    module_name = MODULE

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        args = dict(self._task.args)
        try:
            if (self._play_context.check_mode or not uploads(args)
                    or any(args.get(option) is not None for option in _INTERNAL_OPTIONS)):
                result.update(self._execute_module(module_name=self.module_name, module_args=args,
                                                   task_vars=task_vars))
                return result
            try:
                chunk_bytes = chunk_bytes_of(task_vars)
            except ValueError as error:
                result.update(failed=True, msg=str(error))
                return result
            first = self._execute_module(module_name=self.module_name,
                                         module_args=dict(args, upload_defer_above=chunk_bytes),
                                         task_vars=task_vars)
            pending = first.pop("pending_uploads", None) or []
            if first.get("failed") or not pending:
                result.update(first)
                return result
            transfers = {}
            for upload in pending:
                transfer, failure = self._upload(args, upload, chunk_bytes, task_vars)
                if failure is not None:
                    result.update(failure, failed=True, changed=True, actions=first.get("actions", []))
                    return result
                transfers[(upload["pool"], upload["name"])] = transfer
            final = self._execute_module(module_name=self.module_name, module_args=args, task_vars=task_vars)
            if final.get("failed"):
                result.update(final, changed=True)
                return result
            result.update(merge(first, final, transfers))
            return result
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)

    def _upload(self, args: t.Mapping[str, t.Any], upload: t.Mapping[str, t.Any], chunk_bytes: int,
                task_vars: t.Dict[str, t.Any]) -> t.Tuple[t.Dict[str, t.Any], t.Optional[t.Dict[str, t.Any]]]:
        """Send one pending upload chunk by chunk; its transfer, or the failure."""
        label = "%s/%s" % (upload["pool"], upload["name"])
        size = upload["size"]
        base = {"pool": upload["pool"], "name": upload["name"], "upload_from": upload["path"]}
        if args.get("uri") is not None:
            base["uri"] = args["uri"]
        started = time.monotonic()
        done = 0
        parts = chunks(size, chunk_bytes)
        for offset, length in parts:
            chunk = self._execute_module(module_name=MODULE, task_vars=task_vars,
                                         module_args=dict(base, upload_chunk={"offset": offset, "length": length}))
            if chunk.get("failed"):
                return {}, {"msg": "uploading %s into volume %s failed after %s of %s (%d%%) were uploaded: %s. The "
                                   "volume is incomplete; the next run uploads the image again"
                                   % (upload["path"], label, format_size(done), format_size(size),
                                      done * 100 // size if size else 0, chunk.get("msg", "unknown error"))}
            done += int(chunk.get("transferred", length))
            display.v(progress_text(label, done, size, time.monotonic() - started))
        seconds = time.monotonic() - started
        return {"bytes": done, "seconds": round(seconds, 3),
                "bytes_per_second": int(done / seconds) if seconds else done, "chunks": len(parts)}, None

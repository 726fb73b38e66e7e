# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The single-object and list forms that every converging module accepts.

A task names one object with options at the top level, or many with a list option (``pools``,
``volumes``) whose items take the same options; in the list form the top-level values of the
inherited options are defaults for every item.
"""

from __future__ import annotations

import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError


def entries(params: t.Mapping[str, t.Any], list_option: str,
            inherited: t.Iterable[str]) -> t.List[t.Tuple[str, t.Dict[str, t.Any]]]:
    """(label, options) of every object of the task; the label names a list item in messages."""
    items = params.get(list_option)
    if items is None:
        return [("", dict(params))]
    defaults = {option: params[option] for option in inherited if params.get(option) is not None}
    result = []
    for index, item in enumerate(items):
        entry = dict(defaults, **{key: value for key, value in item.items() if value is not None})
        result.append(("%s[%d] (%s)" % (list_option, index, entry.get("name")), entry))
    return result


def labelled(label: str, problems: t.Iterable[str]) -> t.List[str]:
    return ["%s: %s" % (label, problem) if label else problem for problem in problems]


def duplicates(list_option: str, noun: str, keys: t.Sequence[t.Any],
               describe: t.Callable[[t.Any], str] = str) -> t.List[str]:
    repeated = sorted({key for key in keys if keys.count(key) > 1}, key=describe)
    if not repeated:
        return []
    return ["%s: each %s may appear once, but %s appear more than once"
            % (list_option, noun, ", ".join(describe(key) for key in repeated))]


def fail_on(kind: str, problems: t.List[str]) -> None:
    if problems:
        raise LqError("invalid %s options: %s" % (kind, "; ".join(problems)), problems=problems)

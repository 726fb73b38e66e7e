# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.limiquantix.storage.plugins.module_utils._changes import (
    Action,
    Plan,
    apply,
    summarize,
    warnings_of,
)
from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError


class Recorder:
    """Actions that record that they ran, and one that can fail."""

    def __init__(self):
        self.ran = []

    def action(self, label):
        return lambda: self.ran.append(label)

    def failing(self, label, error=None):
        def run():
            self.ran.append(label)
            raise error or LqError("%s failed: libvirt said no" % label, code=42)
        return run


def plan(name, *descriptions, recorder=None, before=None, after="after", warnings=()):
    result = Plan("pool", name, before=before, after=after, warnings=list(warnings))
    for description in descriptions:
        result.add(description, recorder.action(description) if recorder else (lambda: None))
    return result


def test_plan_without_actions_is_unchanged():
    assert plan("images").changed is False
    assert plan("images").action_descriptions() == []


def test_plan_add():
    recorder = Recorder()
    result = plan("images", "define pool images", "start pool images", recorder=recorder)
    assert result.changed is True
    assert result.action_descriptions() == ["define pool images", "start pool images"]
    assert all(isinstance(action, Action) for action in result.actions)
    assert recorder.ran == []


@pytest.mark.parametrize("before, after, expected_before, expected_after", [
    (None, "after", "", "after"),
    ("before", "", "before", ""),
    ({"state": "running"}, {"state": "inactive"}, {"state": "running"}, {"state": "inactive"}),
])
def test_plan_diff(before, after, expected_before, expected_after):
    assert plan("images", before=before, after=after).diff() == {
        "before": expected_before,
        "after": expected_after,
        "before_header": "pool images (before)",
        "after_header": "pool images (after)",
    }


def test_apply_runs_every_action_in_order():
    recorder = Recorder()
    plans = [plan("a", "define a", "start a", recorder=recorder), plan("b"), plan("c", "stop c", recorder=recorder)]
    apply(plans, check_mode=False)
    assert recorder.ran == ["define a", "start a", "stop c"]


def test_check_mode_runs_nothing():
    recorder = Recorder()
    plans = [plan("a", "define a", "start a", recorder=recorder)]
    plans[0].add("explode", recorder.failing("explode"))
    apply(plans, check_mode=True)
    assert recorder.ran == []


def test_error_mid_apply_says_what_was_done():
    recorder = Recorder()
    first = plan("a", "define pool a", "start pool a", recorder=recorder)
    second = plan("b", "define pool b", recorder=recorder)
    second.add("start pool b", recorder.failing("start pool b"))
    second.add("enable autostart of pool b", recorder.action("enable autostart of pool b"))
    third = plan("c", "define pool c", recorder=recorder)
    with pytest.raises(LqError) as excinfo:
        apply([first, second, third], check_mode=False)
    assert excinfo.value.message == ("start pool b failed: libvirt said no; already done before this failure: "
                                     "define pool a; start pool a; define pool b")
    assert excinfo.value.details == {"code": 42, "changed": True}
    assert recorder.ran == ["define pool a", "start pool a", "define pool b", "start pool b"]


def test_error_on_the_first_action_is_reported_as_is():
    recorder = Recorder()
    error = LqError("define pool a failed: bad XML")
    first = Plan("pool", "a", before=None, after="x")
    first.add("define pool a", recorder.failing("define pool a", error))
    first.add("start pool a", recorder.action("start pool a"))
    with pytest.raises(LqError) as excinfo:
        apply([first, plan("b", "define pool b", recorder=recorder)], check_mode=False)
    assert excinfo.value is error
    assert recorder.ran == ["define pool a"]


def test_other_exceptions_propagate_unchanged():
    recorder = Recorder()
    broken = plan("a", "define pool a", recorder=recorder)
    broken.add("start pool a", recorder.failing("start pool a", RuntimeError("bug")))
    with pytest.raises(RuntimeError, match="^bug$"):
        apply([broken], check_mode=False)


@pytest.mark.parametrize("diff_mode", [False, True])
def test_summarize_unchanged(diff_mode):
    result = summarize([plan("a"), plan("b")], diff_mode)
    assert result["changed"] is False
    assert result["actions"] == []
    assert result.get("diff", []) == []
    assert ("diff" in result) is diff_mode


def test_summarize_changed():
    plans = [plan("a", "define pool a", "start pool a", after="a-after"), plan("b", after="b-after"),
             plan("c", "undefine pool c", before="c-before", after="")]
    result = summarize(plans, diff_mode=True)
    assert result["changed"] is True
    assert result["actions"] == ["define pool a", "start pool a", "undefine pool c"]
    assert result["diff"] == [plans[0].diff(), plans[2].diff()]
    assert [diff["before_header"] for diff in result["diff"]] == ["pool a (before)", "pool c (before)"]


def test_summarize_without_diff_mode_has_no_diff():
    expected = {"changed": True, "actions": ["define pool a"]}
    assert summarize([plan("a", "define pool a")], diff_mode=False) == expected


def test_summarize_is_the_same_in_check_mode():
    """Check mode predicts the real run: the summary comes from the plans, not from what ran."""
    recorder = Recorder()
    plans = [plan("a", "define pool a", recorder=recorder)]
    apply(plans, check_mode=True)
    assert summarize(plans, diff_mode=False) == {"changed": True, "actions": ["define pool a"]}


def test_warnings_of():
    plans = [plan("a", warnings=["w1", "w2"]), plan("b"), plan("c", warnings=["w3"])]
    assert warnings_of(plans) == ["w1", "w2", "w3"]

# -*- coding: utf-8 -*-
# Copyright (c) 2026, LimiQuantix storage team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that decides ``changed``, check mode and diffs.

Managers describe what converging an object takes as a :class:`Plan`: ordered actions with a
human-readable description each, plus the object's state before and after. Plans are computed (and
every input validated) for all objects before the first action runs, so bad input never leaves a
half-converged node; check mode then simply does not run the actions, which makes its prediction the
real run's plan by construction.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.limiquantix.storage.plugins.module_utils._errors import LqError


@dataclasses.dataclass
class Action:
    description: str
    run: t.Callable[[], None]


@dataclasses.dataclass
class Plan:
    """Converging one object: the actions it takes, and its state before and after them."""

    kind: str
    name: str
    before: t.Optional[t.Union[dict, str]]
    after: t.Optional[t.Union[dict, str]]
    actions: t.List[Action] = dataclasses.field(default_factory=list)
    warnings: t.List[str] = dataclasses.field(default_factory=list)

    def add(self, description: str, run: t.Callable[[], None]) -> None:
        self.actions.append(Action(description, run))

    @property
    def changed(self) -> bool:
        return bool(self.actions)

    def diff(self) -> dict:
        label = "%s %s" % (self.kind, self.name)
        return {
            "before": self.before or "",
            "after": self.after or "",
            "before_header": "%s (before)" % label,
            "after_header": "%s (after)" % label,
        }

    def action_descriptions(self) -> t.List[str]:
        return [action.description for action in self.actions]


def apply(plans: t.Sequence[Plan], check_mode: bool) -> None:
    """Run every plan's actions in order, unless in check mode.

    A failure names the object and the step, and what was already done, so the operator can tell
    the node's state without reading libvirt's logs; the task is then reported as changed too.
    """
    if check_mode:
        return
    done: t.List[str] = []
    for plan in plans:
        for action in plan.actions:
            try:
                action.run()
            except LqError as error:
                if done:
                    raise LqError("%s; already done before this failure: %s" % (error.message, "; ".join(done)),
                                  **dict(error.details, changed=True))
                raise
            done.append(action.description)


def summarize(plans: t.Sequence[Plan], diff_mode: bool) -> dict:
    """The result keys every stateful module shares."""
    result: t.Dict[str, t.Any] = {
        "changed": any(plan.changed for plan in plans),
        "actions": [description for plan in plans for description in plan.action_descriptions()],
    }
    if diff_mode:
        result["diff"] = [plan.diff() for plan in plans if plan.changed]
    return result


def warnings_of(plans: t.Sequence[Plan]) -> t.List[str]:
    return [warning for plan in plans for warning in plan.warnings]


Planned = t.TypeVar("Planned")


def converge(planned: t.Sequence[Planned], plan_of: t.Callable[[Planned], Plan],
             status_of: t.Callable[[Planned], dict], check_mode: bool, diff_mode: bool,
             key: str) -> t.Tuple[dict, t.List[str]]:
    """Apply the plans of every object (unless in check mode); the result, with each object's status under
    ``key``, and the warnings."""
    plans = [plan_of(item) for item in planned]
    apply(plans, check_mode)
    result = summarize(plans, diff_mode)
    result[key] = [status_of(item) for item in planned]
    return result, warnings_of(plans)

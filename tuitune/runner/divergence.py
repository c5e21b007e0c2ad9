"""Divergence and the objective so far: what the runner watches in every batch it ingests.

Why here and incremental: the runner sees every measurement once, as it commits it, so it can
judge a trial the moment it diverges (and stop it, freeing the GPU for a trial that can still
teach something) without ever re-reading curves. Both functions are pure: the state they carry
is an :class:`Objective`'s value so far, and they are re-seeded from the store's curves when a
restarted runner re-adopts a trial.

The rules (``DivergenceRule``): NaN or inf in the objective metric, or in any metric the rule
names, always counts; so does a value of a named metric above ``above`` or below ``below``. The
reason names the metric, the value and the step, e.g. ``NaN in train_loss at step 12``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from tuitune.domain import DivergenceRule, Objective
from tuitune.domain.objective import Aggregate

Point = tuple[int, str, float]
"""``(step, metric name, value)``."""


def watched(objective: Objective, rule: DivergenceRule) -> frozenset[str]:
    """The metrics whose values can make a trial diverge."""
    return frozenset((objective.metric, *rule.metrics))


def diverged(points: Iterable[Point], objective: Objective, rule: DivergenceRule) -> str | None:
    """Why the first diverging point diverges, or ``None`` when none does."""
    named = set(rule.metrics)
    for step, name, value in points:
        if name != objective.metric and name not in named:
            continue
        if not math.isfinite(value):
            what = "NaN" if math.isnan(value) else ("inf" if value > 0 else "-inf")
            return f"{what} in {name} at step {step}"
        if name in named:
            if rule.above is not None and value > rule.above:
                return f"{name} = {value:g} above {rule.above:g} at step {step}"
            if rule.below is not None and value < rule.below:
                return f"{name} = {value:g} below {rule.below:g} at step {step}"
    return None


class ObjectiveSoFar:
    """The objective of one trial as its measurements arrive (``Objective.reduce``, incrementally).

    ``best`` keeps the best finite value; ``final`` the value at the highest step (a re-reported
    step replaces the earlier report, as in the store).
    """

    def __init__(self, objective: Objective, curve: Iterable[tuple[int, float]] = ()):
        self.objective = objective
        self.value: float | None = None
        self._step: int | None = None
        self.add(curve)

    def add(self, points: Iterable[tuple[int, float]]) -> bool:
        """Take ``(step, value)`` points of the objective metric; True when the value changed."""
        before = self.value
        if self.objective.aggregate is Aggregate.FINAL:
            for step, value in points:
                if self._step is None or step >= self._step:
                    self._step, self.value = step, value
        else:
            values = [v for _, v in points]
            if values:
                self.value = self.objective.reduce(([self.value] if self.value is not None else []) + values)
        return not _same(before, self.value)


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b or (math.isnan(a) and math.isnan(b))

"""What a trial is judged by.

The playbook's default is the *best* value of the validation metric seen during training, not
the final one: training may be stopped at any point, and checkpoint selection is assumed. The
objective is a view over measurements, so it can be redefined after the fact (another metric,
direction or aggregate) without re-running anything.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from tuitune.domain.errors import Problem, coerce_enum, raise_if_any


class Direction(StrEnum):
    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"


class Aggregate(StrEnum):
    """How a trial's curve of the objective metric becomes one number."""

    BEST = "best"
    """The best value over training (playbook default)."""
    FINAL = "final"
    """The value at the last step."""


@dataclass(frozen=True)
class Objective:
    """A metric name, the direction that is better, and how a curve reduces to one value."""

    metric: str
    direction: Direction = Direction.MINIMIZE
    aggregate: Aggregate = Aggregate.BEST

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        coerce_enum(self, "direction", Direction, problems)
        coerce_enum(self, "aggregate", Aggregate, problems)
        if not self.metric:
            problems.append(Problem("metric", "the objective needs a metric name, found none",
                                    'set metric = "val_loss" (the name your script reports)'))
        raise_if_any(problems)

    def is_better(self, a: float, b: float) -> bool:
        """True when ``a`` is strictly better than ``b``; NaN is never better."""
        if math.isnan(a):
            return False
        if math.isnan(b):
            return True
        return a < b if self.direction is Direction.MINIMIZE else a > b

    def reduce(self, values: Iterable[float]) -> float | None:
        """The objective of one trial from its metric values in step order.

        Non-finite values are skipped for ``best`` (a diverged trial is marked infeasible
        elsewhere); ``final`` returns the last value as it is. ``None`` when there are none.
        """
        values = list(values)
        if not values:
            return None
        if self.aggregate is Aggregate.FINAL:
            return values[-1]
        finite = [v for v in values if math.isfinite(v)]
        if not finite:
            return values[-1]
        return min(finite) if self.direction is Direction.MINIMIZE else max(finite)

"""Objective: reducing a curve to one number, and comparing numbers, the playbook's way."""

from __future__ import annotations

import math

import pytest

from tuitune.domain import Aggregate, Direction, InvalidConfig, Objective

NAN, INF = math.nan, math.inf


@pytest.mark.parametrize("direction, aggregate, values, expected", [
    (Direction.MINIMIZE, Aggregate.BEST, [0.9, 0.5, 0.7], 0.5),
    (Direction.MAXIMIZE, Aggregate.BEST, [0.1, 0.8, 0.6], 0.8),
    (Direction.MINIMIZE, Aggregate.FINAL, [0.9, 0.5, 0.7], 0.7),
    (Direction.MAXIMIZE, Aggregate.FINAL, [0.1, 0.8, 0.6], 0.6),
    (Direction.MINIMIZE, Aggregate.BEST, [0.9, NAN, 0.4, INF], 0.4),   # best skips non-finite values
    (Direction.MINIMIZE, Aggregate.BEST, [NAN, INF], INF),             # ...unless there is nothing else
    (Direction.MINIMIZE, Aggregate.FINAL, [0.4, NAN], NAN),            # final is the last, as it is
    (Direction.MINIMIZE, Aggregate.BEST, [], None),
])
def test_reduce(direction: Direction, aggregate: Aggregate, values: list[float], expected: float | None) -> None:
    got = Objective("m", direction, aggregate).reduce(iter(values))
    if expected is not None and math.isnan(expected):
        assert got is not None and math.isnan(got)
    else:
        assert got == expected


@pytest.mark.parametrize("direction, a, b, better", [
    (Direction.MINIMIZE, 0.1, 0.2, True), (Direction.MINIMIZE, 0.2, 0.1, False), (Direction.MINIMIZE, 0.1, 0.1, False),
    (Direction.MAXIMIZE, 0.2, 0.1, True), (Direction.MAXIMIZE, 0.1, 0.2, False),
    (Direction.MINIMIZE, NAN, 0.1, False), (Direction.MINIMIZE, 0.1, NAN, True), (Direction.MINIMIZE, NAN, NAN, False),
    (Direction.MAXIMIZE, NAN, 0.1, False), (Direction.MAXIMIZE, 0.1, NAN, True),
])
def test_is_better(direction: Direction, a: float, b: float, better: bool) -> None:
    assert Objective("m", direction).is_better(a, b) is better


def test_defaults_follow_the_playbook_and_strings_are_coerced() -> None:
    o = Objective("val_loss")
    assert (o.direction, o.aggregate) == (Direction.MINIMIZE, Aggregate.BEST)
    coerced = Objective("acc", "maximize", "final")  # e.g. read back from a store row
    assert coerced.direction is Direction.MAXIMIZE and coerced.aggregate is Aggregate.FINAL
    assert coerced.is_better(0.9, 0.8)


@pytest.mark.parametrize("kw, field", [(dict(metric=""), "metric"), (dict(metric="m", direction="max"), "direction"),
                                       (dict(metric="m", aggregate="mean"), "aggregate")])
def test_invalid(kw: dict, field: str) -> None:
    with pytest.raises(InvalidConfig) as raised:
        Objective(**kw)
    assert [p.field for p in raised.value.problems] == [field]
    assert raised.value.problems[0].fix

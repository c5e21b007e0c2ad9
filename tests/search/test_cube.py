"""The unit-cube transform: uniform in each scale, unbiased int edges, one dimension per id."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from scipy import stats

from tuitune.domain import Algorithm, Hyperparameter, ParamType, Role, Scale, SearchSpace, Study
from tuitune.search import from_unit, points, to_unit
from tuitune.search.cube import dimensions

from .spaces import optimizers

GRID = (np.arange(12_000) + 0.5) / 12_000
"""Evenly spread coordinates: every cell's share of them is its width."""


def test_linear_float_round_trips():
    p = Hyperparameter("x", ParamType.FLOAT, low=-2.0, high=6.0)
    assert from_unit(p, 0.0) == -2.0
    assert from_unit(p, 0.25) == 0.0
    assert to_unit(p, from_unit(p, 0.3)) == pytest.approx(0.3)


def test_log_float_is_uniform_in_log_space():
    p = Hyperparameter("lr", ParamType.FLOAT, low=1e-5, high=1e-1, scale=Scale.LOG)
    assert from_unit(p, 0.25) == pytest.approx(1e-4)
    assert from_unit(p, 0.5) == pytest.approx(1e-3)
    assert to_unit(p, 1e-2) == pytest.approx(0.75)


def test_int_gives_every_integer_an_equal_cell_edges_included():
    p = Hyperparameter("layers", ParamType.INT, low=1, high=5)
    counts = Counter(from_unit(p, u) for u in GRID)
    assert counts == {k: 2400 for k in range(1, 6)}
    assert from_unit(p, 0.0) == 1 and from_unit(p, math.nextafter(1.0, 0.0)) == 5
    assert [to_unit(p, k) for k in (1, 3, 5)] == pytest.approx([0.1, 0.5, 0.9])


def test_log_int_cells_are_equal_in_log_space():
    p = Hyperparameter("batch", ParamType.INT, low=1, high=8, scale=Scale.LOG)
    counts = Counter(from_unit(p, u) for u in GRID)
    total = math.log(8.5 / 0.5)
    for k in range(1, 9):
        assert counts[k] / len(GRID) == pytest.approx(math.log((k + 0.5) / (k - 0.5)) / total, abs=2e-4)


@pytest.mark.parametrize("p", [
    Hyperparameter("act", ParamType.CATEGORICAL, values=("relu", "gelu", "silu")),
    Hyperparameter("flag", ParamType.BOOL),
])
def test_categoricals_and_bools_get_equal_cells(p):
    counts = Counter(from_unit(p, u) for u in GRID)
    assert set(counts.values()) == {len(GRID) // len(p.values)}
    for v in p.values:
        assert from_unit(p, to_unit(p, v)) == v


def test_values_are_plain_python_and_legal_up_to_the_top_edge():
    top = math.nextafter(1.0, 0.0)
    for p in optimizers().varying:
        for u in (0.0, 0.5, top, np.float64(top)):
            v = from_unit(p, u)
            assert p.contains(v) and type(v) in (bool, int, float, str)


def test_same_named_conditional_hyperparameters_are_separate_dimensions():
    space = optimizers()
    dims = {p.id: p for p in dimensions(space, {})}
    assert {"sgd_lr", "adam_lr"} <= dims.keys()
    assert dims["sgd_lr"].name == dims["adam_lr"].name == "learning_rate"
    assert from_unit(dims["sgd_lr"], 0.0) == 1e-3 and from_unit(dims["adam_lr"], 0.0) == 1e-6


def test_dimensions_under_a_value_are_the_hyperparameters_that_can_be_active():
    space = optimizers()
    assert [p.id for p in dimensions(space, {"optimizer": "adam"})] == ["adam_lr", "beta1", "warmup", "batch"]
    assert [p.id for p in dimensions(space, {"optimizer": "sgd", "nesterov": True})] == [
        "sgd_lr", "momentum", "warmup", "batch"]
    assert all(p.role is not Role.FIXED for p in dimensions(space, {}))


def test_int_rounding_is_unbiased_in_a_random_study():
    space = SearchSpace((Hyperparameter("k", ParamType.INT, low=0, high=4),))
    values = [pt.params["k"] for pt in points(Study("r", space, Algorithm.RANDOM, trials=2000, seed=3))]
    observed = [values.count(k) for k in range(5)]
    assert stats.chisquare(observed).pvalue > 0.01

"""Grid and manual studies: finite lists, sliced like the sampled sequences."""

from __future__ import annotations

import pytest

from tuitune.domain import Algorithm, Hyperparameter, Layout, ParamType, Role, Scale, SearchSpace, Study
from tuitune.search import points, size, warnings
from tuitune.search.grid import axis

from .spaces import optimizers


def test_axes_follow_their_scale():
    assert axis(Hyperparameter("x", ParamType.FLOAT, low=0.0, high=1.0), 5) == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert axis(Hyperparameter("lr", ParamType.FLOAT, low=1e-4, high=1.0, scale=Scale.LOG), 5) == pytest.approx(
        (1e-4, 1e-3, 1e-2, 1e-1, 1.0))
    assert axis(Hyperparameter("k", ParamType.INT, low=1, high=3), 5) == (1, 2, 3)
    assert axis(Hyperparameter("k", ParamType.INT, low=0, high=100), 3) == (0, 50, 100)
    assert axis(Hyperparameter("b", ParamType.INT, low=16, high=1024, scale=Scale.LOG), 4) == (16, 64, 256, 1024)
    assert axis(Hyperparameter("flag", ParamType.BOOL), 3) == (False, True)


def two_dims() -> SearchSpace:
    return SearchSpace((
        Hyperparameter("lr", ParamType.FLOAT, low=1e-3, high=1e-1, scale=Scale.LOG),
        Hyperparameter("layers", ParamType.INT, low=1, high=2),
        Hyperparameter("wd", ParamType.FLOAT, Role.FIXED, value=0.0),
    ))


def test_grid_is_the_product_of_the_axes_with_fixed_values_passed():
    study = Study("g", two_dims(), Algorithm.GRID, grid_steps=3)
    pts = points(study)
    assert size(study) == len(pts) == 6
    assert [(pt.params["lr"], pt.params["layers"]) for pt in pts] == pytest.approx(
        [(1e-3, 1), (1e-3, 2), (1e-2, 1), (1e-2, 2), (1e-1, 1), (1e-1, 2)])
    assert all(pt.params["wd"] == 0.0 for pt in pts)
    assert points(study, 4, 10) == pts[4:]
    assert warnings(study) == []


def test_grid_drops_inactive_children_and_balances_scientific_values():
    study = Study("g", optimizers(), Algorithm.GRID, grid_steps=2)
    pts = points(study)
    # each combination: 2 lr x 2 momentum (or beta1) x 2 warmup (0..4 has more than 2) x 2 batch
    assert len(pts) == 3 * 16
    assert {pt.params["warmup"] for pt in pts} == {0, 4}
    assert len({tuple(sorted(pt.params.items())) for pt in pts}) == len(pts)
    assert [pt.scientific["optimizer"] for pt in pts[:6]] == ["sgd", "sgd", "adam"] * 2


def test_grid_above_two_varying_dimensions_warns():
    three = SearchSpace((*two_dims().params, Hyperparameter("dropout", ParamType.FLOAT, low=0.0, high=0.5)))
    (warning,) = warnings(Study("g", three, Algorithm.GRID))
    assert "3 dimensions" in warning and "18 points" in warning


def test_per_value_grid_is_expanded_like_the_others():
    study = Study("g", optimizers(), Algorithm.GRID, layout=Layout.PER_VALUE, grid_steps=2)
    assert len(warnings(study)) == 3
    with pytest.raises(ValueError, match="expand"):
        size(study)


def test_manual_configs_resolve_through_the_space():
    space = optimizers()
    configs = (
        {"optimizer": "adam", "adam_lr": 1e-4, "beta1": 0.9, "warmup": 1, "batch": 32},
        {"optimizer": "sgd", "nesterov": True, "sgd_lr": 0.1, "momentum": 0.9, "warmup": 0, "batch": 64,
         "adam_lr": 1e-4},
        {"optimizer": "sgd", "nesterov": False, "sgd_lr": 0.1, "warmup": 0, "batch": 64},
    )
    study = Study("m", space, Algorithm.MANUAL, configs=configs, repeats=3)
    pts = points(study)
    assert size(study) == 3 and [pt.index for pt in pts] == [0, 1, 2]
    assert pts[0].params == {**configs[0], "weight_decay": 1e-4}
    assert "adam_lr" not in pts[1].params
    assert pts[1].scientific == {"optimizer": "sgd", "nesterov": True}
    assert warnings(study) == [
        "configs[1] sets adam_lr, inactive under its other values: ignored",
        "configs[2] gives no value for active momentum: the command's default applies",
    ]
    assert points(study, 1, 1) == pts[1:2]

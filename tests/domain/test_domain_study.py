"""Study, project and round validation: the checks across a whole design."""

from __future__ import annotations

import pytest

from tuitune.domain import (Algorithm, Condition, Hyperparameter, InvalidConfig, Layout, ParamType, Project, Role,
                            Round, SearchSpace, Study)

LR = Hyperparameter("lr", ParamType.FLOAT, low=1e-4, high=1.0, scale="log")
OPT = Hyperparameter("optimizer", ParamType.CATEGORICAL, role=Role.SCIENTIFIC, values=("sgd", "adam"))
WD = Hyperparameter("wd", ParamType.FLOAT, role=Role.FIXED, value=0.0)
SPACE = SearchSpace((OPT, LR, WD))


def study_problems(**kw) -> list[tuple[str, str]]:
    kw.setdefault("space", SPACE)
    with pytest.raises(InvalidConfig) as raised:
        Study("s", **kw)
    return [(p.field, p.message) for p in raised.value.problems]


@pytest.mark.parametrize("kw, field, words", [
    (dict(trials=0), "trials", "found 0"),
    (dict(trials=True), "trials", "found True"),
    (dict(repeats=0), "repeats", ">= 1"),
    (dict(repeats="3"), "repeats", "found '3'"),
    (dict(grid_steps=1), "grid_steps", ">= 2"),
    (dict(seed=-1), "seed", ">= 0"),
    (dict(seed=2**63), "seed", "below 2**63"),
    (dict(grid_steps=2**64), "grid_steps", "below 2**63"),
    (dict(space=SearchSpace((WD,))), "params", "nothing varies"),
    (dict(algorithm=Algorithm.MANUAL), "configs", "needs configurations"),
    (dict(algorithm="bayes"), "algorithm", "unknown algorithm 'bayes'"),
    (dict(layout="both"), "layout", "unknown layout"),
    (dict(algorithm=Algorithm.MANUAL, configs=({"momentum": 0.9},)), "configs[0].momentum", "not a hyperparameter"),
    (dict(algorithm=Algorithm.MANUAL, configs=({"lr": 2.0},)), "configs[0].lr", "not a valid value"),
    (dict(repeats=2, seed_param="lr"), "seed_param", "swept by the study"),
    (dict(trials=100_001), "trials", "at most 100,000"),
    (dict(repeats=10**9), "repeats", "at most 100,000"),
    (dict(trials=50_000, repeats=3), "trials", "50,000 points x 3 repeats = 150,000 trials"),
    (dict(algorithm=Algorithm.GRID, grid_steps=10**12), "grid_steps", "a grid of up to 2,000,000,000,000 points"),
])
def test_study_rules(kw: dict, field: str, words: str) -> None:
    found = study_problems(**kw)
    assert any(f == field and words in m for f, m in found), found


def test_valid_studies() -> None:
    study = Study("s", SPACE, algorithm="grid", layout="per_value", repeats=3)
    assert study.algorithm is Algorithm.GRID and study.layout is Layout.PER_VALUE
    assert study.scientific == ("optimizer",)
    manual = Study("m", SearchSpace((WD,)), algorithm=Algorithm.MANUAL, configs=[{"wd": 0.1}])
    assert manual.configs == ({"wd": 0.1},)
    assert study.with_ids(id=3, round_id=1).id == 3
    # the seed hyperparameter may stay in the space when it is fixed
    seeded = SearchSpace((LR, Hyperparameter("seed", ParamType.INT, role=Role.FIXED, value=0)))
    assert Study("r", seeded, repeats=4).repeats == 4


def test_a_study_of_up_to_100000_trials_is_sized_without_building_it() -> None:
    assert Study("s", SPACE, trials=20_000, repeats=5).trials == 20_000
    assert Study("m", SPACE, Algorithm.MANUAL, configs=[{"lr": 0.1}], repeats=100_000).repeats == 100_000
    # an int axis counts its whole numbers when there are fewer than grid_steps: 10 x 10,000 points
    layers = Hyperparameter("layers", ParamType.INT, low=0, high=9)
    grid = SearchSpace((layers, LR))
    assert Study("g", grid, Algorithm.GRID, grid_steps=10_000).grid_steps == 10_000
    with pytest.raises(InvalidConfig, match=r"10 x 10,001 values of layers, lr"):
        Study("g", grid, Algorithm.GRID, grid_steps=10_001)


def test_conditional_scientific_space() -> None:
    beta = Hyperparameter("beta", ParamType.FLOAT, low=0.8, high=0.99, when=(Condition("optimizer", ("adam",)),))
    study = Study("s", SearchSpace((OPT, LR, beta)))
    assert study.space.active({"optimizer": "sgd", "lr": 0.1, "beta": 0.9}) == {"optimizer": "sgd", "lr": 0.1}


@pytest.mark.parametrize("kw, field", [
    (dict(command="  "), "project.command"), (dict(parallel=0), "resources.parallel"),
    (dict(gpus_per_trial=-1), "resources.gpus_per_trial"), (dict(max_retries=1.5), "resources.max_retries"),
    (dict(timeout=0), "resources.timeout"), (dict(timeout="1h"), "resources.timeout"),
])
def test_project_rules(kw: dict, field: str) -> None:
    kw.setdefault("command", "python train.py {args}")
    with pytest.raises(InvalidConfig) as raised:
        Project(**kw)
    assert [p.field for p in raised.value.problems] == [field]


def test_round_needs_a_goal() -> None:
    with pytest.raises(InvalidConfig, match="goal"):
        Round("  ")
    assert Round("does weight decay help?").kind.label == "try a change"

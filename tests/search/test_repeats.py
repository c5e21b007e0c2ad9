"""Repeats (retrain variance), reseeding (study variance) and the budget estimate."""

from __future__ import annotations

import pytest

from tuitune.domain import Hyperparameter, ParamType, Role, SearchSpace, Study, TrialState
from tuitune.search import estimate_budget, points, reseed, trials_for, warnings

from .spaces import optimizers


def test_each_point_runs_repeats_times_with_distinct_seeds():
    study = Study("r", optimizers(), trials=6, repeats=4, seed=11)
    trials = trials_for(study, study_id=7)
    assert len(trials) == 24
    assert [(t.index, t.repeat) for t in trials[:5]] == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0)]
    assert all(t.study_id == 7 and t.state is TrialState.QUEUED for t in trials)
    for index in range(6):
        mine = [t for t in trials if t.index == index]
        assert len({t.seed for t in mine}) == 4
        assert all(t.params == mine[0].params == points(study, index, 1)[0].params for t in mine)
        assert all(0 <= t.seed < 2**31 for t in mine)
        assert all(study.seed_param not in t.params for t in mine)


def test_repeat_seeds_are_deterministic_and_stable_when_repeats_grow():
    three = trials_for(Study("r", optimizers(), trials=4, repeats=3, seed=1), 1)
    five = trials_for(Study("r", optimizers(), trials=4, repeats=5, seed=1), 1)
    assert [t.seed for t in three] == [t.seed for t in trials_for(Study("r", optimizers(), trials=4, repeats=3,
                                                                       seed=1), 1)]
    assert [(t.index, t.seed) for t in three] == [(t.index, t.seed) for t in five if t.repeat < 3]
    other = trials_for(Study("r", optimizers(), trials=4, repeats=3, seed=2), 1)
    assert [t.seed for t in three] != [t.seed for t in other]


def test_one_repeat_passes_no_seed():
    trials = trials_for(Study("r", optimizers(), trials=3), 1)
    assert [(t.repeat, t.seed) for t in trials] == [(0, None)] * 3


def test_trials_for_addresses_points_not_trials():
    study = Study("r", optimizers(), trials=10, repeats=2)
    assert trials_for(study, 1, 4, 3) == trials_for(study, 1)[8:14]


def test_a_repeat_seed_overriding_a_fixed_hyperparameter_is_flagged():
    space = SearchSpace((*optimizers().params, Hyperparameter("seed", ParamType.INT, Role.FIXED, value=0)))
    assert any("replaces fixed seed" in w for w in warnings(Study("r", space, trials=9, repeats=2)))
    assert warnings(Study("r", space, trials=9)) == []


def test_reseed_keeps_the_design_with_a_new_sequence():
    study = Study("s", optimizers(), trials=9, seed=3, id=12, round_id=4)
    sibling = reseed(study)
    assert sibling.seed != study.seed and sibling.reseed_of == 12 and sibling.id is None
    assert (sibling.space, sibling.trials, sibling.round_id) == (study.space, study.trials, study.round_id)
    assert sibling.name == f"s-seed{sibling.seed}"
    assert reseed(study) == sibling, "the default new seed is deterministic"
    assert [pt.scientific for pt in points(sibling)] == [pt.scientific for pt in points(study)]
    assert all(a.params != b.params for a, b in zip(points(sibling), points(study)))
    assert reseed(study, 99, name="again").seed == 99
    with pytest.raises(ValueError):
        reseed(study, 3)


def test_budget_is_trials_times_mean_duration_over_slots():
    assert estimate_budget(10, 2, [30.0, 90.0], 4) == pytest.approx(10 * 2 * 60.0 / 4)
    assert estimate_budget(10, 1, [60.0, None, float("nan")], 1) == pytest.approx(600.0)
    assert estimate_budget(10, 1, [], 2) is None
    with pytest.raises(ValueError):
        estimate_budget(10, 1, [1.0], 0)

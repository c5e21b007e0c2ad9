"""The adopt comparison against hand-computed cases, and retrain/study variance."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from analysis_synth import lr, make
from hypothesis import given, settings
from hypothesis import strategies as st

from tuitune.analysis import Outcome, compare, retrain_noise, study_bests
from tuitune.domain import Direction, Objective, SearchSpace

LOSS, ACC = Objective("val_loss"), Objective("val_acc", Direction.MAXIMIZE)


def test_welch_interval_by_hand():
    # means 2 and 4, sds 1 and 1, n 3 and 3: se = sqrt(2/3), dof = 4, t(0.975, 4) = 2.7764
    c = compare([1, 2, 3], [3, 4, 5], LOSS, candidate_ids=[7, 8, 9], baseline_ids=[1, 2, 3])
    assert c.improvement == 2.0  # lower loss is better: positive
    assert c.welch_dof == pytest.approx(4.0)
    half = 2.7764451 * math.sqrt(2 / 3)
    assert c.welch == pytest.approx((2 - half, 2 + half), rel=1e-6)
    assert c.p_value == pytest.approx(0.07048, rel=1e-3)
    assert c.retrain_sd == 1.0 and c.in_retrain_sd == 2.0
    assert c.outcome is Outcome.INDISTINGUISHABLE
    assert (c.candidate.mean, c.candidate.sd, c.candidate.trial_ids) == (2.0, 1.0, (7, 8, 9))


def test_a_clear_shift_is_better_and_its_mirror_worse():
    rng = np.random.default_rng(0)
    cand, base = rng.normal(1.0, 0.1, 10), rng.normal(2.0, 0.1, 10)
    better = compare(cand, base, LOSS)
    assert better.outcome is Outcome.BETTER and better.welch[0] > 0.8 and better.bootstrap[0] > 0.8
    assert better.in_retrain_sd > 5 and "better" in better.summary
    assert compare(base, cand, LOSS).outcome is Outcome.WORSE
    assert compare(base, cand, ACC).outcome is Outcome.BETTER  # higher is better for accuracy


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-100, 100), min_size=2, max_size=12), st.integers(0, 1000))
def test_identical_seed_distributions_are_not_distinguishable(values, seed):
    c = compare(values, list(reversed(values)), LOSS, seed=seed)
    assert c.outcome is Outcome.INDISTINGUISHABLE
    assert c.improvement == pytest.approx(0.0, abs=1e-9)


def test_identical_seed_distributions_drawn_apart_are_not_distinguishable():
    rng = np.random.default_rng(4)
    assert compare(rng.normal(1, 0.2, 8), rng.normal(1, 0.2, 8), LOSS).outcome is Outcome.INDISTINGUISHABLE


def test_one_run_a_side_is_insufficient():
    c = compare([1.0], [2.0, 2.1], LOSS)
    assert c.outcome is Outcome.INSUFFICIENT and "at least two" in c.summary and math.isnan(c.welch[0])


def test_study_variance_can_overturn_a_verdict():
    cand, base = [1.0, 1.1, 0.9], [3.0, 3.1, 2.9]
    wide = compare(cand, base, LOSS, study_bests=[0.0, math.sqrt(2)])  # sd 1: margin 2.77 > 2
    assert wide.outcome is Outcome.BETTER
    assert wide.study_variance.sd == pytest.approx(1.0) and wide.study_variance.overturns
    assert wide.study_variance.margin == pytest.approx(1.96 * math.sqrt(2))
    assert "not conclusive" in wide.summary
    narrow = compare(cand, base, LOSS, study_bests=[0.0, 0.1])
    assert not narrow.study_variance.overturns
    assert compare(cand, base, LOSS).study_variance is None


def test_comparison_serializes_to_json():
    d = compare([1, 2, 3], [3, 4, 5], LOSS, study_bests=[1, 2]).to_dict()
    assert json.loads(json.dumps(d))["verdict"] == "not distinguishable"
    assert d["candidate"]["n"] == 3 and d["study_variance"]["studies"] == 2


def test_retrain_noise_pools_repeats_by_point_and_study_bests_per_study():
    values = [1.0, 3.0, 5.0, 5.0, 9.0, 0.5]  # points (0: 1, 3) (1: 5, 5, 9) and a lone point
    data = make(SearchSpace((lr(),)), [{"lr": 0.01}] * 6, lambda i, p: {"val_loss": np.array([values[i]])},
                indexes=[0, 0, 1, 1, 1, 2], repeats=[0, 1, 0, 1, 2, 0], study_ids=[1, 1, 1, 1, 1, 2])
    noise = retrain_noise(data.frame)
    # squares: (1-2)^2 + (3-2)^2 + (5-19/3)^2 * 2 + (9-19/3)^2 = 2 + 32/3; dof = 1 + 2
    assert noise.sd == pytest.approx(math.sqrt((2 + 32 / 3) / 3)) and noise.dof == 3 and noise.points == 2
    assert noise.trial_ids == (1, 2, 3, 4, 5)
    assert study_bests(data.frame, 1.0).to_dict() == {1: 1.0, 2: 0.5}
    assert study_bests(data.frame, -1.0).to_dict() == {1: 9.0, 2: 0.5}
    single = make(SearchSpace((lr(),)), [{"lr": 0.01}], lambda i, p: {"val_loss": np.array([1.0])})
    assert retrain_noise(single.frame) is None

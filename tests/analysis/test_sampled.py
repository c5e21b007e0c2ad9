"""Checklist: sampled enough (pass, warn, fail, n/a) and the best-of-k bootstrap behind it."""

from __future__ import annotations

import numpy as np
import pytest
from analysis_synth import lr, make
from hypothesis import given, settings
from hypothesis import strategies as st

from tuitune.analysis import best_of_k
from tuitune.analysis.checks import check_sampled_enough
from tuitune.analysis.result import Status
from tuitune.analysis.sampling import sizes
from tuitune.domain import Direction, Objective, SearchSpace

SPACE = SearchSpace((lr(),))


def with_objectives(values, repeats=None, indexes=None, objective=Objective("val_loss")):
    return make(SPACE, [{"lr": 0.01}] * len(values), lambda i, p: {"val_loss": np.full(5, values[i])},
                repeats=repeats, indexes=indexes, objective=objective)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(-1e9, 1e9), min_size=1, max_size=200), st.sampled_from([1.0, -1.0]),
       st.integers(0, 2 ** 31))
def test_bootstrap_quantiles_never_get_worse_as_k_grows(values, sign, seed):
    boxes = best_of_k(values, sign, resamples=200, seed=seed)
    assert [b.k for b in boxes] == list(sizes(len(values)))
    for smaller, larger in zip(boxes, boxes[1:]):
        for q in ("median", "low", "high", "q1", "q3"):
            assert getattr(larger, q) * sign <= getattr(smaller, q) * sign


def test_rank_sampling_matches_an_explicit_bootstrap():
    rng = np.random.default_rng(0)
    values = rng.normal(size=64)
    explicit = np.array([rng.choice(values, 16).min() for _ in range(20000)])
    box = best_of_k(values, 1.0, ks=[16], resamples=20000, seed=1)[0]
    assert box.median == pytest.approx(np.median(explicit), abs=0.05)
    assert box.q1 == pytest.approx(np.quantile(explicit, 0.25), abs=0.05)
    assert box.q3 == pytest.approx(np.quantile(explicit, 0.75), abs=0.05)


def test_a_dense_good_region_that_stopped_improving_passes():
    values = np.linspace(0.0, 1.0, 100)
    result = check_sampled_enough(with_objectives(values))
    assert result.status is Status.PASS
    ev = result.evidence
    assert [b["k"] for b in ev["boxes"]] == [12, 25, 50, 100]
    assert ev["boxes"][-1]["median"] == 0.0 and ev["boxes"][2]["median"] == pytest.approx(0.0101, abs=1e-4)
    assert ev["gain_half_to_all"] < ev["reference"]
    assert ev["good_region"]["count"] == 5 and ev["good_region"]["tolerance"] == pytest.approx(0.05)


def test_a_lone_good_trial_that_doubling_keeps_finding_fails():
    values = np.r_[0.1, np.linspace(0.9, 1.0, 39)]
    result = check_sampled_enough(with_objectives(values))
    assert result.status is Status.FAIL and "still moving" in result.verdict
    assert result.evidence["gain_half_to_all"] > 0.7 > result.evidence["reference"]
    assert result.trial_ids == (1,)


def test_few_trials_near_the_best_warn():
    values = np.r_[0.0, 0.05, np.linspace(0.5, 1.0, 38)]
    result = check_sampled_enough(with_objectives(values))
    assert result.status is Status.WARN
    assert result.evidence["good_region"]["count"] == 2 and result.trial_ids == (1, 2)


def test_retrain_noise_is_the_reference_when_seed_repeats_exist():
    # 20 points run twice, the second seed exactly 1 worse: pooled retrain sd = sqrt(1/2)
    values = [j / 20 + r for j in range(20) for r in (0, 1)]
    data = with_objectives(values, repeats=[0, 1] * 20, indexes=[j for j in range(20) for _ in (0, 1)])
    result = check_sampled_enough(data)
    assert result.evidence["reference_source"] == "retrain sd over 20 repeated points"
    assert result.evidence["reference"] == pytest.approx(np.sqrt(0.5), rel=1e-3)
    assert result.evidence["good_region"]["tolerance"] == pytest.approx(2 * np.sqrt(0.5), rel=1e-3)
    assert result.status is Status.PASS


def test_maximizing_objectives_are_judged_the_other_way_up():
    values = -np.r_[0.1, np.linspace(0.9, 1.0, 39)]
    result = check_sampled_enough(with_objectives(values, objective=Objective("val_loss", Direction.MAXIMIZE)))
    assert result.status is Status.FAIL and result.evidence["best_trial"] == 1


def test_not_applicable_under_eight_trials():
    result = check_sampled_enough(with_objectives(np.arange(7.0)))
    assert result.status is Status.NA and "7 completed" in result.verdict

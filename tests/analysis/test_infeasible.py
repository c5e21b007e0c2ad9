"""Checklist: infeasible trials (pass, warn, fail by fraction, fail by crashes, n/a)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from analysis_synth import decaying, lr, make

from tuitune.analysis.checks import check_infeasible, threshold
from tuitune.analysis.result import Status
from tuitune.domain import Hyperparameter, ParamType, Role, SearchSpace, TrialState

SPACE = SearchSpace((lr(1e-3, 1.0), Hyperparameter("arch", ParamType.CATEGORICAL, Role.SCIENTIFIC, values=("a", "b"))))


def study(lrs, diverge, states=None, exit_codes=None):
    points = [{"lr": v, "arch": "ab"[i % 2]} for i, v in enumerate(lrs)]

    def curves(i, p):
        return {"val_loss": np.r_[decaying(1.0, steps=10), np.nan] if diverge(i, p) else decaying(1.0, steps=10)}
    return make(SPACE, points, curves, states=states, exit_codes=exit_codes)


def test_sixty_percent_diverging_above_lr_point_three_finds_that_threshold():
    rng = np.random.default_rng(7)
    lrs = rng.uniform(0.0, 0.75, 100).clip(1e-3)  # linear draws: 60% lie above 0.3
    data = study(lrs, lambda i, p: p["lr"] > 0.3)
    found = threshold(data, SPACE["lr"])
    assert found is not None and found.side == "above"
    assert found.value == pytest.approx(0.3, rel=0.05)
    assert found.failing_beyond == 1.0
    assert set(found.trial_ids) == set(data.frame.index[data.frame["param:lr"] > 0.3])
    result = check_infeasible(data)
    assert result.status is Status.FAIL  # 60% infeasible
    assert result.evidence["diverged"] == int((lrs > 0.3).sum())
    assert result.evidence["infeasible_fraction"] == pytest.approx((lrs > 0.3).mean())
    assert result.evidence["thresholds"][0]["param"] == "lr"
    assert re.search(r"narrow lr to below 0\.(29|30)", result.action) and "reparameterize" in result.action


def test_sixty_percent_of_the_trials_above_the_threshold_diverging_is_found_too():
    rng = np.random.default_rng(8)
    lrs = 10 ** rng.uniform(-3, 0, 120)
    data = study(lrs, lambda i, p: p["lr"] > 0.3 and i % 5 < 3)
    found = threshold(data, SPACE["lr"])
    assert found is not None and found.value == pytest.approx(0.3, rel=0.15)
    assert 0.5 <= found.failing_beyond <= 0.75


def test_a_few_scattered_failures_pass_and_per_group_fractions_are_given():
    data = study(np.linspace(0.001, 1.0, 40), lambda i, p: i == 17)
    result = check_infeasible(data)
    assert result.status is Status.PASS
    assert result.evidence["diverged"] == 1 and result.evidence["thresholds"] == []
    assert result.evidence["per_group"] == {"arch='a'": 0.0, "arch='b'": 0.05}


def test_a_moderate_fraction_warns():
    data = study(np.linspace(0.001, 1.0, 40), lambda i, p: i % 4 == 1)
    result = check_infeasible(data)
    assert result.status is Status.WARN and result.evidence["infeasible_fraction"] == 0.25


def test_a_high_crash_rate_says_likely_a_bug_and_points_at_a_failing_trial():
    states = [TrialState.FAILED if i % 3 == 0 else TrialState.COMPLETED for i in range(30)]
    codes = [1 if s is TrialState.FAILED else 0 for s in states]
    data = study(np.linspace(0.001, 1.0, 30), lambda i, p: False, states=states, exit_codes=codes)
    result = check_infeasible(data)
    assert result.status is Status.FAIL and "likely a bug" in result.verdict
    assert result.evidence["crashed"] == 10
    assert result.evidence["crash_example"] == {"trial_id": 28, "exit_code": 1, "reason": ""}
    assert "stderr tail of trial 28" in result.action and result.trial_ids[0] == 28


def test_killed_and_lost_are_counted_apart_and_not_infeasible():
    states = [TrialState.KILLED] * 3 + [TrialState.LOST] * 2 + [TrialState.COMPLETED] * 15 + [TrialState.RUNNING]
    data = study(np.linspace(0.001, 1.0, 21), lambda i, p: False, states=states)
    result = check_infeasible(data)
    assert result.status is Status.PASS
    assert (result.evidence["killed"], result.evidence["lost"], result.evidence["finished"]) == (3, 2, 20)
    assert result.evidence["infeasible_fraction"] == 0.0


def test_not_applicable_before_any_trial_finishes():
    data = study([0.1, 0.2], lambda i, p: False, states=[TrialState.QUEUED, TrialState.RUNNING])
    assert check_infeasible(data).status is Status.NA

"""Checklist items read from curves: optimization, overfitting, late noise, compute-bound."""

from __future__ import annotations

import numpy as np
from analysis_synth import STEPS, decaying, lr, make

from tuitune.analysis.checks import check_compute_bound, check_late_noise, check_optimization, check_overfitting
from tuitune.analysis.result import Status
from tuitune.domain import Hyperparameter, ParamType, Role, SearchSpace

ARCH = Hyperparameter("arch", ParamType.CATEGORICAL, Role.SCIENTIFIC, values=("a", "b"))
SPACE = SearchSpace((lr(), ARCH))
T = np.arange(STEPS) / (STEPS - 1)


def upturn(final: float, rng=None, noise: float = 0.0) -> np.ndarray:
    """Falls to ``final`` by 40% of training, then climbs back by 0.3: problematic overfitting."""
    curve = final + 2.0 * np.exp(-12 * T) + 0.3 * np.clip(T - 0.4, 0, None) / 0.6
    return curve + (rng.normal(0, noise, STEPS) if noise else 0)


def study(val, train=None, n: int = 12, arch=lambda i: "ab"[i % 2]):
    """Trial i has val curve ``val(i)`` (lower final = better) and train curve ``train(i)``."""
    def curves(i, p):
        out = {"val_loss": val(i)}
        if train is not None:
            out["train_loss"] = train(i)
        return out
    return make(SPACE, [{"lr": 10.0 ** -(1 + i % 3), "arch": arch(i)} for i in range(n)], curves)


def good(i):
    return decaying(0.5 + 0.01 * i, start=3.0, noise=0.002, rng=np.random.default_rng(i))


# -- optimization issues -------------------------------------------------------------------------

def test_a_training_loss_that_rises_fails_as_a_pipeline_bug():
    data = study(good, train=lambda i: 1.0 + 0.5 * T + np.random.default_rng(i).normal(0, 0.01, STEPS))
    result = check_optimization(data)
    assert result.status is Status.FAIL and "pipeline bug" in result.verdict
    assert result.evidence["rising"] == 12 and result.evidence["example"]["trial_id"] == 1
    assert result.evidence["example"]["final"] > result.evidence["example"]["lowest"] + 0.3


def test_falling_training_loss_passes():
    data = study(good, train=lambda i: decaying(0.3, noise=0.002, rng=np.random.default_rng(100 + i)))
    result = check_optimization(data)
    assert result.status is Status.PASS and result.evidence["rising"] == 0 and result.evidence["spikes"] == []


def test_early_spikes_in_the_best_trials_warn_with_the_step():
    def train(i):
        curve = decaying(0.3, noise=0.002, rng=np.random.default_rng(100 + i))
        if i == 0:
            curve[20] += 1.5
        return curve
    result = check_optimization(study(good, train=train))
    assert result.status is Status.WARN and "warmup" in result.action
    assert result.evidence["spikes"][0]["trial_id"] == 1 and result.evidence["spikes"][0]["step"] == 20
    assert result.trial_ids == (1,)


def test_a_rise_in_a_few_non_best_trials_only_warns():
    def train(i):
        return 1.0 + 0.5 * T if i == 11 else decaying(0.3)
    result = check_optimization(study(good, train=train))
    assert result.status is Status.WARN and result.evidence["rising_trial_ids"] == [12]


def test_optimization_is_not_applicable_without_a_training_curve():
    assert check_optimization(study(good)).status is Status.NA


# -- overfitting ---------------------------------------------------------------------------------

def test_a_validation_curve_that_turns_upward_in_a_best_trial_fails():
    data = study(lambda i: upturn(0.2, np.random.default_rng(i), 0.002) if i == 1 else good(i))
    result = check_overfitting(data)
    assert result.status is Status.FAIL and "regularization" in result.action
    rows = {r["group"]: r for r in result.evidence["best_per_group"]}
    assert rows["arch='b'"]["trial_id"] == 2 and rows["arch='b'"]["overfits"]
    assert rows["arch='b'"]["best_step"] < 0.6 * rows["arch='b'"]["last_step"]
    assert rows["arch='b'"]["final_smoothed"] > rows["arch='b'"]["best_smoothed"] + 0.25
    assert not rows["arch='a'"]["overfits"] and result.trial_ids == (2,)


def test_a_flat_validation_curve_is_not_overfitting():
    result = check_overfitting(study(good))
    assert result.status is Status.PASS
    assert [r["overfits"] for r in result.evidence["best_per_group"]] == [False, False]


def test_overfitting_outside_the_best_trials_warns_that_selection_favours_regularization():
    data = study(lambda i: upturn(1.0) if i == 10 else good(i))
    result = check_overfitting(data)
    assert result.status is Status.WARN and result.evidence["other_trial_ids"] == [11]
    assert "regularize" in result.action


def test_overfitting_is_not_applicable_with_short_curves():
    data = make(SPACE, [{"lr": 0.1, "arch": "a"}], lambda i, p: {"val_loss": np.array([1.0, 0.5, 0.4])})
    assert check_overfitting(data).status is Status.NA


# -- late-training noise -------------------------------------------------------------------------

def test_a_noisy_tail_warns_with_causes_and_remedies():
    def val(i):
        curve = decaying(0.5 + 0.05 * i)
        curve[60:] += np.random.default_rng(i).normal(0, 0.08, STEPS - 60)
        return curve
    result = check_late_noise(study(val, arch=lambda i: "a"))
    assert result.status is Status.WARN
    assert all(r["late_noise"] > 0.04 for r in result.evidence["best_trials"])
    assert "Polyak" in result.action and "batch" in result.action


def test_noise_larger_than_the_gap_between_scientific_values_fails():
    def val(i):
        return decaying(0.5 + 0.001 * i, noise=0.08, rng=np.random.default_rng(i))
    result = check_late_noise(study(val))
    assert result.status is Status.FAIL
    assert result.evidence["gap_between_best_groups"] < 0.05 and "flip" in result.action


def test_a_clean_tail_passes():
    result = check_late_noise(study(good))
    assert result.status is Status.PASS
    assert all(r["noise_over_training_improvement"] < 0.01 and not r["noisy"] for r in result.evidence["best_trials"])


def test_late_noise_is_not_applicable_without_curves():
    data = make(SPACE, [{"lr": 0.1, "arch": "a"}], lambda i, p: {"other": np.ones(20)})
    assert check_late_noise(data).status is Status.NA


# -- compute-bound -------------------------------------------------------------------------------

def test_a_curve_still_falling_is_compute_bound():
    result = check_compute_bound(study(lambda i: 3.0 - 2.0 * T + 0.01 * i))
    assert result.status is Status.WARN and "compute-bound" in result.verdict
    assert all(r["still_improving"] for r in result.evidence["best_trials"])
    assert len(result.trial_ids) == 5


def test_a_curve_flat_for_its_second_half_is_not_compute_bound_and_could_be_shorter():
    result = check_compute_bound(study(lambda i: np.maximum(3.0 - 5.0 * T, 0.5 + 0.01 * i)))
    assert result.status is Status.PASS and "not compute-bound" in result.verdict
    assert all(not r["still_improving"] and r["settled_fraction"] <= 0.55 for r in result.evidence["best_trials"])
    assert "fewer steps" in result.action


def test_compute_bound_is_not_applicable_without_curves():
    data = make(SPACE, [{"lr": 0.1, "arch": "a"}], lambda i, p: {"val_loss": np.array([1.0])})
    assert check_compute_bound(data).status is Status.NA

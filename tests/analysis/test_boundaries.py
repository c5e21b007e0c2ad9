"""Checklist: search-space boundaries (statuses pass, warn, n/a; this check has no fail)."""

from __future__ import annotations

import numpy as np
from analysis_synth import decaying, log_uniform, lr, make, wd

from tuitune.analysis.checks import check_boundaries
from tuitune.analysis.result import Status
from tuitune.domain import Hyperparameter, ParamType, Role, SearchSpace, TrialState


def study(best_log_lr: float, n: int = 60, seed: int = 3, diverge_above: float | None = None):
    rng = np.random.default_rng(seed)
    space = SearchSpace((lr(1e-4, 1e-1), wd()))
    lrs, wds = log_uniform(rng, n, 1e-4, 1e-1), rng.uniform(0.0, 0.1, n)
    points = [{"lr": a, "wd": b} for a, b in zip(lrs, wds)]

    def curves(i, p):
        final = 0.3 + 0.2 * (np.log10(p["lr"]) - best_log_lr) ** 2 + 0.2 * abs(p["wd"] - 0.05)
        if diverge_above is not None and p["lr"] > diverge_above:
            return {"val_loss": np.r_[decaying(final, steps=20)[:10], np.nan]}
        return {"val_loss": decaying(final, steps=20)}
    return make(space, points, curves)


def test_best_at_the_upper_edge_of_a_log_range_warns_naming_the_edge_and_a_wider_range():
    data = study(best_log_lr=-0.5)  # beyond the top of [1e-4, 1e-1]
    result = check_boundaries(data)
    assert result.status is Status.WARN
    lr_evidence = result.evidence["params"]["lr"]
    assert lr_evidence["edge"] == "high"
    assert lr_evidence["best_trial"] == int(data.ranked.index[0])
    assert lr_evidence["best_position"] >= 0.9
    assert lr_evidence["top_at_high"] >= 0.5
    low, high = lr_evidence["suggested_range"]
    assert low == 1e-4 and high == 1.0  # a third of four decades... of three decades: one decade up
    assert "upper edge of lr" in result.verdict and "[0.0001, 1]" in result.action
    assert result.evidence["params"]["wd"]["edge"] is None
    assert int(data.ranked.index[0]) in result.trial_ids


def test_best_at_the_lower_edge_names_the_lower_edge():
    result = check_boundaries(study(best_log_lr=-4.5))
    assert result.status is Status.WARN and result.evidence["params"]["lr"]["edge"] == "low"
    assert result.evidence["params"]["lr"]["suggested_range"] == [1e-5, 0.1]


def test_best_in_the_middle_passes():
    result = check_boundaries(study(best_log_lr=-2.5))
    assert result.status is Status.PASS
    assert 0.1 < result.evidence["params"]["lr"]["best_position"] < 0.9
    assert result.evidence["params"]["lr"]["edge"] is None and result.action == ""


def test_best_at_the_edge_of_a_diverging_region_suggests_stability_fixes():
    data = study(best_log_lr=-1.5, diverge_above=0.03, n=80)
    result = check_boundaries(data)
    assert result.status is Status.WARN
    stability = result.evidence["params"]["lr"]["stability"]
    assert 0.02 < stability["threshold"] < 0.045
    assert set(stability["trial_ids"]) == set(data.frame.index[data.frame["param:lr"] > 0.03])
    assert "warmup" in result.action and "clipping" in result.action


def test_not_applicable_without_numeric_hyperparameters_or_trials():
    cat = SearchSpace((Hyperparameter("opt", ParamType.CATEGORICAL, Role.NUISANCE, values=("sgd", "adam")),))
    data = make(cat, [{"opt": "sgd"}, {"opt": "adam"}], lambda i, p: {"val_loss": decaying(1.0)})
    assert check_boundaries(data).status is Status.NA
    few = make(SearchSpace((lr(),)), [{"lr": 0.1}, {"lr": 0.01}], lambda i, p: {"val_loss": decaying(1.0)})
    result = check_boundaries(few)
    assert result.status is Status.NA and "2 completed" in result.verdict
    failed = make(SearchSpace((lr(),)), [{"lr": 0.1}] * 4, lambda i, p: {"val_loss": decaying(1.0)},
                  states=[TrialState.FAILED] * 4)
    assert check_boundaries(failed).status is Status.NA

"""Plot information: axis plots, isolation plots, best-k curves, the sampled-enough boxes; the review."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from analysis_synth import STEPS, decaying, lr, make

from tuitune.analysis import axis_plot, best_curves, isolation, plots, review
from tuitune.analysis.result import Status
from tuitune.domain import Hyperparameter, ParamType, Role, SearchSpace, TrialState

T = np.arange(STEPS) / (STEPS - 1)
ARCH = Hyperparameter("arch", ParamType.CATEGORICAL, Role.SCIENTIFIC, values=("a", "b", "c"))
SPACE = SearchSpace((lr(1e-4, 1e-1), ARCH))


def study():
    """arch a best at lr 1e-2 (inside), b best at the top edge and overfitting, c never completes."""
    rng = np.random.default_rng(5)
    lrs = 10 ** rng.uniform(-4, -1, 30)
    points = [{"lr": v, "arch": "ab"[i % 2]} for i, v in enumerate(lrs)] + [{"lr": 0.01, "arch": "c"}]
    states = [TrialState.COMPLETED] * 29 + [TrialState.INFEASIBLE, TrialState.FAILED]

    def curves(i, p):
        x = np.log10(p["lr"])
        if p["arch"] == "a":
            return {"val_loss": decaying(0.5 + 0.1 * (x + 2) ** 2), "train_loss": decaying(0.3)}
        final = 0.45 + 0.1 * (x + 0.5) ** 2
        return {"val_loss": final + 2 * np.exp(-12 * T) + 0.3 * np.clip(T - 0.4, 0, None), "train_loss": decaying(0.2)}
    return make(SPACE, points, curves, states=states), lrs


def test_axis_plot_puts_infeasible_trials_apart_and_draws_boundary_bands():
    data, lrs = study()
    plot = axis_plot(data, SPACE["lr"])
    assert plot.scale == "log" and plot.numeric
    assert len(plot.x) == 29 and 30 in plot.infeasible_trial_ids and 31 in plot.infeasible_trial_ids
    assert plot.bands[0] == pytest.approx((1e-4, 10 ** -3.7)) and plot.bands[1] == pytest.approx((10 ** -1.3, 0.1))
    assert plot.best_trial_id == int(data.ranked.index[0])
    assert plot.y[list(plot.trial_ids).index(plot.best_trial_id)] == data.ranked["objective"].iloc[0]
    assert not plot.x.flags.writeable
    cat = axis_plot(data, ARCH)
    assert cat.scale == "categorical" and cat.bands == () and set(cat.x) == {"a", "b"}


def test_isolation_plot_takes_the_best_trial_per_value_with_its_own_flags():
    data, _ = study()
    iso = isolation(data)
    assert iso.param == "arch" and [p.label for p in iso.points] == ["arch='a'", "arch='b'", "arch='c'"]
    a, b, c = iso.points
    frame = data.frame
    for point, value in ((a, "a"), (b, "b")):
        members = frame[(frame["param:arch"] == value) & frame["ok"]]
        assert point.trial_id == int(members["objective"].idxmin())
        assert point.objective == members["objective"].min()
    assert b.overfits and not a.overfits
    assert b.edges == ("lr:high",) and a.edges == ()
    assert c.trial_id is None and c.trials == 1 and c.infeasible == 1
    assert iso.best is b or iso.best is a
    assert json.loads(json.dumps(iso.to_dict()))["points"][2]["objective"] is None


def test_isolation_of_a_continuous_scientific_hyperparameter_uses_quantile_buckets():
    space = SearchSpace((Hyperparameter("wd", ParamType.FLOAT, Role.SCIENTIFIC, low=1e-6, high=1e-2, scale="log"),))
    wds = 10 ** np.linspace(-6, -2, 40)
    data = make(space, [{"wd": v} for v in wds], lambda i, p: {"val_loss": decaying(1 + abs(np.log10(p["wd"]) + 4))})
    iso = isolation(data, buckets=4)
    assert len(iso.points) == 4 and all(p.trials == 10 for p in iso.points)
    lo, hi = iso.points[0].value
    assert lo == pytest.approx(1e-6) and hi == pytest.approx(10 ** -5, rel=0.1)
    assert iso.best.value[0] <= 1e-4 <= iso.best.value[1] * 1.3


def test_best_curves_are_the_best_k_trials_in_order_with_both_metrics():
    data, _ = study()
    curves = best_curves(data, k=3)
    assert [c.trial_id for c in curves] == [int(i) for i in data.ranked.index[:3]]
    assert [c.rank for c in curves] == [0, 1, 2]
    steps, values = curves[0].curves["val_loss"]
    assert len(steps) == STEPS and values.min() == pytest.approx(curves[0].objective)
    assert set(curves[0].curves) == {"val_loss", "train_loss"}


def test_plots_bundles_every_plot():
    data, _ = study()
    p = plots(data)
    assert [a.param for a in p.axes] == ["lr", "arch"] and len(p.isolations) == 1
    assert len(p.best_curves) == 5 and [b.k for b in p.sampled_enough] == [4, 7, 14, 29]


def test_review_lists_every_check_as_json_with_the_isolation_result():
    data, _ = study()
    r = review(data)
    out = json.loads(json.dumps(r.to_dict()))
    assert [c["check"] for c in out["checks"]] == ["boundaries", "sampled_enough", "infeasible", "optimization",
                                                   "overfitting", "late_noise", "compute_bound"]
    for c in out["checks"]:
        assert set(c) >= {"check", "status", "verdict", "evidence", "action"}
        assert c["status"] in {"pass", "warn", "fail", "n/a"}
    assert out["isolation"][0]["param"] == "arch"
    assert next(c for c in out["checks"] if c["check"] == "overfitting")["status"] == "fail"
    assert r.worst is Status.FAIL


def test_analysis_does_not_import_textual_or_plotting():
    code = "import sys, tuitune.analysis; print(sorted(m for m in sys.modules if m.split('.')[0] in " \
           "('textual', 'plotext', 'matplotlib', 'sqlite3', 'sqlite_utils')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

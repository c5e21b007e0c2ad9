"""The whole checklist plus every plot's information for 10,000 trials x 100 steps, end to end.

Prints one JSON object. The study is written into a store file through the store's own API
(``add_trials``, ``transition``, ``add_measurements``; not timed) and read back through it:
``Store.trials(study_id=...)`` and ``Store.curves_frame(study_id=..., names=...,
wall_time=False)`` (no check or plot looks at wall time). Timed: the read, the trials frame, the
checklist and the plot information (target for the total: 2 s). Baselines measured in the same
run: a bare pandas ``groupby`` reducing the same measurements to one objective per trial (the
floor of the analysis), ``Store.curves`` (the per-trial dict of lists) with ``Curves.of`` in
place of the frame read, and, when optuna is installed (the ``bench`` extra), Optuna's
``study.trials_dataframe()`` on a study holding the same data.

Usage: python benchmarks/analysis_scale.py [--trials 10000] [--steps 100] [--metrics 1|2]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tuitune.analysis import Curves, plots, review, study_data
from tuitune.domain import (
    Hyperparameter, Objective, ParamType, Role, Round, Scale, SearchSpace, Study, Trial, TrialState,
)
from tuitune.store import Store

SPACE = SearchSpace((
    Hyperparameter("lr", ParamType.FLOAT, Role.NUISANCE, low=1e-4, high=1.0, scale=Scale.LOG),
    Hyperparameter("wd", ParamType.FLOAT, Role.NUISANCE, low=0.0, high=0.1),
    Hyperparameter("arch", ParamType.CATEGORICAL, Role.SCIENTIFIC, values=("a", "b", "c")),
))
OBJECTIVE = Objective("val_loss")
BATCH = 100_000
"""Measurements per ``add_measurements`` transaction while writing."""


def write_store(path: Path, trials: int, steps: int, metrics: int) -> tuple[int, list[str]]:
    """Write the synthetic study through the store's API; its id and its metric names."""
    rng = np.random.default_rng(0)
    lr, wd, arch = 10 ** rng.uniform(-4, 0, trials), rng.uniform(0, 0.1, trials), rng.integers(0, 3, trials)
    final = 0.3 + 0.1 * (np.log10(lr) + 2) ** 2 + wd + 0.05 * arch
    diverged = lr > 0.3
    t = np.arange(steps) / (steps - 1)
    names = ["val_loss", "train_loss"][:metrics]
    with Store.open(path) as store:
        rnd = store.add_round(Round("scale"))
        study = store.add_study(Study("scale", SPACE, trials=trials, objective=OBJECTIVE), rnd.id)
        stored = store.add_trials([Trial(study.id, i, {"lr": float(lr[i]), "wd": float(wd[i]), "arch": "abc"[arch[i]]})
                                   for i in range(trials)])
        for i, trial in enumerate(stored):
            store.transition(trial.id, TrialState.STARTING, at=1000.0 + i)
            store.transition(trial.id, TrialState.RUNNING, at=1000.0 + i)
            store.transition(trial.id, TrialState.INFEASIBLE if diverged[i] else TrialState.COMPLETED,
                             reason="NaN in val_loss" if diverged[i] else "exit 0", at=1100.0 + i)
        ids = np.repeat([trial.id for trial in stored], steps).tolist()
        step = np.tile(np.arange(steps), trials)
        for name in names:
            scale = 1.0 if name == "val_loss" else 0.8
            curves = scale * (final[:, None] + 2 * np.exp(-8 * t)[None, :]) + rng.normal(0, 0.005, (trials, steps))
            curves[diverged, steps // 2:] = np.nan
            rows = list(zip(ids, step.tolist(), [name] * len(ids), curves.ravel().tolist(), (2000.0 + step).tolist()))
            for start in range(0, len(rows), BATCH):
                store.add_measurements(rows[start:start + BATCH])
        return study.id, names


def optuna_seconds(curves: pd.DataFrame, trials: list[Trial]) -> float | None:
    try:
        import optuna
    except ImportError:
        return None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dist = {"lr": optuna.distributions.FloatDistribution(1e-4, 1.0, log=True),
            "wd": optuna.distributions.FloatDistribution(0.0, 0.1),
            "arch": optuna.distributions.CategoricalDistribution(("a", "b", "c"))}
    val = curves[curves["name"] == "val_loss"]
    by_trial = {t: dict(zip(g["step"], g["value"])) for t, g in val.groupby("trial_id")}
    study = optuna.create_study()
    frozen = []
    for t in trials:
        inter = by_trial.get(t.id, {})
        finite = [v for v in inter.values() if np.isfinite(v)]
        if t.state is TrialState.COMPLETED:
            frozen.append(optuna.trial.create_trial(params=dict(t.params), distributions=dist, value=min(finite),
                                                    intermediate_values=inter))
        else:
            frozen.append(optuna.trial.create_trial(params=dict(t.params), distributions=dist,
                                                    state=optuna.trial.TrialState.FAIL, intermediate_values=inter))
    study.add_trials(frozen)
    start = time.perf_counter()
    study.trials_dataframe()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--metrics", type=int, choices=(1, 2), default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.db"
        w0 = time.perf_counter()
        study_id, names = write_store(path, args.trials, args.steps, args.metrics)
        write_s = time.perf_counter() - w0
        with Store.open(path, readonly=True) as store:
            t0 = time.perf_counter()
            trials = store.trials(study_id=study_id)
            tc = time.perf_counter()
            curves = store.curves_frame(study_id=study_id, names=names, wall_time=False)
            t1 = time.perf_counter()
            data = study_data(SPACE, trials, curves, OBJECTIVE)
            t2 = time.perf_counter()
            checks = review(data)
            t3 = time.perf_counter()
            info = plots(data)
            t4 = time.perf_counter()
            d0 = time.perf_counter()
            via_dict = Curves.of(store.curves(study_id=study_id, names=names))
            dict_s = time.perf_counter() - d0
    assert via_dict.frame.drop(columns="wall_time").equals(data.curves.frame.drop(columns="wall_time")), \
        "both reads give the same curves"
    val = curves[curves["name"] == "val_loss"]
    g0 = time.perf_counter()
    val.groupby("trial_id")["value"].min()
    floor = time.perf_counter() - g0
    optuna_s = optuna_seconds(curves, trials)
    analysis = t4 - t1
    print(json.dumps({
        "trials": len(trials), "measurements": len(curves),
        "source": "store file: Store.trials + Store.curves_frame(wall_time=False)",
        "write_s": round(write_s, 1), "read_s": round(t1 - t0, 3), "read_trials_s": round(tc - t0, 3),
        "read_curves_s": round(t1 - tc, 3), "frame_s": round(t2 - t1, 3),
        "checklist_s": round(t3 - t2, 3), "plots_s": round(t4 - t3, 3), "analysis_s": round(analysis, 3),
        "total_s": round(t4 - t0, 3), "target_total_s": 2.0, "meets_target": t4 - t0 <= 2.0,
        "statuses": {c.check: c.status.value for c in checks.checks}, "axis_plots": len(info.axes),
        "baseline_pandas_groupby_s": round(floor, 4), "analysis_over_groupby": round(analysis / floor, 1),
        "baseline_store_curves_dict_s": round(dict_s, 3), "curves_dict_over_frame": round(dict_s / (t1 - tc), 1),
        "optuna_trials_dataframe_s": None if optuna_s is None else round(optuna_s, 3),
        "analysis_over_optuna": None if optuna_s is None else round(analysis / optuna_s, 3),
        "frame_over_optuna": None if optuna_s is None else round((t2 - t1) / optuna_s, 3),
    }))


if __name__ == "__main__":
    main()

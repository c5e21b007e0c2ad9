"""The whole checklist plus every plot's information for 10,000 trials x 100 steps, end to end.

Prints one JSON object: the time to read the trials and their one million measurements from a
store file, to build the trials frame, to run the checklist and the plot information (target for
the total: 2 s), and two baselines measured in the same run: a bare pandas ``groupby`` reducing
the same measurements to one objective per trial (the floor), and, when optuna is installed
(the ``bench`` extra), Optuna's ``study.trials_dataframe()`` on a study holding the same data.

The store package has no bulk read yet, so the file is written and read with ``sqlite3`` in the
store's shape (one row per measurement); switch to the store's API when it has one.

Usage: python benchmarks/analysis_scale.py [--trials 10000] [--steps 100] [--metrics 1|2]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tuitune.analysis import plots, review, study_data
from tuitune.domain import Hyperparameter, Objective, ParamType, Role, Scale, SearchSpace, Trial, TrialState

SPACE = SearchSpace((
    Hyperparameter("lr", ParamType.FLOAT, Role.NUISANCE, low=1e-4, high=1.0, scale=Scale.LOG),
    Hyperparameter("wd", ParamType.FLOAT, Role.NUISANCE, low=0.0, high=0.1),
    Hyperparameter("arch", ParamType.CATEGORICAL, Role.SCIENTIFIC, values=("a", "b", "c")),
))


def write_store(path: Path, trials: int, steps: int, metrics: int) -> None:
    rng = np.random.default_rng(0)
    lr, wd, arch = 10 ** rng.uniform(-4, 0, trials), rng.uniform(0, 0.1, trials), rng.integers(0, 3, trials)
    final = 0.3 + 0.1 * (np.log10(lr) + 2) ** 2 + wd + 0.05 * arch
    diverged = lr > 0.3
    t = np.arange(steps) / (steps - 1)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE trials (id INTEGER PRIMARY KEY, study_id, idx, lr, wd, arch, state, started, ended)")
    db.execute("CREATE TABLE measurements (trial_id, step, name, value, wall_time)")
    db.executemany("INSERT INTO trials VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)",
                   [(i + 1, i, float(lr[i]), float(wd[i]), "abc"[arch[i]],
                     "infeasible" if diverged[i] else "completed", 1000.0 + i, 1100.0 + i) for i in range(trials)])
    names = ["val_loss", "train_loss"][:metrics]
    for name in names:
        scale = 1.0 if name == "val_loss" else 0.8
        curves = scale * (final[:, None] + 2 * np.exp(-8 * t)[None, :]) + rng.normal(0, 0.005, (trials, steps))
        curves[diverged, steps // 2:] = np.nan
        ids = np.repeat(np.arange(1, trials + 1), steps)
        step = np.tile(np.arange(steps), trials)
        db.executemany("INSERT INTO measurements VALUES (?, ?, ?, ?, ?)",
                       zip(ids.tolist(), step.tolist(), [name] * len(ids), curves.ravel().tolist(),
                           (2000.0 + step).tolist()))
    db.execute("CREATE INDEX m_trial ON measurements (trial_id, name, step)")
    db.commit()
    db.close()


def read_store(path: Path) -> tuple[list[Trial], pd.DataFrame]:
    db = sqlite3.connect(path)
    trials = [Trial(study_id=s, index=i, params={"lr": lr, "wd": wd, "arch": a}, state=TrialState(st), id=tid,
                    started_at=b, ended_at=e)
              for tid, s, i, lr, wd, a, st, b, e in db.execute("SELECT * FROM trials ORDER BY id")]
    parts = []
    for (name,) in db.execute("SELECT DISTINCT name FROM measurements").fetchall():
        rows = np.array(db.execute("SELECT trial_id, step, value, wall_time FROM measurements WHERE name = ?",
                                   (name,)).fetchall(), dtype=float)
        parts.append(pd.DataFrame({"trial_id": rows[:, 0].astype(np.int64), "name": name,
                                   "step": rows[:, 1].astype(np.int64), "value": rows[:, 2],
                                   "wall_time": rows[:, 3]}))
    db.close()
    return trials, pd.concat(parts, ignore_index=True)


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
        write_store(path, args.trials, args.steps, args.metrics)
        t0 = time.perf_counter()
        trials, curves = read_store(path)
        t1 = time.perf_counter()
        data = study_data(SPACE, trials, curves, Objective("val_loss"))
        t2 = time.perf_counter()
        checks = review(data)
        t3 = time.perf_counter()
        info = plots(data)
        t4 = time.perf_counter()
    val = curves[curves["name"] == "val_loss"]
    g0 = time.perf_counter()
    val.groupby("trial_id")["value"].min()
    floor = time.perf_counter() - g0
    optuna_s = optuna_seconds(curves, trials)
    analysis = t4 - t1
    print(json.dumps({
        "trials": len(trials), "measurements": len(curves), "read_s": round(t1 - t0, 3),
        "frame_s": round(t2 - t1, 3), "checklist_s": round(t3 - t2, 3), "plots_s": round(t4 - t3, 3),
        "analysis_s": round(analysis, 3), "total_s": round(t4 - t0, 3), "target_total_s": 2.0,
        "statuses": {c.check: c.status.value for c in checks.checks}, "axis_plots": len(info.axes),
        "baseline_pandas_groupby_s": round(floor, 4), "analysis_over_groupby": round(analysis / floor, 1),
        "optuna_trials_dataframe_s": None if optuna_s is None else round(optuna_s, 3),
        "analysis_over_optuna": None if optuna_s is None else round(analysis / optuna_s, 3),
        "frame_over_optuna": None if optuna_s is None else round((t2 - t1) / optuna_s, 3),
    }))


if __name__ == "__main__":
    main()

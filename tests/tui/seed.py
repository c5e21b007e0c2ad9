"""A deterministic project and store for TUI tests and snapshots: two rounds, one study, trials
in every interesting state, curves, a decision and baselines, all at fixed times.

``FROZEN`` is the clock the App is given, so relative times ("3 min ago") never change between
runs.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from tuitune import config, search
from tuitune.domain import (Baseline, Decision, Phase, Round, RoundKind, RoundStatus, TrialState as S,
                            Verdict)
from tuitune.store import Store

FROZEN = 1_780_000_000.0
"""The frozen 'now' of every TUI test (2026-05-28)."""

PROJECT = """\
[project]
name = "mlp"
command = "python train.py {args}"

[objective]
metric = "val_loss"

[metrics]
train = "train_loss"
valid = "val_loss"

[resources]
parallel = 2

[baseline]
learning_rate = 0.01
weight_decay = 0.0
optimizer = "adam"
epochs = 20
"""

STUDY = """\
name = "wd"
trials = 12
seed = 1

[params.weight_decay]
role = "scientific"
values = [0.0, 0.0001, 0.001]

[params.learning_rate]
role = "nuisance"
low = 0.0001
high = 1.0
scale = "log"

[params.optimizer]
role = "fixed"
values = ["sgd", "adam"]

[params.epochs]
role = "fixed"
type = "int"
"""

# What happens to each of the 12 trials, in index order.
FATES = [S.COMPLETED, S.COMPLETED, S.INFEASIBLE, S.COMPLETED, S.FAILED, S.COMPLETED,
         S.COMPLETED, S.INFEASIBLE, S.COMPLETED, S.RUNNING, S.RUNNING, S.QUEUED]


class FakeRunner:
    """Stands in for the runner daemon: reports a state and records ``ensure`` calls."""

    def __init__(self, state: str = "running (pid 4242)") -> None:
        self._state = state
        self.ensured = 0

    def state(self) -> str:
        return self._state

    def ensure(self) -> None:
        self.ensured += 1
        self._state = "running (pid 4242)"


def curve(lr: float, wd: float, steps: int, diverge: bool) -> list[float]:
    if diverge:
        return [2.0, 5.0, 40.0, math.nan][:steps]
    floor = 0.25 + 0.08 * abs(math.log10(lr) + 2) - 30 * wd
    t = np.arange(steps)
    return [float(v) for v in floor + 0.9 * np.exp(-t / 4) + 0.002 * np.sin(t)]


def seed_project(folder: Path) -> Path:
    """Write the project and its store under ``folder``; returns the project folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tuitune.toml").write_text(PROJECT)
    (folder / "studies").mkdir(exist_ok=True)
    (folder / "studies" / "wd.toml").write_text(STUDY)
    project = config.load_project(folder)
    study = config.load_study(folder / "studies" / "wd.toml", project)
    day = 86_400.0
    with Store.open(config.project_store_path(project)) as store:
        store.add_baseline(Baseline({"learning_rate": 0.01, "weight_decay": 0.0, "optimizer": "sgd", "epochs": 20},
                                    objective=0.52, note="initial configuration", created_at=FROZEN - 5 * day))
        first = store.add_round(Round("is adam better than momentum?", RoundKind.UNDERSTAND, Phase.EXPLORE,
                                      created_at=FROZEN - 4 * day))
        store.set_round_status(first.id, RoundStatus.CLOSED)
        adopted = store.add_baseline(Baseline(dict(project.baseline), objective=0.41, round_id=first.id,
                                              note="adam beats momentum by 3 retrain sd",
                                              created_at=FROZEN - 3 * day))
        store.add_decision(Decision(first.id, Verdict.ADOPT, "adam wins at every width; cheaper to tune",
                                    baseline_id=adopted.id, evidence={"improvement": 0.11},
                                    created_at=FROZEN - 3 * day))
        current = store.add_round(Round("does weight decay help?", RoundKind.TRY_CHANGE, created_at=FROZEN - day))
        stored = store.add_study(study, current.id)
        trials = store.add_trials(search.trials_for(stored, stored.id))
        for trial, fate in zip(trials, FATES):
            run_trial(store, trial, fate, start=FROZEN - 3600 + 200 * trial.index)
    return folder


def run_trial(store: Store, trial, fate: S, start: float) -> None:
    if fate is S.QUEUED:
        return
    lr, wd = trial.params["learning_rate"], trial.params["weight_decay"]
    steps = 8 if fate is S.RUNNING else 20
    values = curve(lr, wd, steps, fate is S.INFEASIBLE)
    gpus = (str(trial.index % 2),)
    store.transition(trial.id, S.STARTING, at=start, gpus=gpus, argv=("python", "train.py", f"--learning_rate={lr!r}"))
    store.transition(trial.id, S.RUNNING, at=start + 1, pid=10_000 + trial.id, pid_started=start + 1)
    store.add_measurements([(trial.id, step, name, v + (0.05 if name == "val_loss" else 0.0), start + 10 * step)
                            for step, v in enumerate(values) for name in ("train_loss", "val_loss")])
    if fate is S.RUNNING:
        return
    reason = {S.INFEASIBLE: "NaN in val_loss at step 3", S.FAILED: "exit 1: CUDA out of memory"}.get(fate, "")
    store.transition(trial.id, fate, at=start + 10 * len(values), reason=reason,
                     exit_code={S.COMPLETED: 0, S.FAILED: 1}.get(fate))

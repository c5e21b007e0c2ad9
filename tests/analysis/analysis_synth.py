"""Synthetic studies with known answers for the analysis tests (numpy, fixed seeds)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from tuitune.analysis import StudyData, study_data
from tuitune.domain import Hyperparameter, Objective, ParamType, Role, Scale, SearchSpace, Trial, TrialState

STEPS = 100


def lr(low: float = 1e-4, high: float = 1.0, role: Role = Role.NUISANCE) -> Hyperparameter:
    return Hyperparameter("lr", ParamType.FLOAT, role, low=low, high=high, scale=Scale.LOG)


def wd(role: Role = Role.NUISANCE) -> Hyperparameter:
    return Hyperparameter("wd", ParamType.FLOAT, role, low=0.0, high=0.1)


def decaying(final: float, start: float = 3.0, steps: int = STEPS, rate: float = 8.0, noise: float = 0.0,
             rng: np.random.Generator | None = None) -> np.ndarray:
    """A loss falling from ``start`` to about ``final`` and flat for most of the second half."""
    t = np.arange(steps) / (steps - 1)
    curve = final + (start - final) * np.exp(-rate * t)
    if noise:
        curve = curve + (rng or np.random.default_rng(0)).normal(0, noise, steps)
    return curve


def make(space: SearchSpace, points: Sequence[Mapping[str, object]],
         curves: Callable[[int, Mapping[str, object]], Mapping[str, np.ndarray]],
         states: Sequence[TrialState] | None = None, objective: Objective = Objective("val_loss"),
         repeats: Sequence[int] | None = None, indexes: Sequence[int] | None = None,
         study_ids: Sequence[int] | None = None, reasons: Sequence[str] | None = None,
         exit_codes: Sequence[int | None] | None = None) -> StudyData:
    """Trials 1..n (``points[i]`` is trial i + 1) whose curves ``curves(i, params)`` gives per metric."""
    trials, table = [], {}
    for i, params in enumerate(points):
        tid = i + 1
        trials.append(Trial(study_id=study_ids[i] if study_ids else 1, index=indexes[i] if indexes else i,
                            params=dict(params), repeat=repeats[i] if repeats else 0,
                            state=states[i] if states else TrialState.COMPLETED, id=tid,
                            started_at=1000.0 + i, ended_at=1010.0 + 2 * i,
                            reason=reasons[i] if reasons else "",
                            exit_code=exit_codes[i] if exit_codes else None))
        table[tid] = {name: [(s, float(v), 2000.0 + s) for s, v in enumerate(values)]
                      for name, values in curves(i, params).items()}
    return study_data(space, trials, table, objective)


def log_uniform(rng: np.random.Generator, n: int, low: float, high: float) -> np.ndarray:
    return 10 ** rng.uniform(np.log10(low), np.log10(high), n)

"""Retrain and study variance: the noise every "is this better?" question is measured against.

The playbook separates *trial* (retrain) variance, the spread between runs of one configuration
with different seeds, from *study* variance, the spread of what a whole search finds when rerun
with a new sequence seed. Seed repeats (``Trial.repeat``) give the first; reseeded sibling
studies (``Study.reseed_of``) give the second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class RetrainNoise:
    """Pooled within-point standard deviation of the objective over seed repeats."""

    sd: float
    dof: int
    """Degrees of freedom: repeats minus points, summed."""
    points: int
    """Configurations with at least two ok repeats."""
    trial_ids: tuple[int, ...]


def retrain_noise(frame: pd.DataFrame) -> RetrainNoise | None:
    """Pooled sd of ``objective`` among ok trials sharing ``(study_id, index)``; None without repeats."""
    ok = frame[frame["ok"]]
    groups = ok.groupby(["study_id", "index"])["objective"]
    counts = groups.transform("size")
    repeated = ok[counts >= 2]
    if repeated.empty:
        return None
    g = repeated.groupby(["study_id", "index"])["objective"]
    dof = int((g.size() - 1).sum())
    ss = float(((repeated["objective"] - g.transform("mean")) ** 2).sum())
    return RetrainNoise(sd=float(np.sqrt(ss / dof)), dof=dof, points=int(g.ngroups),
                        trial_ids=tuple(int(i) for i in repeated.index))


def study_bests(frame: pd.DataFrame, sign: float) -> pd.Series:
    """The best ok objective of each study (index ``study_id``); ``sign`` +1 minimizes, -1 maximizes."""
    ok = frame[frame["ok"]]
    return (ok["objective"] * sign).groupby(ok["study_id"]).min() * sign

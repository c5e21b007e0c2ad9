"""The adopt comparison: candidate and baseline each re-run over N seeds, weighed against noise.

The playbook: adopt a change that beats the baseline "taking into account the retrain variance
of both", without demanding certainty; and mind study variance when a conclusion reaches beyond
one point. So the verdict reads two 95% intervals of the improvement (Welch's t, which does not
assume equal spreads, and a percentile bootstrap, which does not assume normality): *better*
when both lie above zero, *worse* when both lie below, *not distinguishable* otherwise. The
improvement is also given in units of the pooled retrain standard deviation. When reseeded
sibling studies exist, their bests' spread is the study variance: a verdict is overturned when
the improvement is within the 95% range of the difference of two independent study outcomes
(``1.96 * sqrt(2) * sd``). Improvements are signed so that positive is better whatever the
direction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy import stats

from tuitune.analysis.result import plain
from tuitune.domain import Direction, Objective


class Outcome(StrEnum):
    BETTER = "better"
    """Better beyond retrain noise."""
    INDISTINGUISHABLE = "not distinguishable"
    WORSE = "worse"
    INSUFFICIENT = "too few seeds"
    """Fewer than two runs on a side: no spread, no verdict."""


@dataclass(frozen=True)
class Arm:
    """One side of the comparison: the objective of each seed run."""

    values: tuple[float, ...]
    trial_ids: tuple[int, ...]
    mean: float
    sd: float
    """Sample standard deviation (ddof = 1); NaN with one run."""

    @classmethod
    def of(cls, values: Sequence[float], trial_ids: Sequence[int] = ()) -> Arm:
        v = np.asarray(values, dtype=float)
        return cls(tuple(float(x) for x in v), tuple(int(i) for i in trial_ids), float(v.mean()) if len(v) else np.nan,
                   float(v.std(ddof=1)) if len(v) > 1 else np.nan)


@dataclass(frozen=True)
class StudyVariance:
    sd: float
    """Standard deviation of the best objective across reseeded sibling studies."""
    studies: int
    margin: float
    """``1.96 * sqrt(2) * sd``: how far apart two studies' outcomes may land by chance."""
    overturns: bool
    """True when the verdict was better or worse but the improvement is within ``margin``."""


@dataclass(frozen=True)
class Comparison:
    """Everything the Decide screen shows and a :class:`~tuitune.domain.Decision` records as evidence."""

    candidate: Arm
    baseline: Arm
    direction: str
    improvement: float
    """Candidate mean minus baseline mean, signed so that positive is better."""
    welch: tuple[float, float]
    """95% interval of the improvement from Welch's t."""
    welch_dof: float
    p_value: float
    """Two-sided Welch test of equal means."""
    bootstrap: tuple[float, float]
    """95% percentile-bootstrap interval of the improvement."""
    retrain_sd: float
    """Pooled standard deviation of both arms."""
    in_retrain_sd: float
    """``improvement / retrain_sd``."""
    outcome: Outcome
    study_variance: StudyVariance | None
    summary: str

    def to_dict(self) -> dict[str, object]:
        def arm(a: Arm) -> dict[str, object]:
            return {"n": len(a.values), "mean": a.mean, "sd": a.sd, "values": a.values, "trial_ids": a.trial_ids}

        sv = self.study_variance
        return plain({"candidate": arm(self.candidate), "baseline": arm(self.baseline), "direction": self.direction,
                      "improvement": self.improvement, "welch_ci": self.welch, "welch_dof": self.welch_dof,
                      "p_value": self.p_value, "bootstrap_ci": self.bootstrap, "retrain_sd": self.retrain_sd,
                      "improvement_in_retrain_sd": self.in_retrain_sd, "verdict": self.outcome.value,
                      "study_variance": None if sv is None else {"sd": sv.sd, "studies": sv.studies,
                                                                 "margin": sv.margin, "overturns": sv.overturns},
                      "summary": self.summary})  # type: ignore[return-value]


def compare(candidate: Sequence[float], baseline: Sequence[float], objective: Objective, *,
            candidate_ids: Sequence[int] = (), baseline_ids: Sequence[int] = (),
            study_bests: Sequence[float] = (), confidence: float = 0.95, resamples: int = 1000,
            seed: int = 0) -> Comparison:
    """Compare seed runs of the candidate with seed runs of the baseline under ``objective``.

    ``candidate``/``baseline`` are the objectives of each seed run (e.g. the ``objective``
    column of the trials frame for those trials); ``study_bests`` the best objective of each
    reseeded sibling study (:func:`~tuitune.analysis.variance.study_bests`), when any.
    """
    sign = 1.0 if objective.direction is Direction.MAXIMIZE else -1.0
    c, b = Arm.of(candidate, candidate_ids), Arm.of(baseline, baseline_ids)
    nc, nb = len(c.values), len(b.values)
    improvement = sign * (c.mean - b.mean) if nc and nb else np.nan
    if nc < 2 or nb < 2:
        return Comparison(c, b, objective.direction.value, improvement, (np.nan, np.nan), np.nan, np.nan,
                          (np.nan, np.nan), np.nan, np.nan, Outcome.INSUFFICIENT, None,
                          f"needs at least two seed runs of each side (candidate {nc}, baseline {nb})")
    vc, vb = c.sd ** 2 / nc, b.sd ** 2 / nb
    se = float(np.sqrt(vc + vb))
    alpha = 1 - confidence
    den = vc ** 2 / (nc - 1) + vb ** 2 / (nb - 1)
    if se > 0 and den > 0:
        dof = (vc + vb) ** 2 / den
        half = float(stats.t.ppf(1 - alpha / 2, dof)) * se
        p = float(2 * stats.t.sf(abs(improvement) / se, dof))
    else:
        dof, half, p = float(nc + nb - 2), 0.0, 0.0 if improvement != 0 else 1.0
    welch = (improvement - half, improvement + half)
    rng = np.random.default_rng(seed)
    cv, bv = np.asarray(c.values), np.asarray(b.values)
    diffs = sign * (rng.choice(cv, (resamples, nc)).mean(axis=1) - rng.choice(bv, (resamples, nb)).mean(axis=1))
    boot = tuple(float(x) for x in np.quantile(diffs, [alpha / 2, 1 - alpha / 2]))
    pooled = float(np.sqrt(((nc - 1) * c.sd ** 2 + (nb - 1) * b.sd ** 2) / (nc + nb - 2)))
    in_sd = improvement / pooled if pooled > 0 else (np.inf * np.sign(improvement) if improvement else 0.0)
    if welch[0] > 0 and boot[0] > 0:
        outcome = Outcome.BETTER
    elif welch[1] < 0 and boot[1] < 0:
        outcome = Outcome.WORSE
    else:
        outcome = Outcome.INDISTINGUISHABLE
    sv = None
    if len(study_bests) >= 2:
        sd = float(np.std(np.asarray(study_bests, dtype=float), ddof=1))
        margin = 1.96 * np.sqrt(2) * sd
        sv = StudyVariance(sd, len(study_bests), float(margin),
                           outcome in (Outcome.BETTER, Outcome.WORSE) and abs(improvement) <= margin)
    summary = (f"candidate {outcome.value}: {improvement:+.4g} ({in_sd:+.2g} retrain sd), 95% CI "
               f"[{welch[0]:+.4g}, {welch[1]:+.4g}] (Welch), [{boot[0]:+.4g}, {boot[1]:+.4g}] (bootstrap)")
    if sv and sv.overturns:
        summary += f"; but study variance (sd {sv.sd:.3g} over {sv.studies} reseeds) is larger: not conclusive"
    return Comparison(c, b, objective.direction.value, float(improvement), welch, float(dof), p, boot, pooled,
                      float(in_sd), outcome, sv, summary)

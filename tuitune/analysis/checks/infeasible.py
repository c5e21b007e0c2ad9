"""Checklist: what fraction of trials is infeasible, of which kind, and where in the space.

The playbook: adjust (or reparameterize) a search space whose points often diverge or fail; a
large number of failures can point at a bug in the training code. Divergence and crashes are
counted apart from kills and losses, which say nothing about the point itself. A threshold is
looked for in each numeric hyperparameter: the cut (in its scale) that best separates failing
from succeeding trials by Youden's J (share of failures beyond it minus share of successes
beyond it), kept when most trials beyond it fail.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tuitune.analysis.frame import StudyData, from_scale, scaled_column
from tuitune.analysis.result import CheckResult, Status, rnd
from tuitune.domain import Hyperparameter

CHECK, TITLE = "infeasible", "What fraction of the trials is infeasible?"
TERMINAL = ("completed", "diverged", "crashed", "killed", "lost")
BAD = ("diverged", "crashed")


@dataclass(frozen=True)
class Threshold:
    """A value of one hyperparameter beyond which most trials diverge or crash."""

    param: str
    side: str
    """``above`` or ``below``."""
    value: float
    """The cut, in the hyperparameter's units (midway, in its scale, between the nearest trials)."""
    beyond: int
    """Trials beyond the cut."""
    failing_beyond: float
    """Fraction of them that diverged or crashed."""
    youden: float
    trial_ids: tuple[int, ...]
    """The failing trials beyond the cut."""


def threshold(data: StudyData, hp: Hyperparameter, min_failing: int = 3) -> Threshold | None:
    """The infeasibility threshold of ``hp``, or None when failures do not gather beyond a cut."""
    frame = data.frame
    rows = frame[frame["outcome"].isin(("completed",) + BAD)]
    x = rows[scaled_column(hp.id)].to_numpy()
    keep = np.isfinite(x)
    x, bad, ids = x[keep], rows["outcome"].isin(BAD).to_numpy()[keep], rows.index.to_numpy()[keep]
    n_bad, n_good = int(bad.sum()), int((~bad).sum())
    if n_bad < min_failing or n_good == 0:
        return None
    order = np.argsort(x, kind="stable")
    x, bad, ids = x[order], bad[order], ids[order]
    cuts = np.flatnonzero(np.diff(x) > 0)  # cut between positions i and i + 1
    if not len(cuts):
        return None
    bad_upto = np.cumsum(bad)[cuts]
    good_upto = np.cumsum(~bad)[cuts]
    best: Threshold | None = None
    for side, bad_beyond, good_beyond in (("above", n_bad - bad_upto, n_good - good_upto),
                                          ("below", bad_upto, good_upto)):
        j = bad_beyond / n_bad - good_beyond / n_good
        i = int(np.argmax(j))
        beyond = int(bad_beyond[i] + good_beyond[i])
        share = bad_beyond[i] / beyond
        if j[i] < 0.5 or share < 0.5 or bad_beyond[i] < min_failing or (best and j[i] <= best.youden):
            continue
        cut = cuts[i]
        mask = np.zeros(len(x), dtype=bool)
        mask[cut + 1:] = side == "above"
        mask[:cut + 1] = side == "below"
        best = Threshold(hp.id, side, float(from_scale(hp, (x[cut] + x[cut + 1]) / 2)), beyond, float(share),
                         float(j[i]), tuple(int(t) for t in ids[mask & bad]))
    return best


def check_infeasible(data: StudyData, warn_fraction: float = 0.2, fail_fraction: float = 0.5,
                     crash_fraction: float = 0.25) -> CheckResult:
    frame = data.frame
    done = frame[frame["outcome"].isin(TERMINAL)]
    if done.empty:
        return CheckResult(CHECK, TITLE, Status.NA, "no finished trials yet")
    counts = {k: int((done["outcome"] == k).sum()) for k in TERMINAL}
    failing = done["outcome"].isin(BAD)
    fraction = float(failing.mean())
    crashed = counts["crashed"] / len(done)
    evidence: dict[str, object] = {"finished": len(done), **counts, "infeasible_fraction": rnd(fraction)}
    if done["study_id"].nunique() > 1:
        evidence["per_study"] = {str(s): rnd(float(g.mean())) for s, g in failing.groupby(done["study_id"])}
    groups = [g for g in data.groups() if g.value is not None]
    if groups:
        evidence["per_group"] = {g.label: rnd(float(failing.reindex(list(g.trial_ids)).dropna().mean()))
                                 for g in groups if failing.index.isin(g.trial_ids).any()}
    found = [t for hp in data.numeric_varied if (t := threshold(data, hp))]
    evidence["thresholds"] = [{"param": t.param, "side": t.side, "value": rnd(t.value), "beyond": t.beyond,
                               "failing_beyond": rnd(t.failing_beyond), "trial_ids": list(t.trial_ids)}
                              for t in found]
    actions = [f"narrow {t.param} to {'below' if t.side == 'above' else 'above'} {t.value:.3g} "
               f"({t.failing_beyond:.0%} of the {t.beyond} trials {t.side} it failed), or reparameterize it"
               for t in found]
    ids: list[int] = [i for t in found for i in t.trial_ids]
    if counts["crashed"]:
        example = int(done.index[done["outcome"] == "crashed"].max())
        row = frame.loc[example]
        code = row["exit_code"]
        evidence["crash_example"] = {"trial_id": example, "exit_code": None if pd.isna(code) else int(code),
                                     "reason": row["reason"]}
    if crashed >= crash_fraction:
        ids.insert(0, example)
        return CheckResult(CHECK, TITLE, Status.FAIL,
                           f"{counts['crashed']} of {len(done)} trials crashed ({crashed:.0%}): likely a bug",
                           evidence, f"read the stderr tail of trial {example} and fix the training code; "
                           + "; ".join(actions), ids)
    where = "; ".join(f"{t.param} {t.side} {t.value:.3g}" for t in found)
    summary = (f"{fraction:.0%} of {len(done)} finished trials are infeasible "
               f"({counts['diverged']} diverged, {counts['crashed']} crashed)")
    if where:
        summary += f", mostly where {where}"
    if fraction >= fail_fraction:
        return CheckResult(CHECK, TITLE, Status.FAIL, summary, evidence,
                           "; ".join(actions) or "adjust or reparameterize the search space to avoid failing points",
                           ids)
    if fraction >= warn_fraction or found:
        return CheckResult(CHECK, TITLE, Status.WARN, summary, evidence,
                           "; ".join(actions) or "adjust the search space to avoid failing points", ids)
    return CheckResult(CHECK, TITLE, Status.PASS, summary, evidence)


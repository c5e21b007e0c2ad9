"""Checklist: do the best trials show problematic overfitting?

The playbook: problematic overfitting is a validation curve that starts rising during training.
Check at least the best trial of each scientific value (the ones a comparison rests on); if
any of them overfits, add or retune regularization before comparing. Overfitting elsewhere is
still worth a warning, because picking best trials favours configurations that regularize more
(a smaller learning rate included). The validation curve is the objective's metric; a best
"well before the end" is one reached before 80% of training, and "worse" means the last
window's mean exceeds the best moving average by more than four standard errors of late noise
(and by 1% of the improvement training made, so float noise never counts).
"""

from __future__ import annotations

import numpy as np

from tuitune.analysis.curves import CurveFeatures
from tuitune.analysis.frame import StudyData
from tuitune.analysis.result import CheckResult, Status, rnd

CHECK, TITLE = "overfitting", "Do the best trials overfit?"
EARLY = 0.8


def worsened(f: CurveFeatures) -> np.ndarray:
    """Rows whose curve ends clearly worse than its best moving average (lower is better)."""
    rise = f.tail - f.best_smooth
    floor = np.maximum(4 * f.late_noise * np.sqrt(2 / f.window), 0.01 * np.abs(f.head - f.best_smooth))
    return np.nan_to_num(rise, nan=0.0) > np.nan_to_num(floor, nan=np.inf) + 1e-12


def overfits(f: CurveFeatures) -> np.ndarray:
    """Rows that reached their best before ``EARLY`` of training and ended clearly worse."""
    return worsened(f) & (f.best_step >= 0) & (f.best_step <= EARLY * f.last_step)


def overfit_ids(data: StudyData) -> set[int]:
    """Ok trials whose validation (objective) curve overfits."""
    f = data.features(data.objective.metric, data.sign)
    return {int(i) for i in f.trial_ids[overfits(f)]}


def check_overfitting(data: StudyData) -> CheckResult:
    f = data.features(data.objective.metric, data.sign)
    judged = np.isfinite(f.tail)
    if not judged.any():
        return CheckResult(CHECK, TITLE, Status.NA,
                           f"no completed trial has a {data.objective.metric} curve of 8 points or more")
    flags = overfits(f)
    rank = {int(t): i for i, t in enumerate(data.ranked.index)}
    group_best = []
    for g in data.groups():
        members = [t for t in g.trial_ids if t in rank and judged[rank[t]]]
        if members:
            group_best.append((g.label, min(members, key=rank.__getitem__)))
    rows = []
    for label, t in group_best:
        i = rank[t]
        rows.append({"group": label, "trial_id": t, "overfits": bool(flags[i]), "best_step": int(f.best_step[i]),
                     "last_step": int(f.last_step[i]), "best_smoothed": rnd(f.best_smooth[i] * data.sign),
                     "final_smoothed": rnd(f.tail[i] * data.sign), "late_noise": rnd(f.late_noise[i])})
    others = [int(t) for t in f.trial_ids[flags] if int(t) not in {t for _, t in group_best}]
    evidence = {"metric": data.objective.metric, "best_per_group": rows, "judged": int(judged.sum()),
                "overfitting_elsewhere": len(others), "other_trial_ids": others[:20]}
    bad = [r for r in rows if r["overfits"]]
    if bad:
        said = "; ".join(f"trial {r['trial_id']} ({r['group']}) is best at step {r['best_step']} of "
                         f"{r['last_step']} and ends at {r['final_smoothed']:g} against {r['best_smoothed']:g}"
                         for r in bad) + " (smoothed curves)"
        return CheckResult(CHECK, TITLE, Status.FAIL, said, evidence,
                           "add regularization (dropout, label smoothing, weight decay) or retune it, then rerun "
                           "before comparing scientific values (expected if the scientific hyperparameter is "
                           "itself a regularizer)", [r["trial_id"] for r in bad])
    if others:
        return CheckResult(CHECK, TITLE, Status.WARN,
                           f"no best trial overfits, but {len(others)} other trial(s) do", evidence,
                           "picking best trials favours configurations that regularize more (a small learning "
                           "rate included); consider adding regularization", others[:20])
    return CheckResult(CHECK, TITLE, Status.PASS,
                       f"none of the {len(rows)} best trial(s) nor the other trials overfit", evidence)

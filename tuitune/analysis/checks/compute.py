"""Checklist: are the trials compute-bound?

The playbook: trials still improving at the end of training are "compute-bound" (more steps or
another learning-rate schedule may help, and conclusions hold for this budget only); trials
that saturated long before the last step are not, and could train for fewer steps. Judged on
the best trials' validation (objective) curves: still improving when the last fifth beats the
fifth before it by more than three standard errors of late noise and by 2% of the improvement
made; saturated when the moving average settled within noise of its final level by 60% of
training.
"""

from __future__ import annotations

import numpy as np

from tuitune.analysis.frame import StudyData
from tuitune.analysis.result import CheckResult, Status, rnd

CHECK, TITLE = "compute_bound", "Are the trials still improving at the end?"
BEST_K = 5
SATURATED = 0.6
"""Settled by this fraction of training counts as saturated "long before" the end."""


def check_compute_bound(data: StudyData) -> CheckResult:
    f = data.features(data.objective.metric, data.sign)
    best = [i for i in range(len(f.trial_ids)) if np.isfinite(f.late_gain[i])][:BEST_K]
    if not best:
        return CheckResult(CHECK, TITLE, Status.NA,
                           f"no completed trial has a {data.objective.metric} curve of 8 points or more")
    improvement = np.abs(f.head - f.tail)
    rows = []
    for i in best:
        improving = f.late_gain[i] > max(3 * f.late_gain_se[i], 0.02 * improvement[i], 1e-12)
        settled = f.settle_step[i] / max(f.last_step[i], 1)
        rows.append({"trial_id": int(f.trial_ids[i]), "late_gain": rnd(f.late_gain[i]),
                     "late_gain_se": rnd(f.late_gain_se[i]), "still_improving": bool(improving),
                     "settled_at_step": int(f.settle_step[i]), "settled_fraction": rnd(settled, 3),
                     "last_step": int(f.last_step[i])})
    evidence = {"metric": data.objective.metric, "best_trials": rows}
    improving = [r for r in rows if r["still_improving"]]
    if len(improving) * 2 > len(rows):
        return CheckResult(CHECK, TITLE, Status.WARN,
                           f"compute-bound: {len(improving)} of the {len(rows)} best trials still improve at the end",
                           evidence, "more training steps or another learning-rate schedule may help; conclusions "
                           "hold for this step budget", [r["trial_id"] for r in improving])
    early = [r for r in rows if not r["still_improving"] and r["settled_fraction"] <= SATURATED]
    if len(early) * 2 > len(rows):
        at = float(np.median([r["settled_fraction"] for r in early]))
        return CheckResult(CHECK, TITLE, Status.PASS,
                           f"not compute-bound: the best trials saturate by {at:.0%} of training", evidence,
                           f"about {at:.0%} of the steps may do; fewer steps would speed up the next rounds")
    return CheckResult(CHECK, TITLE, Status.PASS, "not compute-bound: the best trials level off near the end",
                       evidence)

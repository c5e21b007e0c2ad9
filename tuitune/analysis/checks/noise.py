"""Checklist: is there high step-to-step variance in the validation metric late in training?

The playbook: such noise makes each trial end on a lucky or unlucky step, which muddles both
the comparison of scientific values and reproducing the best trial. It is judged on the best
trials' validation (objective) curves over the last fifth of training: noisy when the noise
is over 2% of the improvement training made and larger than the improvement still being made.
It fails when it is also larger than the gap between the best results of the scientific values
being compared, since the noise alone could then reorder them.
"""

from __future__ import annotations

import numpy as np

from tuitune.analysis.frame import StudyData
from tuitune.analysis.result import CheckResult, Status, rnd

CHECK, TITLE = "late_noise", "Is the validation metric noisy late in training?"
BEST_K = 5
RELATIVE = 0.02
REMEDIES = ("likely causes: batch variance, a small validation set, a learning rate too high late in training; "
            "remedies: a larger batch, more validation data, learning-rate decay, Polyak averaging")


def check_late_noise(data: StudyData) -> CheckResult:
    f = data.features(data.objective.metric, data.sign)
    best = [i for i in range(len(f.trial_ids)) if np.isfinite(f.late_noise[i])][:BEST_K]
    if not best:
        return CheckResult(CHECK, TITLE, Status.NA,
                           f"no completed trial has a {data.objective.metric} curve of 8 points or more")
    improvement = np.abs(f.head - f.best_smooth)
    rows = [{"trial_id": int(f.trial_ids[i]), "late_noise": rnd(f.late_noise[i]), "late_gain": rnd(f.late_gain[i]),
             "noise_over_training_improvement": rnd(f.late_noise[i] / max(improvement[i], 1e-12), 3),
             "noisy": bool(f.late_noise[i] > RELATIVE * improvement[i] and f.late_noise[i] > max(f.late_gain[i], 0.0))}
            for i in best]
    noisy = [r for r in rows if r["noisy"]]
    evidence: dict[str, object] = {"metric": data.objective.metric, "best_trials": rows}
    if not noisy:
        return CheckResult(CHECK, TITLE, Status.PASS,
                           f"late noise is small in the {len(rows)} best trials", evidence)
    noise = float(np.median([r["late_noise"] for r in noisy]))
    group_bests = sorted(_group_best(data, g.trial_ids) for g in data.groups())
    said = (f"in {len(noisy)} of the {len(rows)} best trials the late step-to-step noise (median {noise:.3g}) "
            f"is above both the late gain and {RELATIVE:.0%} of the improvement training made")
    ids = [r["trial_id"] for r in noisy]
    finite = [b for b in group_bests if np.isfinite(b)]
    if len(finite) >= 2:
        gap = finite[1] - finite[0]
        evidence["gap_between_best_groups"] = rnd(gap)
        if noise > gap:
            return CheckResult(CHECK, TITLE, Status.FAIL,
                               said + f", and is larger than the {gap:.3g} gap between the best scientific values",
                               evidence, "the comparison can flip on a lucky step; " + REMEDIES, ids)
    return CheckResult(CHECK, TITLE, Status.WARN, said, evidence, REMEDIES, ids)


def _group_best(data: StudyData, trial_ids: tuple[int, ...]) -> float:
    """The best ok objective of a group, oriented so lower is better (inf when none)."""
    ok = data.ranked["objective"].reindex(list(trial_ids)).dropna()
    return float((ok * data.sign).min()) if len(ok) else float("inf")

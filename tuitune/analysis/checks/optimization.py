"""Checklist: does the model show optimization issues?

Two signs the playbook names: a training loss that rises over training usually means a bug in
the pipeline, and instability early in training (spikes) in the best trials, which warmup,
gradient clipping or a lower peak learning rate address. The training loss (the project's
``train_metric``) is always minimized. A rise in the best trial, or in at least half of the
trials, is a failure (a bug touches every configuration); a rise in a few trials is usually a
too-large learning rate and only warned about.
"""

from __future__ import annotations

import numpy as np

from tuitune.analysis.checks.overfitting import worsened
from tuitune.analysis.frame import StudyData
from tuitune.analysis.result import CheckResult, Status, rnd

CHECK, TITLE = "optimization", "Does the model show optimization issues?"
BEST_K = 5


def check_optimization(data: StudyData) -> CheckResult:
    f = data.features(data.train_metric)
    judged = np.isfinite(f.tail)
    if not judged.any():
        return CheckResult(CHECK, TITLE, Status.NA,
                           f"no completed trial has a {data.train_metric} curve of 8 points or more")
    rising = worsened(f) & judged
    rising_ids = [int(t) for t in f.trial_ids[rising]]
    best = [i for i in range(len(f.trial_ids)) if judged[i]][:BEST_K]
    spikes = [{"trial_id": int(f.trial_ids[i]), "step": int(f.spike_step[i]), "size_in_noise": rnd(f.spike_size[i], 3)}
              for i in best if f.spike_step[i] >= 0]
    evidence = {"metric": data.train_metric, "judged": int(judged.sum()), "rising": len(rising_ids),
                "rising_trial_ids": rising_ids[:20], "best_trial_ids": [int(f.trial_ids[i]) for i in best],
                "spikes": spikes}
    first = best[0]
    if rising[first] or rising.sum() >= judged.sum() / 2:
        i = first if rising[first] else int(np.flatnonzero(rising)[0])
        evidence["example"] = {"trial_id": int(f.trial_ids[i]), "lowest": rnd(f.best_smooth[i]),
                               "final": rnd(f.tail[i]), "lowest_at_step": int(f.best_step[i])}
        return CheckResult(CHECK, TITLE, Status.FAIL,
                           f"training loss rises in {len(rising_ids)} of {int(judged.sum())} trials"
                           f"{' including the best' if rising[first] else ''}: likely a pipeline bug",
                           evidence, "look for a bug in the training pipeline (loss, data, schedule) before tuning on",
                           rising_ids[:20])
    if spikes:
        said = ", ".join(f"trial {s['trial_id']} at step {s['step']}" for s in spikes)
        return CheckResult(CHECK, TITLE, Status.WARN, f"early instability in the best trials: spikes in {said}",
                           evidence, "try learning-rate warmup, gradient clipping or a lower peak learning rate",
                           [s["trial_id"] for s in spikes])
    if rising_ids:
        return CheckResult(CHECK, TITLE, Status.WARN,
                           f"training loss rises in {len(rising_ids)} of {int(judged.sum())} trials (not the best)",
                           evidence, "usually a too-large learning rate; if it happens at good settings, suspect "
                           "the pipeline", rising_ids[:20])
    return CheckResult(CHECK, TITLE, Status.PASS,
                       f"training loss falls in all {int(judged.sum())} trials and the best start smoothly", evidence)

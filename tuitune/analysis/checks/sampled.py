"""Checklist: have we sampled enough points from the search space?

The playbook admits this is hard to know and suggests two readings, both computed here: the
"best of k" box plot (does the best still improve when the number of trials doubles?) and how
many trials sit in the "good region" near the best. Material improvement is judged against
retrain noise when seed repeats exist (anything smaller is luck); otherwise against the
bootstrap spread (the interquartile range of the best of n/4 trials), so that only a best that
is still moving by more than a quarter-sized study varies counts.
"""

from __future__ import annotations

import numpy as np

from tuitune.analysis.frame import StudyData
from tuitune.analysis.result import CheckResult, Status, rnd
from tuitune.analysis.sampling import BestOfK, best_of_k
from tuitune.analysis.variance import retrain_noise

CHECK, TITLE = "sampled_enough", "Have we sampled enough points?"
MIN_TRIALS = 8
GOOD_REGION_MIN = 3


def boxes(data: StudyData, resamples: int = 1000, seed: int = 0) -> tuple[BestOfK, ...]:
    """The sampled-enough box plot of the ok trials."""
    return best_of_k(data.ranked["objective"].to_numpy(), data.sign, resamples=resamples, seed=seed)


def check_sampled_enough(data: StudyData, resamples: int = 1000, seed: int = 0) -> CheckResult:
    ranked = data.ranked
    n = len(ranked)
    if n < MIN_TRIALS:
        return CheckResult(CHECK, TITLE, Status.NA, f"{n} completed trials; need at least {MIN_TRIALS}")
    box = boxes(data, resamples, seed)
    by_k = {b.k: b for b in box}
    half, full, quarter = by_k[round(n / 2)], by_k[n], by_k[round(n / 4)]
    gain = (half.median - full.median) * data.sign
    noise = retrain_noise(data.frame)
    if noise is not None:
        reference, source = noise.sd, f"retrain sd over {noise.points} repeated points"
    else:
        reference, source = quarter.q3 - quarter.q1, f"bootstrap IQR of the best of {quarter.k}"
    objective = ranked["objective"].to_numpy()
    best = objective[0]
    tolerance = 2 * noise.sd if noise is not None else 0.1 * abs(float(np.median(objective)) - best)
    good = ranked.index[np.abs(objective - best) <= tolerance]
    evidence = {
        "n": n, "boxes": [{"k": b.k, "median": rnd(b.median), "q1": rnd(b.q1), "q3": rnd(b.q3),
                           "low": rnd(b.low), "high": rnd(b.high)} for b in box],
        "gain_half_to_all": rnd(gain), "reference": rnd(reference), "reference_source": source,
        "good_region": {"tolerance": rnd(tolerance), "count": len(good), "trial_ids": [int(i) for i in good[:20]]},
        "best_trial": int(ranked.index[0]),
    }
    moving = gain > reference and gain > 0
    line = (f"doubling from {half.k} to {n} trials improved the median best by {gain:.3g} "
            f"({'more' if moving else 'less'} than the {reference:.3g} {source.split(' over')[0]})")
    if moving:
        return CheckResult(CHECK, TITLE, Status.FAIL, line + "; the best is still moving", evidence,
                           "run more trials (or narrow the space / be less ambitious) before drawing conclusions",
                           [int(ranked.index[0])])
    if len(good) < GOOD_REGION_MIN:
        return CheckResult(CHECK, TITLE, Status.WARN,
                           f"only {len(good)} trial(s) within {tolerance:.3g} of the best; the best may be luck",
                           evidence, "run more trials near the best, or reseed the study to see if it holds",
                           [int(i) for i in good])
    return CheckResult(CHECK, TITLE, Status.PASS, line + f"; {len(good)} trials in the good region", evidence)

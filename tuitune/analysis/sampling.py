"""The playbook's "have we sampled enough?" box plot: the best of k trials, bootstrapped.

For k = n/8, n/4, n/2 and n, the distribution of the best objective among k trials drawn with
replacement from the n finished ones. Drawing 1,000 resamples of k trials explicitly costs
1,000 × k draws per box (ten million at n = 10,000); instead each resample draws the *rank* of
its best trial from its exact law, P(best rank >= j) = ((n - j) / n) ** k, by inverting one
uniform number. That is the same bootstrap distribution at a cost independent of k, and using
one uniform number per resample for every k couples the boxes, so each resample's best (and
hence every quantile) can only improve as k grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BestOfK:
    """One box: the bootstrapped best objective among ``k`` trials."""

    k: int
    median: float
    q1: float
    """25th percentile of the best (in the objective's units, not "worse" or "better")."""
    q3: float
    low: float
    """5th percentile (lower whisker)."""
    high: float
    """95th percentile (upper whisker)."""


def sizes(n: int) -> tuple[int, ...]:
    """k = n/8, n/4, n/2, n (rounded, at least 1, without repeats)."""
    return tuple(sorted({max(1, round(n / d)) for d in (8, 4, 2, 1)}))


def best_of_k(objectives: Sequence[float], sign: float, ks: Sequence[int] | None = None,
              resamples: int = 1000, seed: int = 0) -> tuple[BestOfK, ...]:
    """Bootstrap boxes of the best of ``k`` objectives (``sign`` +1 minimizes, -1 maximizes)."""
    values = np.sort(np.asarray(objectives, dtype=float) * sign) * sign  # best first
    n = len(values)
    if n == 0:
        return ()
    u = np.random.default_rng(seed).random(resamples)
    out = []
    for k in ks or sizes(n):
        ranks = np.minimum(np.floor(n * (1.0 - u ** (1.0 / k))).astype(np.int64), n - 1)
        best = values[ranks]
        q = np.quantile(best * sign, [0.05, 0.25, 0.5, 0.75, 0.95]) * sign  # quantiles of "badness"
        out.append(BestOfK(k=int(k), median=float(q[2]), q1=float(min(q[1], q[3])), q3=float(max(q[1], q[3])),
                           low=float(min(q[0], q[4])), high=float(max(q[0], q[4]))))
    return tuple(out)

"""Quasi-random points: a scrambled Halton sequence addressed by index.

Why Halton: the playbook prefers quasi-random search for exploration. It covers the space more
evenly than random search at the same budget (no clumps, no holes), it is not adaptive (the
points do not depend on results, so trials can run in any order and in parallel, and every
analysis plot stays an unbiased picture of the space), and it can be extended at any time.
Scrambling (random digit permutations, drawn from the seed) removes the correlations of plain
Halton between dimensions with large prime bases and makes the sequence a randomized one:
another seed gives another, equally even, sequence, which is what study variance measures.

Why by index: point ``i`` of a stream is a function of ``(seed, d, i)`` alone
(:meth:`scipy.stats.qmc.Halton.fast_forward`), so a resumed or extended study continues exactly
where it stopped, with no state but the seed and the count: ``unit_points(s, d, 40, 24)`` equals
``unit_points(s, d, 0, 64)[40:]``.
"""

from __future__ import annotations

import numpy as np


def unit_points(seed: int, d: int, start: int, count: int) -> np.ndarray:
    """Points ``start`` to ``start + count - 1`` of the scrambled Halton stream ``seed``.

    Args:
        seed: The stream's seed, in ``[0, 2**32)``.
        d: The number of dimensions (0 gives empty rows).
        start: Index of the first point.
        count: How many points.

    Returns:
        An array of shape ``(count, d)`` with values in ``[0, 1)``.
    """
    if d == 0 or count == 0:
        return np.zeros((count, d))
    from scipy.stats import qmc  # scipy.stats costs ~0.5 s to import: only when points are drawn

    engine = qmc.Halton(d, scramble=True, seed=seed)
    engine.fast_forward(start)
    return engine.random(count)

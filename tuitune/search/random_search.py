"""Seeded random points, addressed by index like the quasi-random ones.

Why by index: each point draws from its own generator, seeded from ``(stream seed, index)``
with :class:`numpy.random.SeedSequence`, so point ``i`` never depends on how many points were
drawn before it. A random study therefore resumes and extends exactly like a quasi-random one,
with no state but the seed and the count, and the two algorithms share every other piece of
machinery (the unit-cube transform, the balanced scientific rotation, repeats).
"""

from __future__ import annotations

import numpy as np


def unit_points(seed: int, d: int, start: int, count: int) -> np.ndarray:
    """Points ``start`` to ``start + count - 1`` of the uniform random stream ``seed``.

    Args:
        seed: The stream's seed, in ``[0, 2**32)``.
        d: The number of dimensions.
        start: Index of the first point.
        count: How many points.

    Returns:
        An array of shape ``(count, d)`` with values in ``[0, 1)``.
    """
    rows = [np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,))).random(d)
            for i in range(start, start + count)]
    return np.array(rows).reshape(count, d)

"""Every number tuitune derives from a study's seed.

Why one place: a study is fully described by its design and one integer seed, and everything
random about it (each scientific value's point stream, each per-value study's seed, each
repeat's training seed, the default seed of a reseeded sibling) is *derived* from that integer
with :class:`numpy.random.SeedSequence` and a purpose key. Derived seeds are independent of one
another, stable across runs and machines, and need no stored state, so a study resumes or extends
from its seed and its count alone.
"""

from __future__ import annotations

import numpy as np

STREAM = 1
"""Purpose key: the point stream of one scientific value combination."""
PER_VALUE = 2
"""Purpose key: the seed of one study made by :func:`tuitune.search.expand`."""
TRAINING = 3
"""Purpose key: the training seeds of one point's repeats."""
RESEED = 4
"""Purpose key: the default seed of a reseeded sibling."""
SEED_REPEATS = 5
"""Purpose key: the sequence seed of the Decide pane's seed repeats of one candidate trial (both
sides share it, and each candidate gets its own, so a baseline re-run in a later round draws new
training seeds instead of repeating the earlier runs)."""

TRAINING_SEED_LIMIT = 2**31
"""Training seeds lie in ``[0, 2**31)``, which every common framework accepts."""


def derive(seed: int, *keys: int) -> int:
    """An independent 32-bit seed for ``keys`` (a purpose key, then indices) under ``seed``.

    Args:
        seed: The study's seed (a non-negative integer).
        keys: Non-negative integers naming what the seed is for, e.g. ``(STREAM, 2)``.

    Returns:
        An integer in ``[0, 2**32)``.
    """
    sequence = np.random.SeedSequence(seed, spawn_key=keys)
    return int(sequence.generate_state(1)[0])


def training_seed(seed: int, index: int, repeat: int) -> int:
    """The training seed of repeat ``repeat`` of point ``index`` of a study seeded ``seed``.

    The repeats of one point get consecutive seeds from a base derived from ``(seed, index)``,
    so they are distinct by construction and a point's first ``k`` seeds do not change when
    ``repeats`` grows.

    Returns:
        An integer in ``[0, 2**31)``.
    """
    return (derive(seed, TRAINING, index) + repeat) % TRAINING_SEED_LIMIT

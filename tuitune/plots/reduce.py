"""Reducing a curve to what a plot's width can show, before plotext ever sees it.

Why: plotext's cost grows with the points it is given, not with the cells it draws (measured
here: 0.43 s to draw 5 curves of 10,000 points as given, 0.04 s reduced, at 100 columns), while a plot
``w`` columns wide can show at most a low and a high value per column. Keeping, in each column,
the point with the smallest and the point with the largest value (M4-style min/max decimation,
plus the first and last points) draws the same picture: every spike and dip stays, including
the NaN-free part of a diverging run's blow-up, and the cost is bounded by the width.
"""

from __future__ import annotations

import numpy as np


def reduce_curve(steps: np.ndarray, values: np.ndarray, width: int,
                 x_range: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """At most ``2 * width + 2`` points of the curve that draw like all of them at ``width`` columns.

    Columns split ``x_range`` (default: the curve's own step range) into ``width`` equal parts;
    pass the plot's x range when several curves share an axis, so their columns line up. Within
    each column the points holding the minimum and the maximum value are kept, plus the first
    and last points of the curve, in step order. Non-finite values are dropped: no plot can
    place them (a diverged trial's state says that it diverged). ``steps`` must be ascending.
    """
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    steps = np.asarray(steps, dtype=float)
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values) & np.isfinite(steps)
    steps, values = steps[finite], values[finite]
    if len(steps) <= 2 * width + 2:
        return steps, values
    lo, hi = x_range if x_range is not None else (steps[0], steps[-1])
    span = hi - lo
    column = np.zeros(len(steps), dtype=np.int64) if span <= 0 else \
        np.clip(((steps - lo) / span * width).astype(np.int64), 0, width - 1)
    order = np.lexsort((values, column))  # by column, then by value within it
    by_column = column[order]
    starts = np.flatnonzero(np.r_[True, by_column[1:] != by_column[:-1]])
    ends = np.r_[starts[1:], len(order)] - 1
    keep = np.unique(np.concatenate((order[starts], order[ends], [0, len(steps) - 1])))
    return steps[keep], values[keep]

"""reduce_curve: what a plot of a given width can show, and nothing it would lose."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tuitune.plots import reduce_curve


def columns_of(steps: np.ndarray, width: int, lo: float, hi: float) -> np.ndarray:
    return np.clip(((steps - lo) / (hi - lo) * width).astype(int), 0, width - 1)


def assert_draws_the_same(steps, values, width, x_range=None):
    """Every column keeps its min and max; the endpoints stay; the result is short and in order."""
    x, y = reduce_curve(steps, values, width, x_range)
    lo, hi = x_range or (steps[0], steps[-1])
    assert len(x) <= 2 * width + 2
    assert np.all(np.diff(x) > 0)
    assert (x[0], y[0]) == (steps[0], values[0]) and (x[-1], y[-1]) == (steps[-1], values[-1])
    kept, full = columns_of(x, width, lo, hi), columns_of(steps, width, lo, hi)
    for c in np.unique(full):
        assert y[kept == c].min() == values[full == c].min()
        assert y[kept == c].max() == values[full == c].max()


def test_a_long_noisy_curve_keeps_each_columns_extremes_and_its_endpoints():
    rng = np.random.default_rng(3)
    steps = np.arange(10_000, dtype=float)
    values = 1 / (1 + steps / 300) + rng.normal(0, 0.05, len(steps))
    values[4321] = 9.0  # a spike must survive
    assert_draws_the_same(steps, values, 80)
    x, y = reduce_curve(steps, values, 80)
    assert 9.0 in y and 4321 in x


def test_columns_follow_the_shared_x_range_of_several_curves():
    steps = np.arange(100, 5_000, dtype=float)  # a curve that starts late on a 0..10,000 axis
    values = np.sin(steps / 50)
    assert_draws_the_same(steps, values, 40, x_range=(0.0, 10_000.0))


def test_a_short_curve_is_returned_whole_and_non_finite_points_are_dropped():
    steps = np.arange(6, dtype=float)
    values = np.array([3.0, 2.0, np.nan, 1.0, np.inf, 0.5])
    x, y = reduce_curve(steps, values, 80)
    assert x.tolist() == [0, 1, 3, 5] and y.tolist() == [3.0, 2.0, 1.0, 0.5]


def test_a_width_below_one_is_refused():
    with pytest.raises(ValueError, match="width"):
        reduce_curve(np.arange(3), np.arange(3), 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=400), st.integers(1, 50),
       st.lists(st.integers(1, 5), min_size=400, max_size=400))
def test_any_curve_keeps_the_extremes_of_every_column(values, width, gaps):
    steps = np.cumsum(np.array(gaps[:len(values)], dtype=float))
    values = np.array(values)
    if len(values) <= 2 * width + 2:
        x, y = reduce_curve(steps, values, width)
        assert x.tolist() == steps.tolist() and y.tolist() == values.tolist()
    else:
        assert_draws_the_same(steps, values, width)

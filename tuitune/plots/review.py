"""The Review's plots: axis plots, the isolation plot, the sampled-enough box plot.

Why they are drawn like this (the playbook's "learn from the results" figures):

* **Axis plot**: one point per finished trial, objective against the hyperparameter in its own
  scale (log10 positions, real-value ticks, for a log hyperparameter); trials that diverged or
  crashed are an ``x`` row along the top, since they have no objective but their *position*
  is the lesson (a learning rate range whose top half diverges); two vertical lines mark the
  boundary bands, because a best point inside a band says the search space should grow.
* **Isolation plot**: the best trial per scientific value, joined in value order, each flagged
  in words when its best sits at a nuisance edge or overfits, because then that value's point
  is unreliable and the comparison is not yet fair. Values with no completed trial are an ``x``.
* **Sampled enough**: bootstrapped boxes of the best objective among k trials for growing k
  (:mod:`tuitune.analysis.sampling`); boxes that still move as k grows mean more trials would
  still pay.

The best trial is always drawn with its own marker ``o`` as well as its own colour, so it can be
found with colour off.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from tuitune.plots.canvas import (INFEASIBLE_MARKER, Style, category_axis, figure, log10, log_ticks, marker, text,
                                  value_axis)

if TYPE_CHECKING:  # analysis pulls in pandas and scipy; drawing needs only the attributes
    from tuitune.analysis import AxisPlot, BestOfK, Isolation

BEST_MARKER = "o"


def draw_axis(plot: AxisPlot, style: Style = Style(), *, objective: str = "objective") -> str:
    """The basic hyperparameter axis plot of :func:`tuitune.analysis.axis_plot`, as text."""
    log = plot.scale == "log"
    failed = len(plot.infeasible_x)
    title = f"{plot.param}: {len(plot.y)} trials" + (f", {failed} infeasible {INFEASIBLE_MARKER}" if failed else "")
    if plot.best_trial_id is not None:
        title += f", best #{plot.best_trial_id} {BEST_MARKER}"
    with figure(style, title, f"{plot.param} (log scale)" if log else plot.param, objective) as plt:
        place, labels = _placement(plot)
        x, y = place(plot.x), np.asarray(plot.y, dtype=float)
        if len(x):
            plt.scatter(x.tolist(), y.tolist(), marker=marker(style))
        if plot.best_trial_id is not None and plot.best_trial_id in plot.trial_ids:
            i = list(plot.trial_ids).index(plot.best_trial_id)
            plt.scatter([x[i]], [y[i]], marker=BEST_MARKER, color="green")
        if failed:
            plt.scatter(place(plot.infeasible_x).tolist(), [_above(y)] * failed, marker=INFEASIBLE_MARKER,
                        color="red")
        if len(y):
            value_axis(plt, style, float(y.min()), _above(y) if failed else float(y.max()))
        if plot.bands:
            (low, inner_low), (inner_high, high) = (place(np.array(band)) for band in plot.bands)
            for edge in (inner_low, inner_high):
                plt.vertical_line(float(edge), color="gray")
            plt.xlim(float(low), float(high))
            if log:
                plt.xticks(*log_ticks(float(low), float(high)))
        if labels:
            category_axis(plt, labels)
        return text(plt, style)


def draw_isolation(iso: Isolation, style: Style = Style(), *, objective: str = "objective") -> str:
    """The isolation plot of :func:`tuitune.analysis.isolation`, as text."""
    prefix = f"{iso.param}="
    labels = [p.label.removeprefix(prefix) for p in iso.points]
    scored = [(i + 1.0, p) for i, p in enumerate(iso.points) if p.trial_id is not None]
    missing = [i + 1.0 for i, p in enumerate(iso.points) if p.trial_id is None]
    best = iso.best
    title = (f"isolation: best {objective} per {iso.param or 'study'}" + (f", best {BEST_MARKER}" if best else "")
             + (f", no completed trial {INFEASIBLE_MARKER}" if missing else ""))
    with figure(style, title, iso.param or "study", objective) as plt:
        y = np.array([p.objective for _, p in scored], dtype=float)
        if scored:
            plt.plot([x for x, _ in scored], y.tolist(), marker=marker(style))
            lift = 0.06 * _span(y)
            for x, p in scored:
                notes = [*(f"edge {e}" for e in p.edges), *(["overfits"] if p.overfits else [])]
                if notes:
                    plt.text(", ".join(notes), x, p.objective + lift, color="orange")
        if best is not None:
            x = next(x for x, p in scored if p is best)
            plt.scatter([x], [best.objective], marker=BEST_MARKER, color="green")
        if missing:
            plt.scatter(missing, [_above(y)] * len(missing), marker=INFEASIBLE_MARKER, color="red")
        if scored:
            value_axis(plt, style, float(y.min()), _above(y))  # room above for notes and missing points
        if labels:
            category_axis(plt, labels)
        return text(plt, style)


def draw_sampled_enough(boxes: Sequence[BestOfK], style: Style = Style(), *, objective: str = "objective") -> str:
    """The sampled-enough box plot of :func:`tuitune.analysis.best_of_k`: per k, the median,
    quartiles (box) and 5th-95th percentiles (whiskers) of the best objective among k trials."""
    title = f"sampled enough? best {objective} among k trials" if boxes else "sampled enough? no finished trials"
    with figure(style, title, "trials drawn (k)", objective) as plt:
        if boxes:
            plt.box(list(range(1, len(boxes) + 1)), [[b.high, b.q3, b.median, b.q1, b.low] for b in boxes],
                    quintuples=True, reset_ticks=False)
            value_axis(plt, style, min(b.low for b in boxes), max(b.high for b in boxes))
            category_axis(plt, [f"k={b.k}" for b in boxes])
        return text(plt, style)


def _placement(plot: AxisPlot) -> tuple[Callable[[np.ndarray], np.ndarray], list[str]]:
    """How values become x positions, and the category labels: log10 for a log hyperparameter,
    the values themselves for a linear one, 1..n in value order for a categorical one."""
    if plot.numeric:
        return (log10 if plot.scale == "log" else partial(np.asarray, dtype=float)), []
    values = sorted({*plot.x, *plot.infeasible_x}, key=_value_order)
    index = {str(v): i + 1.0 for i, v in enumerate(values)}
    return (lambda a: np.array([index[str(v)] for v in a], dtype=float)), list(index)


def _value_order(value: object) -> tuple[bool, object]:
    """Numbers (and bools) in numeric order, then strings in text order."""
    return (True, value) if isinstance(value, str) else (False, float(value))


def _span(y: np.ndarray) -> float:
    """The vertical extent of ``y`` (1 when it has none), for offsets in data units."""
    extent = float(np.ptp(y)) if len(y) else 0.0
    return extent or (abs(float(y[0])) if len(y) and y[0] else 1.0)


def _above(y: np.ndarray) -> float:
    """Where points without an objective go: a row just above the highest objective."""
    return (float(y.max()) if len(y) else 0.0) + 0.08 * _span(y)

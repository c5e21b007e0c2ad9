"""Training curves: the Monitor's live curves and the Review's best-k curves, one drawing path.

Why one path: both show a handful of (steps, values) series on shared axes with an optional
log-y, and both must stay fast while runs stream in, so both reduce every series to the plot's
columns (:func:`~tuitune.plots.reduce.reduce_curve`) over the *shared* step range before any
point reaches plotext.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from tuitune.plots.canvas import Style, figure, log10, log_ticks, marker, text, value_axis
from tuitune.plots.reduce import reduce_curve

if TYPE_CHECKING:  # analysis pulls in pandas and scipy; drawing needs only the attributes
    from tuitune.analysis import TrialCurves

Series = Mapping[str, tuple[np.ndarray, np.ndarray]]
"""Legend label -> (steps, values)."""


def draw_curves(series: Series, style: Style = Style(), *, log_y: bool = False, title: str = "",
                ylabel: str = "") -> str:
    """Several curves on one step axis, as text; ``log_y`` plots log10 of the positive values
    with ticks labelled in real values. Series with nothing drawable are left out."""
    drawable = {}
    for label, (s, v) in series.items():
        steps, values = np.asarray(s, dtype=float), log10(v) if log_y else np.asarray(v, dtype=float)
        if (ok := np.isfinite(steps) & np.isfinite(values)).any():
            drawable[label] = (steps[ok], values[ok])
    heading = title if drawable else f"{title} (no measurements yet)".strip()
    with figure(style, heading, "step", ylabel) as plt:
        if drawable:
            x_lo = min(s[0] for s, _ in drawable.values())
            x_hi = max(s[-1] for s, _ in drawable.values())
            y_lo = min(v.min() for _, v in drawable.values())
            y_hi = max(v.max() for _, v in drawable.values())
            legend = len(drawable) + 1 <= (rows := style.height - 5) // 2
            for label, (steps, values) in drawable.items():
                x, y = reduce_curve(steps, values, style.columns, (x_lo, x_hi))
                plt.plot(x.tolist(), y.tolist(), marker=marker(style), label=label if legend else None)
            if legend:  # the legend covers the top-left rows: lift the top so no curve runs under it
                y_hi += (y_hi - y_lo or 1.0) * len(drawable) / (rows - len(drawable))
            if log_y:
                plt.ylim(y_lo, y_hi)
                plt.yticks(*log_ticks(y_lo, y_hi))
            else:
                value_axis(plt, style, y_lo, y_hi)
            if x_hi > x_lo:
                plt.xticks(*step_ticks(x_lo, x_hi))
        return text(plt, style)


def step_ticks(lo: float, hi: float, count: int = 5) -> tuple[list[float], list[str]]:
    """``count`` ticks from ``lo`` to ``hi`` at whole steps, labelled without decimals."""
    positions = sorted({round(p) for p in np.linspace(lo, hi, count)})
    return [float(p) for p in positions], [str(p) for p in positions]


def draw_best_curves(best: Sequence[TrialCurves], style: Style = Style(), *, metrics: Sequence[str] | None = None,
                     log_y: bool = False) -> str:
    """The best trials' curves (:func:`tuitune.analysis.best_curves`), labelled ``#id metric``.

    ``metrics`` picks which of each trial's curves to draw (the train/valid toggle); default all.
    """
    series = {f"#{t.trial_id} {m}": curve for t in best for m, curve in t.curves.items()
              if metrics is None or m in metrics}
    shown = ", ".join(metrics) if metrics else "curves"
    return draw_curves(series, style, log_y=log_y, title=f"best {len(best)} trials: {shown}")

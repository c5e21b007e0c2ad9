"""The Design pane's preview: where the first points of a study fall over two hyperparameters.

Why it is split in two (optuna's visualization style): :func:`preview_info` computes what to
draw from the study's points (:func:`tuitune.search.points`, the very points that will run), and
:func:`draw_preview` draws it with plotext as text. Neither imports Textual, so the drawing can
move to :mod:`tuitune.plots` as it is; the info is what the tests check. Axes show the
hyperparameter's whole range (log scales as powers of ten), so the user sees how the points
cover the space, not just where they are. Each scientific value gets its own marker *and*
colour, so the preview reads in monochrome too; with the ``ascii`` marker style (fonts without
braille, often without ``•`` either) the markers are plain ASCII. Drawing goes through
:func:`tuitune.plots.canvas.figure`, which holds plotext's one global figure for the caller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tuitune import search
from tuitune.domain import Hyperparameter, Layout, Study
from tuitune.domain.space import Scale
from tuitune.plots.canvas import Style, figure, text
from tuitune.tui.design_draft import cell_value

MARKERS = ("•", "x", "+", "*", "o", "#")
ASCII_MARKERS = ("o", "x", "+", "*", "@", "#")
"""The markers for the ``ascii`` marker style."""
COLORS = ("cyan", "magenta", "green", "yellow", "blue", "red")
AXIS_PROBE = 32
"""Points of each (per-value) study looked at to tell which hyperparameters are active."""


@dataclass(frozen=True)
class Axis:
    """One axis: a hyperparameter (or the point index) and how its values are placed."""

    name: str
    kind: str
    """``linear``, ``log`` (placed at log10 of the value), ``category`` or ``index``."""
    low: float | None = None
    high: float | None = None
    categories: tuple[str, ...] = ()

    def place(self, value: object) -> float | None:
        if self.kind == "category":
            text = category_text(value)
            return float(self.categories.index(text)) if text in self.categories else None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if self.kind == "log":
            return math.log10(value) if value > 0 else None
        return float(value)


@dataclass(frozen=True)
class Series:
    """The points of one scientific value combination (or all points)."""

    label: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]


@dataclass(frozen=True)
class PreviewInfo:
    x: Axis
    y: Axis
    series: tuple[Series, ...]
    shown: int
    """Points drawn (a point where an axis is inactive is not drawn)."""
    total: int
    """Points previewed."""


def category_text(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def axis_for(p: Hyperparameter) -> Axis:
    if not p.numeric:
        return Axis(p.id, "category", categories=tuple(category_text(v) for v in (p.values or (p.value,))))
    if p.scale is Scale.LOG and p.low is not None and p.high is not None and p.low > 0:
        return Axis(p.id, "log", math.log10(p.low), math.log10(p.high))
    low = p.low if p.low is not None else p.value
    high = p.high if p.high is not None else p.value
    return Axis(p.id, "linear", None if low is None else float(low), None if high is None else float(high))


def default_axes(study: Study) -> tuple[str | None, str | None]:
    """The first two varying hyperparameters, nuisance ones on x first (the sweep's shape).

    A conditional one that no early point activates (``beta1`` when the optimizer is fixed to
    momentum) would draw an empty plot, so it comes only after those that do."""
    active = {pid for child in search.expand(study) for point in search.points(child, 0, AXIS_PROBE)
              for pid in point.params}
    varying = sorted(study.space.varying, key=lambda p: (p.id not in active, p.role.value != "nuisance"))
    ids = [p.id for p in varying]
    return (ids[0] if ids else None, ids[1] if len(ids) > 1 else None)


def pick_axes(study: Study, wanted: tuple[str | None, str | None]) -> tuple[str | None, str | None]:
    """``wanted`` where those hyperparameters vary in ``study`` (and differ), else the defaults."""
    varying = {p.id for p in study.space.varying}
    x, y = wanted
    dx, dy = default_axes(study)
    x = x if x in varying else dx
    y = y if y in varying and y != x else next((p for p in (dx, dy) if p and p != x), None)
    return x, y


def preview_info(study: Study, x: str, y: str | None, n: int) -> PreviewInfo:
    """The first ``n`` points of ``study`` (spread over its per-value studies) over ``x`` and
    ``y`` (the point's index when ``y`` is ``None``)."""
    children = search.expand(study)
    groups: dict[str, list[tuple[int, dict]]] = {}
    for child in children:
        count = max(1, n // len(children)) if len(children) > 1 else n
        for point in search.points(child, 0, count):
            if study.layout is Layout.PER_VALUE and len(children) > 1:
                name = _label(dict(child.extra.get("values", {})))
            else:
                name = _label(dict(point.scientific)) or "points"
            groups.setdefault(name, []).append((point.index, dict(point.params)))
    if len(groups) > len(MARKERS):  # a continuous scientific value: a marker each tells nothing apart
        groups = {"points": sorted((row for rows in groups.values() for row in rows), key=lambda row: row[0])}
    x_axis = axis_for(study.space[x])
    total = sum(len(g) for g in groups.values())
    y_axis = axis_for(study.space[y]) if y is not None else Axis("point", "index", 0.0, float(max(total - 1, 1)))
    series, shown = [], 0
    for name, rows in groups.items():
        xs, ys = [], []
        for index, params in rows:
            px = x_axis.place(params.get(x))
            py = float(index) if y is None else y_axis.place(params.get(y))
            if px is not None and py is not None:
                xs.append(px)
                ys.append(py)
        shown += len(xs)
        series.append(Series(name, tuple(xs), tuple(ys)))
    return PreviewInfo(x_axis, y_axis, tuple(series), shown, total)


def _label(combo: dict) -> str:
    """``wd=0.0001,optimizer=adam``: a scientific combination, as the table's cells show values."""
    return ",".join(f"{pid}={cell_value(v)}" for pid, v in combo.items())


def _ticks(axis: Axis, room: int) -> tuple[list[float], list[str]] | None:
    if axis.kind == "category":
        step = max(1, math.ceil(len(axis.categories) * 8 / max(room, 8)))
        return ([float(i) for i in range(0, len(axis.categories), step)],
                [c[:8] for c in axis.categories[::step]])
    if axis.kind == "log" and axis.low is not None and axis.high is not None:
        exps = list(range(math.ceil(axis.low - 1e-9), math.floor(axis.high + 1e-9) + 1))
        step = max(1, math.ceil(len(exps) * 6 / max(room, 6)))
        exps = exps[::step] or [round(axis.low)]
        return [float(e) for e in exps], [f"{10.0 ** e:g}" for e in exps]
    if axis.kind == "linear" and axis.low is not None and axis.high is not None and axis.low < axis.high:
        count = max(2, min(room // 10, 5))
        marks = [axis.low + (axis.high - axis.low) * i / (count - 1) for i in range(count)]
        return marks, [f"{m:.3g}" for m in marks]
    if axis.kind == "index" and axis.high is not None:
        count = max(2, min(room // 3, int(axis.high) + 1, 6))
        marks = sorted({round(axis.high * i / (count - 1)) for i in range(count)})
        return [float(m) for m in marks], [str(m) for m in marks]
    return None


def _limits(axis: Axis) -> tuple[float, float] | None:
    if axis.kind == "category":
        return -0.5, len(axis.categories) - 0.5
    if axis.low is None or axis.high is None or axis.low == axis.high:
        return None
    pad = (axis.high - axis.low) * 0.04
    return axis.low - pad, axis.high + pad


def markers(style: str) -> tuple[str, ...]:
    """The series' markers for a marker style (see :data:`tuitune.plots.MARKERS`)."""
    return ASCII_MARKERS if style == "ascii" else MARKERS


def draw_preview(info: PreviewInfo, style: Style) -> str:
    """``info`` as a plotext scatter of ``style.width`` x ``style.height`` cells (ANSI text)."""
    glyphs = markers(style.marker)
    with figure(style) as plt:
        for i, s in enumerate(info.series):
            if s.xs:
                plt.scatter(list(s.xs), list(s.ys), marker=glyphs[i % len(glyphs)], color=COLORS[i % len(COLORS)])
        for axis, lim, ticks in ((info.x, plt.xlim, plt.xticks), (info.y, plt.ylim, plt.yticks)):
            if (limits := _limits(axis)) is not None:
                lim(*limits)
            if (found := _ticks(axis, style.width if axis is info.x else style.height * 3)) is not None:
                ticks(*found)
        return text(plt, style)


def legend(info: PreviewInfo, style: str = "braille") -> str:
    """``wd: • 0  x 0.0001``: the marker of each scientific value (empty for one series)."""
    if len(info.series) < 2:
        return ""
    labels = [s.label for s in info.series]
    keys = {label.partition("=")[0] for label in labels}
    prefix = ""
    if len(keys) == 1 and all("=" in label and "," not in label for label in labels):
        prefix = f"{keys.pop()}: "
        labels = [label.partition("=")[2] for label in labels]
    glyphs = markers(style)
    return prefix + "  ".join(f"{glyphs[i % len(glyphs)]} {label}" for i, label in enumerate(labels))

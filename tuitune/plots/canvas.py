"""The one place that talks to plotext: size, marker, colour, log axes, and the lock.

Why it works like this:

* **plotext keeps one global figure**, so two threads drawing at once (a Textual worker and the
  UI thread, or two workers) would mix their series. Every drawing holds :data:`_LOCK` from
  ``clear_figure()`` to ``build()``; a drawing takes milliseconds once curves are reduced
  (:mod:`tuitune.plots.reduce`), so nobody waits long.
* **The size is exactly what was asked.** plotext by default clips the plot to the size of the
  terminal it was imported in (meaningless inside a TUI pane or a worker thread), so
  ``limit_size(False, False)`` is set for each figure; the trailing newline of ``build()`` is
  removed so the text is ``height`` lines of ``width`` columns.
* **Colour off means no escape codes at all.** plotext's colourless theme still writes reset
  codes at the end of lines, so they are stripped from the built text. Colour on uses the
  ``pro`` theme: the terminal's own background and 256-colour series colours, never truecolor,
  which is what SSH sessions and tmux render correctly.
* **Markers fall back for fonts without braille**: ``braille`` (2x4 dots a cell, the finest),
  ``hd`` (2x2 block quadrants, in nearly every monospace font), ``dot`` and ``ascii``.
* **Log axes are drawn by hand**: values are plotted as log10 and the ticks are labelled with
  the real values (``0.001``, ``0.01``...), so the reader sees learning rates, not exponents,
  and plotext's date and log helpers are never involved.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import plotext

from tuitune.plots.markers import MARKERS, SUBCOLUMNS

INFEASIBLE_MARKER = "x"
"""The playbook's red cross, in ASCII so that it reads in every font and without colour."""

_LOCK = threading.Lock()


@dataclass(frozen=True)
class Style:
    """How a plot is drawn: its size in terminal cells, its marker and whether it has colour."""

    width: int = 80
    height: int = 20
    marker: str = "braille"
    """One of :data:`MARKERS`: ``braille`` needs a font with the braille block."""
    color: bool = True

    def __post_init__(self) -> None:
        if self.marker not in MARKERS:
            raise ValueError(f"unknown marker style {self.marker!r}; choose one of {', '.join(MARKERS)}")
        if self.width < 20 or self.height < 6:
            raise ValueError(f"a plot needs at least 20x6 cells, got {self.width}x{self.height}")

    @property
    def columns(self) -> int:
        """Distinct x positions the plot can show: cells across times the marker's sub-columns."""
        return self.width * SUBCOLUMNS[self.marker]


@contextmanager
def figure(style: Style, title: str = "", xlabel: str = "", ylabel: str = "") -> Iterator[ModuleType]:
    """A cleared plotext figure of ``style``'s size and theme, held for the caller alone.

    Use it as ``with figure(style, ...) as plt:`` and end the block with ``return text(plt, style)``.
    """
    with _LOCK:
        plotext.clear_figure()
        plotext.limit_size(False, False)
        plotext.plot_size(style.width, style.height)
        plotext.theme("pro" if style.color else "clear")
        if title:  # plotext drops a title longer than about width - 6: cut it instead
            room = max(4, style.width - 7)
            plotext.title(title if len(title) <= room else title[: room - 1] + "…")
        if xlabel:
            plotext.xlabel(xlabel)
        if ylabel:
            plotext.ylabel(ylabel)
        yield plotext


def text(plt: ModuleType, style: Style) -> str:
    """The built figure: ``style.height`` lines, no escape codes unless ``style.color``."""
    out = plt.build().rstrip("\n")
    return out if style.color else plt.uncolorize(out)


def marker(style: Style) -> str:
    return MARKERS[style.marker]


def log_ticks(lo: float, hi: float, most: int = 6) -> tuple[list[float], list[str]]:
    """Tick positions in log10 units between ``lo`` and ``hi`` (log10 units too), labelled with
    the real values: whole decades when two or more fit, else the 1-2-5 steps inside, else a few
    even steps (a range narrower than from 1 to 2)."""
    decades = range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1)
    if len(decades) >= 2:
        positions = [float(e) for e in decades[::max(1, math.ceil(len(decades) / most))]]
    else:
        positions = [p for e in range(math.floor(lo), math.ceil(hi) + 1) for m in (1, 2, 5)
                     if lo - 1e-9 <= (p := e + math.log10(m)) <= hi + 1e-9]
        if len(positions) < 2:
            positions = [float(p) for p in np.linspace(lo, hi, 4)]
    return positions, [f"{10 ** p:.3g}" for p in positions]


def value_axis(plt: ModuleType, style: Style, lo: float, hi: float) -> None:
    """A linear y axis from ``lo`` to ``hi`` with short tick labels (4 significant digits, more
    only where needed to tell two apart). plotext prints its own labels in full: a diverged
    trial's 3e46 took 48 of a plot's 80 columns and left no room for the curves."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return
    if hi <= lo:
        lo, hi = lo - (abs(lo) or 1.0) * 0.5, hi + (abs(hi) or 1.0) * 0.5
    plt.ylim(lo, hi)
    positions = np.linspace(lo, hi, max(2, min(5, (style.height - 2) // 4 + 1))).tolist()
    for digits in range(4, 10):
        labels = [f"{p:.{digits}g}" for p in positions]
        if len(set(labels)) == len(labels):
            break
    plt.yticks(positions, labels)


def log10(values: np.ndarray) -> np.ndarray:
    """log10 of the positive values; others become NaN (a log axis cannot place them)."""
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, np.nan)
    np.log10(values, out=out, where=values > 0)
    return out


def category_axis(plt: ModuleType, labels: list[str]) -> None:
    """Positions 1..n labelled ``labels``, with half a slot of margin so end points are not clipped.

    plotext reads text x values as dates, so categories are always drawn at numbers.
    """
    plt.xticks(list(range(1, len(labels) + 1)), labels)
    plt.xlim(0.5, len(labels) + 0.5)

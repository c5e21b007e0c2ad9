"""Plots: the analysis results drawn as text with plotext, for the TUI and the command line.

Why this layer exists apart from :mod:`tuitune.analysis` and :mod:`tuitune.tui`: analysis
computes *what* a plot shows (info objects, tested as numbers); this package only draws them, as
pure functions ``info, Style -> str`` (the text plotext builds, ``Style.height`` lines of
``Style.width`` columns, with ANSI colours only when ``Style.color``). Nothing here imports
Textual, so ``tuitune review`` can print the same plots the Review screen shows, and a Textual
widget only has to put the string on screen (``rich.text.Text.from_ansi``).

* :func:`draw_axis`, :func:`draw_isolation`, :func:`draw_sampled_enough` — the Review's plots;
* :func:`draw_best_curves`, :func:`draw_curves` — best-k curves and the Monitor's live curves;
* :func:`reduce_curve` — min/max per column, applied to every curve before drawing;
* :class:`Style` — size, marker (``braille``, ``hd``, ``dot``, ``ascii``) and colour.
"""

from tuitune.plots.canvas import MARKERS, Style
from tuitune.plots.curves import draw_best_curves, draw_curves
from tuitune.plots.reduce import reduce_curve
from tuitune.plots.review import draw_axis, draw_isolation, draw_sampled_enough

__all__ = ["MARKERS", "Style", "draw_axis", "draw_best_curves", "draw_curves", "draw_isolation",
           "draw_sampled_enough", "reduce_curve"]

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
* :class:`Style` — size, marker (:data:`MARKERS`: ``braille``, ``hd``, ``dot``, ``ascii``) and colour.

The names are imported on first use (PEP 562): numpy and plotext take a tenth of a second to
import, which the TUI's first screen need not pay, and :data:`MARKERS` comes without them.
"""

from __future__ import annotations

import importlib

from tuitune.plots.markers import MARKERS

_HOMES = {"Style": "canvas", "draw_best_curves": "curves", "draw_curves": "curves", "reduce_curve": "reduce",
          "draw_axis": "review", "draw_isolation": "review", "draw_sampled_enough": "review"}

__all__ = ["MARKERS", *_HOMES]


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)

"""The Monitor's live curves: the selected trial against its study's best, drawn with plotext.

Why it works like this: plotext's cost grows with the points it is given, so
:func:`tuitune.plots.draw_curves` reduces every series to the plot's columns first; and a drawing
is made only when something visible changed (new steps, other trials, the size, log-y or the
metrics shown), on the ``compute`` lane, never on the event loop. A refresh that brings nothing
new costs a tuple comparison. The screen awaits :meth:`CurvesView.plot` and puts the result on
screen together with its other updates, so one refresh repaints once.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from rich.text import Text
from textual import work
from textual.widgets import Static

from tuitune.plots import Style, draw_curves
from tuitune.tui.monitor_data import CurvesData

SERIES_COLORS = ("bright_blue", "bright_green", "bright_red", "bright_cyan", "bright_magenta", "yellow", "white",
                 "blue", "green", "red", "cyan", "magenta")
"""plotext's colour sequence (``blue+``, ``green+``, ...): the i-th series drawn gets the i-th colour."""


class Shown(StrEnum):
    """Which metrics are drawn for each plotted trial (the ``c`` key cycles them)."""

    VALID = "valid"
    TRAIN = "train"
    BOTH = "both"

    def next(self) -> Shown:
        members = list(Shown)
        return members[(members.index(self) + 1) % len(members)]


class CurvesView(Static):
    """Draws a :class:`CurvesData`; ``log_y`` and ``shown`` change how (call :meth:`redraw`)."""

    def __init__(self, train_metric: str, valid_metric: str, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.train_metric = train_metric
        self.valid_metric = valid_metric
        self.log_y = False
        self.shown = Shown.VALID
        self.study = ""
        self._data: CurvesData | None = None
        self._drawn: tuple | None = None

    def set_data(self, data: CurvesData, study: str) -> None:
        """What to draw next; :meth:`plot` draws it (the screen batches it with its other updates)."""
        self._data = data
        self.study = study

    def on_resize(self) -> None:
        self.redraw()

    def metrics(self) -> tuple[str, ...]:
        if self.shown is Shown.VALID:
            return (self.valid_metric,)
        if self.shown is Shown.TRAIN:
            return (self.train_metric,)
        return tuple(dict.fromkeys((self.train_metric, self.valid_metric)))

    def series(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Legend label -> (steps, values) of what is shown now, only curves with a point to draw
        (so the i-th series gets plotext's i-th colour, which the legend line repeats)."""
        if self._data is None:
            return {}
        metrics = self.metrics()
        out = {}
        for s in self._data.series:
            if s.metric not in metrics:
                continue
            steps, values = np.asarray(s.steps, dtype=float), np.asarray(s.values, dtype=float)
            ok = np.isfinite(values) & (values > 0 if self.log_y else True)
            if ok.any():
                label = f"#{s.trial_id}" + (f" {s.metric}" if len(metrics) > 1 else "")
                out[label] = (steps, values)
        return out

    def legend(self, labels: list[str]) -> Text:
        """The line above the plot: metrics, then each curve's label in its plot colour."""
        data = self._data
        selected = next((s.trial_id for s in data.series if s.selected), None) if data else None
        text = Text()
        text.append(" & ".join(self.metrics()), style="bold")
        if self.log_y:
            text.append(" (log y)", style="dim")
        for i, label in enumerate(labels):
            text.append("  ")
            text.append("━ " + label, style=SERIES_COLORS[i % len(SERIES_COLORS)])
            if selected is not None and label.split()[0] == f"#{selected}":
                text.append(" selected", style="dim")
        if data and [t for t in data.trial_ids if t != selected]:
            text.append(f"  (best of {self.study})", style="dim")
        if not labels:
            text.append("  no measurements yet", style="dim")
        return text

    def redraw(self) -> None:
        """Draw again now if anything visible changed (after a resize or a toggle)."""
        self._redraw_worker()

    @work(exclusive=True, group="curves", exit_on_error=False)
    async def _redraw_worker(self) -> None:
        text = await self.plot()
        if text is not None:
            self.update(text, layout=False)

    async def plot(self) -> Text | None:
        """The drawing of the current data, size and toggles; ``None`` when it would not change."""
        if not self.is_mounted or self._data is None:
            return None
        width, height = self.content_size
        key = (self._data.signature, width, height, self.log_y, self.shown)
        if key == self._drawn:
            return None
        self._drawn = key
        if not self._data.trial_ids:
            return Text("no trial to plot yet", style="dim")
        if width < 20 or height < 7:
            return Text("too small for curves: enlarge the terminal", style="dim")
        style = Style(width=width, height=height - 1)
        series, log_y = self.series(), self.log_y
        drawn = await self.app.backend.compute(  # type: ignore[attr-defined]
            lambda _store: draw_curves(series, style, log_y=log_y))
        legend = self.legend(list(series))
        legend.truncate(width, overflow="ellipsis")
        return legend + Text("\n") + Text.from_ansi(drawn, no_wrap=True)

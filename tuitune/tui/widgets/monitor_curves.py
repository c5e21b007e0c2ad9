"""The Monitor's live curves: the selected trial against its study's best, drawn with plotext.

Why it works like this: plotext's cost grows with the points it is given, so
:func:`tuitune.plots.draw_curves` reduces every series to the plot's columns first; and a drawing
is made only when something visible changed (new steps, other trials, the size, log-y or the
metrics shown), on the ``compute`` lane, never on the event loop. A refresh that brings nothing
new costs a tuple comparison. The screen awaits :meth:`CurvesView.plot` and puts the result on
screen together with its other updates, so one refresh repaints once. The plots package (numpy
and plotext) is imported on that lane at the first drawing, not on the first screen's path.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import StrEnum

from rich.text import Text
from textual import work
from textual.widgets import Static

from tuitune.tui.monitor_data import CurvesData

SERIES_COLORS = ("bright_blue", "bright_green", "bright_red", "bright_cyan", "bright_magenta", "yellow", "white",
                 "blue", "green", "red", "cyan", "magenta")
"""plotext's colour sequence (``blue+``, ``green+``, ...): the i-th series drawn gets the i-th colour."""


Drawing = tuple[tuple, Text]
"""What a drawing shows (data, size, toggles) and its text."""


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

    def series(self) -> dict[str, tuple[Sequence[int], Sequence[float]]]:
        """Legend label -> (steps, values) of what is shown now, only curves with a point to draw
        (so the i-th series gets plotext's i-th colour, which the legend line repeats)."""
        if self._data is None:
            return {}
        metrics = self.metrics()
        out = {}
        for s in self._data.series:
            if s.metric not in metrics:
                continue
            if any(math.isfinite(v) and (v > 0 or not self.log_y) for v in s.values):
                label = f"#{s.trial_id}" + (f" {s.metric}" if len(metrics) > 1 else "")
                out[label] = (s.steps, s.values)
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
        drawing = await self.plot()
        if drawing is not None:
            self.show(drawing)

    async def plot(self) -> Drawing | None:
        """The drawing of the current data, size and toggles; ``None`` when the one shown would
        not change. Put it on screen with :meth:`show` (a drawing cancelled before that, by a
        newer one, leaves what is shown as it was, so the next call draws again)."""
        if not self.is_mounted or self._data is None:
            return None
        width, height = self.content_size
        key = (self._data.signature, width, height, self.log_y, self.shown)
        if key == self._drawn:
            return None
        if not self._data.trial_ids:
            return key, Text("no trial to plot yet", style="dim")
        if width < 20 or height < 7:
            return key, Text("too small for curves: enlarge the terminal", style="dim")
        series = self.series()
        backend = self.app.backend  # type: ignore[attr-defined]
        drawn = await backend.compute(draw, series, width, height - 1, self.log_y, backend.marker)
        legend = self.legend(list(series))
        legend.truncate(width, overflow="ellipsis")
        return key, legend + Text("\n") + Text.from_ansi(drawn, no_wrap=True)

    def show(self, drawing: Drawing) -> None:
        key, text = drawing
        self.update(text, layout=False)
        self._drawn = key


def draw(_store: object, series: Mapping[str, tuple[Sequence[int], Sequence[float]]], width: int, height: int,
         log_y: bool, marker: str) -> str:
    """The curves as ANSI text, on the compute lane (``_store`` unused: lanes pass their store)."""
    from tuitune.plots import Style, draw_curves

    return draw_curves(series, Style(width=width, height=height, marker=marker), log_y=log_y)

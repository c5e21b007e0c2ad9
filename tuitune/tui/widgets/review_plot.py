"""The plot of the selected checklist item, drawn by :mod:`tuitune.plots` to the widget's size.

Why it redraws itself: a plot is text of exactly ``width x height`` cells, so the widget keeps
*what* to draw (the view, the item, the axis index) and draws again whenever its size changes,
including when it is maximized to the full pane and back. Drawing is milliseconds (curves are
reduced to the columns shown), so it happens on the event loop, where plotext's global figure
is never shared with a worker.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from tuitune import plots
from tuitune.tui.review_data import Item, ReviewView

MIN_WIDTH, MIN_HEIGHT = 20, 6
"""The smallest plot :class:`tuitune.plots.Style` draws."""


def curve_metrics(view: ReviewView, item: Item) -> tuple[str, ...]:
    """Which curves an item's evidence is about: the training loss for optimization, both for
    overfitting (the gap is the point), the objective's metric otherwise."""
    objective = view.objective.metric if view.objective else view.train_metric
    if item.key == "optimization":
        return (view.train_metric,)
    if item.key == "overfitting":
        return tuple(dict.fromkeys((objective, view.train_metric)))
    return (objective,)


def draw(view: ReviewView, item: Item, axis: int, style: plots.Style) -> str:
    """The text of ``item``'s plot (``axis`` picks the axis plot's hyperparameter)."""
    info = view.plots
    label = view.objective.metric if view.objective else "objective"
    if info is None or item.plot is None:
        return "No plot for this item."
    if item.plot == "axis":
        return plots.draw_axis(info.axes[axis % len(info.axes)], style, objective=label)
    if item.plot == "isolation":
        return plots.draw_isolation(info.isolations[item.plot_index], style, objective=label)
    if item.plot == "boxes":
        return plots.draw_sampled_enough(info.sampled_enough, style, objective=label)
    return plots.draw_best_curves(info.best_curves, style, metrics=curve_metrics(view, item))


class ReviewPlot(Static, can_focus=True):
    """Shows one item's plot; ``enter`` on the checklist maximizes it to the full pane, where
    the arrows (or ``j``/``k``) still step through the checklist, plot after plot."""

    ALLOW_MAXIMIZE = True
    BINDINGS = [Binding("up,k", "step(-1)", "Previous", show=False), Binding("down,j", "step(1)", "Next", show=False)]

    class Stepped(Message):
        """The user asked for the previous (-1) or next (+1) checklist item."""

        def __init__(self, delta: int) -> None:
            super().__init__()
            self.delta = delta

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._what: tuple[ReviewView, Item, int] | None = None
        self._message = ""

    def show(self, view: ReviewView, item: Item, axis: int) -> None:
        self._what = (view, item, axis)
        self._redraw()

    def clear(self, message: str) -> None:
        self._what, self._message = None, message
        self._redraw()

    def on_resize(self) -> None:
        self._redraw()

    def action_step(self, delta: int) -> None:
        self.post_message(self.Stepped(delta))

    def _redraw(self) -> None:
        width, height = self.content_size
        if self._what is None:
            self.update(Text(self._message, style="dim"))
        elif width < MIN_WIDTH or height < MIN_HEIGHT:
            self.update(Text("Too small to draw: press enter for the full pane.", style="dim"))
        else:
            view, item, axis = self._what
            style = plots.Style(width, height, marker=self.app.backend.marker)  # type: ignore[attr-defined]
            self.update(Text.from_ansi(draw(view, item, axis, style)))

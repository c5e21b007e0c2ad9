"""Review (4): the playbook's "learn from the results", one checklist item at a time.

Why it is shaped like this: the checklist is the reading order the playbook gives (is the space
big enough, sampled enough, how many trials failed, ...), so it is the spine of the pane; the
selected item's verdict, action and evidence sit under it, and the plot that shows the evidence
beside them (below the checklist on a narrow terminal), one ``enter`` from full pane. The review is recomputed on the compute lane
(seconds at most on a big study), on a slow timer and only while trials are still running or
queued, because a checklist that changes under the reader's eyes twice a second helps no one;
``r`` recomputes at once. The objective switcher recomputes from stored curves, nothing re-runs.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container
from textual.timer import Timer
from textual.widgets import OptionList, Static

from tuitune.domain import Objective
from tuitune.tui.review_data import Item, ReviewView, export_path, export_review, load_review
from tuitune.tui.screens.base import PaneScreen
from tuitune.tui.widgets.review_checklist import ReviewChecklist
from tuitune.tui.widgets.review_detail import ReviewDetail, detail_text
from tuitune.tui.widgets.review_objective import ObjectiveModal, describe
from tuitune.tui.widgets.review_plot import ReviewPlot

LIVE_S = 5.0
"""Seconds between recomputes while trials of the study are running or queued."""
COMPUTING_AFTER_S = 0.15
"""A recompute quicker than this never shows "computing…" (no flicker every few seconds)."""
NARROW = 100
"""Below this many columns the checklist goes on top and the plot and evidence share the rest."""


class ReviewScreen(PaneScreen):
    """The checklist of the current round's study group, its evidence and plots."""

    CSS_PATH = "review.tcss"
    LIVE = False
    BINDINGS = [
        Binding("enter", "open_plot", "Plot", show=False),
        Binding("h", "next_param", "Next param"),
        Binding("o", "objective", "Objective"),
        Binding("s", "next_study", "Next study"),
        Binding("r", "recompute", "Recompute", show=False),
        Binding("e", "export", "Export JSON", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._view: ReviewView | None = None
        self._group: str | None = None
        self._objective: Objective | None = None
        """The user's objective, or None for the study's own."""
        self._item_key: str | None = None
        self._axis = 0
        self._pending = 0
        """Reloads awaiting their computation (a newer one may replace an older one)."""
        self._live: Timer | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="review-head")
        with Container(id="review-body"):
            yield ReviewChecklist(id="review-list")
            yield ReviewPlot(id="review-plot")
            yield ReviewDetail(id="review-detail")

    def on_mount(self) -> None:
        self._live = self.set_interval(max(LIVE_S, self.backend.refresh_s), self._live_tick, pause=True)
        self.query_one(ReviewDetail).show(Text("computing the review…", style="dim"))

    def on_screen_resume(self) -> None:
        if self._live is not None:
            self._live.resume()

    def on_screen_suspend(self) -> None:
        if self._live is not None:
            self._live.pause()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "-narrow")
        self._show_head()

    # --- loading ---------------------------------------------------------------------------

    @property
    def view(self) -> ReviewView | None:
        """The review shown (None until the first computation ends)."""
        return self._view

    @property
    def computing(self) -> bool:
        """Whether a recompute is under way."""
        return self._pending > 0

    async def reload(self) -> None:
        self._pending += 1
        timer = self.set_timer(COMPUTING_AFTER_S, self._show_head)
        try:
            view = await self.backend.compute(load_review, self.backend.project, self._group, self._objective)
        finally:  # also when a newer reload replaced this one
            self._pending -= 1
            timer.stop()
        self._show(view)

    def _live_tick(self) -> None:
        if self._view is not None and self._view.active and not self.computing:
            self.request_reload()

    def _show(self, view: ReviewView) -> None:
        self._view = view
        self._group = view.group.name if view.group else None
        self._show_head()
        checklist = self.query_one(ReviewChecklist)
        checklist.show(view.items)
        if not view.items:
            self._item_key = None
            self.query_one(ReviewDetail).show(Text(view.message))
            self.query_one(ReviewPlot).clear("")
            return
        self._show_item()

    def _show_head(self) -> None:
        view = self._view
        text = Text()
        if self.computing:
            text.append("⟳ computing… ", style="bold")
        if view is not None and view.group is not None and view.objective is not None:
            text.append(view.group.name, style="bold")
            if len(view.groups) > 1:
                text.append(f" ({view.groups.index(view.group) + 1}/{len(view.groups)})")
            text.append(" │ ")
            text.append(describe(view.objective), style="bold" if view.switched else "")
            if view.switched:
                text.append(" (switched; o)")
            text.append(f" │ {view.summary}")
        text.truncate(max(10, self.size.width - 2), overflow="ellipsis")
        self.query_one("#review-head", Static).update(text)

    # --- the selected item ------------------------------------------------------------------

    @property
    def item(self) -> Item | None:
        """The highlighted checklist item."""
        if self._view is None or not self._view.items:
            return None
        index = self.query_one(ReviewChecklist).highlighted
        return self._view.items[index] if index is not None and index < len(self._view.items) else None

    @property
    def axis_param(self) -> str | None:
        """The hyperparameter of the axis plot shown (None when the item's plot is not one)."""
        item, view = self.item, self._view
        if item is None or view is None or view.plots is None or item.plot != "axis":
            return None
        return view.plots.axes[self._axis % len(view.plots.axes)].param

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_item()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open_plot()

    def _show_item(self) -> None:
        item, view = self.item, self._view
        if item is None or view is None:
            return
        if item.key != self._item_key:
            self._item_key, self._axis = item.key, item.plot_index
        note = ""
        if self.axis_param is not None and view.plots is not None:
            n = len(view.plots.axes)
            note = f"plot: {self.axis_param} ({self._axis % n + 1} of {n}{'; h: next' if n > 1 else ''})"
        self.query_one(ReviewDetail).show(detail_text(item, note))
        plot = self.query_one(ReviewPlot)
        if item.plot is None:
            plot.clear("No plot for this item.")
        else:
            plot.show(view, item, self._axis)
        self.refresh_bindings()

    # --- actions ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        view, item = self._view, self.item
        if action == "open_plot":
            return self.maximized is None and item is not None and item.plot is not None
        if action == "next_param":
            return self.axis_param is not None and view is not None and view.plots is not None \
                and len(view.plots.axes) > 1
        if action == "next_study":
            return view is not None and len(view.groups) > 1
        if action in ("objective", "export"):
            return view is not None and view.objective is not None
        return super().check_action(action, parameters)

    def action_open_plot(self) -> None:
        item = self.item
        if item is None or item.plot is None:
            self.notify("This item has no plot.", severity="warning")
            return
        plot = self.query_one(ReviewPlot)
        self.maximize(plot, container=False)
        plot.focus()

    def watch_maximized(self) -> None:
        if self.maximized is None:
            self.query_one(ReviewChecklist).focus()
        self.refresh_bindings()

    def on_review_plot_stepped(self, event: ReviewPlot.Stepped) -> None:
        event.stop()
        checklist = self.query_one(ReviewChecklist)
        if event.delta > 0:
            checklist.action_cursor_down()
        else:
            checklist.action_cursor_up()

    def action_next_param(self) -> None:
        if self.axis_param is None:
            self.notify("Only the axis plots have a hyperparameter to switch.", severity="warning")
            return
        self._axis += 1
        self._show_item()

    def action_next_study(self) -> None:
        view = self._view
        if view is None or view.group is None or len(view.groups) < 2:
            self.notify("This round has only one study to review.", severity="warning")
            return
        self._group = view.groups[(view.groups.index(view.group) + 1) % len(view.groups)].name
        self.request_reload()

    def action_recompute(self) -> None:
        self.notify("recomputing the checklist from the stored curves", timeout=2)
        self.request_reload()

    def action_objective(self) -> None:
        view = self._view
        if view is None or view.objective is None or view.default_objective is None:
            self.notify("Nothing to judge yet: the round has no study.", severity="warning")
            return
        self.app.push_screen(ObjectiveModal(view.metrics, view.objective, view.default_objective),
                             self._objective_chosen)

    def _objective_chosen(self, objective: Objective | None) -> None:
        if objective is None or self._view is None:
            return
        self._objective = None if objective == self._view.default_objective else objective
        self.notify(f"Judging by {describe(objective)}; recomputing.")
        self.request_reload()

    async def action_export(self) -> None:
        view = self._view
        if view is None or view.review is None:
            self.notify("Nothing to export yet: the round has no study.", severity="warning")
            return
        folder = self.backend.project_file.parent
        try:
            path = await self.backend.io(lambda store: export_review(folder, view))
        except OSError as error:
            self.notify(f"Could not write {export_path(folder, view)}: {error.strerror or error}", severity="error",
                        timeout=8)
            return
        self.notify(f"Review written to {path}")

    def commands(self) -> Iterator[SystemCommand]:
        """The pane's actions by name, for the command palette."""
        yield SystemCommand("Export review as JSON", "Write review-<round>-<study>.json to the project folder (e)",
                            self.action_export)
        yield SystemCommand("Change objective", "Judge the review by another metric, direction or aggregate (o)",
                            self.action_objective)
        yield SystemCommand("Recompute review", "Read the trials again and recompute the checklist (r)",
                            self.action_recompute)
        if self.check_action("open_plot", ()):
            yield SystemCommand("Review: plot full-pane", "The selected item's plot over the whole pane (enter)",
                                self.action_open_plot)
        if self.check_action("next_param", ()):
            yield SystemCommand("Review: next hyperparameter", "Plot the next varied hyperparameter (h)",
                                self.action_next_param)
        if self._view is not None and len(self._view.groups) > 1:
            yield SystemCommand("Review next study", "Show the checklist of the round's next study (s)",
                                self.action_next_study)

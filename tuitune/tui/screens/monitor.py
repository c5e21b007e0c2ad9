"""Monitor (3): the round's trials live — table, curves, log tail — and the few actions on them.

Why it is shaped like this: the pane reloads every ``refresh_s`` while shown, so each refresh is
a fixed handful of queries whatever the round's size (see :mod:`tuitune.tui.monitor_data`), the
table changes only the cells that changed, and curves are redrawn only when they have new points.
The selected trial (by id) drives the curves, the detail line and the log tail; loading those is
a separate exclusive worker, so moving the cursor answers at once instead of at the next refresh.

Every action writes an *intent* through :mod:`tuitune.runner.intents` (stop, requeue, queue
more) and leaves the rest to the runner daemon; the pane never signals a process. Below 110
columns the curves and the log tail share the bottom half, switched with ``l``.
"""

from __future__ import annotations

import importlib
import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import ModuleType

from rich.text import Text
from textual import work
from textual.app import ComposeResult, SuspendNotSupported, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Static

from tuitune.domain import RoundStatus, Study, TrialState
from tuitune.tui.monitor_data import (
    Filter,
    Sort,
    TableData,
    TableView,
    TrialRow,
    load_curves,
    load_log,
    load_table,
    plotted_ids,
    points_left,
)
from tuitune.tui.screens.base import PaneScreen
from tuitune.tui.widgets.monitor_add import AddTrialsModal
from tuitune.tui.widgets.monitor_curves import CurvesView
from tuitune.tui.widgets.monitor_log import LogView
from tuitune.runner.overview import duration
from tuitune.tui.widgets.monitor_table import STATES, TrialsTable
from tuitune.tui.widgets.repaint import update_if_changed

def intents() -> ModuleType:
    """:mod:`tuitune.runner.intents`, imported at the first action: it imports the search package
    and scipy (half a second), which the Monitor's first screen does not need."""
    return importlib.import_module("tuitune.runner.intents")


WIDE = 110
"""Columns from which the curves and the log tail are shown side by side."""

ORDER_WORDS = {Sort.STATE: ("running first", "ended first"), Sort.OBJECTIVE: ("best first", "worst first"),
               Sort.ID: ("newest first", "oldest first"), Sort.STEP: ("most steps first", "fewest steps first"),
               Sort.RUNTIME: ("longest first", "shortest first")}


QUICK_PAGER_S = 1.0
"""A pager that returns sooner than this did not wait for the user (see :func:`page`)."""


def page(argv: list[str]) -> None:
    """Run the pager on the terminal; when it returns at once (``PAGER=cat``, or ``less -F`` on a
    log that fits the screen) it printed the log and left, and without a pause the TUI would
    repaint over it before anyone could read it, so then wait for Enter."""
    started = time.monotonic()
    subprocess.run(argv, check=False)
    if time.monotonic() - started < QUICK_PAGER_S:
        try:
            input("\n-- end of the log: press Enter to return to tuitune --")
        except (EOFError, OSError, KeyboardInterrupt):  # no terminal to read from: nothing to wait for
            pass


class MonitorScreen(PaneScreen):
    """The trials of the current round, refreshed live; actions act on the selected trial."""

    CSS_PATH = "monitor.tcss"
    BINDINGS = [
        Binding("s", "stop", "Stop"),
        Binding("r", "requeue", "Requeue"),
        Binding("a", "add", "Add trials"),
        Binding("p", "pager", "Pager"),
        Binding("f", "filter", "Filter"),
        Binding("o", "sort", "Sort"),
        Binding("O", "reverse", "Reverse sort", key_display="O", show=False),
        Binding("y", "log_y", "Log y", show=False),
        Binding("c", "curves", "Train/valid curves", show=False),
        Binding("l", "toggle_log", "Log"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = TableView()
        self.data = TableData(None)
        self._details_for: int | None = None
        self._curves_for: tuple | None = None

    def compose_body(self) -> ComposeResult:
        project = self.backend.project
        yield Static("", id="monitor-info")
        yield TrialsTable(id="monitor-table")
        yield Static("", id="monitor-detail")
        with Horizontal(id="monitor-bottom"):
            yield CurvesView(project.train_metric, project.valid_metric, id="monitor-curves")
            yield LogView("", id="monitor-log")

    @property
    def table(self) -> TrialsTable:
        return self.query_one(TrialsTable)

    @property
    def curves(self) -> CurvesView:
        return self.query_one(CurvesView)

    def on_resize(self) -> None:
        narrow = self.size.width < WIDE
        if narrow != self.has_class("-narrow"):
            self.set_class(narrow, "-narrow")
            self.refresh_bindings()

    # --- loading ----------------------------------------------------------------------------

    async def reload(self) -> None:
        table = self.table
        data = await self.backend.io(load_table, self.backend.project, self.backend.clock(), self.view,
                                     table.selected, self.data.memo)
        with self.app.batch_update():
            self.data = data
            table.show(data)
            self._show_info()
            self._show_detail()
        # The table is painted first; the curves (plotext and numpy imported on the first one,
        # which would compete with that paint for the interpreter) follow.
        self.call_after_refresh(self.load_details)

    def on_trials_table_highlighted(self, event: TrialsTable.Highlighted) -> None:
        if event.trial_id != self._details_for:
            self._show_detail()
            self.load_details()

    @work(exclusive=True, group="details", exit_on_error=False)
    async def load_details(self) -> None:
        """Curves and log tail of the selected trial (and its study's best), shown in one repaint."""
        data, selected = self.data, self.table.selected
        self._details_for = selected
        row = data.row(selected)
        ids = plotted_ids(data, selected)
        study_id = row.study_id if row is not None else next(iter(data.top), None)
        study = data.studies.get(study_id) if study_id is not None else None
        metrics = self.curves.metrics()
        steps = (selected, metrics, tuple((t, r.step if (r := data.row(t)) else None) for t in ids))
        log = self.query_one(LogView)
        try:
            if steps != self._curves_for:  # no new step in any plotted trial: nothing to read
                curves = await self.backend.io(load_curves, ids, selected, metrics)
                self._curves_for = steps
                self.curves.set_data(curves, study.name if study else "")
            drawing = await self.curves.plot()
            tail = None
            if row is not None:
                store_path, lines = self.backend.store_path, log.lines_wanted()
                tail = await self.backend.io(lambda _s: load_log(store_path, row.study_id, row.id, lines))
        except Exception as error:  # shown in place, not notified at every refresh
            self.log.error("monitor details failed", error)
            log.update(Text(f"could not load trial #{selected}: {error}", style="bold"))
            return
        with self.app.batch_update():
            if drawing is not None:
                self.curves.show(drawing)
            log.show(tail, row.state if row else None)

    def _show_info(self) -> None:
        data, view = self.data, self.view
        if data.round is None:
            text = Text("no round yet: press 1 to write the round's goal", style="dim")
        elif data.total == 0:
            text = Text(f"no trials in round R{data.round.id} yet: press 2 to design and queue a study", style="dim")
        else:
            order = ORDER_WORDS[view.sort][view.reverse]
            text = Text.assemble(("filter ", "dim"), (f"{view.filter.label} {data.matching:,}", "bold"),
                                 (f" of {data.total:,}", "dim"), ("  sort ", "dim"),
                                 (f"{view.sort.value}, {order}", "bold"))
            if len(data.rows) < data.matching:
                text.append(f"  showing {len(data.rows):,}: press f to narrow", style="yellow")
            elif data.matching == 0:
                text.append("  none match: press f for the next filter", style="yellow")
        self._update_line("#monitor-info", text)

    def _show_detail(self) -> None:
        row = self.selected_row()
        if row is None:
            self._update_line("#monitor-detail", Text(""))
            return
        symbol, word, style = STATES[row.state]
        text = Text.assemble((f"#{row.id} ", "bold"), (f"{row.study} ", "dim"), (f"{symbol} {word}", style))
        if row.runtime is not None:
            text.append(f" {duration(row.runtime)}")
        if row.gpus:
            text.append(f" on GPU {','.join(row.gpus)}")
        text.append(f"  {row.params}")
        if row.reason:
            text.append(f"  {row.reason}", style="italic")
        self._update_line("#monitor-detail", text)

    def _update_line(self, selector: str, text: Text) -> None:
        update_if_changed(self.query_one(selector, Static), text, layout=False)

    def selected_row(self) -> TrialRow | None:
        return self.data.row(self.table.selected)

    # --- actions ----------------------------------------------------------------------------

    def _need_row(self) -> TrialRow | None:
        row = self.selected_row()
        if row is None and self.data.round is None:
            self.notify("no round yet: press 1 to write the round's goal", severity="warning")
        elif row is None and not self.data.total:
            self.notify(f"no trials in R{self.data.round.id} yet: press 2 to design and queue a study",
                        severity="warning")
        elif row is None and not self.data.matching:
            self.notify(f"none of the {self.data.total} trials matches the filter: press f to change it",
                        severity="warning")
        elif row is None:
            self.notify("no trial selected: move the cursor onto one", severity="warning")
        return row

    def _round_closed(self) -> bool:
        """Say so when the round is closed: its trials are the evidence its decision rests on."""
        current = self.data.round
        if current is None or current.status is RoundStatus.OPEN:
            return False
        self.notify(f"R{current.id} is {current.status.value}: its trials are the record of that round; "
                    "open the next round to run more (1, then n)", severity="warning", timeout=6)
        return True

    @work(exclusive=True, group="monitor-action", exit_on_error=False)
    async def action_stop(self) -> None:
        row = self._need_row()
        if row is None:
            return
        if row.state.terminal:
            self.notify(f"trial #{row.id} has already ended ({STATES[row.state][1]}): nothing to stop",
                        severity="warning")
            return
        if row.state is TrialState.STOPPING:
            self.notify(f"trial #{row.id} is already stopping", severity="warning")
            return
        await self.backend.io(intents().request_stop, [row.id])
        what = "cancel it" if row.state is TrialState.QUEUED else "stop it"
        self.notify(f"stop requested for trial #{row.id}: the runner will {what}")
        self.request_reload()

    @work(exclusive=True, group="monitor-action", exit_on_error=False)
    async def action_requeue(self) -> None:
        row = self._need_row()
        if row is None or self._round_closed():
            return
        if not row.state.terminal:
            self.notify(f"trial #{row.id} is still {STATES[row.state][1]}: stop it first (s), then requeue",
                        severity="warning")
            return
        runner = self.backend.runner
        await self.backend.io(intents().request_requeue, [row.id])
        try:
            await self.backend.io(lambda _s: runner.ensure())
        except Exception as error:  # the intent is stored; a runner started later acts on it
            self.notify(f"requeued trial #{row.id}, but the runner did not start: {error} "
                        "(run `tuitune runner start`)", severity="warning", timeout=12)
        else:
            self.notify(f"requeued trial #{row.id}: the runner starts a new trial with its configuration")
        self.request_reload()

    def _target_study(self) -> Study | None:
        row = self.selected_row()
        if row is not None:
            return self.data.studies.get(row.study_id)
        return max(self.data.studies.values(), key=lambda s: s.id or 0, default=None)

    def action_add(self) -> None:
        if self._round_closed():
            return
        study = self._target_study()
        if study is None:
            self.notify("no study in this round yet: design one and queue it (press 2)", severity="warning")
            return
        self._add_trials(study)

    @work(exclusive=True, group="add", exit_on_error=False)
    async def _add_trials(self, study: Study) -> None:
        left = await self.backend.io(points_left, study)
        if left == 0:
            self.notify(f"study {study.name} has no points left to queue; design a new study (press 2)",
                        severity="warning")
            return
        count = await self.app.push_screen_wait(AddTrialsModal(study.name, left, repeats=study.repeats))
        if count is None:
            return
        runner = self.backend.runner
        stored = await self.backend.io(intents().queue_study, study, count)
        if not stored:
            self.notify(f"study {study.name} has no points left to queue", severity="warning")
            return
        await self.backend.io(lambda _s: runner.ensure())
        ids = f"#{stored[0].id}" + (f"–#{stored[-1].id}" if len(stored) > 1 else "")
        self.notify(f"queued {len(stored)} trial(s) of study {study.name} ({ids})")
        self.request_reload()

    async def action_pager(self) -> None:
        row = self._need_row()
        if row is None:
            return
        store_path = self.backend.store_path
        tail = await self.backend.io(lambda _s: load_log(store_path, row.study_id, row.id, 0))
        if not tail.paths:
            self.notify(f"trial #{row.id} has no log yet ({tail.folder})", severity="warning")
            return
        argv = shlex.split(os.environ.get("PAGER") or "less")
        if not argv or shutil.which(argv[0]) is None:
            self.notify(f"no pager {argv[0] if argv else ''!r} found: set $PAGER, e.g. export PAGER=less; "
                        f"the log is {tail.paths[0]}", severity="error", timeout=10)
            return
        self._page([*argv, *map(str, tail.paths)])

    def _page(self, argv: list[str]) -> None:
        """Hand the terminal to the pager and wait for it (the App is suspended meanwhile)."""
        try:
            with self.app.suspend():
                page(argv)
        except SuspendNotSupported:
            self.notify(f"this terminal cannot hand over to a pager; the logs are in {Path(argv[-1]).parent}",
                        severity="warning", timeout=10)
        except OSError as error:
            self.notify(f"could not run {argv[0]}: {error}", severity="error")

    def _set_view(self, **changes: object) -> None:
        self.view = replace(self.view, **changes)
        self.request_reload()

    def action_filter(self) -> None:
        self._set_view(filter=self.view.filter.next())

    def action_sort(self) -> None:
        self._set_view(sort=self.view.sort.next(), reverse=False)

    def action_reverse(self) -> None:
        self._set_view(reverse=not self.view.reverse)

    def action_log_y(self) -> None:
        self.curves.log_y = not self.curves.log_y
        self.curves.redraw()

    def action_curves(self) -> None:
        self.curves.shown = self.curves.shown.next()
        self.load_details()  # only the metrics shown are read

    def action_toggle_log(self) -> None:
        self.toggle_class("-show-log")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_log":
            return self.has_class("-narrow")
        return super().check_action(action, parameters)

    def commands(self) -> Iterable[SystemCommand]:
        """The pane's actions for the command palette (the App adds them while this pane shows)."""
        row = self.selected_row()
        trial = f"trial #{row.id}" if row else "the selected trial"
        study = self._target_study()
        yield SystemCommand(f"Stop {trial}", "Ask the runner to stop it (a queued one is cancelled) (s)",
                            partial(self.run_action, "stop"))
        yield SystemCommand(f"Requeue {trial}", "Run its configuration again as a new trial (r)",
                            partial(self.run_action, "requeue"))
        yield SystemCommand(f"Add trials to study {study.name if study else ''}".rstrip(),
                            "Queue more points of the selected trial's study (a)", partial(self.run_action, "add"))
        yield SystemCommand(f"Open the log of {trial} in $PAGER", "stdout and stderr of the trial (p)",
                            partial(self.run_action, "pager"))
        yield SystemCommand("Filter trials by state", f"Next of: {', '.join(f.value for f in Filter)} (f)",
                            partial(self.run_action, "filter"))
        yield SystemCommand("Sort trials", f"Next column of: {', '.join(s.value for s in Sort)} (o)",
                            partial(self.run_action, "sort"))
        yield SystemCommand("Reverse the trials' sort", "Flip the order (O)", partial(self.run_action, "reverse"))
        yield SystemCommand("Toggle log scale of the curves", "Log y axis on or off (y)",
                            partial(self.run_action, "log_y"))
        yield SystemCommand("Cycle the curves shown", "Validation, training, or both (c)",
                            partial(self.run_action, "curves"))
        if self.has_class("-narrow"):
            yield SystemCommand("Show the log tail or the curves", "Switch the bottom half (l)",
                                partial(self.run_action, "toggle_log"))

"""Design (2): the playbook's "design the next round of experiments", a key per decision.

Why it works on a draft: the user edits a study file's data (:mod:`tuitune.tui.design_draft`)
that may be invalid for a while, and the pane re-reads it with the study-file parser after every
change, so the table, the problems (each naming the field and the fix), the preview of the very
points that will run and the budget always agree with what ``tuitune validate`` would say and
what queueing would store. Queueing is the one write: it stores the study in the open round and
writes queue intents (:func:`tuitune.tui.design_data.queue_design`), then asks the runner to be
up; the runner starts the trials, never this pane. Every edit can be undone, and a study already
in the round is never changed: the pane edits a copy instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container, Vertical, VerticalScroll
from textual.widgets import Static

from tuitune import search
from tuitune.domain import Project, Role, Study, TuituneError
from tuitune.tui import design_toml
from tuitune.tui.design_data import (DesignData, Queued, budget_line, load_design, point_count, queue_design,
                                     queue_stored, reseed_stored, start_draft)
from tuitune.tui.design_draft import (Checked, Draft, check, describe_problem, file_label, from_baseline, from_file,
                                      set_role, toggle_scale)
from tuitune.tui.screens.base import PaneScreen
from tuitune.tui.widgets.design_files import OpenModal, QueueModal, ReseedModal, SaveModal
from tuitune.tui.widgets.design_forms import ParamModal, SettingsModal
from tuitune.tui.widgets.design_preview import pick_axes
from tuitune.tui.widgets.design_table import ParamTable, PreviewPanel

PREVIEW_POINTS = 64
"""Points previewed by default (fewer when the study has fewer)."""

PALETTE: tuple[tuple[str, str, str], ...] = (
    ("Design: queue the study", "Store the design in the open round and queue its trials (r)", "queue"),
    ("Design: reseed the study", "A sibling of the stored study with a new seed, to measure study variance (R)",
     "reseed"),
    ("Design: save as a study file", "Write the design to studies/<name>.toml or another path (w)", "save"),
    ("Design: open a study file", "Load a study file into the Design pane (o)", "open"),
    ("Design: edit the hyperparameter", "Edit range, scale, values, condition of the selected row (e)", "edit"),
    ("Design: add a hyperparameter", "Add a hyperparameter to the design (a)", "add"),
    ("Design: delete the hyperparameter", "Remove the selected hyperparameter (d; u undoes)", "delete"),
    ("Design: mark scientific", "The selected hyperparameter is what the round measures (s)", "role('scientific')"),
    ("Design: mark nuisance", "Optimise over the selected hyperparameter (n)", "role('nuisance')"),
    ("Design: mark fixed", "Hold the selected hyperparameter at one value (f)", "role('fixed')"),
    ("Design: toggle log scale", "Sweep the selected range on a log or linear scale (l)", "scale"),
    ("Design: study settings", "Name, algorithm, trials, seed, repeats, layout (t)", "settings"),
    ("Design: edit a copy", "A new, editable study from this design (c)", "copy"),
    ("Design: start from the baseline", "Every baseline value as a fixed hyperparameter (b)", "baseline"),
    ("Design: preview x axis", "Preview the selected hyperparameter on x (x)", "axis('x')"),
    ("Design: preview y axis", "Preview the selected hyperparameter on y (y)", "axis('y')"),
    ("Design: more preview points", "Double the points the preview draws (+)", "points(2.0)"),
    ("Design: fewer preview points", "Halve the points the preview draws (-)", "points(0.5)"),
    ("Design: undo", "Undo the last change to the design (u)", "undo"),
)
"""Every action of the pane by name, for the command palette."""

PLACEHOLDER_NAME = re.compile(r"study(-\d+)?")
"""The names a design gets before the user gives one (``b``): saving it as a file names it after the file."""

PREVIEW_MAX = 1024
"""The most points the preview draws (more would be a blur of markers, and slow)."""


class DesignScreen(PaneScreen):
    """The hyperparameter table, settings, problems, budget and a preview of the points."""

    CSS_PATH = "design.tcss"
    LIVE = False
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("e", "edit", "Edit"),
        Binding("s", "role('scientific')", "Scientific"),
        Binding("n", "role('nuisance')", "Nuisance"),
        Binding("f", "role('fixed')", "Fixed"),
        Binding("r", "queue", "Queue"),
        Binding("R", "reseed", "Reseed study", key_display="R", show=False),
        Binding("w", "save", "Save"),
        Binding("o", "open", "Open"),
        Binding("t", "settings", "Settings"),
        Binding("l", "scale", "Log/linear", show=False),
        Binding("a", "add", "Add hyperparameter", show=False),
        Binding("d,delete", "delete", "Delete hyperparameter", show=False),
        Binding("c", "copy", "Edit a copy", show=False),
        Binding("b", "baseline", "Start from the baseline", show=False),
        Binding("x", "axis('x')", "Preview on x", show=False),
        Binding("y", "axis('y')", "Preview on y", show=False),
        Binding("plus,equals_sign", "points(2.0)", "More preview points", show=False, key_display="+"),
        Binding("minus", "points(0.5)", "Fewer preview points", show=False, key_display="-"),
        Binding("u", "undo", "Undo", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.draft: Draft | None = None
        self.checked = Checked(None)
        self.data = DesignData(None)
        self.pristine = True
        """The draft is the automatic start one (reloads may replace it); edits clear this."""
        self.saved: Draft | None = None
        """The draft as last written to its file (the title says "saved" while it is unchanged)."""
        self.undo: list[Draft] = []
        self.axes: tuple[str | None, str | None] = (None, None)
        self.points = PREVIEW_POINTS

    def compose_body(self) -> ComposeResult:
        with Vertical(id="design"):
            yield Static(id="design-title")
            with Container(id="design-main"):
                with Vertical(id="design-left"):
                    yield ParamTable(id="design-params")
                    yield Static(id="design-settings")
                    yield Static(id="design-budget")
                    with VerticalScroll(id="design-messages"):
                        yield Static(id="design-problems")
                yield PreviewPanel(id="design-preview")

    # --- data -----------------------------------------------------------------------------

    @property
    def project(self) -> Project:
        """The project with the current baseline, once loaded (see :class:`DesignData`)."""
        return self.data.project or self.backend.project

    async def reload(self) -> None:
        self.data = await self.backend.io(load_design, self.backend.project)
        if self.draft is None or self.pristine:
            start = start_draft(self.data, self.project)
            if start != self.draft:
                self.draft = start
                self.show_draft()
                return
        self.show_draft(keep_table=True)

    def commands(self) -> Iterable[SystemCommand]:
        for title, help_text, action in PALETTE:
            yield SystemCommand(title, help_text, self._runner(action))

    def _runner(self, action: str) -> Callable[[], object]:
        return lambda: self.run_action(action)

    # --- drawing --------------------------------------------------------------------------

    def show_draft(self, select: str | None = None, keep_table: bool = False) -> None:
        draft = self.draft
        if draft is None:
            return
        project = self.project
        self.checked = check(draft, project, self.backend.project_file)
        if not keep_table:
            self.query_one(ParamTable).show(draft, self.checked, project.baseline, select)
        self.query_one("#design-title", Static).update(self.title_text())
        self.query_one("#design-settings", Static).update(self.settings_text())
        study = self.checked.study
        budget = budget_line(study, self.data.durations, project.parallel) if study else ""
        budget_widget = self.query_one("#design-budget", Static)
        budget_widget.update(Text("budget: " + budget))
        budget_widget.display = bool(budget)
        self.query_one("#design-problems", Static).update(self.messages())
        self.set_class(bool(self.checked.problems), "-problems")  # problems take room from the table
        self.draw_preview()

    def title_text(self) -> Text:
        draft = self.draft
        assert draft is not None
        text = Text.assemble(("Design ", "bold"), (draft.name or "(no name)", "bold"), f" · from {draft.source}")
        if draft.stored:
            text.append(" · read-only (c edits a copy)", style="italic")
        elif draft == self.saved:
            text.append(" · saved", style="italic")
        elif not self.pristine:
            text.append(" · edited (u undoes)", style="italic")
        return text

    def settings_text(self) -> Text:
        s = self.draft.settings if self.draft else {}
        study = self.checked.study
        algorithm = str(s.get("algorithm", "quasi_random"))
        if study is not None and algorithm in ("grid", "manual"):
            points = point_count(study)
            count = f"{points} point{'s' * (points != 1)}"
        else:
            count = f"{s.get('trials', 20)} trials"
        repeats = s.get("repeats", 1)
        parts = [algorithm, count, f"seed {s.get('seed', 0)}", f"{repeats} repeat" + ("s" if repeats != 1 else ""),
                 f"layout {s.get('layout', 'joint')}"]
        return Text(" · ".join(map(str, parts)))

    def messages(self) -> Text:
        out = Text()
        problems = self.checked.problems
        if problems:
            selected = self.query_one(ParamTable).selected
            mine = self.checked.of_param(selected) if selected else ()
            ordered = list(mine) + [p for p in problems if p not in mine]
            out.append(f"✗ {len(problems)} problem{'s' * (len(problems) != 1)} (e edits the row; s/n/f set roles):\n",
                       style="bold red")
            out.append("\n".join(describe_problem(p) for p in ordered))
            return out
        for warning in self.checked.warnings:
            out.append(f"! {warning}\n", style="yellow")
        if self.draft and self.draft.stored:
            out.append("✓ in this round already; w saves it as a file, c edits a copy", style="green")
        elif self.data.open:
            out.append(f"✓ valid; r queues it into R{self.data.round.id}", style="green")  # type: ignore[union-attr]
        else:
            out.append("✓ valid; to queue it, open a round first (press 1); w saves it as a file", style="green")
        return out

    def draw_preview(self) -> None:
        study = self.checked.study
        axes = pick_axes(study, self.axes) if study is not None else (None, None)
        count = min(self.points, point_count(study)) if study is not None else 0
        self.query_one(PreviewPanel).show(study, axes, count)

    # --- editing --------------------------------------------------------------------------

    def editable(self) -> Draft | None:
        if self.draft is None:
            return None
        if self.draft.stored:
            self.notify(f"{self.draft.name} is already in this round and does not change: press c to edit a copy",
                        severity="warning")
            return None
        return self.draft

    def selected(self) -> str | None:
        pid = self.query_one(ParamTable).selected
        if pid is None:
            self.notify("no hyperparameter here yet: press a to add one", severity="warning")
        return pid

    def change(self, draft: Draft, select: str | None = None) -> None:
        if draft == self.draft:  # an edit that changed nothing leaves nothing to undo
            return
        if self.draft is not None:
            self.undo.append(self.draft)
        self.draft = draft
        self.pristine = False
        self.show_draft(select)

    def action_role(self, role: str) -> None:
        if (draft := self.editable()) and (pid := self.selected()):
            changed = set_role(draft, pid, Role(role), self.project.baseline)
            self.change(changed, pid)
            before, after = draft.params.get(pid, {}), changed.params.get(pid, {})
            if "low" in after and "low" not in before:  # a range made up from one value: say so
                scale = " (log)" if after.get("scale") == "log" else ""
                self.notify(f"{pid}: a starting range {after['low']} … {after.get('high')}{scale} around its "
                            "baseline value; press e to set your own", timeout=6)

    def action_scale(self) -> None:
        if (draft := self.editable()) and (pid := self.selected()):
            self.change(toggle_scale(draft, pid), pid)

    def action_edit(self) -> None:
        if (draft := self.editable()) and (pid := self.selected()):
            self.app.push_screen(ParamModal(draft, pid, self.project, self.backend.project_file),
                                 self._param_edited)

    def on_data_table_row_selected(self) -> None:
        self.action_edit()

    def on_data_table_row_highlighted(self) -> None:
        if self.draft is not None:
            self.query_one("#design-problems", Static).update(self.messages())

    def action_add(self) -> None:
        if draft := self.editable():
            self.app.push_screen(ParamModal(draft, None, self.project, self.backend.project_file),
                                 self._param_edited)

    def _param_edited(self, result: tuple[str | None, str, dict] | None) -> None:
        if result is not None and self.draft is not None:
            old, new, table = result
            self.change(self.draft.with_param(old, new, table), new)

    def action_delete(self) -> None:
        if (draft := self.editable()) and (pid := self.selected()):
            self.change(draft.without_param(pid))
            self.notify(f"deleted {pid} (u undoes)")

    def action_settings(self) -> None:
        if draft := self.editable():
            self.app.push_screen(SettingsModal(draft, self.project, self.backend.project_file),
                                 self._settings_edited)

    def _settings_edited(self, settings: dict | None) -> None:
        if settings is not None and self.draft is not None:
            self.change(self.draft.with_settings(settings), self.query_one(ParamTable).selected)

    def action_undo(self) -> None:
        if not self.undo:
            self.notify("nothing to undo")
            return
        self.draft = self.undo.pop()
        self.pristine = False
        self.show_draft(self.query_one(ParamTable).selected)

    def action_copy(self) -> None:
        if self.draft is None:
            return
        name = search.unique_name(self.draft.name or "study", self.data.names)
        copy = replace(self.draft.with_settings({**self.draft.settings, "name": name}), stored=False,
                       source=f"a copy of {self.draft.source}")
        self.change(copy, self.query_one(ParamTable).selected)
        self.notify(f"editing {name}, a copy: nothing stored changes until you queue it")

    def action_baseline(self) -> None:
        self.change(from_baseline(self.project.baseline, search.unique_name("study", self.data.names),
                                  self.project.baseline_origin))

    def action_axis(self, which: str) -> None:
        study = self.checked.study
        pid = self.selected()
        if pid is None:
            return
        if study is None or pid not in {p.id for p in study.space.varying}:
            self.notify(f"{pid} cannot be previewed: only a valid design's nuisance and scientific hyperparameters vary",
                        severity="warning")
            return
        x, y = pick_axes(study, self.axes)
        self.axes = (pid, x if y == pid or (y is None and x != pid) else y) if which == "x" else (
            x if x != pid else y, pid)
        self.draw_preview()

    def action_points(self, factor: float) -> None:
        study = self.checked.study
        total = point_count(study) if study is not None else None
        shown = min(self.points, total) if total is not None else self.points
        if factor > 1 and total is not None and shown >= total:
            self.notify(f"the preview already shows all {total} points of the design", timeout=3)
            return
        if factor > 1 and shown >= PREVIEW_MAX:
            self.notify(f"the preview draws at most {PREVIEW_MAX} points", timeout=3)
            return
        self.points = int(min(PREVIEW_MAX, max(2, shown * factor)))
        self.draw_preview()

    # --- files and the store ----------------------------------------------------------------

    def action_open(self) -> None:
        self.app.push_screen(OpenModal(self.data.files, Path(self.backend.project.root)), self._open_chosen)

    def _open_chosen(self, path: Path | None) -> None:
        if path is not None:
            self.open_file(path)

    @work(exclusive=True, group="design-file", exit_on_error=False)
    async def open_file(self, path: Path) -> None:
        try:
            draft = await self.backend.io(lambda _store: from_file(path, Path(self.backend.project.root)))
        except TuituneError as error:
            self.notify(str(error), title="cannot open the study file", severity="error", timeout=10)
            return
        self.change(draft)
        problems = len(self.checked.problems)
        self.notify(f"opened {draft.source}" + (f" with {problems} problem{'s' * (problems != 1)} to fix"
                                                 if problems else ""), severity="warning" if problems else "information")

    def action_save(self) -> None:
        if self.draft is None:
            return
        root = Path(self.backend.project.root)
        n = len(self.checked.problems)
        note = f"the design has {n} problem{'s' * (n != 1)}; it saves as it is, to fix later" if n else ""
        target = Path(self.draft.path) if self.draft.path else root / "studies" / f"{self.draft.name or 'study'}.toml"
        self.app.push_screen(SaveModal(target, root, note), self._save_chosen)

    def _save_chosen(self, path: Path | None) -> None:
        draft = self.draft
        if path is None or draft is None:
            return
        if PLACEHOLDER_NAME.fullmatch(draft.name) and path.stem != draft.name and not draft.stored:
            draft = draft.with_settings({**draft.settings, "name": path.stem})  # the file names the study
            self.change(draft)
        self.save_file(path, draft)

    @work(exclusive=True, group="design-file", exit_on_error=False)
    async def save_file(self, path: Path, draft: Draft) -> None:
        text = design_toml.dumps(draft.data())

        def write(_store: object) -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        try:
            await self.backend.io(write)
        except OSError as error:
            self.notify(f"could not save {path}: {error.strerror or error}", severity="error", timeout=10)
            return
        self.notify(f"saved {path}")
        if self.draft is draft and not draft.stored:  # the design is now that file's
            self.draft = self.saved = replace(draft, source=file_label(path, Path(self.backend.project.root)),
                                              path=str(path.resolve()))
            self.pristine = False  # the user's file now: a reload must not swap in the start design
            self.show_draft(keep_table=True)
        self.request_reload()

    def action_queue(self) -> None:
        draft, study, data = self.draft, self.checked.study, self.data
        if draft is None:
            return
        if draft.stored:
            self.app.push_screen(QueueModal(f"the stored study {draft.name}: its points without trials"),
                                 lambda ok: self.queue(draft.name, queue_stored) if ok else None)
        elif study is None:
            first = describe_problem(self.checked.problems[0])
            n = len(self.checked.problems)
            self.notify(f"fix the design first ({n} problem{'s' * (n != 1)}), e.g. {first}",
                        severity="error", timeout=10)
        elif not data.open:
            self.notify("no open round to queue into: press 1, then n, to open one", severity="error")
        elif study.name in data.names:
            self.notify(f"this round already has a study named {study.name!r}: press t to rename it", severity="error")
        else:
            summary = (f"{study.name} into R{data.round.id}: {data.round.goal}\n"  # type: ignore[union-attr]
                       f"{budget_line(study, data.durations, self.backend.project.parallel)}")
            summary += "".join(f"\n! {w}" for w in self.checked.warnings)
            self.app.push_screen(QueueModal(summary), lambda ok: self.queue(study, queue_design) if ok else None)

    def action_reseed(self) -> None:
        draft = self.draft
        if draft is None:
            return
        if not self.data.open:
            self.notify("no open round to reseed into: press 1, then n, to open one", severity="error")
            return
        if not draft.stored:
            self.notify("reseeding copies a study already in the round: queue this design first (r), "
                        "then press R on it", severity="warning")
            return
        self.app.push_screen(ReseedModal(draft.name), lambda choice: self.queue(
            draft.name, partial(reseed_stored, queue=choice == "queue")) if choice else None)

    @work(exclusive=True, group="design-queue", exit_on_error=False)
    async def queue(self, what: Study | str, how) -> None:
        """Store and queue ``what`` with ``how`` (:func:`queue_design` for a new design,
        :func:`queue_stored` for a study already in the round, :func:`reseed_stored` for its
        sibling) on the io lane; when trials were queued, make sure the runner is up."""
        try:
            queued: Queued = await self.backend.io(how, what)
        except TuituneError as error:
            self.notify(str(error), severity="error", timeout=10)
            return
        names = ", ".join(s.name for s in queued.studies)
        message = f"queued {queued.trials} trials of {names} in R{queued.round.id}; press 3 to watch them"
        runner = self.backend.runner
        try:
            if queued.trials:
                await self.backend.io(lambda _store: runner.ensure())
        except Exception as error:  # the trials are queued; a runner started later picks them up
            self.notify(f"{message}, but the runner did not start: {error} (run `tuitune runner start`)",
                        severity="warning", timeout=12)
        else:
            self.notify(message if queued.trials else f"stored {names} in R{queued.round.id}; r queues its trials")
        if self.draft is not None:
            self.undo.append(self.draft)
        self.draft, self.pristine = None, True
        refresh = getattr(self.app, "refresh_overview", None)
        if refresh is not None:
            refresh()
        self.request_reload()

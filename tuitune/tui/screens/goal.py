"""Goal (1): the journal of rounds, the baseline and its history, and starting a new round.

Why it is shaped like this: the playbook's loop starts by picking *one* goal, and the only way
to pick a good next goal is to see what the past rounds concluded and what the current best
configuration is. So the pane reads top-down as the project's memory (rounds newest first with
their decisions, then the baselines newest first, the current one marked) and writing a new goal
is one key away (``n``). Opening a round while another is open asks whether to abandon the open
one or keep both: nothing is closed behind the user's back, and abandoning never stops a trial.
The pane does not poll (``LIVE = False``): rounds change only by the user's own actions, and it
reloads whenever it is shown.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from tuitune.domain import Round, RoundStatus
from tuitune.tui.goal_data import (KIND_SHORT, GoalData, JournalEntry, abandon_round, ago, config_text,
                                   create_round, load_goal)
from tuitune.tui.screens.base import PaneScreen
from tuitune.tui.widgets.goal_modals import ChoiceModal, NewRoundModal
from tuitune.tui.widgets.hanging import indented

STATUS = {RoundStatus.OPEN: "● open", RoundStatus.CLOSED: "✓ closed", RoundStatus.ABANDONED: "✗ abandoned"}


class GoalScreen(PaneScreen):
    """The journal, the baselines, and the keys to open and abandon rounds."""

    CSS_PATH = "goal.tcss"
    LIVE = False
    BINDINGS = [
        Binding("n", "new_round", "New round"),
        Binding("x", "abandon_round", "Abandon"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._data: GoalData | None = None
        self._shown_width = 0

    def compose_body(self) -> ComposeResult:
        with Vertical(id="goal-body"):
            yield Static("Journal · rounds, newest first", classes="pane-title")
            table: DataTable[str | Text] = DataTable(cursor_type="row", id="journal")
            yield table
            yield Static("", id="round-detail")
            yield Static("Baseline · the current one first", classes="pane-title")
            with VerticalScroll(id="baselines"):
                yield Static("", id="baseline-list")

    def commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("New round", "Write the next round's goal and kind (key n)", self.action_new_round)
        yield SystemCommand("Close the current round (abandon)",
                            "Close the open round without a decision; its trials keep running (key x)",
                            self.action_abandon_round)

    # --- loading and drawing ----------------------------------------------------------------

    async def reload(self) -> None:
        self._data = await self.backend.io(load_goal)
        self._draw()

    def on_resize(self) -> None:
        if self._data is not None and self.size.width != self._shown_width:
            self._draw()

    def _draw(self) -> None:
        data = self._data
        if data is None:
            return
        self._shown_width = width = self.size.width
        table = self.query_one("#journal", DataTable)
        keep = self._highlighted_id()
        wide = width >= 110
        kind_w, fixed = (27 if wide else 10), 4 + 11 + 8 + 9
        goal_w = max(12, width - fixed - kind_w - 6 * 2 - 2)
        table.clear(columns=True)
        for label, w in (("#", 4), ("goal", goal_w), ("kind", kind_w), ("status", 11), ("decision", 8),
                         ("opened", 9)):
            table.add_column(label, width=w, key=label)
        now = self.backend.clock()
        for e in data.journal:
            r = e.round
            goal = r.goal if len(r.goal) <= goal_w else r.goal[: goal_w - 1] + "…"
            table.add_row(f"R{r.id}", goal, r.kind.label if wide else KIND_SHORT[r.kind],
                          Text(STATUS[r.status], style="bold" if r.status is RoundStatus.OPEN else ""),
                          e.decision.verdict.value if e.decision else "—", ago(r.created_at, now), key=str(r.id))
        rows = [str(e.round.id) for e in data.journal]
        if keep in rows:
            table.move_cursor(row=rows.index(keep), animate=False)
        self._show_detail()
        self.query_one("#baseline-list", Static).update(self._baselines_text(data))

    def _highlighted_id(self) -> str | None:
        table = self.query_one("#journal", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _selected(self) -> JournalEntry | None:
        key = self._highlighted_id()
        if self._data is None or key is None:
            return None
        return next((e for e in self._data.journal if str(e.round.id) == key), None)

    def _show_detail(self) -> None:
        detail = self.query_one("#round-detail", Static)
        entry = self._selected()
        if entry is None:
            detail.update(Text.assemble(("No round yet. ", "bold"),
                                        "Press n to write the first round's goal: one question, "
                                        'e.g. "does weight decay help?"'))
            return
        r, now = entry.round, self.backend.clock()
        studies = f"{entry.studies} stud{'y' if entry.studies == 1 else 'ies'}"
        head = Text.assemble((f"R{r.id} ", "bold"), r.goal, "\n",
                             (f"{r.kind.label} · {r.phase.value} · {r.status.value} · {studies} · "
                              f"opened {ago(r.created_at, now)}", "dim"))
        if entry.decision is not None:
            d = entry.decision
            head.append_text(Text.assemble("\n", (f"{d.verdict.value}: ", "bold"), d.rationale,
                                           (f" ({ago(d.created_at, now)})", "dim")))
        elif r.status is RoundStatus.OPEN:
            head.append("\nno decision yet: design (2), run (3) and review (4) it, then decide (5)", style="dim")
        else:
            head.append("\nclosed without a decision", style="dim")
        detail.update(head)

    def _baselines_text(self, data: GoalData) -> Group | Text:
        """The baselines, current first; a configuration that wraps keeps its indent."""
        if not data.baselines:
            initial = self.backend.project.baseline
            if initial:  # not stored until a decision: Decide compares against it meanwhile
                return Group(Text("● current  from tuitune.toml [baseline]", style="bold"),
                             indented(config_text(initial)),
                             indented("what Decide (5) compares candidates against; adopting one makes it B1",
                                       "dim"))
            return Text("No baseline yet: add a [baseline] table to tuitune.toml, or adopt a candidate on "
                        "Decide (5).", style="dim")
        now = self.backend.clock()
        lines: list[RenderableType] = []
        for entry in data.baselines:
            b = entry.baseline
            objective = "—" if b.objective is None else f"{b.objective:.4g}"
            origin = f"adopted in R{b.round_id}" if b.round_id is not None else "initial"
            lines.append(Text.assemble(("● current " if entry.current else "○ ", "bold" if entry.current else "dim"),
                                       (f"B{b.id}  objective {objective}  {origin}  {ago(b.created_at, now)}",
                                        "bold" if entry.current else "")))
            lines.append(indented(config_text(b.config)))
            lines.append(indented(b.note or "(no note)", "dim"))
        return Group(*lines)

    # --- actions ----------------------------------------------------------------------------

    def action_new_round(self) -> None:
        self._new_round()

    @work(exclusive=True, group="goal-action", exit_on_error=False)
    async def _new_round(self) -> None:
        new = await self.app.push_screen_wait(NewRoundModal())
        if new is None:
            return
        data = self._data or await self.backend.io(load_goal)
        abandon: tuple[int, ...] = ()
        if data.open_rounds:
            names = "\n".join(f"  R{r.id} {r.goal}" for r in data.open_rounds)
            answer = await self.app.push_screen_wait(ChoiceModal(
                "Another round is open",
                f"Open now:\n{names}\nAbandon it (closed without a decision; its trials keep running), "
                "or keep both open (the new one becomes the current round)?",
                [("a", "Abandon it", "abandon"), ("k", "Keep both", "keep")]))
            if answer is None:
                self.notify("no round created", timeout=3)
                return
            if answer == "abandon":
                abandon = tuple(r.id for r in data.open_rounds if r.id is not None)
        made: Round = await self.backend.io(create_round, new, abandon, self.backend.clock())
        closed = f"; abandoned {', '.join(f'R{i}' for i in abandon)}" if abandon else ""
        self.notify(f"R{made.id} opened{closed}; next: design its study (2)", timeout=6)
        await self.reload()
        self.query_one("#journal", DataTable).move_cursor(row=0, animate=False)
        self.app.refresh_overview()  # type: ignore[attr-defined]

    def action_abandon_round(self) -> None:
        self._abandon()

    @work(exclusive=True, group="goal-action", exit_on_error=False)
    async def _abandon(self) -> None:
        data = self._data or await self.backend.io(load_goal)
        if not data.open_rounds:
            self.notify("no open round to close: press n to open one", severity="warning", timeout=5)
            return
        current = data.open_rounds[0]
        answer = await self.app.push_screen_wait(ChoiceModal(
            f"Abandon R{current.id}?",
            f"{current.goal}\nIt closes without a decision and stays in the journal. "
            "Its trials are not stopped (stop them on Monitor, 3).",
            [("y", "Abandon", "yes"), ("n", "Keep it open", "no")]))
        if answer != "yes":
            return
        try:
            await self.backend.io(abandon_round, current.id)
        except ValueError as error:
            self.notify(str(error), severity="warning", timeout=5)
        else:
            self.notify(f"R{current.id} abandoned; press n to open the next round", timeout=5)
        await self.reload()
        self.app.refresh_overview()  # type: ignore[attr-defined]


"""The Monitor's trials table: a DataTable that is updated in place, never rebuilt on refresh.

Why: the table refreshes 2–4 times a second. Clearing and refilling it repaints every row,
flickers and loses the cursor, so rows are keyed by trial id, each cell is compared with the text
already shown and only changed cells are updated (``update_cell``), rows are added or removed only
when the set of trials in the window changes, and a new order is applied with one ``sort`` by
position. The selected trial is remembered by id, so it stays selected wherever it moves.

Columns have fixed widths (an auto-width column re-measures on every change); the parameters
column takes the room that is left and is the only one rebuilt on resize.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from tuitune.domain import TrialState
from tuitune.tui.monitor_data import TableData, TrialRow

S = TrialState

STATES: dict[TrialState, tuple[str, str, str]] = {
    S.QUEUED: ("…", "queued", ""),
    S.STARTING: ("▷", "starting", "cyan"),
    S.RUNNING: ("▶", "running", "bold cyan"),
    S.STOPPING: ("◼", "stopping", "yellow"),
    S.COMPLETED: ("✓", "done", "green"),
    S.FAILED: ("✗", "failed", "bold red"),
    S.KILLED: ("■", "stopped", "yellow"),
    S.INFEASIBLE: ("∞", "infeasible", "red"),
    S.LOST: ("?", "lost", "magenta"),
}
"""State -> symbol, word and colour: the symbol and word read without colour."""

FIXED = (("id", "trial", 5), ("state", "state", 12), ("step", "step", 5), ("train", "train", 6),
         ("valid", "valid", 6), ("objective", "objective", 9), ("runtime", "time", 6), ("gpus", "gpu", 3))
"""Column key, label and width; the params column follows and takes the rest."""
DROP_ORDER = ("gpus", "train", "runtime", "step")
"""Columns given up, in this order, while the params column would be narrower than
:data:`PARAMS_WIDTH` (the detail line below the table shows the selected trial in full)."""
PARAMS_WIDTH = 20


def number(value: float | None) -> str:
    """A metric in at most 6 characters: 4 significant digits, ``nan``/``inf`` as such, ``–`` when absent."""
    if value is None:
        return "–"
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    text = f"{value:.4g}"
    return text if len(text) <= 6 else f"{value:.2g}".replace("e-0", "e-").replace("e+0", "e")


def duration(seconds: float | None) -> str:
    """``42s``, ``29m59s``, ``5h02m``, ``123h``; ``–`` before the trial starts."""
    if seconds is None:
        return "–"
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 100 * 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 3600}h"


def state_text(state: TrialState) -> Text:
    symbol, word, style = STATES[state]
    return Text(f"{symbol} {word}", style=style)


def cells(row: TrialRow, params_width: int, keys: frozenset[str]) -> dict[str, Text]:
    """The row's cells in the columns ``keys`` (plus params), by column key."""
    params = row.params if len(row.params) <= params_width else row.params[: max(1, params_width - 1)] + "…"
    right = "right"
    every = {
        "id": Text(str(row.id), justify=right),
        "state": state_text(row.state),
        "step": Text("–" if row.step is None else str(row.step), justify=right),
        "train": Text(number(row.train), justify=right),
        "valid": Text(number(row.valid), justify=right),
        "objective": Text(number(row.objective), justify=right, style="bold"),
        "runtime": Text(duration(row.runtime), justify=right),
        "gpus": Text(",".join(row.gpus) or "–"),
    }
    shown = {key: text for key, text in every.items() if key in keys}
    shown["params"] = Text(params)
    return shown


class TrialsTable(DataTable):
    """Rows of :class:`TrialRow`, keyed by trial id; :meth:`show` a new :class:`TableData`.

    ``selected`` is the trial id under the cursor; it survives refreshes, sorting and filtering
    (while the trial is in the window).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.selected: int | None = None
        self._shown: dict[int, dict[str, str]] = {}
        self._shown_rows: dict[int, TrialRow] = {}
        self._order: list[int] = []
        self._rows: tuple[TrialRow, ...] = ()
        self._params_width = 0
        self._columns: tuple[tuple[str, str, int], ...] = ()

    def on_mount(self) -> None:
        self._build_columns()

    def _layout(self) -> tuple[tuple[tuple[str, str, int], ...], int]:
        """The columns that fit the width, and the params column's width."""
        room = (self.size.width or 80) - 2 - 2  # the vertical scrollbar, the params column's padding
        columns = list(FIXED)
        for key in DROP_ORDER:
            if room - sum(width + 2 for _, _, width in columns) >= PARAMS_WIDTH:
                break
            columns = [c for c in columns if c[0] != key]
        return tuple(columns), max(8, room - sum(width + 2 for _, _, width in columns))

    def _build_columns(self) -> None:
        self._columns, self._params_width = self._layout()
        self.clear(columns=True)
        self._shown.clear()
        self._shown_rows.clear()
        self._order = []
        for key, label, width in self._columns:
            justify = "left" if key in ("state", "gpus") else "right"
            self.add_column(Text(label, justify=justify), width=width, key=key)
        self.add_column("params", width=self._params_width, key="params")

    def on_resize(self) -> None:
        if self.columns and self._layout() != (self._columns, self._params_width):
            selected = self.selected
            self._build_columns()
            self.selected = selected
            self._apply(self._rows)

    def show(self, data: TableData) -> None:
        """Make the table show ``data.rows`` in their order, changing only what changed."""
        self._rows = data.rows
        self._apply(data.rows)

    @property
    def _keys(self) -> frozenset[str]:
        return frozenset(key for key, _, _ in self._columns)

    def _apply(self, rows: tuple[TrialRow, ...]) -> None:
        if self._order and self.row_count:  # read the cursor now: a key press may not be handled yet
            self.selected = int(self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value)
        wanted = {r.id: r for r in rows}
        for tid in [t for t in self._shown if t not in wanted]:
            self.remove_row(str(tid))
            del self._shown[tid], self._shown_rows[tid]
        for r in rows:
            if self._shown_rows.get(r.id) == r:
                continue
            self._shown_rows[r.id] = r
            new = cells(r, self._params_width, self._keys)
            old = self._shown.get(r.id)
            if old is None:
                self.add_row(*new.values(), key=str(r.id))
            else:
                for column, text in new.items():
                    if old[column] != text.plain:
                        self.update_cell(str(r.id), column, text)
            self._shown[r.id] = {column: text.plain for column, text in new.items()}
        order = [r.id for r in rows]
        if order != self._order:
            position = {tid: i for i, tid in enumerate(order)}
            self.sort("id", key=lambda cell: position[int(cell.plain)])
            self._order = order
        self._restore_selection()

    def _restore_selection(self) -> None:
        if not self._order:
            self.selected = None
            return
        if self.selected in self._shown:
            index = self.get_row_index(str(self.selected))
            if index != self.cursor_row:
                self.move_cursor(row=index, animate=False)
        else:
            self.selected = self._order[min(max(self.cursor_row, 0), len(self._order) - 1)]
            self.move_cursor(row=self.get_row_index(str(self.selected)), animate=False)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.selected = int(event.row_key.value)

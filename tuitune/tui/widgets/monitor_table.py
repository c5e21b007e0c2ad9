"""The Monitor's trials table: a windowed Line API widget that repaints only the rows that changed.

Why not Textual's DataTable: it refreshes 2–4 times a second with 16 running trials, and
DataTable keys its render caches by a global update counter, so one ``update_cell`` re-renders
every visible cell (about 15 ms of CPU a refresh with 1,000 trials, a third of the budget), and
re-sorting does the same. Here a row is a frozen :class:`TrialRow`; a refresh compares the new
rows with those shown, by position, and repaints only the lines whose row changed (usually the
running trials), each drawn once into a :class:`~textual.strip.Strip` cached by (row, stripe,
cursor, focus). Only the lines in view are ever drawn, so the window can grow without a cost
per hidden row.

Columns have fixed widths; the parameters column takes the room that is left, and columns are
dropped on narrow terminals (:data:`DROP_ORDER`).

Until the user moves the cursor, it stays on the first row, so a glance shows the top of the
table (running trials, under the default sort) instead of scrolling after a trial that finished
and sank to the done rows. Once the user moves it, the selected trial is remembered by id and
stays selected wherever a refresh, sort or filter moves it; ``home`` goes back to the top.
"""

from __future__ import annotations

import math

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tuitune.domain import TrialState
from tuitune.runner.overview import duration
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
"""State -> symbol, word and colour (ANSI names, right in 16 and 256 colours): the symbol and
word read without colour."""

FIXED = (("id", "trial", 5), ("state", "state", 12), ("step", "step", 5), ("train", "train", 6),
         ("valid", "valid", 6), ("objective", "objective", 9), ("runtime", "time", 6), ("gpus", "gpu", 3))
"""Column key, label and width; the params column follows and takes the rest."""
LEFT = frozenset({"state", "gpus", "params"})
"""Columns read left to right (words); the others are numbers, right-aligned."""
DROP_ORDER = ("gpus", "train", "runtime", "step")
"""Columns given up, in this order, while the params column would be narrower than
:data:`PARAMS_WIDTH` (the detail line below the table shows the selected trial in full)."""
PARAMS_WIDTH = 20
PAD = 1
"""Blank cells on each side of every column."""


def number(value: float | None) -> str:
    """A metric in at most 6 characters: 4 significant digits, ``nan``/``inf`` as such, ``–`` when absent."""
    if value is None:
        return "–"
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    for form in (".4g", ".2g", ".1g", ".0e"):  # 0.3037, then 1.2e4, 8.1e95, -8e95, -1e-4
        mantissa, _, exponent = f"{value:{form}}".partition("e")
        text = f"{mantissa}e{int(exponent)}" if exponent else mantissa
        if len(text) <= 6:
            break
    return text


def step_text(step: int | None) -> str:
    """A step in at most 5 characters: ``99999``, then ``1326k``, then ``133M``."""
    if step is None:
        return "–"
    if step < 100_000:
        return str(step)
    return f"{step // 1000}k" if step < 100_000_000 // 10 else f"{step // 1_000_000}M"


def state_text(state: TrialState) -> Text:
    symbol, word, style = STATES[state]
    return Text(f"{symbol} {word}", style=style)


def cells(row: TrialRow, keys: frozenset[str]) -> dict[str, Text]:
    """The row's cells in the columns ``keys`` (plus params), by column key, unpadded."""
    every = {
        "id": Text(str(row.id)),
        "state": state_text(row.state),
        "step": Text(step_text(row.step)),
        "train": Text(number(row.train)),
        "valid": Text(number(row.valid)),
        "objective": Text(number(row.objective), style="bold"),
        "runtime": Text(duration(row.runtime)),
        "gpus": Text(",".join(row.gpus) or "–"),
        "params": Text(row.params),
    }
    return {key: text for key, text in every.items() if key in keys}


def layout(width: int) -> tuple[tuple[str, str, int], ...]:
    """The columns that fit a table ``width`` cells wide (two kept for the scrollbar), params last."""
    room = width - 2
    columns = list(FIXED)
    for key in DROP_ORDER:
        if room - sum(w + 2 * PAD for _, _, w in columns) >= PARAMS_WIDTH + 2 * PAD:
            break
        columns = [c for c in columns if c[0] != key]
    params = max(8, room - sum(w + 2 * PAD for _, _, w in columns) - 2 * PAD)
    return (*columns, ("params", "params", params))


def line(texts: dict[str, Text], columns: tuple[tuple[str, str, int], ...]) -> Text:
    """One table line: each text cut (with …) or padded to its column's width and alignment."""
    out = Text(no_wrap=True, end="")
    for key, _, width in columns:
        text = texts[key].copy()
        if text.cell_len > width:
            text.truncate(width, overflow="ellipsis")
        gap = width - text.cell_len
        text.pad_right(gap) if key in LEFT else text.pad_left(gap)
        out.append(" " * PAD)
        out.append_text(text)
        out.append(" " * PAD)
    return out


class TrialsTable(ScrollView, can_focus=True):
    """Rows of :class:`TrialRow` in the order given; :meth:`show` a new :class:`TableData`.

    ``selected`` is the trial id under the cursor. While ``follow_top`` (until the user moves the
    cursor, and again after ``home``) the cursor stays on the first row; otherwise the selected
    trial survives refreshes, sorting and filtering (while it is in the window). Moving the
    cursor posts :class:`TrialsTable.Highlighted`.
    """

    COMPONENT_CLASSES = {"trials-table--header", "trials-table--cursor", "trials-table--even-row"}
    DEFAULT_CSS = """
    TrialsTable {
        width: 1fr;
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        & > .trials-table--header { text-style: bold; background: $panel; }
        & > .trials-table--even-row { background: $surface-lighten-1 50%; }
        & > .trials-table--cursor { background: $block-cursor-blurred-background;
                                    color: $block-cursor-blurred-foreground; }
        &:focus > .trials-table--cursor { background: $block-cursor-background;
                                          color: $block-cursor-foreground; text-style: bold; }
    }
    """
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "top", "Top (follow the first row)", show=False),
        Binding("end", "cursor(1_000_000)", "Last", show=False),
    ]

    class Highlighted(Message):
        """The cursor moved onto another trial (``trial_id`` ``None``: the table is empty)."""

        def __init__(self, table: TrialsTable, trial_id: int | None) -> None:
            super().__init__()
            self.table = table
            self.trial_id = trial_id

    def __init__(self, **kwargs) -> None:
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)
        super().__init__(**kwargs)
        self.selected: int | None = None
        self.follow_top = True
        self.cursor_row = 0
        self._rows: tuple[TrialRow, ...] = ()
        self._index: dict[int, int] = {}
        self._columns = layout(80)

    # --- data -------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def row_ids(self) -> tuple[int, ...]:
        return tuple(r.id for r in self._rows)

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(key for key, _, _ in self._columns)

    def cell(self, trial_id: int, column: str) -> str:
        """The text shown in a cell, unpadded (for tests and the palette)."""
        return cells(self._rows[self._index[trial_id]], frozenset(self.column_keys))[column].plain

    def show(self, data: TableData) -> None:
        """Show ``data.rows`` in their order, repainting only the lines whose row changed."""
        old, new = self._rows, data.rows
        self._rows = new
        self._index = {r.id: i for i, r in enumerate(new)}
        if len(old) != len(new):
            self.virtual_size = Size(0, len(new) + 1)
            self.refresh()
        else:
            for i, (before, after) in enumerate(zip(old, new)):
                if before != after:
                    self.refresh_lines(i + 1)
        keep = self._index.get(self.selected) if self.selected is not None and not self.follow_top else None
        self._move(0 if self.follow_top else keep if keep is not None else self.cursor_row)

    # --- cursor -----------------------------------------------------------------------------

    def _move(self, row: int) -> None:
        """Put the cursor on ``row`` (clamped), scroll it into view, say so if the trial changed."""
        before = self.cursor_row
        self.cursor_row = min(max(row, 0), max(len(self._rows) - 1, 0))
        if before != self.cursor_row:
            self.refresh_lines(before + 1)
            self.refresh_lines(self.cursor_row + 1)
        trial = self._rows[self.cursor_row].id if self._rows else None
        self._scroll_into_view()
        if trial != self.selected:
            self.selected = trial
            self.post_message(self.Highlighted(self, trial))

    def _scroll_into_view(self) -> None:
        body = max(1, self.scrollable_content_region.height - 1)
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + body:
            self.scroll_to(y=self.cursor_row - body + 1, animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self.follow_top = False
        self._move(self.cursor_row + delta)

    def action_page(self, pages: int) -> None:
        self.follow_top = False
        self._move(self.cursor_row + pages * max(1, self.scrollable_content_region.height - 1))

    def action_top(self) -> None:
        self.follow_top = True
        self._move(0)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.follow_top = False
            self._move(round(self.scroll_y) + event.y - 1)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # --- drawing ----------------------------------------------------------------------------

    def on_resize(self) -> None:
        columns = layout(self.size.width)
        if columns != self._columns:
            self._columns = columns
            self._strips.clear()
            self.refresh()
        self._scroll_into_view()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._strip(None, "trials-table--header", width)
        index = round(self.scroll_y) + y - 1
        if index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        component = ("trials-table--cursor" if index == self.cursor_row
                     else "trials-table--even-row" if index % 2 else "")
        return self._strip(self._rows[index], component, width)

    def _strip(self, row: TrialRow | None, component: str, width: int) -> Strip:
        key = (row, component, self.has_focus, width)
        strip = self._strips.get(key)
        if strip is None:
            if row is None:
                texts = {k: Text(label) for k, label, _ in self._columns}
            else:
                texts = cells(row, frozenset(self.column_keys))
            text = line(texts, self._columns)
            style: Style = self.rich_style
            text.stylize_before(style)
            if component:  # over the cells' own colours: the cursor line reads as one block
                extra = self.get_component_rich_style(component, partial=True)
                text.stylize(extra)
                style += extra
            segments = list(text.render(self.app.console))
            strip = Strip(Segment.adjust_line_length(segments, width, style=style), width)
            self._strips[key] = strip
        return strip

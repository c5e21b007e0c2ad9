"""The Review's checklist: one line per playbook question, its status as a symbol *and* a word.

Colour only repeats what the symbol and word already say, so the list reads the same in 256
colours, in monochrome and through a screen reader. Reloading keeps the highlighted item (by
its key), so a recompute every few seconds never throws the user's place away.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tuitune.tui.review_data import Item

MARKS = {"pass": ("✓", "green"), "warn": ("!", "yellow"), "fail": ("✗", "red"), "n/a": ("–", "dim"),
         "plot": ("◆", "cyan")}
"""status -> (symbol, colour)."""


def mark(status: str) -> Text:
    """``✓ pass``: six cells, symbol and word, coloured alike."""
    symbol, colour = MARKS.get(status, ("?", ""))
    return Text(f"{symbol} {status:<4}", style=f"bold {colour}".strip())


def prompt(item: Item) -> Text:
    """One line (the stylesheet cuts a long question with an ellipsis; the detail shows it whole)."""
    return Text.assemble(mark(item.status), " ", item.title)


class ReviewChecklist(OptionList):
    """The items of a :class:`~tuitune.tui.review_data.ReviewView`; ``j``/``k`` move like arrows,
    ``enter`` opens the item's plot full-pane (the screen handles the selection)."""

    BINDINGS = [Binding("enter", "select", "Plot"), Binding("j", "cursor_down", "Down", show=False),
                Binding("k", "cursor_up", "Up", show=False)]

    def show(self, items: tuple[Item, ...]) -> None:
        """Replace the items, keeping the highlighted one when it is still there."""
        current = self.highlighted_option.id if self.highlighted_option is not None else None
        keys = [item.key for item in items]
        if keys == [o.id for o in self.options]:
            for i, item in enumerate(items):
                self.replace_option_prompt_at_index(i, prompt(item))
            return
        self.set_options(Option(prompt(item), id=item.key) for item in items)
        if items:
            self.highlighted = keys.index(current) if current in keys else 0

"""``a`` in the Monitor: how many more trials to queue in the selected trial's study.

The answer is checked as it is typed (a whole number, at least 1, no more than the study has
left), so a wrong entry says what to type instead and never queues anything.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tuitune.tui.widgets.footer import KeyBar

MOST = 10_000
"""A sanity bound on one request; more can be added again."""


def parse_count(text: str, left: int | None) -> tuple[int | None, str]:
    """``(count, "")`` for a valid entry, else ``(None, what to fix)``."""
    text = text.strip().replace(",", "").replace("_", "")
    if not text:
        return None, "type how many trials to add, e.g. 8"
    try:
        count = int(text)
    except ValueError:
        return None, f"{text!r} is not a whole number; type e.g. 8"
    most = MOST if left is None else min(MOST, left)
    if count < 1:
        return None, "add at least 1 trial"
    if count > most:
        why = f"the study has {left} point(s) left" if left is not None and left < MOST else f"at most {MOST:,} at once"
        return None, f"{count:,} is too many: {why}"
    return count, ""


class AddTrialsModal(ModalScreen[int | None]):
    """Asks for a count; dismisses with it, or ``None`` on escape."""

    DEFAULT_CSS = """
    AddTrialsModal { align: center middle; }
    AddTrialsModal > Vertical { width: 60; max-width: 95%; height: auto; border: round $accent;
                                background: $surface; padding: 0 1; }
    AddTrialsModal Input { margin: 1 0 0 0; }
    AddTrialsModal #add-error { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, study: str, left: int | None, repeats: int = 1, default: int = 8) -> None:
        super().__init__()
        self._study = study
        self._left = left
        self._repeats = repeats
        self._default = default if left is None else max(1, min(default, left))

    def compose(self) -> ComposeResult:
        left = "any number (the sequence goes on)" if self._left is None else f"{self._left} point(s) left"
        repeats = f"; each point runs {self._repeats} times (seed repeats)" if self._repeats > 1 else ""
        with Vertical():
            yield Static(Text.assemble(("Add trials to study ", "bold"), (self._study, "bold"),
                                       (f"\nmore points of its sequence: {left}{repeats}", "dim")))
            yield Input(str(self._default), type="integer", placeholder="how many?", id="add-count")
            yield Static("", id="add-error")
            yield Static(Text("enter queues them · escape cancels", style="dim"))
        yield KeyBar()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#add-error", Static).update(parse_count(event.value, self._left)[1])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        count, problem = parse_count(event.value, self._left)
        if count is None:
            self.query_one("#add-error", Static).update(problem)
            return
        self.dismiss(count)

    def action_cancel(self) -> None:
        self.dismiss(None)

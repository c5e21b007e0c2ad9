"""The objective switcher: judge the round by another metric, direction or aggregate.

The playbook's objective is a choice, not a fact of the data: "best validation loss over
training" and "final accuracy" can rank trials differently. Every trial's curves are stored,
so switching recomputes the review without re-running anything, and *Default* puts the study's
own objective back. Only metrics the trials reported are offered, so the choice cannot name a
metric with no data.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static

from tuitune.domain import Aggregate, Direction, Objective
from tuitune.tui.widgets.footer import KeyBar

AGGREGATES = {Aggregate.BEST: "best over training", Aggregate.FINAL: "final value"}


class ObjectiveModal(ModalScreen[Objective | None]):
    """Returns the chosen :class:`Objective`, or None when cancelled."""

    DEFAULT_CSS = """
    ObjectiveModal { align: center middle; }
    ObjectiveModal > Vertical { width: 60; max-width: 95%; height: auto; border: round $accent;
                                background: $surface; padding: 0 1; }
    ObjectiveModal .objective-row { height: auto; margin-bottom: 1; }
    ObjectiveModal .objective-row Label { width: 11; padding-top: 0; }
    ObjectiveModal .objective-row Select { width: 1fr; }
    ObjectiveModal #objective-buttons { height: auto; }
    ObjectiveModal #objective-buttons Button { margin-right: 1; min-width: 10; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "apply", "Apply")]

    def __init__(self, metrics: tuple[str, ...], current: Objective, default: Objective) -> None:
        super().__init__()
        self._metrics = tuple(dict.fromkeys((*metrics, current.metric, default.metric)))
        self._current = current
        self._default = default

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Judge the trials by"
            with Horizontal(classes="objective-row"):
                yield Label("metric")
                yield Select([(m, m) for m in self._metrics], value=self._current.metric, allow_blank=False,
                             id="objective-metric", compact=True)
            with Horizontal(classes="objective-row"):
                yield Label("direction")
                yield Select([(d.value, d) for d in Direction], value=self._current.direction, allow_blank=False,
                             id="objective-direction", compact=True)
            with Horizontal(classes="objective-row"):
                yield Label("aggregate")
                yield Select([(label, a) for a, label in AGGREGATES.items()], value=self._current.aggregate,
                             allow_blank=False, id="objective-aggregate", compact=True)
            yield Static(f"Recomputed from the stored curves; nothing re-runs. Default: {describe(self._default)}.",
                         classes="hint")
            with Horizontal(id="objective-buttons"):
                yield Button("Apply", variant="primary", id="objective-apply", compact=True)
                yield Button("Default", id="objective-default", compact=True)
                yield Button("Cancel", id="objective-cancel", compact=True)
            yield Static("tab moves · enter opens a list or presses · ctrl+s applies · escape cancels",
                         classes="hint")
        yield KeyBar()

    def chosen(self) -> Objective:
        return Objective(self.query_one("#objective-metric", Select).value,  # type: ignore[arg-type]
                         self.query_one("#objective-direction", Select).value,  # type: ignore[arg-type]
                         self.query_one("#objective-aggregate", Select).value)  # type: ignore[arg-type]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "objective-apply":
            self.action_apply()
        elif event.button.id == "objective-default":
            self.dismiss(self._default)
        else:
            self.action_cancel()

    def action_apply(self) -> None:
        self.dismiss(self.chosen())

    def action_cancel(self) -> None:
        self.dismiss(None)


def describe(objective: Objective) -> str:
    """``val_loss, minimize, best over training``."""
    return f"{objective.metric}, {objective.direction.value}, {AGGREGATES[objective.aggregate]}"

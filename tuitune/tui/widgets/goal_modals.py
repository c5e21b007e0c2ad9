"""The Goal pane's dialogs: the new-round form and a keyed choice (abandon or keep, confirm).

Why modal: the pane itself stays a place to read (the journal, the baselines) where the pane
keys ``1``–``5`` always work; the form takes the keyboard only while the user writes a goal,
and it validates through the domain (:class:`~tuitune.domain.Round`), so the message the user
reads is the same one the CLI prints, and an invalid form writes nothing.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from tuitune.domain import InvalidConfig, Phase, Round, RoundKind
from tuitune.tui.widgets.footer import KeyBar

PHASES = {Phase.EXPLORE: "explore (gain insight: most rounds)", Phase.EXPLOIT: "exploit (greedy best result)"}

MODAL_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 90%; max-width: 84; height: auto; max-height: 95%; border: round $accent;
                     background: $surface; padding: 0 1; }}
{name} .modal-title {{ text-style: bold; color: $accent; }}
{name} .modal-row {{ height: auto; margin-top: 1; }}
{name} Button {{ margin-right: 1; min-width: 10; }}
{name} .error-text {{ height: auto; }}
"""


class NewRoundModal(ModalScreen[Round | None]):
    """Goal, kind and phase of a new round. Dismisses with an unsaved :class:`Round`, or ``None``."""

    DEFAULT_CSS = MODAL_CSS.format(name="NewRoundModal") + """
    NewRoundModal Select { width: 1fr; }
    NewRoundModal Label { width: 7; padding-top: 0; }
    NewRoundModal .field { height: 1; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("New round: one goal, answered by the round's studies", classes="modal-title")
            yield Input(placeholder='the goal as one question, e.g. "does weight decay help?"', id="goal")
            with Horizontal(classes="field"):
                yield Label("kind")
                yield Select([(k.label, k) for k in RoundKind], value=RoundKind.TRY_CHANGE, allow_blank=False,
                             compact=True, id="kind")
            with Horizontal(classes="field"):
                yield Label("phase")
                yield Select([(text, p) for p, text in PHASES.items()], value=Phase.EXPLORE, allow_blank=False,
                             compact=True, id="phase")
            yield Static("", id="round-error", classes="error-text")
            with Horizontal(classes="modal-row"):
                yield Button("Create (enter)", variant="primary", id="create")
                yield Button("Cancel (esc)", id="cancel")
        yield KeyBar()

    @on(Input.Submitted)
    @on(Button.Pressed, "#create")
    def create(self) -> None:
        goal = self.query_one("#goal", Input).value
        kind = self.query_one("#kind", Select).value
        phase = self.query_one("#phase", Select).value
        try:
            new = Round(goal, RoundKind(kind), Phase(phase))
        except InvalidConfig as error:
            self.query_one("#round-error", Static).update(
                "\n".join(f"{p.field}: {p.message} (fix: {p.fix})" for p in error.problems))
            self.query_one("#goal", Input).focus()
            return
        self.dismiss(new)

    @on(Input.Changed)
    def clear_error(self) -> None:
        self.query_one("#round-error", Static).update("")

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)


class ChoiceModal(ModalScreen[str | None]):
    """A question with a few answers, each on a key: ``choices`` is ``(key, label, value)``.

    Escape answers ``None``. Buttons work with tab and enter too.
    """

    DEFAULT_CSS = MODAL_CSS.format(name="ChoiceModal") + """
    ChoiceModal Horizontal { height: auto; }
    ChoiceModal Button { width: auto; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, body: str, choices: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self._title, self._body, self._choices = title, body, choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, classes="modal-title")
            yield Static(self._body)
            with Horizontal(classes="modal-row"):
                for i, (key, label, value) in enumerate(self._choices):
                    yield Button(f"{label} ({key})", variant="primary" if i == 0 else "default", name=value)
            yield Static("escape: cancel", classes="hint")
        yield KeyBar()

    def on_key(self, event: Key) -> None:
        for key, _, value in self._choices:
            if event.key == key:
                event.stop()
                self.dismiss(value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.name)

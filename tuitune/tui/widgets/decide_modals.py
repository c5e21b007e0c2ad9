"""The Decide pane's dialogs: choose the candidate, how many seed repeats, and the rationale.

Why each one validates in place: a decision is the project's record of what was learned, so a
bad answer (no rationale, one seed) is named with its fix inside the dialog and nothing is
written until the answer is good; escape always leaves without writing.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tuitune.domain import Role, Verdict
from tuitune.tui.decide_data import Candidate
from tuitune.tui.goal_data import config_text
from tuitune.tui.widgets.footer import KeyBar
from tuitune.tui.widgets.goal_modals import MODAL_CSS

MAX_REPEATS = 50


class CandidateModal(ModalScreen[int | None]):
    """The round's completed trials, best first, with the values their study varied; dismisses with
    the chosen trial id."""

    DEFAULT_CSS = MODAL_CSS.format(name="CandidateModal") + """
    CandidateModal > Vertical { max-width: 110; }
    CandidateModal OptionList { height: auto; max-height: 16; text-wrap: nowrap; text-overflow: ellipsis; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, candidates: tuple[Candidate, ...], current: int | None) -> None:
        super().__init__()
        self._candidates, self._current = candidates, current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Choose the candidate (enter) · escape: keep the current one", classes="modal-title")
            options = []
            for i, c in enumerate(self._candidates):
                space = c.study.space
                active = space.active(c.trial.params)  # scientific first: what a narrow dialog must not cut
                params = {p.name: active[p.id] for p in sorted(space.varying, key=lambda p: p.role is not Role.SCIENTIFIC)
                          if p.id in active}
                mark = "●" if c.trial.id == self._current else " "
                options.append(Option(f"{mark} {i + 1:>2}. t{c.trial.id:<5} {c.objective:<10.4g} {c.study.name}: "
                                      f"{config_text(params, ' ')}", id=str(c.trial.id)))
            yield OptionList(*options, id="candidates")
        yield KeyBar()

    def on_mount(self) -> None:
        ids = [c.trial.id for c in self._candidates]
        if self._current in ids:
            self.query_one(OptionList).highlighted = ids.index(self._current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))


class RepeatsModal(ModalScreen[int | None]):
    """How many seed runs of each side; dismisses with a whole number in 2..MAX_REPEATS."""

    DEFAULT_CSS = MODAL_CSS.format(name="RepeatsModal") + "RepeatsModal Input { width: 16; }"
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, candidate: int, default: int = 5) -> None:
        super().__init__()
        self._candidate, self._default = candidate, default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Seed repeats of candidate t{self._candidate} and of the baseline", classes="modal-title")
            yield Static("Runs of each side, each with a new training seed (more runs: a sharper verdict, "
                         "more compute).")
            yield Input(str(self._default), type="integer", id="repeats")
            yield Static("", id="repeats-error", classes="error-text")
            yield Static("enter: queue · escape: cancel", classes="hint")
        yield KeyBar()

    @on(Input.Submitted)
    def submit(self) -> None:
        text = self.query_one(Input).value.strip()
        n = int(text) if text.lstrip("-").isdigit() else None
        if n is None or not 2 <= n <= MAX_REPEATS:
            self.query_one("#repeats-error", Static).update(
                f"repeats: needs a whole number from 2 to {MAX_REPEATS}, found {text or 'nothing'!r} "
                "(fix: 5 is a good start; two runs are the least that show a spread)")
            return
        self.dismiss(n)


class RationaleModal(ModalScreen[str | None]):
    """The written reason for adopting or rejecting; dismisses with non-empty text."""

    DEFAULT_CSS = MODAL_CSS.format(name="RationaleModal") + """
    RationaleModal TextArea { height: 6; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, verdict: Verdict, what: str, summary: str, draft: str = "") -> None:
        super().__init__()
        self._verdict, self._what, self._summary, self._draft = verdict, what, summary, draft
        self.text = draft
        """What is written so far (the pane keeps it when the dialog is cancelled)."""
        self._bindings.bind("ctrl+s", "record", "Adopt" if verdict is Verdict.ADOPT else "Reject")  # as the button

    def compose(self) -> ComposeResult:
        word = "Adopt" if self._verdict is Verdict.ADOPT else "Reject"
        with Vertical():
            yield Static(f"{word} {self._what}", classes="modal-title")
            yield Static(self._summary, classes="hint")
            yield Static("Why? Written down with the evidence; the journal keeps it.")
            yield TextArea(self._draft, id="rationale")
            yield Static("", id="rationale-error", classes="error-text")
            with Horizontal(classes="modal-row"):
                yield Button(f"{word} (ctrl+s)", variant="primary", id="record")
                yield Button("Cancel (esc)", id="cancel")
        yield KeyBar()

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.text = event.text_area.text

    @on(Button.Pressed, "#record")
    def action_record(self) -> None:
        text = self.query_one(TextArea).text.strip()
        if not text:
            self.query_one("#rationale-error", Static).update(
                "rationale: a decision needs a reason, found none (fix: write what the evidence shows, e.g. "
                '"better by 2 retrain sd at every seed")')
            self.query_one(TextArea).focus()
            return
        self.dismiss(text)

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)

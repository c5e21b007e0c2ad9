"""Small modals of the Design pane: open a study file, save one, confirm queueing or a reseed.

Why a confirmation before queueing: queueing spends GPU hours and cannot be taken back from this
pane (stopping is Monitor's job), so the user sees the study, its trial count and its budget
once more and presses enter. Saving asks before overwriting an existing file, for the same
reason: a file may hold comments the draft does not.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tuitune.tui.widgets.footer import KeyBar

MODAL_CSS = """
{cls} {{ align: center middle; }}
{cls} > Vertical {{ width: 96%; max-width: 90; height: auto; max-height: 100%;
                   border: round $accent; background: $surface; padding: 0 1; }}
{cls} OptionList {{ height: auto; max-height: 12; }}
{cls} .modal-error {{ color: $error; }}
"""


def resolve(text: str, root: Path) -> Path:
    """A typed path: ``~`` expanded, relative paths taken from the project folder."""
    path = Path(text.strip()).expanduser()
    return path if path.is_absolute() else root / path


def relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


class OpenModal(ModalScreen[Path | None]):
    """Pick one of the project's study files, or type any path."""

    DEFAULT_CSS = MODAL_CSS.format(cls="OpenModal")
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, files: tuple[Path, ...], root: Path) -> None:
        super().__init__()
        self.files = files
        self.root = root

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Open a study file", style="bold"))
            if self.files:
                yield OptionList(*(Option(relative(f, self.root), id=str(i)) for i, f in enumerate(self.files)))
            else:
                yield Static("no studies/*.toml in this project yet", classes="hint")
            yield Input(placeholder="or type a path, e.g. studies/lr.toml", compact=True)
            yield Static("", classes="modal-error")
            yield Static("enter opens · tab moves between the list and the path · escape cancels", classes="hint")
        yield KeyBar()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.files[int(event.option.id or 0)])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        path = resolve(event.value, self.root) if event.value.strip() else None
        if path is None or not path.is_file():
            self.query_one(".modal-error", Static).update(
                "type the path of a .toml study file" if path is None else f"no such file: {path}")
            return
        self.dismiss(path)


class SaveModal(ModalScreen[Path | None]):
    """Ask where to save; a second enter overwrites an existing file."""

    DEFAULT_CSS = MODAL_CSS.format(cls="SaveModal")
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, suggested: Path, root: Path, note: str = "") -> None:
        super().__init__()
        self.suggested = suggested
        self.root = root
        self.note = note
        self._confirm: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Save the design as a study file", style="bold"))
            yield Input(relative(self.suggested, self.root), compact=True)
            yield Static(self.note, classes="modal-error")
            yield Static("enter saves · escape cancels", classes="hint")
        yield KeyBar()

    def on_mount(self) -> None:
        self.call_after_refresh(self.query_one(Input).select_all)  # typing replaces the suggestion

    def on_input_changed(self) -> None:
        self._confirm = None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        error = self.query_one(".modal-error", Static)
        if not event.value.strip():
            error.update("type a file name, e.g. studies/wd.toml")
            return
        path = resolve(event.value, self.root)
        if path.suffix != ".toml":
            path = path.with_name(path.name + ".toml")
        if path.is_dir():
            error.update(f"{path} is a folder: name a file in it")
        elif path.exists() and self._confirm != path:
            self._confirm = path
            error.update(f"{relative(path, self.root)} exists: enter again to overwrite it")
        else:
            self.dismiss(path)


class QueueModal(ModalScreen[bool]):
    """Confirm queueing: enter or y queues, escape or n goes back."""

    DEFAULT_CSS = MODAL_CSS.format(cls="QueueModal")
    BINDINGS = [Binding("enter,y", "dismiss(True)", "Queue"), Binding("escape,n", "dismiss(False)", "Back")]

    def __init__(self, summary: str) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Queue this study?", style="bold"))
            yield Static(self.summary)
            yield Static("enter queues · escape goes back", classes="hint")
        yield KeyBar()


class ReseedModal(ModalScreen[str | None]):
    """Confirm a reseed: enter or y stores the sibling and queues it, s only stores it (r on the
    Design pane queues it later), escape or n goes back. Dismisses with ``queue``, ``store`` or
    ``None``."""

    DEFAULT_CSS = MODAL_CSS.format(cls="ReseedModal")
    BINDINGS = [Binding("enter,y", "dismiss('queue')", "Store and queue"),
                Binding("s", "dismiss('store')", "Store only"),
                Binding("escape,n", "dismiss(None)", "Back")]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.study = name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Reseed study {self.study}?", style="bold"))
            yield Static(f"A sibling of {self.study} with a new sequence seed is stored in this round: the same "
                         "design over other points and training seeds. Decide weighs a candidate's margin "
                         "against the spread between such siblings (study variance).")
            yield Static("enter stores it and queues its trials · s stores it only · escape goes back",
                         classes="hint")
        yield KeyBar()

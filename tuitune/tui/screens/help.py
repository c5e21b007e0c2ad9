"""``?``: every key that works where the user is, and how the loop maps to the panes.

Read from the screen's live bindings, so the help can never drift from what the keys do.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tuitune.tui.widgets.footer import KeyBar

LOOP = ("1 Goal: pick one goal for the round (try a change, understand a hyperparameter, minimise error)\n"
        "2 Design: mark hyperparameters scientific / nuisance / fixed, set ranges, queue the study\n"
        "3 Monitor: watch trials live; stop, requeue, read logs\n"
        "4 Review: the playbook's checklist with its evidence and plots\n"
        "5 Decide: candidate against baseline over seeds; adopt or reject with a rationale")


def key_table(screen: Screen) -> Table:
    """tuitune's keys first (the pane's actions, the focused widget's, then switching panes, help,
    quit), then Textual's general ones (focus, copy, cursor keys), each action once per group."""
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    ours: dict[str, tuple[int, str]] = {}  # description -> (place, key)
    general: dict[str, str] = {}  # description -> key
    for active in screen.active_bindings.values():
        binding, node = active.binding, active.node
        if not binding.description or binding.action == "command_palette":
            continue
        key = binding.key_display or screen.app.get_key_display(binding)
        if _ours(node, binding):
            ours.setdefault(binding.description, (0 if node is screen else 2 if isinstance(node, App) else 1, key))
        else:
            general.setdefault(binding.description, key)
    for description, (_, key) in sorted(ours.items(), key=lambda item: item[1][0]):
        table.add_row(key, description)
    table.add_row(screen.app.get_key_display(Binding(screen.app.COMMAND_PALETTE_BINDING, "")),
                  "command palette: every action by name")
    table.add_row("", "")
    table.add_row(Text("general", style="dim"), "")
    for description, key in general.items():
        table.add_row(key, description)
    return table


def _ours(node: DOMNode, binding: Binding) -> bool:
    """Whether a tuitune class (not one of Textual's) declares ``binding`` (its action and key)."""
    return any(cls.__module__.startswith("tuitune.") and
               any(isinstance(b, Binding) and b.action == binding.action and binding.key in b.key.split(",")
                   for b in cls.__dict__.get("BINDINGS", ()))
               for cls in type(node).__mro__)


class HelpModal(ModalScreen[None]):
    """The keys of ``screen`` (the pane under the modal). Any of escape, ``?`` or ``q`` closes it."""

    DEFAULT_CSS = """
    HelpModal { align: center middle; }
    HelpModal > VerticalScroll { width: 90%; max-width: 100; height: auto; max-height: 90%;
                                 border: round $accent; background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self._under = screen

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("Keys here", style="bold"))
            yield Static(key_table(self._under))
            yield Static(Text("\nThe tuning loop", style="bold"))
            yield Static(LOOP)
            yield Static(Text("\nescape closes this help", style="dim"))
        yield KeyBar()

    def on_mount(self) -> None:
        self.app.clear_notifications()  # toasts are drawn on top: they would cover the key list

"""The one-line header of every screen: project, round goal, trial counts, runner state.

It answers "is everything fine?" at a glance, which is what a user checking in over SSH wants
first. Counts use words and symbols, not colour alone, so they read in 256 colours, in
monochrome and through screen readers.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tuitune.domain import TrialState
from tuitune.tui.overview import Overview

SYMBOLS = (
    (TrialState.RUNNING, "▶", "running"),
    (TrialState.QUEUED, "…", "queued"),
    (TrialState.COMPLETED, "✓", "done"),
    (TrialState.INFEASIBLE, "∞", "infeasible"),
    (TrialState.FAILED, "✗", "failed"),
    (TrialState.KILLED, "■", "killed"),
    (TrialState.LOST, "?", "lost"),
)
"""Display order of the counts, each with its symbol and word."""


def describe(overview: Overview, project: str, width: int, pane: str = "tuitune") -> Text:
    """The status line as text fitting ``width`` cells (counts shorten to symbols when narrow).

    ``pane`` (``3 Monitor``) leads the line, so the pane keys need no room in the footer.
    """
    goal = f"R{overview.round.id} {overview.round.goal}" if overview.round else "no round yet (press 1)"
    counts = dict(overview.counts)
    counts[TrialState.RUNNING] = overview.active
    shown = [(sym, word, n) for state, sym, word in SYMBOLS if (n := counts.get(state, 0))]
    long = "  ".join(f"{sym}{n} {word}" for sym, word, n in shown) or "no trials"
    short = " ".join(f"{sym}{n}" for sym, _, n in shown) or "no trials"
    waiting = overview.active + overview.counts.get(TrialState.QUEUED, 0)  # trials that need a runner
    idle = overview.runner.startswith("stopped") and waiting > 0
    runner = "runner stopped: ^r starts it" if idle else f"runner {overview.runner}"
    fixed = len(pane) + 12 + len(project) + len(runner)  # pane padded by spaces, " ", three " │ "
    counts_text = long if fixed + len(goal) + len(long) <= width else short
    room = max(8, width - fixed - len(counts_text))
    if len(goal) > room:
        goal = goal[: room - 1] + "…"
    text = Text.assemble((f" {pane} ", "bold reverse"), " ", (project, "bold"), " │ ", goal, " │ ",
                         counts_text, " │ ", (runner, "bold yellow" if idle else ""))
    text.truncate(width, overflow="ellipsis")
    return text


class StatusLine(Static):
    """Shows an :class:`Overview`; the App pushes new ones (it polls, this only draws)."""

    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $text; }
    """

    def __init__(self, project: str, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._project = project
        self._overview = Overview(None, runner="starting")

    def show(self, overview: Overview) -> None:
        self._overview = overview
        self._redraw()

    def on_resize(self) -> None:
        self._redraw()

    def on_mount(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        label = getattr(self.app, "pane_label", lambda: "tuitune")()
        self.update(describe(self._overview, self._project, max(20, self.size.width or 80), label))

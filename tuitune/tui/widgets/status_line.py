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
from tuitune.tui.widgets.repaint import update_if_changed

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
    hints = ("runner stopped: ^r starts it", "runner stopped ^r") if idle else (f"runner {overview.runner}",)
    fixed = len(pane) + 12 + len(hints[0])  # pane padded by spaces, " ", three " │ "
    counts_text = long if fixed + len(project) + len(goal) + len(long) <= width else short
    # Too narrow: the goal gives way down to 8 cells, then the project name down to 6, then the
    # runner hint shortens, then the goal again; the runner's state is the last thing cut.
    for runner in hints:
        fixed = len(pane) + 12 + len(runner)
        over = fixed + len(project) + len(counts_text) + min(len(goal), 8) - width
        if over <= max(len(project) - 6, 0):
            break
    project = _shorten(project, max(6, len(project) - max(over, 0)))
    goal = _shorten(goal, max(5, width - fixed - len(project) - len(counts_text)))
    text = Text.assemble((f" {pane} ", "bold reverse"), " ", (project, "bold"), " │ ", goal, " │ ",
                         counts_text, " │ ", (runner, "bold yellow" if idle else ""))
    text.truncate(width, overflow="ellipsis")
    return text


def _shorten(text: str, cells: int) -> str:
    return text if len(text) <= cells else text[: cells - 1] + "…"


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
        text = describe(self._overview, self._project, max(20, self.size.width or 80), label)
        update_if_changed(self, text)

"""The selected trial's log tail: the last lines of its stdout and stderr.

Why two parts: a crash's traceback goes to stderr while progress goes to stdout, and a person
checking a failed trial wants the traceback without opening a pager. When stderr is empty the
whole height goes to stdout. Lines are cleaned by :mod:`tuitune.runner.output` (no escapes, bars
collapsed) and cut at the widget's width: the full log is one key away (``p``, in ``$PAGER``).
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tuitune.domain import TrialState
from tuitune.tui.monitor_data import LogTail


class LogView(Static):
    """Shows a :class:`LogTail` (or why there is none) in its height."""

    def lines_wanted(self) -> int:
        """How many lines of each file to read to fill the widget."""
        return max(4, self.content_size.height)

    _shown: tuple | None = None

    def show(self, tail: LogTail | None, state: TrialState | None = None) -> None:
        """Show ``tail`` (repaints only when it changed)."""
        key = (tail, state, self.content_size.height)
        if key != self._shown:
            self._shown = key
            self.update(self.describe(tail, state), layout=False)

    def describe(self, tail: LogTail | None, state: TrialState | None = None) -> Text:
        """The text shown for ``tail`` in the widget's height."""
        if tail is None:
            return Text("select a trial to see its log", style="dim")
        if not tail.exists:
            why = " (queued: it has not started)" if state is TrialState.QUEUED else ""
            return Text.assemble((f"trial #{tail.trial_id}: ", "bold"), ("no log yet" + why, "dim"))
        height = self.lines_wanted()
        if tail.stderr and tail.stdout:  # stdout gets at most half; stderr (tracebacks) the rest
            shown_out = min(len(tail.stdout), max(1, (height - 2) // 2))
            parts = [("stdout.log", tail.stdout[-shown_out:]),
                     ("stderr.log", tail.stderr[-max(1, height - 2 - shown_out):])]
        elif tail.stderr:
            parts = [("stderr.log", tail.stderr[-max(1, height - 1):])]
        else:
            parts = [("stdout.log", tail.stdout[-max(1, height - 1):])]
        text = Text()
        for i, (name, lines) in enumerate(parts):
            if i:
                text.append("\n")
            text.append(f"#{tail.trial_id} {name}", style="bold")
            if not lines:
                text.append("\n(empty)", style="dim")
            for line in lines:
                text.append("\n" + line)
        return text

"""The selected checklist item in full: the question, the verdict, what to do, the evidence.

The action comes right after the verdict because it is what the user acts on; the evidence
(the numbers behind the verdict) follows and scrolls, focusable with ``tab``, when it is long.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tuitune.analysis.text import evidence_lines, fmt
from tuitune.tui.review_data import Item
from tuitune.tui.widgets.review_checklist import mark


def detail_text(item: Item, plot_note: str = "") -> Text:
    """The item as text; ``plot_note`` says which plot is shown (e.g. the axis hyperparameter)."""
    text = Text.assemble(mark(item.status), " ", (item.title, "bold"), "\n", item.verdict, "\n")
    if item.action:
        text.append_text(Text.assemble(("→ ", "bold"), (item.action, "italic"), "\n"))
    if item.trial_ids:
        text.append(f"trials to look at: {fmt(list(item.trial_ids))}\n")
    if plot_note:
        text.append(f"{plot_note}\n", style="dim")
    lines = evidence_lines(item.evidence)
    if lines:
        text.append("evidence\n", style="bold")
        text.append("\n".join(lines))
    return text


class ReviewDetail(VerticalScroll):
    """Scrolls one item's :func:`detail_text`."""

    def compose(self) -> ComposeResult:
        yield Static("", id="review-detail-text")

    def show(self, text: Text) -> None:
        self.query_one("#review-detail-text", Static).update(text)

"""Decide (5): the candidate against the baseline over seeds, the verdict, adopt or reject.

Why it is shaped like this: the playbook's last step of a round is a judgement, not a number,
so the pane lays out what the judgement needs in reading order: what is being compared (the
candidate, by default the round's best completed trial, and the baseline, with what the
candidate changes), the evidence as it arrives (both sides re-run N times with new training
seeds, filling in while the pane polls), the comparison's verdict with its intervals, and the
two ways to end the round, each asking for a written rationale. Seed runs are ordinary manual
studies queued through the runner's intents (see :mod:`tuitune.tui.decide_data`), so Monitor
shows them and quitting the TUI leaves them running.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tuitune.domain import RoundStatus, Verdict
from tuitune.tui.decide_data import DecideData, load_decide, queue_seed_repeats, record_decision
from tuitune.tui.screens.base import PaneScreen
from tuitune.tui.widgets.decide_modals import CandidateModal, RationaleModal, RepeatsModal
from tuitune.tui.widgets.decide_view import guidance, pair_text, runs_text, verdict_text
from tuitune.tui.widgets.repaint import update_if_changed


class DecideScreen(PaneScreen):
    """Candidate versus baseline; keys choose, queue seed repeats, adopt and reject."""

    CSS_PATH = "decide.tcss"
    BINDINGS = [
        Binding("c", "choose", "Candidate"),
        Binding("s", "queue_seeds", "Seed repeats"),
        Binding("a", "adopt", "Adopt"),
        Binding("x", "reject", "Reject"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._data: DecideData | None = None
        self._chosen: int | None = None
        self._unsent: dict[tuple[int, int, Verdict], str] = {}
        """Rationales written, then cancelled, by (round, candidate trial, verdict): the same
        decision's dialog opens with its text again, another decision's does not."""

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="decide-body"):
            yield Static("", id="decide-pair")
            yield Static("", id="decide-runs")
            yield Static("", id="decide-verdict")

    def commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Choose the candidate", "Pick another completed trial to weigh against the baseline "
                            "(key c)", self.action_choose)
        yield SystemCommand("Queue seed repeats", "Re-run the candidate and the baseline over N new seeds (key s)",
                            self.action_queue_seeds)
        yield SystemCommand("Adopt the candidate", "It becomes the baseline; the round closes (key a)",
                            self.action_adopt)
        yield SystemCommand("Reject the candidate", "The baseline stays; the round closes (key x)",
                            self.action_reject)

    # --- loading and drawing ----------------------------------------------------------------

    async def reload(self) -> None:
        self._data = await self.backend.compute(load_decide, self.backend.project, self._chosen)
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        data = self._data
        if data is None:
            return
        pair, runs, verdict = (self.query_one(f"#decide-{n}", Static) for n in ("pair", "runs", "verdict"))
        stop = guidance(data)
        if stop is not None:
            for widget, content in ((pair, stop), (runs, ""), (verdict, "")):
                update_if_changed(widget, content)
            return
        width = max(40, self.query_one("#decide-body").content_size.width or self.size.width - 2)
        update_if_changed(pair, pair_text(data))  # polled: repaint only what changed
        update_if_changed(runs, runs_text(data, width, self.backend.marker))
        update_if_changed(verdict, verdict_text(data))

    # --- actions ----------------------------------------------------------------------------

    def _ready(self, what: str) -> DecideData | None:
        """The loaded data when ``what`` can be done now; otherwise say why and return ``None``."""
        data = self._data
        if data is None:
            self.notify("still loading; try again in a moment", timeout=3)
            return None
        if data.round is None or data.round.status is not RoundStatus.OPEN:
            self.notify(f"cannot {what}: no open round (open one on Goal: 1, then n)", severity="warning", timeout=5)
            return None
        if data.candidate is None:
            self.notify(f"cannot {what}: the round has no completed trial yet (watch Monitor: 3)",
                        severity="warning", timeout=5)
            return None
        return data

    def action_choose(self) -> None:
        self._choose()

    @work(exclusive=True, group="decide-action", exit_on_error=False)
    async def _choose(self) -> None:
        data = self._ready("choose a candidate")
        if data is None or data.candidate is None:
            return
        chosen = await self.app.push_screen_wait(CandidateModal(data.candidates, data.candidate.trial.id))
        if chosen is not None:
            self._chosen = chosen
            self.notify(f"candidate: t{chosen}", timeout=3)
            await self.reload()

    def action_queue_seeds(self) -> None:
        self._queue_seeds()

    @work(exclusive=True, group="decide-action", exit_on_error=False)
    async def _queue_seeds(self) -> None:
        data = self._ready("queue seed repeats")
        if data is None or data.candidate is None or data.round is None:
            return
        if data.baseline is None:
            self.notify("no baseline to re-run: add a [baseline] table to tuitune.toml", severity="warning",
                        timeout=6)
            return
        if data.seeded:
            side = data.candidate_side
            self.notify(f"t{data.candidate.trial.id} already has its seed repeats ({side.study.name if side else ''}"
                        " and its baseline): they fill in below", timeout=5)
            return
        repeats = await self.app.push_screen_wait(RepeatsModal(data.candidate.trial.id))
        if repeats is None:
            return
        cand, base, queued = await self.backend.io(queue_seed_repeats, data.round.id, data.candidate.trial.id,
                                                   data.baseline, repeats)
        runner = self.backend.runner
        await self.backend.io(lambda store: runner.ensure())
        self.notify(f"queued {queued} runs: studies {cand.name} and {base.name}; they fill in here", timeout=6)
        await self.reload()
        self.app.refresh_overview()  # type: ignore[attr-defined]

    def action_adopt(self) -> None:
        self._decide(Verdict.ADOPT)

    def action_reject(self) -> None:
        self._decide(Verdict.REJECT)

    @work(exclusive=True, group="decide-action", exit_on_error=False)
    async def _decide(self, verdict: Verdict) -> None:
        data = self._ready(verdict.value)
        if data is None or data.candidate is None or data.round is None:
            return
        summary = data.comparison.summary if data.comparison else "no seed repeats compared (press s to queue them)"
        what = f"candidate t{data.candidate.trial.id} (R{data.round.id}: {data.round.goal})"
        key = (data.round.id, data.candidate.trial.id, verdict)
        modal = RationaleModal(verdict, what, summary, self._unsent.get(key, ""))
        rationale = await self.app.push_screen_wait(modal)
        if rationale is None:
            self._unsent[key] = modal.text  # escape keeps what was written for the next try
            return
        try:
            decision = await self.backend.io(record_decision, data.round.id, verdict, rationale, data.candidate,
                                             data.baseline, data.comparison, self.backend.clock())
        except ValueError as error:
            self._unsent[key] = rationale
            self.notify(str(error), severity="error", timeout=6)
            return
        done = (f"adopted t{data.candidate.trial.id}: it is baseline B{decision.baseline_id} now"
                if verdict is Verdict.ADOPT else f"rejected t{data.candidate.trial.id}: the baseline stays")
        self.notify(f"{done}; R{data.round.id} closed (see the journal, 1)", timeout=6)
        self._chosen = None
        self._unsent.clear()
        await self.reload()
        self.app.refresh_overview()  # type: ignore[attr-defined]


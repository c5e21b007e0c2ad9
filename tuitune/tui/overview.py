"""What the status line shows on every screen: pure loading, no Textual.

Kept apart from the widget so tests read the numbers the TUI shows without a screen. These are
plain counts of trials by state (a lost trial and its retry are two trials); ``tuitune status``
shows each study's progress instead, counting a retried point once
(:mod:`tuitune.runner.overview`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tuitune.domain import Round, Study, TrialState
from tuitune.store import Store


@dataclass(frozen=True)
class Overview:
    """The current round at a glance."""

    round: Round | None
    studies: tuple[Study, ...] = ()
    counts: dict[TrialState, int] = field(default_factory=dict)
    runner: str = "unknown"

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def active(self) -> int:
        return sum(n for s, n in self.counts.items() if s.active)


def load_overview(store: Store, runner_state: str) -> Overview:
    current = store.current_round()
    if current is None:
        return Overview(None, runner=runner_state)
    return Overview(current, tuple(store.studies(current.id)), store.state_counts(round_id=current.id),
                    runner_state)

"""What the Goal pane reads and writes: the journal of rounds, the baselines, a new round.

Why it is shaped like this: the journal is the project's memory of what was learned (playbook:
each round ends in a decision, adopting appends a baseline), so it is loaded as one frozen
snapshot joining rounds with their latest decision, and baselines with the round that made
them. Writes are plain functions of a :class:`~tuitune.store.Store` so the rules (opening a round
while one is open asks to abandon it or keep both; abandoning never touches a trial) are tested
without Textual.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tuitune.domain import Baseline, Decision, Round, RoundKind, RoundStatus, Value
from tuitune.store import Store

KIND_SHORT = {RoundKind.TRY_CHANGE: "change", RoundKind.UNDERSTAND: "understand", RoundKind.MINIMIZE: "minimise"}
"""One word per kind for narrow journals (the full :attr:`RoundKind.label` shows beside)."""


@dataclass(frozen=True)
class JournalEntry:
    """One round with its decision, if any."""

    round: Round
    decision: Decision | None
    studies: int


@dataclass(frozen=True)
class BaselineEntry:
    """One baseline of the history; ``current`` for the latest."""

    baseline: Baseline
    current: bool
    round_goal: str | None
    """The goal of the round whose adoption made it (``None`` for the initial baseline)."""


@dataclass(frozen=True)
class GoalData:
    journal: tuple[JournalEntry, ...]
    """Newest round first."""
    baselines: tuple[BaselineEntry, ...]
    """Newest (current) first."""

    @property
    def open_rounds(self) -> tuple[Round, ...]:
        return tuple(e.round for e in self.journal if e.round.status is RoundStatus.OPEN)


def load_goal(store: Store) -> GoalData:
    rounds = store.rounds()
    decisions: dict[int, Decision] = {d.round_id: d for d in store.decisions()}
    counts: dict[int, int] = {}
    for study in store.studies():
        counts[study.round_id] = counts.get(study.round_id, 0) + 1  # type: ignore[index]
    goals = {r.id: r.goal for r in rounds}
    baselines = store.baselines()
    return GoalData(
        tuple(JournalEntry(r, decisions.get(r.id), counts.get(r.id, 0))  # type: ignore[arg-type]
              for r in reversed(rounds)),
        tuple(BaselineEntry(b, i == len(baselines) - 1, goals.get(b.round_id))
              for i, b in reversed(list(enumerate(baselines)))))


def create_round(store: Store, new: Round, abandon: Iterable[int] = (), now: float | None = None) -> Round:
    """Abandon the rounds ``abandon`` (their trials keep running), then store ``new``."""
    for round_id in abandon:
        store.set_round_status(round_id, RoundStatus.ABANDONED)
    return store.add_round(Round(new.goal.strip(), new.kind, new.phase, created_at=now))


def abandon_round(store: Store, round_id: int) -> Round:
    """Close round ``round_id`` without a decision. Refused (``ValueError``) unless it is open."""
    found = store.get_round(round_id)
    if found.status is not RoundStatus.OPEN:
        raise ValueError(f"round {round_id} is already {found.status.value}")
    return store.set_round_status(round_id, RoundStatus.ABANDONED)


def ago(then: float | None, now: float) -> str:
    """``then`` relative to ``now``: ``just now``, ``5 min ago``, ``3 h ago``, ``4 d ago``, or a date."""
    if then is None:
        return "—"
    seconds = now - then
    if seconds < 60:
        return "just now"
    for unit, size, limit in (("min", 60, 3600), ("h", 3600, 86_400), ("d", 86_400, 45 * 86_400)):
        if seconds < limit:
            return f"{int(seconds // size)} {unit} ago"
    return time.strftime("%Y-%m-%d", time.localtime(then))


def value_text(value: Value) -> str:
    """A value as the user would type it: ``true``, ``0.001``, ``adam``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def config_text(config: Mapping[str, Value], sep: str = "  ") -> str:
    """``name=value`` pairs in the config's order."""
    return sep.join(f"{name}={value_text(value)}" for name, value in config.items()) or "(empty)"

"""The current round's trials, read so that a refresh costs the running trials, not the round.

Why: the Monitor reloads 2–4 times a second, and reading every trial of a round of 1,000 costs
about 10 ms (each row decodes its params, argv, env and GPUs), 100 ms for 10,000: most of a
refresh's budget spent re-reading trials that ended long ago. An ended trial never changes:
the runner drains a trial's output and writes its terminal state, end time and objective in one
transition, and a retry is a new trial. So the ended trials are read once and kept in
:class:`Ended`; each refresh reads only the trials not yet ended and the per-state counts, and
reads everything again only when the ended counts moved (a trial ended since).

The counts are read *after* the unended trials: a trial that ends in between changes the counts
and forces a full read, so the answer never misses a trial.
"""

from __future__ import annotations

from dataclasses import dataclass

from tuitune.domain import Trial, TrialState
from tuitune.store import Store

UNENDED = tuple(s for s in TrialState if not s.terminal)


@dataclass(frozen=True)
class Ended:
    """The ended trials of one round as last read, and how many there were in each state."""

    round_id: int
    counts: tuple[tuple[TrialState, int], ...]
    trials: tuple[Trial, ...]


def _ended_counts(counts: dict[TrialState, int]) -> tuple[tuple[TrialState, int], ...]:
    return tuple((s, counts.get(s, 0)) for s in TrialState if s.terminal)


def round_trials(store: Store, round_id: int, ended: Ended | None) -> tuple[list[Trial], Ended]:
    """Every trial of round ``round_id`` in id order, and the :class:`Ended` to pass next time."""
    if ended is not None and ended.round_id == round_id:
        unended = store.trials(round_id=round_id, states=UNENDED)
        if _ended_counts(store.state_counts(round_id=round_id)) == ended.counts:
            return sorted([*ended.trials, *unended], key=lambda t: t.id or 0), ended
    trials = store.trials(round_id=round_id)
    counts: dict[TrialState, int] = {}
    for t in trials:
        counts[t.state] = counts.get(t.state, 0) + 1
    return trials, Ended(round_id, _ended_counts(counts), tuple(t for t in trials if t.state.terminal))

"""What the TUI and the CLI may ask of the runner: queue trials, stop them, run them again.

Both front ends call these and nothing else to affect trials, so the rules live in one place:
queueing inserts QUEUED trial rows (the points of a study, addressed by index, so queueing more
later continues the sequence) plus a ``queue`` command that wakes the runner; stopping and
requeueing are commands the runner acts on within a second. None of these starts, signals or
touches a process.
"""

from __future__ import annotations

from collections.abc import Sequence

from tuitune import search
from tuitune.domain import Command, CommandKind, Study, Trial
from tuitune.store import Store


def queued_points(store: Store, study: Study) -> int:
    """How many points of ``study`` already have trials (the index the next queue starts at)."""
    trials = store.trials(study_id=study.id)
    return 1 + max((t.index for t in trials if t.retry_of is None), default=-1)


def queue_study(store: Store, study: Study, count: int | None = None) -> list[Trial]:
    """Queue the next ``count`` points of ``study`` (default: every point not yet queued).

    Each point becomes ``study.repeats`` trials. Returns the stored trials; an empty list when
    the study has none left.
    """
    start = queued_points(store, study)
    left = search.size(study) - start
    if count is None:
        count = left
    count = max(0, count if study.algorithm.value in ("quasi_random", "random") else min(count, left))
    if count == 0:
        return []
    stored = store.add_trials(search.trials_for(study, study.id, start, count))
    store.add_command(CommandKind.QUEUE, {"study_id": study.id, "trial_ids": [t.id for t in stored]})
    return stored


def request_stop(store: Store, trial_ids: Sequence[int], reason: str = "stopped by the user") -> Command:
    """Ask the runner to stop ``trial_ids`` (queued ones are cancelled, running ones terminated).

    Returns the stored command; its ``result`` says what the runner did once ``done``.
    """
    return store.add_command(CommandKind.STOP, {"trial_ids": list(trial_ids), "reason": reason})


def request_requeue(store: Store, trial_ids: Sequence[int]) -> Command:
    """Ask the runner to run ``trial_ids`` again as new trials pointing at the old ones."""
    return store.add_command(CommandKind.REQUEUE, {"trial_ids": list(trial_ids)})

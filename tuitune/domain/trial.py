"""Trials, their lifecycle and their measurements.

The lifecycle is the contract between the runner (the only writer of trial state) and every
reader. Each change goes through :func:`check_transition`, and the store writes the new state,
its time, its reason and an event row in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from tuitune.domain.errors import IllegalTransition
from tuitune.domain.space import Value


class TrialState(StrEnum):
    """Where a trial is in its life.

    ::

        QUEUED ──▶ STARTING ──▶ RUNNING ──▶ COMPLETED   exit 0
           │           │           │  ╲───▶ FAILED      exit != 0, or could not start
           │           │           │   ╲──▶ INFEASIBLE  diverged: NaN/inf or the user's rule
           │           │           │    ╲─▶ LOST        runner restarted: no process, no exit.json
           │           │           ▼
           │           │        STOPPING ──▶ KILLED     stopped on request or by timeout
           │           │           ╲──────▶ COMPLETED | FAILED | INFEASIBLE | LOST
           │           ╰──▶ STOPPING | FAILED | LOST | KILLED
           ╰──▶ KILLED (cancelled before it started)

    COMPLETED, FAILED, KILLED, INFEASIBLE and LOST are terminal: a retry is a new trial row
    whose ``retry_of`` points at the old one.
    """

    QUEUED = "queued"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    COMPLETED = "completed"
    FAILED = "failed"
    KILLED = "killed"
    INFEASIBLE = "infeasible"
    LOST = "lost"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL

    @property
    def active(self) -> bool:
        """Holding (or about to hold) a slot: STARTING, RUNNING or STOPPING."""
        return self in (TrialState.STARTING, TrialState.RUNNING, TrialState.STOPPING)


TERMINAL = frozenset({TrialState.COMPLETED, TrialState.FAILED, TrialState.KILLED,
                      TrialState.INFEASIBLE, TrialState.LOST})

_ENDINGS = frozenset({TrialState.COMPLETED, TrialState.FAILED, TrialState.INFEASIBLE,
                      TrialState.LOST, TrialState.KILLED})

TRANSITIONS: Mapping[TrialState, frozenset[TrialState]] = {
    TrialState.QUEUED: frozenset({TrialState.STARTING, TrialState.KILLED}),
    TrialState.STARTING: frozenset({TrialState.RUNNING, TrialState.STOPPING, TrialState.FAILED,
                                    TrialState.LOST, TrialState.KILLED}),
    TrialState.RUNNING: frozenset({TrialState.STOPPING}) | _ENDINGS,
    TrialState.STOPPING: _ENDINGS,
    **{t: frozenset() for t in TERMINAL},
}
"""Allowed next states of each state."""


def check_transition(old: TrialState, new: TrialState) -> None:
    """Raise :class:`IllegalTransition` unless ``old -> new`` is in :data:`TRANSITIONS`."""
    if new not in TRANSITIONS[old]:
        allowed = ", ".join(sorted(s.name for s in TRANSITIONS[old])) or "nothing (terminal)"
        raise IllegalTransition(f"trial cannot go from {old.name} to {new.name}; from {old.name} it may go to {allowed}")


@dataclass(frozen=True)
class Trial:
    """One run of the training command with one configuration. ``id`` is ``None`` until stored.

    ``params`` maps hyperparameter *ids* to values and holds only the active ones (inactive
    conditional hyperparameters have no value at all). ``argv`` and ``env`` are the rendered
    command and the environment delta, recorded when the trial starts.
    """

    study_id: int
    index: int
    """Position of the point in the study's sequence (quasi-random points are addressed by it)."""
    params: Mapping[str, Value]
    repeat: int = 0
    """Which seed repeat of the point this is (0-based)."""
    seed: int | None = None
    """The training seed passed to the command for this repeat, when repeats are used."""
    state: TrialState = TrialState.QUEUED
    id: int | None = None
    retry_of: int | None = None
    gpus: tuple[str, ...] = ()
    """GPU ids given to the trial in ``CUDA_VISIBLE_DEVICES`` (indices or UUIDs)."""
    pid: int | None = None
    pid_started: float | None = None
    """The process's start time, so a recycled pid is never mistaken for the trial."""
    argv: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    created_at: float | None = None
    started_at: float | None = None
    ended_at: float | None = None
    exit_code: int | None = None
    reason: str = ""
    """Why the trial is in its state (e.g. ``NaN in train_loss at step 12``)."""
    objective: float | None = None
    """The objective so far, as last computed by the runner (a cache; measurements are the truth)."""

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.ended_at if self.ended_at is not None else float("nan")) - self.started_at


@dataclass(frozen=True)
class Measurement:
    """One value of one metric of one trial at one step."""

    trial_id: int
    step: int
    name: str
    value: float
    wall_time: float
    """Seconds since the epoch when the value was reported."""


@dataclass(frozen=True)
class Event:
    """The audit row of one state change."""

    trial_id: int
    old: TrialState | None
    new: TrialState
    at: float
    reason: str = ""
    id: int | None = None

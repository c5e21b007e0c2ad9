"""A round of the incremental tuning loop: one goal, its studies, ending in a decision."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tuitune.domain.errors import Problem, raise_if_any


class RoundKind(StrEnum):
    """The three kinds of goal the playbook names."""

    TRY_CHANGE = "try_change"
    """Try a potential improvement to the pipeline (a new regularizer, preprocessing...)."""
    UNDERSTAND = "understand"
    """Understand the impact of a hyperparameter (e.g. the activation function)."""
    MINIMIZE = "minimize"
    """Minimize validation error (exploitation)."""

    @property
    def label(self) -> str:
        return {"try_change": "try a change", "understand": "understand a hyperparameter",
                "minimize": "minimise validation error"}[self.value]


class Phase(StrEnum):
    """Exploration (gain insight: most of the time) or exploitation (greedy performance)."""

    EXPLORE = "explore"
    EXPLOIT = "exploit"


class RoundStatus(StrEnum):
    OPEN = "open"
    """Being designed, run or reviewed."""
    CLOSED = "closed"
    """A decision was recorded (adopted or rejected)."""
    ABANDONED = "abandoned"
    """Closed without a decision."""


@dataclass(frozen=True)
class Round:
    """One goal and the studies that pursue it. ``id`` is ``None`` until stored."""

    goal: str
    kind: RoundKind = RoundKind.TRY_CHANGE
    phase: Phase = Phase.EXPLORE
    status: RoundStatus = RoundStatus.OPEN
    id: int | None = None
    created_at: float | None = None
    closed_at: float | None = None

    def __post_init__(self) -> None:
        problems = []
        if not self.goal.strip():
            problems.append(Problem("goal", "a round needs a goal, found an empty one",
                                    'write one question, e.g. "does weight decay help?"'))
        raise_if_any(problems)

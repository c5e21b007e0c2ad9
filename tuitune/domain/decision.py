"""The end of a round: a decision weighing the candidate against the baseline, and baselines.

Adopting appends a :class:`Baseline` (the playbook's "launch"); the journal of rounds with their
decisions and baselines is the project's memory of what was learned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from tuitune.domain.space import Value


class Verdict(StrEnum):
    ADOPT = "adopt"
    REJECT = "reject"


@dataclass(frozen=True)
class Baseline:
    """The current best configuration at some point in the project's history."""

    config: Mapping[str, Value]
    """Every hyperparameter's value, by the name passed to the command."""
    objective: float | None = None
    round_id: int | None = None
    """The round whose adoption made it; ``None`` for the project's initial baseline."""
    trial_id: int | None = None
    note: str = ""
    id: int | None = None
    created_at: float | None = None


@dataclass(frozen=True)
class Decision:
    """Candidate versus baseline, the evidence read, the verdict and the person's rationale."""

    round_id: int
    verdict: Verdict
    rationale: str
    candidate_trial_id: int | None = None
    baseline_id: int | None = None
    evidence: Mapping[str, object] = field(default_factory=dict)
    """Numbers the decision rests on (seed repeats, means, spreads, test statistics)."""
    id: int | None = None
    created_at: float | None = None

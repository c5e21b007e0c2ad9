"""The review: the checklist plus the isolation result, as ``tuitune review --json`` prints it."""

from __future__ import annotations

from dataclasses import dataclass

from tuitune.analysis.checks import checklist
from tuitune.analysis.frame import StudyData
from tuitune.analysis.plots_info import Isolation, isolation
from tuitune.analysis.result import CheckResult, Status


@dataclass(frozen=True)
class Review:
    checks: tuple[CheckResult, ...]
    isolations: tuple[Isolation, ...]
    """One per scientific hyperparameter (one over studies or all trials when there is none)."""

    @property
    def worst(self) -> Status:
        """The most severe status among the checks (``n/a`` only when all are)."""
        order = (Status.FAIL, Status.WARN, Status.PASS)
        return next((s for s in order if any(c.status is s for c in self.checks)), Status.NA)

    def to_dict(self) -> dict[str, object]:
        return {"checks": [c.to_dict() for c in self.checks],
                "isolation": [i.to_dict() for i in self.isolations]}


def review(data: StudyData) -> Review:
    scientific = [hp.id for hp in data.scientific] or [None]
    return Review(checklist(data), tuple(isolation(data, p) for p in scientific))

"""The playbook's checklist ("Learn from the experimental results"), one module per question.

Every check is a pure function ``check_x(data: StudyData) -> CheckResult``; :data:`CHECKS`
holds them in the order the playbook asks, and :func:`checklist` runs them all.
"""

from __future__ import annotations

from tuitune.analysis.checks.boundaries import check_boundaries
from tuitune.analysis.checks.compute import check_compute_bound
from tuitune.analysis.checks.infeasible import Threshold, check_infeasible, threshold
from tuitune.analysis.checks.noise import check_late_noise
from tuitune.analysis.checks.optimization import check_optimization
from tuitune.analysis.checks.overfitting import check_overfitting
from tuitune.analysis.checks.sampled import check_sampled_enough
from tuitune.analysis.frame import StudyData
from tuitune.analysis.result import CheckResult

CHECKS = (check_boundaries, check_sampled_enough, check_infeasible, check_optimization, check_overfitting,
          check_late_noise, check_compute_bound)


def checklist(data: StudyData) -> tuple[CheckResult, ...]:
    """Every check's result, in the playbook's order."""
    return tuple(check(data) for check in CHECKS)


__all__ = ["CHECKS", "Threshold", "check_boundaries", "check_compute_bound", "check_infeasible",
           "check_late_noise", "check_optimization", "check_overfitting", "check_sampled_enough", "checklist",
           "threshold"]

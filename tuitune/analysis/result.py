"""What a checklist item returns: a status, one line, the evidence and what to do.

Modelled on Ax's healthchecks: a check never draws and never raises on odd data; it says
``n/a`` with the reason instead. Evidence holds plain numbers, strings and lists of trial ids
so that it serializes to JSON unchanged (``tuitune review --json``) and tests can assert it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    NA = "n/a"


@dataclass(frozen=True)
class CheckResult:
    """One checklist item's answer. ``evidence`` is JSON-ready; ``trial_ids`` are the trials to look at."""

    check: str
    """Stable identifier, e.g. ``boundaries``."""
    title: str
    """The playbook's question, e.g. ``Is the search space large enough?``."""
    status: Status
    verdict: str
    """One line."""
    evidence: Mapping[str, object] = field(default_factory=dict)
    action: str = ""
    """What to do next; empty when nothing is needed."""
    trial_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "evidence", plain(dict(self.evidence)))
        object.__setattr__(self, "trial_ids", tuple(int(i) for i in self.trial_ids))

    def to_dict(self) -> dict[str, object]:
        return {"check": self.check, "status": self.status.value, "verdict": self.verdict,
                "evidence": dict(self.evidence), "action": self.action, "trial_ids": list(self.trial_ids)}


def plain(value: object) -> object:
    """``value`` with numpy scalars and arrays, tuples and mappings turned into JSON types."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def strict_json(value: object) -> object:
    """``value`` made JSON-ready (:func:`plain`) with NaN and infinities as ``None``: strict JSON
    that every reader accepts (``json.dumps(..., allow_nan=False)``)."""
    value = plain(value)
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strict_json(v) for v in value]
    return value


def rnd(x: float, digits: int = 4) -> float:
    """``x`` to ``digits`` significant digits, for evidence meant to be read."""
    x = float(x)
    if x == 0 or not np.isfinite(x):
        return x
    return float(f"{x:.{digits}g}")

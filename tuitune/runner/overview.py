"""The quick glance: where every study of the current round stands, computed once, drawn elsewhere.

Why it is an info object: ``tuitune status`` prints it, ``tuitune status --json`` dumps it,
``tuitune run`` redraws its counts, and the TUI's monitor can show the same thing; each of them
only draws. It is read through a read-only store connection in a few queries (studies, trials,
latest values), so it takes milliseconds on a store of thousands of trials while the runner
writes, and never blocks the runner.

Counting: a trial that was retried (another trial's ``retry_of`` points at it) is replaced by
its retry, so ``total`` counts each point and repeat once. ``failed`` counts FAILED and LOST
trials that were not retried; INFEASIBLE (diverged) and KILLED (stopped on purpose) are results,
not failures. "Best" is the best objective so far over trials that did not diverge.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from tuitune.domain import Objective, Project, Role, Study, Trial, TrialState
from tuitune.runner.lock import RunnerInfo
from tuitune.store import Store


def duration(seconds: float | None) -> str:
    """A runtime in a few characters, the same in ``tuitune status`` and the TUI: ``0.8s``,
    ``42s``, ``29m59s``, ``5h02m``, ``123h``; ``–`` before the trial starts."""
    if seconds is None:
        return "–"
    if seconds < 9.95:  # tenths while they tell short trials apart (a smoke test, the demo)
        return f"{max(seconds, 0):.1f}s"
    s = round(seconds)  # 9.97 reads 10s, not 9s after 9.9s
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 100 * 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 3600}h"


@dataclass(frozen=True)
class TrialLine:
    id: int
    state: str
    params: dict[str, Any]
    """Values of the hyperparameters the study varies, by passed name."""
    step: int | None
    metrics: dict[str, float]
    """Latest value of each metric."""
    objective: float | None
    runtime: float | None
    gpus: list[str]
    reason: str
    retry_of: int | None


@dataclass(frozen=True)
class StudyLine:
    id: int
    name: str
    metric: str
    direction: str
    total: int
    done: int
    """Trials that ended, in any final state (completed, failed, stopped...)."""
    running: int
    queued: int
    failed: int
    stopped: int
    """KILLED: stopped on request or by the timeout (a result, but not a finished run)."""
    best: float | None
    best_trial: int | None
    trials: list[TrialLine] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.done == self.total


@dataclass(frozen=True)
class Overview:
    round_id: int | None
    goal: str
    runner_pid: int | None
    studies: list[StudyLine]
    round_status: str = "open"
    """``open``, ``closed`` (decided) or ``abandoned``."""

    def to_json(self) -> dict[str, Any]:
        return _finite(asdict(self))


def study_line(study: Study, trials: list[Trial], latest: dict[int, dict[str, tuple[int, float]]],
               objective: Objective, now: float) -> StudyLine:
    """One study's counts, best trial and (with ``latest``) per-trial lines."""
    retried = {t.retry_of for t in trials if t.retry_of is not None}
    current = [t for t in trials if t.id not in retried]
    varying = [p for p in study.space if p.role is not Role.FIXED]
    best: Trial | None = None
    for t in current:
        if t.objective is None or t.state is TrialState.INFEASIBLE:
            continue
        if best is None or objective.is_better(t.objective, best.objective):
            best = t
    lines = []
    for t in current:
        values = latest.get(t.id, {})
        runtime = None if t.started_at is None else (t.ended_at or now) - t.started_at
        lines.append(TrialLine(
            id=t.id, state=t.state.value, params={p.name: t.params[p.id] for p in varying if p.id in t.params},
            step=max((s for s, _ in values.values()), default=None), metrics={k: v for k, (_, v) in sorted(values.items())},
            objective=t.objective, runtime=runtime, gpus=list(t.gpus), reason=t.reason, retry_of=t.retry_of))
    return StudyLine(
        id=study.id, name=study.name, metric=objective.metric, direction=objective.direction.value,
        total=len(current), done=sum(t.state.terminal for t in current),
        running=sum(t.state.active for t in current), queued=sum(t.state is TrialState.QUEUED for t in current),
        failed=sum(t.state in (TrialState.FAILED, TrialState.LOST) for t in current),
        stopped=sum(t.state is TrialState.KILLED for t in current),
        best=None if best is None else best.objective, best_trial=None if best is None else best.id, trials=lines)


def overview(store: Store, project: Project, runner: RunnerInfo | None, *, study_ids: list[int] | None = None,
             with_trials: bool = True) -> Overview:
    """The current round's studies (or the studies ``study_ids``), with their trials' lines
    when ``with_trials``."""
    now = time.time()
    current = store.current_round()
    latest: dict[int, dict[str, tuple[int, float]]] = {}
    if study_ids is not None:
        studies = [store.get_study(i) for i in study_ids]
        trials = {s.id: store.trials(s.id) for s in studies}
        for s in studies if with_trials else ():
            latest.update(store.latest(study_id=s.id))
    else:
        studies = store.studies(current.id) if current is not None else []
        trials = {s.id: [] for s in studies}
        for t in store.trials(round_id=current.id) if current is not None else ():
            trials[t.study_id].append(t)
        if with_trials and current is not None:
            latest = store.latest(round_id=current.id)
    lines = [study_line(s, trials[s.id], latest, s.objective or project.objective, now) for s in studies]
    if not with_trials:
        lines = [replace(line, trials=[]) for line in lines]
    return Overview(None if current is None else current.id, "" if current is None else current.goal,
                    None if runner is None else runner.pid, lines,
                    "open" if current is None else current.status.value)


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinities: they become the strings ``"nan"``, ``"inf"``, ``"-inf"``."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value

"""What the Monitor pane shows, loaded from the store: pure functions returning frozen data.

Why it is shaped like this: the Monitor reloads 2–4 times a second while trials run, in rounds
of 1,000 trials and more, so the cost of one refresh must not grow with per-trial queries:

* **The table** is the round's trials (:func:`~tuitune.tui.monitor_trials.round_trials` rereads
  only those not ended) and one ``latest(round_id=...)`` (the store keeps each metric's highest
  step in its own table). Filtering, sorting and the *window* happen here, in Python, on plain
  values; the pane shows at most :data:`CAP` rows, the active trials and the selected one always
  among them, and says how many it left out.
* **Objectives** are the runner's cached ``Trial.objective`` when it has one. Otherwise they are
  reduced from the curve of the objective's metric (study's objective, else the project's), in
  one bulk query for the trials missing one, and remembered with the step they were computed
  at in a :class:`Memo` the caller hands back on the next load (with the ended trials): a trial
  is read again only when it has reported a new step.
* **Curves** of the selected trial and the study's best :data:`TOP_K` come in one bulk
  ``curves(trial_ids=..., names=...)`` query of the metrics shown; **log tails** read at most
  the end of two files.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from tuitune.domain import (
    Algorithm,
    Direction,
    Objective,
    Project,
    Role,
    Round,
    Study,
    Trial,
    TrialState,
)
from tuitune.runner.lock import RunnerPaths
from tuitune.runner.output import tail_lines
from tuitune.runner.trialdir import STDERR, STDOUT
from tuitune.store import Store
from tuitune.tui.monitor_trials import Ended, round_trials

CAP = 200
"""Most rows the table holds at once: the first screens of the sort, plus every active trial
(the widget draws only the rows in view, but each row held is formatted on every load)."""
TOP_K = 3
"""Best trials of the selected trial's study whose curves are drawn beside it."""

S = TrialState


class Filter(StrEnum):
    """Which trials the table shows; every trial is in ``all`` and exactly one other."""

    ALL = "all"
    ACTIVE = "active"
    FAILED = "failed"
    DONE = "done"

    @property
    def states(self) -> frozenset[TrialState]:
        return _FILTER_STATES[self]

    @property
    def label(self) -> str:
        return _FILTER_LABELS[self]

    def next(self) -> Filter:
        members = list(Filter)
        return members[(members.index(self) + 1) % len(members)]


_FILTER_STATES = {
    Filter.ALL: frozenset(S),
    Filter.ACTIVE: frozenset({S.QUEUED, S.STARTING, S.RUNNING, S.STOPPING}),
    Filter.FAILED: frozenset({S.FAILED, S.INFEASIBLE, S.LOST}),
    Filter.DONE: frozenset({S.COMPLETED, S.KILLED}),
}
_FILTER_LABELS = {Filter.ALL: "all", Filter.ACTIVE: "queued or running",
                  Filter.FAILED: "failed, infeasible or lost", Filter.DONE: "completed or stopped"}


class Sort(StrEnum):
    """The column the table is ordered by; each has the direction people want first."""

    STATE = "state"
    OBJECTIVE = "objective"
    ID = "trial"
    STEP = "step"
    RUNTIME = "runtime"

    def next(self) -> Sort:
        members = list(Sort)
        return members[(members.index(self) + 1) % len(members)]


_STATE_ORDER = {s: i for i, s in enumerate(
    (S.RUNNING, S.STARTING, S.STOPPING, S.QUEUED, S.FAILED, S.INFEASIBLE, S.LOST, S.KILLED, S.COMPLETED))}


@dataclass(frozen=True)
class TableView:
    """How the user asked to see the table."""

    filter: Filter = Filter.ALL
    sort: Sort = Sort.STATE
    reverse: bool = False
    """Flip the sort's natural direction (state: running first; objective: best first;
    trial: newest first; step and runtime: most first)."""
    cap: int = CAP


@dataclass(frozen=True)
class TrialRow:
    """One trial as the table shows it (raw values; the widget formats them)."""

    id: int
    study_id: int
    study: str
    state: TrialState
    params: str
    step: int | None
    train: float | None
    valid: float | None
    objective: float | None
    runtime: float | None
    """Seconds since it started (until it ended); ``None`` before it starts."""
    gpus: tuple[str, ...]
    reason: str


Objectives = Mapping[int, tuple[Objective, int, float | None]]
"""Trial id -> (objective, latest step of its metric, value): reused while both are unchanged."""


@dataclass(frozen=True)
class Memo:
    """What one load hands the next so that it reads only what changed."""

    objectives: Objectives = field(default_factory=dict)
    ended: Ended | None = None


@dataclass(frozen=True)
class TableData:
    """The table's window and what the pane needs around it."""

    round: Round | None
    rows: tuple[TrialRow, ...] = ()
    matching: int = 0
    """Trials passing the filter (``len(rows)`` is smaller when the window is capped)."""
    total: int = 0
    counts: Mapping[Filter, int] = field(default_factory=dict)
    studies: Mapping[int, Study] = field(default_factory=dict)
    top: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    """Study id -> its best :data:`TOP_K` trial ids, best first."""
    memo: Memo = field(default_factory=Memo)
    """Objectives computed from curves and the ended trials; hand it to the next :func:`load_table`."""

    def row(self, trial_id: int | None) -> TrialRow | None:
        return next((r for r in self.rows if r.id == trial_id), None)


def objective_of(project: Project, study: Study | None) -> Objective:
    return (study.objective if study is not None else None) or project.objective


def load_table(store: Store, project: Project, now: float, view: TableView = TableView(),
               selected: int | None = None, memo: Memo | None = None) -> TableData:
    """The current round's trials as :class:`TableData`: filtered, sorted, windowed.

    ``selected`` (a trial id) stays in the window when it passes the filter; ``memo`` is the
    previous load's :attr:`TableData.memo`.
    """
    current = store.current_round()
    if current is None:
        return TableData(None)
    memo = memo or Memo()
    studies = {s.id: s for s in store.studies(current.id)}
    trials, ended = round_trials(store, current.id, memo.ended)
    latest = store.latest(round_id=current.id)
    objectives, known = _objectives(store, project, studies, trials, latest, memo.objectives)
    rows = [_row(t, studies.get(t.study_id), project, latest.get(t.id, {}), objectives.get(t.id), now)
            for t in trials]
    counts = {f: sum(1 for r in rows if r.state in f.states) for f in Filter}
    matching = [r for r in rows if r.state in view.filter.states]
    matching.sort(key=_sort_key(view, studies, project))
    by_id = {t.id: t for t in trials}
    abbreviations = _abbreviations(studies.values())
    window = [replace(r, params=_params(by_id[r.id], studies.get(r.study_id), abbreviations))  # only shown rows
              for r in _window(matching, view.cap, selected)]
    return TableData(current, tuple(window), len(matching), len(rows), counts, studies,
                     _top(rows, studies, project), Memo(known, ended))


def _objectives(store: Store, project: Project, studies: Mapping[int, Study], trials: Sequence[Trial],
                latest: Mapping[int, Mapping[str, tuple[int, float]]], memo: Objectives
                ) -> tuple[dict[int, float | None], dict[int, tuple[Objective, int, float | None]]]:
    """Each trial's objective so far: cached by the runner, remembered, or reduced from its curve."""
    out: dict[int, float | None] = {}
    missing: dict[str, list[int]] = {}
    wanted: dict[int, tuple[Objective, int]] = {}
    new_memo: dict[int, tuple[Objective, int, float | None]] = {}
    for t in trials:
        objective = objective_of(project, studies.get(t.study_id))
        if t.objective is not None:
            out[t.id] = t.objective
        elif (point := latest.get(t.id, {}).get(objective.metric)) is None:
            out[t.id] = None
        elif (known := memo.get(t.id)) is not None and known[:2] == (objective, point[0]):
            out[t.id] = known[2]
            new_memo[t.id] = known
        else:
            missing.setdefault(objective.metric, []).append(t.id)
            wanted[t.id] = (objective, point[0])
    for metric, ids in missing.items():
        curves = store.curves(trial_ids=ids, names=[metric])
        for tid in ids:
            objective, step = wanted[tid]
            out[tid] = objective.reduce(v for _, v, _ in curves.get(tid, {}).get(metric, ()))
            new_memo[tid] = (objective, step, out[tid])
    return out, new_memo


def _abbreviations(studies: Iterable[Study]) -> dict[str, str]:
    """Short names of the varied hyperparameters (``learning_rate`` -> ``lr``) when unambiguous."""
    ids = list(dict.fromkeys(p.id for s in studies for p in s.space.varying))
    short = {pid: "".join(part[:1] for part in pid.split("_") if part) or pid for pid in ids}
    clashes = {v for v in short.values() if list(short.values()).count(v) > 1}
    return {pid: (pid if s in clashes or len(s) < 2 else s) for pid, s in short.items()}


def format_value(value: object) -> str:
    """A hyperparameter value in few characters: ``0.000316`` -> ``3.16e-4``."""
    if isinstance(value, bool) or not isinstance(value, float):
        return str(value)
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    return f"{value:.3g}".replace("e-0", "e-").replace("e+0", "e")


def _params(t: Trial, study: Study | None, abbreviations: Mapping[str, str]) -> str:
    """The varied hyperparameters of ``t``, shortly, scientific ones first (what a narrow column
    must not cut): ``wd=0.0001 lr=0.00208``; then a repeat's training seed. A study that varies
    nothing (the seed runs of a decision) is named instead, so its runs are told apart from the
    sweep's: ``candidate-t16 seed=8231``."""
    varied = [p.id for p in sorted(study.space.varying, key=lambda p: p.role is not Role.SCIENTIFIC)] \
        if study is not None else list(t.params)
    parts = [f"{abbreviations.get(pid, pid)}={format_value(t.params[pid])}" for pid in varied if pid in t.params]
    if not parts and study is not None:
        parts.append(study.name)
    if t.seed is not None:
        parts.append(f"seed={t.seed}")
    return " ".join(parts)


def _row(t: Trial, study: Study | None, project: Project, latest: Mapping[str, tuple[int, float]],
         objective: float | None, now: float) -> TrialRow:
    """The row without its params text (made for the shown rows only)."""
    step = max((s for s, _ in latest.values()), default=None)
    train = latest.get(project.train_metric)
    valid = latest.get(project.valid_metric)
    runtime = None
    if t.started_at is not None:
        runtime = max(0.0, (t.ended_at if t.ended_at is not None else now) - t.started_at)
    return TrialRow(t.id, t.study_id, study.name if study else f"study {t.study_id}", t.state, "", step,
                    train[1] if train else None, valid[1] if valid else None, objective, runtime, t.gpus, t.reason)


def _sort_key(view: TableView, studies: Mapping[int, Study], project: Project):
    """A key putting the sort's natural order first, ``None`` always last, ties by newest trial."""
    flip = -1 if view.reverse else 1

    def number(value: float | None, natural: int) -> tuple[int, float]:
        if value is None or math.isnan(value):
            return (1, 0.0)
        return (0, natural * flip * value)

    def key(r: TrialRow) -> tuple:
        if view.sort is Sort.STATE:
            return (flip * _STATE_ORDER[r.state], -r.id)
        if view.sort is Sort.OBJECTIVE:
            maximize = objective_of(project, studies.get(r.study_id)).direction is Direction.MAXIMIZE
            judged = None if r.state is TrialState.INFEASIBLE else r.objective  # not ranked, either way round
            return (*number(judged, -1 if maximize else 1), -r.id)
        if view.sort is Sort.ID:
            return (-flip * r.id,)
        value = r.step if view.sort is Sort.STEP else r.runtime
        return (*number(None if value is None else float(value), -1), -r.id)

    return key


def _window(rows: list[TrialRow], cap: int, selected: int | None) -> list[TrialRow]:
    """The first ``cap`` rows, keeping every active one and the selected one in their places."""
    if len(rows) <= cap:
        return rows
    pinned = {r.id for r in rows if r.state.active or r.id == selected}
    room = max(0, cap - len(pinned))
    out = []
    for r in rows:
        if r.id in pinned:
            out.append(r)
        elif room:
            out.append(r)
            room -= 1
    return out


def _top(rows: Sequence[TrialRow], studies: Mapping[int, Study], project: Project) -> dict[int, tuple[int, ...]]:
    by_study: dict[int, list[TrialRow]] = {}
    for r in rows:
        if r.objective is not None and math.isfinite(r.objective) and r.state not in _FILTER_STATES[Filter.FAILED]:
            by_study.setdefault(r.study_id, []).append(r)
    out = {}
    for sid, candidates in by_study.items():
        sign = -1 if objective_of(project, studies.get(sid)).direction is Direction.MAXIMIZE else 1
        candidates.sort(key=lambda r: (sign * r.objective, r.id))  # type: ignore[operator]
        out[sid] = tuple(r.id for r in candidates[:TOP_K])
    return out


@dataclass(frozen=True)
class Series:
    """One curve to draw: a metric of a trial, steps and values in step order."""

    trial_id: int
    metric: str
    steps: tuple[int, ...]
    values: tuple[float, ...]
    selected: bool
    """The selected trial's curve (drawn first and named as such); else one of the best."""


@dataclass(frozen=True)
class CurvesData:
    """Curves of the selected trial and its study's best trials, train and validation."""

    trial_ids: tuple[int, ...]
    series: tuple[Series, ...]

    @property
    def signature(self) -> tuple:
        """Changes whenever a redraw could show something new."""
        return tuple((s.trial_id, s.metric, len(s.steps), s.steps[-1] if s.steps else None) for s in self.series)


def plotted_ids(data: TableData, selected: int | None) -> tuple[int, ...]:
    """The selected trial, then its study's best trials (no repeats)."""
    row = data.row(selected)
    if row is None:
        study_id = next(iter(data.top), None)
        return data.top.get(study_id, ()) if study_id is not None else ()
    return tuple(dict.fromkeys((row.id, *data.top.get(row.study_id, ()))))


def load_curves(store: Store, trial_ids: Sequence[int], selected: int | None,
                metrics: Sequence[str]) -> CurvesData:
    """The ``metrics`` curves (training, validation or both) of ``trial_ids``, from one snapshot."""
    found = store.series(trial_ids, metrics)
    series = [Series(tid, metric, *found.get((tid, metric), ((), ())), tid == selected)
              for tid in trial_ids for metric in metrics]
    return CurvesData(tuple(trial_ids), tuple(series))


@dataclass(frozen=True)
class LogTail:
    """The end of one trial's stdout and stderr."""

    trial_id: int
    folder: Path
    stdout: tuple[str, ...]
    stderr: tuple[str, ...]
    exists: bool
    """Whether the trial directory holds any log yet."""

    @property
    def paths(self) -> tuple[Path, ...]:
        """The log files that exist, for a pager."""
        return tuple(p for p in (self.folder / STDOUT, self.folder / STDERR) if p.exists())


def trial_folder(store_path: Path, study_id: int, trial_id: int) -> Path:
    """Where the runner keeps one trial's files (see :class:`~tuitune.runner.lock.RunnerPaths`)."""
    return RunnerPaths.for_store(store_path).trial_dir(study_id, trial_id)


def load_log(store_path: Path, study_id: int, trial_id: int, lines: int) -> LogTail:
    """The last ``lines`` of stdout and of stderr of a trial (each read from its file's end)."""
    folder = trial_folder(store_path, study_id, trial_id)
    out, err = folder / STDOUT, folder / STDERR
    return LogTail(trial_id, folder, tuple(tail_lines(out, lines)), tuple(tail_lines(err, lines)),
                   out.exists() or err.exists())


def points_left(store: Store, study: Study) -> int | None:
    """How many more points ``study`` can queue; ``None`` when its sequence never ends
    (quasi-random and random studies)."""
    from tuitune import search  # with scipy, half a second of imports the first screen can skip
    from tuitune.runner.intents import queued_points

    if study.algorithm in (Algorithm.QUASI_RANDOM, Algorithm.RANDOM):
        return None
    return max(0, search.size(study) - queued_points(store, study))

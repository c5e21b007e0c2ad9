"""The trials frame: one row per trial, the table every check and plot reads.

Why it is shaped like this:

* The objective is recomputed here from the measurements, never read from the runner's cached
  ``Trial.objective``: redefining the objective afterwards (another metric, direction or
  aggregate) is one call to :func:`study_data` (or :meth:`StudyData.with_objective`), no re-run.
* Parameters appear twice: ``param:<id>`` holds the value as passed to the command,
  ``scaled:<id>`` (numeric ones) the value in the scale it was searched in (log10 for a log
  range), because boundaries, buckets and thresholds are judged in that scale.
* Outcomes are counted apart (the infeasible check needs diverged, crashed, killed and lost
  separately), and only ``ok`` rows (completed, finite objective) are ever compared; running
  trials stay in the frame with their objective so far.
* :class:`StudyData` bundles the frame with what judging it needs (space, objective, curves,
  training metric) so that every check is a pure function of one argument.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tuitune.analysis.curves import CurveFeatures, Curves, CurvesLike, features
from tuitune.domain import Direction, Hyperparameter, Objective, Role, Scale, SearchSpace, Study, Trial, TrialState

OUTCOMES = ("completed", "diverged", "crashed", "killed", "lost", "running", "queued")
"""Values of the ``outcome`` column."""

_OUTCOME = {TrialState.COMPLETED: "completed", TrialState.INFEASIBLE: "diverged", TrialState.FAILED: "crashed",
            TrialState.KILLED: "killed", TrialState.LOST: "lost", TrialState.QUEUED: "queued",
            TrialState.STARTING: "running", TrialState.RUNNING: "running", TrialState.STOPPING: "running"}


def param_column(param_id: str) -> str:
    return f"param:{param_id}"


def scaled_column(param_id: str) -> str:
    return f"scaled:{param_id}"


def to_scale(hp: Hyperparameter, values: np.ndarray) -> np.ndarray:
    """Numeric values in the scale they are searched in (log10 for a log range)."""
    values = np.asarray(values, dtype=float)
    if hp.scale is Scale.LOG:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(values)
    return values


def from_scale(hp: Hyperparameter, values: np.ndarray | float) -> np.ndarray | float:
    """The inverse of :func:`to_scale`."""
    return 10.0 ** np.asarray(values, dtype=float) if hp.scale is Scale.LOG else np.asarray(values, dtype=float)


def unit_position(hp: Hyperparameter, values: np.ndarray) -> np.ndarray:
    """Where values sit between ``low`` (0) and ``high`` (1), in the hyperparameter's scale."""
    lo, hi = to_scale(hp, np.array([hp.low, hp.high]))
    return (to_scale(hp, values) - lo) / (hi - lo)


def trials_frame(space: Study | SearchSpace, trials: Sequence[Trial], curves: CurvesLike,
                 objective: Objective) -> pd.DataFrame:
    """One row per trial (index ``trial_id``) with the objective recomputed from ``curves``.

    Columns: ``study_id, index, repeat, seed, retry_of, state, outcome`` (see :data:`OUTCOMES`),
    ``infeasible`` (diverged: state INFEASIBLE, or NaN/inf in the objective metric), ``reason``,
    ``exit_code``, ``objective`` (``objective.reduce`` of the metric's curve; NaN without points),
    ``best_step`` (the step that gave it; -1 without), ``steps`` (last step of any metric; -1
    without), ``duration`` (seconds; NaN until ended), ``ok`` (completed with a finite objective),
    then ``param:<id>`` for every hyperparameter and ``scaled:<id>`` for the numeric ones.
    Trials must have ids; inactive conditional hyperparameters are NaN/None.
    """
    space = space.space if isinstance(space, Study) else space
    curves = Curves.of(curves)
    ids = np.array([t.id for t in trials], dtype=np.int64)
    frame = pd.DataFrame({
        "trial_id": ids,
        "study_id": np.array([t.study_id for t in trials], dtype=np.int64),
        "index": np.array([t.index for t in trials], dtype=np.int64),
        "repeat": np.array([t.repeat for t in trials], dtype=np.int64),
        "seed": pd.array([t.seed for t in trials], dtype="Int64"),
        "retry_of": pd.array([t.retry_of for t in trials], dtype="Int64"),
        "state": [t.state.value for t in trials],
        "reason": [t.reason for t in trials],
        "exit_code": pd.array([t.exit_code for t in trials], dtype="Int64"),
        "duration": np.array([_duration(t) for t in trials], dtype=float),
    }).set_index("trial_id")
    frame = frame.join(_objective_columns(curves, ids, objective))
    frame["steps"] = _last_steps(curves, ids)
    bad = frame.pop("nonfinite_reason")
    states = [t.state for t in trials]
    outcome = np.array([_OUTCOME[s] for s in states], dtype=object)
    diverged = bad.notna().to_numpy() & (outcome != "queued")
    outcome[diverged] = "diverged"
    frame["outcome"] = outcome
    frame["infeasible"] = outcome == "diverged"
    fill = diverged & (frame["reason"] == "").to_numpy()
    frame.loc[fill, "reason"] = bad[fill]
    frame["ok"] = (outcome == "completed") & np.isfinite(frame["objective"].to_numpy())
    for hp in space:
        raw = [t.params.get(hp.id) for t in trials]
        if hp.numeric:
            values = np.array([np.nan if v is None else float(v) for v in raw])
            frame[param_column(hp.id)] = values
            frame[scaled_column(hp.id)] = to_scale(hp, values)
        else:
            frame[param_column(hp.id)] = pd.Series(raw, index=frame.index, dtype=object)
    return frame


def _duration(t: Trial) -> float:
    return math.nan if t.started_at is None or t.ended_at is None else t.ended_at - t.started_at


def _objective_columns(curves: Curves, ids: np.ndarray, objective: Objective) -> pd.DataFrame:
    df = curves.metric(objective.metric)
    df = df[df["trial_id"].isin(ids)]
    finite = np.isfinite(df["value"].to_numpy())
    g = df.groupby("trial_id", sort=False)
    last = g.tail(1).set_index("trial_id")
    out = pd.DataFrame(index=pd.Index(ids, name="trial_id"))
    out["objective"] = last["value"]
    out["best_step"] = last["step"]
    if objective.aggregate.value == "best":
        good = df[finite]
        if len(good):
            values = good["value"].to_numpy()
            key = values if objective.direction is Direction.MINIMIZE else -values
            order = np.lexsort((good["step"].to_numpy(), key, good["trial_id"].to_numpy()))
            first = good.iloc[order].drop_duplicates("trial_id").set_index("trial_id")
            out.loc[first.index, "objective"] = first["value"]
            out.loc[first.index, "best_step"] = first["step"]
    out["best_step"] = out["best_step"].fillna(-1).astype(np.int64)
    bad = df[~finite].drop_duplicates("trial_id").set_index("trial_id")
    reasons = [f"{'NaN' if math.isnan(v) else 'inf'} in {objective.metric} at step {s}"
               for v, s in zip(bad["value"], bad["step"])]
    out["nonfinite_reason"] = pd.Series(reasons, index=bad.index, dtype=object)
    return out


def _last_steps(curves: Curves, ids: np.ndarray) -> np.ndarray:
    last = curves.frame.groupby("trial_id")["step"].max()
    return last.reindex(ids).fillna(-1).astype(np.int64).to_numpy()


@dataclass(frozen=True)
class Group:
    """Trials sharing one scientific value (or bucket of values, or one study)."""

    label: str
    value: object
    """The scientific value; ``(low, high)`` in the value's units for a bucket; the study id."""
    trial_ids: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class StudyData:
    """A study's (or round's) trials, their curves and how to judge them: the input of every check.

    Immutable (compared by identity: it holds a DataFrame); derived features are cached on first
    use. Build it with :func:`study_data`.
    """

    space: SearchSpace
    trials: tuple[Trial, ...]
    curves: Curves
    objective: Objective
    frame: pd.DataFrame
    train_metric: str = "train_loss"
    """The training loss (always minimized) read by the optimization check."""
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def sign(self) -> float:
        """+1 when lower objective is better, -1 otherwise."""
        return 1.0 if self.objective.direction is Direction.MINIMIZE else -1.0

    @property
    def ranked(self) -> pd.DataFrame:
        """The ``ok`` rows, best first (ties by trial id)."""
        if "ranked" not in self._cache:
            ok = self.frame[self.frame["ok"]]
            key = ok["objective"].to_numpy() * self.sign
            self._cache["ranked"] = ok.iloc[np.lexsort((ok.index.to_numpy(), key))]
        return self._cache["ranked"]

    def top(self, fraction: float = 0.1, minimum: int = 3) -> pd.DataFrame:
        """The best ``fraction`` of ok trials, at least ``minimum`` (fewer only if fewer exist)."""
        n = len(self.ranked)
        return self.ranked.head(min(n, max(minimum, math.ceil(fraction * n))))

    @property
    def numeric_varied(self) -> tuple[Hyperparameter, ...]:
        return tuple(p for p in self.space.varying if p.numeric)

    @property
    def scientific(self) -> tuple[Hyperparameter, ...]:
        return self.space.with_role(Role.SCIENTIFIC)

    def features(self, metric: str, sign: float = 1.0) -> CurveFeatures:
        """Curve features of ``metric`` for every ok trial (cached)."""
        key = ("features", metric, sign)
        if key not in self._cache:
            self._cache[key] = features(self.curves, metric, self.ranked.index.to_numpy(), sign)
        return self._cache[key]

    def groups(self, param_id: str | None = None, buckets: int = 8) -> tuple[Group, ...]:
        """Trials split by a scientific hyperparameter's values (the first one by default).

        A numeric one with more than ``buckets`` distinct values is cut into ``buckets``
        quantile buckets in its scale. Without a scientific hyperparameter: one group per study
        when there are several (per-value layouts), else one group of everything.
        """
        frame = self.frame
        hp = self.space[param_id] if param_id else (self.scientific[0] if self.scientific else None)
        if hp is None:
            studies = sorted(frame["study_id"].unique())
            if len(studies) < 2:
                return (Group("all trials", None, tuple(int(i) for i in frame.index)),)
            return tuple(Group(f"study {s}", int(s), tuple(int(i) for i in frame.index[frame["study_id"] == s]))
                         for s in studies)
        column = frame[param_column(hp.id)]
        distinct = [v for v in pd.unique(column) if v is not None and not (isinstance(v, float) and math.isnan(v))]
        if not hp.numeric or len(distinct) <= buckets:
            ordered = sorted(distinct, key=lambda v: (str(type(v)), v))
            return tuple(Group(f"{hp.id}={v!r}", v, tuple(int(i) for i in frame.index[column == v]))
                         for v in ordered)
        scaled = frame[scaled_column(hp.id)].to_numpy()
        edges = np.nanquantile(scaled, np.linspace(0, 1, buckets + 1))
        which = np.clip(np.searchsorted(edges, scaled, side="right") - 1, 0, buckets - 1)
        out = []
        for b in range(buckets):
            members = frame.index[(which == b) & np.isfinite(scaled)]
            lo, hi = (float(from_scale(hp, e)) for e in edges[b:b + 2])
            if len(members):
                out.append(Group(f"{hp.id} in [{lo:.3g}, {hi:.3g}]", (lo, hi), tuple(int(i) for i in members)))
        return tuple(out)

    def with_objective(self, objective: Objective) -> StudyData:
        """The same trials judged by another objective (recomputed from the curves)."""
        return study_data(self.space, self.trials, self.curves, objective, train_metric=self.train_metric)


def study_data(space: Study | SearchSpace, trials: Sequence[Trial], curves: CurvesLike,
               objective: Objective | None = None, *, train_metric: str = "train_loss") -> StudyData:
    """Build :class:`StudyData`: ``objective`` defaults to the study's own (required otherwise).

    ``trials`` are the study's (or the round's) stored trials, e.g. ``store.trials(study_id=...)``;
    ``curves`` any shape :meth:`Curves.of` accepts, e.g. ``{t.id: {"val_loss": store.curve(t.id,
    "val_loss"), ...}}``. A trial that was retried or requeued (another trial's ``retry_of``
    names it) is replaced by that trial, as in ``tuitune status``: each point counts once.
    """
    retried = {t.retry_of for t in trials if t.retry_of is not None}
    trials = [t for t in trials if t.id not in retried]
    if objective is None:
        objective = space.objective if isinstance(space, Study) else None
        if objective is None:
            raise ValueError("no objective: pass one (the project's) when the study has none")
    space = space.space if isinstance(space, Study) else space
    curves = Curves.of(curves)
    frame = trials_frame(space, trials, curves, objective)
    return StudyData(space, tuple(trials), curves, objective, frame, train_metric)

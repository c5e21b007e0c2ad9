"""What the playbook's plots show, computed; drawing them is :mod:`tuitune.plots`' job.

As in optuna's visualization module, each plot is an info object computed from the data and
tested as such, so that the TUI, ``tuitune review`` and reports draw the same numbers:

* the basic hyperparameter axis plot of each varied hyperparameter: objective against the value
  in its scale, infeasible trials apart (the playbook's red ×), the boundary bands;
* the isolation plot of a scientific hyperparameter: the best trial per value (or per quantile
  bucket of a continuous one), nuisance hyperparameters optimized away, each best trial with
  its own boundary and overfitting flags, because a best that sits at an edge or overfits makes
  that value's point unreliable;
* the curves of the best k trials; the sampled-enough box plot.

Arrays in these objects are read-only numpy arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from tuitune.analysis.checks.boundaries import EDGE, trial_edges
from tuitune.analysis.checks.overfitting import overfit_ids
from tuitune.analysis.checks.sampled import boxes
from tuitune.analysis.frame import StudyData, from_scale, param_column, to_scale
from tuitune.analysis.result import plain
from tuitune.analysis.sampling import BestOfK
from tuitune.domain import Hyperparameter


def _frozen(a: object, dtype: object = None) -> np.ndarray:
    out = np.array(a, dtype=dtype)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class AxisPlot:
    """Objective against one hyperparameter, one point per ok trial."""

    param: str
    numeric: bool
    scale: str
    """``linear``, ``log`` or ``categorical``: how to lay out the x axis."""
    x: np.ndarray
    """Values as passed to the command (floats, or labels of a categorical)."""
    y: np.ndarray
    """Objectives."""
    trial_ids: np.ndarray
    infeasible_x: np.ndarray
    """Values of the trials that diverged or crashed (drawn apart, with no y)."""
    infeasible_trial_ids: np.ndarray
    bands: tuple[tuple[float, float], ...]
    """The low and high boundary bands (in value units) of a numeric range; empty otherwise."""
    best_trial_id: int | None


@dataclass(frozen=True)
class IsolationPoint:
    """The best trial of one scientific value (or bucket)."""

    label: str
    value: object
    trial_id: int | None
    """None when the value has no completed trial."""
    objective: float
    trials: int
    """Trials with this value, in any state."""
    infeasible: int
    """Of them, diverged or crashed."""
    edges: tuple[str, ...]
    """Nuisance hyperparameters the best trial sits at the edge of (``lr:high``)."""
    overfits: bool


@dataclass(frozen=True)
class Isolation:
    """The isolation plot: one point per scientific value, best first is *not* implied (value order)."""

    param: str | None
    """The scientific hyperparameter; None when points are studies (per-value layouts) or all trials."""
    direction: str
    points: tuple[IsolationPoint, ...]

    @property
    def best(self) -> IsolationPoint | None:
        sign = 1.0 if self.direction == "minimize" else -1.0
        scored = [p for p in self.points if p.trial_id is not None]
        return min(scored, key=lambda p: p.objective * sign) if scored else None

    def to_dict(self) -> dict[str, object]:
        return plain({"param": self.param, "direction": self.direction,
                      "best": self.best.label if self.best else None,
                      "points": [{"label": p.label, "value": p.value, "trial_id": p.trial_id,
                                  "objective": None if p.trial_id is None else p.objective, "trials": p.trials,
                                  "infeasible": p.infeasible, "edges": list(p.edges), "overfits": p.overfits}
                                 for p in self.points]})  # type: ignore[return-value]


@dataclass(frozen=True)
class TrialCurves:
    trial_id: int
    rank: int
    """0 for the best trial."""
    objective: float
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]]
    """Metric name -> (steps, values)."""


@dataclass(frozen=True)
class Plots:
    """Every plot's information for one study."""

    axes: tuple[AxisPlot, ...]
    isolations: tuple[Isolation, ...]
    best_curves: tuple[TrialCurves, ...]
    sampled_enough: tuple[BestOfK, ...]


def axis_plot(data: StudyData, hp: Hyperparameter, edge: float = EDGE) -> AxisPlot:
    frame = data.frame
    column = frame[param_column(hp.id)]
    present = column.notna().to_numpy()
    ok = frame["ok"].to_numpy() & present
    failing = frame["outcome"].isin(("diverged", "crashed")).to_numpy() & present
    bands: tuple[tuple[float, float], ...] = ()
    if hp.numeric:
        lo, hi = to_scale(hp, np.array([hp.low, hp.high]))
        width = edge * (hi - lo)
        bands = ((float(hp.low), float(from_scale(hp, lo + width))), (float(from_scale(hp, hi - width)), float(hp.high)))
    dtype = float if hp.numeric else object
    best = data.ranked[data.ranked[param_column(hp.id)].notna()]
    return AxisPlot(hp.id, hp.numeric, hp.scale.value if hp.numeric else "categorical",
                    _frozen(column[ok].to_numpy(), dtype), _frozen(frame["objective"][ok].to_numpy(), float),
                    _frozen(frame.index[ok].to_numpy()), _frozen(column[failing].to_numpy(), dtype),
                    _frozen(frame.index[failing].to_numpy()), bands,
                    int(best.index[0]) if len(best) else None)


def isolation(data: StudyData, param_id: str | None = None, buckets: int = 8) -> Isolation:
    """Best trial per value of ``param_id`` (default: the first scientific hyperparameter)."""
    frame = data.frame
    rank = {int(t): i for i, t in enumerate(data.ranked.index)}
    groups = data.groups(param_id, buckets)
    bests = {g.label: min((t for t in g.trial_ids if t in rank), key=rank.__getitem__, default=None) for g in groups}
    chosen = [t for t in bests.values() if t is not None]
    edges = trial_edges(data, chosen)
    overfit = overfit_ids(data)
    points = []
    for g in groups:
        t = bests[g.label]
        members = frame.loc[list(g.trial_ids)]
        points.append(IsolationPoint(
            g.label, g.value, t, float(frame.at[t, "objective"]) if t is not None else float("nan"), len(members),
            int(members["outcome"].isin(("diverged", "crashed")).sum()), edges.get(t, ()) if t is not None else (),
            t in overfit))
    hp = param_id or (data.scientific[0].id if data.scientific else None)
    return Isolation(hp, data.objective.direction.value, tuple(points))


def best_curves(data: StudyData, k: int = 5, metrics: tuple[str, ...] | None = None) -> tuple[TrialCurves, ...]:
    """Curves of the ``k`` best trials: the objective's metric and the training loss by default."""
    metrics = metrics or tuple(dict.fromkeys((data.objective.metric, data.train_metric)))
    top = data.ranked.head(k)
    by_metric = {m: data.curves.metric(m) for m in metrics}
    out = []
    for rank, (t, objective) in enumerate(top["objective"].items()):
        curves = {}
        for m, df in by_metric.items():
            rows = df[df["trial_id"] == t]
            curves[m] = (_frozen(rows["step"].to_numpy()), _frozen(rows["value"].to_numpy()))
        out.append(TrialCurves(int(t), rank, float(objective), curves))
    return tuple(out)


def plots(data: StudyData, k: int = 5) -> Plots:
    """Every plot's information: axis plots, isolation plots, best-k curves, sampled-enough boxes."""
    scientific = [hp.id for hp in data.scientific] or [None]
    return Plots(axes=tuple(axis_plot(data, hp) for hp in data.space.varying),
                 isolations=tuple(isolation(data, p) for p in scientific),
                 best_curves=best_curves(data, k),
                 sampled_enough=boxes(data))

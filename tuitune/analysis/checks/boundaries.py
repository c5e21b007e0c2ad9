"""Checklist: is the search space large enough?

The playbook: a search space is suspicious when its best point sits near a boundary; widen it
in that direction until the best point moves inside. Positions are judged in the scale the
hyperparameter was searched in (a log range's upper tenth is its top tenth of decades). A
second pattern gets its own message: the best trial at the edge of a region where most trials
diverge (past some learning rate; see :func:`~tuitune.analysis.checks.infeasible.threshold`)
says the model may have stability problems, which warmup or gradient clipping can lift, rather
than that the range is too narrow.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from tuitune.analysis.checks.infeasible import threshold
from tuitune.analysis.frame import StudyData, from_scale, param_column, to_scale, unit_position
from tuitune.analysis.result import CheckResult, Status, rnd
from tuitune.domain import Hyperparameter, ParamType, Role, Scale

CHECK, TITLE = "boundaries", "Is the search space large enough?"
EDGE = 0.1
"""Within this fraction of the range (in its scale) of an edge counts as at the edge."""


def edge_of(position: float, edge: float = EDGE) -> str | None:
    """``low``, ``high`` or None for a unit position."""
    if position <= edge:
        return "low"
    if position >= 1 - edge:
        return "high"
    return None


def trial_edges(data: StudyData, trial_ids: Iterable[int], edge: float = EDGE) -> dict[int, tuple[str, ...]]:
    """For each trial, the nuisance hyperparameters it sits at the edge of (``"lr:high"``)."""
    ids = list(trial_ids)
    out: dict[int, list[str]] = {i: [] for i in ids}
    for hp in data.numeric_varied:
        if hp.role is not Role.NUISANCE:
            continue
        positions = unit_position(hp, data.frame.loc[ids, param_column(hp.id)].to_numpy())
        for i, u in zip(ids, positions):
            if np.isfinite(u) and (side := edge_of(u, edge)):
                out[i].append(f"{hp.id}:{side}")
    return {i: tuple(v) for i, v in out.items()}


def wider_range(hp: Hyperparameter, side: str) -> tuple[float, float]:
    """The range with ``side`` pushed out by a third of its span, in its scale.

    A linear range starting at or above 0 is not pushed below 0.
    """
    lo, hi = to_scale(hp, np.array([hp.low, hp.high]))
    span = (hi - lo) / 3
    lo, hi = (lo - span, hi) if side == "low" else (lo, hi + span)
    new = [float(from_scale(hp, lo)), float(from_scale(hp, hi))]
    if hp.scale is Scale.LINEAR and hp.low is not None and hp.low >= 0:
        new[0] = max(new[0], 0.0)
    if hp.type is ParamType.INT:
        new = [float(np.floor(new[0])), float(np.ceil(new[1]))]
    return new[0], new[1]


def _judge(data: StudyData, hp: Hyperparameter, edge: float) -> dict[str, object] | None:
    ranked = data.ranked
    column = ranked[param_column(hp.id)].to_numpy(dtype=float)
    active = ranked[np.isfinite(column)]
    if len(active) < 3:
        return None
    positions = unit_position(hp, active[param_column(hp.id)].to_numpy(dtype=float))
    n_top = min(len(active), max(3, int(np.ceil(0.1 * len(active)))))
    best_side = edge_of(positions[0], edge)
    top_sides = [edge_of(u, edge) for u in positions[:n_top]]
    share = {s: top_sides.count(s) / n_top for s in ("low", "high")}
    crowded = max(share, key=share.get)
    side = best_side or (crowded if share[crowded] >= 0.5 else None)
    out: dict[str, object] = {
        "param": hp.id, "scale": hp.scale.value, "low": hp.low, "high": hp.high,
        "best_trial": int(active.index[0]), "at_best_trial": rnd(float(active.iloc[0][param_column(hp.id)])),
        "best_position": rnd(float(positions[0]), 3), "edge": side,
        "top_trial_ids": [int(i) for i in active.index[:n_top]],
        "top_at_low": rnd(share["low"], 3), "top_at_high": rnd(share["high"], 3),
    }
    if side:
        out["suggested_range"] = [rnd(v) for v in wider_range(hp, side)]
    limit = threshold(data, hp)
    if limit is not None:
        gap = (unit_position(hp, np.array([limit.value]))[0] - positions[0]) * (1 if limit.side == "above" else -1)
        if 0 <= gap <= edge:
            out["stability"] = {"threshold": rnd(limit.value), "side": limit.side,
                                "failing_beyond": rnd(limit.failing_beyond), "trial_ids": list(limit.trial_ids)}
    return out


def check_boundaries(data: StudyData, edge: float = EDGE) -> CheckResult:
    if not data.numeric_varied:
        return CheckResult(CHECK, TITLE, Status.NA, "no numeric hyperparameter is varied")
    if len(data.ranked) < 3:
        return CheckResult(CHECK, TITLE, Status.NA, f"{len(data.ranked)} completed trials; need at least 3")
    judged = [j for hp in data.numeric_varied if (j := _judge(data, hp, edge))]
    evidence = {"edge": edge, "params": {j["param"]: j for j in judged}}
    flagged = [j for j in judged if j["edge"] or "stability" in j]
    if not flagged:
        return CheckResult(CHECK, TITLE, Status.PASS, "the best trials sit inside every range", evidence)
    parts, actions, ids = [], [], []
    for j in flagged:
        ids += j["top_trial_ids"]
        if "stability" in j:
            s = j["stability"]
            parts.append(f"best trial {j['best_trial']} ({j['param']} = {j['at_best_trial']:g}) sits at the edge of "
                         f"the region {s['side']} {j['param']} = {s['threshold']:g} where most trials diverge")
            actions.append(f"the model may have stability problems at {'higher' if s['side'] == 'above' else 'lower'}"
                           f" {j['param']}: try learning-rate warmup or gradient clipping")
            continue
        where = f"the {'upper' if j['edge'] == 'high' else 'lower'} edge of {j['param']}"
        parts.append(f"best trial {j['best_trial']} at {where} ({j['at_best_trial']:g} in [{j['low']:g}, {j['high']:g}], "
                     f"{j['scale']})")
        lo, hi = j["suggested_range"]
        actions.append(f"rerun with {j['param']} in [{lo:g}, {hi:g}]")
    return CheckResult(CHECK, TITLE, Status.WARN, "; ".join(parts), evidence, "; ".join(actions), ids)

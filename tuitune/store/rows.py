"""Rows to domain objects and back: the only place that knows how columns encode values.

Why a module of its own: the store class is about transactions and connection rules; keeping
the encodings here (JSON for mappings and lists, enum values as text, NaN handling) makes each
one visible once, and lets a migration that changes a column change exactly one function.

JSON is used for every mapping and value of a hyperparameter because it keeps ``true`` apart
from ``1`` and ``"1"``; Python's ``json`` also round-trips NaN and infinities (as the tokens
``NaN``/``Infinity``), so a parameter value never changes type or value on the way through.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from tuitune.domain import (
    Aggregate, Algorithm, Baseline, Command, Condition, Decision, Direction, Event, Hyperparameter,
    Layout, Objective, ParamType, Phase, Role, Round, RoundKind, RoundStatus, Scale, SearchSpace,
    Study, Trial, TrialState, Verdict,
)

NAN_TEXT = "NaN"


def dumps(value: Any) -> str:
    """Compact JSON; tuples become lists."""
    return json.dumps(value, separators=(",", ":"))


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def real_in(x: float | None) -> float | str | None:
    """A nullable REAL column's value: NaN becomes the text ``'NaN'`` (SQLite would make it NULL,
    which already means "none"); infinities are stored as they are."""
    if x is None:
        return None
    x = float(x)
    return NAN_TEXT if math.isnan(x) else x


def real_out(x: float | str | None) -> float | None:
    if x is None:
        return None
    return float(x)


def metric_out(x: float | None) -> float:
    """A measurement value: NULL is NaN (the only way NaN reaches a REAL column)."""
    return math.nan if x is None else x


# --- rounds -------------------------------------------------------------------------------

def round_row(r: Round, created_at: float) -> dict[str, Any]:
    return {"goal": r.goal, "kind": r.kind.value, "phase": r.phase.value, "status": r.status.value,
            "created_at": created_at, "closed_at": r.closed_at}


def round_from(row: Mapping[str, Any]) -> Round:
    return Round(goal=row["goal"], kind=RoundKind(row["kind"]), phase=Phase(row["phase"]),
                 status=RoundStatus(row["status"]), id=row["id"], created_at=row["created_at"],
                 closed_at=row["closed_at"])


# --- studies and their hyperparameters --------------------------------------------------------

def study_row(s: Study, round_id: int, created_at: float) -> dict[str, Any]:
    objective = None
    if s.objective is not None:
        objective = dumps({"metric": s.objective.metric, "direction": s.objective.direction.value,
                           "aggregate": s.objective.aggregate.value})
    return {"round_id": round_id, "name": s.name, "algorithm": s.algorithm.value, "trials": s.trials,
            "seed": s.seed, "repeats": s.repeats, "seed_param": s.seed_param, "layout": s.layout.value,
            "objective": objective, "configs": dumps([dict(c) for c in s.configs]),
            "grid_steps": s.grid_steps, "reseed_of": s.reseed_of, "created_at": created_at,
            "notes": s.notes, "extra": dumps(dict(s.extra))}


def hyperparameter_row(study_id: int, position: int, p: Hyperparameter) -> dict[str, Any]:
    return {"study_id": study_id, "position": position, "param_id": p.id, "name": p.name,
            "type": p.type.value, "role": p.role.value, "low": p.low, "high": p.high,
            "values": dumps(list(p.values)), "scale": p.scale.value,
            "value": None if p.value is None else dumps(p.value),
            "condition": dumps([{"parent": c.parent, "values": list(c.values)} for c in p.when])}


def _bound(x: float | None, ptype: ParamType) -> float | int | None:
    # REAL columns return 1.0 for an int bound of 1; give an int hyperparameter its ints back.
    if x is not None and ptype is ParamType.INT and float(x).is_integer():
        return int(x)
    return x


def hyperparameter_from(row: Mapping[str, Any]) -> Hyperparameter:
    ptype = ParamType(row["type"])
    return Hyperparameter(
        id=row["param_id"], type=ptype, role=Role(row["role"]), name=row["name"],
        low=_bound(row["low"], ptype), high=_bound(row["high"], ptype),
        values=tuple(loads(row["values"])), scale=Scale(row["scale"]), value=loads(row["value"]),
        when=tuple(Condition(c["parent"], tuple(c["values"])) for c in loads(row["condition"])))


def study_from(row: Mapping[str, Any], params: list[Mapping[str, Any]]) -> Study:
    obj = loads(row["objective"])
    objective = None if obj is None else Objective(
        obj["metric"], Direction(obj["direction"]), Aggregate(obj["aggregate"]))
    space = SearchSpace(tuple(hyperparameter_from(p) for p in sorted(params, key=lambda p: p["position"])))
    return Study(name=row["name"], space=space, algorithm=Algorithm(row["algorithm"]), trials=row["trials"],
                 seed=row["seed"], repeats=row["repeats"], seed_param=row["seed_param"],
                 layout=Layout(row["layout"]), objective=objective, configs=tuple(loads(row["configs"])),
                 grid_steps=row["grid_steps"], id=row["id"], round_id=row["round_id"],
                 reseed_of=row["reseed_of"], created_at=row["created_at"], notes=row["notes"],
                 extra=loads(row["extra"]))


# --- trials and events ----------------------------------------------------------------------

TRIAL_FIELDS = {
    # field name -> encoder of the column value
    "pid": lambda v: v,
    "pid_started": real_in,
    "gpus": lambda v: dumps([str(g) for g in v]),
    "argv": lambda v: dumps(list(v)),
    "env": lambda v: dumps(dict(v)),
    "exit_code": lambda v: v,
    "started_at": real_in,
    "ended_at": real_in,
    "objective": real_in,
}
"""Fields :meth:`Store.transition` may update along with the state."""


def trial_row(t: Trial, created_at: float) -> dict[str, Any]:
    row = {"study_id": t.study_id, "point": t.index, "repeat": t.repeat, "seed": t.seed,
           "params": dumps(dict(t.params)), "state": TrialState.QUEUED.value, "retry_of": t.retry_of,
           "created_at": created_at, "reason": t.reason}
    row.update({k: enc(getattr(t, k)) for k, enc in TRIAL_FIELDS.items()})
    return row


TRIAL_JSON = ("params", "gpus", "argv", "env")
"""The JSON columns of ``trials``."""


def trial_from(row: Mapping[str, Any]) -> Trial:
    return trials_from([row])[0]


def trials_from(rows: Sequence[Mapping[str, Any]]) -> list[Trial]:
    """Trials of ``trials`` rows. The JSON columns of all of them are decoded in one
    ``json.loads`` of one array: a round of 1,000 trials has 4,000 small documents, and one call
    per document costs five times as much (the call, not the parsing, is the cost)."""
    texts = [row[c] for row in rows for c in TRIAL_JSON]
    values = iter(json.loads("[" + ",".join(texts) + "]"))
    return [_trial(row, *(next(values) for _ in TRIAL_JSON)) for row in rows]


def _trial(row: Mapping[str, Any], params: Any, gpus: Any, argv: Any, env: Any) -> Trial:
    return Trial(
        study_id=row["study_id"], index=row["point"], params=params, repeat=row["repeat"],
        seed=row["seed"], state=TrialState(row["state"]), id=row["id"], retry_of=row["retry_of"],
        gpus=tuple(str(g) for g in gpus), pid=row["pid"], pid_started=real_out(row["pid_started"]),
        argv=tuple(argv), env=env, created_at=row["created_at"],
        started_at=real_out(row["started_at"]), ended_at=real_out(row["ended_at"]),
        exit_code=row["exit_code"], reason=row["reason"], objective=real_out(row["objective"]))


def event_from(row: Mapping[str, Any]) -> Event:
    return Event(trial_id=row["trial_id"], old=None if row["old"] is None else TrialState(row["old"]),
                 new=TrialState(row["new"]), at=row["at"], reason=row["reason"], id=row["id"])


# --- decisions, baselines, commands ---------------------------------------------------------

def decision_row(d: Decision, created_at: float) -> dict[str, Any]:
    return {"round_id": d.round_id, "verdict": d.verdict.value, "rationale": d.rationale,
            "candidate_trial_id": d.candidate_trial_id, "baseline_id": d.baseline_id,
            "evidence": dumps(dict(d.evidence)), "created_at": created_at}


def decision_from(row: Mapping[str, Any]) -> Decision:
    return Decision(round_id=row["round_id"], verdict=Verdict(row["verdict"]), rationale=row["rationale"],
                    candidate_trial_id=row["candidate_trial_id"], baseline_id=row["baseline_id"],
                    evidence=loads(row["evidence"]), id=row["id"], created_at=row["created_at"])


def baseline_row(b: Baseline, created_at: float) -> dict[str, Any]:
    return {"config": dumps(dict(b.config)), "objective": real_in(b.objective), "round_id": b.round_id,
            "trial_id": b.trial_id, "note": b.note, "created_at": created_at}


def baseline_from(row: Mapping[str, Any]) -> Baseline:
    return Baseline(config=loads(row["config"]), objective=real_out(row["objective"]),
                    round_id=row["round_id"], trial_id=row["trial_id"], note=row["note"], id=row["id"],
                    created_at=row["created_at"])


def command_from(row: Mapping[str, Any]) -> Command:
    return Command(kind=row["kind"], payload=loads(row["payload"]), id=row["id"],
                   created_at=row["created_at"], done_at=row["done_at"], result=row["result"])

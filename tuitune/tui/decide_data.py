"""What the Decide pane reads and writes: candidate against baseline over seeds, then the verdict.

Why it is shaped like this: the playbook adopts a change only when it beats the baseline
"taking into account the retrain variance of both", so the pane re-runs both sides N times with
new training seeds. Each side becomes a *manual* study of one configuration, every
hyperparameter fixed, ``repeats = N``: the runner, the store and the analysis then treat the
seed runs like any other trials, and both sides of one round share the study's sequence seed,
so repeat ``r`` of the candidate and of the baseline train with the same seed (paired runs).

The baseline is stored by the *names passed to the command*, the candidate by hyperparameter
*ids*; the mapping goes through the candidate study's space, so conditional hyperparameters
that share a passed name each get the baseline's value and only the active one is used.

Seed studies are marked in ``Study.extra["decide"]`` (``"candidate"`` or ``"baseline"``), so
they never rank as candidates themselves and a baseline study is reused by later candidates of
the same round. Everything here is a plain function of domain objects or of a
:class:`~tuitune.store.Store`; the screen only draws the frozen results.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from tuitune import analysis
from tuitune.analysis import Comparison
from tuitune.baselines import effective_baseline
from tuitune.domain import (Algorithm, Baseline, Decision, Direction, Hyperparameter, Objective, ParamType,
                            Project, Role, Round, RoundStatus, SearchSpace, Study, Trial, TrialState, Value,
                            Verdict)
from tuitune.domain.space import contains_value
from tuitune.domain.study import DECIDE
from tuitune.rounds import default_objective
from tuitune.runner import intents
from tuitune.search import seeds
from tuitune.store import Store



@dataclass(frozen=True)
class Candidate:
    """A completed trial that may be re-run against the baseline."""

    trial: Trial
    study: Study
    objective: float


@dataclass(frozen=True)
class SeedPlan:
    """The two manual studies that re-run candidate and baseline over ``repeats`` seeds (unsaved)."""

    candidate: Study
    baseline: Study
    notes: tuple[str, ...] = ()
    """Baseline values the candidate's space cannot take, and hyperparameters the baseline lacks."""


@dataclass(frozen=True)
class Side:
    """One side's seed runs so far."""

    study: Study
    values: tuple[float, ...]
    """Objectives of the completed runs (finite)."""
    trial_ids: tuple[int, ...]
    counts: Mapping[TrialState, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def active(self) -> int:
        return sum(n for s, n in self.counts.items() if s.active)

    @property
    def failed(self) -> int:
        return sum(n for s, n in self.counts.items() if s.terminal and s is not TrialState.COMPLETED)


@dataclass(frozen=True)
class DecideData:
    """Everything the Decide pane shows for the current round."""

    round: Round | None
    objective: Objective
    candidates: tuple[Candidate, ...] = ()
    """Completed trials of the round's own studies, best first."""
    candidate: Candidate | None = None
    baseline: Baseline | None = None
    candidate_side: Side | None = None
    baseline_side: Side | None = None
    comparison: Comparison | None = None
    decision: Decision | None = None
    """The round's decision, once recorded."""

    @property
    def seeded(self) -> bool:
        return self.candidate_side is not None and self.baseline_side is not None


# --- pure rules -------------------------------------------------------------------------------


def rank_candidates(studies: Sequence[Study], trials: Sequence[Trial], curves: analysis.CurvesLike,
                    objective: Objective) -> tuple[Candidate, ...]:
    """Completed trials with a finite objective, best first (ties by trial id).

    Seed-repeat studies are left out: a candidate is a point found by a search, not a re-run.
    """
    out: list[Candidate] = []
    for study in studies:
        if study.extra.get(DECIDE):
            continue
        own = [t for t in trials if t.study_id == study.id]
        if not own:
            continue
        data = analysis.study_data(study, own, curves, objective)
        by_id = {t.id: t for t in own}
        out += [Candidate(by_id[int(tid)], study, float(v)) for tid, v in data.ranked["objective"].items()]
    sign = 1.0 if objective.direction is Direction.MINIMIZE else -1.0
    return tuple(sorted(out, key=lambda c: (sign * c.objective, c.trial.id)))


def pick_candidate(candidates: Sequence[Candidate], trial_id: int | None) -> Candidate | None:
    """The candidate the user chose, else the best one, else ``None``."""
    chosen = [c for c in candidates if c.trial.id == trial_id]
    return chosen[0] if chosen else (candidates[0] if candidates else None)


def _fixed(hp: Hyperparameter, value: Value) -> Hyperparameter:
    """``hp`` fixed at ``value``: ranges dropped (a baseline may sit outside the searched range);
    a value its type cannot hold turns it into a categorical of its old values plus this one."""
    if hp.numeric and isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
            and (hp.type is ParamType.FLOAT or float(value).is_integer()):
        return replace(hp, role=Role.FIXED, low=None, high=None, scale="linear", value=value)
    if hp.type is ParamType.BOOL and isinstance(value, bool):
        return replace(hp, role=Role.FIXED, value=value)
    values = hp.values if contains_value(hp.values, value) else (*hp.values, value)
    return replace(hp, type=ParamType.CATEGORICAL, role=Role.FIXED, low=None, high=None, scale="linear",
                   values=values, value=value)


def fixed_space(space: SearchSpace, assignment: Mapping[str, Value]) -> SearchSpace:
    """The hyperparameters of ``space`` that ``assignment`` (id -> value) gives, each fixed at its
    value; conditions are kept, so a hyperparameter whose parent is left out is left out too."""
    kept: dict[str, Hyperparameter] = {}
    for pid in space.order:
        hp = space[pid]
        if pid in assignment and all(c.parent in kept for c in hp.when):
            kept[pid] = _fixed(hp, assignment[pid])
    return SearchSpace(tuple(kept[pid] for pid in space.ids if pid in kept))


def _manual(name: str, source: Study, assignment: Mapping[str, Value], repeats: int, role: str, seed: int,
            extra: Mapping[str, object]) -> Study:
    space = fixed_space(source.space, assignment)
    config = space.active({pid: v for pid, v in assignment.items() if pid in space})
    return Study(name, space, Algorithm.MANUAL, trials=1, seed=seed, repeats=repeats,
                 seed_param=source.seed_param, objective=source.objective, configs=(config,),
                 notes=f"seed repeats for the Decide pane ({role})", extra={DECIDE: role, **extra})


def plan_seed_studies(candidate: Trial, study: Study, baseline: Mapping[str, Value], repeats: int,
                      baseline_id: int | None = None) -> SeedPlan:
    """The manual studies re-running ``candidate`` (a trial of ``study``) and ``baseline`` (a
    config by passed name) ``repeats`` times each, in ``study``'s space with every value fixed."""
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 2:
        raise ValueError(f"seed repeats need a whole number >= 2, found {repeats!r}")
    params = study.space.active(candidate.params)
    seed = seeds.derive(study.seed, seeds.SEED_REPEATS, candidate.id or 0)  # new training seeds per candidate
    cand = _manual(f"candidate-t{candidate.id}", study, params, repeats, "candidate", seed,
                   {"candidate_trial": candidate.id, "source_study": study.id})
    mapped = {hp.id: baseline[hp.name] for hp in study.space if hp.name in baseline}
    base = _manual("baseline", study, mapped, repeats, "baseline", seed,
                   {"baseline_id": baseline_id, "source_study": study.id})
    notes = [f"the baseline has no {hp.name}: its runs leave it to the command's default"
             for hp in study.space if hp.name not in baseline and hp.id in params]
    notes += [f"{name} = {value!r} is in the baseline but not in study {study.name}: neither side passes it"
              for name, value in baseline.items() if name not in {hp.name for hp in study.space}]
    return SeedPlan(cand, base, tuple(notes))


def adopted_config(baseline: Mapping[str, Value], candidate: Trial, space: SearchSpace) -> dict[str, Value]:
    """The new baseline: the old one with the candidate's active values written over it, by passed name."""
    config = dict(baseline)
    for pid, value in space.active(candidate.params).items():
        config[space[pid].name] = value
    return config


def changes(baseline: Mapping[str, Value], candidate: Trial, space: SearchSpace) -> list[tuple[str, object, Value]]:
    """``(name, baseline value or None, candidate value)`` for every passed name the candidate changes."""
    out = []
    for pid, value in space.active(candidate.params).items():
        name = space[pid].name
        old = baseline.get(name)
        if old is None or not (old == value and isinstance(old, bool) == isinstance(value, bool)):
            out.append((name, old, value))
    return out


def evidence(comparison: Comparison, **more: object) -> dict[str, object]:
    """``comparison.to_dict()`` with NaN as ``None`` (strict JSON), plus ``more``."""
    def finite(v: object) -> object:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: finite(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [finite(x) for x in v]
        return v
    return finite({**comparison.to_dict(), **more})  # type: ignore[return-value]


# --- store loaders and writers ----------------------------------------------------------------


def _seed_studies(studies: Sequence[Study], trial_id: int) -> tuple[Study, Study] | None:
    cand = next((s for s in studies if s.extra.get(DECIDE) == "candidate"
                 and s.extra.get("candidate_trial") == trial_id), None)
    if cand is None:
        return None
    base = next((s for s in studies if s.id == cand.extra.get("baseline_study")), None)
    return None if base is None else (cand, base)


def _side(store: Store, study: Study, objective: Objective) -> Side:
    trials = store.trials(study_id=study.id)
    counts: dict[TrialState, int] = {}
    for t in trials:
        counts[t.state] = counts.get(t.state, 0) + 1
    if not trials:
        return Side(study, (), (), counts)
    curves = store.curves(study_id=study.id, names=[objective.metric])
    ok = analysis.study_data(study, trials, curves, objective).frame
    ok = ok[ok["ok"]]
    return Side(study, tuple(float(v) for v in ok["objective"]), tuple(int(i) for i in ok.index), counts)


def _study_bests(store: Store, studies: Sequence[Study], study: Study, objective: Objective) -> list[float]:
    """Best objective of each reseeded sibling of ``study`` (study variance), when there are two or more."""
    root = study.reseed_of or study.id
    siblings = [s for s in studies if root in (s.id, s.reseed_of)]
    if len(siblings) < 2:
        return []
    sign = 1.0 if objective.direction is Direction.MINIMIZE else -1.0
    bests = []
    for s in siblings:
        trials = store.trials(study_id=s.id)
        if trials:
            curves = store.curves(study_id=s.id, names=[objective.metric])
            frame = analysis.study_data(s, trials, curves, objective).frame
            bests += [float(v) for v in analysis.study_bests(frame, sign)]
    return bests


def load_decide(store: Store, project: Project, chosen: int | None = None) -> DecideData:
    """The current round's candidates, the chosen one (default: the best), the baseline, the seed
    runs of both sides so far and their comparison, all judged by the objective the Review pane
    uses by default (:func:`tuitune.rounds.default_objective`)."""
    current = store.current_round()
    if current is None:
        return DecideData(None, project.objective)
    decisions = store.decisions(current.id)
    studies = store.studies(current.id)
    own = [s for s in studies if not s.extra.get(DECIDE)]
    objective = default_objective(project, own)
    trials = store.trials(round_id=current.id, states=[TrialState.COMPLETED])
    trials = [t for t in trials if t.study_id in {s.id for s in own}]
    curves = store.curves(round_id=current.id, names=[objective.metric]) if trials else {}
    candidates = rank_candidates(own, trials, curves, objective)
    candidate = pick_candidate(candidates, chosen)
    data = DecideData(current, objective, candidates, candidate, effective_baseline(store, project),
                      decision=decisions[-1] if decisions else None)
    if candidate is None:
        return data
    pair = _seed_studies(studies, candidate.trial.id)
    if pair is None:
        return data
    cand, base = (_side(store, s, objective) for s in pair)
    comparison = analysis.compare(cand.values, base.values, objective, candidate_ids=cand.trial_ids,
                                  baseline_ids=base.trial_ids,
                                  study_bests=_study_bests(store, own, candidate.study, objective))
    return replace(data, candidate_side=cand, baseline_side=base, comparison=comparison)


def queue_seed_repeats(store: Store, round_id: int, trial_id: int, baseline: Baseline,
                       repeats: int) -> tuple[Study, Study, int]:
    """Create (or find) the two seed studies of ``trial_id`` in round ``round_id`` and queue them.

    A baseline study of the same baseline and source study already in the round is reused.
    Returns the candidate study, the baseline study and the number of trials queued.

    Each study and its trials are separate writes, so this converges instead: called again, it
    finds the studies made and queues whatever points of them have no trials yet (a crash, or a
    store error, between two writes leaves nothing half done for good).
    """
    current = store.get_round(round_id)
    if current.status is not RoundStatus.OPEN:
        raise ValueError(f"round {round_id} is {current.status.value}; seed repeats go in an open round")
    studies = store.studies(round_id)
    existing = _seed_studies(studies, trial_id)
    if existing is not None:
        cand, base = existing
    else:
        trial = store.get_trial(trial_id)
        source = store.get_study(trial.study_id)
        plan = plan_seed_studies(trial, source, baseline.config, repeats, baseline.id)
        base = next((s for s in studies if s.extra.get(DECIDE) == "baseline"
                     and s.extra.get("baseline_id") == baseline.id
                     and s.extra.get("source_study") == source.id and s.configs == plan.baseline.configs), None)
        if base is None:
            names = {s.name for s in studies}
            name = next(n for n in ("baseline", *(f"baseline-{k}" for k in range(2, len(names) + 3)))
                        if n not in names)
            base = store.add_study(replace(plan.baseline, name=name), round_id)
        # a reused baseline keeps its seed: the candidate takes it too, so both sides share seeds
        cand = store.add_study(replace(plan.candidate, seed=base.seed,
                                       extra={**plan.candidate.extra, "baseline_study": base.id}), round_id)
    queued = sum(len(intents.queue_study(store, study)) for study in (base, cand))
    return cand, base, queued


def record_decision(store: Store, round_id: int, verdict: Verdict, rationale: str, candidate: Candidate,
                    baseline: Baseline | None, comparison: Comparison | None, now: float) -> Decision:
    """Write the decision (and, adopting, the new baseline) and close round ``round_id``, in one
    transaction (:meth:`Store.decide`).

    Raises ``ValueError`` for an empty rationale or a round that is not open, and
    :class:`~tuitune.domain.StoreError` when another decision closed the round meanwhile:
    nothing is written either way.
    """
    if not rationale.strip():
        raise ValueError("a decision needs a rationale, found an empty one")
    if store.get_round(round_id).status is not RoundStatus.OPEN:
        raise ValueError(f"round {round_id} is already closed")
    facts: dict[str, object] = {"candidate_objective": candidate.objective,
                                "compared_with_baseline": None if baseline is None else baseline.id}
    proof = evidence(comparison, **facts) if comparison is not None else facts
    baseline_id = None if baseline is None else baseline.id
    adopted = None
    if verdict is Verdict.ADOPT:
        seeds = comparison.candidate.mean if comparison is not None and comparison.candidate.values else math.nan
        objective = seeds if math.isfinite(seeds) else candidate.objective
        config = adopted_config(baseline.config if baseline else {}, candidate.trial, candidate.study.space)
        adopted = Baseline(config, objective, round_id, candidate.trial.id, rationale.strip(), created_at=now)
    return store.decide(Decision(round_id, verdict, rationale.strip(), candidate.trial.id, baseline_id, proof,
                                 created_at=now), adopted)

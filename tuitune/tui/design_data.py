"""What the Design pane reads from the store and writes to it: pure functions of a Store.

Why apart from the screen: the pane's rules (which design to start from, what the budget is,
when queueing is refused) are the playbook's and are tested here without Textual. The screen
calls these on the backend's ``io`` lane and only draws the results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

from tuitune import search
from tuitune.baselines import with_current_baseline
from tuitune.domain import InvalidConfig, Project, Round, RoundStatus, Study, TrialState, TuituneError
from tuitune.domain.study import DECIDE
from tuitune.runner import intents
from tuitune.store import Store
from tuitune.tui.design_draft import Draft, from_baseline, from_file, from_study

RECENT_DURATIONS = 500
"""How many of the latest completed trials the budget estimate averages over."""


class DesignRefused(TuituneError):
    """The design cannot be queued as asked; the message says why and what to do."""


@dataclass(frozen=True)
class DesignData:
    """The store and project folder as the Design pane needs them."""

    round: Round | None
    """The current round (the latest open one, else the latest)."""
    studies: tuple[Study, ...] = ()
    """The current round's studies, oldest first."""
    durations: tuple[float, ...] = ()
    """Seconds of the latest completed trials of the project, for the budget estimate."""
    files: tuple[Path, ...] = ()
    """The project's ``studies/*.toml``, sorted."""
    project: Project | None = None
    """The project with the current baseline (an adopted one outranks tuitune.toml's), which
    fixed hyperparameters take their values from; ``None`` before the first load."""

    @property
    def open(self) -> bool:
        return self.round is not None and self.round.status is RoundStatus.OPEN

    @property
    def names(self) -> frozenset[str]:
        return frozenset(s.name for s in self.studies)


def study_files(project: Project) -> tuple[Path, ...]:
    folder = Path(project.root) / "studies"
    return tuple(sorted(folder.glob("*.toml"))) if folder.is_dir() else ()


def load_design(store: Store, project: Project) -> DesignData:
    current = store.current_round()
    studies = tuple(store.studies(current.id)) if current is not None else ()
    done = store.trials(states=[TrialState.COMPLETED])[-RECENT_DURATIONS:]
    durations = tuple(d for t in done if (d := t.duration) is not None and math.isfinite(d))
    return DesignData(current, studies, durations, study_files(project), with_current_baseline(store, project))


def start_draft(data: DesignData, project: Project) -> Draft:
    """The design the pane opens with: the open round's latest study (read-only; not the seed
    repeats Decide queued, which are not a design), else the project's first study file, else
    every baseline value as a fixed hyperparameter."""
    designed = [s for s in data.studies if not s.extra.get(DECIDE)]
    if data.open and designed:
        study = designed[-1]
        return from_study(study, f"study {study.name} of R{data.round.id}", stored=True)  # type: ignore[union-attr]
    for path in data.files:
        try:
            return from_file(path, Path(project.root))
        except InvalidConfig:
            continue
    return from_baseline(project.baseline, search.unique_name("study", data.names), project.baseline_origin)


def point_count(study: Study) -> int:
    """Points the study runs, over every per-value child."""
    return sum(search.size(child) for child in search.expand(study))


def budget_line(study: Study, durations: tuple[float, ...], parallel: int) -> str:
    """The budget estimate in words, with how it was reached."""
    points = point_count(study)
    runs = points * study.repeats
    seconds = search.estimate_budget(points, study.repeats, durations, parallel)
    what = f"{runs} trial{'s' * (runs != 1)}" + (f" ({points} point{'s' * (points != 1)} × {study.repeats} repeats)" if study.repeats > 1 else "")
    if seconds is None:
        return f"{what}; no finished trials yet to estimate the time from"
    mean = sum(durations) / len(durations)
    return f"{what} ≈ {span(seconds)} ({span(mean)} each, mean of {len(durations)}, on {parallel} slot{'s' * (parallel != 1)})"


def span(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} days"


@dataclass(frozen=True)
class Queued:
    round: Round
    studies: tuple[Study, ...]
    trials: int


def _open_round(store: Store) -> Round:
    current = store.current_round()
    if current is None or current.status is not RoundStatus.OPEN:
        raise DesignRefused("no open round to queue into: press 1, then n, to open one")
    return current


def _members(store: Store, round_id: int, name: str) -> tuple[Study, ...]:
    """The round's stored study ``name`` with its per-value children."""
    return tuple(s for s in store.studies(round_id) if s.name == name or s.extra.get("expanded_from") == name)


def queue_design(store: Store, study: Study) -> Queued:
    """Store ``study`` in the open round (one study per scientific value for a per-value layout)
    and queue every point of each. Refuses, storing nothing, without an open round or when a
    name is taken."""
    current = _open_round(store)
    children = search.expand(study)
    taken = {s.name for s in store.studies(current.id)}
    clash = [c.name for c in children if c.name in taken]
    if clash:
        raise DesignRefused(f"R{current.id} already has a study named {clash[0]!r}: rename this design "
                            "(press t) or edit a copy (c)")
    stored = tuple(store.add_study(child, current.id) for child in children)
    trials = sum(len(intents.queue_study(store, s)) for s in stored)
    return Queued(current, stored, trials)


def queue_stored(store: Store, name: str) -> Queued:
    """Queue the points not yet queued of the open round's stored study ``name`` (with its
    per-value children), e.g. the study ``tuitune demo`` or ``tuitune study add`` stored.
    Refuses when every point already has a trial."""
    current = _open_round(store)
    members = _members(store, current.id, name)
    trials = sum(len(intents.queue_study(store, s)) for s in members if not store.trials(study_id=s.id))
    if not trials:
        raise DesignRefused(f"{name} is queued already: press 3 to watch it, a there adds trials, "
                            "or press c here to edit a copy")
    return Queued(current, members, trials)


def reseed_stored(store: Store, name: str, queue: bool) -> Queued:
    """Store a sibling of the open round's stored study ``name`` (of each per-value child) with
    a new sequence seed (:func:`tuitune.search.reseed`: same design, other points, other training
    seeds) under a name not taken yet, and queue its points when ``queue``.

    Why: the playbook's study-to-study variance. The Decide pane compares a candidate's margin
    with the spread of the best results of reseeded siblings before trusting a verdict.
    """
    current = _open_round(store)
    members = _members(store, current.id, name)
    if not members:
        raise DesignRefused(f"R{current.id} has no stored study {name!r} to reseed: queue the design first (r)")
    taken = {s.name for s in store.studies(current.id)}
    siblings = []
    for member in members:
        sibling = search.reseed(member)
        sibling = replace(sibling, name=search.unique_name(sibling.name, taken))
        taken.add(sibling.name)
        siblings.append(store.add_study(sibling, current.id))
    trials = sum(len(intents.queue_study(store, s)) for s in siblings) if queue else 0
    return Queued(current, tuple(siblings), trials)

"""The current baseline: the one adopted last in the store, else tuitune.toml's ``[baseline]``.

Why a module of its own: every front end needs the same answer (Decide compares against it, the
Design pane and ``tuitune study add`` fill fixed hyperparameters from it), and it must stay cheap
to import for the CLI's quick commands.
"""

from __future__ import annotations

from dataclasses import replace

from tuitune.domain import Baseline, Project
from tuitune.store import Store


def effective_baseline(store: Store, project: Project) -> Baseline | None:
    """The store's current baseline, else the project file's ``[baseline]`` (not yet stored)."""
    found = store.current_baseline()
    if found is None and project.baseline:
        return Baseline(dict(project.baseline), note="from tuitune.toml [baseline]")
    return found


def with_current_baseline(store: Store, project: Project) -> Project:
    """``project`` with the store's current baseline written over the file's ``[baseline]``.

    Why: adopting a candidate records a new baseline in the store and leaves tuitune.toml as the
    user wrote it; the next round's fixed hyperparameters must come from the adopted one. A name
    only the file has (added there since) still counts, so "add it to [baseline]" stays a fix.
    """
    found = store.current_baseline()
    if found is None or not found.config:
        return project
    origin = f"baseline B{found.id}" + (f", adopted in R{found.round_id}" if found.round_id is not None else "")
    return replace(project, baseline={**project.baseline, **found.config}, baseline_origin=origin)

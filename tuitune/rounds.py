"""A round's studies read out of the store for analysis, the same way for every front end.

Why it exists: the checklist is only fair when the studies that answer one question are judged
together. The children of a per-value study (one study per scientific value) are one group,
their spaces rejoined (:func:`tuitune.search.rejoin`) and their curves read in bulk; the seed
studies the Decide pane makes (``extra["decide"]``) are evidence for the decision, not studies
to review. ``tuitune review``, ``tuitune compare`` and the Review pane all call this module, so
they can never disagree about what was judged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from tuitune import analysis, search
from tuitune.domain import Objective, Project, Study
from tuitune.domain.study import DECIDE
from tuitune.store import Store


@dataclass(frozen=True)
class StudyGroup:
    """Studies judged together: the children of one per-value study, or a study alone."""

    name: str
    study_ids: tuple[int, ...]


def group_studies(studies: Sequence[Study], *, with_seed_studies: bool = False) -> tuple[StudyGroup, ...]:
    """Studies in round order, the per-value children of one study as one group.

    Seed studies of the Decide pane are left out unless ``with_seed_studies``.
    """
    groups: dict[str, list[Study]] = {}
    names: dict[str, str] = {}
    for s in studies:
        if DECIDE in s.extra and not with_seed_studies:
            continue
        key = str(s.extra.get("expanded_from", f"#{s.id}"))
        groups.setdefault(key, []).append(s)
        names.setdefault(key, str(s.extra.get("expanded_from", s.name)))
    return tuple(StudyGroup(names[k], tuple(s.id for s in g)) for k, g in groups.items())


def default_objective(project: Project, studies: Sequence[Study]) -> Objective:
    """The first study's own objective, else the project's."""
    return (studies[0].objective if studies else None) or project.objective


def load_study_data(store: Store, project: Project, studies: Sequence[Study],
                    objective: Objective | None = None) -> analysis.StudyData:
    """Trials and curves of ``studies`` as one :class:`~tuitune.analysis.StudyData`.

    ``objective`` defaults to :func:`default_objective`; only its metric's and the training
    metric's curves are read, in bulk into one frame (a study of 10,000 trials is a million rows).
    """
    objective = objective or default_objective(project, studies)
    names = sorted({objective.metric, project.train_metric})
    trials = [t for s in studies for t in store.trials(study_id=s.id)]
    frames = [store.curves_frame(study_id=s.id, names=names, wall_time=False) for s in studies]
    curves = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return analysis.study_data(search.rejoin(list(studies)), trials, curves, objective,
                               train_metric=project.train_metric)

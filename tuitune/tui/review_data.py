"""What the Review pane shows, loaded and computed: pure functions of a Store, no Textual.

Why it is shaped like this: the whole review (checklist, every plot's information, the header
counts) is one frozen :class:`ReviewView` built by one call on the compute lane, so the screen
only draws and tests judge the numbers without a terminal. Studies expanded per scientific value
are judged together, as ``tuitune review`` does: grouped by ``extra["expanded_from"]``, their
spaces rejoined, their curves read in bulk. The objective can be overridden (another metric,
direction or aggregate); it is recomputed from the stored curves, nothing re-runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tuitune import analysis
from tuitune.domain import Objective, Project
from tuitune.rounds import StudyGroup, default_objective, group_studies, load_study_data
from tuitune.store import Store

PLOT_OF_CHECK = {"boundaries": "axis", "infeasible": "axis", "sampled_enough": "boxes", "optimization": "curves",
                 "overfitting": "curves", "late_noise": "curves", "compute_bound": "curves"}
"""Which plot holds the evidence of each checklist item (the playbook pairs them so)."""


@dataclass(frozen=True)
class Item:
    """One line of the checklist: a check's answer, or an isolation plot."""

    key: str
    """The check's id (``boundaries``), or ``isolation:<index>``."""
    title: str
    status: str
    """``pass``, ``warn``, ``fail``, ``n/a``, or ``plot`` for an isolation plot."""
    verdict: str
    evidence: Mapping[str, object] = field(default_factory=dict)
    action: str = ""
    trial_ids: tuple[int, ...] = ()
    plot: str | None = None
    """``axis``, ``isolation``, ``curves`` or ``boxes``: the plot that shows this item."""
    plot_index: int = 0
    """Which axis plot to open first, or which isolation plot."""


@dataclass(frozen=True)
class ReviewView:
    """Everything the Review pane draws for one study group. ``message`` explains an empty one."""

    round_id: int | None = None
    groups: tuple[StudyGroup, ...] = ()
    group: StudyGroup | None = None
    objective: Objective | None = None
    default_objective: Objective | None = None
    """The study's (or project's) own objective, to tell whether the user switched it."""
    train_metric: str = "train_loss"
    metrics: tuple[str, ...] = ()
    """Metric names the group's trials reported: what the objective may be switched to."""
    summary: str = ""
    """How many trials, and how many are judged (completed with a finite objective)."""
    active: int = 0
    """Trials running or queued: while any are, the review is worth recomputing."""
    review: analysis.Review | None = None
    plots: analysis.Plots | None = None
    items: tuple[Item, ...] = ()
    message: str = ""

    @property
    def switched(self) -> bool:
        return self.objective is not None and self.objective != self.default_objective


def load_review(store: Store, project: Project, group: str | None = None,
                objective: Objective | None = None) -> ReviewView:
    """The review of the current round's study group named ``group`` (default: the first),
    judged by ``objective`` (default: the study's own, else the project's)."""
    current = store.current_round()
    if current is None:
        return ReviewView(message="No round yet: press 1 to write the round's goal.")
    studies = store.studies(current.id)
    groups = group_studies(studies)
    if not groups:
        return ReviewView(current.id, message="This round has no study yet: press 2 to design one.")
    chosen = next((g for g in groups if g.name == group), groups[0])
    members = [s for s in studies if s.id in chosen.study_ids]
    default = default_objective(project, members)
    objective = objective or default
    metrics = tuple(sorted({m for s in members for m in store.metric_names(study_id=s.id)}))
    data = load_study_data(store, project, members, objective)
    trials = data.trials
    outcomes = data.frame["outcome"]
    summary = f"{len(trials)} trials, {int(data.frame['ok'].sum())} judged" if trials else "no trials yet"
    result = analysis.review(data)
    plots = analysis.plots(data)
    return ReviewView(current.id, groups, chosen, objective, default, project.train_metric, metrics, summary,
                      int(outcomes.isin(("running", "queued")).sum()), result, plots, items(result, plots))


def items(result: analysis.Review, plots: analysis.Plots) -> tuple[Item, ...]:
    """The checklist in the playbook's order, then one line per isolation plot."""
    out = [Item(c.check, c.title, c.status.value, c.verdict, c.evidence, c.action, c.trial_ids,
                _check_plot(c.check, plots), _axis_start(c, plots)) for c in result.checks]
    for i, iso in enumerate(plots.isolations):
        best = iso.best
        verdict = (f"best {best.label}: {best.objective:.4g} (trial {best.trial_id})" if best
                   else "no completed trial yet")
        out.append(Item(f"isolation:{i}", f"Isolation plot: {iso.param or 'by study'}", "plot", verdict,
                        {"best per value": {p.label: _point(p) for p in iso.points}}, "",
                        (best.trial_id,) if best and best.trial_id is not None else (), "isolation", i))
    return tuple(out)


def _point(p: analysis.IsolationPoint) -> str:
    """``0.3037 (trial 6), 4 trials, 1 infeasible, at edge: lr:high, overfits``."""
    best = "no completed trial" if p.trial_id is None else f"{p.objective:.4g} (trial {p.trial_id})"
    flags = [f"at edge: {', '.join(p.edges)}"] if p.edges else []
    return ", ".join([best, f"{p.trials} trials", f"{p.infeasible} infeasible", *flags,
                      *(["overfits"] if p.overfits else [])])


def _check_plot(check: str, plots: analysis.Plots) -> str | None:
    kind = PLOT_OF_CHECK.get(check)
    empty = {"axis": not plots.axes, "boxes": not plots.sampled_enough, "curves": not plots.best_curves}
    return None if kind is None or empty[kind] else kind


def _axis_start(check: analysis.CheckResult, plots: analysis.Plots) -> int:
    """The axis plot to open first: for the boundary check, the first range a best trial sits at the edge of."""
    params = check.evidence.get("params") if check.check == "boundaries" else None
    if isinstance(params, Mapping):
        at_edge = [p for p, e in params.items() if isinstance(e, Mapping) and e.get("edge")]
        for i, axis in enumerate(plots.axes):
            if axis.param in at_edge:
                return i
    return 0


def export_path(folder: Path, view: ReviewView) -> Path:
    """``review-<round>-<study>.json`` in the project folder (the name made file-safe)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", view.group.name if view.group else "none").strip("_") or "study"
    return folder / f"review-{view.round_id}-{name}.json"


def export_review(folder: Path, view: ReviewView) -> Path:
    """Write the review as strict JSON (``tuitune review --json``'s record) and return its path."""
    if view.review is None or view.group is None or view.objective is None:
        raise ValueError("there is no review to export yet")
    o = view.objective
    record = {"round": view.round_id, "study": view.group.name, "study_ids": list(view.group.study_ids),
              "objective": {"metric": o.metric, "direction": o.direction.value, "aggregate": o.aggregate.value},
              **view.review.to_dict()}
    path = export_path(folder, view)
    path.write_text(json.dumps(analysis.strict_json(record), indent=2, allow_nan=False) + "\n")
    return path

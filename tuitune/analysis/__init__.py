"""Analysis: the playbook's "learn from the results" and "decide whether to adopt", computed.

Pure pandas, numpy and scipy: no I/O, no drawing, no Textual. The input is domain objects
(trials and their curves), never the store, so the store, the CLI, the TUI and tests all feed it
the same way::

    data = study_data(study, store.trials(study_id=study.id),
                      {t.id: {m: store.curve(t.id, m) for m in (project.valid_metric, project.train_metric)}
                       for t in trials},
                      study.objective or project.objective, train_metric=project.train_metric)
    review(data).to_dict()        # the checklist and the isolation plot
    plots(data)                   # every plot's information
    compare(candidate_values, baseline_values, objective)   # the adopt comparison

Results are frozen dataclasses; drawing is :mod:`tuitune.plots`' job.
"""

from tuitune.analysis.checks import CHECKS, Threshold, checklist, threshold
from tuitune.analysis.curves import CurveFeatures, Curves, CurvesLike, features
from tuitune.analysis.decision import Arm, Comparison, Outcome, StudyVariance, compare
from tuitune.analysis.frame import Group, StudyData, param_column, scaled_column, study_data, trials_frame
from tuitune.analysis.plots_info import (AxisPlot, Isolation, IsolationPoint, Plots, TrialCurves, axis_plot,
                                         best_curves, isolation, plots)
from tuitune.analysis.result import CheckResult, Status, strict_json
from tuitune.analysis.review import Review, review
from tuitune.analysis.sampling import BestOfK, best_of_k
from tuitune.analysis.variance import RetrainNoise, retrain_noise, study_bests

__all__ = [
    "Arm", "AxisPlot", "BestOfK", "CHECKS", "CheckResult", "Comparison", "CurveFeatures", "Curves", "CurvesLike",
    "Group", "Isolation", "IsolationPoint", "Outcome", "Plots", "RetrainNoise", "Review", "Status", "StudyData",
    "StudyVariance", "Threshold", "TrialCurves", "axis_plot", "best_curves", "best_of_k", "checklist", "compare",
    "features", "isolation", "param_column", "plots", "retrain_noise", "review", "scaled_column", "study_bests",
    "strict_json", "study_data", "threshold", "trials_frame",
]

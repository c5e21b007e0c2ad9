"""The trials frame: objective recomputed from curves (and redefinable), outcomes, scales, inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from analysis_synth import decaying, lr, make
from hypothesis import given, settings
from hypothesis import strategies as st

from tuitune.analysis import Curves, study_data, trials_frame
from tuitune.analysis.frame import OUTCOMES
from tuitune.domain import Aggregate, Direction, Measurement, Objective, SearchSpace, Study, Trial, TrialState

SPACE = SearchSpace((lr(),))


def two_metric_data(objective=Objective("val_loss")):
    def curves(i, p):
        return {"val_loss": np.array([3.0, 1.0 + i, 2.0 + i, 1.5 + i]), "val_acc": np.array([0.1, 0.5 - i / 10, 0.4, 0.6])}
    return make(SPACE, [{"lr": 0.01}, {"lr": 0.1}], curves, objective=objective)


def test_objective_is_the_best_over_training_by_default():
    frame = two_metric_data().frame
    assert frame.loc[1, "objective"] == 1.0 and frame.loc[1, "best_step"] == 1
    assert frame.loc[2, "objective"] == 2.0 and frame.loc[2, "best_step"] == 1
    assert frame.loc[1, "steps"] == 3


def test_objective_redefined_without_rerunning_metric_direction_aggregate():
    data = two_metric_data()
    final = data.with_objective(Objective("val_loss", aggregate=Aggregate.FINAL)).frame
    assert final.loc[1, "objective"] == 1.5 and final.loc[1, "best_step"] == 3
    acc = data.with_objective(Objective("val_acc", Direction.MAXIMIZE)).frame
    assert acc["objective"].tolist() == [0.6, 0.6]
    assert acc.loc[1, "best_step"] == 3
    lowest_acc = data.with_objective(Objective("val_acc", Direction.MINIMIZE)).frame
    assert lowest_acc["objective"].tolist() == [0.1, 0.1]
    assert data.with_objective(Objective("val_acc", Direction.MAXIMIZE)).ranked.index[0] == 1


curve_values = st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(math.nan), st.just(math.inf)), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(curve_values, min_size=1, max_size=5), st.sampled_from(list(Direction)),
       st.sampled_from(list(Aggregate)))
def test_objective_column_agrees_with_objective_reduce(curves, direction, aggregate):
    objective = Objective("m", direction, aggregate)
    trials = [Trial(1, i, {"lr": 0.01}, state=TrialState.COMPLETED, id=i + 1) for i in range(len(curves))]
    table = {i + 1: {"m": [(s, v) for s, v in enumerate(c)]} for i, c in enumerate(curves)}
    frame = trials_frame(SPACE, trials, table, objective)
    for i, c in enumerate(curves):
        expected, got = objective.reduce(c), frame.loc[i + 1, "objective"]
        assert (math.isnan(expected) and math.isnan(got)) or expected == got
        assert frame.loc[i + 1, "infeasible"] == (not all(math.isfinite(v) for v in c))


def test_nan_marks_a_completed_trial_diverged_with_a_reason():
    def curves(i, p):
        return {"val_loss": np.array([1.0, 0.5, np.nan]) if i == 0 else np.array([1.0, 0.7, 0.6])}
    frame = make(SPACE, [{"lr": 0.5}, {"lr": 0.01}], curves).frame
    assert frame.loc[1, "outcome"] == "diverged" and frame.loc[1, "infeasible"]
    assert frame.loc[1, "reason"] == "NaN in val_loss at step 2"
    assert not frame.loc[1, "ok"] and frame.loc[2, "ok"]


def test_outcomes_durations_and_scales():
    states = [TrialState.COMPLETED, TrialState.INFEASIBLE, TrialState.FAILED, TrialState.KILLED, TrialState.LOST,
              TrialState.RUNNING, TrialState.QUEUED]
    data = make(SPACE, [{"lr": 10.0 ** -k} for k in range(7)], lambda i, p: {"val_loss": np.array([1.0, 0.5])},
                states=states, reasons=["", "loss > 10 at step 3", "", "", "", "", ""])
    frame = data.frame
    assert frame["outcome"].tolist() == list(OUTCOMES)
    assert frame.loc[2, "reason"] == "loss > 10 at step 3"
    assert frame["ok"].tolist() == [True, False, False, False, False, False, False]
    assert frame.loc[3, "duration"] == pytest.approx(12.0)
    assert frame["scaled:lr"].tolist() == pytest.approx([0, -1, -2, -3, -4, -5, -6])
    assert frame.loc[6, "objective"] == 0.5  # running: its objective so far, not compared


def test_curves_accept_mapping_measurements_and_frame_alike():
    mapping = {1: {"val_loss": [(0, 1.0, 5.0), (1, 0.5, 6.0)]}, 2: {"val_loss": [(0, 2.0), (1, 1.0)]}}
    measurements = [Measurement(1, 0, "val_loss", 1.0, 5.0), Measurement(1, 1, "val_loss", 0.5, 6.0),
                    Measurement(2, 1, "val_loss", 1.0, math.nan), Measurement(2, 0, "val_loss", 2.0, math.nan)]
    df = pd.DataFrame({"trial_id": [2, 2, 1, 1], "name": ["val_loss"] * 4, "step": [1, 0, 1, 0],
                       "value": [1.0, 2.0, 0.5, 1.0]})
    frames = [Curves.of(x).frame for x in (mapping, measurements, df)]
    for f in frames:
        assert f[["trial_id", "step", "value"]].values.tolist() == [[1, 0, 1.0], [1, 1, 0.5], [2, 0, 2.0], [2, 1, 1.0]]
    assert Curves.of(Curves.of(mapping)).names == ("val_loss",)


def test_a_step_reported_twice_keeps_its_last_value():
    curves = Curves.of([Measurement(1, 0, "m", 1.0, 0), Measurement(1, 0, "m", 3.0, 1)])
    assert curves.curve(1, "m")[1].tolist() == [3.0]


def test_study_objective_is_the_default_and_one_is_required():
    trials = [Trial(1, 0, {"lr": 0.01}, state=TrialState.COMPLETED, id=1)]
    study = Study("s", SPACE, objective=Objective("acc", Direction.MAXIMIZE))
    data = study_data(study, trials, {1: {"acc": [(0, 0.2), (1, 0.9)]}})
    assert data.frame.loc[1, "objective"] == 0.9 and data.sign == -1.0
    with pytest.raises(ValueError, match="no objective"):
        study_data(SPACE, trials, {})


def test_a_requeued_trial_is_replaced_by_its_retry() -> None:
    trials = [Trial(1, 0, {"lr": 0.01}, state=TrialState.FAILED, id=1),
              Trial(1, 1, {"lr": 0.1}, state=TrialState.COMPLETED, id=2),
              Trial(1, 0, {"lr": 0.01}, state=TrialState.COMPLETED, id=3, retry_of=1)]
    curves = {i: {"val_loss": [(0, 0.5)]} for i in (1, 2, 3)}
    data = study_data(SPACE, trials, curves, Objective("val_loss"))
    assert list(data.frame.index) == [2, 3] and data.frame["ok"].all()


def test_conditional_hyperparameter_absent_is_nan_and_groups_by_study_without_scientific():
    data = make(SPACE, [{"lr": 0.01}, {}, {"lr": 0.1}], lambda i, p: {"val_loss": decaying(1.0, steps=10)},
                study_ids=[1, 1, 2])
    assert np.isnan(data.frame.loc[2, "param:lr"])
    assert [(g.label, g.trial_ids) for g in data.groups()] == [("study 1", (1, 2)), ("study 2", (3,))]

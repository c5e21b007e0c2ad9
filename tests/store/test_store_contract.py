"""The store contract, part 1: opening, rounds, studies, trials, transitions and events.

Every test here runs against both backends (the ``store`` fixture: a file and memory).
"""

from __future__ import annotations

import math
import sqlite3
import threading

import pytest

from tuitune.domain import (
    Aggregate, Algorithm, Baseline, Decision, Direction, Hyperparameter, IllegalTransition, Layout, NotFound,
    Objective, ParamType, Phase, Round, RoundKind, RoundStatus, SearchSpace, StoreError, Study, Trial, TrialState,
    Verdict,
)
from tuitune.store import CURRENT_VERSION, Store

S = TrialState


def test_open_reports_path_and_version(store):
    assert store.schema_version == CURRENT_VERSION
    assert store.path == ":memory:" or store.path.endswith("store.db")
    assert store.integrity_check() == "ok"


def test_context_manager_closes(tmp_path):
    with Store.open(tmp_path / "s.db") as s:
        s.add_round(Round("g"))
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        s.rounds()


# --- rounds -------------------------------------------------------------------------------

def test_round_round_trip(store):
    r = store.add_round(Round("does wd help?", RoundKind.UNDERSTAND, Phase.EXPLOIT))
    assert r.id is not None and r.created_at is not None
    assert store.get_round(r.id) == r
    assert (r.goal, r.kind, r.phase, r.status, r.closed_at) == (
        "does wd help?", RoundKind.UNDERSTAND, Phase.EXPLOIT, RoundStatus.OPEN, None)


def test_rounds_oldest_first_and_current(store):
    assert store.current_round() is None and store.rounds() == []
    a = store.add_round(Round("a"))
    b = store.add_round(Round("b"))
    assert [r.goal for r in store.rounds()] == ["a", "b"]
    assert store.current_round() == b
    store.set_round_status(b.id, RoundStatus.CLOSED)
    assert store.current_round() == a, "the latest OPEN round wins over a later closed one"
    store.set_round_status(a.id, "abandoned")
    assert store.current_round().id == b.id, "with none open, the latest round"


def test_set_round_status_sets_and_clears_closed_at(store):
    r = store.add_round(Round("g"))
    closed = store.set_round_status(r.id, RoundStatus.CLOSED)
    assert closed.status is RoundStatus.CLOSED and closed.closed_at is not None
    reopened = store.set_round_status(r.id, RoundStatus.OPEN)
    assert reopened.status is RoundStatus.OPEN and reopened.closed_at is None
    with pytest.raises(NotFound):
        store.set_round_status(999, RoundStatus.CLOSED)
    with pytest.raises(NotFound):
        store.get_round(999)


# --- studies ------------------------------------------------------------------------------

def test_study_round_trip_with_conditions_bools_and_fixed(store, round_, space):
    design = Study("s1", space, algorithm=Algorithm.RANDOM, trials=7, seed=3, repeats=2,
                   seed_param="rng", layout=Layout.PER_VALUE,
                   objective=Objective("val_acc", Direction.MAXIMIZE, Aggregate.FINAL),
                   grid_steps=4, notes="n", extra={"group": {"optimizer": "adam"}, "flag": True})
    saved = store.add_study(design, round_.id)
    assert saved.id is not None and saved.round_id == round_.id and saved.created_at is not None
    again = store.get_study(saved.id)
    assert again == saved
    assert again.space == space
    assert again.space.order == space.order
    # bool and int stay apart, in values, fixed values and conditions
    width = again.space["width"].values
    assert [type(v) for v in width] == [int, bool, str, float]
    assert again.space["amp"].value is False and again.space["batch"].value == 128
    assert type(again.space["batch"].value) is int and type(again.space["wd"].value) is float
    assert again.space["momentum"].when[0].values == (True,)
    assert type(again.space["momentum"].when[0].values[0]) is bool
    assert type(again.space["layers"].low) is int and again.space["layers"].high == 8
    assert again.space["lr_sgd"].name == again.space["lr_adam"].name == "lr"
    assert again.extra == {"group": {"optimizer": "adam"}, "flag": True}
    assert again.objective == Objective("val_acc", Direction.MAXIMIZE, Aggregate.FINAL)


def test_manual_study_configs_keep_types(store, round_):
    space = SearchSpace((Hyperparameter("flag", ParamType.BOOL), Hyperparameter("n", ParamType.INT, low=0, high=3)))
    configs = ({"flag": True, "n": 1}, {"flag": False, "n": 0})
    saved = store.add_study(Study("m", space, algorithm=Algorithm.MANUAL, configs=configs), round_.id)
    got = store.get_study(saved.id).configs
    assert got == configs
    assert [type(c["flag"]) for c in got] == [bool, bool] and [type(c["n"]) for c in got] == [int, int]


def test_studies_listing_and_lookup(store, space):
    r1, r2 = store.add_round(Round("a")), store.add_round(Round("b"))
    a = store.add_study(Study("a", space), r1.id)
    b = store.add_study(Study("b", space, reseed_of=None), r1.id)
    c = store.add_study(Study("a", space, reseed_of=a.id), r2.id)
    assert [s.id for s in store.studies()] == [a.id, b.id, c.id]
    assert [s.name for s in store.studies(r1.id)] == ["a", "b"]
    assert store.studies(r2.id)[0].reseed_of == a.id
    assert store.study_by_name(r2.id, "a") == c
    assert store.study_by_name(r2.id, "b") is None
    assert all(s.space == space for s in store.studies())


def test_study_errors(store, round_, space):
    store.add_study(Study("s", space), round_.id)
    with pytest.raises(StoreError, match="already has a study named 's'"):
        store.add_study(Study("s", space), round_.id)
    with pytest.raises(NotFound):
        store.add_study(Study("t", space), 999)
    with pytest.raises(NotFound):
        store.get_study(999)


# --- trials -------------------------------------------------------------------------------

def test_add_trials_are_queued_with_creation_events(store, study):
    made = store.add_trials([Trial(study.id, i, {"optimizer": "sgd", "nesterov": True, "layers": 1}, seed=i)
                             for i in range(3)])
    assert [t.state for t in made] == [S.QUEUED] * 3
    assert [t.index for t in made] == [0, 1, 2]
    assert all(t.id is not None and t.created_at is not None for t in made)
    for t in made:
        assert store.get_trial(t.id) == t
        [ev] = store.events(t.id)
        assert (ev.old, ev.new, ev.trial_id) == (None, S.QUEUED, t.id)
    params = store.get_trial(made[0].id).params
    assert type(params["nesterov"]) is bool and type(params["layers"]) is int


def test_trial_params_keep_true_apart_from_one(store, study):
    [t] = store.add_trials([Trial(study.id, 0, {"width": True, "layers": 1, "x": 1.0, "s": "1"})])
    p = store.get_trial(t.id).params
    assert [type(p[k]) for k in ("width", "layers", "x", "s")] == [bool, int, float, str]


def test_add_trials_retry_and_errors(store, study):
    [old] = store.add_trials([Trial(study.id, 0, {})])
    [new] = store.add_trials([Trial(study.id, 0, {}, retry_of=old.id, repeat=1)])
    assert new.retry_of == old.id and new.repeat == 1
    assert store.events(new.id)[0].reason == f"retry of trial {old.id}"
    with pytest.raises(ValueError, match="already stored"):
        store.add_trials([old])
    with pytest.raises(NotFound):
        store.add_trials([Trial(999, 0, {})])
    with pytest.raises(NotFound):
        store.get_trial(999)
    assert store.add_trials([]) == []


def test_add_trials_beyond_sqlites_variable_limit(store, study):
    store.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100)  # builds often allow 32,766
    made = store.add_trials([Trial(study.id, i, {}) for i in range(250)])
    assert [t.index for t in made] == list(range(250)) and len(store.trials(study.id)) == 250


def test_a_full_disk_is_a_store_error_and_writes_nothing(store, study):
    before = len(store.trials())
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")  # as if the disk were full
    with pytest.raises(StoreError, match="database or disk is full"):
        store.add_trials([Trial(study.id, i, {"note": "x" * 1000}) for i in range(200)])
    assert len(store.trials()) == before and len(store.events()) == before


def test_add_trials_is_one_transaction(store, study):
    before = len(store.trials())
    with pytest.raises(NotFound):
        store.add_trials([Trial(study.id, 0, {}), Trial(999, 1, {})])
    assert len(store.trials()) == before and len(store.events()) == before


def test_trials_filters(store, space, round_):
    other_round = store.add_round(Round("other"))
    s1 = store.add_study(Study("s1", space), round_.id)
    s2 = store.add_study(Study("s2", space), round_.id)
    s3 = store.add_study(Study("s3", space), other_round.id)
    t1, t2 = store.add_trials([Trial(s1.id, 0, {}), Trial(s1.id, 1, {})])
    [t3] = store.add_trials([Trial(s2.id, 0, {})])
    [t4] = store.add_trials([Trial(s3.id, 0, {})])
    store.transition(t2.id, S.STARTING)
    ids = lambda ts: [t.id for t in ts]  # noqa: E731
    assert ids(store.trials()) == [t1.id, t2.id, t3.id, t4.id]
    assert ids(store.trials(s1.id)) == [t1.id, t2.id]
    assert ids(store.trials(round_id=round_.id)) == [t1.id, t2.id, t3.id]
    assert ids(store.trials(states=[S.QUEUED])) == [t1.id, t3.id, t4.id]
    assert ids(store.trials(s1.id, states=["starting"])) == [t2.id]
    assert ids(store.trials(round_id=other_round.id, states=[S.STARTING])) == []
    assert store.trials(states=[]) == []
    counts = store.state_counts()
    assert set(counts) == set(TrialState) and counts[S.QUEUED] == 3 and counts[S.STARTING] == 1
    assert store.state_counts(study_id=s1.id)[S.QUEUED] == 1
    assert store.state_counts(round_id=other_round.id)[S.QUEUED] == 1
    assert sum(store.state_counts(round_id=round_.id).values()) == 3


# --- transitions --------------------------------------------------------------------------

@pytest.fixture
def trial(store, study):
    return store.add_trials([Trial(study.id, 0, {"optimizer": "adam"})])[0]


def test_lifecycle_updates_fields_and_writes_events(store, trial):
    t = store.transition(trial.id, S.STARTING, reason="slot free", at=100.0, gpus=("0", "1"),
                         argv=("python", "train.py", "--lr=0.1"), env={"CUDA_VISIBLE_DEVICES": "0,1"})
    assert (t.state, t.reason, t.gpus, t.argv, t.env) == (
        S.STARTING, "slot free", ("0", "1"), ("python", "train.py", "--lr=0.1"), {"CUDA_VISIBLE_DEVICES": "0,1"})
    assert t.started_at is None
    t = store.transition(trial.id, "running", at=101.0, pid=4242, pid_started=100.5)
    assert (t.state, t.pid, t.pid_started, t.started_at) == (S.RUNNING, 4242, 100.5, 101.0)
    t = store.transition(trial.id, S.COMPLETED, at=160.0, exit_code=0, objective=0.25)
    assert (t.state, t.exit_code, t.objective, t.ended_at, t.started_at) == (S.COMPLETED, 0, 0.25, 160.0, 101.0)
    assert t.duration == 59.0
    assert store.get_trial(trial.id) == t
    evs = store.events(trial.id)
    assert [(e.old, e.new, e.at) for e in evs[1:]] == [
        (S.QUEUED, S.STARTING, 100.0), (S.STARTING, S.RUNNING, 101.0), (S.RUNNING, S.COMPLETED, 160.0)]
    assert evs[1].reason == "slot free"


def test_explicit_times_win_over_defaults(store, trial):
    store.transition(trial.id, S.STARTING, at=5.0)
    t = store.transition(trial.id, S.RUNNING, at=7.0, started_at=6.0)
    assert t.started_at == 6.0
    t = store.transition(trial.id, S.FAILED, at=9.0, ended_at=8.5, exit_code=3)
    assert (t.ended_at, t.exit_code) == (8.5, 3)


@pytest.mark.parametrize("path, bad", [
    ([], S.RUNNING),
    ([], S.COMPLETED),
    ([S.STARTING], S.QUEUED),
    ([S.STARTING, S.RUNNING], S.STARTING),
    ([S.STARTING, S.RUNNING, S.STOPPING], S.RUNNING),
    ([S.STARTING, S.RUNNING, S.COMPLETED], S.FAILED),
    ([S.KILLED], S.STARTING),
    ([S.STARTING, S.LOST], S.LOST),
])
def test_illegal_transition_changes_nothing(store, trial, path, bad):
    for state in path:
        store.transition(trial.id, state)
    before, events = store.get_trial(trial.id), store.events()
    with pytest.raises(IllegalTransition, match=f"from {before.state.name} to {bad.name}"):
        store.transition(trial.id, bad, reason="nope", exit_code=9)
    assert store.get_trial(trial.id) == before
    assert store.events() == events


def test_transition_errors(store, trial):
    with pytest.raises(NotFound):
        store.transition(999, S.STARTING)
    with pytest.raises(TypeError, match="unknown fields"):
        store.transition(trial.id, S.STARTING, state="running")
    with pytest.raises(ValueError):
        store.transition(trial.id, "flying")
    assert store.get_trial(trial.id).state is S.QUEUED and len(store.events(trial.id)) == 1


def test_a_lost_trial_and_its_retry_are_written_together(store, trial):
    for state in (S.STARTING, S.RUNNING):
        store.transition(trial.id, state)
    retry = Trial(trial.study_id, trial.index, trial.params, seed=trial.seed, retry_of=trial.id, reason="again")
    lost = store.transition(trial.id, S.LOST, reason="vanished", retry=retry)
    again = store.trials(study_id=trial.study_id)[-1]
    assert lost.state is S.LOST and again.retry_of == trial.id and again.state is S.QUEUED
    assert again.reason == "again" and [e.new for e in store.events(again.id)] == [S.QUEUED]


def test_a_retry_that_cannot_be_written_leaves_the_trial_as_it_was(store, trial):
    store.transition(trial.id, S.STARTING)
    before, events = store.get_trial(trial.id), store.events()
    with pytest.raises(NotFound):  # its study is gone: nothing of the transition is kept
        store.transition(trial.id, S.LOST, retry=Trial(999, 0, {}, retry_of=trial.id))
    with pytest.raises(ValueError, match="retry_of"):
        store.transition(trial.id, S.LOST, retry=Trial(trial.study_id, 0, {}, retry_of=None))
    assert store.get_trial(trial.id) == before and store.events() == events


def test_set_objective_keeps_nan_and_inf_apart_from_none(store, trial):
    assert store.get_trial(trial.id).objective is None
    for value in (0.5, math.inf, -math.inf):
        store.set_objective(trial.id, value)
        assert store.get_trial(trial.id).objective == value
    store.set_objective(trial.id, math.nan)
    assert math.isnan(store.get_trial(trial.id).objective)
    store.set_objective(trial.id, None)
    assert store.get_trial(trial.id).objective is None
    assert len(store.events(trial.id)) == 1, "an objective is no state change"
    with pytest.raises(NotFound):
        store.set_objective(999, 1.0)


def test_events_in_order_across_trials(store, study):
    a, b = store.add_trials([Trial(study.id, 0, {}), Trial(study.id, 1, {})])
    store.transition(b.id, S.STARTING)
    store.transition(a.id, S.KILLED, reason="cancelled")
    evs = store.events()
    assert [(e.trial_id, e.new) for e in evs] == [(a.id, S.QUEUED), (b.id, S.QUEUED), (b.id, S.STARTING),
                                                  (a.id, S.KILLED)]
    assert [e.id for e in evs] == sorted(e.id for e in evs)
    assert store.get_trial(a.id).ended_at is not None and store.get_trial(a.id).reason == "cancelled"


def test_one_store_per_thread(store):
    errors = []

    def use():
        try:
            store.rounds()
        except Exception as e:  # sqlite3.ProgrammingError
            errors.append(e)

    th = threading.Thread(target=use)
    th.start()
    th.join()
    assert errors and "thread" in str(errors[0])


def test_decide_adopts_closes_the_round_and_refuses_a_second_decision(store, round_) -> None:
    adopted = Baseline({"lr": 0.1}, objective=0.3, round_id=round_.id, note="better by 3 sd")
    decision = store.decide(Decision(round_.id, Verdict.ADOPT, "better by 3 sd", evidence={"p": 0.01}), adopted)
    (baseline,) = store.baselines()
    assert decision.baseline_id == baseline.id and baseline.config == {"lr": 0.1}
    assert store.get_round(round_.id).status is RoundStatus.CLOSED
    with pytest.raises(StoreError, match="closed already"):
        store.decide(Decision(round_.id, Verdict.REJECT, "second thoughts"))
    assert len(store.decisions(round_.id)) == 1 and len(store.baselines()) == 1


def test_decide_writes_nothing_when_a_part_fails(store, round_) -> None:
    bad = Decision(round_.id, Verdict.ADOPT, "x", candidate_trial_id=999_999)  # no such trial: FK refuses
    with pytest.raises(StoreError):
        store.decide(bad, Baseline({"lr": 0.1}, round_id=round_.id))
    assert store.baselines() == [] and store.decisions() == []
    assert store.get_round(round_.id).status is RoundStatus.OPEN

"""The store contract, part 3: what the runner and the analysis read and write in bulk.

Channel cursors committed with their rows (compare-and-set), every curve of a study in one
query, the first queued trials, and ``data_version`` change detection.
"""

from __future__ import annotations

import math

import pytest

from tuitune.domain import Round, Study, StoreError, Trial, TrialState
from tuitune.store import Store


@pytest.fixture
def trials(store, study):
    return store.add_trials([Trial(study.id, i, {}) for i in range(3)])


def test_cursor_commits_with_the_rows(store, trials):
    t = trials[0].id
    assert store.cursor(t, "report") == "" and store.cursors(t) == {}
    assert store.ingest(t, "report", 40, [(0, "loss", 1.0, 0.0)], cursor='{"offset":40}', after="") == 1
    assert store.cursor(t, "report") == '{"offset":40}' and store.offset(t, "report") == 40
    store.ingest(t, "csv", 9, [], cursor='{"offset":9}', after="")
    assert store.cursors(t) == {"report": '{"offset":40}', "csv": '{"offset":9}'}


def test_cursor_compare_and_set_refuses_a_stale_reader(store, trials):
    t = trials[0].id
    store.ingest(t, "report", 40, [(0, "loss", 1.0, 0.0)], cursor="A", after="")
    with pytest.raises(StoreError, match="no longer current"):
        store.ingest(t, "report", 80, [(1, "loss", 2.0, 0.0)], cursor="B", after="")
    assert store.cursor(t, "report") == "A" and store.curve(t, "loss") == [(0, 1.0, 0.0)]


def test_cursor_mode_lets_the_offset_move_back(store, trials):
    """A CSV file rewritten with a wider header is read again from its start."""
    t = trials[0].id
    store.ingest(t, "csv", 500, [], cursor="A", after="")
    store.ingest(t, "csv", 30, [(0, "acc", 0.5, 0.0)], cursor="B", after="A")
    assert (store.offset(t, "csv"), store.cursor(t, "csv")) == (30, "B")


def test_curves_of_a_study_in_one_answer(store, study, trials, space):
    a, b, c = (t.id for t in trials)
    store.add_measurements([(a, 2, "loss", 0.5, 2.0), (a, 0, "loss", 1.0, 0.0), (a, 1, "acc", math.nan, 1.0),
                            (b, 0, "loss", 3.0, 0.5)])
    other = store.add_study(Study("other", space), study.round_id)
    [o] = store.add_trials([Trial(other.id, 0, {})])
    store.add_measurements([(o.id, 0, "loss", 9.0, 0.0)])
    got = store.curves(study_id=study.id)
    assert set(got) == {a, b} and c not in got
    assert got[a]["loss"] == [(0, 1.0, 0.0), (2, 0.5, 2.0)] and got[b] == {"loss": [(0, 3.0, 0.5)]}
    assert math.isnan(got[a]["acc"][0][1])
    assert set(store.curves(round_id=study.round_id)) == {a, b, o.id}
    assert store.curves(study_id=study.id, names=["acc"]) == {a: {"acc": got[a]["acc"]}}
    assert store.curves(trial_ids=[b]) == {b: {"loss": [(0, 3.0, 0.5)]}}
    assert store.curves(names=[]) == {} and store.curves(round_id=999) == {}


def test_series_are_the_steps_and_values_of_curves(store, trials):
    a, b, c = (t.id for t in trials)
    store.add_measurements([(a, 2, "loss", 0.5, 2.0), (a, 0, "loss", 1.0, 0.0), (a, 1, "acc", math.nan, 1.0),
                            (b, 0, "loss", 3.0, 0.5)])
    got = store.series([a, b, c], ["loss", "acc"])
    assert set(got) == {(a, "loss"), (a, "acc"), (b, "loss")}  # curves without a point are left out
    assert got[(a, "loss")] == ((0, 2), (1.0, 0.5)) and got[(b, "loss")] == ((0,), (3.0,))
    assert got[(a, "acc")][0] == (1,) and math.isnan(got[(a, "acc")][1][0])
    assert store.series([], ["loss"]) == {} and store.series([a], []) == {}


def _as_dict(frame) -> dict:
    """A curves frame in the shape of ``Store.curves``, for comparing the two readers."""
    out: dict = {}
    for tid, name, step, value, wall in frame.itertuples(index=False):
        out.setdefault(tid, {}).setdefault(name, []).append((step, value, wall))
    return out


def test_curves_frame_reads_what_curves_reads(store, study, trials, space):
    a, b, c = (t.id for t in trials)
    store.add_measurements([(b, 1, "loss", 2.0, 1.5), (a, 2, "loss", 0.5, 2.0), (a, 0, "loss", 1.0, 0.0),
                            (a, 1, "acc", math.nan, 1.0), (b, 0, "acc", math.inf, 0.5), (b, 0, "loss", 3.0, 0.5)])
    other = store.add_study(Study("other", space), study.round_id)
    [o] = store.add_trials([Trial(other.id, 0, {})])
    store.add_measurements([(o.id, 0, "loss", 9.0, 0.0)])
    frame = store.curves_frame(study_id=study.id)
    assert list(frame.columns) == ["trial_id", "name", "step", "value", "wall_time"]
    assert [str(t) for t in frame.dtypes] == ["int64", "category", "int64", "float64", "float64"]
    assert list(zip(frame["trial_id"], frame["name"], frame["step"])) == [
        (a, "acc", 1), (a, "loss", 0), (a, "loss", 2), (b, "acc", 0), (b, "loss", 0), (b, "loss", 1)]
    assert math.isnan(frame["value"][0]) and frame["value"][3] == math.inf
    for scope in ({"study_id": study.id}, {"round_id": study.round_id}, {"study_id": study.id, "names": ["acc"]},
                  {"trial_ids": [b, o.id]}, {"names": ["loss", "nope"]}, {}):
        assert str(_as_dict(store.curves_frame(**scope))) == str(store.curves(**scope)), scope  # str: NaN != NaN
    no_time = store.curves_frame(study_id=study.id, wall_time=False)
    assert list(no_time.columns) == ["trial_id", "name", "step", "value"]
    assert no_time.equals(frame.drop(columns="wall_time"))
    for empty in ({"names": []}, {"trial_ids": [c]}, {"round_id": 999}):
        got = store.curves_frame(**empty)
        assert got.empty and list(got.columns) == ["trial_id", "name", "step", "value", "wall_time"]


def test_curves_feed_the_analysis(store, study, trials):
    from tuitune.analysis.curves import Curves

    store.add_measurements([(trials[0].id, s, "loss", 1.0 / (s + 1), float(s)) for s in range(5)])
    frame = Curves.of(store.curves(study_id=study.id)).frame
    assert list(frame["step"]) == list(range(5)) and set(frame["trial_id"]) == {trials[0].id}
    assert Curves.of(store.curves_frame(study_id=study.id)).frame.equals(frame)


def test_trials_limit_takes_the_first(store, study, trials):
    store.transition(trials[0].id, TrialState.STARTING)
    assert [t.id for t in store.trials(states=[TrialState.QUEUED], limit=1)] == [trials[1].id]
    assert store.trials(limit=0) == []


def test_data_version_sees_other_connections_only(tmp_path, space):
    path = tmp_path / "store.db"
    with Store.open(path) as writer, Store.open(path, readonly=True) as reader:
        r = writer.add_round(Round("g"))
        before, own = reader.data_version(), writer.data_version()
        writer.add_study(Study("s", space), r.id)
        assert reader.data_version() != before, "a reader sees another connection's commit"
        assert writer.data_version() == own, "a connection's own commits do not count"

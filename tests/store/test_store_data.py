"""The store contract, part 2: measurements, ingest offsets, commands, decisions, baselines,
and (file store only) read-only readers beside a writer."""

from __future__ import annotations

import math
import sqlite3

import pytest

from tuitune.domain import (
    Baseline, CommandKind, Decision, Measurement, NotFound, Round, StoreError, Study, Trial, Verdict,
)
from tuitune.store import Store


@pytest.fixture
def trials(store, study):
    return store.add_trials([Trial(study.id, i, {}) for i in range(3)])


# --- measurements -------------------------------------------------------------------------

def test_batch_accepts_measurements_and_tuples(store, trials):
    a, b = trials[0].id, trials[1].id
    n = store.add_measurements([Measurement(a, 0, "loss", 2.0, 10.0), (a, 1, "loss", 1.5, 11.0),
                                [b, 0, "loss", 3.0, 10.5]])
    assert n == 3
    assert store.curve(a, "loss") == [(0, 2.0, 10.0), (1, 1.5, 11.0)]
    assert store.curve(b, "loss") == [(0, 3.0, 10.5)]
    assert store.curve(a, "acc") == [] and store.curve(999, "loss") == []
    assert store.add_measurements([]) == 0
    assert store.add_measurements(iter([(a, 2, "loss", 1.0, 12.0)])) == 1


def test_curve_is_in_step_order_and_last_report_of_a_step_wins(store, trials):
    t = trials[0].id
    store.add_measurements([(t, s, "loss", float(s), 0.0) for s in (5, 1, 3)])
    store.add_measurements([(t, 3, "loss", 33.0, 1.0)])
    assert store.curve(t, "loss") == [(1, 1.0, 0.0), (3, 33.0, 1.0), (5, 5.0, 0.0)]


def test_nan_and_inf_round_trip(store, trials):
    t = trials[0].id
    values = [math.nan, math.inf, -math.inf, 0.0, -1e308, 5e-324]
    store.add_measurements([(t, i, "loss", v, 1.0) for i, v in enumerate(values)])
    got = [v for _, v, _ in store.curve(t, "loss")]
    assert math.isnan(got[0]) and got[1:] == values[1:]
    store.add_measurements([Measurement(t, 9, "loss", math.nan, 2.0), Measurement(t, 9, "acc", math.inf, 2.0)])
    latest = store.latest()[t]
    assert latest["loss"][0] == 9 and math.isnan(latest["loss"][1])
    assert latest["acc"] == (9, math.inf)


def test_latest_is_the_highest_step_whatever_the_order(store, trials):
    a, b, c = (t.id for t in trials)
    store.add_measurements([(a, 10, "loss", 1.0, 0.0), (a, 3, "loss", 9.0, 0.0), (a, 10, "acc", 0.5, 0.0),
                            (b, 1, "loss", 2.0, 0.0)])
    store.add_measurements([(a, 7, "loss", 7.0, 0.0)])            # an older step, later: ignored
    store.add_measurements([(b, 1, "loss", 2.5, 0.0), (b, 2, "loss", 2.2, 0.0), (b, 2, "loss", 2.1, 0.0)])
    assert store.latest() == {a: {"loss": (10, 1.0), "acc": (10, 0.5)}, b: {"loss": (2, 2.1)}}
    assert c not in store.latest()
    assert store.metric_names() == ["acc", "loss"]


def test_latest_and_metric_names_by_study_and_round(store, study, space):
    other_round = store.add_round(Round("r2"))
    other = store.add_study(Study("other", space), other_round.id)
    t1 = store.add_trials([Trial(study.id, 0, {})])[0].id
    t2 = store.add_trials([Trial(other.id, 0, {})])[0].id
    store.add_measurements([(t1, 0, "loss", 1.0, 0.0), (t2, 0, "acc", 0.1, 0.0)])
    assert store.latest(study_id=study.id) == {t1: {"loss": (0, 1.0)}}
    assert store.latest(round_id=other_round.id) == {t2: {"acc": (0, 0.1)}}
    assert store.latest(study_id=other.id, round_id=study.round_id) == {}
    assert store.metric_names(study_id=other.id) == ["acc"]
    assert store.metric_names(round_id=study.round_id) == ["loss"]
    assert store.metric_names() == ["acc", "loss"]


def test_measurement_of_unknown_trial_writes_nothing(store, trials):
    t = trials[0].id
    with pytest.raises(StoreError, match="FOREIGN KEY"):
        store.add_measurements([(t, 0, "loss", 1.0, 0.0), (999, 0, "loss", 1.0, 0.0)])
    assert store.curve(t, "loss") == [] and store.latest() == {}


# --- ingest -------------------------------------------------------------------------------

def test_ingest_advances_offset_with_rows(store, trials):
    t = trials[0].id
    assert store.offset(t, "metrics.jsonl") == 0
    assert store.ingest(t, "metrics.jsonl", 120, [(0, "loss", 1.0, 0.0), (1, "loss", 0.9, 0.0)]) == 2
    assert store.offset(t, "metrics.jsonl") == 120
    assert store.offset(t, "stdout") == 0, "offsets are per source"
    assert store.ingest(t, "metrics.jsonl", 130, []) == 0, "a partial line advances nothing but may be 0 rows"
    assert store.offset(t, "metrics.jsonl") == 130
    assert store.ingest(t, "stdout", 5, [(0, "acc", 0.1, 0.0)]) == 1
    assert (store.offset(t, "stdout"), store.offset(t, "metrics.jsonl")) == (5, 130)
    assert store.latest()[t] == {"loss": (1, 0.9), "acc": (0, 0.1)}


def test_ingest_keeps_latest_at_the_highest_step(store, trials):
    """A trial resumed from a checkpoint re-reports older steps: the last report of a step wins
    in the curve, while ``latest`` stays at the highest step, within a batch and across them."""
    t = trials[0].id
    store.ingest(t, "m", 10, [(s, "loss", float(s), 0.0) for s in range(5)] + [(2, "loss", 22.0, 1.0)])
    assert store.latest()[t] == {"loss": (4, 4.0)}
    store.ingest(t, "m", 20, [(3, "loss", 33.0, 1.0), (4, "loss", 44.0, 1.0), (1, "acc", 0.5, 1.0)])
    assert store.latest()[t] == {"loss": (4, 44.0), "acc": (1, 0.5)}
    assert [v for _, v, _ in store.curve(t, "loss")] == [0.0, 1.0, 22.0, 33.0, 44.0]


def test_big_batches_keep_order_and_refuse_misshapen_rows(store, trials):
    """Batches longer than one statement's rows (measurements.PER_STATEMENT): re-reported steps
    inside a statement and across statements still end with the last report."""
    t = trials[0].id
    points = [(s % 70, "loss", float(s), 0.0) for s in range(180)]
    assert store.ingest(t, "m", 10, points) == 180
    assert [v for _, v, _ in store.curve(t, "loss")] == [float(s) for s in (*range(140, 180), *range(110, 140))]
    assert store.latest()[t] == {"loss": (69, 139.0)}
    with pytest.raises(sqlite3.ProgrammingError, match="needs 4 values"):  # not shifted into its neighbours
        store.ingest(t, "m", 20, [(1, "loss", 1.0, 0.0)] * 60 + [(2, "loss", 1.0)] + [(3, "loss", 1.0, 0.0, 9.0)])
    rows = [(t, s, "acc", float(s), 0.0) for s in range(120)] + [(t, 5, "acc", -1.0, 0.0)]
    assert store.add_measurements(rows) == 121 and store.curve(t, "acc")[5] == (5, -1.0, 0.0)
    assert store.offset(t, "m") == 10


def test_ingest_is_all_or_nothing(store, trials):
    t = trials[0].id
    store.ingest(t, "m", 10, [(0, "loss", 1.0, 0.0)])
    with pytest.raises(StoreError, match="back from 10 to 5"):
        store.ingest(t, "m", 5, [(1, "loss", 1.0, 0.0)])
    with pytest.raises(StoreError):  # no trial 999: its rows and its cursor are both refused
        store.ingest(999, "m", 20, [(1, "loss", 1.0, 0.0)])
    with pytest.raises(StoreError):  # a row without a metric name, after a good one: neither is kept
        store.ingest(t, "m", 20, [(1, "loss", 1.0, 0.0), (2, None, 1.0, 0.0)])
    with pytest.raises(sqlite3.ProgrammingError):  # a malformed row: wrong number of fields
        store.ingest(t, "m", 20, [(1, "loss", 1.0, 0.0), (2, "loss")])
    assert store.offset(t, "m") == 10 and store.curve(t, "loss") == [(0, 1.0, 0.0)]


# --- commands -----------------------------------------------------------------------------

def test_commands_queue_and_complete(store):
    assert store.pending_commands() == []
    stop = store.add_command(CommandKind.STOP, {"trial_ids": [1, 2], "reason": "user", "force": True})
    queue = store.add_command("queue")
    assert stop.id is not None and stop.created_at is not None and not stop.done
    assert stop.payload == {"trial_ids": [1, 2], "reason": "user", "force": True}
    assert queue.payload == {} and queue.kind is CommandKind.QUEUE
    assert store.pending_commands() == [stop, queue]
    assert store.complete_command(stop.id, "stopped 2 trials") is True
    assert store.pending_commands() == [queue]
    done = store.get_command(stop.id)
    assert done.done and done.result == "stopped 2 trials"
    assert store.complete_command(stop.id, "again") is False
    assert store.get_command(stop.id).result == "stopped 2 trials"
    assert [c.id for c in store.commands()] == [stop.id, queue.id]
    with pytest.raises(NotFound):
        store.complete_command(999)
    with pytest.raises(ValueError):
        store.add_command("explode")


# --- decisions and baselines ----------------------------------------------------------------

def test_decisions(store, round_, trials):
    other = store.add_round(Round("other"))
    base = store.add_baseline(Baseline({"lr": 0.1}))
    d = store.add_decision(Decision(round_.id, Verdict.ADOPT, "adam wins on 5 seeds",
                                    candidate_trial_id=trials[0].id, baseline_id=base.id,
                                    evidence={"mean": [0.31, 0.35], "p": 0.01, "seeds": 5}))
    assert d.id is not None and d.created_at is not None
    store.add_decision(Decision(other.id, Verdict.REJECT, "no"))
    assert store.decisions(round_.id) == [d]
    assert [x.verdict for x in store.decisions()] == [Verdict.ADOPT, Verdict.REJECT]
    assert d.evidence == {"mean": [0.31, 0.35], "p": 0.01, "seeds": 5}
    with pytest.raises(StoreError):
        store.add_decision(Decision(999, Verdict.REJECT, "no round"))


def test_baselines(store, round_, trials):
    assert store.current_baseline() is None and store.baselines() == []
    first = store.add_baseline(Baseline({"lr": 0.1, "nesterov": True, "layers": 1}, note="initial"))
    second = store.add_baseline(Baseline({"lr": 0.05}, objective=0.3, round_id=round_.id,
                                         trial_id=trials[0].id))
    assert store.baselines() == [first, second] and store.current_baseline() == second
    assert [type(v) for v in first.config.values()] == [float, bool, int]
    nan = store.add_baseline(Baseline({}, objective=math.nan))
    assert math.isnan(store.current_baseline().objective) and nan.id == store.current_baseline().id


# --- readers beside a writer (file store) ---------------------------------------------------

def test_readonly_reader_sees_commits_and_cannot_write(tmp_path, space):
    path = tmp_path / "store.db"
    with Store.open(path) as writer:
        r = writer.add_round(Round("g"))
        s = writer.add_study(Study("s", space), r.id)
        [t] = writer.add_trials([Trial(s.id, 0, {})])
        reader = Store.open(path, readonly=True)
        assert reader.readonly and reader.get_trial(t.id) == t
        writer.transition(t.id, "starting")
        writer.add_measurements([(t.id, 0, "loss", 1.0, 0.0)])
        assert reader.get_trial(t.id).state == "starting" and reader.latest() == {t.id: {"loss": (0, 1.0)}}
        with pytest.raises(StoreError, match="read-only"):
            reader.add_round(Round("x"))
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.conn.execute("DELETE FROM rounds")
        reader.close()
    with Store.open(path, readonly=True) as later:  # after the writer closed (no -wal/-shm left)
        assert later.get_trial(t.id).state == "starting" and later.curve(t.id, "loss") == [(0, 1.0, 0.0)]


def test_readonly_needs_an_existing_store(tmp_path):
    with pytest.raises(StoreError, match="no store at"):
        Store.open(tmp_path / "missing.db", readonly=True)
    assert not (tmp_path / "missing.db").exists()


def test_not_a_database(tmp_path):
    bad = tmp_path / "store.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a readable tuitune store"):
        Store.open(bad)

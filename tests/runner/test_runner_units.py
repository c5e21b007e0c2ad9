"""The runner's pure parts and its ingest without processes: divergence, the objective so far,
passed parameters, exactly-once ingest across simulated restarts, the overview's counting."""

from __future__ import annotations

import math

import pytest

from tuitune.domain import (
    Condition, DivergenceRule, Hyperparameter, Objective, ParamType, Role, Round, SearchSpace, StoreError, Study,
    Trial, TrialState,
)
from tuitune.domain.objective import Aggregate, Direction
from tuitune.runner.channels import channels_for
from tuitune.runner.divergence import ObjectiveSoFar, diverged
from tuitune.runner.feed import TrialFeed
from tuitune.runner.lifecycle import passed_params
from tuitune.runner.overview import study_line
from tuitune.store import Store

LOSS = Objective("val_loss")
REPORTS = """python -c "print('@tuitune {\\"val_loss\\": 0.5}')" """
"""A command that reports its objective once and exits 0."""


@pytest.mark.parametrize(("points", "rule", "reason"), [
    ([(0, "val_loss", 1.0), (1, "val_loss", math.nan)], DivergenceRule(), "NaN in val_loss at step 1"),
    ([(4, "val_loss", math.inf)], DivergenceRule(), "inf in val_loss at step 4"),
    ([(2, "train_loss", -math.inf)], DivergenceRule(("train_loss",)), "-inf in train_loss at step 2"),
    ([(2, "train_loss", math.nan)], DivergenceRule(), None),  # not watched
    ([(7, "train_loss", 2e3)], DivergenceRule(("train_loss",), above=1e3), "train_loss = 2000 above 1000 at step 7"),
    ([(7, "acc", -1.0)], DivergenceRule(("acc",), below=0.0), "acc = -1 below 0 at step 7"),
    ([(7, "val_loss", 2e3)], DivergenceRule(("train_loss",), above=1e3), None),  # thresholds: named metrics only
])
def test_divergence(points, rule, reason) -> None:
    assert diverged(points, LOSS, rule) == reason


def test_objective_so_far_best_final_and_direction() -> None:
    best = ObjectiveSoFar(LOSS, [(0, 3.0), (1, 2.0)])
    assert best.value == 2.0
    assert best.add([(2, math.nan)]) is False and best.value == 2.0
    assert best.add([(3, 1.0)]) is True and best.value == 1.0
    assert best.add([]) is False
    final = ObjectiveSoFar(Objective("acc", Direction.MAXIMIZE, Aggregate.FINAL))
    assert final.add([(5, 0.5), (2, 0.9)]) and final.value == 0.5, "the value at the highest step"
    assert final.add([(5, 0.6)]) and final.value == 0.6, "a re-reported step replaces the earlier one"
    high = ObjectiveSoFar(Objective("acc", Direction.MAXIMIZE), [(0, 0.2), (1, 0.7), (2, 0.5)])
    assert high.value == 0.7
    nan = ObjectiveSoFar(LOSS, [(0, math.nan)])
    assert math.isnan(nan.value) and nan.add([(1, math.nan)]) is False


def test_passed_params_use_names_the_seed_and_know_inactive_ones() -> None:
    space = SearchSpace((
        Hyperparameter("opt", ParamType.CATEGORICAL, Role.SCIENTIFIC, values=("sgd", "adam")),
        Hyperparameter("lr_sgd", ParamType.FLOAT, name="lr", low=0.1, high=1.0, when=(Condition("opt", ("sgd",)),)),
        Hyperparameter("lr_adam", ParamType.FLOAT, name="lr", low=1e-4, high=1e-2, when=(Condition("opt", ("adam",)),)),
        Hyperparameter("mom", ParamType.FLOAT, low=0.0, high=0.9, when=(Condition("opt", ("sgd",)),)),
        Hyperparameter("seed", ParamType.INT, Role.FIXED, value=0),
    ))
    study = Study("s", space, repeats=2, seed_param="seed")
    named, inactive = passed_params(study, Trial(1, 0, {"opt": "adam", "lr_adam": 0.001, "seed": 0}, seed=1234))
    assert named == {"opt": "adam", "lr": 0.001, "seed": 1234} and list(named) == ["opt", "lr", "seed"]
    assert inactive == {"mom"}, "lr is active under another id"


@pytest.fixture
def fed(tmp_path):
    """A stored trial and its files: (store, trial id, trial dir)."""
    store = Store.open(tmp_path / "store.db")
    rnd = store.add_round(Round("g"))
    study = store.add_study(Study("s", SearchSpace((Hyperparameter("x", ParamType.FLOAT, low=0, high=1),))), rnd.id)
    [trial] = store.add_trials([Trial(study.id, 0, {"x": 0.5})])
    folder = tmp_path / "trial"
    folder.mkdir()
    yield store, trial.id, folder
    store.close()


def _feed(store, tid, folder, rule=DivergenceRule(("train_loss",), above=100.0)) -> TrialFeed:
    return TrialFeed(store, tid, channels_for(True, (), None, folder, folder), LOSS, rule)


def test_ingest_resumes_from_the_committed_cursor_exactly_once(fed) -> None:
    store, tid, folder = fed
    metrics, stdout = folder / "metrics.jsonl", folder / "stdout.log"
    metrics.write_text("".join(f'{{"step": {s}, "val_loss": {1 / (s + 1)}}}\n' for s in range(5)) + '{"step": 5, "va')
    stdout.write_text("hello\n@tuitune {\"acc\": 0.1}\n@tuitune {\"acc\": 0.2}\n")
    feed = _feed(store, tid, folder)
    assert feed.pump() == (7, False) and feed.objective.value == 0.2
    assert store.get_trial(tid).objective == 0.2
    # the "runner" dies; the trial goes on writing; a new feed resumes from the store's cursors
    with open(metrics, "a") as f:
        f.write('l_loss": 0.1}\n')
    with open(stdout, "a") as f:
        f.write("@tuitune {\"acc\": 0.3}\n")
    again = _feed(store, tid, folder)
    assert again.objective.value == 0.2, "re-seeded from the store"
    assert again.drain() == 2 and again.objective.value == 0.1
    assert [(s, v) for s, v, _ in store.curve(tid, "acc")] == [(0, 0.1), (1, 0.2), (2, 0.3)]
    assert [s for s, _, _ in store.curve(tid, "val_loss")] == list(range(6))
    assert again.pump() == (0, False)


def test_a_stale_feed_cannot_ingest_twice(fed) -> None:
    store, tid, folder = fed
    (folder / "metrics.jsonl").write_text('{"step": 0, "val_loss": 1.0}\n')
    first, second = _feed(store, tid, folder), _feed(store, tid, folder)
    first.pump()
    with pytest.raises(StoreError, match="no longer current"):
        second.pump()
    assert store.curve(tid, "val_loss")[0][:2] == (0, 1.0) and len(store.curve(tid, "val_loss")) == 1


def test_divergence_committed_before_a_crash_is_seen_by_the_next_feed(fed) -> None:
    store, tid, folder = fed
    (folder / "metrics.jsonl").write_text('{"step": 0, "train_loss": 500.0}\n')
    assert _feed(store, tid, folder).pump()[0] == 1
    assert _feed(store, tid, folder).diverged == "train_loss = 500 above 100 at step 0"


def test_study_line_counts_a_retried_trial_once() -> None:
    study = Study("s", SearchSpace((Hyperparameter("x", ParamType.FLOAT, low=0, high=1),
                                    Hyperparameter("b", ParamType.INT, Role.FIXED, value=3))), id=1)
    trials = [Trial(1, 0, {"x": 0.1, "b": 3}, id=1, state=TrialState.LOST),
              Trial(1, 0, {"x": 0.1, "b": 3}, id=2, state=TrialState.COMPLETED, retry_of=1, objective=0.5,
                    started_at=10.0, ended_at=12.0),
              Trial(1, 1, {"x": 0.2, "b": 3}, id=3, state=TrialState.INFEASIBLE, objective=0.1),
              Trial(1, 2, {"x": 0.3, "b": 3}, id=4, state=TrialState.FAILED, objective=0.7),
              Trial(1, 3, {"x": 0.4, "b": 3}, id=5, state=TrialState.RUNNING, started_at=95.0, gpus=("1",)),
              Trial(1, 4, {"x": 0.5, "b": 3}, id=6)]
    line = study_line(study, trials, {5: {"val_loss": (3, 0.9), "acc": (4, 0.1)}}, LOSS, now=100.0)
    assert (line.total, line.done, line.running, line.queued, line.failed) == (5, 3, 1, 1, 1)
    assert (line.best, line.best_trial) == (0.5, 2), "a diverged trial is never the best"
    running = line.trials[3]
    assert (running.id, running.step, running.metrics, running.runtime, running.gpus) == (
        5, 4, {"acc": 0.1, "val_loss": 0.9}, 5.0, ["1"])
    assert line.trials[0].params == {"x": 0.1} and line.trials[0].runtime == 2.0


def test_junk_lines_ingest_without_error(fed) -> None:
    store, tid, folder = fed
    (folder / "metrics.jsonl").write_bytes(
        b'{"_time": ' + b"1" * 400 + b', "val_loss": 2}\n{"step": 9223372036854775807, "val_loss": 1}\n'
        b'{"val_loss": 0.5}\n{"step": 5, "\\ud800": 1, "val_loss": 0.25}\n')
    feed = _feed(store, tid, folder)
    assert feed.drain() == 3 and feed.garbage == 2
    assert [s for s, _, _ in store.curve(tid, "val_loss")] == [0, 5, 2**63 - 1]


def _running(store, tid, folder, project=None):
    """A Lifecycle holding the stored trial ``tid`` as running, with no shim (the test plays it)."""
    from tuitune.domain import Project
    from tuitune.runner.executor import Handle, LocalExecutor
    from tuitune.runner.gpus import GpuPool
    from tuitune.runner.lifecycle import Active, Lifecycle
    from tuitune.runner.lock import RunnerPaths

    store.transition(tid, TrialState.STARTING, reason="starting")
    trial = store.transition(tid, TrialState.RUNNING, reason="running")
    executor = LocalExecutor(1, 0, GpuPool([]), grace=1.0)
    executor.held = 1
    life = Lifecycle(store, project or Project("true"), RunnerPaths(folder.parent), executor)
    active = life.active[tid] = Active(trial, Handle(tid, folder, (), ()), _feed(store, tid, folder))
    return life, active


def _exited(folder, code: int = 0) -> None:
    import time

    from tuitune.runner.trialdir import atomic_write_json

    atomic_write_json(folder / "exit.json", {"exit_code": code, "signal": None, "pid": None, "shim_pid": None,
                                             "started_at": time.time(), "ended_at": time.time(),
                                             "forwarded": None, "error": None})


def _until_finished(tick, life, tid) -> None:
    import time

    deadline = time.monotonic() + 10
    while tid in life.active:
        assert time.monotonic() < deadline, "the trial never finished"
        tick()
        time.sleep(0.01)


def test_a_stop_or_timeout_after_exit_json_leaves_the_trial_to_finish_by_its_code(fed) -> None:
    import time

    from tuitune.domain import Project
    from tuitune.runner.trialdir import read_ending

    store, tid, folder = fed
    life, active = _running(store, tid, folder, Project("true", timeout=0.001))
    active.feed.objective.add([(0, 0.5)])  # it reported its objective
    _exited(folder)
    assert life.stop(tid, "stop requested") == "already ended"
    assert read_ending(folder) is None and store.get_trial(tid).state is TrialState.RUNNING
    _until_finished(lambda: life.step(active, time.time()), life, tid)  # the timeout is long past, too
    t = store.get_trial(tid)
    assert (t.state, t.reason) == (TrialState.COMPLETED, "exit 0")


def test_write_ending_upgrades_a_verdict_that_let_the_trial_run_on(tmp_path) -> None:
    from tuitune.runner.trialdir import read_ending, write_ending

    first = write_ending(tmp_path, "infeasible", "NaN in val_loss at step 3", stop=False)
    assert first == {"state": "infeasible", "reason": "NaN in val_loss at step 3", "stop": False}
    assert write_ending(tmp_path, "killed", "stop requested", stop=False) == first, "the first verdict stands"
    upgraded = write_ending(tmp_path, "killed", "stop requested", stop=True)
    assert upgraded == {**first, "stop": True} and read_ending(tmp_path) == upgraded
    assert write_ending(tmp_path, "failed", "x", stop=True) == upgraded


def test_the_daemon_survives_a_trial_whose_ingest_keeps_failing_and_fails_it(fed) -> None:
    from tuitune.runner.daemon import FAILURES, Daemon

    store, tid, folder = fed
    life, active = _running(store, tid, folder)

    def boom(*_a, **_k):
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    active.feed.pump = boom
    _exited(folder, 0)
    daemon = Daemon(store, life)
    for _ in range(FAILURES - 1):
        daemon.tick()
    assert tid in life.active and store.get_trial(tid).state is TrialState.RUNNING, "a few failures are retried"
    _until_finished(daemon.tick, life, tid)
    t = store.get_trial(tid)
    assert t.state is TrialState.FAILED
    assert t.reason == "cannot ingest its metrics: OverflowError: Python int too large to convert to SQLite INTEGER"


def test_a_requeue_command_replayed_after_a_crash_queues_once(fed) -> None:
    """The runner may die between queueing the retry and marking the command done; the replayed
    command must find its retry, not queue a second one (but another request queues another)."""
    from tuitune.domain import Project
    from tuitune.runner.executor import LocalExecutor
    from tuitune.runner.gpus import GpuPool
    from tuitune.runner.lifecycle import Lifecycle
    from tuitune.runner.lock import RunnerPaths

    store, tid, folder = fed
    store.transition(tid, TrialState.KILLED, reason="stopped")
    life = Lifecycle(store, Project("true"), RunnerPaths(folder.parent), LocalExecutor(1, 0, GpuPool([]), grace=1.0))
    first = life.requeue(tid, "requeued", request=7)
    again = life.requeue(tid, "requeued", request=7)  # request 7 replayed after a crash
    assert first == again
    assert [t.retry_of for t in store.trials()].count(tid) == 1
    assert life.requeue(tid, "requeued", request=8) != first, "another request queues anew"
    assert [t.retry_of for t in store.trials()].count(tid) == 2


def test_a_trial_that_exits_0_without_its_objective_failed(fed) -> None:
    import time

    from tuitune.domain import Project

    store, tid, folder = fed
    life, active = _running(store, tid, folder, Project("true"))
    _exited(folder)
    _until_finished(lambda: life.step(active, time.time()), life, tid)
    t = store.get_trial(tid)
    assert t.state is TrialState.FAILED and t.reason.startswith("exit 0, but it never reported val_loss")


def test_a_launched_trial_is_watched_even_when_the_store_refuses_running(fed, monkeypatch) -> None:
    """The shim runs once launched: a store locked at that moment must not leave it unwatched in
    STARTING, holding its slot, until the next runner."""
    import time

    from tuitune.domain import Project
    from tuitune.runner.executor import LocalExecutor
    from tuitune.runner.gpus import GpuPool
    from tuitune.runner.lifecycle import Lifecycle
    from tuitune.runner.lock import RunnerPaths

    store, tid, folder = fed
    executor = LocalExecutor(1, 0, GpuPool([]), grace=1.0)
    life = Lifecycle(store, Project(REPORTS), RunnerPaths(folder.parent), executor)
    transition, refusals = store.transition, []

    def locked_once(trial_id, new_state, **kw):
        if new_state is TrialState.RUNNING and not refusals:
            refusals.append(trial_id)
            raise StoreError("the store stayed locked by another process for 10 s")
        return transition(trial_id, new_state, **kw)

    monkeypatch.setattr(store, "transition", locked_once)
    executor.claim()
    with pytest.raises(StoreError):
        life.launch(store.get_trial(tid), ())
    assert tid in life.active and store.get_trial(tid).state is TrialState.STARTING
    _until_finished(lambda: life.step(life.active[tid], time.time()), life, tid)
    t = store.get_trial(tid)
    assert (t.state, t.exit_code) == (TrialState.COMPLETED, 0) and t.pid is not None
    assert executor.held == 0, "the slot is free again"


def _lifecycle(store, folder, command: str):
    from tuitune.domain import Project
    from tuitune.runner.executor import LocalExecutor
    from tuitune.runner.gpus import GpuPool
    from tuitune.runner.lifecycle import Lifecycle
    from tuitune.runner.lock import RunnerPaths

    return Lifecycle(store, Project(command), RunnerPaths(folder.parent), LocalExecutor(1, 0, GpuPool([]), grace=1.0))


def _refuse_once(store, monkeypatch, *states: TrialState) -> None:
    """The store refuses the first write into each of ``states`` (locked by another process too long)."""
    transition, refused = store.transition, set()

    def locked(trial_id, new_state, **kw):
        if new_state in states and new_state not in refused:
            refused.add(new_state)
            raise StoreError("the store stayed locked by another process for 10 s")
        return transition(trial_id, new_state, **kw)

    monkeypatch.setattr(store, "transition", locked)


def _steps(life, tid) -> None:
    """Step one trial until it is finished, as the daemon's tick does (a refusal: try again)."""
    import time

    deadline = time.monotonic() + 10
    while tid in life.active:
        assert time.monotonic() < deadline, "the trial never finished"
        try:
            life.step(life.active[tid], time.time())
        except StoreError:
            pass
        time.sleep(0.01)


def test_a_refused_starting_write_frees_the_slot_and_the_trial_starts_later(fed, monkeypatch) -> None:
    import time

    from tuitune.runner.daemon import Daemon

    store, tid, folder = fed
    life = _lifecycle(store, folder, REPORTS)
    _refuse_once(store, monkeypatch, TrialState.STARTING)
    daemon = Daemon(store, life)
    with pytest.raises(StoreError):
        daemon.tick()
    assert store.get_trial(tid).state is TrialState.QUEUED and life.executor.held == 0, "the slot is free again"
    deadline = time.monotonic() + 10
    while store.get_trial(tid).state is not TrialState.COMPLETED:
        assert time.monotonic() < deadline, "the trial never ran"
        daemon.tick()
        time.sleep(0.01)


def test_a_trial_that_ends_before_its_running_write_keeps_its_real_start(fed, monkeypatch) -> None:
    """RUNNING refused at launch, the shim done before the next step, then the terminal write
    refused once: the trial still completes, with the start time of its run and its pid."""
    import time

    from tuitune.runner.trialdir import read_exit

    store, tid, folder = fed
    life = _lifecycle(store, folder, REPORTS)
    _refuse_once(store, monkeypatch, TrialState.RUNNING, TrialState.COMPLETED)
    life.executor.claim()
    with pytest.raises(StoreError):
        life.launch(store.get_trial(tid), ())
    deadline = time.monotonic() + 10
    while read_exit(life.active[tid].handle.trial_dir) is None:
        assert time.monotonic() < deadline, "the shim never ended"
        time.sleep(0.02)
    _steps(life, tid)
    t = store.get_trial(tid)
    assert t.state is TrialState.COMPLETED and t.pid is not None and t.started_at <= t.ended_at
    assert "written late" in [e.reason for e in store.events(tid) if e.new is TrialState.RUNNING][0]
    assert life.executor.held == 0


def test_a_refused_stopping_write_is_retried_and_the_trial_stopped(fed, monkeypatch) -> None:
    store, tid, folder = fed
    life = _lifecycle(store, folder, "python -c 'import time; time.sleep(60)'")
    life.executor.claim()
    life.launch(store.get_trial(tid), ())
    _refuse_once(store, monkeypatch, TrialState.STOPPING)
    with pytest.raises(StoreError):
        life.stop(tid, "stopped by the user")
    _steps(life, tid)
    t = store.get_trial(tid)
    assert (t.state, t.reason) == (TrialState.KILLED, "stopped by the user")


def test_a_large_runner_log_is_rotated_before_a_runner_starts(tmp_path) -> None:
    from tuitune.runner.control import rotate_log

    log = tmp_path / "runner.log"
    assert rotate_log(log, limit=10) is False  # no log yet
    log.write_text("small\n")
    assert rotate_log(log, limit=10) is False and log.read_text() == "small\n"
    log.write_text("x" * 11)
    (tmp_path / "runner.log.1").write_text("older")
    assert rotate_log(log, limit=10) is True
    assert not log.exists() and (tmp_path / "runner.log.1").read_text() == "x" * 11

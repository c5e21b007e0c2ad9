"""Crash safety with real processes: kill -9 of the runner, of a shim, stale pids, hangups.

The acceptance tests of the runner's design: trials outlive the runner, a restarted runner
re-adopts them or finishes them from ``exit.json``, measurements are ingested exactly once
(the rows in the store equal the lines of the trial's files), no GPU is ever shared, and a pid
that now belongs to another process is never signalled.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from runner_lab import assert_no_gpu_shared, file_rows, store_rows, wait_ready
from tuitune.domain import TRANSITIONS, TrialState
from tuitune.runner import procs
from tuitune.runner.lock import running

KILLS = 12


@pytest.mark.slow
def test_kill_9_of_the_runner_at_random_moments_loses_and_repeats_nothing(lab) -> None:
    lb = lab(trainer_args="--steps 25 --sleep 0.03", trials=8)
    rng = random.Random(4)
    lb.start()
    lb.queue()
    for _ in range(KILLS):
        time.sleep(rng.uniform(0.0, 0.6))
        lb.kill_runner()
        time.sleep(rng.uniform(0.0, 0.2))
        lb.start()
    trials = lb.wait_done(timeout=60)
    with lb.store() as store:
        assert store.integrity_check() == "ok"
        by_point = {}
        for t in trials:
            by_point.setdefault(t.index, []).append(t)
            chain = store.events(t.id)
            assert chain[-1].new is t.state and all(e.new in TRANSITIONS[e.old] for e in chain[1:])
            if lb.trial_dir(t).exists():
                assert store_rows(store, t.id) == file_rows(lb.trial_dir(t)), f"trial {t.id}: rows != lines"
        for index, attempts in by_point.items():
            *earlier, last = attempts
            assert last.state is TrialState.COMPLETED, (index, [(t.state, t.reason) for t in attempts])
            assert len(store_rows(store, last.id)) == 75
            # an earlier attempt can only be one the runner lost while starting it, retried for free
            assert all(t.state is TrialState.LOST and "nothing ran" in t.reason for t in earlier)
    assert_no_gpu_shared(lb, [t for t in trials if (lb.trial_dir(t) / "life.json").exists()])


@pytest.mark.slow
def test_a_trial_printing_heavily_outlives_the_runner(lab, wait_for) -> None:
    lb = lab(trainer_args="--steps 60 --sleep 0.05 --flood", trials=1)
    lb.start()
    [t] = lb.queue()
    wait_ready(lb, t)
    time.sleep(0.3)
    lb.kill_runner()
    exit_file = lb.trial_dir(t) / "exit.json"
    end = json.loads(wait_for(lambda: exit_file.exists() and exit_file.read_text(), what="the trial to end"))
    assert (end["exit_code"], end["signal"]) == (0, None), "no broken pipe: output goes to files"
    assert lb.trials()[0].state is TrialState.RUNNING
    lb.start()
    t = lb.wait_state(t.id, TrialState.COMPLETED)
    assert store_rows(lb.store(), t.id) == file_rows(lb.trial_dir(t))


def test_a_stale_pid_of_an_unrelated_process_is_lost_and_left_alone(lab) -> None:
    lb = lab(trials=1)
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        [t] = lb.queue_only()
        with lb.writer() as store:
            store.transition(t.id, TrialState.STARTING, gpus=("0",))
            store.transition(t.id, TrialState.RUNNING, pid=stranger.pid, pid_started=time.time() - 3600)
        lb.start()
        t = lb.wait_state(t.id, TrialState.LOST)
        assert "vanished without writing exit.json" in t.reason
        time.sleep(0.3)
        assert stranger.poll() is None, "the process now holding the pid was signalled"
    finally:
        stranger.kill()
        stranger.wait()


def test_a_trial_the_runner_died_starting_is_retried(lab) -> None:
    lb = lab(trainer_args="--steps 2", trials=1)
    [t] = lb.queue_only()
    with lb.writer() as store:
        store.transition(t.id, TrialState.STARTING, gpus=("1",))
    lb.start()
    lost, again = lb.wait_done()
    assert lost.state is TrialState.LOST and lost.reason == "the runner stopped while starting it; nothing ran"
    assert again.retry_of == lost.id and again.state is TrialState.COMPLETED


@pytest.mark.slow
def test_lost_trials_are_retried_up_to_max_retries(lab) -> None:
    lb = lab(trainer_args="--steps 1000 --sleep 0.05", trials=1, max_retries=1)
    lb.start()
    [first] = lb.queue()
    for _ in range(2):
        attempt = lb.wait_state(max(t.id for t in lb.trials()), TrialState.RUNNING)
        wait_ready(lb, attempt)
        trainer = procs.find(marker=("TUITUNE_TRIAL_DIR", str(lb.trial_dir(attempt))))
        assert procs.send(attempt.pid, attempt.pid_started, signal.SIGKILL)  # the shim dies, its trainer lives on
        lb.wait_state(attempt.id, TrialState.LOST)
        assert trainer and not any(procs.alive(*p) for p in trainer), "leftovers are stopped before the GPU is freed"
    lost, retried = lb.wait_done()
    assert (lost.id, retried.retry_of) == (first.id, first.id)
    assert retried.state is TrialState.LOST and "vanished" in retried.reason
    assert lb.store().get_trial(retried.id).reason.startswith("its processes vanished")
    assert [e.reason for e in lb.store().events(retried.id)][0] == f"retry of trial {first.id} (lost, attempt 2 of 2)"


@pytest.mark.slow
def test_a_stop_survives_a_runner_restart(lab) -> None:
    lb = lab(trainer_args="--steps 1000 --sleep 0.05 --on-term ignore", trials=1)
    lb.start(grace=30)
    [t] = lb.queue()
    wait_ready(lb, t)
    assert lb.cli("stop", str(t.id)) == 0
    lb.wait_state(t.id, TrialState.STOPPING)
    lb.kill_runner()
    lb.start(grace=0.5)
    t = lb.wait_state(t.id, TrialState.KILLED)
    assert t.reason == "stop requested"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_study_started_in_tmux_outlives_the_tmux_session(lab, wait_for) -> None:
    lb = lab(trainer_args="--steps 400 --sleep 0.05", trials=2)
    socket = f"tuitune-test-{time.monotonic_ns()}"
    command = f"{sys.executable} -m tuitune -C {lb.folder} run s"
    subprocess.run(["tmux", "-L", socket, "new-session", "-d", "-s", "study", command], check=True, timeout=30)
    try:
        wait_for(lambda: (ts := lb.trials()) and all(t.state is TrialState.RUNNING for t in ts), 20,
                 "the trials to run")
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], timeout=30)
    runner = running(lb.paths)
    assert runner is not None
    shown = subprocess.run([sys.executable, "-m", "tuitune", "status"], cwd=lb.folder, capture_output=True,
                           text=True, timeout=30, stdin=subprocess.DEVNULL, start_new_session=True)
    assert shown.returncode == 0 and "study 1 s: 0/2 ended, 2 running" in shown.stdout, shown.stdout + shown.stderr
    assert [t.state for t in lb.trials()] == [TrialState.RUNNING] * 2 and running(lb.paths) == runner
    assert lb.cli("stop", "1", "2") == 0
    assert [t.state for t in lb.wait_done()] == [TrialState.KILLED] * 2

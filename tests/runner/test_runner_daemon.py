"""The runner daemon with real processes: one per store, trials through their lifecycle.

Each test runs the real daemon (detached, as `tuitune runner start` starts it) on a project
folder whose command is the fake trainer (``trainer.py``), with a fake GPU pool given through
the runner's ``CUDA_VISIBLE_DEVICES`` and a one-second grace period.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from runner_lab import assert_no_gpu_shared, file_rows, store_rows, wait_ready, wait_until
from tuitune.domain import TrialState
from tuitune.runner import procs
from tuitune.runner.lock import running


def test_a_study_runs_to_completion_on_exclusive_gpus(lab) -> None:
    lb = lab(trainer_args="--steps 6 --sleep 0.05", trials=4)
    lb.start()
    trials = lb.queue()
    assert len(trials) == 4
    done = lb.wait_done()
    assert [t.state for t in done] == [TrialState.COMPLETED] * 4, [t.reason for t in done]
    with lb.store() as store:
        for t in done:
            folder = lb.trial_dir(t)
            assert store_rows(store, t.id) == file_rows(folder) and len(file_rows(folder)) == 18
            assert t.objective == pytest.approx(1 / 6) and t.exit_code == 0 and t.reason == "exit 0"
            assert json.loads((folder / "params.json").read_text()) == {"lr": t.params["lr"]}
            command = json.loads((folder / "command.json").read_text())
            assert command["argv"][-1] == f"--lr={t.params['lr']!r}" and command["cwd"] == str(lb.folder)
            life = json.loads((folder / "life.json").read_text())
            assert life["gpus"] == ",".join(t.gpus) and len(t.gpus) == 1
            assert [(e.old, e.new) for e in store.events(t.id)] == [
                (None, TrialState.QUEUED), (TrialState.QUEUED, TrialState.STARTING),
                (TrialState.STARTING, TrialState.RUNNING), (TrialState.RUNNING, TrialState.COMPLETED)]
    assert_no_gpu_shared(lb, done)


def test_one_runner_per_store(lab, capsys) -> None:
    lb = lab()
    assert lb.cli("runner", "status") == 3
    assert lb.cli("runner", "start", "--grace", "1") == 0
    first = running(lb.paths)
    assert first is not None and f"runner started (pid {first.pid})" in capsys.readouterr().out
    assert lb.cli("runner", "start") == 0
    assert capsys.readouterr().out.strip() == f"already running (pid {first.pid})"
    direct = subprocess.run([sys.executable, "-m", "tuitune.runner.daemon", str(lb.folder)],
                            capture_output=True, text=True, timeout=30)
    assert direct.returncode == 1 and f"already running (pid {first.pid})" in direct.stdout
    lb.kill_runner()  # the lock dies with it: the next start takes over
    assert running(lb.paths) is None
    second = lb.start()
    assert second.pid != first.pid and lb.cli("runner", "status") == 0
    assert json.loads(lb.paths.pid.read_text())["started"] == pytest.approx(second.started, abs=1.0)
    assert lb.cli("runner", "stop") == 0 and "runner stopped" in capsys.readouterr().out
    assert running(lb.paths) is None and not lb.paths.pid.exists()
    assert lb.cli("runner", "stop") == 0 and "no runner was running" in capsys.readouterr().out


def test_a_failing_command_says_why(lab) -> None:
    lb = lab(trainer_args="--steps 2 --exit 3", trials=1)
    lb.start()
    [t] = lb.queue()
    t = lb.wait_state(t.id, TrialState.FAILED)
    assert t.exit_code == 3 and t.reason == "exit code 3: training failed: exit 3 on purpose"
    assert t.objective == pytest.approx(0.5), "measurements up to the failure are kept"


def test_a_stop_command_kills_a_trial_that_exits_cleanly_on_sigterm(lab, capsys) -> None:
    lb = lab(trainer_args="--steps 1000 --sleep 0.05 --on-term exit", trials=1)
    lb.start()
    [t] = lb.queue()
    wait_ready(lb, t)
    assert lb.cli("stop", str(t.id)) == 0
    assert f"{t.id}: stopping" in capsys.readouterr().out
    t = lb.wait_state(t.id, TrialState.KILLED)
    assert t.exit_code == 0 and t.reason == "stop requested"
    assert "checkpointed" in (lb.trial_dir(t) / "stdout.log").read_text()
    assert [e.new for e in lb.store().events(t.id)][-2:] == [TrialState.STOPPING, TrialState.KILLED]


@pytest.mark.slow
def test_stopping_reaches_children_setsid_children_and_daemons(lab, wait_for) -> None:
    lb = lab(trainer_args="--steps 1000 --sleep 0.05 --family", trials=1)
    lb.start()
    [t] = lb.queue()
    family_file = lb.trial_dir(t) / "family.json"
    family = json.loads(wait_for(lambda: family_file.exists() and family_file.read_text(), what="the family"))
    members = {name: procs.identity(pid) for name, pid in family.items()}
    assert all(m is not None and procs.alive(*m) for m in members.values())
    assert lb.cli("stop", str(t.id)) == 0
    lb.wait_state(t.id, TrialState.KILLED)
    assert [name for name, m in members.items() if procs.alive(*m)] == []


@pytest.mark.slow
def test_a_trial_ignoring_sigterm_is_killed_after_the_grace(lab) -> None:
    lb = lab(trainer_args="--steps 1000 --sleep 0.05 --on-term ignore", trials=1, stop_grace=0.5)
    lb.start(grace=None)  # the project's stop_grace
    [t] = lb.queue()
    wait_ready(lb, t)
    assert lb.cli("stop", str(t.id)) == 0
    t = lb.wait_state(t.id, TrialState.KILLED)
    assert t.exit_code is None and t.ended_at - t.started_at > 0.5
    end = json.loads((lb.trial_dir(t) / "exit.json").read_text())
    assert end["signal"] == signal.SIGKILL


def test_stopping_a_queued_trial_cancels_it(lab, capsys) -> None:
    lb = lab(trainer_args="--steps 1000 --sleep 0.05", trials=2, parallel=1)
    lb.start()
    first, second = lb.queue()
    lb.wait_state(first.id, TrialState.RUNNING)
    assert lb.cli("stop", str(second.id), str(first.id)) == 0
    assert f"{second.id}: cancelled" in capsys.readouterr().out
    assert lb.wait_state(second.id, TrialState.KILLED).started_at is None
    lb.wait_state(first.id, TrialState.KILLED)


def test_a_timeout_stops_the_trial_with_its_reason(lab) -> None:
    lb = lab(trainer_args="--steps 1000 --sleep 0.05", trials=1, timeout=0.5)
    lb.start()
    [t] = lb.queue()
    t = lb.wait_state(t.id, TrialState.KILLED)
    assert t.reason == "timeout after 0.5s"
    assert [e.reason for e in lb.store().events(t.id)][-2:] == ["timeout after 0.5s"] * 2


def test_nan_in_the_objective_makes_the_trial_infeasible_and_stops_it(lab) -> None:
    lb = lab(trainer_args="--steps 1000 --sleep 0.02 --nan-at 3", trials=1)
    lb.start()
    [t] = lb.queue()
    t = lb.wait_state(t.id, TrialState.INFEASIBLE)
    assert t.reason == "NaN in val_loss at step 3"
    assert TrialState.STOPPING in [e.new for e in lb.store().events(t.id)], "stopped at once, freeing the slot"
    curve = [v for _, v, _ in lb.store().curve(t.id, "val_loss")]
    assert t.objective == min(v for v in curve if v == v), "the best finite value so far"


def test_a_threshold_without_stop_ends_infeasible_after_the_run(lab) -> None:
    lb = lab(trainer_args="--steps 5 --sleep 0.02 --big-at 2", trials=1, stop=False)
    lb.start()
    [t] = lb.queue()
    t = lb.wait_state(t.id, TrialState.INFEASIBLE)
    assert t.reason == "train_loss = 1e+06 above 1000 at step 2" and t.exit_code == 0
    assert TrialState.STOPPING not in [e.new for e in lb.store().events(t.id)]


def test_requeue_makes_a_new_trial_pointing_at_the_old(lab, capsys) -> None:
    lb = lab(trainer_args="--steps 2", trials=1)
    lb.start()
    [t] = lb.queue()
    lb.wait_state(t.id, TrialState.COMPLETED)
    assert lb.cli("requeue", str(t.id)) == 0
    assert f"{t.id}: queued as trial" in capsys.readouterr().out
    [_, again] = lb.wait_done()
    assert again.retry_of == t.id and again.state is TrialState.COMPLETED and again.params == t.params


def test_junk_metric_lines_do_not_kill_the_runner(lab) -> None:
    lb = lab(trainer_args="--steps 30 --sleep 0.05", trials=1)
    info = lb.start()
    [t] = lb.queue()
    wait_ready(lb, t)
    with open(lb.trial_dir(t) / "metrics.jsonl", "ab") as f:  # one write: whole lines between the trainer's
        f.write(b'{"_time": ' + b"9" * 400 + b', "junk": 2}\n{"step": 9223372036854775807, "junk": 1}\n'
                b'{"junk": 3}\n{"step": 1, "\\ud800": 1}\n')
    t = lb.wait_state(t.id, TrialState.COMPLETED, TrialState.FAILED)
    assert t.state is TrialState.COMPLETED, t.reason
    assert procs.alive(info.pid, info.started), "the runner lives on"


def test_stop_and_timeout_still_work_after_a_divergence_that_did_not_stop(lab) -> None:
    stopped = lab(trainer_args="--steps 1000 --sleep 0.05 --big-at 1", trials=1, stop=False)
    timed = lab(trainer_args="--steps 1000 --sleep 0.05 --big-at 1", trials=1, stop=False, timeout=1.0)
    stopped.start()
    timed.start()
    [s] = stopped.queue()
    [t] = timed.queue()
    ending = stopped.trial_dir(s) / "ending.json"
    wait_until(lambda: ending.exists(), what="the divergence verdict")
    assert stopped.cli("stop", str(s.id)) == 0
    for lb, trial in ((stopped, s), (timed, t)):
        trial = lb.wait_state(trial.id, TrialState.INFEASIBLE, TrialState.COMPLETED, timeout=10)
        assert (trial.state, trial.reason) == (TrialState.INFEASIBLE, "train_loss = 1e+06 above 1000 at step 1")
        assert TrialState.STOPPING in [e.new for e in lb.store().events(trial.id)]
        assert json.loads((lb.trial_dir(trial) / "ending.json").read_text())["stop"] is True


def test_leftovers_of_a_finished_trial_are_stopped_before_its_gpu_is_reused(lab, wait_for) -> None:
    lb = lab(trainer_args="--steps 3 --family", trials=2, parallel=1, gpus="0")
    lb.start()
    first, second = lb.queue()
    family_file = lb.trial_dir(first) / "family.json"
    family = json.loads(wait_for(lambda: family_file.exists() and family_file.read_text(), what="the family"))
    members = {name: procs.identity(pid) for name, pid in family.items()}
    assert all(m is not None for m in members.values())
    lb.wait_state(second.id, TrialState.RUNNING, TrialState.COMPLETED)
    marker = ("TUITUNE_TRIAL_DIR", str(lb.trial_dir(first).resolve()))
    assert [p for p in procs.find(marker=marker) if procs.alive(*p)] == []
    assert [name for name, m in members.items() if procs.alive(*m)] == []
    assert lb.wait_state(first.id, TrialState.COMPLETED).reason == "exit 0"
    lb.wait_done()

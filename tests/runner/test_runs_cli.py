"""``tuitune run``, ``status``, ``stop`` as a user meets them: child processes, exit codes, output."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tuitune.domain import TrialState


def tuitune(lb, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tuitune", "-C", str(lb.folder), *argv], capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.slow
def test_run_wait_follows_and_fails_when_a_trial_fails(lab) -> None:
    lb = lab(trainer_args="--steps 2 --exit 3", trials=2)
    lb.start()
    result = tuitune(lb, "run", "--wait")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("queued 2 trial(s) of s; runner pid")
    assert lines[-2] == "s: 2/2 ended, 0 running, 2 failed, best val_loss 0.5 (trial 1)"
    assert lines[-1] == "2 trial(s) failed; `tuitune status` shows why"
    again = tuitune(lb, "run")
    assert again.returncode == 1 and "every study of round 1 has trials already" in again.stderr
    assert "Traceback" not in again.stderr


@pytest.mark.slow
def test_run_of_a_named_study_reattaches_without_queueing_twice(lab) -> None:
    lb = lab(trainer_args="--steps 2", trials=2)
    lb.start()
    assert tuitune(lb, "run", "s", "--wait").returncode == 0
    result = tuitune(lb, "run", "s", "--wait")
    assert result.returncode == 0 and result.stdout.startswith("queued 0 trial(s) of s")
    assert len(lb.trials()) == 2


def test_run_without_a_terminal_returns_at_once(lab) -> None:
    lb = lab(trainer_args="--steps 2", trials=1)
    result = tuitune(lb, "run")
    assert result.returncode == 0 and "runs them in the background" in result.stdout
    assert "(started)" in result.stdout.splitlines()[0], "the CLI starts the runner when none runs"
    lb.wait_done()


def test_status_shows_every_trial_and_its_numbers(lab) -> None:
    lb = lab(trainer_args="--steps 4", trials=2)
    lb.start()
    lb.queue()
    lb.wait_done()
    shown = json.loads(tuitune(lb, "status", "--json").stdout)
    assert (shown["round_id"], shown["goal"], shown["runner_pid"]) == (1, "lab", lb.start().pid)
    [study] = shown["studies"]
    assert (study["name"], study["total"], study["done"], study["failed"], study["best"]) == ("s", 2, 2, 0, 0.25)
    first = study["trials"][0]
    assert first["state"] == "completed" and set(first["params"]) == {"lr"} and first["step"] == 3
    assert first["metrics"] == {"lr_seen": 1.5, "train_loss": 0.5, "val_loss": 0.25}
    assert first["objective"] == 0.25 and first["gpus"] in (["0"], ["1"]) and first["runtime"] > 0
    text = tuitune(lb, "status").stdout.splitlines()
    assert text[0] == f"round 1: lab   [runner pid {shown['runner_pid']}]"
    assert text[2] == "study 1 s: 2/2 ended, 0 running, 0 queued, 0 failed, best val_loss 0.25 (trial 1)"
    assert text[3].split() == ["id", "state", "lr", "step", "val_loss", "train_loss", "objective", "runtime",
                               "gpus", "reason"]


def test_status_before_anything_was_recorded(lab, tmp_path) -> None:
    folder = tmp_path / "empty"
    assert subprocess.run([sys.executable, "-m", "tuitune", "init", str(folder)], capture_output=True).returncode == 0
    result = subprocess.run([sys.executable, "-m", "tuitune", "-C", str(folder), "status"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1 and "no store at" in result.stderr and "Traceback" not in result.stderr


def test_stop_of_an_unknown_trial_names_it(lab) -> None:
    lb = lab(trials=1)
    result = tuitune(lb, "stop", "99")
    assert result.returncode == 1 and "no trial 99" in result.stderr and "Traceback" not in result.stderr
    assert lb.trials() == [] and lb.store().pending_commands() == []


def test_trials_that_cannot_get_their_gpus_fail_with_the_fix(lab) -> None:
    lb = lab(trainer_args="--steps 1", trials=1, gpus="")
    lb.start()
    [t] = lb.queue()
    t = lb.wait_state(t.id, TrialState.FAILED)
    assert t.reason.startswith("cannot hold 1 GPUs from a pool of 0") and "gpus_per_trial" in t.reason


def test_the_progress_line_counts_stopped_trials_apart_from_failed_ones() -> None:
    from tuitune.cli.runs import progress_line
    from tuitune.runner.overview import Overview, StudyLine

    timed_out = StudyLine(1, "hang", "val_loss", "minimize", total=2, done=2, running=0, queued=0, failed=0,
                          stopped=2, best=0.9, best_trial=30)
    assert progress_line(Overview(1, "g", 4242, [timed_out])) == \
        "hang: 2/2 ended, 0 running, 0 failed, 2 stopped, best val_loss 0.9 (trial 30)"

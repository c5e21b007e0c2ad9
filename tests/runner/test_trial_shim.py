"""The trial shim with real processes: files instead of pipes, a detached session, exit.json."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tuitune.runner import procs
from tuitune.runner.shim import launch, read_exit
from tuitune.runner.trialdir import write_command, write_params


def _trial(tmp_path: Path, code: str, env: dict[str, str] | None = None) -> Path:
    trial_dir = tmp_path / "runs" / "s1" / "t1"
    write_params(trial_dir, {"lr": 0.1})
    write_command(trial_dir, [sys.executable, "-c", textwrap.dedent(code)], env or {}, cwd=tmp_path)
    return trial_dir


def test_runs_the_command_with_files_and_records_its_exit(tmp_path: Path, wait_for) -> None:
    trial_dir = _trial(tmp_path, """
        import os, sys
        print("out", os.getcwd(), os.environ["GREETING"], repr(sys.stdin.read()))
        print("err", file=sys.stderr)
        print("leader", os.getpgid(0) == os.getpid(), os.getsid(0) == os.getppid())
        sys.exit(3)
    """, {"GREETING": "hello wörld"})
    pid, started = launch(trial_dir)
    assert os.getsid(pid) == pid  # the shim leads its own session
    end = wait_for(lambda: read_exit(trial_dir), what="exit.json")
    assert end["exit_code"] == 3 and end["signal"] is None and end["error"] is None
    assert end["shim_pid"] == pid and end["pid"] != pid and end["ended_at"] >= end["started_at"]
    assert (trial_dir / "stdout.log").read_text() == f"out {tmp_path} hello wörld ''\nleader True True\n"
    assert (trial_dir / "stderr.log").read_text() == "err\n"
    wait_for(lambda: not procs.alive(pid, started), what="the shim to end")  # and it is reaped
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_a_command_that_cannot_start_says_why(tmp_path: Path, wait_for) -> None:
    trial_dir = tmp_path / "t"
    write_command(trial_dir, ["/nonexistent/train"], {}, cwd=tmp_path)
    launch(trial_dir)
    end = wait_for(lambda: read_exit(trial_dir), what="exit.json")
    assert end["exit_code"] == 127 and end["pid"] is None
    assert "cannot start the command" in end["error"] and "/nonexistent/train" in end["error"]


def test_launch_needs_command_json(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"command\.json"):
        launch(tmp_path)


@pytest.mark.parametrize(("handler", "exit_code", "sig"), [("exit", 0, None), ("default", None, signal.SIGTERM)])
def test_a_signal_to_the_shim_reaches_the_command(tmp_path: Path, wait_for, handler: str, exit_code, sig) -> None:
    trial_dir = _trial(tmp_path, f"""
        import signal, sys, time
        if {handler!r} == "exit":
            signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
        print("ready", flush=True)
        time.sleep(60)
    """)
    pid, _ = launch(trial_dir)
    wait_for(lambda: (trial_dir / "stdout.log").exists() and (trial_dir / "stdout.log").read_text(), what="ready")
    os.kill(pid, signal.SIGTERM)
    end = wait_for(lambda: read_exit(trial_dir), what="exit.json")
    assert (end["exit_code"], end["signal"], end["forwarded"]) == (exit_code, sig, signal.SIGTERM)


RUNNER_LIKE = """
import json, sys
from tuitune.runner.shim import launch
print(json.dumps(launch(sys.argv[1])), flush=True)
import time; time.sleep(60)
"""


@pytest.mark.slow
def test_the_trial_outlives_a_killed_runner_while_printing_heavily(tmp_path: Path, wait_for) -> None:
    trial_dir = _trial(tmp_path, """
        import sys, time
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            sys.stdout.write("x" * 200 + "\\n")
            sys.stderr.write("e" * 200 + "\\n")
        print("done")
    """)
    with subprocess.Popen([sys.executable, "-c", RUNNER_LIKE, str(trial_dir)], stdout=subprocess.PIPE,
                          text=True) as runner:
        try:
            pid, started = json.loads(runner.stdout.readline())
            log = trial_dir / "stdout.log"
            wait_for(lambda: log.exists() and log.stat().st_size > 100_000, what="heavy output")
        finally:
            runner.kill()
    killed_at = time.time()
    assert procs.alive(pid, started)
    end = wait_for(lambda: read_exit(trial_dir), timeout=20, what="exit.json")
    assert end["exit_code"] == 0 and end["ended_at"] > killed_at
    assert (trial_dir / "stdout.log").read_bytes().endswith(b"x\ndone\n")


EARLY_STOP = """
import os, signal, sys
from tuitune.runner import shim
read_json = shim.read_json
def stop_first(path):  # the stop arrives after the shim's handlers are set, before the command exists
    os.kill(os.getpid(), signal.SIGTERM)
    return read_json(path)
shim.read_json = stop_first
sys.exit(shim.main([sys.argv[1]]))
"""


def test_a_stop_before_the_command_exists_is_forwarded_once_it_does(tmp_path: Path) -> None:
    trial_dir = _trial(tmp_path, "import time; time.sleep(60)")
    done = subprocess.run([sys.executable, "-c", EARLY_STOP, str(trial_dir)], timeout=30)
    assert done.returncode == 128 + signal.SIGTERM
    end = read_exit(trial_dir)
    assert end is not None
    assert (end["signal"], end["forwarded"], end["exit_code"]) == (signal.SIGTERM, signal.SIGTERM, None)

"""Process identity and stopping whole trees, with real processes that fight back."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tuitune.runner import procs
from tuitune.runner.procs import Ending, terminate_tree
from tuitune.runner.shim import launch, read_exit
from tuitune.runner.trialdir import write_command

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def _spawn(code: str, **kwargs) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], **kwargs)


def _ident(pid: int) -> tuple[int, float]:
    ident = procs.identity(pid)
    assert ident is not None
    return ident


def test_identity_is_pid_and_start_time() -> None:
    p = subprocess.Popen(SLEEPER)
    try:
        pid, started = _ident(p.pid)
        assert procs.alive(pid, started)
        assert not procs.alive(pid, started - 5)  # same pid, another start: a recycled pid
    finally:
        p.kill()
        p.wait()
    assert not procs.alive(pid, started)
    assert procs.identity(pid) is None


def test_a_recycled_pid_is_never_signalled() -> None:
    p = subprocess.Popen(SLEEPER)
    try:
        pid, started = _ident(p.pid)
        assert terminate_tree(pid, started - 5, grace=1) is Ending.GONE
        assert p.poll() is None
    finally:
        p.kill()
        p.wait()
    assert terminate_tree(pid, started, grace=1) is Ending.GONE


def test_a_root_without_its_own_session_spares_its_neighbours() -> None:
    """Both sleepers share the test's session and process group, which must not be used."""
    a, b = subprocess.Popen(SLEEPER), subprocess.Popen(SLEEPER)
    try:
        assert terminate_tree(*_ident(a.pid), grace=5) is Ending.TERMINATED
        assert a.poll() == -signal.SIGTERM and b.poll() is None
    finally:
        for p in (a, b):
            p.kill()
            p.wait()


FAMILY = """
import json, os, subprocess, sys, time
sleep = [sys.executable, "-c", "import time; time.sleep(120)"]
pids = {"child": subprocess.Popen(sleep).pid,
        "setsid_child": subprocess.Popen(sleep, start_new_session=True).pid}
for name, new_session in (("daemon", False), ("setsid_daemon", True)):
    r, w = os.pipe()
    if os.fork() == 0:  # double fork: the grandchild is orphaned, not our descendant any more
        if new_session:
            os.setsid()
        pid = os.fork()
        if pid == 0:
            os.execv(sys.executable, sleep)
        os.write(w, str(pid).encode())
        os._exit(0)
    os.close(w)
    pids[name] = int(os.read(r, 32))
    os.wait()
with open("family.tmp", "w") as f:
    json.dump(pids, f)
os.replace("family.tmp", "family.json")
time.sleep(120)
"""


@pytest.mark.slow
def test_stopping_a_trial_reaches_children_setsid_children_and_daemons(tmp_path: Path, wait_for) -> None:
    trial_dir = tmp_path / "trial"
    write_command(trial_dir, [sys.executable, "-c", FAMILY], {"TUITUNE_TRIAL_DIR": str(trial_dir)}, cwd=trial_dir)
    shim = launch(trial_dir)
    family = json.loads(wait_for(lambda: (trial_dir / "family.json").exists() and
                                 (trial_dir / "family.json").read_text(), what="the family"))
    members = {name: _ident(pid) for name, pid in family.items()}
    assert all(procs.alive(*m) for m in members.values())
    ending = terminate_tree(*shim, grace=10, marker=("TUITUNE_TRIAL_DIR", str(trial_dir)), signal_root=False)
    assert ending is Ending.TERMINATED
    assert [name for name, m in members.items() if procs.alive(*m)] == []
    assert not procs.alive(*shim)
    end = read_exit(trial_dir)
    assert end is not None and end["signal"] == signal.SIGTERM and end["forwarded"] is None


@pytest.mark.slow
def test_a_trial_that_ignores_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    """The root ignores SIGTERM and, on receiving it, spawns one more process during the grace."""
    ready = tmp_path / "ready"
    late = tmp_path / "late"
    root = _spawn(f"""
        import os, signal, subprocess, sys, time
        def on_term(*_):
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
            open({str(late)!r}, "w").write(str(child.pid))
        signal.signal(signal.SIGTERM, on_term)
        subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                          "open({str(ready)!r}, 'w').close(); time.sleep(120)"])
        time.sleep(120)
    """, start_new_session=True)
    deadline = time.monotonic() + 10
    while not ready.exists():
        assert time.monotonic() < deadline, "the child did not start"
        time.sleep(0.01)
    before = time.monotonic()
    assert terminate_tree(*_ident(root.pid), grace=0.6) is Ending.KILLED
    assert time.monotonic() - before >= 0.6
    assert root.wait(timeout=5) == -signal.SIGKILL
    late_pid = int(late.read_text())
    assert procs.identity(late_pid) is None or not procs.alive(*_ident(late_pid))


@pytest.mark.slow
def test_a_trial_that_exits_on_sigterm_ends_terminated(tmp_path: Path, wait_for) -> None:
    trial_dir = tmp_path / "trial"
    code = ("import signal, sys, time\n"
            "signal.signal(signal.SIGTERM, lambda *a: (print('checkpointed', flush=True), sys.exit(0)))\n"
            "print('ready', flush=True)\ntime.sleep(120)\n")
    write_command(trial_dir, [sys.executable, "-c", code], {}, cwd=trial_dir)
    shim = launch(trial_dir)
    wait_for(lambda: (trial_dir / "stdout.log").exists() and "ready" in (trial_dir / "stdout.log").read_text())
    assert terminate_tree(*shim, grace=10, signal_root=False) is Ending.TERMINATED
    end = read_exit(trial_dir)
    assert end is not None and (end["exit_code"], end["signal"]) == (0, None)
    assert (trial_dir / "stdout.log").read_text() == "ready\ncheckpointed\n"  # one SIGTERM, one checkpoint

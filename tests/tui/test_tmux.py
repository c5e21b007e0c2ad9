"""The TUI as a user over SSH drives it: in tmux, keys in, screen text out, then a hangup.

Start the demo, queue its study from the Design pane with keys, watch the trials run in Monitor,
kill the whole tmux server (the dropped connection), and open the TUI again in a new session:
the trials kept running under the runner daemon and are shown. Skipped only where tmux is
missing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tuitune import config
from tuitune.domain import TrialState
from tuitune.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")]


class Tmux:
    """One private tmux server (its own socket), so the test never touches a user's sessions."""

    def __init__(self) -> None:
        self.socket = f"tuitune-tui-{time.monotonic_ns()}"

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              timeout=30).stdout

    def start(self, command: str, cwd: Path) -> None:
        subprocess.run(["tmux", "-L", self.socket, "new-session", "-d", "-s", "tui", "-x", "100", "-y", "30",
                        "-c", str(cwd), command], check=True, timeout=30, env={"TERM": "xterm-256color",
                                                                              "PATH": "/usr/bin:/bin"})

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "tui")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "tui", *keys)

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"waited {timeout} s for {what}; the screen shows:\n{self.screen()}")

    def kill(self) -> None:
        self.run("kill-server")


def trial_states(folder: Path) -> list[TrialState]:
    project = config.load_project(folder)
    with Store.open(config.project_store_path(project), readonly=True) as store:
        return [t.state for t in store.trials()]


def test_queue_from_design_watch_in_monitor_and_survive_a_hangup(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    tui = Tmux()
    try:
        tui.start(f"{sys.executable} -m tuitune demo {folder}", tmp_path)
        tui.wait_for(lambda s: "2 Design" in s and "weight_decay" in s, "the Design pane of the demo")
        tui.keys("r")
        tui.wait_for(lambda s: "Queue this study?" in s, "the queue confirmation")
        tui.keys("Enter")
        tui.wait_for(lambda s: "runner running" in s, "the runner to start")
        tui.keys("3")
        tui.wait_for(lambda s: "3 Monitor" in s and "▶ running" in s, "trials running in Monitor")
        tui.kill()  # the SSH connection drops: the TUI dies with its terminal
        states = trial_states(folder)
        assert any(not s.terminal for s in states), "every trial ended before the hangup: nothing was proven"

        tui = Tmux()  # a new server, as after logging in again
        tui.start(f"{sys.executable} -m tuitune", folder)
        shown = tui.wait_for(lambda s: "3 Monitor" in s and ("running" in s or "done" in s), "the trials, reopened")
        assert "weight-decay" in shown or "wd=" in shown
        deadline = time.monotonic() + 90
        states = trial_states(folder)
        while not all(s.terminal for s in states) and time.monotonic() < deadline:
            time.sleep(0.5)
            states = trial_states(folder)
        assert all(s.terminal for s in states), states
        assert states.count(TrialState.COMPLETED) >= len(states) // 2
    finally:
        tui.kill()
        if (folder / "tuitune.toml").exists():
            subprocess.run([sys.executable, "-m", "tuitune", "-C", str(folder), "runner", "stop"],
                           capture_output=True, timeout=60)

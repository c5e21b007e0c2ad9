"""Starting, stopping and finding the runner daemon, for the CLI and the TUI.

Why it works like this: the CLI and the TUI never run trials; they make sure *the* runner of
the store is up (:func:`ensure_runner`) and write intents. Starting is race-free without any
extra locking: the daemon itself takes the store's lock, so of two starts at once one daemon
wins and the other exits saying who holds it; the caller waits until *some* runner is named in
the pid file and alive. Stopping the runner (SIGTERM, identity-checked) leaves its trials
running: the next runner re-adopts them.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from tuitune.domain import TuituneError
from tuitune.runner import procs
from tuitune.runner.lock import RunnerInfo, RunnerPaths, running
from tuitune.runner.output import tail_lines

START_TIMEOUT = 20.0
STOP_TIMEOUT = 30.0
LOG_ROTATE_BYTES = 10 * 2**20
"""A ``runner.log`` larger than this when a runner starts becomes ``runner.log.1`` (one old log
is kept): a runner left on a GPU box for months must not fill its disk."""


def ensure_runner(project_root: str | os.PathLike[str], paths: RunnerPaths, *, grace: float | None = None,
                  poll: float | None = None) -> tuple[RunnerInfo, bool]:
    """Start the store's runner detached unless one runs; ``(the runner, whether it was started now)``.

    ``grace`` and ``poll`` are the daemon's options; they apply only to a runner started now.

    Raises :class:`TuituneError` with the end of ``runner.log`` when it does not come up.
    """
    found = running(paths)
    if found is not None:
        return found, False
    paths.folder.mkdir(parents=True, exist_ok=True)
    rotate_log(paths.log)
    argv = [sys.executable, "-m", "tuitune.runner.daemon", str(Path(project_root).resolve())]
    if grace is not None:
        argv += ["--grace", str(grace)]
    if poll is not None:
        argv += ["--poll", str(poll)]
    pid, started = procs.spawn_detached(argv, paths.log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        found = running(paths)
        if found is not None:
            return found, found.pid == pid
        if not procs.alive(pid, started):
            found = running(paths)  # lost a race to another start: that runner is the one
            if found is not None:
                return found, False
            break
        time.sleep(0.02)
    else:
        raise TuituneError(f"the runner did not come up within {START_TIMEOUT:g} s; see {paths.log}")
    last = "\n  ".join(tail_lines(paths.log, 5)) or "(no output)"
    raise TuituneError(f"the runner exited at once; the end of {paths.log}:\n  {last}")


def rotate_log(log: Path, limit: int = LOG_ROTATE_BYTES) -> bool:
    """Move ``log`` to ``log.1`` (replacing an older one) when it is over ``limit`` bytes; whether
    it did. Called before a runner starts, so no runner is writing it."""
    try:
        if log.stat().st_size <= limit:
            return False
        os.replace(log, log.with_name(log.name + ".1"))
    except FileNotFoundError:
        return False
    return True


def stop_runner(paths: RunnerPaths, *, timeout: float = STOP_TIMEOUT) -> RunnerInfo | None:
    """Ask the runner to exit (its trials keep running) and wait until it has; the runner that
    was stopped, or ``None`` when none was running."""
    found = running(paths)
    if found is None:
        return None
    if not procs.send(found.pid, found.started, signal.SIGTERM):
        return found
    deadline = time.monotonic() + timeout
    while procs.alive(found.pid, found.started):
        if time.monotonic() > deadline:
            raise TuituneError(f"the runner (pid {found.pid}) did not exit within {timeout:g} s of SIGTERM; "
                               f"see {paths.log}, or `kill -9 {found.pid}` (trials keep running)")
        time.sleep(0.02)
    return found

"""One runner per store: a lock held for the daemon's life, and a pid file saying who holds it.

Why it works like this:

* **The lock is ``flock`` on ``runner.lock``** beside the store, taken without waiting and held
  (the descriptor kept open) until the daemon exits. The kernel drops it when the process dies,
  however it dies, so a lock left by a crash is never stale: the next runner simply takes it.
  Python opens descriptors close-on-exec, so trials started by the runner never inherit it (a
  trial outliving the runner must not keep the next one out).
* **The pid file names the holder** with its process start time (``runner.pid``, JSON written
  atomically *after* the lock is taken). Readers (``tuitune runner status``, the CLI deciding
  whether to start a runner) check that identity with :func:`~tuitune.runner.procs.alive` and
  never touch the lock: a probe that took the lock, even for a moment, could turn away a runner
  starting at that instant. A pid file whose process is gone, or whose pid now belongs to
  another process, reads as "no runner".
* Everything lives in the store's folder (``.tuitune/`` by default): the runner's files
  (``runner.lock``, ``runner.pid``, ``runner.log``) and the trial directories under ``runs/``.
  One store per folder, so one runner per store.
"""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass
from pathlib import Path

from tuitune.runner import procs
from tuitune.runner.trialdir import atomic_write_json, read_json


@dataclass(frozen=True)
class RunnerPaths:
    """Where the runner of one store keeps its files."""

    folder: Path
    """The store's folder."""

    @classmethod
    def for_store(cls, store_path: str | os.PathLike[str]) -> RunnerPaths:
        return cls(Path(store_path).resolve().parent)

    @property
    def lock(self) -> Path:
        return self.folder / "runner.lock"

    @property
    def pid(self) -> Path:
        return self.folder / "runner.pid"

    @property
    def log(self) -> Path:
        return self.folder / "runner.log"

    @property
    def runs(self) -> Path:
        return self.folder / "runs"

    def trial_dir(self, study_id: int, trial_id: int) -> Path:
        """``runs/<study id>/<trial id>``: the files of one trial."""
        return self.runs / str(study_id) / str(trial_id)


@dataclass(frozen=True)
class RunnerInfo:
    """A live runner, as its pid file names it."""

    pid: int
    started: float
    """The process's start time (its identity together with the pid)."""
    store: str


def running(paths: RunnerPaths) -> RunnerInfo | None:
    """The runner holding ``paths``' store, or ``None`` when none is running."""
    try:
        data = read_json(paths.pid)
        info = RunnerInfo(int(data["pid"]), float(data["started"]), str(data["store"]))
    except (TypeError, KeyError, ValueError, OSError):  # no file, or not one of ours
        return None
    return info if procs.alive(info.pid, info.started) else None


class RunnerLock:
    """The store's runner lock, for the daemon.

    Contract: :meth:`acquire` once; while it returned True, the caller is *the* runner of the
    store until :meth:`release` or its exit. Not thread-safe (one daemon, one main thread).
    """

    def __init__(self, paths: RunnerPaths):
        self.paths = paths
        self._fd: int | None = None

    def acquire(self, store: str, *, wait: float = 1.0) -> bool:
        """Take the lock (trying for up to ``wait`` seconds) and write the pid file; False when
        another runner holds it."""
        self.paths.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.paths.lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(0.05)
        self._fd = fd
        me = procs.identity(os.getpid())
        assert me is not None
        atomic_write_json(self.paths.pid, {"pid": me[0], "started": me[1], "store": store})
        return True

    def release(self) -> None:
        """Remove the pid file and drop the lock (the pid file first: it must never name a
        process that no longer holds the lock while another one does)."""
        if self._fd is None:
            return
        try:
            self.paths.pid.unlink()
        except FileNotFoundError:
            pass
        os.close(self._fd)
        self._fd = None

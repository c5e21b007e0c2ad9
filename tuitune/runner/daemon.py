"""The runner daemon: ``python -m tuitune.runner.daemon PROJECT_DIR``, one per store.

Why it works like this:

* **It is the only process that starts or stops trials.** The CLI and the TUI write intents
  (queued trials, ``stop`` and ``requeue`` commands) into the store; the daemon notices them
  through ``PRAGMA data_version`` (it changes on every commit of *another* connection, and
  costs no table read), so an intent is acted on within one poll interval.
* **It sleeps on a wakeup pipe, not a timer alone.** SIGCHLD from an exiting shim (every shim
  it started is its child) and SIGTERM write to the pipe (``signal.set_wakeup_fd``), so a
  finished trial frees its slot for the next one within milliseconds, while ingest keeps its
  poll interval.
* **Crash-safe by design, not by shutdown.** On start it takes the store's lock
  (:mod:`~tuitune.runner.lock`) and re-adopts every STARTING, RUNNING and STOPPING trial; the
  ordinary loop then finishes those that ended meanwhile and declares lost those that vanished.
  Nothing depends on a clean exit: ``kill -9`` at any instant loses no measurement and starts
  no trial twice. A clean stop (SIGTERM, ``tuitune runner stop``) leaves trials running too.
* Detached (own session, stdin ``/dev/null``, output to ``runner.log``) by
  :func:`tuitune.runner.control.ensure_runner`; its umask keeps files it makes from being group-
  or world-writable, whatever the starting shell's was.
"""

from __future__ import annotations

import argparse
import logging
import os
import select
import signal
import sys
import time
from functools import partial

from tuitune import config
from tuitune.domain import CommandKind, TrialState, TuituneError
from tuitune.runner.executor import LocalExecutor
from tuitune.runner.gpus import GpuPool, discover
from tuitune.runner.lifecycle import Lifecycle
from tuitune.runner.lock import RunnerLock, RunnerPaths, running
from tuitune.store import Store

log = logging.getLogger("tuitune.runner")

POLL = 0.1
"""Seconds between ingest passes and intent checks when nothing wakes the runner earlier."""
RECHECK = 2.0
"""Seconds after which the queue and the commands are read even if ``data_version`` is unchanged."""
FAILURES = 3
"""Consecutive unexpected errors in one trial's ingest after which that trial is ended FAILED
(rather than the runner dying on it, and again after every restart, on the same line)."""


class Daemon:
    """The runner's main loop over one store.

    Contract: :meth:`run` on the main thread, after the lock is held; it returns when
    :meth:`request_exit` was called (by SIGTERM/SIGINT), leaving trials running.
    """

    def __init__(self, store: Store, lifecycle: Lifecycle, *, poll: float = POLL):
        self.store = store
        self.life = lifecycle
        self.poll = poll
        self._exit = False
        self._version: int | None = None
        self._checked = 0.0
        self._queue_dirty = True
        self._failures: dict[int, int] = {}
        """Consecutive unexpected errors of each trial's :meth:`Lifecycle.step`."""

    def request_exit(self) -> None:
        self._exit = True

    def run(self, wakeup: int | None = None) -> None:
        """Re-adopt what a previous runner left, then loop until asked to exit."""
        for trial in self.store.trials(states=[TrialState.STARTING, TrialState.RUNNING, TrialState.STOPPING]):
            try:
                self.life.adopt(trial)
            except TuituneError as exc:  # a refused write: the trial is watched, its step tries again
                log.error("trial %s: %s", trial.id, exc)
        log.info("runner ready: %d trial(s) re-adopted, %d slot(s), GPUs %s", len(self.life.active),
                 self.life.executor.parallel, ", ".join(self.life.executor.pool.ids) or "none")
        while not self._exit:
            try:
                busy = self.tick()
            except TuituneError as exc:  # the store refused something (locked too long...): retry later
                log.error("%s", exc)
                busy = False
                time.sleep(1.0)
            if not busy and not self._exit:
                _sleep(wakeup, self.poll)

    def tick(self) -> bool:
        """One pass: intents, every active trial, free slots. True when there is more to do now."""
        now = time.time()
        version = self.store.data_version()
        if version != self._version or now - self._checked > RECHECK:
            self._version, self._checked = version, now
            self._commands()
            self._queue_dirty = True
        busy = False
        for active in list(self.life.active.values()):
            try:
                _, more = self.life.step(active, now)
                self._failures.pop(active.trial.id, None)
            except TuituneError as exc:
                log.error("trial %s: %s", active.trial.id, exc)
                more = False
            except Exception as exc:  # a bug met by one trial's files must not take the runner down
                more = self._failed(active, exc)
            busy = busy or more
            if more and active.trial.id not in self.life.active:
                self._queue_dirty = True  # a slot came free
        if self._queue_dirty:
            busy = self._fill() or busy
        self.life.executor.reap()
        return busy

    def _failed(self, active, exc: Exception) -> bool:
        """Log an unexpected error of one trial's step; after :data:`FAILURES` in a row, end the
        trial FAILED. True when a slot may have come free."""
        tid = active.trial.id
        count = self._failures.get(tid, 0) + 1
        log.error("trial %s: ingest failed (%d of %d): %s: %s", tid, count, FAILURES, type(exc).__name__, exc,
                  exc_info=exc)
        if count < FAILURES:
            self._failures[tid] = count
            return False
        self._failures.pop(tid, None)
        try:
            self.life.fail_ingest(active, f"cannot ingest its metrics: {type(exc).__name__}: {exc}")
        except Exception:
            log.exception("trial %s: could not end it after its ingest failed", tid)
        return True

    def _fill(self) -> bool:
        """Start queued trials, oldest first, while slots and GPUs are free."""
        started = False
        executor = self.life.executor
        while executor.held < executor.parallel:
            [*queued] = self.store.trials(states=[TrialState.QUEUED], limit=1)
            if not queued:
                self._queue_dirty = False
                break
            try:
                gpus = executor.claim()
            except ValueError as exc:
                self.life.fail_to_start(queued[0], f"{exc}; lower gpus_per_trial or give the runner more GPUs")
                continue
            if gpus is None:
                break
            self.life.launch(queued[0], gpus)
            started = True
        return started

    def _commands(self) -> None:
        for command in self.store.pending_commands():
            ids = [int(i) for i in command.payload.get("trial_ids", [])]
            reason = str(command.payload.get("reason") or f"{command.kind} requested")
            if command.kind is CommandKind.STOP:
                done = [f"{i}: {self._safely(self.life.stop, i, reason)}" for i in ids]
            elif command.kind is CommandKind.REQUEUE:
                requeue = partial(self.life.requeue, request=command.id)
                done = [f"{i}: {self._safely(requeue, i, reason)}" for i in ids]
            else:
                done = ["looking at the queue"]
            self.store.complete_command(command.id, "; ".join(done) or "nothing to do")
            log.info("command %s %s: %s", command.id, command.kind, "; ".join(done))

    @staticmethod
    def _safely(action, trial_id: int, reason: str) -> str:
        try:
            return action(trial_id, reason)
        except TuituneError as exc:
            return str(exc)


def _sleep(wakeup: int | None, seconds: float) -> None:
    """Wait ``seconds``, or less when a signal (a shim exiting, SIGTERM) writes to ``wakeup``."""
    if wakeup is None:
        time.sleep(seconds)
        return
    ready, _, _ = select.select([wakeup], [], [], seconds)
    if ready:
        try:
            while os.read(wakeup, 4096):
                pass
        except BlockingIOError:
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tuitune.runner.daemon",
                                     description="The tuitune runner (started by `tuitune runner start`).")
    parser.add_argument("project", help="the project folder")
    parser.add_argument("--grace", type=float, default=None,
                        help="seconds between SIGTERM and SIGKILL (default: stop_grace in tuitune.toml, 30)")
    parser.add_argument("--poll", type=float, default=POLL, help="seconds between ingest passes")
    args = parser.parse_args(argv)
    os.umask(os.umask(0o022) | 0o022)
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(levelname)s %(message)s")
    try:
        project = config.load_project(config.find_project(args.project))
        store_path = config.project_store_path(project)
        paths = RunnerPaths.for_store(store_path)
        lock = RunnerLock(paths)
        if not lock.acquire(str(store_path)):
            holder = running(paths)
            print(f"already running (pid {holder.pid if holder else '?'})", flush=True)
            return 1
        try:
            return _serve(project, store_path, paths, args)
        finally:
            lock.release()
    except TuituneError as exc:
        log.error("%s", exc)
        return 1


def _serve(project, store_path, paths: RunnerPaths, args: argparse.Namespace) -> int:
    os.chdir("/")  # hold no folder busy; every path the runner uses is absolute
    read, write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so the signal reaches the wakeup pipe
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    pool = GpuPool(discover(configured=project.gpus))
    grace = project.stop_grace if args.grace is None else args.grace
    with Store.open(store_path) as store:
        executor = LocalExecutor(project.parallel, project.gpus_per_trial, pool, grace)
        daemon = Daemon(store, Lifecycle(store, project, paths, executor), poll=args.poll)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: daemon.request_exit())
        log.info("runner pid %d for %s (grace %gs)", os.getpid(), store_path, grace)
        daemon.run(read)
    log.info("runner stopped; running trials keep running and are re-adopted by the next runner")
    return 0


if __name__ == "__main__":
    sys.exit(main())

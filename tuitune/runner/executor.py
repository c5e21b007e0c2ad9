"""The local executor: trials as detached shims on this box, in ``parallel`` slots with exclusive GPUs.

Why it works like this:

* The interface is the architecture's four verbs — :meth:`claim` (capacity), :meth:`start`,
  :meth:`poll`, :meth:`stop` — plus :meth:`adopt` for trials a previous runner started. Store
  writes stay with the daemon; the executor only knows processes, slots and GPUs, so another
  executor (Dask, later) fits behind the same calls.
* **A slot is held from claim to release**, GPUs included, and re-adopted trials re-hold theirs
  before anything new starts: no two live trials ever share a GPU, across runner restarts too.
* **Stopping never blocks the daemon.** :meth:`stop` runs
  :func:`~tuitune.runner.procs.terminate_tree` in a thread: SIGTERM to the trial's tree (never
  to the shim itself, which must live on to write ``exit.json``), the grace period, SIGKILL.
* **How a trial ended comes from its files.** :meth:`poll` reads ``exit.json`` first (the shim
  writes it before exiting), and only when there is none asks whether the shim still lives
  (rate-limited: it costs a few ``/proc`` reads). A shim gone without ``exit.json`` was killed
  itself; before the trial is declared lost, whatever still carries the trial's marker is
  stopped, so a GPU is never handed on while a leftover process may still use it. The same sweep
  (the marker, and the shim's session) follows a normal end too: children, ``setsid`` children
  and daemons a trainer leaves behind are stopped before :meth:`poll` reports the end, and so
  before the slot and its GPUs go to the next trial.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuitune.runner import procs, shim
from tuitune.runner.gpus import GpuPool

log = logging.getLogger("tuitune.runner")

ALIVE_EVERY = 1.0
"""Seconds between liveness checks of a trial whose ``exit.json`` has not appeared."""
MARKER = "TUITUNE_TRIAL_DIR"
"""The environment variable (set by rendering) that marks every process of a trial."""


@dataclass
class Handle:
    """A trial's processes as the executor holds them."""

    trial_id: int
    trial_dir: Path
    gpus: tuple[str, ...]
    """The GPU ids the trial was given."""
    reserved: tuple[str, ...]
    """The ids this runner holds for it (all of ``gpus`` unless two adopted trials claimed one)."""
    pid: int | None = None
    started: float | None = None
    """The shim's identity with ``pid``; both ``None`` when no shim was ever found."""
    stopper: threading.Thread | None = None
    checked: float = 0.0
    """Monotonic time of the last liveness check."""
    swept: bool = False
    """Leftovers of a vanished shim were looked for (and stopped)."""
    exit_swept: bool = False
    """Leftovers of a shim that wrote ``exit.json`` were looked for (and stopped)."""

    @property
    def marker(self) -> tuple[str, str]:
        return MARKER, str(self.trial_dir.resolve())


@dataclass(frozen=True)
class Ended:
    """What :meth:`LocalExecutor.poll` learned: the shim's ``exit.json``, or ``None`` when the
    shim vanished without writing one (lost)."""

    record: dict[str, Any] | None


class LocalExecutor:
    """Slots, GPUs and trial processes of one runner.

    Contract: used from the daemon's main thread only (stops run in threads of their own, which
    touch nothing but processes). Every :meth:`claim` or :meth:`adopt` is paired with one
    :meth:`release`.
    """

    def __init__(self, parallel: int, gpus_per_trial: int, pool: GpuPool, grace: float):
        self.parallel = parallel
        self.gpus_per_trial = gpus_per_trial
        self.pool = pool
        self.grace = grace
        self.held = 0
        self._exiting: list[tuple[int, float]] = []
        """Shims that wrote exit.json but may not have exited yet: reaped by :meth:`reap`."""

    # --- capacity -------------------------------------------------------------------------

    def claim(self) -> tuple[str, ...] | None:
        """A free slot and its GPUs, now held; ``None`` when all slots or GPUs are busy.

        Raises ``ValueError`` when a trial needs more GPUs than the pool has (it never fits).
        """
        if self.held >= self.parallel:
            return None
        gpus = self.pool.acquire(self.gpus_per_trial)
        if gpus is not None:
            self.held += 1
        return gpus

    def release(self, handle: Handle | tuple[str, ...]) -> None:
        """Give back a slot and its GPUs (a handle's, or those :meth:`claim` returned)."""
        self.pool.release(handle.reserved if isinstance(handle, Handle) else handle)
        self.held -= 1
        if isinstance(handle, Handle) and handle.pid is not None and handle.started is not None:
            self._exiting.append((handle.pid, handle.started))

    # --- processes ------------------------------------------------------------------------

    def start(self, trial_id: int, trial_dir: Path, gpus: tuple[str, ...]) -> Handle:
        """Launch the shim of a prepared trial directory (in a slot from :meth:`claim`)."""
        pid, started = shim.launch(trial_dir)
        return Handle(trial_id, trial_dir, gpus, gpus, pid, started, checked=time.monotonic())

    def adopt(self, trial_id: int, trial_dir: Path, gpus: tuple[str, ...], pid: int | None,
              started: float | None) -> Handle:
        """Hold a slot and the GPUs of a trial a previous runner started (it may have ended since).

        A GPU another adopted trial already holds is logged and left shared: both trials are
        running on it already, and nothing new will be put there.
        """
        reserved = []
        for gpu in gpus:
            try:
                self.pool.reserve([gpu])
                reserved.append(gpu)
            except ValueError as exc:
                log.warning("trial %s: %s", trial_id, exc)
        self.held += 1
        if pid is None:
            found = shim.find(trial_dir)
            pid, started = found if found else (None, None)
        return Handle(trial_id, trial_dir, tuple(gpus), tuple(reserved), pid, started)

    def poll(self, handle: Handle) -> Ended | None:
        """How the trial ended, or ``None`` while it (or a stop of it) is still going."""
        record = shim.read_exit(handle.trial_dir)
        if record is not None:
            return self._after_sweep(handle, record)
        if handle.stopper is not None and handle.stopper.is_alive():
            return None
        now = time.monotonic()
        if handle.pid is not None and now - handle.checked < ALIVE_EVERY and handle.stopper is None:
            return None
        handle.checked = now
        if handle.pid is not None and handle.started is not None and procs.alive(handle.pid, handle.started):
            return None
        record = shim.read_exit(handle.trial_dir)  # written just before the shim exited?
        if record is not None:
            return self._after_sweep(handle, record)
        if not handle.swept:
            handle.swept = True
            self._stop_in_thread(handle, sweep_only=True)
            return None
        return Ended(None)

    def _after_sweep(self, handle: Handle, record: dict[str, Any]) -> Ended | None:
        """``Ended(record)`` once the trial's leftovers were swept (in a thread); ``None`` until then."""
        if handle.stopper is not None and handle.stopper.is_alive():
            return None
        if not handle.exit_swept:
            handle.exit_swept = True
            self._stop_in_thread(handle, sweep_only=True)
            return None
        return Ended(record)

    def stop(self, handle: Handle) -> None:
        """Stop the trial's whole process tree in the background (once; later calls do nothing)."""
        if handle.stopper is None:
            self._stop_in_thread(handle, sweep_only=False)

    def reap(self) -> None:
        """Collect shims that have exited since their trial finished (no zombie stays behind)."""
        self._exiting = [(pid, t) for pid, t in self._exiting if procs.alive(pid, t)]

    def _stop_in_thread(self, handle: Handle, *, sweep_only: bool) -> None:
        def run() -> None:
            try:
                if not sweep_only and handle.pid is not None and handle.started is not None:
                    procs.terminate_tree(handle.pid, handle.started, self.grace, marker=handle.marker,
                                         signal_root=False)
                session = (handle.pid, handle.started) if handle.pid is not None and handle.started is not None else None
                for pid, started in procs.find(marker=handle.marker, session=session):  # escaped, or outlived the shim
                    procs.terminate_tree(pid, started, self.grace, marker=handle.marker)
            except Exception:  # a thread must not die silently
                log.exception("trial %s: stopping its processes failed", handle.trial_id)

        handle.stopper = threading.Thread(target=run, name=f"stop-{handle.trial_id}", daemon=True)
        handle.stopper.start()

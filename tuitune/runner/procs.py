"""Process identity and stopping a whole process tree, the way trio and nox do it.

Why it works like this:

* **Identity is (pid, start time), never the pid alone.** Pids are recycled; a runner restarted
  after days must not signal whatever now holds an old trial's pid. Every signal goes through a
  :class:`psutil.Process` checked against the recorded start time (psutil re-checks it before
  sending). Start times match within :data:`TOLERANCE` because the kernel's boot time, from which
  they are computed, can read a second apart in two processes; a pid wrapping around within a
  second to the same number is not a practical risk.
* **Stopping reaches every process of the trial.** Trainers spawn data loader workers,
  ``torchrun`` agents, servers that ``setsid`` or double-fork. Before any signal is sent, the
  targets are collected: the root's descendants (which still include ``setsid`` children, as
  long as their parents live), every process of the root's session and process group when the
  root leads them (the shim leads both), and every process whose environment carries the
  trial's marker variable (``TUITUNE_TRIAL_DIR``: unique per trial, inherited through any
  double fork). Collection repeats while waiting, so a process spawned during the grace period
  is caught too. A session or group the root does not lead is never used: it would be the
  caller's own.
* **SIGTERM once to each, then SIGKILL on one deadline, then wait.** Each process gets exactly
  one SIGTERM (a trainer that checkpoints in its handler must not run it twice), the grace
  period lets it checkpoint, and whatever is left at the deadline gets SIGKILL. The function
  returns when every target is gone (a zombie counts as gone), or, should the kernel hold a
  process in uninterruptible sleep, after :data:`KILL_WAIT` seconds more.
* ``signal_root=False`` is for the trial shim: it forwards what it receives to the command's
  process group, which would deliver a second SIGTERM, and it must live on to write
  ``exit.json``. So it is left alone, exits by itself once the command has gone, and is killed
  only if it has not after :data:`ROOT_WAIT` more seconds.
"""

from __future__ import annotations

import os
import signal
import time
from enum import StrEnum

import psutil

TOLERANCE = 1.0
"""Seconds by which two readings of one process's start time may differ."""
ROOT_WAIT = 5.0
"""Seconds an unsignalled root gets to exit after everything else was killed."""
KILL_WAIT = 10.0
"""Seconds to wait for SIGKILL to take effect. Only uninterruptible sleep (a hung network mount)
outlasts it; the caller then learns the end later from :func:`alive`, instead of blocking forever."""
RESCAN = 0.25
"""Seconds between collections of newly spawned processes while waiting."""


class Ending(StrEnum):
    """How :func:`terminate_tree` ended."""

    GONE = "gone"
    """Nothing to stop: the process had exited, or the pid now belongs to another process."""
    TERMINATED = "terminated"
    """Every process exited within the grace period after SIGTERM."""
    KILLED = "killed"
    """Something was still alive at the deadline and got SIGKILL."""


_spawned: set[int] = set()
"""Pids of our own children started by :func:`spawn_detached`: the only zombies reaped here, so
an exit status that a ``subprocess.Popen`` elsewhere waits for is never taken from it."""


def spawn_detached(argv: list[str], stdout: str | os.PathLike[str]) -> tuple[int, float]:
    """Start ``argv`` in a new session with stdin from ``/dev/null`` and stdout and stderr appended
    to ``stdout``; return its identity. Nothing ties it to the caller: it outlives the caller, its
    terminal and its SSH connection.

    ``os.posix_spawn`` rather than ``subprocess``: it is faster, and no ``Popen`` object is left to
    warn about a child it never waited for. While the caller lives, :func:`alive` reaps the child
    once it has ended; after the caller died, init does.
    """
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.fspath(stdout), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    pid = os.posix_spawn(argv[0], argv, dict(os.environ), file_actions=actions, setsid=True)
    _spawned.add(pid)
    try:
        return pid, psutil.Process(pid).create_time()  # a child that has not been reaped cannot vanish
    except psutil.Error as exc:
        raise RuntimeError(f"could not identify the process just started (pid {pid})") from exc


def identity(pid: int) -> tuple[int, float] | None:
    """``(pid, create_time)`` of a live process, or ``None`` when there is none."""
    try:
        return pid, psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def alive(pid: int, start_time: float) -> bool:
    """True while the process that started at ``start_time`` runs (a zombie has ended).

    A zombie started by :func:`spawn_detached` is reaped here, so the caller need not hold a handle.
    """
    return _process(pid, start_time) is not None


def find(cmdline: list[str] | None = None, *, marker: tuple[str, str] | None = None,
         session: tuple[int, float] | None = None) -> list[tuple[int, float]]:
    """Identities of the processes whose command line is ``cmdline``, or whose environment holds
    ``marker`` (``(name, value)``), or that belong to the session led by the process ``session``
    (``(pid, start time)``, alive or not; the leader itself is left out); the caller and its
    ancestors are never among them.

    A session is only used while its id can still be the leader's: Linux does not reuse a pid
    while a session carries it, but once the session is empty the pid may lead another.

    For the rare moments a pid was never recorded (a runner killed between starting a shim and
    writing its pid down) or its process has gone while children may linger: a full scan of the
    process table, tens of milliseconds, so never in a polling loop.
    """
    me = psutil.Process()
    spared = {me.pid, *(p.pid for p in me.parents())}
    sid = None
    if session is not None:
        spared.add(session[0])
        leader = identity(session[0])
        if leader is None or abs(leader[1] - session[1]) <= TOLERANCE:  # else the pid leads another now
            sid = session[0]
    found = []
    for p in psutil.process_iter():
        if p.pid in spared:
            continue
        try:
            if sid is not None and _getsid(p.pid) == sid:
                found.append((p.pid, p.create_time()))
            elif cmdline is not None and p.cmdline() == cmdline:
                found.append((p.pid, p.create_time()))
            elif marker is not None and p.environ().get(marker[0]) == marker[1]:
                found.append((p.pid, p.create_time()))
        except psutil.Error:  # another user's process, or gone
            continue
    return found


def send(pid: int, start_time: float, sig: int) -> bool:
    """Send ``sig`` to the process ``(pid, start_time)`` alone; False when it is not running."""
    p = _process(pid, start_time)
    if p is None:
        return False
    _send(p, sig)
    return True


def terminate_tree(pid: int, start_time: float, grace: float, *, marker: tuple[str, str] | None = None,
                   signal_root: bool = True) -> Ending:
    """Stop the process ``(pid, start_time)`` and everything it started; return how it ended.

    ``marker`` is an environment variable ``(name, value)`` set for the trial; processes
    carrying it are part of the tree wherever they went. Blocks until every process is gone:
    at most ``grace``, plus :data:`ROOT_WAIT` for an unsignalled root, plus the time SIGKILL
    takes (bounded by :data:`KILL_WAIT`).
    """
    root = _process(pid, start_time)
    if root is None:
        return Ending.GONE
    scope = _Scope(root, marker)
    targets = {root.pid: root, **scope.collect()}
    signalled: set[int] = set()

    def send_term(group: dict[int, psutil.Process]) -> None:
        for p in group.values():
            if p.pid not in signalled and (signal_root or p.pid != root.pid):
                signalled.add(p.pid)
                _send(p, signal.SIGTERM)

    send_term(targets)
    deadline = time.monotonic() + grace
    next_scan = time.monotonic() + RESCAN
    while (targets := _living(targets)) and time.monotonic() < deadline:
        if time.monotonic() >= next_scan:
            fresh = {k: p for k, p in scope.collect().items() if k not in targets}
            send_term(fresh)
            targets.update(fresh)
            next_scan = time.monotonic() + RESCAN
        time.sleep(0.02)
    targets = _living({**targets, **scope.collect()})
    if not targets:
        return Ending.TERMINATED
    doomed = {k: p for k, p in targets.items() if signal_root or k != root.pid}
    if not doomed:  # only the unsignalled root is left, writing down how its command ended
        if _wait(targets, ROOT_WAIT):
            return Ending.TERMINATED
        doomed = targets
    for _ in range(3):  # a process forked just before the kill is caught by the next collection
        for p in doomed.values():
            _send(p, signal.SIGKILL)
        targets.update(doomed)
        doomed = {k: p for k, p in _living(scope.collect()).items() if k not in targets}
    if not _wait(targets, ROOT_WAIT):  # an unsignalled root should have exited with its command
        for p in _living(targets).values():
            _send(p, signal.SIGKILL)
        _wait(targets, KILL_WAIT)
    return Ending.KILLED


class _Scope:
    """What belongs to a trial: descendants, the session and group the root leads, the marker."""

    def __init__(self, root: psutil.Process, marker: tuple[str, str] | None):
        self.root = root
        self.marker = marker
        self.sid = root.pid if _getsid(root.pid) == root.pid else None
        self.pgid = root.pid if _getpgid(root.pid) == root.pid else None
        me = psutil.Process()
        self.spared = {me.pid, *(p.pid for p in me.parents())}
        """The caller and its ancestors, never a target whatever they share with the root."""

    def collect(self) -> dict[int, psutil.Process]:
        found: dict[int, psutil.Process] = {}
        try:
            found.update((c.pid, c) for c in self.root.children(recursive=True))
        except psutil.Error:
            pass
        for p in psutil.process_iter():
            if p.pid in found or p.pid in self.spared or p.pid == self.root.pid:
                continue
            if self._belongs(p):
                found[p.pid] = p
        return {k: p for k, p in found.items() if k not in self.spared}

    def _belongs(self, p: psutil.Process) -> bool:
        if self.sid is not None and _getsid(p.pid) == self.sid:
            return True
        if self.pgid is not None and _getpgid(p.pid) == self.pgid:
            return True
        if self.marker is None:
            return False
        try:
            return p.environ().get(self.marker[0]) == self.marker[1]
        except psutil.Error:  # another user's process, or gone
            return False


def _process(pid: int, start_time: float) -> psutil.Process | None:
    try:
        p = psutil.Process(pid)
        if abs(p.create_time() - start_time) > TOLERANCE:
            return None
    except psutil.Error:
        return None
    return p if _running(p) else None


def _running(p: psutil.Process) -> bool:
    """Alive and the same process; a zombie is dead (and reaped if :func:`spawn_detached` made it)."""
    try:
        if not p.is_running():
            return False
        if p.status() != psutil.STATUS_ZOMBIE:
            return True
    except psutil.Error:
        return False
    if p.pid in _spawned:
        _spawned.discard(p.pid)
        try:
            os.waitpid(p.pid, os.WNOHANG)
        except ChildProcessError:
            pass
    return False


def _living(procs: dict[int, psutil.Process]) -> dict[int, psutil.Process]:
    return {k: p for k, p in procs.items() if _running(p)}


def _wait(procs: dict[int, psutil.Process], seconds: float) -> bool:
    """Wait up to ``seconds`` for ``procs`` to end; True when they all did."""
    deadline = time.monotonic() + seconds
    while _living(procs):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def _send(p: psutil.Process, sig: int) -> None:
    try:
        p.send_signal(sig)  # psutil checks the start time first: a recycled pid is never signalled
    except psutil.Error:
        pass


def _getsid(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except OSError:
        return None


def _getpgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None

"""The trial shim: ``python -m tuitune.runner.shim TRIAL_DIR`` runs one trial and records its end.

Why a shim at all: the runner may crash, be upgraded or be killed at any moment, and the trial
must neither notice nor be lost. So the runner never holds a trial directly. It starts this
small process (:func:`launch`) in a *new session*, which:

* reads ``command.json`` (argv, environment delta, working directory) from the trial directory;
* starts the command with stdin from ``/dev/null`` and stdout/stderr appended to ``stdout.log``
  and ``stderr.log``. Files, never pipes: a pipe's reader dying kills the writer with SIGPIPE;
  a file has no reader to lose;
* puts the command in its own process group inside the shim's session, so the group can be
  signalled as a unit and the session id (the shim's pid) finds even double-forked daemons;
* forwards SIGTERM, SIGINT and SIGHUP it receives to the command's process group, so
  ``kill SHIM_PID`` stops the trial the way a user expects;
* waits, then writes ``exit.json`` atomically: ``exit_code`` (``None`` when killed by a
  signal), ``signal``, ``pid`` of the command, ``shim_pid``, ``started_at``, ``ended_at``,
  ``forwarded`` (the first signal the shim forwarded, if any) and ``error`` (why the command
  could not start, else ``None``). A trial that outlives a crashed runner thereby still reports
  how it ended.

Fast to start, because every trial waits for it: it runs as a file with ``python -S`` (no
``site``: an editable install's path hooks alone cost more than the shim) with the package's
folder put on ``sys.path`` by hand, imports nothing beyond ``os``, ``sys``, ``signal``, ``time``
and ``json``, starts the command with ``os.posix_spawnp`` (not ``subprocess``), and leaves with
``os._exit`` right after ``exit.json`` is durable, so the runner's SIGCHLD follows at once.
"""

from __future__ import annotations

import os
import signal
import sys
import time

if __name__ == "__main__" and not __package__:  # run as a file (see launch): find the package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tuitune.runner.trialdir import COMMAND, EXIT, SHIM_LOG, STDERR, STDOUT, atomic_write_json, read_exit, read_json

__all__ = ["find", "launch", "main", "read_exit"]

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def launch(trial_dir: str | os.PathLike[str]) -> tuple[int, float]:
    """Start the shim for ``trial_dir``, detached; return its identity ``(pid, create_time)``.

    The shim gets a new session, stdin from ``/dev/null`` and its own output in ``shim.log``
    (see :func:`tuitune.runner.procs.spawn_detached`): killing the caller, its terminal or its
    SSH connection leaves the trial running. Identify the trial by the returned pair, never by
    the pid alone.
    """
    from tuitune.runner.procs import spawn_detached  # psutil costs ~20 ms; the shim process never needs it

    trial_dir = os.path.realpath(trial_dir)
    if not os.path.isfile(os.path.join(trial_dir, COMMAND)):
        raise FileNotFoundError(f"{os.path.join(trial_dir, COMMAND)} is missing: "
                                "write it with trialdir.write_command first")
    return spawn_detached(_argv(trial_dir), os.path.join(trial_dir, SHIM_LOG))


def find(trial_dir: str | os.PathLike[str]) -> tuple[int, float] | None:
    """The identity of a running shim of ``trial_dir``, found by its command line; ``None`` if none.

    For a runner that was killed after :func:`launch` but before it recorded the returned pid.
    """
    from tuitune.runner.procs import find as find_processes

    found = find_processes(_argv(os.path.realpath(trial_dir)))
    return found[0] if found else None


def _argv(trial_dir: str) -> list[str]:
    return [sys.executable, "-S", os.path.abspath(__file__), trial_dir]


def main(argv: list[str] | None = None) -> int:
    """Run the trial in ``argv[0]`` (a trial directory) to its end; return the shim's exit status."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -S -m tuitune.runner.shim TRIAL_DIR", file=sys.stderr)
        return 2
    trial_dir = os.path.realpath(args[0])
    os.chdir(trial_dir)  # hold no other folder busy; the command gets its own cwd below
    child: list[int] = []  # the command's pid, once it exists
    received: list[int] = []
    pending: list[int] = []  # received before the command existed
    reaped: list[bool] = []

    def forward(signum: int, _frame: object) -> None:
        received.append(signum)
        if not child:
            pending.append(signum)
        elif not reaped:  # once reaped, its pid may be reused
            _signal_group(child[0], signum)

    # Handlers before the start, so a stop that races the start is remembered and forwarded below.
    for sig in FORWARDED:
        signal.signal(sig, forward)
    started = time.time()
    record = {"exit_code": None, "signal": None, "pid": None, "shim_pid": os.getpid(),
              "started_at": started, "ended_at": None, "forwarded": None, "error": None}
    try:
        spec = read_json(os.path.join(trial_dir, COMMAND))
        if spec is None:
            raise FileNotFoundError(f"{os.path.join(trial_dir, COMMAND)} is missing")
        child.append(_spawn(trial_dir, spec))
        record["pid"] = child[0]
        while pending:  # each signal is forwarded once: from here, or by the handler itself
            _signal_group(child[0], pending.pop(0))
        _, status = os.waitpid(child[0], 0)  # retried across the handlers' interruptions (PEP 475)
        reaped.append(True)
        code = os.waitstatus_to_exitcode(status)
    except (OSError, KeyError, TypeError, ValueError) as exc:  # could not start: say why, once
        record["error"] = f"cannot start the command: {exc}"
        code = 127
    record["ended_at"] = time.time()
    record["forwarded"] = received[0] if received else None
    if code < 0:
        record["signal"] = -code
    else:
        record["exit_code"] = code
    atomic_write_json(os.path.join(trial_dir, EXIT), record)
    return code if code >= 0 else 128 - code


def _spawn(trial_dir: str, spec: dict) -> int:
    """Start the command in its own process group, stdin ``/dev/null``, output appended to the logs."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.path.join(trial_dir, STDOUT), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, os.path.join(trial_dir, STDERR), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
    ]
    argv = [str(a) for a in spec["argv"]]
    env = {**os.environ, **spec["env"]}
    os.chdir(spec["cwd"])  # posix_spawn has no working-directory action before Python 3.13
    try:
        return os.posix_spawnp(argv[0], argv, env, file_actions=actions, setpgroup=0)
    finally:
        os.chdir(trial_dir)


def _signal_group(pgid: int, signum: int) -> None:
    """Signal the command's process group; it may already be gone, which is fine."""
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # no interpreter teardown: the runner learns of the end through SIGCHLD now

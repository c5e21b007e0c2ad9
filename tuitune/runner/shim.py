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

Standard library only (no psutil): every trial pays this module's start-up time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tuitune.runner.trialdir import COMMAND, EXIT, SHIM_LOG, STDERR, STDOUT, atomic_write_json, read_exit, read_json

__all__ = ["launch", "main", "read_exit"]

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def launch(trial_dir: str | os.PathLike[str]) -> tuple[int, float]:
    """Start the shim for ``trial_dir``, detached; return its identity ``(pid, create_time)``.

    The shim gets a new session, stdin from ``/dev/null`` and its own output in ``shim.log``
    (see :func:`tuitune.runner.procs.spawn_detached`): killing the caller, its terminal or its
    SSH connection leaves the trial running. Identify the trial by the returned pair, never by
    the pid alone.
    """
    from tuitune.runner.procs import spawn_detached  # psutil costs ~20 ms; the shim process never needs it

    trial_dir = Path(trial_dir).resolve()
    if not (trial_dir / COMMAND).is_file():
        raise FileNotFoundError(f"{trial_dir / COMMAND} is missing: write it with trialdir.write_command first")
    return spawn_detached([sys.executable, "-m", "tuitune.runner.shim", str(trial_dir)], trial_dir / SHIM_LOG)


def main(argv: list[str] | None = None) -> int:
    """Run the trial in ``argv[0]`` (a trial directory) to its end; return the shim's exit status."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tuitune.runner.shim TRIAL_DIR", file=sys.stderr)
        return 2
    trial_dir = Path(args[0]).resolve()
    os.chdir(trial_dir)  # hold no other folder busy; the command gets its own cwd below
    proc: subprocess.Popen[bytes] | None = None
    received: list[int] = []
    pending: list[int] = []  # received before the command existed

    def forward(signum: int, _frame: object) -> None:
        received.append(signum)
        if proc is None:
            pending.append(signum)
        elif proc.returncode is None:  # once reaped, its pid may be reused
            _signal_group(proc.pid, signum)

    # Handlers before the start, so a stop that races the start is remembered and forwarded below.
    for sig in FORWARDED:
        signal.signal(sig, forward)
    started = time.time()
    record = {"exit_code": None, "signal": None, "pid": None, "shim_pid": os.getpid(),
              "started_at": started, "ended_at": None, "forwarded": None, "error": None}
    try:
        spec = read_json(trial_dir / COMMAND)
        if spec is None:
            raise FileNotFoundError(f"{trial_dir / COMMAND} is missing")
        with open(trial_dir / STDOUT, "ab") as out, open(trial_dir / STDERR, "ab") as err:
            proc = subprocess.Popen(spec["argv"], cwd=spec["cwd"], env={**os.environ, **spec["env"]},
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err, process_group=0)
        record["pid"] = proc.pid
        while pending:  # each signal is forwarded once: from here, or by the handler itself
            _signal_group(proc.pid, pending.pop(0))
        code = proc.wait()
    except (OSError, KeyError, TypeError, ValueError) as exc:  # could not start: say why, once
        record["error"] = f"cannot start the command: {exc}"
        code = 127
    record["ended_at"] = time.time()
    record["forwarded"] = received[0] if received else None
    if code < 0:
        record["signal"] = -code
    else:
        record["exit_code"] = code
    atomic_write_json(trial_dir / EXIT, record)
    return code if code >= 0 else 128 - code


def _signal_group(pgid: int, signum: int) -> None:
    """Signal the command's process group; it may already be gone, which is fine."""
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    sys.exit(main())

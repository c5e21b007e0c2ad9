"""The trial directory: the files a trial leaves behind, written so that a crash never tears them.

Why files, and why like this: the trial directory is the source of truth that outlives every
process (the runner, the shim, the TUI). The store can be rebuilt from it, and a restarted runner
reconciles from it. So every file tuitune itself writes here (``params.json``, ``command.json``,
``exit.json``) is written atomically: a temporary file in the same directory, ``fsync``, then
``os.replace``. A reader therefore sees either no file or the whole file, even across a power
loss. The files the *command* writes (``stdout.log``, ``stderr.log``, ``metrics.jsonl``) are
append-only and read by byte offset instead (see :mod:`tuitune.runner.channels`).

Standard library only, and only what the Python start-up has loaded anyway (``os``, ``json``;
no ``pathlib``, no ``typing`` at run time): the shim imports this module for every trial, and its
start-up time is part of each trial's overhead.
"""

from __future__ import annotations

import json
import os

TYPE_CHECKING = False  # what typing.TYPE_CHECKING is, without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any


PARAMS = "params.json"
COMMAND = "command.json"
STDOUT = "stdout.log"
STDERR = "stderr.log"
METRICS = "metrics.jsonl"
EXIT = "exit.json"
SHIM_LOG = "shim.log"
"""The shim's own stdout and stderr: where a shim that cannot start the command says why."""
ENDING = "ending.json"
"""The runner's verdict on a trial it is ending itself (stopped, timed out, diverged), written
before it acts, so a runner restarted mid-stop still knows which state the trial ends in."""


def atomic_write_json(path: str | os.PathLike[str], data: Any) -> None:
    """Write ``data`` as JSON to ``path`` so that readers see the old file, or the whole new one.

    NaN and infinities are written as JSON's common extension (``NaN``, ``Infinity``), which
    Python's :func:`json.loads` reads back.
    """
    path = os.fspath(path)
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(folder or ".")


def _fsync_dir(folder: str) -> None:
    """Make the rename itself durable (the directory entry lives in the folder)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_json(path: str | os.PathLike[str]) -> Any | None:
    """The JSON in ``path``, or ``None`` when the file does not exist (yet)."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def write_params(trial_dir: str | os.PathLike[str], params: Mapping[str, Any]) -> str:
    """Write ``params.json`` (passed name -> value), creating the trial directory; return its path."""
    os.makedirs(trial_dir, exist_ok=True)
    path = os.path.join(trial_dir, PARAMS)
    atomic_write_json(path, dict(params))
    return path


def write_command(trial_dir: str | os.PathLike[str], argv: Sequence[str], env: Mapping[str, str],
                  cwd: str | os.PathLike[str]) -> str:
    """Write ``command.json``: what the shim runs, so the exact command is on disk before it starts.

    ``env`` is the *delta* over the runner's environment (what tuitune adds), kept small so the
    file says what tuitune did rather than copying every variable of the runner.
    """
    if not argv:
        raise ValueError("the command is empty")
    os.makedirs(trial_dir, exist_ok=True)
    path = os.path.join(trial_dir, COMMAND)
    atomic_write_json(path, {"argv": [str(a) for a in argv], "env": {str(k): str(v) for k, v in env.items()},
                             "cwd": os.path.realpath(cwd)})
    return path


def read_exit(trial_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The shim's ``exit.json`` (see :mod:`tuitune.runner.shim`), or ``None`` while the trial runs.

    Never a partial file: the shim writes it atomically.
    """
    return read_json(os.path.join(trial_dir, EXIT))


def write_ending(trial_dir: str | os.PathLike[str], state: str, reason: str, *, stop: bool) -> dict[str, Any]:
    """Record how the runner means the trial to end (``state``, ``reason``) and whether it is
    stopping it, unless a verdict is already there: the first one stands. Returns the verdict.

    One upgrade is allowed: a verdict that let the trial run on (``"stop": false``, a divergence
    under ``[divergence] stop = false``) becomes a stopping one when ``stop`` is asked for (a stop
    request, a timeout), keeping its state and reason.
    """
    found = read_ending(trial_dir)
    if found is not None:
        if stop and not found.get("stop"):
            found = {**found, "stop": True}
            atomic_write_json(os.path.join(trial_dir, ENDING), found)
        return found
    verdict = {"state": state, "reason": reason, "stop": stop}
    atomic_write_json(os.path.join(trial_dir, ENDING), verdict)
    return verdict


def read_ending(trial_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The verdict written by :func:`write_ending`, or ``None``."""
    return read_json(os.path.join(trial_dir, ENDING))

"""The trial directory: the files a trial leaves behind, written so that a crash never tears them.

Why files, and why like this: the trial directory is the source of truth that outlives every
process (the runner, the shim, the TUI). The store can be rebuilt from it, and a restarted runner
reconciles from it. So every file tuitune itself writes here (``params.json``, ``command.json``,
``exit.json``) is written atomically: a temporary file in the same directory, ``fsync``, then
``os.replace``. A reader therefore sees either no file or the whole file, even across a power
loss. The files the *command* writes (``stdout.log``, ``stderr.log``, ``metrics.jsonl``) are
append-only and read by byte offset instead (see :mod:`tuitune.runner.channels`).

Standard library only: the shim imports this module for every trial, and its start-up time is
part of each trial's overhead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

PARAMS = "params.json"
COMMAND = "command.json"
STDOUT = "stdout.log"
STDERR = "stderr.log"
METRICS = "metrics.jsonl"
EXIT = "exit.json"
SHIM_LOG = "shim.log"
"""The shim's own stdout and stderr: where a shim that cannot start the command says why."""


def atomic_write_json(path: str | os.PathLike[str], data: Any) -> None:
    """Write ``data`` as JSON to ``path`` so that readers see the old file, or the whole new one.

    NaN and infinities are written as JSON's common extension (``NaN``, ``Infinity``), which
    Python's :func:`json.loads` reads back.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
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


def write_params(trial_dir: str | os.PathLike[str], params: Mapping[str, Any]) -> Path:
    """Write ``params.json`` (passed name -> value), creating the trial directory; return its path."""
    trial_dir = Path(trial_dir)
    trial_dir.mkdir(parents=True, exist_ok=True)
    path = trial_dir / PARAMS
    atomic_write_json(path, dict(params))
    return path


def write_command(trial_dir: str | os.PathLike[str], argv: Sequence[str], env: Mapping[str, str],
                  cwd: str | os.PathLike[str]) -> Path:
    """Write ``command.json``: what the shim runs, so the exact command is on disk before it starts.

    ``env`` is the *delta* over the runner's environment (what tuitune adds), kept small so the
    file says what tuitune did rather than copying every variable of the runner.
    """
    if not argv:
        raise ValueError("the command is empty")
    trial_dir = Path(trial_dir)
    trial_dir.mkdir(parents=True, exist_ok=True)
    path = trial_dir / COMMAND
    atomic_write_json(path, {"argv": [str(a) for a in argv], "env": {str(k): str(v) for k, v in env.items()},
                             "cwd": os.fspath(Path(cwd).resolve())})
    return path


def read_exit(trial_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The shim's ``exit.json`` (see :mod:`tuitune.runner.shim`), or ``None`` while the trial runs.

    Never a partial file: the shim writes it atomically.
    """
    return read_json(Path(trial_dir) / EXIT)

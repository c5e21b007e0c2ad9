"""``tuitune.report(step=..., **metrics)``: how a training script hands its metrics to tuitune.

Why it is shaped like this:

* It runs inside the user's training process, so it imports only the standard library (no
  numpy, no tuitune internals) and costs next to nothing to import or call.
* It writes files, not sockets: one JSON object per line appended to ``$TUITUNE_METRICS_FILE``
  (set by the runner for every trial). The runner reads that file by byte offset, so a crash of
  either side loses nothing, and the file stays the record the store can be rebuilt from.
* Each call is **one** ``write(2)`` of a whole line to a descriptor opened with ``O_APPEND``:
  lines from several processes (data-parallel ranks) never interleave, and a process killed
  mid-call can only leave a torn *last* line, which the reader waits on and never misreads.
* Non-finite values are written as JSON's common extension (``NaN``, ``Infinity``,
  ``-Infinity``), which the runner reads back, because a NaN loss is exactly what divergence
  detection needs to see.
* Outside tuitune (no ``TUITUNE_METRICS_FILE``) it does nothing but print a one-time notice to
  stderr, so the same script runs by hand unchanged.

Line format: ``{"step": 12, "_time": 1712345678.9, "loss": 0.25}`` (``_time`` is seconds since
the epoch; every other key is a metric).
"""

from __future__ import annotations

import json
import operator
import os
import sys
import threading
import time

__all__ = ["report"]

ENV = "TUITUNE_METRICS_FILE"
RESERVED = frozenset({"step", "_time"})

_lock = threading.Lock()
_fd: int | None = None
_fd_path: str | None = None
_warned = False


def report(step: int, **metrics: float) -> None:
    """Record ``metrics`` (name -> number) at training step ``step``.

    Values may be anything ``float()`` accepts (Python numbers, numpy scalars, one-element
    tensors). Raises ``TypeError`` or ``ValueError`` for a value that is not a number, so a
    mistake shows at the call that made it rather than as a silently missing curve.
    """
    global _warned
    line = {"step": operator.index(step), "_time": time.time()}
    for name, value in metrics.items():
        if name in RESERVED:
            raise ValueError(f"tuitune.report(): {name!r} is reserved and cannot be a metric name")
        try:
            line[name] = float(value)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"tuitune.report(): metric {name!r} must be a number, got {value!r}") from None
    path = os.environ.get(ENV)
    if not path:
        if not _warned:
            _warned = True
            print(f"tuitune.report(): {ENV} is not set (not running under tuitune); metrics are not recorded",
                  file=sys.stderr)
        return
    data = (json.dumps(line, separators=(",", ":")) + "\n").encode()
    with _lock:
        fd = _descriptor(path)
        while data:  # a regular file takes the whole write; the loop only guards a short write
            data = data[os.write(fd, data):]


def _descriptor(path: str) -> int:
    """The append-only descriptor for ``path``, opened once (and again if the path changes).

    A forked child (a data loader worker) shares it, which ``O_APPEND`` makes safe.
    """
    global _fd, _fd_path
    if _fd is None or _fd_path != path:
        if _fd is not None:
            os.close(_fd)
        _fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        _fd_path = path
    return _fd

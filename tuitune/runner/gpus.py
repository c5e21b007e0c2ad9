"""The GPU pool: which GPUs the runner may hand out, and to whom each one belongs right now.

Why it works like this:

* **Discovery follows what the user already told the box.** ``CUDA_VISIBLE_DEVICES`` in the
  runner's environment wins (the user restricted the runner on purpose; an empty value means no
  GPU), then ``nvidia-smi -L`` (every GPU of the box; MIG instances by UUID where a GPU is
  split, since that is the only way CUDA addresses them), then the project file's list. A
  missing, failing or hanging ``nvidia-smi`` means "no GPUs from here", never an error.
* **Ids are strings**, exactly as ``CUDA_VISIBLE_DEVICES`` takes them: indices (``"0"``) or
  UUIDs (``"GPU-8f…"``, ``"MIG-…"``). The pool does not interpret them.
* **Exclusive by construction.** :meth:`GpuPool.acquire` hands out free ids only, all or none,
  under a lock; a held id is never handed to a second holder until :meth:`GpuPool.release`.
  :meth:`GpuPool.reserve` re-marks the ids of trials re-adopted after a runner restart, before
  anything new is started, and refuses an id that is already held.
* Tests build a pool from made-up ids (``GpuPool(["0", "1"])``) and pass fake environments and
  fake ``nvidia-smi`` runners to :func:`discover`; nothing here needs a GPU.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence

_GPU_LINE = re.compile(r"^GPU (\d+):")
_MIG_LINE = re.compile(r"^\s+MIG .*\(UUID: (MIG-[^)\s]+)\)")

SmiRunner = Callable[[Sequence[str], float], str]
"""Runs ``nvidia-smi`` with arguments and a timeout, returns its stdout; raises ``OSError``,
``subprocess.SubprocessError`` when it is missing, fails or hangs."""


def _run_smi(args: Sequence[str], timeout: float) -> str:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=True,
                          stdin=subprocess.DEVNULL).stdout


def from_visible_devices(value: str) -> tuple[str, ...]:
    """The ids listed in a ``CUDA_VISIBLE_DEVICES`` value.

    Like CUDA, the list ends at the first invalid entry; ``-1`` or an empty value means none.
    """
    ids: list[str] = []
    for item in value.split(","):
        item = item.strip()
        if not item or item.startswith("-"):
            break
        ids.append(item)
    return tuple(ids)


def from_nvidia_smi(output: str) -> tuple[str, ...]:
    """The ids in ``nvidia-smi -L`` output: each GPU's index, or its MIG instances' UUIDs."""
    ids: list[str] = []
    current: str | None = None
    migs: list[str] = []

    def flush() -> None:
        ids.extend(migs if migs else ([current] if current is not None else []))

    for line in output.splitlines():
        if m := _GPU_LINE.match(line):
            flush()
            current, migs = m.group(1), []
        elif m := _MIG_LINE.match(line):
            migs.append(m.group(1))
    flush()
    return tuple(ids)


def discover(env: Mapping[str, str] | None = None, *, configured: Sequence[int | str] | None = None,
             run: SmiRunner = _run_smi, timeout: float = 10.0) -> tuple[str, ...]:
    """The GPU ids this runner may use (see the module docstring for the order of sources)."""
    env = os.environ if env is None else env
    if "CUDA_VISIBLE_DEVICES" in env:
        return from_visible_devices(env["CUDA_VISIBLE_DEVICES"])
    try:
        found = from_nvidia_smi(run(["nvidia-smi", "-L"], timeout))
    except (OSError, subprocess.SubprocessError):
        found = ()
    if found:
        return found
    return tuple(str(g) for g in configured or ())


class GpuPool:
    """Exclusive GPU ids for concurrent trials. Thread-safe; every method is atomic."""

    def __init__(self, ids: Iterable[str]):
        self._ids = tuple(dict.fromkeys(str(i) for i in ids))
        self._held: set[str] = set()
        self._lock = threading.Lock()

    @property
    def ids(self) -> tuple[str, ...]:
        """Every id of the pool, in discovery order."""
        return self._ids

    @property
    def free(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(i for i in self._ids if i not in self._held)

    def acquire(self, n: int) -> tuple[str, ...] | None:
        """``n`` free ids (the first free ones), now held; ``None`` when fewer are free.

        ``acquire(0)`` is ``()``: a CPU-only trial always fits. Asking for more GPUs than the
        pool has raises ``ValueError``: waiting would never end.
        """
        if n < 0 or n > len(self._ids):
            raise ValueError(f"cannot hold {n} GPUs from a pool of {len(self._ids)} ({', '.join(self._ids) or 'none'})")
        with self._lock:
            free = [i for i in self._ids if i not in self._held]
            if len(free) < n:
                return None
            taken = tuple(free[:n])
            self._held.update(taken)
            return taken

    def release(self, ids: Iterable[str]) -> None:
        """Give ``ids`` back. Releasing an id that is not held is a bug in the caller: ValueError."""
        ids = [str(i) for i in ids]
        with self._lock:
            if stray := [i for i in ids if i not in self._held]:
                raise ValueError(f"GPU ids not held: {', '.join(stray)}")
            self._held.difference_update(ids)

    def reserve(self, ids: Iterable[str]) -> None:
        """Hold ``ids`` of a re-adopted trial. Ids outside the pool are held too (the trial uses
        them whatever the pool says), so they are never handed out; one already held is a
        conflict and raises ``ValueError``, holding nothing."""
        ids = [str(i) for i in ids]
        with self._lock:
            if clash := [i for i in ids if i in self._held]:
                raise ValueError(f"GPU ids already held by another trial: {', '.join(clash)}")
            self._held.update(ids)

"""The TUI's one door to the store, the runner and the clock.

Why it is shaped like this (harlequin's split of a headless core from the TUI): screens never
touch SQLite or files on the event loop. Every read or write is a plain function of a
:class:`~tuitune.store.Store` run on a *lane*, a single background thread that owns one
connection for its whole life (SQLite connections belong to one thread), and the screen awaits
the result. Quick reads and the user's writes share the ``io`` lane; analysis, which may take a
second on a big study, runs on the ``compute`` lane so it never delays a Monitor refresh.

The runner is reached through :class:`RunnerControl`, so tests inject a fake and the TUI never
starts or stops a trial itself: it writes intents (commands) that the runner daemon acts on.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol, TypeVar

from tuitune.domain import Project, TuituneError
from tuitune.plots.markers import MARKERS
from tuitune.store import Store

T = TypeVar("T")

MARKER_ENV = "TUITUNE_MARKER"
"""Environment variable naming the plot marker style (``braille``, ``hd``, ``dot``, ``ascii``)."""


def default_marker() -> str:
    """The marker style of :data:`MARKER_ENV`, else ``braille`` (the finest, where the font has it)."""
    return os.environ.get(MARKER_ENV, "").strip().lower() or "braille"


class RunnerControl(Protocol):
    """What the TUI may ask of the runner daemon. Implementations must be thread-safe."""

    def state(self) -> str:
        """One short phrase for the status line, e.g. ``running (pid 4242)`` or ``stopped``."""
        ...

    def ensure(self) -> None:
        """Start the daemon when none is running for this store; return once it is up."""
        ...


class _Lane:
    """One thread, one store connection, jobs in order."""

    def __init__(self, name: str, open_store: Callable[[], Store]):
        self._local = threading.local()
        self._open_store = open_store
        self._opened: list[Store] = []
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"tuitune-{name}")

    def _store(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = self._open_store()
            self._opened.append(store)
        return store

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(self._store(), *args))

    def close(self) -> None:
        def close_all() -> None:
            for store in self._opened:
                store.close()
        self._executor.submit(close_all).result()
        self._executor.shutdown(wait=True)


@dataclass
class Backend:
    """Everything the App needs from outside Textual, injected (tests pass fakes).

    Contract: ``io`` and ``compute`` are awaited from the event loop and run ``fn(store, *args)``
    on their lane's thread; ``fn`` must not touch widgets. :meth:`close` is called once when the
    App exits and never stops a trial.
    """

    project: Project
    project_file: Path
    store_path: Path
    runner: RunnerControl
    clock: Callable[[], float] = time.time
    """Seconds since the epoch; frozen in snapshot tests."""
    refresh_s: float = 0.5
    """How often live screens reload (2 per second; slower with ``--low-bandwidth``)."""
    low_bandwidth: bool = False
    marker: str = field(default_factory=default_marker)
    """Marker style of every plot the panes draw: ``hd``, ``dot`` or ``ascii`` for fonts without
    braille (see :data:`tuitune.plots.MARKERS`)."""
    _lanes: dict[str, _Lane] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.marker not in MARKERS:
            raise TuituneError(f"unknown plot marker style {self.marker!r} (from --marker or ${MARKER_ENV}): "
                                f"choose one of {', '.join(MARKERS)}")
        with Store.open(self.store_path):
            pass  # create and migrate once, before the lanes open their connections
        opener = partial(Store.open, self.store_path)
        self._lanes = {"io": _Lane("io", opener), "compute": _Lane("compute", opener)}

    async def io(self, fn: Callable[..., T], *args: object) -> T:
        """Run a quick read or a user's write on the ``io`` lane."""
        return await self._lanes["io"].run(fn, *args)

    async def compute(self, fn: Callable[..., T], *args: object) -> T:
        """Run analysis (seconds at most) on the ``compute`` lane."""
        return await self._lanes["compute"].run(fn, *args)

    def close(self) -> None:
        for lane in self._lanes.values():
            lane.close()


class DaemonRunner:
    """:class:`RunnerControl` over the real runner daemon of one store (its pid file and lock)."""

    def __init__(self, project_root: Path, store_path: Path) -> None:
        from tuitune.runner.lock import RunnerPaths

        self._root = project_root
        self._paths = RunnerPaths.for_store(store_path)

    def state(self) -> str:
        from tuitune.runner.lock import running

        return "running" if running(self._paths) is not None else "stopped"

    def ensure(self) -> None:
        from tuitune.runner.control import ensure_runner

        ensure_runner(self._root, self._paths)

"""The Textual TUI: five panes over the store, the runner reached only through intents.

:func:`run` is what a bare ``tuitune`` calls; everything it needs is built here and injected
into :class:`~tuitune.tui.app.TuituneApp`, so tests build the App with fakes instead.
"""

from __future__ import annotations

import gc
from pathlib import Path

from tuitune.domain import TrialState


def run(project_file: Path, *, low_bandwidth: bool = False, start: str | None = None,
        marker: str | None = None) -> int:
    """Open the App on the project whose ``tuitune.toml`` is ``project_file``; returns its exit
    status on quit (non-zero when the App itself failed).

    ``marker`` is the plots' marker style (default: ``$TUITUNE_MARKER``, else ``braille``).
    Quitting, or losing the terminal, never stops a trial: they belong to the runner daemon.
    """
    gc.disable()  # until TuituneApp.run freezes what start-up made: see there
    try:
        from tuitune import config
        from tuitune.tui.app import TuituneApp
        from tuitune.tui.backend import Backend, DaemonRunner, default_marker

        project = config.load_project(project_file)
        store_path = config.project_store_path(project)
        backend = Backend(project, project_file, store_path, DaemonRunner(project_file.parent, store_path),
                          refresh_s=2.0 if low_bandwidth else 0.5, low_bandwidth=low_bandwidth,
                          marker=marker or default_marker())
        app = TuituneApp(backend, start=start)
    finally:
        gc.enable()  # a start-up that failed must not leave the collector off (TuituneApp.run freezes first)
    app.run()
    if (goodbye := farewell(app.overview)) is not None:
        print(goodbye)
    return app.return_code or 0


def farewell(overview) -> str | None:
    """What to say on quitting while trials run or wait: that they go on, and how to see them."""
    if overview is None:
        return None
    running, queued = overview.active, overview.counts.get(TrialState.QUEUED, 0)
    if not running + queued:
        return None
    parts = [f"{n} trial{'s' * (n != 1)} {word}" for n, word in ((running, "running"), (queued, "queued")) if n]
    how = "the runner goes on with them" if not overview.runner.startswith("stopped") else \
        "the runner is stopped: `tuitune runner start` runs them"
    return f"{' and '.join(parts)}: {how}; `tuitune` reopens them, `tuitune status` lists them"

"""How responsive the TUI is on a round of 1,000 trials, 16 of them running: three figures.

Builds the store a busy round looks like: 1,000 trials, 984 ended with 200 steps of two metrics,
16 running with long curves (default 2,000 steps) still growing, every one with the objective
the runner caches as it ingests. Then, in the same run:

* **Cold start** (target: ratio <= 2): wall time from spawning ``python`` to the first pane
  showing its data, for the ``tuitune`` command on that store (``tuitune.cli.main``, argument
  parsing and the real runner probe included; it opens on Monitor, where its trials are,
  and counts once its first reload has put the table on screen; the curves follow) against a
  bare Textual app (one ``Static``, counted at its first paint). Both run headless at 120x40 in a fresh interpreter, imports
  included, the median of ``--starts`` spawns each, after one spawn of each that is not counted:
  it lets Python write its bytecode cache (even where ``PYTHONDONTWRITEBYTECODE`` is set), as
  every start but a fresh install's first has it; without it the editable ``tuitune`` package
  would be compiled from source at every start while Textual, installed by pip, never is.
* **One Monitor refresh** (target: <= 50 ms CPU): ``time.process_time`` (every thread: the store
  lanes, plotext and Textual's rendering) of one whole refresh of the real pane after each
  running trial reported a new step (table updated, curves re-read and redrawn, log tail read,
  screen painted), in the steady state (after the one-time background import of the other
  panes' modules, a second after start, which would be counted in every thread's CPU time);
  median of ``--repeat``. Beside it, for scale, the store queries of a naive
  refresh (every trial of the round + ``latest``), and a refresh when nothing is new.
* **Peak RSS** (target: <= 300 MB) of the ``tuitune`` process after it has shown all five
  panes on that store (the Review pane analyses the whole round).

Usage: ``python benchmarks/tui_responsiveness.py [--trials N] [--running N] [--steps N]``.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.abc
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"cold_start_ratio": 2.0, "refresh_ms": 50.0, "peak_rss_mb": 300.0}
NOW = 1_780_000_000.0
SIZE = (120, 40)
PROJECT = """\
[project]
name = "bench"
command = "python train.py {args}"

[metrics]
train = "train_loss"
valid = "val_loss"
"""
STUDY = """\
name = "sweep"
trials = {trials}

[params.learning_rate]
low = 0.0001
high = 1.0
scale = "log"

[params.weight_decay]
role = "scientific"
values = [0.0, 0.0001, 0.001]
"""


class Runner:
    """A runner that is always up and never starts anything (the store is all the TUI reads)."""

    def state(self) -> str:
        return "running (benchmark)"

    def ensure(self) -> None:
        pass


def build(folder: Path, trials: int, running: int, steps: int) -> list[int]:
    """The project folder and its store; returns the ids of the running trials."""
    from tuitune import config, search
    from tuitune.domain import Round, TrialState
    from tuitune.store import Store

    (folder / "tuitune.toml").write_text(PROJECT)
    (folder / "sweep.toml").write_text(STUDY.format(trials=trials))
    project = config.load_project(folder)
    study = config.load_study(folder / "sweep.toml", project)
    with Store.open(config.project_store_path(project)) as store:
        rnd = store.add_round(Round("benchmark"))
        stored = store.add_study(study, rnd.id)
        live = []
        for i, t in enumerate(store.add_trials(search.trials_for(stored, stored.id))):
            n = steps if i < running else 200
            store.transition(t.id, TrialState.STARTING, at=NOW - 3600, gpus=(str(i % 8),))
            store.transition(t.id, TrialState.RUNNING, at=NOW - 3599)
            store.add_measurements([(t.id, s, m, 1.0 / (s + 1) + 0.01 * (i % 7), NOW - 3600 + s)
                                    for s in range(n) for m in ("train_loss", "val_loss")])
            if i < running:
                live.append(t.id)
            else:
                store.transition(t.id, TrialState.COMPLETED, at=NOW - 100, exit_code=0)
            store.set_objective(t.id, 1.0 / n + 0.01 * (i % 7))  # the runner keeps it current
    return live


def make_app(folder: Path, start: str | None = None, refresh_s: float = 0.5):
    from tuitune import config
    from tuitune.tui.app import TuituneApp
    from tuitune.tui.backend import Backend

    project = config.load_project(folder)
    backend = Backend(project, folder / "tuitune.toml", config.project_store_path(project), Runner(),
                      clock=lambda: NOW, refresh_s=refresh_s)
    return TuituneApp(backend, start=start)


# --- cold start and peak RSS: each in a fresh interpreter ---------------------------------------

def child(kind: str, folder: Path) -> None:
    """Run an app headless; print ``shown`` once its first screen is up, then (tuitune) visit
    every pane and exit, printing its own peak RSS (``VmHWM``; ``ru_maxrss`` would include the
    high-water mark of the parent this process was forked from)."""
    try:
        run_child(kind, folder)
    finally:
        hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
        print("hwm", hwm.split()[1], flush=True)


def run_child(kind: str, folder: Path) -> None:
    if kind == "bare":
        from textual.app import App
        from textual.widgets import Static

        class Bare(App[None]):
            def compose(self):
                yield Static("a bare Textual app")

            def on_ready(self) -> None:
                print("shown", flush=True)
                self.exit()

        Bare().run(headless=True, size=SIZE)
        return

    # The real command, ``tuitune -C FOLDER``, with two things patched in: it runs headless at
    # SIZE, and a 5 ms timer watches for the first screen (then walks the other panes). The
    # patch is applied when the command imports the App, so the child imports nothing early.
    from tuitune import cli

    panes = iter(("goal", "design", "review", "decide"))
    state = {"shown": False}

    def tick(app) -> None:
        from tuitune.tui.screens.base import PaneScreen
        from tuitune.tui.screens.monitor import MonitorScreen

        screen = app.screen
        if not state["shown"]:
            if isinstance(screen, MonitorScreen) and screen.data.total and not screen._reloading:
                state["shown"] = True
                app.call_after_refresh(print, "shown", flush=True)
            return
        loaded = isinstance(screen, PaneScreen) and not screen._reloading and not any(
            w.is_running for w in app.workers)
        if loaded:
            mode = next(panes, None)
            app.exit() if mode is None else app.switch_mode(mode)

    def patch(module: ModuleType) -> None:
        app_class = module.TuituneApp
        run, mount = app_class.run, app_class.on_mount

        def watched_mount(app) -> None:
            mount(app)
            app.set_interval(0.005, lambda: tick(app))

        app_class.on_mount = watched_mount
        app_class.run = lambda app, **_: run(app, headless=True, size=SIZE)

    after_import("tuitune.tui.app", patch)
    code = cli.main(["-C", str(folder)])
    if code:
        raise SystemExit(code)


def after_import(name: str, patch: Callable[[ModuleType], None]) -> None:
    """Call ``patch(module)`` as soon as module ``name`` has been imported, wherever that happens."""

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path, target=None):
            if fullname != name:
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(fullname)
            run_module = spec.loader.exec_module

            def exec_module(module: ModuleType) -> None:
                run_module(module)
                patch(module)

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, Finder())


def spawn(kind: str, folder: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Seconds from spawn to ``shown``, and the child's peak RSS in MB."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", kind, str(folder)], stdout=subprocess.PIPE,
                            text=True, cwd=ROOT, env=env)
    assert proc.stdout is not None
    shown, hwm_kb = None, 0
    for line in proc.stdout:
        if line.strip() == "shown" and shown is None:
            shown = time.perf_counter() - t0
        elif line.startswith("hwm "):
            hwm_kb = int(line.split()[1])
    proc.wait()
    if shown is None or proc.returncode != 0:
        raise RuntimeError(f"the {kind} app did not show its first screen (exit {proc.returncode})")
    return shown, hwm_kb / 1024


# --- one Monitor refresh, in this process -------------------------------------------------------

def cpu_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append((time.process_time() - t0) * 1000)
    return statistics.median(times)


async def refresh_ms(folder: Path, live: list[int], steps: int, repeat: int) -> tuple[float, float]:
    """Median CPU ms of one refresh after new steps of every running trial, and of one with none."""
    from tuitune.store import Store
    from tuitune.tui.screens.monitor import MonitorScreen

    app = make_app(folder, start="monitor", refresh_s=3600)  # refreshes happen only when asked here
    busy, idle = [], []
    gc.freeze()  # as TuituneApp.run does before the real App starts
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, MonitorScreen)
        for _ in range(400):  # steady state: the first load drawn, the other panes' modules imported
            await pilot.pause(0.05)
            warmed = "tuitune.tui.screens.decide" in sys.modules and not any(
                w.group == "warm-up" for w in app.workers)
            if screen.data.total and screen.curves._drawn is not None and warmed:
                break
        with Store.open(app.backend.store_path) as store:
            for i in range(repeat):
                store.add_measurements([(t, steps + i, m, 0.001, NOW) for t in live for m in ("train_loss", "val_loss")])
                drawn = screen.curves._drawn
                t0 = time.process_time()
                await screen.reload()
                while screen.curves._drawn == drawn or screen.workers:
                    await asyncio.sleep(0.001)
                await pilot.pause()
                busy.append((time.process_time() - t0) * 1000)
                t0 = time.process_time()
                await screen.reload()
                while screen.workers:
                    await asyncio.sleep(0.001)
                await pilot.pause()
                idle.append((time.process_time() - t0) * 1000)
    return statistics.median(busy), statistics.median(idle)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--running", type=int, default=16)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return

    from tuitune import config
    from tuitune.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        live = build(folder, args.trials, args.running, args.steps)
        writing = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        for kind in ("bare", "tuitune"):
            spawn(kind, folder, env=writing)  # not counted: writes the bytecode cache
        starts = {kind: [spawn(kind, folder) for _ in range(args.starts)] for kind in ("bare", "tuitune")}
        cold = {kind: statistics.median(s for s, _ in runs) for kind, runs in starts.items()}
        rss = max(r for _, r in starts["tuitune"])
        with Store.open(config.project_store_path(config.load_project(folder)), readonly=True) as store:
            rid = store.current_round().id
            queries = cpu_ms(lambda: (store.trials(round_id=rid), store.latest(round_id=rid)), args.repeat)
        refresh, idle = asyncio.run(refresh_ms(folder, live, args.steps, args.repeat))
    figures = {"cold_start_ratio": cold["tuitune"] / cold["bare"], "refresh_ms": refresh, "peak_rss_mb": rss}
    print(json.dumps({
        "trials": args.trials, "running": args.running, "steps_per_running_trial": args.steps,
        "cold_start_s": round(cold["tuitune"], 3), "bare_textual_start_s": round(cold["bare"], 3),
        "cold_start_ratio": round(figures["cold_start_ratio"], 2),
        "refresh_ms": round(refresh, 2), "idle_refresh_ms": round(idle, 2), "store_queries_ms": round(queries, 2),
        "peak_rss_mb": round(rss, 1),
        "targets": TARGETS, "met": {name: figures[name] <= target for name, target in TARGETS.items()},
    }))


if __name__ == "__main__":
    main()

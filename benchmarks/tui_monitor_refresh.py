"""CPU time of one Monitor refresh with 16 running trials in a round of 1,000 (target <= 50 ms).

Builds a store the way a busy round looks: 1,000 trials, 984 ended, 16 running with long curves
(default 2,000 steps of two metrics) still growing, every one with the objective the runner
caches as it ingests. Then,
in the same run, it measures (median CPU time, ``time.process_time``, which counts every thread
of the process: the store lanes, plotext and Textual's rendering):

* ``baseline_ms``: the bare store queries the table needs (``trials`` + ``latest`` of the round);
* ``loaders_ms``: the pane's pure loaders (table window, curves of the plotted trials, log tail);
* ``refresh_ms``: one whole refresh of the real pane in a headless App at 120x40 after each
  running trial reported a new step (table cells updated, curves redrawn, screen rendered).

Usage: ``python benchmarks/tui_monitor_refresh.py [--trials N] [--running N] [--steps N]``.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tuitune import config, search
from tuitune.domain import Round, TrialState
from tuitune.store import Store
from tuitune.tui.app import TuituneApp
from tuitune.tui.backend import Backend
from tuitune.tui.monitor_data import load_curves, load_log, load_table, plotted_ids
from tuitune.tui.screens.monitor import MonitorScreen

TARGET_MS = 50.0
NOW = 1_780_000_000.0
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
trials = 1000

[params.learning_rate]
low = 0.0001
high = 1.0
scale = "log"

[params.weight_decay]
role = "scientific"
values = [0.0, 0.0001, 0.001]
"""


class Runner:
    def state(self) -> str:
        return "running (benchmark)"

    def ensure(self) -> None:
        pass


def build(folder: Path, trials: int, running: int, steps: int) -> tuple[Path, list[int]]:
    (folder / "tuitune.toml").write_text(PROJECT)
    (folder / "sweep.toml").write_text(STUDY.replace("1000", str(trials)))
    project = config.load_project(folder)
    study = config.load_study(folder / "sweep.toml", project)
    path = config.project_store_path(project)
    with Store.open(path) as store:
        rnd = store.add_round(Round("benchmark"))
        stored = store.add_study(study, rnd.id)
        made = store.add_trials(search.trials_for(stored, stored.id))
        live = []
        for i, t in enumerate(made):
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
    return folder, live


def cpu_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append((time.process_time() - t0) * 1000)
    return statistics.median(times)


async def refresh_ms(folder: Path, live: list[int], steps: int, repeat: int) -> float:
    project = config.load_project(folder)
    path = config.project_store_path(project)
    app = TuituneApp(Backend(project, folder / "tuitune.toml", path, Runner(), clock=lambda: NOW, refresh_s=3600),
                     start="monitor")
    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, MonitorScreen)
        for _ in range(200):
            await pilot.pause(0.05)
            if screen.data.total and screen.curves._drawn is not None:
                break
        with Store.open(path) as store:
            for i in range(repeat):
                store.add_measurements([(t, steps + i, m, 0.001, NOW)
                                        for t in live for m in ("train_loss", "val_loss")])
                drawn = screen.curves._drawn
                t0 = time.process_time()
                await screen.reload()
                while screen.curves._drawn == drawn or screen.workers:
                    await asyncio.sleep(0.001)
                await pilot.pause()
                times.append((time.process_time() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--running", type=int, default=16)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder, live = build(Path(tmp), args.trials, args.running, args.steps)
        project = config.load_project(folder)
        path = config.project_store_path(project)
        with Store.open(path, readonly=True) as store:
            rid = store.current_round().id
            baseline = cpu_ms(lambda: (store.trials(round_id=rid), store.latest(round_id=rid)), args.repeat)

            def loaders() -> None:
                data = load_table(store, project, NOW, selected=live[0])
                load_curves(store, project, plotted_ids(data, live[0]), live[0])
                load_log(path, 1, live[0], 40)

            loaded = cpu_ms(loaders, args.repeat)
        refresh = asyncio.run(refresh_ms(folder, live, args.steps, args.repeat))
    print(json.dumps({
        "trials": args.trials, "running": args.running, "steps_per_running_trial": args.steps,
        "baseline_ms": round(baseline, 2), "loaders_ms": round(loaded, 2), "refresh_ms": round(refresh, 2),
        "loaders_over_baseline": round(loaded / baseline, 2) if baseline else None,
        "target_refresh_ms": TARGET_MS, "ok": refresh <= TARGET_MS,
    }))


if __name__ == "__main__":
    main()

"""What the runner adds to each trial: 200 trivial trials on 2 slots, against ``xargs -P 2``.

The same 200 commands (``/bin/true --lr=...``) run twice in the same run: through the real
runner daemon (queued in the store, started by the daemon through the shim, finished from
``exit.json``) and through ``xargs -P 2``. Reported:

* ``added_ms``: per trial, the time a slot was busy with it in the runner (from its STARTING
  event to its terminal event, as recorded) minus the mean time ``xargs`` spent per command;
  median and p95 (target: median <= 50 ms);
* ``idle_ms``: per slot, the gap between one trial's terminal event and the next trial's
  STARTING event on that slot (slots are told apart by their fake GPU), median and p95;
* both makespans, and the runner's per-trial cost from them.

Usage: ``python benchmarks/runner_overhead.py [--trials 200]``. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tuitune.domain import Hyperparameter, ParamType, Round, SearchSpace, Study, Trial, TrialState
from tuitune.runner.control import ensure_runner, stop_runner
from tuitune.runner.lock import RunnerPaths
from tuitune.store import Store

TARGET_MEDIAN_MS = 50.0


def make_project(folder: Path, command: str, parallel: int = 2) -> tuple[Store, int, RunnerPaths]:
    """A project folder running ``command`` on ``parallel`` slots with fake GPUs "0".."n-1"; its
    store (open), one study's id, and the runner's paths. Starts the runner."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tuitune.toml").write_text(
        f'[project]\ncommand = "{command}"\n[resources]\nparallel = {parallel}\ngpus_per_trial = 1\n')
    store = Store.open(folder / ".tuitune" / "store.db")
    rnd = store.add_round(Round("benchmark"))
    study = store.add_study(Study("bench", SearchSpace((Hyperparameter("lr", ParamType.FLOAT, low=1e-4, high=1.0),))),
                            rnd.id)
    os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in range(parallel))
    paths = RunnerPaths.for_store(store.path)
    ensure_runner(folder, paths)
    return store, study.id, paths


def wait_done(store: Store, count: int, timeout: float = 600.0) -> float:
    """Poll until ``count`` trials are terminal; the time it happened."""
    deadline = time.monotonic() + timeout
    terminal = [s for s in TrialState if s.terminal]
    while sum(store.state_counts()[s] for s in terminal) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {count} trials")
        time.sleep(0.01)
    return time.time()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    true = shutil.which("true") or "/bin/true"
    folder = Path(tempfile.mkdtemp(prefix="tuitune-overhead-"))
    store, study_id, paths = make_project(folder, f"{true} {{args}}")
    lrs = [1e-4 * (1.05 ** i) for i in range(args.trials)]
    try:
        t0 = time.time()
        store.add_trials([Trial(study_id, i, {"lr": lr}) for i, lr in enumerate(lrs)])
        runner_total = wait_done(store, args.trials) - t0
        trials = store.trials(study_id)
        events = {t.id: store.events(t.id) for t in trials}
    finally:
        stop_runner(paths)
    lines = "".join(f"--lr={lr!r}\n" for lr in lrs).encode()
    t0 = time.perf_counter()
    subprocess.run(["xargs", "-P", "2", "-n", "1", true], input=lines, check=True)
    xargs_total = time.perf_counter() - t0
    per_command = xargs_total * 2 / args.trials

    busy, slots = [], {}
    for t in trials:
        chain = events[t.id]
        start = next(e.at for e in chain if e.new is TrialState.STARTING)
        end = chain[-1].at
        busy.append((end - start - per_command) * 1000)
        slots.setdefault(t.gpus, []).append((start, end))
    idle = []
    for spans in slots.values():
        spans.sort()
        idle += [(b[0] - a[1]) * 1000 for a, b in zip(spans, spans[1:])]
    states = {s.value: n for s, n in store.state_counts().items() if n}
    store.close()
    shutil.rmtree(folder, ignore_errors=True)
    median = statistics.median(busy)
    print(json.dumps({
        "benchmark": "runner_overhead", "trials": args.trials, "slots": 2, "states": states,
        "added_ms": {"median": round(median, 1), "p95": round(percentile(busy, 0.95), 1)},
        "idle_ms": {"median": round(statistics.median(idle), 1), "p95": round(percentile(idle, 0.95), 1)},
        "makespan_s": {"runner": round(runner_total, 3), "xargs": round(xargs_total, 3)},
        "per_trial_from_makespans_ms": round((runner_total - xargs_total) * 2 / args.trials * 1000, 1),
        "target": {"added_median_ms_max": TARGET_MEDIAN_MS}, "meets_target": median <= TARGET_MEDIAN_MS,
        "python": sys.version.split()[0],
    }))


if __name__ == "__main__":
    main()

"""How fast the store takes in measurements and gives back curves and latest values.

Writes the same rows (default: 1,000 trials x 500 steps x 2 metrics = one million) twice, in
the same run and the same batches: once through ``Store.add_measurements`` (the batch API the
runner's ingest uses, which also keeps the ``latest`` table current) and once through raw
``sqlite3.executemany`` into an identical ``measurements`` table of an identical, separate
database with the same pragmas. The ratio of the two rates is what matters (the machine's speed
cancels out); the target is at least half the raw rate. Then it times reading one trial's curve
and every trial's latest values from the store at that size.

Rows arrive step-major (every trial reports step 0, then every trial step 1...), as they do
from trials running side by side, which is the hard order for a table clustered by trial.

Usage: ``python benchmarks/store_ingest.py [--trials N] [--steps N] [--metrics N] [--batch N]``.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time

from tuitune.domain import Hyperparameter, ParamType, Round, SearchSpace, Study, Trial
from tuitune.store import Store
from tuitune.store import BUSY_TIMEOUT_S

TARGETS = {"ratio_min": 0.5, "curve_ms_max": 5.0, "latest_ms_max": 200.0}


def make_store(path: str, trials: int) -> tuple[Store, list[int]]:
    store = Store.open(path)
    rnd = store.add_round(Round("benchmark"))
    space = SearchSpace((Hyperparameter("lr", ParamType.FLOAT, low=1e-4, high=1.0),))
    study = store.add_study(Study("bench", space), rnd.id)
    made = store.add_trials([Trial(study.id, i, {"lr": 0.1}) for i in range(trials)])
    return store, [t.id for t in made]


def batches(ids: list[int], steps: int, metrics: list[str], size: int):
    """Yield lists of ``(trial_id, step, name, value, wall_time)`` rows, step-major."""
    rng = random.Random(0)
    batch: list[tuple[int, int, str, float, float]] = []
    t0 = 1.7e9
    for step in range(steps):
        for tid in ids:
            for name in metrics:
                batch.append((tid, step, name, rng.random(), t0 + step))
                if len(batch) >= size:
                    yield batch
                    batch = []
    if batch:
        yield batch


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--metrics", type=int, default=2)
    ap.add_argument("--batch", type=int, default=10_000, help="rows per transaction, for both writers")
    ap.add_argument("--dir", default=None, help="folder for the databases (default: a temporary one)")
    args = ap.parse_args(argv)
    metrics = ["train_loss", "val_loss", "accuracy", "lr"][: args.metrics] + \
        [f"m{i}" for i in range(max(0, args.metrics - 4))]
    rows_total = args.trials * args.steps * len(metrics)

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        store, ids = make_store(os.path.join(tmp, "store.db"), args.trials)
        raw_store, raw_ids = make_store(os.path.join(tmp, "raw.db"), args.trials)
        raw_store.close()
        data = list(batches(ids, args.steps, metrics, args.batch))  # generated once, outside the timing

        t = time.perf_counter()
        written = sum(store.add_measurements(b) for b in data)
        store_s = time.perf_counter() - t

        raw = sqlite3.connect(os.path.join(tmp, "raw.db"), timeout=BUSY_TIMEOUT_S, isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
            raw.execute(f"PRAGMA {pragma}")
        t = time.perf_counter()
        for b in data:
            raw.execute("BEGIN IMMEDIATE")
            raw.executemany("INSERT INTO measurements (trial_id, step, name, value, wall_time) "
                            "VALUES (?, ?, ?, ?, ?)", b)
            raw.execute("COMMIT")
        raw_s = time.perf_counter() - t
        raw.close()
        assert written == rows_total

        rng = random.Random(1)
        curve_ms = timed(lambda: store.curve(rng.choice(ids), metrics[-1]), 200)
        points = len(store.curve(ids[0], metrics[0]))
        latest_ms = timed(store.latest, 20)
        trials_seen = len(store.latest())
        store.close()

    store_rate, raw_rate = rows_total / store_s, rows_total / raw_s
    result = {
        "rows": rows_total, "trials": args.trials, "steps": args.steps, "metrics": len(metrics),
        "batch": args.batch, "sqlite": sqlite3.sqlite_version, "python": sys.version.split()[0],
        "store_rows_per_s": round(store_rate), "raw_executemany_rows_per_s": round(raw_rate),
        "store_s": round(store_s, 3), "raw_s": round(raw_s, 3),
        "ratio": round(store_rate / raw_rate, 3),
        "curve_points": points,
        "curve_ms_median": round(statistics.median(curve_ms), 3), "curve_ms_max": round(max(curve_ms), 3),
        "latest_trials": trials_seen,
        "latest_ms_median": round(statistics.median(latest_ms), 3), "latest_ms_max": round(max(latest_ms), 3),
        "targets": TARGETS,
    }
    result["met"] = {
        "ratio": result["ratio"] >= TARGETS["ratio_min"],
        "curve": result["curve_ms_median"] < TARGETS["curve_ms_max"],
        "latest": result["latest_ms_median"] < TARGETS["latest_ms_max"],
    }
    return result


if __name__ == "__main__":
    print(json.dumps(main()))

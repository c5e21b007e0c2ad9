"""How fast the runner moves a trial's printed measurements into the store, and how soon.

Three figures from one run, through the real runner daemon:

* ``runner_rows_per_s``: one trial prints 500,000 measurements (250,000 ``@tuitune`` lines of
  two metrics, as fast as Python prints) and exits; the rate is rows over the time from the
  trial's RUNNING event to the moment the last row is visible to a reader;
* ``raw_rows_per_s``: the same rows, prebuilt, written with plain ``sqlite3.executemany`` into
  the measurements table of a fresh store file (the store's own table and pragmas, see
  :func:`raw`), in transactions of the runner's batch size: the ceiling of this machine,
  measured before and after the runner and the faster one kept (a conservative ratio on a busy
  machine). Targets: >= 100,000 rows/s and >= 0.4x raw;
* ``latency_ms``: a trial prints 1,000 lines/s for a few seconds, each carrying its print time;
  a reader polls the store every 5 ms; per line, the time from its print to its first
  visibility (median, p95; target p95 <= 500 ms).

Usage: ``python benchmarks/ingest_rate.py [--rows 500000] [--latency-s 5]``. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from runner_overhead import make_project, percentile, wait_done
from tuitune.domain import Hyperparameter, ParamType, Round, SearchSpace, Study, Trial, TrialState
from tuitune.runner.control import stop_runner
from tuitune.runner.feed import MAX_ROWS
from tuitune.store import BUSY_TIMEOUT_S, Store

SPACE = SearchSpace((Hyperparameter("lr", ParamType.FLOAT, low=1e-4, high=1.0),))
TARGETS = {"rows_per_s_min": 100_000, "ratio_min": 0.4, "latency_p95_ms_max": 500.0}

PRINTER = """
import sys, time
mode, n = sys.argv[1], int(sys.argv[2])
w = sys.stdout.write
if mode == "flood":
    for i in range(n):
        w('@tuitune {"step": %d, "loss": %r, "acc": %r}\\n' % (i, 1.0 / (i + 1), i / n))
else:
    t0 = time.time()
    for i in range(n):
        while time.time() < t0 + i / 1000:
            pass
        w('@tuitune {"step": %d, "_time": %r, "loss": 0.5}\\n' % (i, time.time()))
        sys.stdout.flush()
"""


def last_steps(store: Store, trial_id: int) -> int:
    """The lowest of the highest steps of the trial's metrics (-1 before any)."""
    latest = store.latest().get(trial_id, {})
    return min((s for s, _ in latest.values()), default=-1)


def printing(folder: Path, mode: str, lines: int):
    """A project whose one trial runs :data:`PRINTER`; ``make_project``'s answer."""
    folder.mkdir(parents=True)
    (folder / "printer.py").write_text(PRINTER)
    return make_project(folder, f"{sys.executable} {folder / 'printer.py'} {mode} {lines}", parallel=1)


def through_runner(folder: Path, rows: int) -> float:
    store, study_id, paths = printing(folder, "flood", rows // 2)
    try:
        [trial] = store.add_trials([Trial(study_id, 0, {"lr": 0.1})])
        reader = Store.open(store.path, readonly=True)
        while last_steps(reader, trial.id) < rows // 2 - 1:
            time.sleep(0.01)
        done = time.time()
        running = next(e.at for e in store.events(trial.id) if e.new is TrialState.RUNNING)
        wait_done(store, 1)
        reader.close()
        return rows / (done - running)
    finally:
        store.close()
        stop_runner(paths)


def raw(folder: Path, rows: int) -> float:
    """Plain ``executemany`` of prebuilt rows into the measurements table of a fresh store file.

    Like with like: the table is the store's own (its migration made it: ``WITHOUT ROWID``,
    clustered on ``(trial_id, name, step)``, the foreign key to ``trials`` checked on every row)
    under the store's pragmas (WAL, ``synchronous=NORMAL``, ``foreign_keys=ON``), written in
    transactions of the runner's batch size. What it leaves out is what the runner adds: reading
    and parsing the lines, the upsert of a re-reported step, ``latest`` and the cursor.
    """
    for leftover in folder.glob("raw.db*"):
        leftover.unlink()
    with Store.open(folder / "raw.db") as store:
        rnd = store.add_round(Round("raw"))
        study = store.add_study(Study("raw", SPACE), rnd.id)
        [trial] = store.add_trials([Trial(study.id, 0, {"lr": 0.1})])
    conn = sqlite3.connect(folder / "raw.db", timeout=BUSY_TIMEOUT_S, isolation_level=None)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    data = [(trial.id, i, name, 1.0 / (i + 1), 1.7e9 + i) for i in range(rows // 2) for name in ("loss", "acc")]
    t0 = time.perf_counter()
    for start in range(0, len(data), MAX_ROWS):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO measurements (trial_id, step, name, value, wall_time) VALUES (?, ?, ?, ?, ?)",
                         data[start:start + MAX_ROWS])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return rows / elapsed


def latency(folder: Path, seconds: float) -> list[float]:
    lines = int(seconds * 1000)
    store, study_id, paths = printing(folder, "paced", lines)
    seen: dict[int, float] = {}
    try:
        [trial] = store.add_trials([Trial(study_id, 0, {"lr": 0.1})])
        reader = Store.open(store.path, readonly=True)
        last = -1
        while last < lines - 1:
            now_step = last_steps(reader, trial.id)
            now = time.time()
            for step in range(last + 1, now_step + 1):
                seen[step] = now
            last = max(last, now_step)
            time.sleep(0.005)
        curve = reader.curve(trial.id, "loss")
        reader.close()
        wait_done(store, 1)
    finally:
        store.close()
        stop_runner(paths)
    return [(seen[step] - printed) * 1000 for step, _, printed in curve]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--latency-s", type=float, default=5.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tuitune-ingest-"))
    try:
        raw_before = raw(folder, args.rows)
        runner_rate = through_runner(folder / "flood", args.rows)
        raw_rate = max(raw_before, raw(folder, args.rows))
        delays = latency(folder / "paced", args.latency_s)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ratio = runner_rate / raw_rate
    p95 = percentile(delays, 0.95)
    print(json.dumps({
        "benchmark": "ingest_rate", "rows": args.rows, "batch_rows": MAX_ROWS,
        "runner_rows_per_s": round(runner_rate), "raw_rows_per_s": round(raw_rate), "ratio": round(ratio, 3),
        "raw": "plain executemany INSERT of prebuilt rows into the store's own measurements table (fresh store "
               "file: WITHOUT ROWID, primary key (trial_id, name, step), foreign key to trials checked; WAL, "
               "synchronous=NORMAL); no parsing, upsert, latest or cursor",
        "latency_ms": {"lines_per_s": 1000, "lines": len(delays), "median": round(statistics.median(delays), 1),
                       "p95": round(p95, 1), "max": round(max(delays), 1)},
        "targets": TARGETS,
        "meets_targets": runner_rate >= TARGETS["rows_per_s_min"] and ratio >= TARGETS["ratio_min"]
        and p95 <= TARGETS["latency_p95_ms_max"],
        "cpus": os.cpu_count(), "python": sys.version.split()[0],
    }))


if __name__ == "__main__":
    main()

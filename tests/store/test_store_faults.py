"""Fault injection in SQLite's style: kill -9 a writer at many points, then check nothing tore.

A real child process (``store_writer.py``) does transitions, ingests and commands in a tight
loop on a real file; it is killed with SIGKILL after a random short delay, again and again, each
new writer continuing from what the last one left. Afterwards the database must pass
``PRAGMA integrity_check``, every trial's state must be the new state of its last event (a
state change never commits without its event row, nor the event without the change), every
event chain must be legal, and the rows of every ingested source must be exactly those its
offset covers (rows and offset commit together: exactly-once ingest).
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tuitune.domain import (
    Hyperparameter, ParamType, Round, SearchSpace, Study, Trial, TrialState, check_transition,
)
from tuitune.store import Store

WRITER = Path(__file__).with_name("store_writer.py")
KILLS = 18
sys.path.insert(0, str(WRITER.parent))
from store_writer import RECORD  # noqa: E402


def run_and_kill(path: Path, seed: int, delay: float) -> None:
    proc = subprocess.Popen([sys.executable, str(WRITER), str(path), str(seed)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready = proc.stdout.readline()
        assert ready.strip() == "ready", f"writer failed to start: {proc.stderr.read()}"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, f"writer ended on its own ({proc.returncode}): {err}"


@pytest.mark.slow
def test_kill_9_leaves_every_change_whole(tmp_path):
    path = tmp_path / "store.db"
    with Store.open(path) as store:
        rnd = store.add_round(Round("survive kill -9"))
        space = SearchSpace((Hyperparameter("lr", ParamType.FLOAT, low=0.001, high=1.0),))
        study = store.add_study(Study("s", space), rnd.id)
        store.add_trials([Trial(study.id, i, {}) for i in range(6)])

    rng = random.Random(20240)
    for seed in range(KILLS):
        run_and_kill(path, seed, rng.uniform(0.0, 0.2))
        check_whole(path)  # after every kill: a later writer could otherwise paper over a tear
    with Store.open(path, readonly=True) as store:
        assert len(store.events()) > 5 * KILLS, "the writer hardly wrote: the test checked nothing"
        assert store.latest(), "nothing was ingested: the test checked nothing"


def check_whole(path: Path) -> None:
    with Store.open(path, readonly=True) as store:
        conn = store.conn
        assert store.integrity_check() == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []

        # every trial's state is the new state of its last event
        torn = conn.execute("SELECT t.id, t.state, (SELECT e.new FROM events e WHERE e.trial_id = t.id "
                            "ORDER BY e.id DESC LIMIT 1) AS last FROM trials t WHERE last IS NOT t.state").fetchall()
        assert torn == [], f"(trial, state, last event's state): {torn[:5]}"
        # every event continues from the one before it, and the first one creates the trial
        broken = conn.execute("SELECT e.id, e.trial_id, e.old FROM events e WHERE e.old IS NOT (SELECT p.new "
                              "FROM events p WHERE p.trial_id = e.trial_id AND p.id < e.id ORDER BY p.id DESC "
                              "LIMIT 1)").fetchall()
        assert broken == [], f"(event, trial, old) not following the previous event: {broken[:5]}"
        assert conn.execute("SELECT count(*) FROM events WHERE old IS NULL AND new != 'queued'").fetchone()[0] == 0
        for old, new in conn.execute("SELECT DISTINCT old, new FROM events WHERE old IS NOT NULL"):
            check_transition(TrialState(old), TrialState(new))

        offsets = {(tid, src): off for tid, src, off in
                   conn.execute('SELECT trial_id, source, "offset" FROM ingest_offsets')}
        counts = {(tid, name): (n, lo, hi) for tid, name, n, lo, hi in conn.execute(
            "SELECT trial_id, name, count(*), min(step), max(step) FROM measurements GROUP BY trial_id, name")}
        assert set(counts) == set(offsets), "rows without an offset, or an offset without rows"
        for key, off in offsets.items():
            assert off % RECORD == 0
            n, lo, hi = counts[key]
            assert (n, lo, hi) == (off // RECORD, 0, off // RECORD - 1), f"{key}: offset {off} but rows {n}"
        latest = store.latest()
        for (tid, name), (_n, _lo, hi) in counts.items():
            assert latest[tid][name] == (hi, float(hi))

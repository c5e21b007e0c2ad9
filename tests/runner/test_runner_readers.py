"""Readers beside the runner: polling at 10 Hz while it ingests 10,000 rows/s never sees a lock.

WAL lets readers read the last commit while the runner writes; the runner's batches are
bounded, so its write transactions stay short. A reader that got "database is locked" (or any
StoreError) would fail the test.
"""

from __future__ import annotations

import threading
import time

import pytest

from runner_lab import file_rows, store_rows
from tuitune.domain import TrialState
from tuitune.runner.lock import running
from tuitune.runner.overview import overview
from tuitune.store import Store


@pytest.mark.slow
def test_a_reader_polling_at_10_hz_beside_10000_rows_per_second(lab) -> None:
    lb = lab(trainer_args="--steps 30 --sleep 0.1 --burst 1000", trials=1)
    lb.start()
    errors: list[BaseException] = []
    seen: list[int] = []
    done = threading.Event()

    def read() -> None:
        from tuitune import config

        project = config.load_project(lb.folder)
        try:
            with Store.open(lb.store_path, readonly=True) as store:
                while not done.is_set():
                    view = overview(store, project, running(lb.paths))
                    seen.append(sum(len(c) for t in store.curves(names=["burst"]).values() for c in t.values()))
                    assert view.studies[0].total == 1
                    time.sleep(0.1)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    [t] = lb.queue()
    reader = threading.Thread(target=read)
    reader.start()
    try:
        t = lb.wait_state(t.id, TrialState.COMPLETED, timeout=60)
    finally:
        done.set()
        reader.join()
    assert errors == []
    assert len(seen) >= 20 and len(set(seen)) >= 10, "the reader saw the rows arrive"
    assert store_rows(lb.store(), t.id) == file_rows(lb.trial_dir(t)) and len(file_rows(lb.trial_dir(t))) == 30_090

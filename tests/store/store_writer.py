"""A store writer for the fault-injection test: it loops forever until killed with SIGKILL.

It does what the runner does, as fast as it can: moves random trials along random legal
transitions, ingests synthetic metric rows with their byte offsets, adds trials, and writes and
completes commands. Rows of a (trial, source) are deterministic in the offset: a record is
``RECORD`` bytes, the metric's name is the source and its steps are ``0 .. offset // RECORD - 1``,
so the test can check that the rows committed are exactly the ones the offset covers.

Usage: ``python store_writer.py STORE_PATH SEED`` (prints ``ready`` once the store is open).
"""

from __future__ import annotations

import os
import random
import sys

from tuitune.domain import TRANSITIONS, CommandKind, Trial, TrialState
from tuitune.store import Store

RECORD = 16
SOURCES = ("metrics.jsonl", "stdout")


def main(path: str, seed: int) -> None:
    rng = random.Random(seed)
    store = Store.open(path)
    study_id = store.studies()[0].id
    print("ready", flush=True)
    while True:
        live = store.trials(states=[s for s in TrialState if not s.terminal])
        if len(live) < 6:
            store.add_trials([Trial(study_id, rng.randrange(10_000), {}) for _ in range(4)])
            continue
        running = [t for t in live if t.state is TrialState.RUNNING]
        trial = rng.choice(running if running and rng.random() < 0.8 else live)
        roll = rng.random()
        if trial.state is TrialState.RUNNING and roll < 0.85:
            source = rng.choice(SOURCES)
            offset = store.offset(trial.id, source)
            first, k = offset // RECORD, rng.randint(1, 60)
            rows = [(first + i, source, float(first + i), 1.0) for i in range(k)]
            store.ingest(trial.id, source, offset + k * RECORD, rows)
        elif roll > 0.97:
            cmd = store.add_command(CommandKind.STOP, {"trial_ids": [trial.id]})
            store.complete_command(cmd.id, "ok")
        else:
            new = rng.choice(sorted(TRANSITIONS[trial.state]))
            store.transition(trial.id, new, reason=f"writer {seed}", pid=os.getpid())


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

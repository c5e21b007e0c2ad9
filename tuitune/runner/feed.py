"""Ingest of one trial: its metric channels into the store, exactly once, watched as they pass.

Why it works like this:

* **The store's cursors are the truth.** A feed starts from the cursors committed in the store
  (a fresh trial has none, a re-adopted one resumes where the last runner committed), and
  commits each batch together with the channel's new cursor in one transaction
  (:meth:`Store.ingest` with ``after=``, a compare-and-set on the cursor). A runner killed at any
  instant therefore leaves rows and cursor both committed or both not, and the next runner
  re-reads exactly the lines after the committed cursor: the rows in the store equal the lines
  of the files, whatever the number of kill -9s.
* **Bounded batches.** One :meth:`pump` reads at most ``max_rows`` rows per channel, so one
  trial printing a flood neither starves the others nor holds the write lock for long; the
  daemon pumps again at once while batches come back full.
* **Watching on the way.** The rows of each batch update the objective so far and are checked
  for divergence (:mod:`~tuitune.runner.divergence`). A re-adopted trial re-seeds both from the
  store's curves, so a divergence committed just before a crash is still seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tuitune.domain import DivergenceRule, Objective
from tuitune.runner.channels import Channel, Cursor
from tuitune.runner.divergence import ObjectiveSoFar, diverged, watched
from tuitune.store import Store

MAX_ROWS = 20_000
"""Rows per channel per pump: big enough for ~100k rows/s at 10 pumps/s, small enough to keep
one commit short."""
MAX_BYTES = 8 << 20
"""Bytes per channel per pump, so a flood of output that holds no metrics is read in slices too."""


class TrialFeed:
    """Moves one trial's measurements from its files into the store and watches them.

    Contract: one feed per trial, used from the thread that owns ``store``. ``objective`` holds
    the objective so far (``value`` is ``None`` until its metric is reported); ``diverged`` is
    the reason of the first divergence seen, else ``None``; ``step`` the highest step ingested.
    """

    def __init__(self, store: Store, trial_id: int, channels: Mapping[str, tuple[Path, Channel]],
                 objective: Objective, rule: DivergenceRule):
        self.store = store
        self.trial_id = trial_id
        self.channels = dict(channels)
        self.rule = rule
        self.watched = watched(objective, rule)
        self._committed = store.cursors(trial_id)
        self._cursors = {name: Cursor.from_json(self._committed[name]) if self._committed.get(name) else Cursor()
                         for name in self.channels}
        stored = store.curves(trial_ids=[trial_id], names=sorted(self.watched)).get(trial_id, {})
        self.objective = ObjectiveSoFar(objective, [(s, v) for s, v, _ in stored.get(objective.metric, ())])
        self.diverged = diverged(sorted((s, name, v) for name, curve in stored.items() for s, v, _ in curve),
                                 objective, rule)
        self.rows = 0
        """Rows committed by this feed (since it was built)."""
        self.garbage = 0
        """Lines that did not parse, skipped (since it was built)."""

    def pump(self, max_rows: int = MAX_ROWS) -> tuple[int, bool]:
        """Read and commit one batch of every channel; ``(rows committed, some batch was full)``.

        Sets :attr:`diverged` when a batch diverges and writes the objective when it changed.
        """
        total, full = 0, False
        metric = self.objective.objective.metric
        watched = self.watched
        for name, (path, channel) in self.channels.items():
            before = self._cursors[name]
            batch = channel.read(path, before, max_rows=max_rows, max_bytes=MAX_BYTES)
            if batch.cursor == before:
                continue
            text, points = batch.cursor.to_json(), batch.points
            self.store.ingest(self.trial_id, name, batch.offset, points, cursor=text,
                              after=self._committed.get(name, ""))
            self._committed[name], self._cursors[name] = text, batch.cursor
            total += len(points)
            self.garbage += batch.garbage
            full = full or len(points) >= max_rows or batch.offset - before.offset >= MAX_BYTES
            seen = [p for p in points if p[1] in watched]  # (step, name, value, wall_time); one pass over all
            if not seen:
                continue
            if self.diverged is None:
                self.diverged = diverged((p[:3] for p in seen), self.objective.objective, self.rule)
            if self.objective.add((step, value) for step, name, value, _ in seen if name == metric):
                self.store.set_objective(self.trial_id, self.objective.value)
        self.rows += total
        return total, full

    def drain(self, max_rounds: int = 10_000) -> int:
        """Pump until every channel is read to its end (the trial has exited); rows committed."""
        total = 0
        for _ in range(max_rounds):
            n, full = self.pump()
            total += n
            if not full:
                break
        return total

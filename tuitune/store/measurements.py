"""Measurements: the one table that is big, written fast and read on every screen refresh.

Why it is shaped like this:

* ``measurements`` is a ``WITHOUT ROWID`` table clustered on ``(trial_id, name, step)``: one
  trial's curve of one metric is a single contiguous range of the B-tree, read in step order
  with no sort and no second index to maintain on write.
* "Every trial's latest value" would be a scan of the whole table (a million rows for a modest
  study). Instead the small ``latest`` table keeps, per trial and metric, the row at the highest
  step. It is maintained by the writer in the same transaction: one upsert per (trial, metric)
  per *batch* rather than a trigger per row, which keeps the batch path close to raw
  ``executemany`` speed.
* A re-reported step (training resumed from a checkpoint) replaces the earlier value: the last
  report of a step wins, in both tables.
* A NULL ``value`` means NaN. SQLite turns a bound NaN into NULL anyway, and a reported value is
  never missing, so NULL is free to mean NaN and the write path needs no per-value check.
  Infinities are stored as they are. ``MIN``/``MAX`` in SQL skip NaN, as the playbook's "best
  over training" does.

Every function takes a connection and runs inside the caller's transaction; the
:class:`~tuitune.store.store.Store` owns transactions and connection rules.
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Iterable
from typing import Any

from tuitune.domain import Measurement

Row = tuple[int, int, str, float, float]
"""``(trial_id, step, name, value, wall_time)``, the field order of :class:`Measurement`."""

_INSERT = ("INSERT INTO measurements (trial_id, step, name, value, wall_time) VALUES (?, ?, ?, ?, ?) "
           "ON CONFLICT (trial_id, name, step) DO UPDATE SET value = excluded.value, wall_time = excluded.wall_time")
_LATEST = ("INSERT INTO latest (trial_id, step, name, value, wall_time) VALUES (?, ?, ?, ?, ?) "
           "ON CONFLICT (trial_id, name) DO UPDATE SET step = excluded.step, value = excluded.value, "
           "wall_time = excluded.wall_time WHERE excluded.step >= latest.step")


def write(conn: sqlite3.Connection, rows: Iterable[Measurement | tuple[Any, ...]]) -> int:
    """Write ``rows`` and bring ``latest`` up to date; returns how many rows were written."""
    batch: list[tuple[Any, ...]] = []
    append = batch.append
    top: dict[tuple[int, str], tuple[Any, ...]] = {}
    for r in rows:
        if type(r) is tuple:
            t = r
        elif isinstance(r, Measurement):
            t = (r.trial_id, r.step, r.name, r.value, r.wall_time)
        else:
            t = tuple(r)
        append(t)
        key = (t[0], t[2])
        seen = top.get(key)
        if seen is None or t[1] >= seen[1]:
            top[key] = t
    if batch:
        conn.executemany(_INSERT, batch)
        conn.executemany(_LATEST, list(top.values()))
    return len(batch)


def curve(conn: sqlite3.Connection, trial_id: int, name: str) -> list[tuple[int, float, float]]:
    """``(step, value, wall_time)`` of one trial's metric in step order."""
    rows = conn.execute("SELECT step, value, wall_time FROM measurements WHERE trial_id = ? AND name = ? "
                        "ORDER BY step", (trial_id, name)).fetchall()
    nan = math.nan
    return [(s, nan if v is None else v, w) for s, v, w in rows]


def _scope(study_id: int | None, round_id: int | None) -> tuple[str, str, tuple[Any, ...]]:
    """JOIN and WHERE clauses restricting ``latest`` (alias ``l``) to a study or a round."""
    if study_id is not None and round_id is not None:
        return (" JOIN trials t ON t.id = l.trial_id JOIN studies s ON s.id = t.study_id",
                " WHERE t.study_id = ? AND s.round_id = ?", (study_id, round_id))
    if study_id is not None:
        return " JOIN trials t ON t.id = l.trial_id", " WHERE t.study_id = ?", (study_id,)
    if round_id is not None:
        return (" JOIN trials t ON t.id = l.trial_id JOIN studies s ON s.id = t.study_id",
                " WHERE s.round_id = ?", (round_id,))
    return "", "", ()


def latest(conn: sqlite3.Connection, study_id: int | None = None,
           round_id: int | None = None) -> dict[int, dict[str, tuple[int, float]]]:
    """trial id -> metric -> ``(step, value)`` at the highest step reported."""
    join, where, args = _scope(study_id, round_id)
    out: dict[int, dict[str, tuple[int, float]]] = {}
    nan = math.nan
    for tid, name, step, value in conn.execute(
            f"SELECT l.trial_id, l.name, l.step, l.value FROM latest l{join}{where}", args):
        per = out.get(tid)
        if per is None:
            per = out[tid] = {}
        per[name] = (step, nan if value is None else value)
    return out


def metric_names(conn: sqlite3.Connection, study_id: int | None = None,
                 round_id: int | None = None) -> list[str]:
    join, where, args = _scope(study_id, round_id)
    return [r[0] for r in conn.execute(f"SELECT DISTINCT l.name FROM latest l{join}{where} ORDER BY l.name", args)]


def curves(conn: sqlite3.Connection, study_id: int | None = None, round_id: int | None = None,
           names: Iterable[str] | None = None, trial_ids: Iterable[int] | None = None
           ) -> dict[int, dict[str, list[tuple[int, float, float]]]]:
    """trial id -> metric -> ``(step, value, wall_time)`` in step order, in one query.

    The clustered primary key returns rows already ordered by trial, metric and step, so the
    answer is built in one pass with no sort.
    """
    where, args = [], []
    if study_id is not None:
        where.append("m.trial_id IN (SELECT id FROM trials WHERE study_id = ?)")
        args.append(study_id)
    if round_id is not None:
        where.append("m.trial_id IN (SELECT t.id FROM trials t JOIN studies s ON s.id = t.study_id "
                     "WHERE s.round_id = ?)")
        args.append(round_id)
    for column, values in (("m.name", names), ("m.trial_id", trial_ids)):
        if values is not None:
            values = list(values)
            where.append(f"{column} IN ({', '.join('?' * len(values))})" if values else "0")
            args += values
    sql = ("SELECT m.trial_id, m.name, m.step, m.value, m.wall_time FROM measurements m"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY m.trial_id, m.name, m.step")
    out: dict[int, dict[str, list[tuple[int, float, float]]]] = {}
    nan = math.nan
    key: tuple[int, str] | None = None
    points: list[tuple[int, float, float]] = []
    for tid, name, step, value, wall in conn.execute(sql, args):
        if (tid, name) != key:
            key = (tid, name)
            points = out.setdefault(tid, {}).setdefault(name, [])
        points.append((step, nan if value is None else value, wall))
    return out


def offset(conn: sqlite3.Connection, trial_id: int, source: str) -> int:
    row = conn.execute('SELECT "offset" FROM ingest_offsets WHERE trial_id = ? AND source = ?',
                       (trial_id, source)).fetchone()
    return 0 if row is None else row[0]


def cursor(conn: sqlite3.Connection, trial_id: int, source: str) -> str | None:
    row = conn.execute("SELECT cursor FROM ingest_offsets WHERE trial_id = ? AND source = ?",
                       (trial_id, source)).fetchone()
    return None if row is None else row[0]


def cursors(conn: sqlite3.Connection, trial_id: int) -> dict[str, str]:
    return dict(conn.execute("SELECT source, cursor FROM ingest_offsets WHERE trial_id = ?", (trial_id,)))


def set_offset(conn: sqlite3.Connection, trial_id: int, source: str, new_offset: int, cursor: str = "") -> None:
    conn.execute('INSERT INTO ingest_offsets (trial_id, source, "offset", cursor, updated_at) VALUES (?, ?, ?, ?, ?) '
                 'ON CONFLICT (trial_id, source) DO UPDATE SET "offset" = excluded."offset", '
                 'cursor = excluded.cursor, updated_at = excluded.updated_at',
                 (trial_id, source, new_offset, cursor, time.time()))

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
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

from tuitune.domain import Measurement

if TYPE_CHECKING:
    import pandas as pd

Row = tuple[int, int, str, float, float]
"""``(trial_id, step, name, value, wall_time)``, the field order of :class:`Measurement`."""

Point = tuple[int, str, float, float]
"""``(step, name, value, wall_time)``: a row of a trial already known, as a channel reads it."""

_UPSERT = " ON CONFLICT (trial_id, name, step) DO UPDATE SET value = excluded.value, wall_time = excluded.wall_time"
_LATEST = ("INSERT INTO latest (trial_id, step, name, value, wall_time) "
           "SELECT trial_id, step, name, value, wall_time FROM measurements WHERE trial_id = ? AND name = ? "
           "ORDER BY step DESC LIMIT 1 "
           "ON CONFLICT (trial_id, name) DO UPDATE SET step = excluded.step, value = excluded.value, "
           "wall_time = excluded.wall_time")
"""Copy the row at the highest step of one (trial, metric) into ``latest``: one probe at the end
of the clustered range, after the batch is in, so a batch needs no per-row bookkeeping in Python
and an older step re-reported later leaves ``latest`` as it was."""
PER_STATEMENT = 50
"""Rows per ``INSERT`` statement (a multi-row ``VALUES``)."""


def _insert(conn: sqlite3.Connection, values: str, rows: Sequence[Sequence[Any]]) -> None:
    """Upsert ``rows`` into ``measurements``, where ``values`` is the ``VALUES`` tuple of one row.

    :data:`PER_STATEMENT` rows go into each statement: the driver's per-execution work (reset,
    bind checks, step) and SQLite's per-statement setup are then paid once per 50 rows, which
    takes about a third off the time of a row-per-execution ``executemany``. Rows of one
    statement are upserted in order, so the last report of a step still wins.
    """
    lengths = set(map(len, rows))
    if lengths - {values.count("?")}:  # in a multi-row statement, a short row would shift the next ones
        raise sqlite3.ProgrammingError(f"each measurement row needs {values.count('?')} values, "
                                       f"some have {sorted(lengths - {values.count('?')})}")
    head = "INSERT INTO measurements (trial_id, step, name, value, wall_time) VALUES "
    full = len(rows) - len(rows) % PER_STATEMENT
    if full:
        conn.executemany(head + ", ".join([values] * PER_STATEMENT) + _UPSERT,
                         (tuple(chain.from_iterable(rows[i:i + PER_STATEMENT])) for i in range(0, full, PER_STATEMENT)))
    if full < len(rows):
        conn.executemany(head + values + _UPSERT, rows[full:])


def write(conn: sqlite3.Connection, rows: Iterable[Measurement | tuple[Any, ...]]) -> int:
    """Write ``rows`` and bring ``latest`` up to date; returns how many rows were written."""
    batch = [r if type(r) is tuple else _as_tuple(r) for r in rows]
    if batch:
        _insert(conn, "(?, ?, ?, ?, ?)", batch)
        conn.executemany(_LATEST, {(r[0], r[2]) for r in batch})
    return len(batch)


def write_points(conn: sqlite3.Connection, trial_id: int, points: Sequence[Point]) -> int:
    """Write one trial's ``points`` and bring ``latest`` up to date; returns how many were written.

    The runner's ingest path. The trial id is written into the statement as a literal, so the
    points are bound exactly as the channels produced them: no row tuple is rebuilt to prepend
    the same id half a million times. (``int()`` keeps the literal a number; the driver's
    statement cache holds the statements of each trial being ingested.)
    """
    if points:
        tid = int(trial_id)
        _insert(conn, f"({tid}, ?, ?, ?, ?)", points)
        conn.executemany(_LATEST, [(tid, name) for name in {p[1] for p in points}])
    return len(points)


def _as_tuple(r: Measurement | tuple[Any, ...]) -> tuple[Any, ...]:
    if isinstance(r, Measurement):
        return (r.trial_id, r.step, r.name, r.value, r.wall_time)
    return tuple(r)


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


def _where(alias: str, study_id: int | None, round_id: int | None, names: Iterable[str] | None,
           trial_ids: Iterable[int] | None) -> tuple[str, list[Any]]:
    """`` WHERE ...`` restricting the ``trial_id`` and ``name`` columns of ``alias``, and its arguments."""
    where: list[str] = []
    args: list[Any] = []
    if study_id is not None:
        where.append(f"{alias}.trial_id IN (SELECT id FROM trials WHERE study_id = ?)")
        args.append(study_id)
    if round_id is not None:
        where.append(f"{alias}.trial_id IN (SELECT t.id FROM trials t JOIN studies s ON s.id = t.study_id "
                     "WHERE s.round_id = ?)")
        args.append(round_id)
    for column, values in ((f"{alias}.name", names), (f"{alias}.trial_id", trial_ids)):
        if values is not None:
            values = list(values)
            where.append(f"{column} IN ({', '.join('?' * len(values))})" if values else "0")
            args += values
    return (" WHERE " + " AND ".join(where) if where else ""), args


def curves(conn: sqlite3.Connection, study_id: int | None = None, round_id: int | None = None,
           names: Iterable[str] | None = None, trial_ids: Iterable[int] | None = None
           ) -> dict[int, dict[str, list[tuple[int, float, float]]]]:
    """trial id -> metric -> ``(step, value, wall_time)`` in step order, in one query.

    The clustered primary key returns rows already ordered by trial, metric and step, so the
    answer is built in one pass with no sort.
    """
    where, args = _where("m", study_id, round_id, names, trial_ids)
    sql = ("SELECT m.trial_id, m.name, m.step, m.value, m.wall_time FROM measurements m" + where
           + " ORDER BY m.trial_id, m.name, m.step")
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


def series(conn: sqlite3.Connection, trial_ids: Iterable[int], names: Iterable[str]
           ) -> dict[tuple[int, str], tuple[tuple[int, ...], tuple[float, ...]]]:
    """(trial id, metric) -> (steps, values) in step order, for curves that are only drawn.

    Why beside :func:`curves`: a live plot rereads a few whole curves several times a second.
    Fetched one curve at a time by its primary key, without the wall time, the driver builds the
    rows and ``zip`` the two columns: half the cost of :func:`curves`' loop over every row.
    Curves with no point are left out. Run it inside one read transaction (one snapshot).
    """
    out = {}
    names = list(names)
    for tid in trial_ids:
        for name in names:
            rows = conn.execute("SELECT step, value FROM measurements WHERE trial_id = ? AND name = ? ORDER BY step",
                                (tid, name)).fetchall()
            if rows:
                steps, values = zip(*rows)
                out[(tid, name)] = (steps, tuple(math.nan if v is None else v for v in values))
    return out


def curves_frame(conn: sqlite3.Connection, study_id: int | None = None, round_id: int | None = None,
                 names: Iterable[str] | None = None, trial_ids: Iterable[int] | None = None, *,
                 wall_time: bool = True) -> pd.DataFrame:
    """The rows :func:`curves` reads, as one long DataFrame sorted by trial, metric and step.

    Columns ``trial_id`` (int64), ``name`` (categorical), ``step`` (int64), ``value`` (float64,
    NaN for a stored NULL) and, unless ``wall_time`` is false, ``wall_time`` (float64): the table
    :class:`tuitune.analysis.curves.Curves` holds. Run it inside one read transaction: its
    queries must see one snapshot.

    Why a second reader: a million measurements as a dict of lists of tuples cost more to build,
    and then to flatten back into a table, than the whole analysis of them. Here each metric's
    rows stream from the cursor into one structured numpy array (``None`` becomes NaN on the
    way). The driver's cost is per value fetched, so no column is fetched that SQLite can count
    instead: not the name (one query per metric), nor the trial id (a ``GROUP BY`` gives each
    trial's number of rows, repeated into the column). The clustered primary key delivers each
    metric in (trial, step) order, so nothing is sorted but the interleaving of several metrics
    (one stable sort by trial). numpy and pandas are imported on the first call, not with the
    store: ``tuitune status`` and the runner never need them.
    """
    import numpy as np
    import pandas as pd

    if names is None:
        scope, args = _where("l", study_id, round_id, None, trial_ids)
        names = [r[0] for r in conn.execute(f"SELECT DISTINCT l.name FROM latest l{scope}", args)]
    names = sorted(set(names))
    columns = ["step", "value", "wall_time"] if wall_time else ["step", "value"]
    point = np.dtype([(c, np.float64 if c != "step" else np.int64) for c in columns])
    fetched = ", ".join(f"m.{c}" for c in columns)
    parts, owners = [], []
    for name in names:
        where, args = _where("m", study_id, round_id, [name], trial_ids)
        counted = np.array(conn.execute(f"SELECT m.trial_id, count(*) FROM measurements m{where} "
                                        "GROUP BY m.trial_id ORDER BY m.trial_id", args).fetchall(),
                           dtype=np.int64).reshape(-1, 2)
        owners.append(np.repeat(counted[:, 0], counted[:, 1]))
        parts.append(np.fromiter(conn.execute(f"SELECT {fetched} FROM measurements m{where} "
                                              "ORDER BY m.trial_id, m.step", args), dtype=point,
                                 count=len(owners[-1])))
    rows = np.concatenate(parts) if parts else np.empty(0, dtype=point)
    trial_id = np.concatenate(owners) if owners else np.empty(0, dtype=np.int64)
    codes = np.repeat(np.arange(len(names), dtype=np.int32), [len(p) for p in parts])
    if len(parts) > 1:
        order = np.argsort(trial_id, kind="stable")
        rows, trial_id, codes = rows[order], trial_id[order], codes[order]
    return pd.DataFrame({"trial_id": trial_id, "name": pd.Categorical.from_codes(codes, categories=names),
                         **{c: rows[c] for c in columns}})


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

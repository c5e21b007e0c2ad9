"""The store: every record of a tuitune project in one SQLite file, returned as domain objects.

Why it is shaped like this:

* One SQLite file in WAL mode lets the TUI and ``tuitune status`` read while the runner writes,
  with no server to run on a GPU box (:mod:`~tuitune.store.connection` sets it up).
* Every write is one ``BEGIN IMMEDIATE`` transaction: the write lock is taken *before* the row
  is read, so a state change is checked against the state that is really current, and the
  change, its audit event, or ingested rows and their new file offset, commit together or not
  at all. Deferred transactions would let two writers read the same state and both "win".
* Every statement is plain SQL on the one connection, inside our transactions (inserts through
  :func:`_insert`, the hot paths with ``executemany``); sqlite-utils runs the migrations
  (:mod:`~tuitune.store.schema`), so a process that opens an up-to-date store never imports it.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tuitune.domain import (
    Baseline, Command, CommandKind, Decision, Event, Measurement, NotFound, Round, RoundStatus, Study,
    StoreError, Trial, TrialState, check_transition,
)
from tuitune.store import connection
from tuitune.store import measurements as m
from tuitune.store import rows as codec
from tuitune.store.schema import CURRENT_VERSION

if TYPE_CHECKING:
    import pandas as pd


class Store:
    """Rounds, studies, trials, measurements, events, decisions, baselines and commands.

    Connection rules (like optuna's ``BaseStorage``, these are part of the contract):

    * **One Store per thread.** A Store holds one SQLite connection created with
      ``check_same_thread=True``; using it from another thread raises. A thread worker opens its
      own Store (opening is cheap) or hands results back to the thread that owns one.
    * **Readers open read-only.** ``Store.open(path, readonly=True)`` uses a ``mode=ro``
      connection: ``tuitune status``, the TUI's refresh workers and analysis can never write, and
      they never block the writer (WAL readers see the last commit).
    * **The runner is the only writer of trial state and measurements**: :meth:`transition`,
      :meth:`set_objective`, :meth:`add_measurements`, :meth:`ingest`, :meth:`complete_command`.
      The TUI and the CLI write *intents* (:meth:`add_command`, :meth:`add_trials` in state
      QUEUED) and design records (rounds, studies, decisions, baselines). Concurrent writers
      are still safe (each write is one ``BEGIN IMMEDIATE`` transaction) — the rule keeps the
      lifecycle in one place, not the database intact.
    * Returned objects are immutable snapshots; read again to see later changes.

    Every failure a user can act on is a :class:`~tuitune.domain.errors.StoreError`: a store on
    a network filesystem, a schema newer than this code, a lock held too long, a missing record
    (:class:`~tuitune.domain.errors.NotFound`).
    """

    def __init__(self, conn: sqlite3.Connection, path: str, *, readonly: bool = False,
                 version: int = CURRENT_VERSION):
        """Use :meth:`open` or :meth:`memory`."""
        self.conn = conn
        self._path = path
        self.readonly = readonly
        self._version = version

    # --- opening --------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, readonly: bool = False) -> Store:
        """Open the store at ``path``: create the folder and the file and migrate the schema,
        or, with ``readonly``, open an existing one for reading only (``mode=ro``).

        Raises :class:`~tuitune.domain.errors.StoreError` for a path on a network filesystem,
        a missing file (``readonly``), a file that is not a store, or a schema newer than this
        code (or, ``readonly``, older).
        """
        conn, where, version = connection.open_file(path, readonly=readonly)
        return cls(conn, where, readonly=readonly, version=version)

    @classmethod
    def memory(cls) -> Store:
        """A private in-memory store (tests, dry runs); it vanishes when closed."""
        conn, version = connection.open_memory()
        return cls(conn, ":memory:", version=version)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self._path!r}{', readonly' if self.readonly else ''})"

    @property
    def path(self) -> str:
        """The absolute path of the database file, or ``":memory:"``."""
        return self._path

    @property
    def schema_version(self) -> int:
        """How many migrations the database has applied (:data:`~tuitune.store.schema.MIGRATIONS`)."""
        return self._version

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version``: it changes when *another* connection commits, so a
        poller learns "something changed" without reading any table (own writes do not count)."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``"ok"`` or the problems found."""
        return "\n".join(r[0] for r in self.conn.execute("PRAGMA integrity_check"))

    # --- transactions -----------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        if self.readonly:
            raise StoreError(f"the store {self._path} was opened read-only; open it without readonly to write")
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise StoreError(connection.explain(e, self._path)) from e
        try:
            yield conn
            conn.execute("COMMIT")
        except sqlite3.IntegrityError as e:
            _rollback(conn)
            raise StoreError(f"the store refused the change: {e}") from e
        except sqlite3.OperationalError as e:  # disk full, I/O error, locked at COMMIT: nothing written
            _rollback(conn)
            raise StoreError(connection.explain(e, self._path)) from e
        except BaseException:
            _rollback(conn)
            raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """Several SELECTs that must see one snapshot."""
        conn = self.conn
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            _rollback(conn)

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self.conn.execute(sql, args)
        keys = [d[0] for d in cur.description]
        return [dict(zip(keys, r)) for r in cur.fetchall()]

    def _one(self, sql: str, args: Sequence[Any], what: str) -> dict[str, Any]:
        found = self._rows(sql, args)
        if not found:
            raise NotFound(f"no {what} in the store {self._path}")
        return found[0]

    # --- rounds -----------------------------------------------------------------------------

    def add_round(self, round: Round) -> Round:
        with self._write() as conn:
            rid = _insert(conn, "rounds", codec.round_row(round, _now(round.created_at)))
        return self.get_round(rid)

    def get_round(self, id: int) -> Round:
        return codec.round_from(self._one("SELECT * FROM rounds WHERE id = ?", (id,), f"round {id}"))

    def rounds(self) -> list[Round]:
        """Every round, oldest first (the journal)."""
        return [codec.round_from(r) for r in self._rows("SELECT * FROM rounds ORDER BY id")]

    def current_round(self) -> Round | None:
        """The latest OPEN round, else the latest round, else ``None``."""
        found = self._rows("SELECT * FROM rounds ORDER BY status = ? DESC, id DESC LIMIT 1",
                           (RoundStatus.OPEN.value,))
        return codec.round_from(found[0]) if found else None

    def set_round_status(self, id: int, status: RoundStatus | str) -> Round:
        """Set a round's status; ``closed_at`` is set on closing and cleared on reopening."""
        status = RoundStatus(status)
        with self._write() as conn:
            closed = None if status is RoundStatus.OPEN else time.time()
            cur = conn.execute("UPDATE rounds SET status = ?, closed_at = ? WHERE id = ?", (status.value, closed, id))
            if cur.rowcount == 0:
                raise NotFound(f"no round {id} in the store {self._path}")
        return self.get_round(id)

    # --- studies ----------------------------------------------------------------------------

    def add_study(self, study: Study, round_id: int) -> Study:
        """Save ``study`` (its hyperparameters one row each) in round ``round_id``."""
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM rounds WHERE id = ?", (round_id,)).fetchone() is None:
                raise NotFound(f"no round {round_id} in the store {self._path}")
            if conn.execute("SELECT 1 FROM studies WHERE round_id = ? AND name = ?",
                            (round_id, study.name)).fetchone():
                raise StoreError(f"round {round_id} already has a study named {study.name!r}; "
                                 "give the new one another name")
            sid = _insert(conn, "studies", codec.study_row(study, round_id, _now(study.created_at)))
            for i, p in enumerate(study.space.params):
                _insert(conn, "hyperparameters", codec.hyperparameter_row(sid, i, p))
        return self.get_study(sid)

    def get_study(self, id: int) -> Study:
        with self._read():
            row = self._one("SELECT * FROM studies WHERE id = ?", (id,), f"study {id}")
            params = self._rows("SELECT * FROM hyperparameters WHERE study_id = ?", (id,))
        return codec.study_from(row, params)

    def studies(self, round_id: int | None = None) -> list[Study]:
        """Studies of one round (or all), oldest first."""
        where, args = ("WHERE round_id = ?", (round_id,)) if round_id is not None else ("", ())
        with self._read():
            found = self._rows(f"SELECT * FROM studies {where} ORDER BY id", args)
            params: dict[int, list[dict[str, Any]]] = {}
            for p in self._rows("SELECT * FROM hyperparameters WHERE study_id IN "
                                f"(SELECT id FROM studies {where})", args):
                params.setdefault(p["study_id"], []).append(p)
        return [codec.study_from(s, params.get(s["id"], [])) for s in found]

    def study_by_name(self, round_id: int, name: str) -> Study | None:
        found = self._rows("SELECT id FROM studies WHERE round_id = ? AND name = ?", (round_id, name))
        return self.get_study(found[0]["id"]) if found else None

    # --- trials -----------------------------------------------------------------------------

    def add_trials(self, trials: Iterable[Trial]) -> list[Trial]:
        """Store new trials in state QUEUED, each with its creation event, in one transaction."""
        with self._write() as conn:
            return codec.trials_from(_trial_rows(conn, self._insert_trials(conn, trials)))

    def _insert_trials(self, conn: sqlite3.Connection, trials: Iterable[Trial]) -> list[int]:
        ids = []
        for t in trials:
            if t.id is not None:
                raise ValueError(f"trial {t.id} is already stored; a retry is a new Trial with retry_of={t.id}")
            at = _now(t.created_at)
            if conn.execute("SELECT 1 FROM studies WHERE id = ?", (t.study_id,)).fetchone() is None:
                raise NotFound(f"no study {t.study_id} in the store {self._path}")
            tid = _insert(conn, "trials", codec.trial_row(t, at))
            reason = t.reason or (f"retry of trial {t.retry_of}" if t.retry_of is not None else "created")
            _event(conn, tid, None, TrialState.QUEUED, at, reason)
            ids.append(tid)
        return ids

    def get_trial(self, id: int) -> Trial:
        return codec.trial_from(self._one("SELECT * FROM trials WHERE id = ?", (id,), f"trial {id}"))

    def trials(self, study_id: int | None = None, *, round_id: int | None = None,
               states: Iterable[TrialState | str] | None = None, limit: int | None = None) -> list[Trial]:
        """Trials in creation order, optionally of one study, one round, in some states; the
        first ``limit`` of them when given."""
        where, args = [], []
        if study_id is not None:
            where.append("study_id = ?")
            args.append(study_id)
        if round_id is not None:
            where.append("study_id IN (SELECT id FROM studies WHERE round_id = ?)")
            args.append(round_id)
        if states is not None:
            wanted = [TrialState(s).value for s in states]
            where.append(f"state IN ({', '.join('?' * len(wanted))})" if wanted else "0")
            args += wanted
        sql = "SELECT * FROM trials" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return codec.trials_from(self._rows(sql, args))

    def transition(self, trial_id: int, new_state: TrialState | str, *, reason: str = "",
                   at: float | None = None, retry: Trial | None = None, **fields: Any) -> Trial:
        """Move a trial to ``new_state``, updating ``fields`` and writing its event, atomically.

        The current state is read under the write lock and checked with
        :func:`~tuitune.domain.trial.check_transition`; an illegal move raises
        :class:`~tuitune.domain.errors.IllegalTransition` and changes nothing. ``fields`` may be
        any of ``pid, pid_started, gpus, argv, env, exit_code, started_at, ended_at, objective``.
        Unless given, ``started_at`` is set to ``at`` on entering RUNNING and ``ended_at`` on
        entering a terminal state (when not set already). ``reason`` becomes the trial's reason.

        ``retry``, a new trial with ``retry_of=trial_id``, is queued in the same transaction, so
        no reader ever sees a lost trial ended without the retry that replaces it (``tuitune run
        --wait`` would take "every trial ended" for the end of the study).
        """
        new_state = TrialState(new_state)
        if retry is not None and retry.retry_of != trial_id:
            raise ValueError(f"a retry of trial {trial_id} needs retry_of={trial_id}, not {retry.retry_of}")
        unknown = set(fields) - codec.TRIAL_FIELDS.keys()
        if unknown:
            raise TypeError(f"transition() got unknown fields {sorted(unknown)}; "
                            f"allowed: {sorted(codec.TRIAL_FIELDS)}")
        at = _now(at)
        with self._write() as conn:
            row = conn.execute("SELECT state, started_at, ended_at FROM trials WHERE id = ?", (trial_id,)).fetchone()
            if row is None:
                raise NotFound(f"no trial {trial_id} in the store {self._path}")
            old = TrialState(row[0])
            check_transition(old, new_state)
            if new_state is TrialState.RUNNING and row[1] is None:
                fields.setdefault("started_at", at)
            if new_state.terminal and row[2] is None:
                fields.setdefault("ended_at", at)
            sets = "".join(f", {k} = ?" for k in fields)
            conn.execute(f"UPDATE trials SET state = ?, reason = ?{sets} WHERE id = ?",
                         (new_state.value, reason, *(codec.TRIAL_FIELDS[k](v) for k, v in fields.items()), trial_id))
            _event(conn, trial_id, old, new_state, at, reason)
            if retry is not None:
                self._insert_trials(conn, [retry])
            return codec.trial_from(_trial_rows(conn, [trial_id])[0])

    def set_objective(self, trial_id: int, value: float | None) -> None:
        """Cache a trial's objective (no state change, so no event)."""
        with self._write() as conn:
            if conn.execute("UPDATE trials SET objective = ? WHERE id = ?",
                            (codec.real_in(value), trial_id)).rowcount == 0:
                raise NotFound(f"no trial {trial_id} in the store {self._path}")

    def events(self, trial_id: int | None = None) -> list[Event]:
        """State changes in the order they happened, of one trial or all."""
        if trial_id is None:
            return [codec.event_from(r) for r in self._rows("SELECT * FROM events ORDER BY id")]
        return [codec.event_from(r) for r in self._rows("SELECT * FROM events WHERE trial_id = ? ORDER BY id",
                                                        (trial_id,))]

    def state_counts(self, *, study_id: int | None = None, round_id: int | None = None) -> dict[TrialState, int]:
        """How many trials are in each state (every state present, zeros included)."""
        where, args = [], []
        if study_id is not None:
            where.append("study_id = ?")
            args.append(study_id)
        if round_id is not None:
            where.append("study_id IN (SELECT id FROM studies WHERE round_id = ?)")
            args.append(round_id)
        sql = "SELECT state, count(*) FROM trials" + (" WHERE " + " AND ".join(where) if where else "")
        counts = {s: 0 for s in TrialState}
        for state, n in self.conn.execute(sql + " GROUP BY state", args):
            counts[TrialState(state)] = n
        return counts

    # --- measurements -----------------------------------------------------------------------

    def add_measurements(self, rows: Iterable[Measurement | tuple[Any, ...]]) -> int:
        """Write a batch of measurements (``Measurement`` or ``(trial_id, step, name, value,
        wall_time)`` tuples) in one transaction; returns the number written."""
        with self._write() as conn:
            return m.write(conn, rows)

    def ingest(self, trial_id: int, source: str, new_offset: int, points: Sequence[tuple[int, str, float, float]],
               *, cursor: str = "", after: str | None = None) -> int:
        """Write the trial's ``points`` (``(step, name, value, wall_time)``, as a channel reads
        them) read from ``source`` and advance its offset to ``new_offset`` in one transaction,
        so a crash either keeps both or neither: exactly-once ingest. Returns the number of rows
        written.

        The points carry no trial id: every row of an ingest belongs to ``trial_id``, whose
        cursor commits with them, so rows of another trial cannot slip in under it.

        ``cursor`` is the reader's whole state after the rows (a channel's
        :meth:`~tuitune.runner.channels.Cursor.to_json`, offset included), kept beside the offset
        and returned by :meth:`cursor`. Two ways to guard against ingesting twice:

        * ``after=None``: the offset only moves forward; a move back raises ``StoreError``.
        * ``after=TEXT``: compare-and-set. ``points`` were read after the cursor ``TEXT`` (``""``
          for a source never ingested), and commit only if that is still the stored cursor, else
          ``StoreError``. The offset may then move back (a CSV file rewritten with a new header).
        """
        with self._write() as conn:
            if after is None:
                current = m.offset(conn, trial_id, source)
                if new_offset < current:
                    raise StoreError(f"ingest of trial {trial_id} {source!r} would move its offset back from "
                                     f"{current} to {new_offset}; read from offset(trial_id, source)")
            else:
                stored = m.cursor(conn, trial_id, source)
                if (stored or "") != after:
                    raise StoreError(f"ingest of trial {trial_id} {source!r} read after a cursor that is no "
                                     "longer current (another writer ingested it); read again from cursor()")
            n = m.write_points(conn, trial_id, points)
            m.set_offset(conn, trial_id, source, new_offset, cursor)
            return n

    def offset(self, trial_id: int, source: str) -> int:
        """The byte offset up to which ``source`` of the trial was ingested (0 when never)."""
        return m.offset(self.conn, trial_id, source)

    def cursor(self, trial_id: int, source: str) -> str:
        """The cursor stored by the last :meth:`ingest` of ``source`` (``""`` when never)."""
        return m.cursor(self.conn, trial_id, source) or ""

    def cursors(self, trial_id: int) -> dict[str, str]:
        """source -> stored cursor of every source of the trial ingested so far."""
        return m.cursors(self.conn, trial_id)

    def curve(self, trial_id: int, name: str) -> list[tuple[int, float, float]]:
        """``(step, value, wall_time)`` of one metric of one trial, in step order."""
        return m.curve(self.conn, trial_id, name)

    def curves(self, *, study_id: int | None = None, round_id: int | None = None,
               names: Iterable[str] | None = None, trial_ids: Iterable[int] | None = None
               ) -> dict[int, dict[str, list[tuple[int, float, float]]]]:
        """trial id -> metric -> ``(step, value, wall_time)`` in step order, for every trial of a
        study or round (or of ``trial_ids``), optionally only the metrics ``names``; one query.
        The shape :meth:`tuitune.analysis.curves.Curves.of` reads."""
        return m.curves(self.conn, study_id, round_id, names, trial_ids)

    def series(self, trial_ids: Iterable[int], names: Iterable[str]
               ) -> dict[tuple[int, str], tuple[tuple[int, ...], tuple[float, ...]]]:
        """(trial id, metric) -> (steps, values) in step order, of each of those curves that has a
        point: what a plot draws, read from one snapshot at half the cost of :meth:`curves`."""
        with self._read() as conn:
            return m.series(conn, trial_ids, names)

    def curves_frame(self, *, study_id: int | None = None, round_id: int | None = None,
                     names: Iterable[str] | None = None, trial_ids: Iterable[int] | None = None,
                     wall_time: bool = True) -> pd.DataFrame:
        """What :meth:`curves` reads, as one long pandas DataFrame (``trial_id, name, step,
        value, wall_time``, sorted by trial, metric and step; NaN for NaN): the table
        :meth:`tuitune.analysis.curves.Curves.of` takes as it is, read from one snapshot. For bulk
        readers: a study of 10,000 trials is read several times faster than through
        :meth:`curves`. ``wall_time=False`` leaves that column out, a third less to fetch, for
        readers that never look at time (the checklist and its plots; ``Curves.of`` fills NaN)."""
        with self._read() as conn:
            return m.curves_frame(conn, study_id, round_id, names, trial_ids, wall_time=wall_time)

    def latest(self, *, study_id: int | None = None,
               round_id: int | None = None) -> dict[int, dict[str, tuple[int, float]]]:
        """trial id -> metric -> ``(step, value)`` at the highest step reported."""
        return m.latest(self.conn, study_id, round_id)

    def metric_names(self, *, study_id: int | None = None, round_id: int | None = None) -> list[str]:
        """Names of the metrics reported (by trials of a study or round), sorted."""
        return m.metric_names(self.conn, study_id, round_id)

    # --- commands ---------------------------------------------------------------------------

    def add_command(self, kind: CommandKind | str, payload: Mapping[str, object] | None = None) -> Command:
        """Record an intent for the runner."""
        kind = CommandKind(kind)
        with self._write() as conn:
            cid = _insert(conn, "commands", {"kind": kind.value, "payload": codec.dumps(dict(payload or {})),
                                             "created_at": time.time()})
        return self.get_command(cid)

    def get_command(self, id: int) -> Command:
        return codec.command_from(self._one("SELECT * FROM commands WHERE id = ?", (id,), f"command {id}"))

    def pending_commands(self) -> list[Command]:
        """Commands the runner has not completed, oldest first."""
        return [codec.command_from(r) for r in self._rows("SELECT * FROM commands WHERE done_at IS NULL ORDER BY id")]

    def commands(self) -> list[Command]:
        """Every command, oldest first."""
        return [codec.command_from(r) for r in self._rows("SELECT * FROM commands ORDER BY id")]

    def complete_command(self, id: int, result: str = "") -> bool:
        """Mark a command done with a one-line ``result``. Returns ``False`` (changing nothing)
        when it was already done."""
        with self._write() as conn:
            if conn.execute("UPDATE commands SET done_at = ?, result = ? WHERE id = ? AND done_at IS NULL",
                            (time.time(), result, id)).rowcount:
                return True
            if conn.execute("SELECT 1 FROM commands WHERE id = ?", (id,)).fetchone() is None:
                raise NotFound(f"no command {id} in the store {self._path}")
            return False

    # --- decisions and baselines ------------------------------------------------------------

    def add_decision(self, decision: Decision) -> Decision:
        with self._write() as conn:
            did = _insert(conn, "decisions", codec.decision_row(decision, _now(decision.created_at)))
        return codec.decision_from(self._one("SELECT * FROM decisions WHERE id = ?", (did,), f"decision {did}"))

    def decide(self, decision: Decision, adopted: Baseline | None = None) -> Decision:
        """The end of a round in one transaction: the new baseline when adopting (the decision
        then points at it), the decision, and the round closed.

        Raises :class:`StoreError` (nothing written) unless the round is open: two people
        deciding the same round at once cannot both succeed.
        """
        with self._write() as conn:
            row = conn.execute("SELECT status FROM rounds WHERE id = ?", (decision.round_id,)).fetchone()
            if row is None:
                raise NotFound(f"no round {decision.round_id} in the store {self._path}")
            if row[0] != RoundStatus.OPEN.value:
                raise StoreError(f"round {decision.round_id} is {row[0]} already: its decision was made")
            if adopted is not None:
                bid = _insert(conn, "baselines", codec.baseline_row(adopted, _now(adopted.created_at)))
                decision = replace(decision, baseline_id=bid)
            did = _insert(conn, "decisions", codec.decision_row(decision, _now(decision.created_at)))
            conn.execute("UPDATE rounds SET status = ?, closed_at = ? WHERE id = ?",
                         (RoundStatus.CLOSED.value, time.time(), decision.round_id))
        return codec.decision_from(self._one("SELECT * FROM decisions WHERE id = ?", (did,), f"decision {did}"))

    def decisions(self, round_id: int | None = None) -> list[Decision]:
        if round_id is None:
            return [codec.decision_from(r) for r in self._rows("SELECT * FROM decisions ORDER BY id")]
        return [codec.decision_from(r) for r in self._rows("SELECT * FROM decisions WHERE round_id = ? ORDER BY id",
                                                           (round_id,))]

    def add_baseline(self, baseline: Baseline) -> Baseline:
        with self._write() as conn:
            bid = _insert(conn, "baselines", codec.baseline_row(baseline, _now(baseline.created_at)))
        return codec.baseline_from(self._one("SELECT * FROM baselines WHERE id = ?", (bid,), f"baseline {bid}"))

    def baselines(self) -> list[Baseline]:
        """Every baseline, oldest first; the last one is current."""
        return [codec.baseline_from(r) for r in self._rows("SELECT * FROM baselines ORDER BY id")]

    def current_baseline(self) -> Baseline | None:
        found = self._rows("SELECT * FROM baselines ORDER BY id DESC LIMIT 1")
        return codec.baseline_from(found[0]) if found else None


def _insert(conn: sqlite3.Connection, table: str, row: Mapping[str, Any]) -> int:
    """Insert one row (table and column names are the store's own, never a user's); its id."""
    columns = ", ".join(f'"{c}"' for c in row)
    cur = conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    return int(cur.lastrowid)  # type: ignore[arg-type]  # always set after an INSERT


def _now(at: float | None) -> float:
    return time.time() if at is None else at


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _event(conn: sqlite3.Connection, trial_id: int, old: TrialState | None, new: TrialState,
           at: float, reason: str) -> None:
    conn.execute("INSERT INTO events (trial_id, old, new, at, reason) VALUES (?, ?, ?, ?, ?)",
                 (trial_id, None if old is None else old.value, new.value, at, reason))


def _trial_rows(conn: sqlite3.Connection, ids: list[int]) -> list[dict[str, Any]]:
    """The rows of ``ids``, by id; read in chunks within SQLite's limit of variables a statement
    (often 32,766, while a study of 40,000 trials is added in one call)."""
    rows: list[dict[str, Any]] = []
    size = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        cur = conn.execute(f"SELECT * FROM trials WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
        keys = [d[0] for d in cur.description]
        rows.extend(dict(zip(keys, r)) for r in cur.fetchall())
    return sorted(rows, key=lambda row: row["id"])


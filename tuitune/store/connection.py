"""Opening a store's SQLite connection: where it may live, how it is configured, its schema.

Why it is shaped like this:

* The connection is in driver autocommit mode (``isolation_level=None``): the
  :class:`~tuitune.store.store.Store` issues ``BEGIN IMMEDIATE``/``COMMIT`` itself, so no
  statement ever opens a transaction behind its back (sqlite-utils, wrapped around it only to
  migrate, runs a migration's statements inside ours).
* WAL lets readers read while the one writer writes; ``synchronous=NORMAL`` is durable enough in
  WAL (a crash never tears a commit; a power cut may lose the last ones) and avoids an fsync per
  commit; the busy timeout makes a second writer wait instead of failing; foreign keys are off by
  default in SQLite and must be switched on per connection.
* Readers get a ``mode=ro`` connection and are never migrated: they refuse a schema they do not
  know rather than guess, and a reader can never change the file under the runner.
* The path is checked before anything is created, so a refused network path leaves no trace.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from tuitune.domain.errors import StoreError
from tuitune.store.mounts import check_local
from tuitune.store.schema import CURRENT_VERSION, applied, check_known, migrate

BUSY_TIMEOUT_S = 10.0
"""How long a write waits for another writer's lock before giving up."""


def open_file(path: str | os.PathLike[str], *, readonly: bool) -> tuple[sqlite3.Connection, str, int]:
    """``(connection, absolute path, schema version)`` of the store file at ``path``."""
    where = os.path.abspath(os.path.expanduser(os.fspath(path)))
    check_local(where)
    if readonly and not os.path.isfile(where):
        raise StoreError(f"no store at {where}: nothing has been recorded yet "
                         "(`tuitune round new` creates it), or `store = ...` in tuitune.toml points elsewhere")
    if not readonly:
        try:
            Path(where).parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create the folder for the store {where}: {e}") from e
    target = Path(where).as_uri() + "?mode=ro" if readonly else where
    try:
        conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                               check_same_thread=True, uri=readonly)
        version = _prepare(conn, where, readonly=readonly)
    except sqlite3.DatabaseError as e:
        raise StoreError(explain(e, where)) from e
    return conn, where, version


def open_memory() -> tuple[sqlite3.Connection, int]:
    """``(connection, schema version)`` of a new private in-memory store."""
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=True)
    return conn, _prepare(conn, ":memory:", readonly=False)


def _prepare(conn: sqlite3.Connection, where: str, *, readonly: bool) -> int:
    """Configure ``conn`` and migrate its database (unless ``readonly``); its schema version."""
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        if readonly:
            names = applied(conn)
            check_known(names, where)
            if len(names) < CURRENT_VERSION:
                raise StoreError(
                    f"the store {where} has schema version {len(names)}, this tuitune needs "
                    f"{CURRENT_VERSION}; run a tuitune command that writes to it (e.g. the runner) "
                    "once to upgrade it, then read it again")
            return len(names)
        if where != ":memory:":
            _journal_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        return migrate(conn, where)
    except BaseException:
        conn.close()
        raise


def explain(e: sqlite3.Error, where: str) -> str:
    """A SQLite error as a message saying what to do."""
    text = str(e)
    if "locked" in text or "busy" in text:
        return (f"the store {where} stayed locked by another process for {BUSY_TIMEOUT_S:g} s "
                "(a runner or a migration still writing?); try again, or find the process holding it")
    if "not a database" in text or "malformed" in text:
        return f"{where} is not a readable tuitune store (SQLite says: {text}); point `store = ...` elsewhere"
    if "unable to open" in text:
        return f"cannot open the store {where} (SQLite says: {text}); check the path and its permissions"
    return f"the store {where} failed: {text}"


def _journal_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL. On a new file that other connections open at the same moment (the TUI and
    the runner starting together), the switch fails at once with "database is locked": SQLite
    does not call the busy handler for it. Retried until :data:`BUSY_TIMEOUT_S` has passed."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)

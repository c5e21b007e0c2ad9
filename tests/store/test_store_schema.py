"""Migrations: an empty database migrates to the committed schema, once; newer schemas are refused.

``expected_schema.sql`` is the schema a fresh database must end up with. When you add a
migration, regenerate it with ``TUITUNE_UPDATE_SCHEMA=1 pytest tests/store/test_store_schema.py``
and review the diff: it is the change every user's database will go through.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from tuitune.domain import Round, StoreError
from tuitune.store import CURRENT_VERSION, MIGRATIONS, Store, schema

EXPECTED = Path(__file__).with_name("expected_schema.sql")


def test_empty_database_migrates_to_the_committed_schema(tmp_path):
    with Store.open(tmp_path / "store.db") as store:
        got = schema.dump(store.conn)
    if os.environ.get("TUITUNE_UPDATE_SCHEMA"):
        EXPECTED.write_text(got)
    assert got == EXPECTED.read_text(), (
        "the migrated schema differs from tests/store/expected_schema.sql; if you added a migration, "
        "regenerate it with TUITUNE_UPDATE_SCHEMA=1 and review the diff (never edit a released migration)")


def test_memory_and_file_stores_have_the_same_schema(tmp_path):
    with Store.open(tmp_path / "store.db") as f, Store.memory() as m:
        assert schema.dump(f.conn) == schema.dump(m.conn)


def test_versions_table_and_pragmas(tmp_path):
    with Store.open(tmp_path / "store.db") as store:
        conn = store.conn
        names = [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]
        assert names == [m.__name__ for m in MIGRATIONS]
        assert store.schema_version == CURRENT_VERSION == len(MIGRATIONS)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000


def test_reopening_applies_nothing_again(tmp_path):
    path = tmp_path / "store.db"
    with Store.open(path) as store:
        store.add_round(Round("keep me"))
        before = list(store.conn.execute("SELECT name, applied_at FROM _migrations"))
    with Store.open(path) as store:
        assert list(store.conn.execute("SELECT name, applied_at FROM _migrations")) == before
        assert [r.goal for r in store.rounds()] == ["keep me"]


def test_only_creating_a_store_imports_sqlite_utils(tmp_path):
    """sqlite-utils costs ~45 ms to import: using an up-to-date store (the TUI's start, the
    runner, ``tuitune status``) must not pay it, reading or writing; creating one does."""
    path = tmp_path / "store.db"
    code = ("import sys; from tuitune.store import Store; from tuitune.domain import *\n"
            f"s = Store.open({str(path)!r}); s.rounds(); r = s.add_round(Round('g'))\n"
            "x = Hyperparameter('x', ParamType.FLOAT, low=0, high=1)\n"
            "s.add_study(Study(f's{r.id}', SearchSpace((x,))), r.id); s.add_command('queue')\n"
            "print('sqlite_utils' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True) for _ in range(2)]
    assert [r.stdout.split() for r in runs] == [["True"], ["False"]]  # created, then up to date


def m002_test_notes(db: Database) -> None:
    db.execute("ALTER TABLE rounds ADD COLUMN test_note TEXT NOT NULL DEFAULT 'migrated'")


def m003_test_broken(db: Database) -> None:
    db.execute("CREATE TABLE half_done (x INTEGER)")
    raise RuntimeError("migration bug")


def test_a_later_migration_upgrades_an_existing_database(tmp_path, monkeypatch):
    path = tmp_path / "store.db"
    with Store.open(path) as store:
        store.add_round(Round("old"))
    monkeypatch.setattr(schema, "MIGRATIONS", [*MIGRATIONS, m002_test_notes])
    with Store.open(path) as store:
        assert store.schema_version == CURRENT_VERSION + 1
        assert [r[0] for r in store.conn.execute("SELECT test_note FROM rounds")] == ["migrated"]
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION + 1


def test_a_failing_migration_leaves_the_previous_version(tmp_path, monkeypatch):
    path = tmp_path / "store.db"
    Store.open(path).close()
    monkeypatch.setattr(schema, "MIGRATIONS", [*MIGRATIONS, m002_test_notes, m003_test_broken])
    with pytest.raises(RuntimeError, match="migration bug"):
        Store.open(path)
    conn = sqlite3.connect(path)
    assert "half_done" not in Database(conn).table_names()
    assert schema.applied(conn) == [m.__name__ for m in MIGRATIONS] + ["m002_test_notes"]
    conn.close()


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "store.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _migrations (name, applied_at) VALUES ('m999_from_the_future', 0)")
    conn.commit()
    conn.close()
    for readonly in (False, True):
        with pytest.raises(StoreError, match="newer tuitune.*m999_from_the_future.*upgrade tuitune"):
            Store.open(path, readonly=readonly)


def test_readonly_refuses_an_old_schema(tmp_path, monkeypatch):
    path = tmp_path / "store.db"
    Store.open(path).close()
    monkeypatch.setattr(schema, "MIGRATIONS", [*MIGRATIONS, m002_test_notes])
    monkeypatch.setattr("tuitune.store.connection.CURRENT_VERSION", CURRENT_VERSION + 1)
    with pytest.raises(StoreError, match="needs .*upgrade it"):
        Store.open(path, readonly=True)


def test_concurrent_first_opens_migrate_once(tmp_path):
    """Two processes starting on a fresh store (TUI and runner) must not both migrate, nor fail
    (switching a new file to WAL fails at once while another connection switches it: about one
    time in 50 before it was retried, so 30 fresh stores)."""
    import threading

    for attempt in range(30):
        path, errors, barrier = tmp_path / f"store{attempt}.db", [], threading.Barrier(6)

        def open_it():
            try:
                barrier.wait()
                Store.open(path).close()
            except Exception as e:
                errors.append(e)

        threads = [threading.Thread(target=open_it) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with Store.open(path) as store:
            assert [r[0] for r in store.conn.execute("SELECT count(*) FROM _migrations")] == [len(MIGRATIONS)]

"""sqlite-utils' ``Database`` over one of the store's connections, imported on first use.

Why: the store speaks plain ``sqlite3`` and uses sqlite-utils to run its migrations (a
migration's script, statement by statement, inside our ``BEGIN IMMEDIATE``). Importing
sqlite-utils costs about 45 ms (its plugin machinery, click, dateutil), a quarter of the TUI's
cold start, so it is imported when a store is created or upgraded, not when ``tuitune.store``
is imported: opening an up-to-date store never loads it.

sqlite-utils also imports pandas and numpy when they are installed (half a second) only to
convert their values in its inserts, which migrations never make. It is imported with those two
hidden, so that creating a store (the CLI, the runner) does not pay for them. Hiding them is
safe because a store is created or upgraded when it is opened, before a process starts its
threads (the TUI opens it once on the main thread before its lanes), so no other thread imports
pandas meanwhile.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

_importing = threading.Lock()
"""Held while sqlite-utils is imported with pandas and numpy hidden: two stores created at once
in one process (threads) must not hide and restore them over each other."""


def database(conn: sqlite3.Connection) -> Database:
    """A ``Database`` wrapping ``conn`` (no plugins: a user's sqlite-utils plugins have no
    business in our connection; no recursive triggers, the SQLite default)."""
    with _importing:
        if "sqlite_utils" not in sys.modules:
            hidden = [m for m in ("pandas", "numpy") if m not in sys.modules]
            sys.modules.update(dict.fromkeys(hidden))  # a None entry makes `import name` raise ImportError
            try:
                import sqlite_utils  # noqa: F401
            finally:
                for name in hidden:
                    del sys.modules[name]
    from sqlite_utils import Database

    return Database(conn, execute_plugins=False, recursive_triggers=False)

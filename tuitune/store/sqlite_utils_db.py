"""sqlite-utils' ``Database`` over one of the store's connections, imported on first use.

Why: the store reads with plain ``sqlite3`` and uses sqlite-utils only for its simple inserts
and its migrations. Importing sqlite-utils costs about 45 ms (its plugin machinery, click,
dateutil), a quarter of the TUI's cold start and most of ``tuitune status``, so it is imported
the first time a store writes a row or migrates, not when ``tuitune.store`` is imported.

sqlite-utils also imports pandas and numpy when they are installed (half a second) only to
convert their values in its inserts, which the store never passes (it writes JSON text and
Python numbers). It is imported with those two hidden, so the runner and the CLI do not pay for
them; they stay importable for everyone else.
"""

from __future__ import annotations

import sqlite3
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database


def database(conn: sqlite3.Connection) -> Database:
    """A ``Database`` wrapping ``conn`` (no plugins: a user's sqlite-utils plugins have no
    business in our connection; no recursive triggers, the SQLite default)."""
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

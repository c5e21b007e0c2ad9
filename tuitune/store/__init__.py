"""The SQLite store: the only place in tuitune that speaks SQL.

:class:`Store` returns domain objects; :mod:`~tuitune.store.schema` holds the migrations;
:mod:`~tuitune.store.mounts` refuses network filesystems. See :class:`Store` for the
connection rules every caller must follow.

sqlite-utils imports pandas and numpy when they are installed (half a second) only to convert
their values in its inserts, which the store never passes (it writes JSON text and Python
numbers). It is imported here with those two hidden, so that ``tuitune status`` and the runner
do not pay for them; they stay importable for everyone else.
"""

import sys

_HIDDEN = [m for m in ("pandas", "numpy") if m not in sys.modules]
if "sqlite_utils" not in sys.modules:
    sys.modules.update(dict.fromkeys(_HIDDEN))  # a None entry makes `import name` raise ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for _name in _HIDDEN:
            del sys.modules[_name]

from tuitune.domain.errors import NotFound, StoreError  # noqa: E402
from tuitune.store.mounts import check_local, network_reason  # noqa: E402
from tuitune.store.schema import CURRENT_VERSION, MIGRATIONS  # noqa: E402
from tuitune.store.connection import BUSY_TIMEOUT_S  # noqa: E402
from tuitune.store.store import Store  # noqa: E402

__all__ = ["BUSY_TIMEOUT_S", "CURRENT_VERSION", "MIGRATIONS", "NotFound", "Store", "StoreError",
           "check_local", "network_reason"]

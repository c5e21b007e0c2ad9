"""The SQLite store: the only place in tuitune that speaks SQL.

:class:`Store` returns domain objects; :mod:`~tuitune.store.schema` holds the migrations;
:mod:`~tuitune.store.mounts` refuses network filesystems; sqlite-utils, which runs the
migrations, is imported only to create or upgrade a store (:mod:`~tuitune.store.sqlite_utils_db`).
See :class:`Store` for the connection rules every caller must follow.
"""

from tuitune.domain.errors import NotFound, StoreError
from tuitune.store.mounts import check_local, network_reason
from tuitune.store.schema import CURRENT_VERSION, MIGRATIONS
from tuitune.store.connection import BUSY_TIMEOUT_S
from tuitune.store.store import Store

__all__ = ["BUSY_TIMEOUT_S", "CURRENT_VERSION", "MIGRATIONS", "NotFound", "Store", "StoreError",
           "check_local", "network_reason"]

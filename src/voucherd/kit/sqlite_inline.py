"""SQLite under SQLAlchemy's asyncio engine with no thread and no await per call.

aiosqlite runs every call on a helper thread; even run inline on the loop thread, each
DB-API call is awaited through a greenlet switch, about 30 µs per statement, a third of what
a prebuilt statement costs. The statements are point reads and single-row writes that never
wait inside SQLite (readers don't block in WAL mode; this process serialises its writers with
an asyncio lock), so nothing is gained by awaiting them. This dialect is the standard sqlite3
one, declared async so the asyncio engine accepts it: every DB-API call simply completes.
Only another process holding the write lock can make a call wait, up to `busy_timeout`,
on the loop thread (as with aiosqlite run inline before).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL

DRIVER = "voucherd_inline"


class InlineCursor(sqlite3.Cursor):
    async def _async_soft_close(self) -> None:
        """Awaited by the asyncio layer after buffering a result: nothing to release."""


class InlineConnection(sqlite3.Connection):
    def cursor(self, factory: Any = InlineCursor) -> Any:
        return super().cursor(factory)


# sqlite3.connect(**CONNECT_ARGS): connections whose cursors the asyncio layer accepts, usable
# from whichever task checks them out (all on the loop's thread).
CONNECT_ARGS: dict[str, Any] = {"factory": InlineConnection, "check_same_thread": False}


class InlineSQLiteDialect(SQLiteDialect_pysqlite):
    driver = DRIVER
    supports_statement_cache = True
    is_async = True

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        # The asyncio-aware pool: a checkout that must wait awaits instead of blocking the loop.
        if cls._is_url_file_db(url):
            return pool.AsyncAdaptedQueuePool
        return pool.StaticPool


registry.register(f"sqlite.{DRIVER}", __name__, "InlineSQLiteDialect")


def inline_url(url: str) -> str:
    """`sqlite:///path` (or `sqlite+aiosqlite:///path`) for this dialect."""
    return f"sqlite+{DRIVER}:///" + url.split(":///", 1)[1]

"""Database access: engines, the declarative base, and the unit of work the edges open.

SQLite (embedded default) runs in WAL mode. Writers are serialised inside the process by an
asyncio lock and across processes by `BEGIN IMMEDIATE` + `busy_timeout`, so a request never
sees "database is locked"; readers use their own pool and never wait for writers.
PostgreSQL gets one pooled engine; concurrency rules there use row locks and conditional SQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import JSON, BigInteger, DateTime, MetaData, event, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm.util import identity_key
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from voucherd.kit.sqlite_inline import CONNECT_ARGS, inline_url

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both engines (SQLite stores naive text, so re-attach UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        # Amounts in cents, points and counters: 64-bit everywhere (PostgreSQL's INTEGER is 32).
        int: BigInteger(),
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


def _json_dumps(value: Any) -> str:
    # Event payloads are the biggest values we store; orjson is several times faster than json.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# Every engine stores JSON columns with orjson.
JSON_CODEC: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


def loaded(session: AsyncSession, model: type[T], primary_key: str) -> T | None:
    """The row if this unit of work already holds it (no SQL); None otherwise.

    Hot paths read the same customer, campaign or card several times per request; the
    identity map answers repeats (a plain `session.get` would also query on a miss by a
    key that is not a primary key, such as a source_id).
    """
    found = session.sync_session.identity_map.get(identity_key(model, primary_key))
    return found if isinstance(found, model) else None


async def advisory_xact_lock(session: AsyncSession, key: str) -> None:
    """Serialise transactions that name the same `key` until each commits (PostgreSQL; SQLite
    has a single writer, so there is nothing to do)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
        )


def async_url(url: str) -> str:
    """Accept the plain URLs operators write and pick the async driver."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+asyncpg://" + url.removeprefix(plain)
    return url


def _configure_sqlite(engine: AsyncEngine, *, immediate: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control from the driver so we can choose the BEGIN flavour.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Another process (a separate `voucherd worker`) may hold the write lock briefly.
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
        # writes can fail with SQLITE_BUSY without waiting, which is the "database is locked"
        # error we promise never to show.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Engines and sessions for one database URL."""

    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 10) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        self._write_lock: asyncio.Lock | None = None
        if self.is_sqlite:
            # One writer connection: SQLite allows one writer at a time anyway.
            # Statements run to completion on the loop thread (see kit.sqlite_inline).
            url = inline_url(self.url)
            sqlite_args: dict[str, Any] = {
                "connect_args": CONNECT_ARGS,
                **JSON_CODEC,
            }
            self.write_engine = create_async_engine(
                url, pool_size=1, max_overflow=0, pool_timeout=120, **sqlite_args
            )
            _configure_sqlite(self.write_engine, immediate=True)
            self.read_engine = create_async_engine(url, pool_size=5, max_overflow=5, **sqlite_args)
            _configure_sqlite(self.read_engine, immediate=False)
        else:
            self.write_engine = create_async_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_pre_ping=False,
                **JSON_CODEC,
            )
            self.read_engine = self.write_engine
        self._write_sessions = async_sessionmaker(self.write_engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return "sqlite" if self.is_sqlite else "postgresql"

    def _lock(self) -> asyncio.Lock:
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
        return self._write_lock

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block ends normally, rolls back on any exception."""
        if self.is_sqlite and write:
            async with self._lock(), self._write_sessions() as session, session.begin():
                yield session
            return
        factory = self._write_sessions if write else self._read_sessions
        async with factory() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()

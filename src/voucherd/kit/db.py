"""Database access: engines, the declarative base, and the unit of work the edges open.

SQLite (embedded default) runs in WAL mode. Writers are serialised inside the process by an
asyncio lock and across processes by `BEGIN IMMEDIATE` + `busy_timeout`, so a request never
sees "database is locked"; readers use their own pool and never wait for writers.
PostgreSQL gets one pooled engine; concurrency rules there use row locks and conditional SQL.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import random
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import JSON, BigInteger, DateTime, MetaData, event, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm.util import identity_key
from sqlalchemy.pool import ConnectionPoolEntry, NullPool
from sqlalchemy.types import TypeDecorator

from voucherd.kit.sqlite_inline import CONNECT_ARGS, inline_url

T = TypeVar("T")

log = logging.getLogger("voucherd.db")

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


# --- Transient failures: what the edges retry, and what they answer 503 for -----------------

# SQLSTATEs of a transaction PostgreSQL aborted because of other transactions, not because of
# anything in it: run again from the start, it succeeds (40P01 deadlock_detected,
# 40001 serialization_failure).
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
# The server is unreachable, going away or out of connection slots: 08xxx connection
# exceptions, 57P01-57P03 (admin/crash shutdown, cannot connect now), 53300 too many connections.
_UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
# Socket errors of a connect() or of a connection that died: the database is unreachable.
_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.ETIMEDOUT,
        errno.EPIPE,
    }
)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what it wraps: SQLAlchemy's DBAPIError keeps the driver's error in `orig`,
    and the asyncpg adapter chains asyncpg's own exception as the cause of that."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo.extend((getattr(e, "orig", None), e.__cause__, e.__context__))


def _sqlstate(exc: BaseException) -> str | None:
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return state if isinstance(state, str) else None


def is_retryable_conflict(exc: BaseException) -> bool:
    """A deadlock or serialization failure: the whole transaction may simply run again."""
    return any(_sqlstate(e) in RETRYABLE_SQLSTATES for e in _causes(exc))


def is_connection_error(exc: BaseException) -> bool:
    """The database cannot be reached (down, restarting, network gone, no free slots)."""
    for e in _causes(exc):
        if isinstance(e, DBAPIError) and e.connection_invalidated:
            return True
        if isinstance(e, DisconnectionError | ConnectionError | TimeoutError | socket.gaierror):
            return True
        if isinstance(e, OSError) and e.errno in _NETWORK_ERRNOS:
            return True
        state = _sqlstate(e)
        if state is not None and (state.startswith("08") or state in _UNAVAILABLE_SQLSTATES):
            return True
    return False


# A deadlock victim runs again at once but for a short random pause, so two victims of the
# same cycle do not meet again in lockstep. Four attempts in all: the PostgreSQL race tests
# (100 concurrent redemptions of one code) never needed more than two.
CONFLICT_ATTEMPTS = 4
_CONFLICT_BACKOFF_SECONDS = 0.02


def conflict_backoff(attempt: int) -> float:
    """Pause before attempt `attempt + 1`: jittered exponential, 10-30 ms, then 20-60 ms, ..."""
    return _CONFLICT_BACKOFF_SECONDS * 2.0 ** (attempt - 1) * random.uniform(0.5, 1.5)


async def retry_on_conflict(
    work: Callable[[], Awaitable[T]], *, attempts: int = CONFLICT_ATTEMPTS, what: str = "work"
) -> T:
    """Run `work` (one whole unit of work) again when PostgreSQL aborted it as a deadlock
    victim or for a serialization failure; the last attempt's error propagates."""
    for attempt in range(1, attempts + 1):
        try:
            return await work()
        except Exception as exc:
            if attempt == attempts or not is_retryable_conflict(exc):
                raise
            log.info("%s: transaction conflict (%s), attempt %d", what, _sqlstate_of(exc), attempt)
        await asyncio.sleep(conflict_backoff(attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def _sqlstate_of(exc: BaseException) -> str | None:
    return next((s for s in map(_sqlstate, _causes(exc)) if s is not None), None)


# --- Waiting for the database at startup ---------------------------------------------------


class DatabaseUnavailable(Exception):
    """The database did not answer within the startup bound."""


# Pauses between startup probes grow from 0.5 s to at most 5 s: quick when the database is
# only a moment behind (containers started together), and no busy loop against a long outage.
_STARTUP_FIRST_PAUSE = 0.5
_STARTUP_MAX_PAUSE = 5.0


async def wait_for_database(
    url: str,
    *,
    bound_seconds: float,
    on_retry: Callable[[BaseException, float], None] | None = None,
) -> None:
    """Return once `url` answers `SELECT 1`; retry connection errors with backoff until
    `bound_seconds` have passed, then raise DatabaseUnavailable. Other errors (a wrong
    password, a missing database) are not waited out: they propagate at once."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound_seconds
    pause = _STARTUP_FIRST_PAUSE
    engine = create_async_engine(async_url(url), poolclass=NullPool)
    try:
        while True:
            try:
                # Bounded by what is left: a host that drops packets would hold a connect()
                # for the driver's own timeout (60 s for asyncpg).
                async with asyncio.timeout(max(deadline - loop.time(), 0.1)):
                    async with engine.connect() as conn:
                        await conn.execute(text("SELECT 1"))
                return
            except Exception as exc:
                if not is_connection_error(exc):
                    raise
                left = deadline - loop.time()
                if left <= 0:
                    raise DatabaseUnavailable(
                        f"database not reachable after {bound_seconds:g} s: {describe_error(exc)}"
                    ) from exc
                wait = min(pause, left)
                if on_retry is not None:
                    on_retry(exc, wait)
                await asyncio.sleep(wait)
                pause = min(pause * 2, _STARTUP_MAX_PAUSE)
    finally:
        await engine.dispose()


def describe_error(exc: BaseException) -> str:
    """One line naming the root cause (`ConnectionRefusedError: [Errno 111] Connect call ...`)."""
    root = exc
    while root.__cause__ is not None:
        root = root.__cause__
    text_ = str(root).splitlines()[0] if str(root) else ""
    return f"{type(root).__name__}: {text_}" if text_ else type(root).__name__

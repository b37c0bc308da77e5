"""Idempotency keys on `/v1` writes (Stripe's semantics; Voucherify has none).

A client that sends `Idempotency-Key: <key>` with a POST, PUT or DELETE may send the same
request again (after a timeout, a dropped connection, a crashed server) and learn the outcome
of the first one instead of causing a second: the first answer (status, body, content type,
location) is stored with the key for 24 h, per project and API key, and replayed byte for
byte with `Idempotent-Replayed: true`. The same key with another method, path or body is
refused (422 `idempotency_key_reused`); a retry while the first request still runs gets 409
`idempotency_key_in_use` (PostgreSQL; SQLite has one writer, so a retry simply waits for the
first to finish and then replays it).

Everything happens in the request's own unit of work, so the stored answer commits exactly
when the change it describes does:

1. `claim` (called by authentication, once the API key is known to be genuine, so an answer
   is only ever replayed to the key that caused it) inserts the key's row with no answer yet,
   or replays / refuses, and opens a savepoint around the endpoint's work.
2. `run` (called by the edge, `kit.http.TransactionalRoute`, around the endpoint) writes the
   answer into the row before COMMIT. A business refusal (an `ApiError` below 500) rolls the
   savepoint back (the refused work is undone, the row stays), lets the route record what a
   refusal owes (failed redemptions) and stores the error answer: Stripe stores errors too.
   Anything else (a 5xx, a request that fails validation before the endpoint runs, a crash)
   rolls the whole unit of work back, the row with it, so the client can simply retry.

With no header nothing of this runs a statement: the hot paths are unchanged.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    LargeBinary,
    String,
    delete,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction
from sqlalchemy.orm import Mapped, mapped_column
from starlette.requests import Request
from starlette.responses import Response

from voucherd.kit.clock import utcnow
from voucherd.kit.context import current_request_id
from voucherd.kit.db import Base, Database
from voucherd.kit.errors import ApiError
from voucherd.kit.responses import JsonResponse

log = logging.getLogger("voucherd.idempotency")

HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255
METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The response headers that are part of the answer (the rest are per-connection framing).
STORED_HEADERS = frozenset({"content-type", "location"})
# Expired keys deleted per purge statement: short write transactions, however many expired.
PURGE_BATCH = 1000
PURGE_IDLE_SECONDS = 60.0
_PATH_LENGTH = 2048
_STATE = "idempotency_claim"


class IdempotencyKey(Base):
    """One key of one API key of one project, with the answer of its first request."""

    __tablename__ = "idempotency_keys"

    project_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    api_key_id: Mapped[str] = mapped_column(String(200), primary_key=True)  # the X-App-Id
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    # sha256 of method, path (with query) and body: what "the same request" means.
    request_hash: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(_PATH_LENGTH))
    # None while the first request runs (never committed so: the answer commits with it).
    status_code: Mapped[int | None] = mapped_column(nullable=True)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    response_headers: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime]
    # Past this the key is free again (ignored at once, deleted by the purge job later).
    expires_at: Mapped[datetime] = mapped_column(index=True)


class InvalidIdempotencyKey(ApiError):
    status = 400
    key = "invalid_idempotency_key"
    message = "Invalid idempotency key"


class IdempotencyKeyReused(ApiError):
    status = 422
    key = "idempotency_key_reused"
    message = "Idempotency key reused"


class IdempotencyKeyInUse(ApiError):
    status = 409
    key = "idempotency_key_in_use"
    message = "Idempotency key in use"


class Replayed(Exception):  # not an error: it carries the stored answer to the edge
    """Raised by `claim` when the key already holds this request's answer."""

    def __init__(self, response: Response) -> None:
        super().__init__("replayed")
        self.response = response


@dataclass(frozen=True, slots=True)
class Claim:
    """A key this unit of work holds: its row is inserted, the answer is still to come."""

    project_id: str
    api_key_id: str
    key: str
    savepoint: AsyncSessionTransaction


# What the route still owes when a request is refused (e.g. recording a failed redemption).
AfterRefusal = Callable[[AsyncSession, ApiError], Awaitable[None]]


def _valid_key(value: str) -> str:
    if not value or len(value) > MAX_KEY_LENGTH:
        raise InvalidIdempotencyKey(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters long"
        )
    if not all(" " <= ch <= "~" for ch in value):
        raise InvalidIdempotencyKey("Idempotency-Key must be printable ASCII")
    return value


def _raw_target(request: Request) -> str:
    """The request target as sent (percent-encoded path and query), printable."""
    raw: bytes | None = request.scope.get("raw_path")
    path = raw.decode("latin-1") if raw else request.url.path
    query: bytes = request.scope.get("query_string", b"")
    if query:
        path = f"{path}?{query.decode('latin-1')}"
    # Escape anything unprintable (a NUL cannot be stored in PostgreSQL text).
    return path.encode("unicode_escape").decode("ascii")


def _request_hash(method: str, target: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), b"\n", target.encode(), b"\n", body):
        digest.update(part)
    return digest.hexdigest()


def _row_filter(project_id: str, api_key_id: str, key: str) -> tuple[Any, ...]:
    return (
        IdempotencyKey.project_id == project_id,
        IdempotencyKey.api_key_id == api_key_id,
        IdempotencyKey.key == key,
    )


def _replay(row: IdempotencyKey) -> Response:
    headers = {str(k): str(v) for k, v in row.response_headers or ()}
    headers[REPLAYED_HEADER] = "true"
    assert row.status_code is not None
    return Response(content=row.response_body or b"", status_code=row.status_code, headers=headers)


async def claim(
    session: AsyncSession, request: Request, *, project_id: str, api_key_id: str
) -> None:
    """Take the request's Idempotency-Key, if it has one, for this unit of work.

    Raises `Replayed` with the stored answer of an earlier identical request,
    `IdempotencyKeyReused` (422) when the key was used for another request,
    `IdempotencyKeyInUse` (409) while the first request still runs, and
    `InvalidIdempotencyKey` (400). None of these is stored.
    """
    value = request.headers.get(HEADER)
    if value is None or request.method not in METHODS:
        return
    key = _valid_key(value)
    target = _raw_target(request)
    digest = _request_hash(request.method, target, await request.body())
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # Two requests with one key at once: the second must not wait for the first (it would
        # hold a connection meanwhile) nor run beside it; it is told to retry (409). The lock
        # is held until the holder commits or rolls back, so whoever takes it next finds the
        # key's row committed with its answer, or gone.
        locked = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(hashtextextended(:lock, 0))"),
            {"lock": f"idempotency\n{project_id}\n{api_key_id}\n{key}"},
        )
        if not locked:
            raise IdempotencyKeyInUse(
                "A request with this Idempotency-Key is still being processed; retry later"
            )
    # SQLite: writers are serialised, so the key's earlier request has finished by now.
    now = utcnow()
    values = {
        "project_id": project_id,
        "api_key_id": api_key_id,
        "key": key,
        "request_hash": digest,
        "method": request.method,
        "path": target[:_PATH_LENGTH],
        "created_at": now,
        "expires_at": now + TTL,
    }
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    insert = (
        dialect_insert(IdempotencyKey)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(IdempotencyKey.key)
    )
    # At most twice: a second INSERT follows only the removal of an expired row (ours, or
    # the purge job's, which does not take the key's lock), and then nobody else can insert.
    for _ in range(2):
        if (await session.execute(insert)).first() is not None:
            break
        await _existing(session, values, now)
    else:
        raise IdempotencyKeyInUse("The request with this Idempotency-Key has not finished")
    # The endpoint's work runs inside a savepoint, so a refusal can undo it and still commit
    # the key with the refusal as its answer.
    savepoint = await session.begin_nested()
    setattr(request.state, _STATE, Claim(project_id, api_key_id, key, savepoint))


async def _existing(session: AsyncSession, values: dict[str, Any], now: datetime) -> None:
    """The key has a row: replay its answer or refuse; an expired row is deleted (the key is
    free again even before the purge job runs)."""
    where = _row_filter(values["project_id"], values["api_key_id"], values["key"])
    row = (
        await session.execute(
            select(IdempotencyKey).where(*where).execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if row is None:  # PostgreSQL: the purge job deleted the expired row meanwhile
        return
    session.expunge(row)
    if row.expires_at > now:
        if row.request_hash != values["request_hash"]:
            raise IdempotencyKeyReused(
                f"Idempotency-Key was used for another request ({row.method} {row.path}, "
                "or the same with another body); use a new key for a new request"
            )
        if row.status_code is None:  # not expected (answers commit with their rows)
            raise IdempotencyKeyInUse("The request with this Idempotency-Key has not finished")
        raise Replayed(_replay(row))
    # Only while still expired: we hold the key (PostgreSQL: its advisory lock; SQLite: the
    # write lock), so the row can only have been deleted since, never renewed.
    await session.execute(delete(IdempotencyKey).where(*where, IdempotencyKey.expires_at <= now))


async def run(
    session: AsyncSession,
    request: Request,
    handler: Callable[[Request], Awaitable[Response]],
    after_refusal: AfterRefusal | None = None,
) -> Response:
    """Run the endpoint; store its answer with the key it claimed, or replay a stored one."""
    setattr(request.state, _STATE, None)  # a retried unit of work claims again
    try:
        response = await handler(request)
    except Replayed as replay:
        return replay.response
    except ApiError as error:
        held: Claim | None = getattr(request.state, _STATE, None)
        if held is None or error.status >= 500:
            raise  # a 5xx rolls back everything, the key's row included: retry is safe
        return await _refused(session, held, error, after_refusal)
    held = getattr(request.state, _STATE, None)
    if held is not None:
        await held.savepoint.commit()
        await _store(session, held, response)
    return response


async def _refused(
    session: AsyncSession, held: Claim, error: ApiError, after_refusal: AfterRefusal | None
) -> Response:
    await held.savepoint.rollback()
    # The refused work is undone; rows it loaded may hold values it wrote (RETURNING writes
    # them back), so nothing loaded may be trusted any more.
    session.expunge_all()
    if after_refusal is not None:
        try:
            async with session.begin_nested():
                await after_refusal(session, error)
        except Exception:  # the client's answer must not change because of it (as without a key)
            log.exception("work owed by a refused request failed")
    response = JsonResponse(error.body(current_request_id.get()), status_code=error.status)
    await _store(session, held, response)
    return response


async def _store(session: AsyncSession, held: Claim, response: Response) -> None:
    where = _row_filter(held.project_id, held.api_key_id, held.key)
    body = getattr(response, "body", None)
    if response.status_code >= 500 or not isinstance(body, bytes):
        # Not an answer to replay (a streamed body, a server error): the key is free again.
        await session.execute(delete(IdempotencyKey).where(*where))
        return
    headers = [[k, v] for k, v in response.headers.items() if k in STORED_HEADERS]
    await session.execute(
        update(IdempotencyKey)
        .where(*where)
        .values(status_code=response.status_code, response_body=body, response_headers=headers)
    )


async def purge_expired(db: Database) -> int:
    """Delete up to `PURGE_BATCH` expired keys; returns how many (0 = nothing left to do)."""
    async with db.transaction(write=True) as session:
        pk = (IdempotencyKey.project_id, IdempotencyKey.api_key_id, IdempotencyKey.key)
        expired = select(*pk).where(IdempotencyKey.expires_at <= utcnow()).limit(PURGE_BATCH)
        result = await session.execute(
            delete(IdempotencyKey)
            .where(tuple_(*pk).in_(expired))
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

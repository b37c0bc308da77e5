"""A transaction PostgreSQL aborts as a deadlock victim (or for a serialization failure) runs
again at the edge that owns it, in a fresh unit of work; it never answers 500.

The deadlocks here are real: two requests lock two customer rows in opposite order through a
test-only route mounted with the production TransactionalRoute. SQLite has one writer, so it
cannot deadlock; these tests run on PostgreSQL only.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy import func, select, text
from starlette.responses import Response

from tests.conftest import Backend
from tests.kit.test_bad_input import assert_error
from tests.support import ProjectKeys, recorded_events
from voucherd.app import create_app
from voucherd.config import Settings
from voucherd.events.models import Event
from voucherd.events.service import record_event
from voucherd.kit.db import CONFLICT_ATTEMPTS, Database, retry_on_conflict
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.responses import JsonResponse
from voucherd.projects.auth import AppContext, Session

LOCKED_EVENT = "test.pair_locked"


class LockPair:
    """A route that takes the row locks of two customers in the order the path names them,
    and on its first attempts waits until both requests hold their first lock: a certain
    deadlock. Each attempt records an outbox event, so a failed attempt's event must vanish."""

    def __init__(self) -> None:
        self.attempts: Counter[str] = Counter()
        self.first_locks = asyncio.Barrier(2)
        self.router = APIRouter(route_class=TransactionalRoute)
        self.router.add_api_route("/test/lock/{first}/{second}", self.lock, methods=["POST"])
        self.router.add_api_route("/test/conflict", self.conflict, methods=["POST"])
        self.conflicts = 0

    async def lock(self, first: str, second: str, ctx: AppContext, session: Session) -> Response:
        self.attempts[first] += 1
        bump = text(
            "UPDATE customers SET redemptions_succeeded = redemptions_succeeded + 1 WHERE id = :id"
        )
        await record_event(session, ctx, LOCKED_EVENT, entity_id=first, data={"first": first})
        await session.execute(bump, {"id": first})
        if self.attempts[first] == 1:
            await asyncio.wait_for(self.first_locks.wait(), timeout=10)
        await session.execute(bump, {"id": second})
        return JsonResponse({"attempt": self.attempts[first]})

    async def conflict(self, ctx: AppContext, session: Session) -> Response:
        """Fails with a real serialization failure, raised by PostgreSQL, on every attempt."""
        self.conflicts += 1
        await record_event(session, ctx, LOCKED_EVENT, entity_id="x", data={})
        await session.execute(
            text("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = 'serialization_failure'; END $$")
        )
        return JsonResponse({})


@pytest.fixture
async def lock_pair(
    backend: Backend, settings: Settings, db: Database, project: ProjectKeys
) -> AsyncIterator[tuple[LockPair, httpx.AsyncClient]]:
    if backend.name != "postgres":
        pytest.skip("SQLite has a single writer: it cannot deadlock")
    pair = LockPair()
    app = create_app(settings, db)
    app.include_router(pair.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://voucherd.test", headers=project.headers
    ) as c:
        yield pair, c


async def _customer(client: httpx.AsyncClient, source_id: str) -> str:
    resp = await client.post("/v1/customers", json={"source_id": source_id})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


async def test_deadlocked_requests_are_retried_and_both_succeed(
    lock_pair: tuple[LockPair, httpx.AsyncClient], db: Database, project: ProjectKeys
) -> None:
    pair, client = lock_pair
    a, b = await _customer(client, "a"), await _customer(client, "b")
    first, second = await asyncio.gather(
        client.post(f"/test/lock/{a}/{b}"), client.post(f"/test/lock/{b}/{a}")
    )
    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    # PostgreSQL aborted exactly one of them (the deadlock victim), which ran again.
    assert sorted(pair.attempts.values()) == [1, 2]
    # Both committed their two increments, once each.
    for customer in (a, b):
        body = (await client.get(f"/v1/customers/{customer}")).json()
        assert body["summary"]["redemptions"]["total_succeeded"] == 2
    # The victim's first attempt recorded an event too; it went with its rollback.
    events = await recorded_events(db, project, LOCKED_EVENT)
    assert sorted(e.entity_id for e in events) == sorted([a, b])


async def test_a_conflict_on_every_attempt_answers_503_with_retry_after(
    lock_pair: tuple[LockPair, httpx.AsyncClient], db: Database, project: ProjectKeys
) -> None:
    pair, client = lock_pair
    resp = await client.post("/test/conflict")
    body = assert_error(resp, 503, "transaction_conflict")
    assert resp.headers["retry-after"] == "1"
    assert "nothing changed" in body["details"]
    assert pair.conflicts == CONFLICT_ATTEMPTS
    assert await recorded_events(db, project, LOCKED_EVENT) == []


async def test_retry_on_conflict_runs_the_unit_of_work_again(
    backend: Backend, db: Database
) -> None:
    """The worker's edge: a job's transaction that PostgreSQL aborted runs again."""
    if backend.name != "postgres":
        pytest.skip("SQLite raises no deadlock or serialization failure")
    runs = 0

    async def job() -> int:
        nonlocal runs
        runs += 1
        async with db.transaction() as session:
            if runs < 3:
                await session.execute(
                    text("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = 'deadlock_detected'; END $$")
                )
            return int(await session.scalar(select(func.count()).select_from(Event)) or 0) + 1

    assert await retry_on_conflict(job) >= 1
    assert runs == 3


async def test_other_errors_are_not_retried(backend: Backend, db: Database) -> None:
    if backend.name != "postgres":
        pytest.skip("the error is PostgreSQL's")
    runs = 0

    async def job() -> None:
        nonlocal runs
        runs += 1
        async with db.transaction() as session:
            await session.execute(text("SELECT 1/0"))

    with pytest.raises(Exception, match="division by zero"):
        await retry_on_conflict(job)
    assert runs == 1

"""Deferred rows (the event outbox): written at COMMIT, dropped with what rolls back."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.support import ProjectKeys
from voucherd.customers.models import Customer
from voucherd.events.models import Event
from voucherd.events.service import EVENTS
from voucherd.kit.clock import utcnow
from voucherd.kit.db import Database
from voucherd.kit.deferred import defer_insert, pending_rows
from voucherd.kit.ids import Prefix, new_id


def _event(project_id: str, tag: str) -> dict[str, Any]:
    return {
        "id": new_id(Prefix.EVENT),
        "project_id": project_id,
        "type": f"test.{tag}",
        "entity_id": None,
        "group_id": "v-test",
        "event_source": {},
        "data": {"tag": tag},
        "created_at": utcnow(),
    }


async def _stored_tags(db: Database, project_id: str) -> list[str]:
    async with db.transaction(write=False) as session:
        rows = await session.execute(
            select(Event.type).where(Event.project_id == project_id).order_by(Event.id)
        )
        return [t.removeprefix("test.") for t in rows.scalars()]


async def test_rows_are_written_at_commit_not_before(db: Database, project: ProjectKeys) -> None:
    async with db.transaction() as session:
        defer_insert(session, EVENTS, _event(project.project_id, "a"))
        defer_insert(session, EVENTS, _event(project.project_id, "b"))
        in_table = await session.scalar(
            select(func.count()).where(Event.project_id == project.project_id)
        )
        assert in_table == 0
        assert [r["data"]["tag"] for r in pending_rows(session, EVENTS)] == ["a", "b"]

    assert await _stored_tags(db, project.project_id) == ["a", "b"]


async def test_a_rolled_back_savepoint_drops_its_rows_only(
    db: Database, project: ProjectKeys
) -> None:
    async with db.transaction() as session:
        defer_insert(session, EVENTS, _event(project.project_id, "before"))
        with pytest.raises(RuntimeError):
            async with session.begin_nested():
                defer_insert(session, EVENTS, _event(project.project_id, "inside-undone"))
                raise RuntimeError
        async with session.begin_nested():  # released: its rows wait for the COMMIT
            defer_insert(session, EVENTS, _event(project.project_id, "inside-kept"))
        assert await _stored_tags(db, project.project_id) == []
        defer_insert(session, EVENTS, _event(project.project_id, "after"))

    assert await _stored_tags(db, project.project_id) == ["before", "inside-kept", "after"]


async def test_a_rolled_back_unit_of_work_writes_nothing(
    db: Database, project: ProjectKeys
) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            defer_insert(session, EVENTS, _event(project.project_id, "lost"))
            raise RuntimeError

    async with db.transaction() as session:  # the next unit of work starts clean
        defer_insert(session, EVENTS, _event(project.project_id, "next"))

    assert await _stored_tags(db, project.project_id) == ["next"]


async def test_a_failed_flush_caught_in_a_savepoint_keeps_earlier_rows(
    db: Database, project: ProjectKeys
) -> None:
    # The upsert-race shape: a row deferred, then an INSERT that hits a unique constraint
    # inside a savepoint, the IntegrityError caught, the unit of work going on.
    async with db.transaction() as session:
        defer_insert(session, EVENTS, _event(project.project_id, "before"))
        first = Customer(id=new_id(Prefix.CUSTOMER), project_id=project.project_id, source_id="dup")
        session.add(first)
        await session.flush()
        with pytest.raises(IntegrityError):
            async with session.begin_nested():
                defer_insert(session, EVENTS, _event(project.project_id, "inside-undone"))
                twin = Customer(
                    id=new_id(Prefix.CUSTOMER), project_id=project.project_id, source_id="dup"
                )
                session.add(twin)
                await session.flush()
        defer_insert(session, EVENTS, _event(project.project_id, "after"))

    assert await _stored_tags(db, project.project_id) == ["before", "after"]

"""Queries of the exports domain: the export rows, the worker's claim and lease, and the
statement a file's rows are read with."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.exports.catalogue import Source
from voucherd.exports.models import Export
from voucherd.exports.parameters import Plan, where

E = Export


async def get(session: AsyncSession, project_id: str, export_id: str) -> Export | None:
    return (
        await session.execute(select(E).where(E.project_id == project_id, E.id == export_id))
    ).scalar_one_or_none()


async def get_by_id(session: AsyncSession, export_id: str) -> Export | None:
    """Any project's export: a download link names the export, its token proves the right."""
    return await session.get(E, export_id)


def list_query(project_id: str) -> Select[Export]:
    return select(E).where(E.project_id == project_id)


async def delete_export(session: AsyncSession, project_id: str, export_id: str) -> bool:
    result = await session.execute(
        delete(E).where(E.project_id == project_id, E.id == export_id).returning(E.id)
    )
    return result.scalar_one_or_none() is not None


async def claim_next(
    session: AsyncSession, *, now: datetime, lease_until: datetime, token: str, skip_locked: bool
) -> Export | None:
    """Lease the oldest export that waits: SCHEDULED, or IN_PROGRESS with a lapsed lease (its
    worker died, so the file is written again from the start).

    On PostgreSQL the row is locked with SKIP LOCKED, so concurrent workers take different
    exports without waiting; the UPDATE below is conditional on the state just read, so a row
    another worker leased in between is not taken twice. On SQLite the claim runs in one
    BEGIN IMMEDIATE transaction, exclusive across processes.
    """
    waiting = or_(
        E.status == "SCHEDULED",
        (E.status == "IN_PROGRESS") & (E.lease_until <= now),
    )
    stmt = select(E.id, E.lease_token).where(waiting).order_by(E.created_at, E.id).limit(1)
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True)
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    export_id, previous = row
    guard = E.lease_token.is_(None) if previous is None else E.lease_token == previous
    claimed = await session.execute(
        update(E)
        .where(E.id == export_id, waiting, guard)
        .values(
            status="IN_PROGRESS",
            lease_token=token,
            lease_until=lease_until,
            attempts=E.attempts + 1,
            updated_at=now,
        )
        .returning(E.id)
    )
    if claimed.scalar_one_or_none() is None:
        return None
    return await session.get(E, export_id, populate_existing=True)


async def renew(session: AsyncSession, export_id: str, token: str, lease_until: datetime) -> bool:
    """Extend our lease; False when the export is no longer ours (deleted or taken over)."""
    result = await session.execute(
        update(E)
        .where(E.id == export_id, E.lease_token == token, E.status == "IN_PROGRESS")
        .values(lease_until=lease_until)
        .returning(E.id)
    )
    return result.scalar_one_or_none() is not None


async def finish(session: AsyncSession, export_id: str, token: str, values: dict[str, Any]) -> bool:
    """Record the end of our run, only if the export is still ours (a deleted export, or one
    another worker took over after our lease lapsed, keeps its state)."""
    result = await session.execute(
        update(E)
        .where(E.id == export_id, E.lease_token == token, E.status == "IN_PROGRESS")
        .values(lease_token=None, lease_until=None, **values)
        .returning(E.id)
    )
    return result.scalar_one_or_none() is not None


def rows_query(plan: Plan, project_id: str, scope: dict[str, str] | None) -> Select[Any]:
    """The statement the file's rows are streamed from: the plan's fields as labelled
    columns, its filters and the scope, in the asked order (then by id, so equal keys keep
    one order on both engines)."""
    source: Source = plan.source
    columns: dict[str, Any] = {}
    joins: list[str] = []
    conditions = list(plan.conditions)
    needed = [f for _n, f in plan.fields] + [c.field for c in conditions]
    if plan.order is not None and plan.order.lstrip("-") in source.fields:
        needed.append(source.fields[plan.order.lstrip("-")])
    for field in needed:
        for join in field.joins:
            if join not in joins:
                joins.append(join)
    for _name, field in plan.fields:
        columns.update(field.columns)
    labelled = [expr.label(label) for label, expr in columns.items()]
    stmt: Select[Any] = select(source.id_column.label("_id"), *labelled)
    stmt = stmt.select_from(_table_of(source))
    for name in joins:
        target, on = source.joins[name]
        stmt = stmt.outerjoin(target, on)
    stmt = stmt.where(source.project_column == project_id, *source.where)
    narrow = dict(scope or {})
    if plan.campaign_id is not None:
        narrow["campaign_id"] = plan.campaign_id
    for name, value in narrow.items():
        column: Any = source.fields[name].filter
        stmt = stmt.where(column == value)
    condition = where(conditions, plan.junction)
    if condition is not None:
        stmt = stmt.where(condition)
    if plan.order is not None:
        sort: Any = source.orders[plan.order.lstrip("-")]
        descending = plan.order.startswith("-")
        # NULLs first ascending, last descending, on both engines (their defaults differ).
        stmt = stmt.order_by(sort.desc().nulls_last() if descending else sort.asc().nulls_first())
        stmt = stmt.order_by(source.id_column.desc() if descending else source.id_column.asc())
    else:
        # Ids are time-ordered (kit.ids): the default order is creation order.
        stmt = stmt.order_by(source.id_column.asc())
    return stmt


def _table_of(source: Source) -> Any:
    return source.id_column.class_

"""Recording events: the single path for "something happened", used by every domain."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.events import repository
from voucherd.events.dispatcher import RecordedEvent, dispatch
from voucherd.events.models import Event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.deferred import defer_insert
from voucherd.kit.ids import Prefix, new_id
from voucherd.kit.timefmt import iso

EVENTS = cast(Table, Event.__table__)


def _id_of(value: object) -> str | None:
    ident = value.get("id") if isinstance(value, dict) else None
    return ident if isinstance(ident, str) else None


async def record_event(
    session: AsyncSession,
    ctx: RequestContext,
    event_type: str,
    *,
    entity_id: str | None,
    data: dict[str, Any],
) -> RecordedEvent:
    """Append the event to the outbox in the caller's transaction and notify subscribers.

    Nothing leaves the process here: delivery reads committed rows later, so an event exists
    exactly when the change it describes was committed.
    """
    now = utcnow()
    recorded = RecordedEvent(
        id=new_id(Prefix.EVENT),
        project_id=ctx.project_id,
        type=event_type,
        entity_id=entity_id,
        group_id=ctx.request_id,
        event_source=ctx.event_source(),
        data=data,
        created_at_iso=iso(now) or "",
    )
    # Written at COMMIT with the unit of work's other events, in one INSERT (kit.deferred):
    # the row is never read back or changed in this unit of work.
    defer_insert(
        session,
        EVENTS,
        {
            "id": recorded.id,
            "project_id": recorded.project_id,
            "type": event_type,
            "entity_id": entity_id,
            "group_id": recorded.group_id,
            "event_source": recorded.event_source,
            "data": data,
            "customer_id": _id_of(data.get("customer")),
            "voucher_id": _id_of(data.get("voucher")),
            "created_at": now,
        },
    )
    await dispatch(session, ctx, recorded)
    return recorded


async def count_customer_events(
    session: AsyncSession, project_id: str, customer_id: str, *, type_prefix: str = ""
) -> int:
    return await repository.count_for_customer(
        session, project_id, customer_id, type_prefix=type_prefix
    )

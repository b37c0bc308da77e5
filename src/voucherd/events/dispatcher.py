"""In-process subscriptions: how one domain reacts to another's events in the same transaction.

Orders record `customer.order.paid`; loyalty subscribes to it and earns points; webhooks
subscribe to everything and queue send-outs. Nobody imports the reacting domain.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.context import RequestContext

ALL_EVENTS = "*"


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    id: str
    project_id: str
    type: str
    entity_id: str | None
    group_id: str
    event_source: dict[str, Any]
    data: dict[str, Any]
    created_at_iso: str


Handler = Callable[[AsyncSession, RequestContext, RecordedEvent], Awaitable[None]]

_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(event_type: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if handler not in _handlers[event_type]:
            _handlers[event_type].append(handler)
        return handler

    return register


async def dispatch(session: AsyncSession, ctx: RequestContext, event: RecordedEvent) -> None:
    # Handlers of every event (the webhook fan-out) run first: an event is queued for
    # delivery before the events its reactions record (order paid, then the points it
    # earned), so each endpoint receives causes before their consequences.
    for handler in (*_handlers.get(ALL_EVENTS, ()), *_handlers.get(event.type, ())):
        await handler(session, ctx, event)

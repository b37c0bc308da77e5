"""Async action rules: enqueue one (in the caller's transaction), read them back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.async_actions import repository
from voucherd.async_actions.models import DONE, ENQUEUED, AsyncAction
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import NotFound
from voucherd.kit.ids import Prefix, new_id


async def enqueue(
    session: AsyncSession,
    ctx: RequestContext,
    action_type: str,
    payload: str | list[Any],
    params: dict[str, Any] | None = None,
) -> AsyncAction:
    """A new ENQUEUED action; the worker picks it up once the caller's transaction commits.

    `payload` is the action's input, validated by the caller as far as it can be up front
    (a CSV file that parses, a JSON array); rows are checked one by one by the worker."""
    text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    action = AsyncAction(
        id=new_id(Prefix.ASYNC_ACTION),
        project_id=ctx.project_id,
        type=action_type,
        status=ENQUEUED,
        request_id=ctx.request_id,
        payload=text,
        params=params or {},
        position=0,
        total=0,
        done_count=0,
        failed_count=0,
        failed=[],
        attempts=0,
        created_at=utcnow(),
    )
    session.add(action)
    await session.flush()
    return action


async def record_done(
    session: AsyncSession, ctx: RequestContext, action_type: str, count: int
) -> AsyncAction:
    """An action for work the request itself finished (a campaign's codes generated in the
    request): the `async_action_id` a client is given reads back as DONE."""
    now = utcnow()
    action = AsyncAction(
        id=new_id(Prefix.ASYNC_ACTION),
        project_id=ctx.project_id,
        type=action_type,
        status=DONE,
        request_id=ctx.request_id,
        payload="",
        params={},
        position=count,
        total=count,
        done_count=count,
        failed_count=0,
        failed=[],
        attempts=1,
        created_at=now,
        started_at=now,
        finished_at=now,
    )
    session.add(action)
    await session.flush()
    return action


async def get(session: AsyncSession, ctx: RequestContext, action_id: str) -> AsyncAction:
    action = await repository.get(session, ctx.project_id, action_id)
    if action is None:
        raise NotFound("async_action", action_id)
    return action


async def list_page(
    session: AsyncSession, ctx: RequestContext, *, limit: int, created_before: datetime | None
) -> tuple[Sequence[AsyncAction], bool]:
    rows = await repository.list_page(
        session, ctx.project_id, limit=limit, created_before=created_before
    )
    return rows[:limit], len(rows) > limit

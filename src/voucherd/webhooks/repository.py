"""Queries on webhook endpoints, send-outs, attempts and signing secrets.

Claiming is the one place with concurrency rules: a worker leases an *endpoint* (its lane) and
then takes that endpoint's oldest due send-outs, so per-endpoint order holds across workers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Select,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.events.models import Event
from voucherd.kit.timefmt import iso
from voucherd.webhooks.envelope import EventFacts
from voucherd.webhooks.models import (
    DELIVERING,
    FAILED,
    PENDING,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookSecret,
    WebhookSendout,
)

E = WebhookEndpoint
S = WebhookSendout

# --- endpoints --------------------------------------------------------------------------------


async def get_endpoint(
    session: AsyncSession, project_id: str, endpoint_id: str, *, for_update: bool = False
) -> WebhookEndpoint | None:
    stmt = select(E).where(E.project_id == project_id, E.id == endpoint_id)
    if for_update:
        stmt = stmt.with_for_update(key_share=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_endpoint_by_id(session: AsyncSession, endpoint_id: str) -> WebhookEndpoint | None:
    return await session.get(E, endpoint_id)


async def list_endpoints(session: AsyncSession, project_id: str) -> Sequence[WebhookEndpoint]:
    stmt = select(E).where(E.project_id == project_id).order_by(E.id)
    return (await session.execute(stmt)).scalars().all()


# Built once: every transaction that records an event reads it.
_ACTIVE_ENDPOINTS = select(E).where(E.project_id == bindparam("project_id"), E.active.is_(True))


async def active_endpoints(session: AsyncSession, project_id: str) -> Sequence[WebhookEndpoint]:
    return (await session.execute(_ACTIVE_ENDPOINTS, {"project_id": project_id})).scalars().all()


# --- the send-out log ------------------------------------------------------------------------


def sendouts_query(
    project_id: str,
    *,
    endpoint_id: str | None = None,
    status: str | None = None,
    event_type: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> Select[WebhookSendout]:
    stmt = select(S).where(S.project_id == project_id)
    if endpoint_id is not None:
        stmt = stmt.where(S.endpoint_id == endpoint_id)
    if status is not None:
        stmt = stmt.where(S.status == status)
    if event_type is not None:
        stmt = stmt.where(S.event_type == event_type)
    if created_after is not None:
        stmt = stmt.where(S.created_at > created_after)
    if created_before is not None:
        stmt = stmt.where(S.created_at < created_before)
    return stmt


async def get_sendout(
    session: AsyncSession, project_id: str, sendout_id: str, *, for_update: bool = False
) -> WebhookSendout | None:
    stmt = select(S).where(S.project_id == project_id, S.id == sendout_id)
    if for_update:
        stmt = stmt.with_for_update(key_share=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def attempts_of(session: AsyncSession, sendout_id: str) -> Sequence[WebhookAttempt]:
    stmt = (
        select(WebhookAttempt)
        .where(WebhookAttempt.sendout_id == sendout_id)
        .order_by(WebhookAttempt.number)
    )
    return (await session.execute(stmt)).scalars().all()


async def replay_failed(
    session: AsyncSession,
    endpoint_id: str,
    now: datetime,
    *,
    created_after: datetime | None,
    created_before: datetime | None,
) -> int:
    """Failed send-outs of the endpoint become due now, with a fresh retry schedule."""
    stmt = update(S).where(S.endpoint_id == endpoint_id, S.status == FAILED)
    if created_after is not None:
        stmt = stmt.where(S.created_at > created_after)
    if created_before is not None:
        stmt = stmt.where(S.created_at < created_before)
    result = await session.execute(
        stmt.values(status=PENDING, next_attempt_at=now, schedule_attempts=0, first_attempt_at=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- claiming ----------------------------------------------------------------------------------


# Written out (not bound parameters) so that it matches the partial index's predicate, which
# both SQLite and PostgreSQL need to see in the query to use that index.
_OPEN = text("webhook_sendouts.status IN ('PENDING', 'DELIVERING')")


def _due(now: datetime) -> Any:
    # A DELIVERING row of an endpoint whose lane we now own was left by a lane that died.
    return and_(_OPEN, or_(S.status == DELIVERING, S.next_attempt_at <= now))


async def claim_lanes(
    session: AsyncSession,
    *,
    now: datetime,
    lease_until: datetime,
    limit: int,
    token: str,
    skip_locked: bool,
) -> list[str]:
    """Lease up to `limit` active endpoints that have due send-outs and no live lane.

    On PostgreSQL the endpoint rows are locked with SKIP LOCKED, so concurrent workers take
    different endpoints without waiting; the lease columns they then write make the choice
    visible to every later claim (and PostgreSQL re-checks the lease condition on a row another
    worker just leased). On SQLite this runs in one BEGIN IMMEDIATE transaction, which is
    exclusive across processes.
    """
    has_due = exists(select(S.seq).where(S.endpoint_id == E.id, _due(now)))
    stmt = (
        select(E.id)
        .where(
            E.active.is_(True),
            or_(E.lane_lease_until.is_(None), E.lane_lease_until <= now),
            has_due,
        )
        .order_by(E.lane_claimed_at.asc().nulls_first(), E.id)
        .limit(limit)
    )
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True, key_share=True)
    ids = list((await session.execute(stmt)).scalars())
    if ids:
        await session.execute(
            update(E)
            .where(E.id.in_(ids))
            .values(lane_token=token, lane_lease_until=lease_until, lane_claimed_at=now)
        )
    return ids


async def renew_lane(
    session: AsyncSession, endpoint_id: str, token: str, lease_until: datetime
) -> bool | None:
    """Extend our lease. None when the lane is no longer ours (or the endpoint is gone);
    otherwise whether the endpoint is still active.

    On PostgreSQL the UPDATE also locks the endpoint row until commit, so nobody can take the
    lane over (or delete the endpoint) while this transaction records our results.
    """
    result = await session.execute(
        update(E)
        .where(E.id == endpoint_id, E.lane_token == token)
        .values(lane_lease_until=lease_until)
        .returning(E.active)
    )
    active = result.scalar_one_or_none()
    return None if active is None else bool(active)


async def release_lane(
    session: AsyncSession, endpoint_id: str, token: str, *, hold_until: datetime | None
) -> None:
    """Give the endpoint back; `hold_until` keeps every lane off it (a 429's Retry-After)."""
    await session.execute(
        update(S)
        .where(S.endpoint_id == endpoint_id, S.claim_token == token, S.status == DELIVERING)
        .values(status=PENDING, claim_token=None)
    )
    await session.execute(
        update(E)
        .where(E.id == endpoint_id, E.lane_token == token)
        .values(lane_token=None, lane_lease_until=hold_until)
    )


@dataclass(frozen=True, slots=True)
class ClaimedSendout:
    seq: int
    id: str
    project_id: str
    endpoint_id: str
    created_at: datetime
    attempts: int
    schedule_attempts: int
    first_attempt_at: datetime | None
    event: EventFacts


async def claim_batch(
    session: AsyncSession, endpoint_id: str, token: str, *, now: datetime, limit: int
) -> list[ClaimedSendout]:
    """The endpoint's oldest due send-outs, in insertion order, marked as ours."""
    # Columns, not entities: a lane reads thousands of rows a second and never changes the
    # objects, so the identity map would be pure cost.
    stmt = (
        select(
            S.seq,
            S.id,
            S.project_id,
            S.endpoint_id,
            S.created_at,
            S.attempts,
            S.schedule_attempts,
            S.first_attempt_at,
            Event.id.label("event_id"),
            Event.type,
            Event.created_at.label("event_created_at"),
            Event.entity_id,
            Event.group_id,
            Event.event_source,
            Event.data,
        )
        .join(Event, Event.id == S.event_id)
        .where(S.endpoint_id == endpoint_id, _due(now))
        .order_by(S.seq)
        .limit(limit)
    )
    rows = (await session.execute(stmt)).all()
    if not rows:
        return []
    await session.execute(
        update(S)
        .where(S.seq.in_([r.seq for r in rows]))
        .values(status=DELIVERING, claim_token=token)
        .execution_options(synchronize_session=False)
    )
    return [
        ClaimedSendout(
            seq=r.seq,
            id=r.id,
            project_id=r.project_id,
            endpoint_id=r.endpoint_id,
            created_at=r.created_at,
            attempts=r.attempts,
            schedule_attempts=r.schedule_attempts,
            first_attempt_at=r.first_attempt_at,
            event=EventFacts(
                id=r.event_id,
                type=r.type,
                created_at=iso(r.event_created_at) or "",
                entity_id=r.entity_id,
                group_id=r.group_id,
                event_source=r.event_source,
                data=r.data,
            ),
        )
        for r in rows
    ]


# Core executemany statements (the ORM's bulk paths cost more than the SQL here).
SENDOUTS = cast(Table, S.__table__)
RESULT_COLUMNS = (
    "status",
    "attempts",
    "schedule_attempts",
    "first_attempt_at",
    "last_attempt_at",
    "last_status_code",
    "last_error",
    "delivered_at",
    "next_attempt_at",
    "claim_token",
)
_RECORD_RESULT = (
    update(SENDOUTS)
    .where(SENDOUTS.c.seq == bindparam("result_seq"))
    .values({name: bindparam(name) for name in RESULT_COLUMNS})
)
_INSERT_ATTEMPT = insert(cast(Table, WebhookAttempt.__table__))


async def record_results(
    session: AsyncSession,
    changes: list[dict[str, Any]],
    attempts: list[dict[str, Any]],
    *,
    owned: bool,
) -> None:
    """Store a lane's finished attempts; the send-outs change only while the lane is ours.

    `changes` carry each send-out's primary key (`seq`) and every `RESULT_COLUMNS` value;
    `attempts` are `webhook_attempts` rows. Owning the lane (checked in this transaction)
    means no other lane has claimed these send-outs, so no further condition is needed.
    """
    if owned and changes:
        await session.execute(_RECORD_RESULT, [{"result_seq": c["seq"], **c} for c in changes])
    if not owned and attempts:
        existing = set(
            (
                await session.execute(
                    select(S.id).where(S.id.in_([a["sendout_id"] for a in attempts]))
                )
            ).scalars()
        )
        attempts = [a for a in attempts if a["sendout_id"] in existing]
    if attempts:
        await session.execute(_INSERT_ATTEMPT, attempts)


async def disable_endpoint(
    session: AsyncSession, endpoint_id: str, *, reason: str, now: datetime
) -> None:
    await session.execute(
        update(E)
        .where(E.id == endpoint_id)
        .values(active=False, disabled_reason=reason[:500], disabled_at=now, updated_at=now)
    )


# --- secrets -----------------------------------------------------------------------------------


async def get_secret(
    session: AsyncSession, project_id: str, *, for_update: bool = False
) -> WebhookSecret | None:
    stmt = select(WebhookSecret).where(WebhookSecret.project_id == project_id)
    if for_update:
        stmt = stmt.with_for_update(key_share=True)
    return (await session.execute(stmt)).scalar_one_or_none()


# --- metrics -----------------------------------------------------------------------------------


async def sendout_totals(session: AsyncSession) -> tuple[dict[str, int], int, int]:
    """Send-outs per status, attempts made, and retries made (attempts after the first)."""
    rows = await session.execute(
        select(S.status, func.count(), func.coalesce(func.sum(S.attempts), 0)).group_by(S.status)
    )
    by_status: dict[str, int] = {}
    attempts = 0
    for status, count, made in rows.all():
        by_status[str(status)] = int(count)
        attempts += int(made)
    retries_stmt = select(func.coalesce(func.sum(S.attempts - 1), 0)).where(S.attempts > 1)
    retries = int(await session.scalar(retries_stmt) or 0)
    return by_status, attempts, retries


async def oldest_open_created_at(session: AsyncSession) -> datetime | None:
    """Creation time of the oldest send-out still to deliver, on an active endpoint."""
    stmt = (
        select(S.created_at)
        .join(E, E.id == S.endpoint_id)
        .where(_OPEN, E.active.is_(True))
        .order_by(S.seq)
        .limit(1)
    )
    value: datetime | None = await session.scalar(stmt)
    return value


async def failed_since(session: AsyncSession, project_id: str, since: datetime) -> int:
    """Send-outs of the project that gave up (FAILED) among those created since `since`."""
    stmt = select(func.count()).where(
        S.project_id == project_id, S.status == FAILED, S.created_at >= since
    )
    return int(await session.scalar(stmt) or 0)

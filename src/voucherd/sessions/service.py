"""Validation sessions (Voucherify's `session` LOCK): reserve, consume, release, expire.

A validation with `session` reserves, for each voucher it finds redeemable, one redemption
of the code and the gift credits it applies, until the session's TTL runs out. Other
validations and redemptions see less: `holds` subtracts the running reservations from the
voucher's remaining uses and gift balance, and the redemption path's conditional UPDATEs do
the same in SQL (vouchers/repository.py). A redemption with the same session consumes the
reservation (it may use what the session held); `DELETE /v1/vouchers/{code}/sessions/{key}`
releases it; expiry needs nothing: a reservation past `expires_at` stops counting.

Lock order: a request with `session` locks its vouchers (by id) before evaluating them, so
what it reads cannot change until it commits; a request without one reads the voucher's
sums from the row it loads anyway (no extra statement) unless some reservations on it have
expired beside running ones, when it recomputes them under the row's lock first.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError, InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.sessions import holds, repository, schemas
from voucherd.sessions.schemas import SessionIn
from voucherd.sessions.serializers import session_body
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import Voucher


@dataclass(frozen=True)
class OpenSession:
    """A request's session, its vouchers locked and its previous reservation let go."""

    key: str
    request: SessionIn
    now: datetime


def _refused(key: str, message: str) -> ApiError:
    return ApiError(message, key=key, message=message, status=400)


async def _let_go(
    session: AsyncSession, ctx: RequestContext, key: str, codes: Collection[str], now: datetime
) -> list[Voucher]:
    """Lock the vouchers named in the request and those the session holds; drop the
    session's reservations and the expired ones on them; resum what changed."""
    locked = await repository.lock_vouchers(session, ctx.project_id, keys=codes, session_key=key)
    if locked:
        dropped = await repository.drop(session, [v.id for v in locked], now, session_key=key)
        changed = {voucher_id for voucher_id, _ in dropped}
        for voucher in locked:
            if voucher.id in changed:
                await repository.resum(session, voucher)
    return locked


def _voucher_codes(redeemables: Sequence[Any]) -> list[str]:
    return [r.id for r in redeemables if r.object == "voucher"]


async def open_for_validation(
    session: AsyncSession,
    ctx: RequestContext,
    raw: dict[str, Any] | None,
    redeemables: Sequence[Any],
) -> OpenSession | None:
    """Before a validation with `session` is evaluated: the same key again overwrites, so
    its reservation is let go (the new one is taken by `reserve` once the validation is
    known), and the vouchers stay locked until the request commits."""
    request = schemas.parse(raw)
    if request is None:
        return None
    key = request.key or new_id(Prefix.SESSION)
    now = utcnow()
    await _let_go(session, ctx, key, _voucher_codes(redeemables), now)
    return OpenSession(key, request, now)


async def consume(
    session: AsyncSession,
    ctx: RequestContext,
    raw: dict[str, Any] | None,
    redeemables: Sequence[Any],
) -> None:
    """Before a redemption with `session` is evaluated: the session's reservation ends, and
    what it held is free for this redemption, whose vouchers stay locked meanwhile (by id,
    after the customer; the rule counters come after them)."""
    request = schemas.parse(raw)
    if request is None:
        return
    if request.key is None:
        raise InvalidPayload("session.key is required to redeem with a validation session")
    await _let_go(session, ctx, request.key, _voucher_codes(redeemables), utcnow())


async def check(session: AsyncSession, voucher: Voucher, now: datetime) -> ApiError | None:
    """For each voucher a validation or redemption evaluates (engine): `quantity_exceeded`
    when its uses left are held by sessions. No statement unless some of its reservations
    expired beside running ones: then its sums are recomputed under its row's lock."""
    if holds.stale(voucher, now):
        locked = await repository.lock_vouchers(session, voucher.project_id, keys=[voucher.id])
        if locked and await repository.drop(session, [voucher.id], now):
            await repository.resum(session, voucher)
    if holds.held_quantity(voucher, now) and holds.used_up(voucher, now):
        return _refused(
            "quantity_exceeded", f"Voucher {voucher.code} is held by other validation sessions"
        )
    return None


def free_credits(voucher: Voucher, now: datetime) -> int:
    """The gift balance a validation or redemption may use: what no other session holds."""
    return holds.free_credits(voucher, now)


async def reserve(
    session: AsyncSession,
    ctx: RequestContext,
    opened: OpenSession,
    redeemables: Sequence[tuple[Voucher, int]],
) -> dict[str, Any]:
    """After a valid validation with `session`: hold one use and the gift credits applied of
    each (voucher, credits) until the TTL runs out; the `session` to echo."""
    expires_at = opened.now + opened.request.lifetime
    rows: list[dict[str, object]] = []
    for voucher, credits in sorted(redeemables, key=lambda pair: pair[0].id):
        if not await repository.try_hold(session, voucher, credits, expires_at):
            # The vouchers are locked and were just evaluated against the same sums.
            raise _refused(
                "quantity_exceeded" if not credits else "gift_amount_exceeded",
                f"Voucher {voucher.code} cannot be held by session {opened.key}",
            )
        rows.append(
            {
                "voucher_id": voucher.id,
                "key": opened.key,
                "project_id": ctx.project_id,
                "type": "LOCK",
                "ttl": opened.request.duration,
                "ttl_unit": opened.request.unit,
                "quantity": 1,
                "credits": credits,
                "expires_at": expires_at,
                "created_at": opened.now,
            }
        )
    await repository.insert_reservations(session, rows)
    return session_body(opened.key, opened.request)


async def release(session: AsyncSession, ctx: RequestContext, code: str, key: str) -> None:
    """`DELETE /v1/vouchers/{code}/sessions/{key}`: 404 for an unknown code, or a session
    that holds nothing (running) on it."""
    voucher = await vouchers.get(session, ctx, code)
    now = utcnow()
    await repository.lock_vouchers(session, ctx.project_id, keys=[voucher.id])
    held = await repository.release_live(session, voucher.id, key, now)
    if not held:
        raise NotFound("session", key)
    await repository.resum(session, voucher)


async def locked_credits(
    session: AsyncSession, project_id: str, voucher_ids: Collection[str]
) -> dict[str, int]:
    """Gift credits running sessions hold, by voucher id (only those holding any); for
    qualifications' `locked_credits`."""
    return await repository.credits_held(session, project_id, voucher_ids, utcnow())

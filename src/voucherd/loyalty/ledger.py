"""The points ledger: every movement of a loyalty card's points goes through here.

Each movement, in the caller's transaction:
1. one conditional UPDATE of the card row moves the cached balance (and locks the card);
2. the points buckets follow (a credit opens one, a debit drains soonest-expiring first);
3. an append-only `voucher_transactions` row records it with Voucherify's transaction type;
4. listeners (tiers) react and events are recorded.
So at every commit: sum(ledger) == sum(bucket remaining) == cached `loyalty_balance`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError, InvalidPayload
from voucherd.kit.ids import Prefix, new_id
from voucherd.loyalty import repository
from voucherd.loyalty.events import record_card_movement, record_points_expired
from voucherd.vouchers.models import PointsBucket, Voucher, VoucherTransaction

# Voucherify's `LoyaltyCardTransactionsType`.
ACCRUAL = "POINTS_ACCRUAL"
ACTIVATION = "PENDING_POINTS_ACTIVATION"
REDEMPTION = "POINTS_REDEMPTION"
REFUND = "POINTS_REFUND"
ADDITION = "POINTS_ADDITION"
REMOVAL = "POINTS_REMOVAL"
EXPIRATION = "POINTS_EXPIRATION"
TRANSFER_IN = "POINTS_TRANSFER_IN"
TRANSFER_OUT = "POINTS_TRANSFER_OUT"

# Credits that count as lifetime points (`loyalty_card.points`); a refund only gives back.
LIFETIME_CREDITS = frozenset({ACCRUAL, ACTIVATION, ADDITION, TRANSFER_IN})

# Where a debit took its points from, kept in the row's details to give them back exactly
# on refund; stripped from API bodies.
BUCKETS_KEY = "_buckets"
# Who made the movement, when not the API; also internal, read by the serializer.
SOURCE_KEY = "_source"


class LoyaltyCardPointsExceeded(ApiError):
    status = 400
    key = "loyalty_card_points_exceeded"
    message = "Loyalty card points exceeded"


class CardQuantityExceeded(ApiError):
    status = 400
    key = "quantity_exceeded"
    message = "Quantity exceeded"


class NotALoyaltyCard(ApiError):
    status = 400
    key = "invalid_voucher"
    message = "Not a loyalty card"


BalanceListener = Callable[[AsyncSession, RequestContext, Voucher], Awaitable[None]]
_balance_listeners: list[BalanceListener] = []


def on_balance_changed(listener: BalanceListener) -> BalanceListener:
    """Register a reaction to any balance change (tiers recompute the member's tier)."""
    if listener not in _balance_listeners:
        _balance_listeners.append(listener)
    return listener


def _source(ctx: RequestContext) -> dict[str, str]:
    """Voucherify shows worker-made movements (activation, expiry) with source "Automation"."""
    return {SOURCE_KEY: "Automation"} if ctx.channel == "INTERNAL" else {}


def _check_card(card: Voucher) -> None:
    if card.type != "LOYALTY_CARD":
        raise NotALoyaltyCard(f"Voucher {card.code} is not a loyalty card")


def _transaction(
    ctx: RequestContext,
    card: Voucher,
    kind: str,
    points: int,
    *,
    source_id: str | None,
    reason: str | None,
    details: dict[str, Any] | None,
    dedupe_key: str | None,
    redemption_id: str | None,
    related_transaction_id: str | None,
) -> VoucherTransaction:
    return VoucherTransaction(
        id=new_id(Prefix.VOUCHER_TRANSACTION),
        project_id=ctx.project_id,
        voucher_id=card.id,
        campaign_id=card.campaign_id,
        source_id=source_id,
        type=kind,
        amount=points,
        balance_after=0,  # set once the card row has moved
        reason=reason,
        related_redemption_id=redemption_id,
        related_transaction_id=related_transaction_id,
        dedupe_key=dedupe_key,
        details={**(details or {}), **_source(ctx)},
        created_at=utcnow(),
    )


async def _after_move(
    session: AsyncSession,
    ctx: RequestContext,
    card: Voucher,
    tx: VoucherTransaction,
    operation_type: str = "MANUAL",
    *,
    new_bucket: tuple[date | None, int] | None = None,
    next_expiry: tuple[date | None, int | None] | None = None,
) -> None:
    """After the card row moved (and was read back by RETURNING): expiry cache, events."""
    if new_bucket is not None:
        await _note_new_bucket(session, card, *new_bucket)
    elif next_expiry is not None:
        current = (card.loyalty_next_expiration_date, card.loyalty_next_expiration_points)
        if next_expiry != current:
            await repository.set_next_expiration(session, card, *next_expiry)
    else:
        await repository.refresh_next_expiration(session, card)
    await record_card_movement(
        session,
        ctx,
        card,
        tx,
        points_added=tx.type in LIFETIME_CREDITS,
        operation_type=operation_type,
    )
    for listener in _balance_listeners:
        await listener(session, ctx, card)


async def _note_new_bucket(
    session: AsyncSession, card: Voucher, expires: date | None, points: int
) -> None:
    """A credit moves the soonest expiry only if its bucket expires first (or with it)."""
    current = card.loyalty_next_expiration_date
    if expires is None or (current is not None and expires > current):
        return
    if current == expires:
        points += card.loyalty_next_expiration_points or 0
    await repository.set_next_expiration(session, card, expires, points)


async def credit(
    session: AsyncSession,
    ctx: RequestContext,
    card: Voucher,
    points: int,
    *,
    kind: str,
    expires_on: date | None,
    source_id: str | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
    related_transaction_id: str | None = None,
    operation_type: str = "MANUAL",
) -> VoucherTransaction | None:
    """Add `points` to the card in a new bucket expiring after `expires_on` (None = never).

    With a `dedupe_key` already on the card's ledger nothing happens and None is returned:
    earning the same (rule, order) twice is a no-op, whatever the retry path.
    """
    _check_card(card)
    if points <= 0:
        raise InvalidPayload("points must be a positive integer")
    tx = _transaction(
        ctx,
        card,
        kind,
        points,
        source_id=source_id,
        reason=reason,
        details=details,
        dedupe_key=dedupe_key,
        redemption_id=None,
        related_transaction_id=related_transaction_id,
    )
    lifetime = points if kind in LIFETIME_CREDITS else 0

    async def move_and_record() -> None:
        if await repository.add_to_balance(session, card.id, points, lifetime=lifetime) is None:
            raise NotALoyaltyCard(f"Voucher {card.code} is not a loyalty card")  # deleted
        tx.balance_after = card.loyalty_balance or 0
        session.add(tx)
        await session.flush()  # a repeated dedupe_key fails here

    if dedupe_key is None:
        await move_and_record()
    else:
        try:
            # The balance move and its ledger row stand or fall together.
            async with session.begin_nested():
                await move_and_record()
        except IntegrityError:
            await session.refresh(card)  # the savepoint undid the move read back above
            return None
    session.add(
        PointsBucket(
            id=new_id(Prefix.POINTS_BUCKET),
            project_id=ctx.project_id,
            voucher_id=card.id,
            campaign_id=card.campaign_id,
            points=points,
            remaining=points,
            expires_on=expires_on,
            transaction_id=tx.id,
            created_at=tx.created_at,
        )
    )
    await _after_move(session, ctx, card, tx, operation_type, new_bucket=(expires_on, points))
    await _expire_if_due(session, ctx, card)
    return tx


async def _drain(
    session: AsyncSession, card_id: str, points: int, today: date
) -> tuple[dict[str, int], tuple[date | None, int | None]]:
    """Take `points` from the card's buckets, soonest-expiring first.

    Returns {bucket id: taken} and the card's next expiry afterwards (date, points), read off
    the same buckets: every bucket holding points was loaded, in expiry order.
    """
    taken: dict[str, int] = {}
    left = points
    buckets = await repository.spendable_buckets(session, card_id, today)
    for bucket in buckets:
        if left == 0:
            break
        take = min(bucket.remaining, left)
        bucket.remaining -= take
        taken[bucket.id] = take
        left -= take
    if left:  # only if buckets and balance disagree, which the ledger never lets happen
        raise RuntimeError(f"card {card_id}: buckets hold {points - left} of {points} points")
    expiring = [b for b in buckets if b.remaining > 0 and b.expires_on is not None]
    if not expiring:
        return taken, (None, None)
    first = expiring[0].expires_on
    return taken, (first, sum(b.remaining for b in expiring if b.expires_on == first))


async def debit(
    session: AsyncSession,
    ctx: RequestContext,
    card: Voucher,
    points: int,
    *,
    kind: str,
    source_id: str | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    redemption_id: str | None = None,
) -> VoucherTransaction:
    """Take `points` from the card, or raise `loyalty_card_points_exceeded` and change nothing.

    A POINTS_REDEMPTION also counts one redemption and its points on the card; a
    POINTS_REMOVAL counts in `subtracted_points`.
    """
    _check_card(card)
    if points <= 0:
        raise InvalidPayload("points must be a positive integer")
    today = ctx.today()

    async def take() -> Voucher | None:
        return await repository.add_to_balance(
            session,
            card.id,
            -points,
            redeemed_points=points if kind == REDEMPTION else 0,
            redeemed_quantity=1 if kind == REDEMPTION else 0,
            subtracted=points if kind == REMOVAL else 0,
            spendable_on=today,
        )

    moved = await take()
    # Refused: too few points, the card's redemption limit, or points past their last valid
    # day still in the balance (the expiry job has not reached the card yet). Those are
    # expired here, under the card's lock and as the job does it, then the take runs again:
    # expired points are never spent, and the ledger stays equal to the buckets and balance.
    if moved is None and await expire_due(session, ctx, card, today):
        moved = await take()
    if moved is None:
        await session.refresh(card)
        limit = card.redemption_quantity
        if kind == REDEMPTION and limit is not None and card.redeemed_quantity >= limit:
            raise CardQuantityExceeded(
                f"Loyalty card {card.code} has reached its redemption limit ({limit})"
            )
        raise LoyaltyCardPointsExceeded(
            f"Card {card.code} has {card.loyalty_balance or 0} points, {points} are needed"
        )
    taken, next_expiry = await _drain(session, card.id, points, today)
    tx = _transaction(
        ctx,
        card,
        kind,
        -points,
        source_id=source_id,
        reason=reason,
        details={**(details or {}), BUCKETS_KEY: taken},
        dedupe_key=None,
        redemption_id=redemption_id,
        related_transaction_id=None,
    )
    tx.balance_after = card.loyalty_balance or 0
    session.add(tx)
    await _after_move(session, ctx, card, tx, next_expiry=next_expiry)
    return tx


async def refund(
    session: AsyncSession,
    ctx: RequestContext,
    card: Voucher,
    spent: VoucherTransaction,
    *,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    redemption_id: str | None = None,
) -> VoucherTransaction:
    """Give back what the debit `spent` took, into the buckets it came from (same expiry)."""
    points = -spent.amount
    was_redemption = spent.type == REDEMPTION
    moved = await repository.add_to_balance(
        session,
        card.id,
        points,
        redeemed_points=-points if was_redemption else 0,
        redeemed_quantity=-1 if was_redemption else 0,
    )
    if moved is None:
        raise NotALoyaltyCard(f"Voucher {card.code} is not a loyalty card")
    taken: dict[str, int] = dict(spent.details.get(BUCKETS_KEY) or {})
    buckets = await repository.buckets_by_id(session, list(taken))
    restored = 0
    for bucket_id, amount in taken.items():
        if bucket_id in buckets:
            buckets[bucket_id].remaining += amount
            restored += amount
    if restored < points:  # a bucket was removed: the rest comes back without expiry
        session.add(
            PointsBucket(
                id=new_id(Prefix.POINTS_BUCKET),
                project_id=ctx.project_id,
                voucher_id=card.id,
                campaign_id=card.campaign_id,
                points=points - restored,
                remaining=points - restored,
                expires_on=None,
                created_at=utcnow(),
            )
        )
    tx = _transaction(
        ctx,
        card,
        REFUND,
        points,
        source_id=None,
        reason=reason,
        details=details,
        dedupe_key=None,
        redemption_id=redemption_id,
        related_transaction_id=spent.id,
    )
    tx.balance_after = card.loyalty_balance or 0
    session.add(tx)
    await session.flush()  # restored buckets before the expiry cache is recomputed
    await _after_move(session, ctx, card, tx)
    await _expire_if_due(session, ctx, card)  # points given back into a bucket now expired
    return tx


async def expire_overdue(
    session: AsyncSession, ctx: RequestContext, card: Voucher, today: date
) -> tuple[VoucherTransaction, list[PointsBucket]] | None:
    """Expire every bucket of the card whose last valid day is before `today`."""
    # Lock the card first (a no-op move), so a concurrent spend cannot drain a bucket
    # between reading it and emptying it.
    if await repository.add_to_balance(session, card.id, 0) is None:
        return None
    overdue = list(await repository.overdue_buckets(session, card.id, today))
    points = sum(b.remaining for b in overdue)
    if points == 0:
        return None
    if await repository.add_to_balance(session, card.id, -points, expired=points) is None:
        raise RuntimeError(f"card {card.id}: balance below its overdue buckets")
    taken = {b.id: b.remaining for b in overdue}
    for bucket in overdue:
        bucket.remaining = 0
    tx = _transaction(
        ctx,
        card,
        EXPIRATION,
        -points,
        source_id=None,
        reason="Points expired",
        details={BUCKETS_KEY: taken},
        dedupe_key=None,
        redemption_id=None,
        related_transaction_id=None,
    )
    tx.balance_after = card.loyalty_balance or 0
    session.add(tx)
    await session.flush()  # emptied buckets before the expiry cache is recomputed
    await _after_move(session, ctx, card, tx, "AUTOMATIC")
    return tx, overdue


async def expire_due(
    session: AsyncSession, ctx: RequestContext, card: Voucher, today: date
) -> bool:
    """Expire the card's points whose last valid day is before `today`, with their events;
    False if none were due. The expiry job's work for one card, also done on the spot when a
    movement finds such points (it runs in the caller's transaction, under the card's lock,
    so the job finds those buckets empty afterwards and nothing expires twice)."""
    result = await expire_overdue(session, ctx, card, today)
    if result is None:
        return False
    tx, buckets = result
    await record_points_expired(
        session, ctx, card, tx, buckets, dict(tx.details.get(BUCKETS_KEY) or {})
    )
    return True


async def _expire_if_due(session: AsyncSession, ctx: RequestContext, card: Voucher) -> None:
    """After a credit or refund (the card row as its UPDATE returned it, so current and
    locked): points past their last valid day leave now, so the balance the response reports
    is what can be spent. Costs nothing when none are due (the cached soonest expiry says so)."""
    today = ctx.today()
    soonest = card.loyalty_next_expiration_date
    if soonest is not None and soonest < today:
        await expire_due(session, ctx, card, today)

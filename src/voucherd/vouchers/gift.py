"""Gift card balances: credits added, removed, spent and refunded, with their transactions.

Every change is a conditional UPDATE (never below zero) plus a `vtx_` row, in the caller's
transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError, InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.vouchers import repository
from voucherd.vouchers.models import Voucher, VoucherTransaction
from voucherd.vouchers.schemas import BalanceChange


async def add_transaction(
    session: AsyncSession,
    ctx: RequestContext,
    voucher: Voucher,
    *,
    kind: str,
    amount: int,
    reason: str | None = None,
    source_id: str | None = None,
    redemption_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> VoucherTransaction:
    # The voucher's balance is current: every gift change reads its new values back.
    tx = VoucherTransaction(
        id=new_id(Prefix.VOUCHER_TRANSACTION),
        project_id=ctx.project_id,
        voucher_id=voucher.id,
        campaign_id=voucher.campaign_id,
        source_id=source_id,
        type=kind,
        amount=amount,
        balance_after=voucher.gift_balance or 0,
        reason=reason,
        related_redemption_id=redemption_id,
        details=details or {},
        created_at=utcnow(),
    )
    session.add(tx)
    await session.flush()
    return tx


class GiftAmountExceeded(ApiError):
    status = 400
    key = "gift_amount_exceeded"
    message = "Gift amount exceeded"


async def _get(session: AsyncSession, ctx: RequestContext, key: str) -> Voucher:
    voucher = await repository.get(session, ctx.project_id, key)
    if voucher is None:
        raise NotFound("voucher", key)
    return voucher


def _credit_kind(amount: int) -> str:
    return "CREDITS_ADDITION" if amount > 0 else "CREDITS_REMOVAL"


async def change_gift_balance(
    session: AsyncSession, ctx: RequestContext, key: str, change: BalanceChange
) -> tuple[Voucher, VoucherTransaction]:
    voucher = await _get(session, ctx, key)
    if voucher.type != "GIFT_VOUCHER":
        raise InvalidPayload(f"Voucher {voucher.code} is not a gift card", key="invalid_voucher")
    if change.amount == 0:
        raise InvalidPayload("amount must not be 0")
    # The face value grows with additions (as in Voucherify's balance object); a removal
    # takes from the balance only. Both in the one conditional UPDATE.
    grows = max(change.amount, 0)
    if not await repository.move_gift(session, voucher, balance=change.amount, amount=grows):
        raise GiftAmountExceeded(f"Voucher {voucher.code} has less than {-change.amount} to remove")
    tx = await add_transaction(
        session,
        ctx,
        voucher,
        kind=_credit_kind(change.amount),
        amount=change.amount,
        reason=change.reason,
        source_id=change.source_id,
    )
    return voucher, tx


async def set_gift_amount(
    session: AsyncSession, ctx: RequestContext, voucher: Voucher, amount: int
) -> VoucherTransaction | None:
    """A new face value from `PUT /v1/vouchers/{code}`: the balance moves by the difference,
    recorded as a credit addition or removal, as `POST .../balance` records its changes.

    `voucher` must have been read under its row lock in this transaction, so the difference
    is computed from the stored face value, not from one a concurrent change has moved since.
    A decrease larger than what is left is refused (400) and changes nothing: no clamping.
    """
    delta = amount - (voucher.gift_amount or 0)
    if delta == 0:
        return None
    if not await repository.move_gift(session, voucher, balance=delta, amount=delta):
        raise GiftAmountExceeded(
            f"Voucher {voucher.code} has {voucher.gift_balance or 0} left, so its amount "
            f"cannot go down by {-delta} (to {amount})"
        )
    return await add_transaction(
        session,
        ctx,
        voucher,
        kind=_credit_kind(delta),
        amount=delta,
        reason="Gift amount changed by a voucher update",
    )


async def gift_transactions(
    session: AsyncSession, ctx: RequestContext, key: str
) -> tuple[Voucher, list[VoucherTransaction]]:
    voucher = await _get(session, ctx, key)
    return voucher, list(await repository.transactions(session, voucher.id))


async def spend_gift(session: AsyncSession, voucher: Voucher, amount: int) -> bool:
    return await repository.try_spend_gift(session, voucher, amount)


async def refund_gift(session: AsyncSession, voucher: Voucher, amount: int) -> None:
    await repository.refund_gift(session, voucher, amount)

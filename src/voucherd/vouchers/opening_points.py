"""Initial points of new loyalty cards, written to the ledger like any other credit.

Cards are created in bulk (100,000 per campaign), so this writes ledger rows and points
buckets with two executemany INSERTs instead of going through the per-card ledger path.
The invariant holds from the first moment: sum(ledger) == sum(buckets) == loyalty_balance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.ids import Prefix, new_id
from voucherd.loyalty.expiry import expires_on
from voucherd.vouchers.models import PointsBucket, VoucherTransaction

OPENING_TYPE = "POINTS_ADDITION"
OPENING_REASON = "Initial points"
_CHUNK = 5_000


async def record_opening_points(
    session: AsyncSession,
    ctx: RequestContext,
    cards: Sequence[dict[str, Any]],
    expiration_rules: Mapping[str, object] | None,
) -> None:
    """Ledger rows and buckets for the `loyalty_balance` the card rows were inserted with."""
    now = utcnow()
    last_day = expires_on(expiration_rules, ctx.today())
    transactions: list[dict[str, Any]] = []
    buckets: list[dict[str, Any]] = []
    for card in cards:
        points = int(card.get("loyalty_balance") or 0)
        if card.get("type") != "LOYALTY_CARD" or points <= 0:
            continue
        tx_id = new_id(Prefix.VOUCHER_TRANSACTION)
        transactions.append(
            {
                "id": tx_id,
                "project_id": ctx.project_id,
                "voucher_id": card["id"],
                "campaign_id": card.get("campaign_id"),
                "type": OPENING_TYPE,
                "amount": points,
                "balance_after": points,
                "reason": OPENING_REASON,
                "details": {},
                "created_at": now,
            }
        )
        buckets.append(
            {
                "id": new_id(Prefix.POINTS_BUCKET),
                "project_id": ctx.project_id,
                "voucher_id": card["id"],
                "campaign_id": card.get("campaign_id"),
                "points": points,
                "remaining": points,
                "expires_on": last_day,
                "transaction_id": tx_id,
                "created_at": now,
            }
        )
    for start in range(0, len(transactions), _CHUNK):
        await session.execute(insert(VoucherTransaction), transactions[start : start + _CHUNK])
        await session.execute(insert(PointsBucket), buckets[start : start + _CHUNK])

"""Loyalty on the wire: ledger transactions, balance objects, members, pending points."""

from __future__ import annotations

from typing import Any

from voucherd.kit.timefmt import iso, iso_date
from voucherd.loyalty.models import PendingPoints
from voucherd.vouchers.models import PointsBucket, Voucher, VoucherTransaction
from voucherd.vouchers.serializers import voucher_body

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def points_balance(
    card: Voucher, points: int, *, operation_type: str | None = None
) -> dict[str, Any]:
    """Voucherify's `VoucherBalance` for a loyalty card after a movement of `points`."""
    body: dict[str, Any] = {
        "points": points,
        "total": card.loyalty_balance or 0,
        "balance": card.loyalty_balance or 0,
        "type": "loyalty_card",
        "object": "balance",
        "related_object": {"type": "voucher", "id": card.id},
    }
    if operation_type is not None:
        body["operation_type"] = operation_type
    return body


def pending_balance(card: Voucher, points: int, operation_type: str) -> dict[str, Any]:
    """`voucher_pending_points_balance`: `points` moved, `total` = pending total after."""
    return {
        "points": points,
        "total": card.loyalty_pending_points or 0,
        "object": "balance",
        "related_object": {"type": "voucher", "id": card.id},
        "operation_type": operation_type,
    }


def transaction_body(tx: VoucherTransaction) -> dict[str, Any]:
    details = {k: v for k, v in tx.details.items() if not k.startswith("_")}
    details["balance"] = {
        "type": "loyalty_card",
        "total": tx.balance_after,
        "object": "balance",
        "points": tx.amount,
        "balance": tx.balance_after,
        "related_object": {"id": tx.voucher_id, "type": "voucher"},
    }
    return {
        "id": tx.id,
        "source_id": tx.source_id,
        "voucher_id": tx.voucher_id,
        "campaign_id": tx.campaign_id,
        "source": tx.details.get("_source", "API"),
        "reason": tx.reason,
        "type": tx.type,
        "details": details,
        "related_transaction_id": tx.related_transaction_id,
        "created_at": iso(tx.created_at),
    }


def pending_points_body(entry: PendingPoints) -> dict[str, Any]:
    return {
        "id": entry.id,
        "voucher_id": entry.voucher_id,
        "campaign_id": entry.campaign_id,
        "customer_id": entry.customer_id,
        "order_id": entry.order_id,
        "points": entry.points,
        "activates_at": iso_date(entry.activates_at),
        "details": entry.details,
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.updated_at),
    }


def expiration_bucket_body(bucket: PointsBucket) -> dict[str, Any]:
    """One entry of `GET …/members/{memberId}/points-expiration`."""
    return {
        "id": bucket.id,
        "voucher_id": bucket.voucher_id,
        "campaign_id": bucket.campaign_id,
        "bucket": {"total_points": bucket.remaining},
        "created_at": iso(bucket.created_at),
        "status": "ACTIVE",
        "expires_at": iso_date(bucket.expires_on),
        "updated_at": None,
        "object": "loyalty_points_bucket",
    }


def transfer_response_body(card: Voucher) -> dict[str, Any]:
    """The target card after `POST …/transfers`, in the shape the spec (and so the SDK) fixes.

    `LoyaltiesMembersTransfersCreateResponseBody` requires `validity_timeframe` and
    `validity_day_of_week` and types `active` as a string; a plain voucher body would make the
    official SDK fail to parse the response. No restriction = empty timeframe, every day.
    """
    body = voucher_body(card)
    body["validity_timeframe"] = body.get("validity_timeframe") or {}
    body["validity_day_of_week"] = body.get("validity_day_of_week") or EVERY_DAY
    body["active"] = "true" if card.active else "false"
    return body

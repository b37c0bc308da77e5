"""Vouchers on the wire: the full `Voucher` and the events' `SimpleVoucher`."""

from __future__ import annotations

from typing import Any

from voucherd.assets.links import voucher_assets
from voucherd.categories.serializers import categories_of
from voucherd.kit.timefmt import iso, iso_date
from voucherd.vouchers.models import Voucher, VoucherTransaction


def gift_body(voucher: Voucher) -> dict[str, Any] | None:
    if voucher.type != "GIFT_VOUCHER":
        return None
    return {
        "amount": voucher.gift_amount or 0,
        "balance": voucher.gift_balance or 0,
        "effect": voucher.gift_effect or "APPLY_TO_ORDER",
    }


def loyalty_card_body(voucher: Voucher) -> dict[str, Any] | None:
    if voucher.type != "LOYALTY_CARD":
        return None
    return {
        "points": voucher.loyalty_points or 0,
        "balance": voucher.loyalty_balance or 0,
        "next_expiration_date": iso_date(voucher.loyalty_next_expiration_date),
        "next_expiration_points": voucher.loyalty_next_expiration_points,
        "pending_points": voucher.loyalty_pending_points or 0,
        "expired_points": voucher.loyalty_expired_points or 0,
        "subtracted_points": voucher.loyalty_subtracted_points or 0,
    }


def redemption_summary(voucher: Voucher) -> dict[str, Any]:
    body: dict[str, Any] = {
        "quantity": voucher.redemption_quantity,
        "redeemed_quantity": voucher.redeemed_quantity,
    }
    if voucher.type == "LOYALTY_CARD":
        body["redeemed_points"] = voucher.redeemed_points
    if voucher.type == "GIFT_VOUCHER":
        body["redeemed_amount"] = voucher.redeemed_amount
    return body


def simple_voucher(voucher: Voucher) -> dict[str, Any]:
    # Joined into every voucher read (models.py): no round trip here.
    category = voucher.category_ref
    body: dict[str, Any] = {
        "id": voucher.id,
        "code": voucher.code,
        "discount": voucher.discount,
        "gift": gift_body(voucher),
        "loyalty_card": loyalty_card_body(voucher),
        "type": voucher.type,
        "campaign": voucher.campaign_name,
        "campaign_id": voucher.campaign_id,
        "is_referral_code": voucher.is_referral_code,
        "holder_id": voucher.holder_id,
        "referrer_id": None,
        "category_id": category.id if category else None,
        "category": category.name if category else None,
        "categories": categories_of(category),
        "active": voucher.active,
        "created_at": iso(voucher.created_at),
        "updated_at": iso(voucher.updated_at),
        "redemption": redemption_summary(voucher),
        "start_date": iso(voucher.start_date),
        "expiration_date": iso(voucher.expiration_date),
        "metadata": voucher.metadata_ or {},
        "object": "voucher",
    }
    return body


def voucher_body(voucher: Voucher) -> dict[str, Any]:
    body = simple_voucher(voucher)
    body.update(
        {
            "validity_timeframe": voucher.validity_timeframe,
            "validity_day_of_week": voucher.validity_day_of_week,
            "validity_hours": voucher.validity_hours,
            "additional_info": voucher.additional_info,
            "assets": voucher_assets(voucher.code),
            "publish": {
                "object": "list",
                "count": voucher.publish_count,
                "url": f"/v1/vouchers/{voucher.code}/publications",
            },
        }
    )
    body["redemption"] = {
        **redemption_summary(voucher),
        "object": "list",
        "url": f"/v1/vouchers/{voucher.code}/redemptions",
    }
    return body


def transaction_body(tx: VoucherTransaction, voucher: Voucher) -> dict[str, Any]:
    return {
        "id": tx.id,
        "source_id": tx.source_id,
        "voucher_id": tx.voucher_id,
        "campaign_id": tx.campaign_id,
        "source": "API",
        "reason": tx.reason,
        "type": tx.type,
        "details": {
            **tx.details,
            "balance": {
                "type": "gift_voucher",
                "total": voucher.gift_amount or 0,
                "amount": tx.amount,
                "object": "balance",
                "balance": tx.balance_after,
                "related_object": {"id": voucher.id, "type": "voucher"},
            },
        },
        "related_transaction_id": None,
        "created_at": iso(tx.created_at),
    }

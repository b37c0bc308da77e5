"""Redemptions, rollbacks and validation results on the wire."""

from __future__ import annotations

from typing import Any

from voucherd.customers.models import Customer
from voucherd.customers.serializers import simple_customer
from voucherd.discounts.calculation import CalculatedItem, CalculatedOrder
from voucherd.kit.timefmt import iso
from voucherd.kit.wire import omit_absent
from voucherd.redemptions.models import Redemption
from voucherd.vouchers.models import Voucher
from voucherd.vouchers.serializers import simple_voucher, voucher_body

# Voucherify leaves these out of a redemption without them (kit/wire.py).
REDEMPTION_OMITTED_WHEN_ABSENT = ("promotion_tier", "reward")
# ... and these out of a validation or redemption answer when nothing was inapplicable/skipped.
STACKING_OMITTED_WHEN_ABSENT = ("inapplicable_redeemables", "skipped_redeemables")


def redemption_body(
    r: Redemption,
    *,
    customer: Customer | None,
    voucher: Voucher | None,
    order: dict[str, Any] | None,
    full_voucher: bool = True,
    promotion_tier: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": r.id,
        "object": r.object,
        "date": iso(r.created_at),
        "customer_id": r.customer_id,
        "tracking_id": r.tracking_id,
        "metadata": r.metadata_ or {},
        "amount": r.amount,
        "redemption": r.parent_id,
        "result": r.result,
        "status": r.status,
        "failure_code": r.failure_code,
        "failure_message": r.failure_message,
        "order": order if order is not None else r.order_snapshot,
        "channel": {"channel_id": None, "channel_type": "API"},
        "customer": simple_customer(customer) if customer else None,
        "related_object_type": r.related_object_type,
        "related_object_id": r.related_object_id,
        "promotion_tier": promotion_tier,
        "reward": r.reward,
    }
    if r.object == "redemption_rollback":
        body["reason"] = r.reason
    if voucher is not None:
        body["voucher"] = voucher_body(voucher) if full_voucher else simple_voucher(voucher)
        if voucher.type == "GIFT_VOUCHER":
            body["gift"] = {"amount": r.gift_credits}
        if voucher.type == "LOYALTY_CARD":
            body["loyalty_card"] = {"points": r.points}
    return omit_absent(body, REDEMPTION_OMITTED_WHEN_ABSENT)


def simple_redemption(
    r: Redemption,
    *,
    customer: Customer | None,
    voucher: Voucher | None,
    order: dict[str, Any] | None,
) -> dict[str, Any]:
    """Voucherify's `SimpleRedemption` (inside webhook payloads; seed 004)."""
    body: dict[str, Any] = {
        "id": r.id,
        "customer_id": r.customer_id,
        "tracking_id": r.tracking_id,
        "date": iso(r.created_at),
        "amount": r.amount,
        "order": order,
        "customer": simple_customer(customer) if customer else None,
        "result": r.result,
        "status": "ROLLED BACK" if r.status == "ROLLED_BACK" else r.status,
        "voucher": simple_voucher(voucher) if voucher else None,
        "redemption": r.parent_id,
        "metadata": r.metadata_ or {},
        "channel": {"channel_id": None, "channel_type": "API"},
        "object": "redemption",
    }
    if r.reason is not None:
        body["reason"] = r.reason
    if r.result == "FAILURE":
        body["failure_code"] = r.failure_code
        body["failure_message"] = r.failure_message
    return body


def _unit_fields(item: CalculatedItem) -> dict[str, Any]:
    """What free units did to a line (none of it on lines UNIT discounts did not touch)."""
    if item.discount_quantity is None and item.applied_quantity is None:
        return {}
    return {
        "discount_quantity": item.discount_quantity,
        "applied_discount_quantity": item.applied_discount_quantity,
        "applied_quantity": item.applied_quantity,
        "applied_quantity_amount": item.applied_quantity_amount,
        "initial_quantity": item.initial_quantity,
        "initial_amount": item.initial_amount,
    }


def calculated_order_body(
    calc: CalculatedOrder, *, source: dict[str, Any], customer: Customer | None
) -> dict[str, Any]:
    """The order a validation would produce (nothing is stored)."""
    items = []
    given = source.get("items") or []
    for index, item in enumerate(calc.items):
        raw = given[index] if index < len(given) else {}
        items.append(
            {
                k: v
                for k, v in {
                    "object": "order_item",
                    "source_id": item.source_id or raw.get("source_id"),
                    "related_object": raw.get("related_object"),
                    "product_id": item.product_id,
                    "sku_id": item.sku_id,
                    "quantity": item.quantity,
                    "amount": item.amount,
                    "discount_amount": item.discount_amount or None,
                    "applied_discount_amount": item.applied_discount_amount or None,
                    "price": item.price,
                    "subtotal_amount": item.subtotal_amount,
                    **_unit_fields(item),
                }.items()
                if v is not None
            }
        )
    return {
        "id": source.get("id"),
        "source_id": source.get("source_id"),
        "status": source.get("status") or "CREATED",
        "customer_id": customer.id if customer else None,
        "amount": calc.amount,
        "initial_amount": calc.initial_amount,
        "discount_amount": calc.discount_amount,
        "items_discount_amount": calc.items_discount_amount,
        "total_discount_amount": calc.total_discount_amount,
        "total_amount": calc.total_amount,
        "applied_discount_amount": calc.applied_discount_amount,
        "items_applied_discount_amount": calc.items_applied_discount_amount,
        "total_applied_discount_amount": calc.total_applied_discount_amount,
        "items": items,
        "metadata": source.get("metadata") or {},
        "object": "order",
    }

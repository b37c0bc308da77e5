"""Qualification results on the wire (`QualificationsRedeemable`, the deprecated
promotions validation's `promotions[]`)."""

from __future__ import annotations

from typing import Any

from voucherd.categories.serializers import category_body
from voucherd.customers.models import Customer
from voucherd.kit.clock import utcnow
from voucherd.kit.timefmt import iso
from voucherd.promotions.models import PromotionStack
from voucherd.qualifications.judge import Offer
from voucherd.redemptions.serializers import calculated_order_body
from voucherd.rules.targeting import listing
from voucherd.sessions import holds as session_holds
from voucherd.stacking.rules import StackingRules


def categories(offer: Offer, rules: StackingRules) -> list[dict[str, Any]]:
    """`CategoryWithStackingRulesType`: the category, EXCLUSIVE or JOINT when it is."""
    if offer.category is None:
        return []
    body = category_body(offer.category)
    kind = rules.stacking_type(offer.category.id)
    if kind != "COMMON":
        body["stacking_rules_type"] = kind
    return [body]


def result(offer: Offer) -> dict[str, Any]:
    """`RedeemableResult`: the discount as configured (and whether a formula set it), or a
    gift card's balance and the credits this order would use."""
    if offer.is_gift:
        assert offer.voucher is not None
        return {
            "gift": {
                "balance": offer.voucher.gift_balance or 0,
                "credits": offer.applied,
                # What running validation sessions hold (read from the card's row).
                "locked_credits": session_holds.held_credits(offer.voucher, utcnow()),
            }
        }
    raw = offer.voucher.discount if offer.voucher is not None else None
    if offer.tier is not None:
        raw = (offer.tier.action or {}).get("discount")
    return {"discount": {**(raw or {}), "is_dynamic": offer.is_dynamic}}


def assignments(offer: Offer, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "list", "data_ref": "data", "data": rows, "total": len(rows)}


def redeemable_body(
    offer: Offer,
    *,
    rules: StackingRules,
    source: dict[str, Any],
    customer: Customer | None,
    assigned: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    assert offer.calculated is not None
    campaign = offer.campaign
    body: dict[str, Any] = {
        "id": offer.id,
        "object": offer.object,
        "created_at": iso(offer.created_at),
        "result": result(offer),
        "order": calculated_order_body(offer.calculated, source=source, customer=customer),
        "applicable_to": listing(offer.targeted.applicable_to),
        "inapplicable_to": listing(offer.targeted.inapplicable_to),
        "metadata": _owner_metadata(offer),
        "categories": categories(offer, rules),
        "campaign_name": campaign.name if campaign is not None else None,
        "campaign_id": offer.campaign_id,
    }
    if offer.tier is not None:
        body["name"] = offer.tier.name
        body["banner"] = offer.tier.banner
    if offer.rule_ids:
        body["validation_rule_id"] = offer.rule_ids[0]
    if assigned is not None:
        body["validation_rules_assignments"] = assignments(offer, assigned)
    return body


def _owner_metadata(offer: Offer) -> dict[str, Any]:
    owner = offer.voucher if offer.voucher is not None else offer.tier
    return dict((owner.metadata_ if owner is not None else None) or {})


def stack_body(
    stack: PromotionStack,
    tiers: list[Offer],
    *,
    rules: StackingRules,
    source: dict[str, Any],
    customer: Customer | None,
    campaign_name: str | None,
    order: Any,
) -> dict[str, Any]:
    """A qualifying stack: the order after all its tiers, each tier's own part listed."""
    return {
        "id": stack.id,
        "object": "promotion_stack",
        "created_at": iso(stack.created_at),
        "result": {},
        "order": calculated_order_body(order, source=source, customer=customer),
        "applicable_to": listing([]),
        "inapplicable_to": listing([]),
        "metadata": {},
        "categories": [],
        "name": stack.name,
        "campaign_name": campaign_name,
        "campaign_id": stack.campaign_id,
        "redeemables": [
            redeemable_body(t, rules=rules, source=source, customer=customer) for t in tiers
        ],
    }


def promotion_body(
    offer: Offer,
    *,
    rules: StackingRules,
    source: dict[str, Any],
    customer: Customer | None,
    tracking_id: str | None,
) -> dict[str, Any]:
    """One qualifying tier of the deprecated `POST /v1/promotions/validation`."""
    tier, campaign, calc = offer.tier, offer.campaign, offer.calculated
    assert tier is not None and campaign is not None and calc is not None
    return {
        "valid": True,
        "id": tier.id,
        "name": tier.name,
        "banner": tier.banner,
        "object": "promotion_tier",
        "discount": {**((tier.action or {}).get("discount") or {}), "is_dynamic": offer.is_dynamic},
        "discount_amount": calc.total_discount_amount,
        "applied_discount_amount": calc.total_applied_discount_amount,
        "hierarchy": tier.hierarchy,
        "start_date": iso(tier.start_date),
        "expiration_date": iso(tier.expiration_date),
        "campaign": {
            "id": campaign.id,
            "start_date": iso(campaign.start_date),
            "expiration_date": iso(campaign.expiration_date),
            "active": campaign.active,
            "object": "campaign",
        },
        "metadata": dict(tier.metadata_ or {}),
        "category_id": tier.category_id,
        "categories": categories(offer, rules),
        "order": calculated_order_body(calc, source=source, customer=customer),
        "applicable_to": listing(offer.targeted.applicable_to),
        "inapplicable_to": listing(offer.targeted.inapplicable_to),
        "tracking_id": tracking_id,
    }

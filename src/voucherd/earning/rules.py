"""Which earning rules are well formed: checked when a rule is created or updated.

Pure checks over the rule as it will be stored (plain dicts, as in the `earning_rules` row);
every problem is a 400 in Voucherify's error format with a message naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from voucherd.discounts.schemas import check_formula_field
from voucherd.kit.errors import InvalidPayload
from voucherd.kit.validity import check_windows
from voucherd.loyalty.expiry import ExpirationRulesError, parse_expiration_rules

ORDER_PAID = "order.paid"
SEGMENT_ENTERED = "customer.segment.entered"
TIER_EVENTS = frozenset(
    {
        "customer.loyalty.tier.joined",
        "customer.loyalty.tier.left",
        "customer.loyalty.tier.upgraded",
        "customer.loyalty.tier.downgraded",
        "customer.loyalty.tier.prolonged",
    }
)

# calculation_type -> where its {every, points, …} object lives inside `loyalty`.
STEP_PATHS: dict[str, tuple[str, str]] = {
    "ORDER_AMOUNT": ("order", "amount"),
    "ORDER_TOTAL_AMOUNT": ("order", "total_amount"),
    "ORDER_METADATA": ("order", "metadata"),
    "ORDER_ITEMS_QUANTITY": ("order_items", "quantity"),
    "ORDER_ITEMS_AMOUNT": ("order_items", "amount"),
    "ORDER_ITEMS_SUBTOTAL_AMOUNT": ("order_items", "subtotal_amount"),
    "CUSTOMER_METADATA": ("customer", "metadata"),
    "CUSTOM_EVENT_METADATA": ("custom_event", "metadata"),
}
METADATA_TYPES = frozenset({"ORDER_METADATA", "CUSTOMER_METADATA", "CUSTOM_EVENT_METADATA"})
ITEM_TYPES = frozenset(
    {"ORDER_ITEMS_QUANTITY", "ORDER_ITEMS_AMOUNT", "ORDER_ITEMS_SUBTOTAL_AMOUNT"}
)

# Voucherify's create-body variants: which calculation types each kind of event accepts.
# CUSTOMER_METADATA on order.paid is accepted as well (the issue lists it for orders).
_ORDER_TYPES = frozenset(STEP_PATHS) - {"CUSTOM_EVENT_METADATA"}
_SEGMENT_TYPES = frozenset({"CUSTOMER_METADATA"})
_CUSTOM_EVENT_TYPES = frozenset({"CUSTOM_EVENT_METADATA"})


def event_kind(event: str) -> str:
    if event == ORDER_PAID:
        return "order"
    if event == SEGMENT_ENTERED:
        return "segment"
    if event in TIER_EVENTS:
        return "tier"
    return "custom"


def allowed_calculation_types(event: str) -> frozenset[str]:
    return {
        "order": _ORDER_TYPES,
        "segment": _SEGMENT_TYPES,
        "tier": frozenset(),
        "custom": _CUSTOM_EVENT_TYPES,
    }[event_kind(event)]


def step_of(loyalty: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The `{every, points, …}` object of a PROPORTIONAL rule."""
    path = STEP_PATHS.get(str(loyalty.get("calculation_type")))
    if path is None:
        return None
    group = loyalty.get(path[0]) or {}
    step = group.get(path[1]) if isinstance(group, Mapping) else None
    return step if isinstance(step, Mapping) else None


def loyalty_type(loyalty: Mapping[str, Any]) -> str:
    """`type` defaults to FIXED, or PROPORTIONAL when a calculation type is given."""
    explicit = loyalty.get("type")
    if explicit:
        return str(explicit)
    return "PROPORTIONAL" if loyalty.get("calculation_type") else "FIXED"


def _check_points(where: str, body: Mapping[str, Any]) -> None:
    formula = body.get("points_formula")
    if formula:
        check_formula_field(f"{where}.points_formula", str(formula))
    elif body.get("points") is None:
        raise InvalidPayload(f"{where}.points is required (or {where}.points_formula)")


def _check_proportional(event: str, loyalty: Mapping[str, Any]) -> None:
    calculation = loyalty.get("calculation_type")
    if not calculation:
        raise InvalidPayload("loyalty.calculation_type is required for PROPORTIONAL rules")
    allowed = allowed_calculation_types(event)
    if calculation not in allowed:
        accepted = ", ".join(sorted(allowed)) or "only FIXED"
        raise InvalidPayload(
            f"loyalty.calculation_type {calculation} does not apply to event {event}"
            f" (accepted: {accepted})"
        )
    group, key = STEP_PATHS[str(calculation)]
    where = f"loyalty.{group}.{key}"
    step = step_of(loyalty)
    if step is None:
        raise InvalidPayload(f"{where} is required for calculation_type {calculation}")
    if step.get("every") is None:
        raise InvalidPayload(f"{where}.every is required and must be at least 1")
    _check_points(where, step)
    if calculation in METADATA_TYPES and not step.get("property"):
        raise InvalidPayload(f"{where}.property is required for calculation_type {calculation}")
    if calculation in ITEM_TYPES:
        targets = item_targets(step)
        if not targets:
            raise InvalidPayload(
                f"{where}.object and {where}.id (or applicable_to) name the products or SKUs"
            )
        if any(kind == "products_collection" for kind, _ in targets):
            raise InvalidPayload(f"{where}: products_collection is not supported, name products")


def item_targets(step: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (object, id) pairs an order-items rule counts."""
    targets: list[tuple[str, str]] = []
    if step.get("object") and step.get("id"):
        targets.append((str(step["object"]), str(step["id"])))
    for entry in step.get("applicable_to") or ():
        targets.append((str(entry["object"]), str(entry["id"])))
    return targets


def check_loyalty(event: str, loyalty: Mapping[str, Any] | None) -> None:
    if not loyalty:
        raise InvalidPayload("loyalty is required")
    kind = loyalty_type(loyalty)
    if kind == "FIXED":
        if loyalty.get("calculation_type"):
            raise InvalidPayload("loyalty.calculation_type applies to PROPORTIONAL rules only")
        _check_points("loyalty", loyalty)
    else:
        _check_proportional(event, loyalty)


def _check_pending(event: str, pending: Mapping[str, Any] | None) -> None:
    if pending is None:
        return
    if event != ORDER_PAID:
        raise InvalidPayload("pending_points apply to order.paid rules only")
    if pending.get("period_type") not in (None, "DAY"):
        raise InvalidPayload("pending_points.period_type must be DAY")
    value = pending.get("period_value")
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 90:
        raise InvalidPayload("pending_points.period_value must be a number of days from 1 to 90")


def _check_validity(rule: Mapping[str, Any]) -> None:
    start: datetime | None = rule.get("start_date")
    end: datetime | None = rule.get("expiration_date")
    if start is not None and end is not None and end <= start:
        raise InvalidPayload("expiration_date must be after start_date")
    try:
        check_windows(rule)
    except ValueError as exc:
        raise InvalidPayload(str(exc)) from exc


def check_rule(rule: Mapping[str, Any]) -> None:
    """The whole rule as it will be stored; raises `InvalidPayload` (or `invalid_formula`)."""
    event = str(rule["event"])
    kind = event_kind(event)
    loyalty = rule.get("loyalty")
    check_loyalty(event, loyalty)
    if kind == "tier" and loyalty_type(loyalty or {}) != "FIXED":
        raise InvalidPayload(f"{event} rules give FIXED points only")
    if kind == "tier" and not (rule.get("loyalty_tier") or {}).get("id"):
        raise InvalidPayload(f"loyalty_tier.id is required for {event} rules")
    if kind == "segment" and not (rule.get("segment") or {}).get("id"):
        raise InvalidPayload("segment.id is required for customer.segment.entered rules")
    _check_pending(event, rule.get("pending_points"))
    try:
        parse_expiration_rules(rule.get("expiration_rules"))
    except ExpirationRulesError as exc:
        raise InvalidPayload(str(exc), key=exc.key) from exc
    _check_validity(rule)

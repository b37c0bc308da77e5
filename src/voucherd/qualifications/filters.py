"""`options.filters` of a qualification, applied to candidates (pure)."""

from __future__ import annotations

from voucherd.qualifications.judge import Offer
from voucherd.qualifications.schemas import Condition, Filters

_NEGATIVE = ("$is_not", "$not_in")


def _values(offer: Offer, key: str) -> tuple[str | None, ...]:
    """The candidate's values for a filter key (a code is known by its id and its code)."""
    voucher, campaign = offer.voucher, offer.campaign
    if key == "category_id":
        return (offer.category.id if offer.category else None,)
    if key == "campaign_id":
        return (offer.campaign_id,)
    if key == "resource_id":
        return (voucher.id, voucher.code) if voucher is not None else (offer.id,)
    if key == "voucher_type":
        return (voucher.type if voucher is not None else None,)
    if key == "code":
        return (voucher.code if voucher is not None else None,)
    if key == "campaign_type":
        return (campaign.campaign_type if campaign is not None else None,)
    if key == "resource_type":
        return (offer.object,)
    if key == "holder_role":
        return (offer.role,)
    raise AssertionError(key)  # schemas.parse_filters refuses other keys


def _holds(condition: Condition, values: tuple[str | None, ...]) -> bool:
    op, wanted = condition.operator, condition.values
    if op == "$has_value":
        return any(v is not None for v in values)
    if op == "$is_unknown":
        return all(v is None for v in values)
    # `$is` / `$is_not` take the first value (Voucherify: "only for the first value").
    chosen = wanted[:1] if op in ("$is", "$is_not") else wanted
    hit = any(v is not None and v in chosen for v in values)
    return not hit if op in _NEGATIVE else hit


def matches(offer: Offer, filters: Filters) -> bool:
    if not filters.conditions:
        return True
    results = (
        all(_holds(c, _values(offer, key)) for c in conditions)
        for key, conditions in filters.conditions.items()
    )
    return all(results) if filters.junction == "and" else any(results)

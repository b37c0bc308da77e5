"""`POST /v1/qualifications`: which redeemables apply to this customer and cart, now.

Candidates come from indexed queries (candidates.py); what they share is loaded once
(loading.py); each is judged ALONE on the sent order in memory (judge.py). Unlike
Voucherify, per-customer limits, redemption counts and budgets are NOT skipped and nothing
is cached: every answer is what a validation of that redeemable would say at that moment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.customers import service as customers
from voucherd.customers.models import Customer
from voucherd.customers.schemas import CustomerReference
from voucherd.discounts.calculation import CalculatedOrder, DiscountError, calculate_order
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import NotFound
from voucherd.kit.ids import new_tracking_id
from voucherd.promotions.models import PromotionStack
from voucherd.qualifications import filters as offer_filters
from voucherd.qualifications import repository
from voucherd.qualifications.candidates import Sources, for_scenario
from voucherd.qualifications.judge import Offer, Shared, finish, judge, rule_names
from voucherd.qualifications.loading import Request, prepare
from voucherd.qualifications.schemas import (
    DEFAULT_LIMIT,
    Options,
    QualificationRequest,
    parse_filters,
)
from voucherd.qualifications.serializers import redeemable_body, stack_body
from voucherd.redemptions.engine import payload_order_input
from voucherd.redemptions.serializers import calculated_order_body
from voucherd.stacking.serializers import validation_body

# Rule names that require an item in the cart (scenario PRODUCTS).
_ITEM_RULES = ("order.items.", "product.", "sku.")


async def customer_for(
    session: AsyncSession, ctx: RequestContext, ref: CustomerReference | None
) -> Customer | None:
    """The stored customer the request names (by id, else source_id); unknown is no one."""
    if ref is None:
        return None
    for key in (ref.id, ref.source_id):
        if key:
            try:
                return await customers.get(session, ctx, key)
            except NotFound:
                continue
    return None


def _touches_items(offer: Offer) -> bool:
    calc = offer.calculated  # None: an order-level discount (judge.order_level_applied)
    return calc is not None and bool(calc.applied_items[0] or calc.unit_changes[0])


def _requires_item(offer: Offer, shared: Shared) -> bool:
    if shared.book is None:
        return False
    names = rule_names(shared.book.rules_of(offer.redeemable))
    return any(name.startswith(_ITEM_RULES) for name in names)


def _fits(scenario: str, offer: Offer, shared: Shared) -> bool:
    if scenario in ("PRODUCTS_DISCOUNT", "PRODUCTS_DISCOUNT_BY_CUSTOMER"):
        return _touches_items(offer)
    if scenario in ("PRODUCTS", "PRODUCTS_BY_CUSTOMER"):
        return _touches_items(offer) or _requires_item(offer, shared)
    return True


def _sorted(items: list[tuple[datetime, int, str, Any]], rule: str) -> list[Any]:
    """DEFAULT: newest first; BEST_DEAL / LEAST_DEAL: by discount, then newest first."""
    items.sort(key=lambda i: (i[0], i[2]), reverse=True)
    if rule == "BEST_DEAL":
        items.sort(key=lambda i: i[1], reverse=True)
    elif rule == "LEAST_DEAL":
        items.sort(key=lambda i: i[1])
    return items


def _page(
    items: list[tuple[datetime, int, str, Any]], options: Options, rule: str
) -> tuple[list[tuple[datetime, int, str, Any]], bool]:
    """`starting_after` is the `created_at` of the last item of the previous page: newest
    first, the page holds older items; sorted by deal, it continues after that item."""
    cursor = options.starting_after
    if cursor is not None:
        if rule != "DEFAULT":
            at = [n for n, i in enumerate(items) if i[0] == cursor]
            items = items[at[-1] + 1 :] if at else [i for i in items if i[0] < cursor]
        else:
            items = [i for i in items if i[0] < cursor]
    limit = options.limit or DEFAULT_LIMIT
    return items[:limit], len(items) > limit


async def qualify(
    session: AsyncSession, ctx: RequestContext, body: QualificationRequest
) -> dict[str, Any]:
    scenario = body.scenario or "ALL"
    options = body.options or Options()
    wanted = parse_filters(options.filters)
    rule = options.sorting_rule or "DEFAULT"
    customer = await customer_for(session, ctx, body.customer)
    # PRODUCTS and PRODUCTS_DISCOUNT ask what anyone gets for these products.
    judged_for = None if scenario in ("PRODUCTS", "PRODUCTS_DISCOUNT") else customer
    order_in = payload_order_input(body.order)
    request = Request(
        order=order_in,
        customer=judged_for,
        order_metadata=(body.order.metadata if body.order else None) or {},
        request_metadata=body.metadata or {},
        item_metadata=[i.metadata for i in (body.order.items or [])] if body.order else (),
        audience_only=scenario == "AUDIENCE_ONLY",
    )
    sources = Sources(session, ctx)
    if scenario == "PROMOTION_STACKS":
        stacks = await sources.stacks()
        tiers = await sources.tiers() if stacks else []
        offers = [o for o in tiers if offer_filters.matches(o, wanted)]
    else:
        stacks = []
        offers = await for_scenario(sources, scenario, judged_for)
        offers = [o for o in offers if offer_filters.matches(o, wanted)]
    shared, usable = await prepare(session, ctx, offers, request)
    source = body.order.model_dump(exclude_none=True) if body.order else {}
    if scenario == "PROMOTION_STACKS":
        items = await _stack_items(sources, stacks, usable, shared, source, customer)
    else:
        qualified = [o for o in usable if judge(o, shared) and _fits(scenario, o, shared)]
        items = [(o.created_at, o.applied, o.key, o) for o in qualified]
    page, has_more = _page(_sorted(items, rule), options, rule)
    page = [i for i in page if isinstance(i[3], dict) or finish(i[3], shared)]
    assigned = None
    if "validation_rules" in (options.expand or ()) and scenario != "PROMOTION_STACKS":
        assigned = await _assignments(session, ctx, [i[3] for i in page])
    data = [
        i[3]
        if isinstance(i[3], dict)
        else redeemable_body(
            i[3],
            rules=shared.rules,
            source=source,
            customer=customer,
            assigned=assigned.get(i[3].key, []) if assigned is not None else None,
        )
        for i in page
    ]
    redeemables: dict[str, Any] = {
        "object": "list",
        "data_ref": "data",
        "data": data,
        "total": len(data),
        "has_more": has_more,
    }
    if has_more:
        redeemables["more_starting_after"] = data[-1]["created_at"]
    return {
        "redeemables": redeemables,
        "tracking_id": body.tracking_id or (new_tracking_id() if customer else None),
        "order": calculated_order_body(shared.base, source=source, customer=customer),
        "stacking_rules": validation_body(shared.rules),
    }


async def _stack_items(
    sources: Sources,
    stacks: list[PromotionStack],
    usable: list[Offer],
    shared: Shared,
    source: dict[str, Any],
    customer: Customer | None,
) -> list[tuple[datetime, int, str, Any]]:
    """PROMOTION_STACKS: each qualifying stack's body, with its sort keys."""
    by_id = {o.key: o for o in usable}
    campaigns = await sources.campaigns()
    items: list[tuple[datetime, int, str, Any]] = []
    for stack in stacks:
        done = _judge_stack(stack.tiers.get("ids") or [], by_id, shared)
        if done is None:
            continue
        tiers, order = done
        campaign = campaigns.get(stack.campaign_id)
        entry = stack_body(
            stack,
            tiers,
            rules=shared.rules,
            source=source,
            customer=customer,
            campaign_name=campaign.name if campaign else None,
            order=order,
        )
        items.append((stack.created_at, order.total_applied_discount_amount, stack.id, entry))
    return items


def _judge_stack(
    tier_ids: list[str], by_id: dict[str, Offer], shared: Shared
) -> tuple[list[Offer], CalculatedOrder] | None:
    """A stack qualifies when every tier applies in its order, each decided on the order
    the tiers before it left (VOUCHERIFY-RULES.md b); the answer is the order after all."""
    tiers = [by_id.get(i) for i in tier_ids]
    if not tiers or any(t is None for t in tiers):
        return None
    applied: list[Any] = []
    done: list[Offer] = []
    for tier in tiers:
        assert tier is not None
        try:
            before = calculate_order(shared.order, applied, shared.prices)
        except DiscountError:
            return None
        step = Shared(**{**shared.__dict__, "base": before})
        if not judge(tier, step) or not finish(tier, step):
            return None
        assert tier.discount is not None
        applied.append(tier.discount)
        done.append(tier)
    try:
        return done, calculate_order(shared.order, applied, shared.prices)
    except DiscountError:
        return None


async def _assignments(
    session: AsyncSession, ctx: RequestContext, offers: list[Offer]
) -> dict[str, list[dict[str, Any]]]:
    """`validation_rules_assignments` of the page's redeemables (expand `validation_rules`):
    their own assignments and their campaign's."""
    ids = {o.key for o in offers} | {o.campaign_id for o in offers if o.campaign_id}
    by_object: dict[str, list[dict[str, Any]]] = {}
    for row in await repository.assignments(session, ctx.project_id, ids):
        by_object.setdefault(row.related_object_id, []).append(
            {
                "id": row.id,
                "rule_id": row.rule_id,
                "related_object_id": row.related_object_id,
                "related_object_type": row.related_object_type,
                "object": "validation_rules_assignment",
                "validation_status": "VALID",
            }
        )
    return {
        o.key: by_object.get(o.key, []) + by_object.get(o.campaign_id or "", []) for o in offers
    }

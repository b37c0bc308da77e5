"""Load what a qualification's candidates share, ONCE, then judge each alone in memory.

Statements: the catalogue (only when a candidate gives free units) and `decisions.prepare`
for every candidate together (their rules in one query; collections, segments and counters
only when those rules read them). Counters are read live, never cached: a customer who used
up a once-per-customer code, or a campaign whose budget is spent, sees it at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.customers.models import Customer
from voucherd.discounts.calculation import (
    DiscountError,
    OrderInput,
    UnitProduct,
    calculate_order,
)
from voucherd.discounts.items import unit_grants
from voucherd.discounts.resolve import order_variables
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError
from voucherd.orders.service import InvalidOrder
from voucherd.products import service as products
from voucherd.qualifications.judge import Offer, Shared, resolve, status_error
from voucherd.rules import decisions
from voucherd.rules.facts import order_items
from voucherd.segments import service as segments
from voucherd.stacking import service as stacking_rules


@dataclass
class Request:
    """The request's parts candidates are judged on."""

    order: OrderInput
    customer: Customer | None
    order_metadata: Mapping[str, Any]
    request_metadata: Mapping[str, Any]
    item_metadata: Sequence[Mapping[str, Any] | None] = ()
    audience_only: bool = False


def _usable(offers: list[Offer], now: Any, request: Request) -> list[Offer]:
    """Live candidates with a resolved discount (still no query)."""
    kept: list[Offer] = []
    order_vars = order_variables(request.order)
    for offer in offers:
        if status_error(offer, now) is not None:
            continue
        try:
            resolve(offer, request, now, order_vars)
        except (ApiError, DiscountError, ArithmeticError, ValueError):
            continue  # a formula that can't be evaluated on this order: not applicable
        if offer.discount is not None:
            kept.append(offer)
    return kept


async def prepare(
    session: AsyncSession, ctx: RequestContext, offers: list[Offer], request: Request
) -> tuple[Shared, list[Offer]]:
    """The shared facts, and the candidates that are live and have a discount."""
    now = utcnow()
    rules = await stacking_rules.rules_for(session, ctx.project_id)
    kept = _usable(offers, now, request)
    unit_types = {t for o in kept if o.discount for t, _ in unit_grants(o.discount)}
    prices: dict[str, UnitProduct] = {}
    if unit_types:
        catalogue = await products.catalogue_entries(session, ctx, unit_types)
        prices = {
            key: UnitProduct(products.unit_price(product, sku), product.id, sku.id if sku else None)
            for key, (product, sku) in catalogue.items()
        }
    try:
        base = calculate_order(request.order, [], prices)
    except DiscountError as exc:
        raise InvalidOrder(str(exc)) from exc
    book = None
    if kept:
        book = await decisions.prepare(
            session,
            ctx,
            [o.redeemable for o in kept],
            now=now,
            items=order_items(request.order, request.item_metadata),
            initial_amount=base.amount,
            customer=request.customer,
            order_metadata=request.order_metadata,
            request_metadata=request.request_metadata,
            lock=False,
            zone=ctx.zone,
            segment_ids=segments.customer_segment_ids,
        )
    shared = Shared(
        now=now,
        order=request.order,
        base=base,
        prices=prices,
        book=book,
        rules=rules,
        customer=request.customer,
        order_metadata=request.order_metadata,
        request_metadata=request.request_metadata,
        audience_only=request.audience_only,
    )
    return shared, kept

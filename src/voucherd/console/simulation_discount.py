"""The simulator's discount replay: a draft discount (and its validation rule) over the orders
paid in a range, next to the discounts redemptions actually gave."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.console.simulation import (
    Side,
    Simulation,
    caveats,
    collections_for,
    customers_of,
    paid_orders,
)
from voucherd.discounts.calculation import (
    DiscountError,
    OrderInput,
    OrderItemInput,
    UnitProduct,
    calculate_order,
)
from voucherd.discounts.items import unit_grants
from voucherd.discounts.resolve import formula_context, resolve_discount
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.orders.models import Order
from voucherd.product_collections.filters import Collection
from voucherd.products import service as products
from voucherd.redemptions import reports as redemption_reports
from voucherd.redemptions.engine import targeted_discount
from voucherd.rules.evaluate import evaluate
from voucherd.rules.facts import Facts, order_items
from voucherd.rules.targeting import target
from voucherd.rules.tree import RuleSet, Targeting


@dataclass(frozen=True)
class DiscountDraft:
    discount: Mapping[str, Any]
    rules: RuleSet | None = None
    targeting: Targeting = field(default_factory=Targeting)


# --- discounts ----------------------------------------------------------------------------


def order_input(order: Order) -> OrderInput:
    """The order as it was sent, before any discount (lines UNIT discounts added left out)."""
    items = tuple(
        OrderItemInput(
            quantity=(i.initial_quantity if i.initial_quantity is not None else i.quantity) or 1,
            price=i.price,
            amount=i.initial_amount if i.initial_amount is not None else i.amount,
            product_id=i.product_id,
            sku_id=i.sku_id,
            source_id=i.source_id,
        )
        for i in order.items
        if i.initial_quantity != 0
    )
    amount = order.initial_amount if order.initial_amount is not None else order.amount
    return OrderInput(items=items, amount=amount)


async def simulate_discount(
    session: AsyncSession, ctx: RequestContext, draft: DiscountDraft, start: datetime, end: datetime
) -> Simulation:
    began = time.perf_counter()
    result = Simulation("discount")
    rule_sets = [draft.rules] if draft.rules is not None else []
    found = await collections_for(session, ctx, rule_sets, draft.targeting)
    result.caveats = caveats(rule_sets)
    prices = await _unit_prices(session, ctx, draft.discount)
    async for batch in paid_orders(session, ctx.project_id, start, end):
        people = await customers_of(session, ctx, {o.customer_id for o in batch if o.customer_id})
        for order in batch:
            result.orders += 1
            customer = people.get(order.customer_id or "")
            cents = _order_discount(ctx, order, customer, draft, found, prices)
            if cents > 0:
                result.simulated.total += cents
                result.simulated.orders += 1
                if order.customer_id:
                    result.simulated.customers.add(order.customer_id)
    await actual_discounts(session, ctx.project_id, start, end, result.actual)
    result.seconds = time.perf_counter() - began
    return result


def _order_discount(
    ctx: RequestContext,
    order: Order,
    customer: Mapping[str, Any] | None,
    draft: DiscountDraft,
    found: Mapping[str, Collection],
    prices: Mapping[str, UnitProduct],
) -> int:
    """What the draft would have taken from this order, as a validation computes it."""
    paid = order.paid_at or order.created_at
    sent = order_input(order)
    items = order_items(sent, [i.metadata_ for i in order.items if i.initial_quantity != 0])
    amount = sent.amount
    if amount is None:  # the lines price it: the calculation sums them as a validation does
        try:
            amount = calculate_order(sent, [], prices).amount
        except DiscountError:
            return 0
    facts = Facts(
        now=paid,
        zone=ctx.zone,
        amount=amount,
        initial_amount=amount,
        items=items,
        customer_id=order.customer_id,
        customer_metadata=customer or {},
        order_metadata=order.metadata_ or {},
        collections=found,
    )
    if draft.rules is not None and not evaluate(draft.rules, facts).passed:
        return 0
    context = formula_context(
        sent,
        voucher_variables={},
        metadata={
            "ORDER_METADATA": order.metadata_ or {},
            "CUSTOMER_METADATA": facts.customer_metadata,
            "REDEMPTION_METADATA": {},
            "REDEEMABLE_METADATA": {},
        },
        now=paid,
    )
    discount, _ = resolve_discount(draft.discount, context)
    discount = targeted_discount(discount, target(draft.targeting, items, found))
    try:
        return calculate_order(sent, [discount], prices).applied[0]
    except DiscountError:
        return 0


async def _unit_prices(
    session: AsyncSession, ctx: RequestContext, discount: Mapping[str, Any]
) -> dict[str, UnitProduct]:
    """The catalogue prices of the units a UNIT draft gives away: read once, not per order."""
    if discount.get("type") != "UNIT":
        return {}
    resolved, _ = resolve_discount(
        discount, formula_context(OrderInput(), voucher_variables={}, metadata={}, now=utcnow())
    )
    wanted = {unit_type for unit_type, _ in unit_grants(resolved)}
    catalogue = await products.catalogue_entries(session, ctx, wanted) if wanted else {}
    return {
        key: UnitProduct(products.unit_price(product, sku), product.id, sku.id if sku else None)
        for key, (product, sku) in catalogue.items()
    }


async def actual_discounts(
    session: AsyncSession, project_id: str, start: datetime, end: datetime, side: Side
) -> None:
    """Discounts redemptions actually gave in the range (gift-card credits left out)."""
    for customer_id, orders, cents in await redemption_reports.discounts_by_customer(
        session, project_id, start, end
    ):
        side.orders += orders
        side.total += cents
        if customer_id and cents:
            side.customers.add(customer_id)

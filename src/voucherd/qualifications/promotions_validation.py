"""The deprecated `POST /v1/promotions/validation` (and the client `GET`): which promotion
tiers apply to this cart, each computed ALONE on the original order (VOUCHERIFY-RULES.md §e).

Connectors call it on every cart update with their own customer id in `customer.id`: a
customer is looked up by id, then by source_id, and an unknown one is simply no one (never
a 404). Checks the 150 newest live tiers, as Voucherify does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.context import RequestContext
from voucherd.kit.errors import InvalidQueryParams
from voucherd.kit.ids import new_tracking_id
from voucherd.qualifications.candidates import Sources
from voucherd.qualifications.judge import Offer, finish, judge
from voucherd.qualifications.loading import Request, prepare
from voucherd.qualifications.schemas import PromotionsValidationRequest
from voucherd.qualifications.serializers import promotion_body
from voucherd.qualifications.service import customer_for
from voucherd.redemptions.engine import payload_order_input

NEWEST_TIERS = 150
_PROMOTION_ID = "filters[promotion_id][conditions][$is]"


def query_filters(params: Mapping[str, str]) -> tuple[str | None, dict[str, str]]:
    """`filters[promotion_id][conditions][$is]` and `filters[metadata.<k>][conditions][$is]`;
    any other filter is refused by name."""
    campaign_id: str | None = None
    metadata: dict[str, str] = {}
    for name, value in params.items():
        if not name.startswith("filters"):
            continue
        if name == _PROMOTION_ID:
            campaign_id = value
        elif name.startswith("filters[metadata.") and name.endswith("][conditions][$is]"):
            metadata[name[len("filters[metadata.") : -len("][conditions][$is]")]] = value
        else:
            raise InvalidQueryParams(
                f"{name}: unsupported filter (supported: {_PROMOTION_ID}, "
                "filters[metadata.<key>][conditions][$is])"
            )
    return campaign_id, metadata


def _wanted(offer: Offer, campaign_id: str | None, metadata: dict[str, str]) -> bool:
    if campaign_id is not None and offer.campaign_id != campaign_id:
        return False
    tier_metadata = (offer.tier.metadata_ if offer.tier is not None else None) or {}
    return all(str(tier_metadata.get(k)) == v for k, v in metadata.items())


async def validate(
    session: AsyncSession,
    ctx: RequestContext,
    body: PromotionsValidationRequest,
    *,
    audience_only: bool,
    campaign_id: str | None,
    metadata: dict[str, str],
) -> dict[str, Any]:
    customer = await customer_for(session, ctx, body.customer)
    request = Request(
        order=payload_order_input(body.order),
        customer=customer,
        order_metadata=(body.order.metadata if body.order else None) or {},
        request_metadata=body.metadata or {},
        item_metadata=[i.metadata for i in (body.order.items or [])] if body.order else (),
        audience_only=audience_only,
    )
    offers = await Sources(session, ctx).tiers()
    offers = sorted(offers, key=lambda o: (o.created_at, o.key), reverse=True)[:NEWEST_TIERS]
    offers = [o for o in offers if _wanted(o, campaign_id, metadata)]
    shared, usable = await prepare(session, ctx, offers, request)
    qualified = [o for o in usable if judge(o, shared) and finish(o, shared)]
    qualified.sort(key=lambda o: (o.tier.hierarchy if o.tier else 0, o.created_at))
    tracking_id = body.tracking_id or (new_tracking_id() if customer else None)
    source = body.order.model_dump(exclude_none=True) if body.order else {}
    return {
        "valid": bool(qualified),
        "tracking_id": tracking_id,
        "promotions": [
            promotion_body(
                o, rules=shared.rules, source=source, customer=customer, tracking_id=tracking_id
            )
            for o in qualified
        ],
    }

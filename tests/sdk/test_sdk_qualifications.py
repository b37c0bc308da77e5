"""Qualifications through the official SDK's QualificationsApi (and ClientSideApi): the
answers parse, and they list exactly the redeemables that apply, best deal first."""

from __future__ import annotations

from typing import Any

import voucherify as V

from tests.qualifications.support import promotion
from tests.rules.support import assign_rule, rule
from tests.support import ProjectKeys
from voucherd.kit.db import Database
from voucherd.projects import service as projects
from voucherd.projects.service import ClientSettings

ITEMS = [
    {"source_id": "sdk-shoe", "quantity": 1, "price": 6000},
    {"source_id": "sdk-bag", "quantity": 2, "price": 2000},
]


def _code(vouchers: Any, discount: dict[str, Any], quantity: int | None = None) -> Any:
    body: dict[str, Any] = {"type": "DISCOUNT_VOUCHER", "discount": discount}
    if quantity is not None:
        body["redemption"] = {"quantity": quantity}
    return vouchers.generate_random_code(V.VouchersCreateRequestBody.from_dict(body))


async def test_qualifications_list_exactly_what_applies_best_deal_first(
    sdk: Any, db: Database, project: ProjectKeys
) -> None:
    V.CustomersApi(sdk).create_customer(V.CustomersCreateRequestBody(source_id="sdk-anna"))
    vouchers = V.VouchersApi(sdk)
    order_level = {"effect": "APPLY_TO_ORDER"}
    small = _code(vouchers, {"type": "AMOUNT", "amount_off": 300, **order_level})
    big = _code(vouchers, {"type": "PERCENT", "percent_off": 25, **order_level}, quantity=1)
    V.PublicationsApi(sdk).create_publication(
        publications_create_request_body=V.PublicationsCreateRequestBody.from_dict(
            {"voucher": big.code, "customer": {"source_id": "sdk-anna"}}
        )
    )
    too_big_cart = _code(vouchers, {"type": "AMOUNT", "amount_off": 5000, **order_level})
    await assign_rule(
        db,
        project,
        too_big_cart.id,
        {"1": rule("order.amount", {"$more_than": [50000]}), "logic": "1"},
    )
    _code(vouchers, {"type": "AMOUNT", "amount_off": 900, **order_level}, quantity=1)  # private
    _, (tier,) = await promotion(
        db,
        project,
        "SDK promo",
        [{"name": "10 %", "banner": "Ten", "discount": {"type": "PERCENT", "percent_off": 10}}],
    )

    answer = V.QualificationsApi(sdk).check_eligibility(
        V.QualificationsCheckEligibilityRequestBody.from_dict(
            {
                "customer": {"source_id": "sdk-anna"},
                "order": {"items": ITEMS},
                "scenario": "ALL",
                "options": {"limit": 10, "sorting_rule": "BEST_DEAL"},
            }
        )
    )

    data = answer.redeemables.data
    assert [r.id for r in data] == [big.code, tier, small.code]
    assert [r.order.total_discount_amount for r in data] == [2500, 1000, 300]
    assert [r.object for r in data] == ["voucher", "promotion_tier", "voucher"]
    assert data[1].banner == "Ten" and data[1].campaign_name == "SDK promo"
    assert data[0].result.discount.percent_off == 25
    assert answer.redeemables.has_more is False
    assert answer.order.amount == 10000
    assert answer.stacking_rules.redeemables_limit == 30

    page = V.QualificationsApi(sdk).check_eligibility(
        V.QualificationsCheckEligibilityRequestBody.from_dict(
            {
                "customer": {"source_id": "sdk-anna"},
                "order": {"items": ITEMS},
                "options": {
                    "limit": 1,
                    "filters": {"resource_type": {"conditions": {"$in": ["voucher"]}}},
                },
            }
        )
    )
    assert len(page.redeemables.data) == 1 and page.redeemables.has_more is True
    assert page.redeemables.more_starting_after is not None


async def test_client_side_qualifications_parse(
    sdk: Any, live_server: Any, db: Database, project: ProjectKeys
) -> None:
    vouchers = V.VouchersApi(sdk)
    generic = _code(vouchers, {"type": "AMOUNT", "amount_off": 700, "effect": "APPLY_TO_ORDER"})
    async with db.transaction() as session:
        key = await projects.issue_key(
            session,
            kind="client",
            project_id=project.project_id,
            client=ClientSettings(origins=("*",)),
        )
    cfg = V.Configuration(
        host=live_server.base_url,
        api_key={"X-Client-Application-Id": key.key_id, "X-Client-Token": key.token},
    )
    with V.ApiClient(cfg) as client:
        answer = V.ClientSideApi(client).check_eligibility_client_side(
            V.ClientQualificationsCheckEligibilityRequestBody.from_dict(
                {"order": {"items": ITEMS}}
            ),
            _headers={"Origin": "https://shop.example"},
        )
    assert [r.id for r in answer.redeemables.data] == [generic.code]
    assert answer.redeemables.data[0].order.total_amount == 9300

    # The same client key lists the project's promotion tiers (ClientSideApi).
    _, (tier_id,) = await promotion(
        db,
        project,
        "Client tiers",
        [{"name": "5% off", "discount": {"type": "PERCENT", "percent_off": 5}}],
    )
    with V.ApiClient(cfg) as client:
        tiers = V.ClientSideApi(client).list_promotion_tiers_client_side(
            "https://shop.example", is_available=True, limit=10
        )
    assert [t.id for t in tiers.tiers] == [tier_id]
    assert tiers.tiers[0].name == "5% off"

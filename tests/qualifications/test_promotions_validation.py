"""The deprecated `POST /v1/promotions/validation`, the client `GET` twin and
`/client/v1/qualifications` (VOUCHERIFY-RULES.md §e, §f)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.qualifications.support import ITEMS, amount, customer, ids, ok, percent, promotion
from tests.rules.support import assign_rule, rule
from tests.support import ProjectKeys
from voucherd.kit.db import Database
from voucherd.projects import service as projects
from voucherd.projects.service import ClientSettings


async def _two_tiers(db: Database, project: ProjectKeys) -> tuple[str, str, str]:
    campaign_id, (five, ten) = await promotion(
        db,
        project,
        "Spend more",
        [
            {"name": "5 % above 100", "banner": "5 %", "discount": percent(5)},
            {"name": "10 % above 200", "banner": "10 %", "discount": percent(10)},
        ],
    )
    for tier, threshold in ((five, 10000), (ten, 20000)):
        await assign_rule(
            db,
            project,
            tier,
            {"1": rule("order.amount", {"$more_than_or_equal": [threshold]}), "logic": "1"},
            related_object_type="promotion_tier",
        )
    return campaign_id, five, ten


def _cart(total: int, customer_id: str | None = "anna") -> dict[str, Any]:
    body: dict[str, Any] = {"order": {"items": [{"source_id": "x", "quantity": 1, "price": total}]}}
    if customer_id is not None:
        body["customer"] = {"id": customer_id}  # connectors send their own id here
    return body


async def test_each_qualifying_tier_is_computed_alone_on_the_original_order(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await customer(client, "anna")
    _, five, ten = await _two_tiers(db, project)

    small = await ok(client, "POST", "/v1/promotions/validation", _cart(15000))
    assert small["valid"] is True
    assert [p["id"] for p in small["promotions"]] == [five]
    promo = small["promotions"][0]
    assert (promo["discount_amount"], promo["applied_discount_amount"]) == (750, 750)
    assert promo["object"] == "promotion_tier" and promo["banner"] == "5 %"
    assert promo["campaign"]["object"] == "campaign"
    assert promo["order"]["total_amount"] == 14250
    assert promo["tracking_id"] == small["tracking_id"] and small["tracking_id"]

    big = await ok(client, "POST", "/v1/promotions/validation", _cart(30000))
    amounts = {p["id"]: p["discount_amount"] for p in big["promotions"]}
    assert amounts == {five: 1500, ten: 3000}  # each alone on 300.00, lower hierarchy first
    assert [p["id"] for p in big["promotions"]] == [five, ten]

    none = await ok(client, "POST", "/v1/promotions/validation", _cart(5000))
    assert none == {"valid": False, "tracking_id": none["tracking_id"], "promotions": []}


async def test_an_unknown_customer_is_no_one_and_filters_narrow_the_tiers(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    campaign_id, five, _ = await _two_tiers(db, project)
    _, (other,) = await promotion(db, project, "Other", [{"name": "o", "discount": amount(100)}])

    anyone = await ok(client, "POST", "/v1/promotions/validation", _cart(15000, "nobody-known"))
    assert sorted(p["id"] for p in anyone["promotions"]) == sorted([five, other])
    narrowed = await client.post(
        "/v1/promotions/validation",
        params={"filters[promotion_id][conditions][$is]": campaign_id},
        json=_cart(15000),
    )
    assert [p["id"] for p in narrowed.json()["promotions"]] == [five]
    refused = await client.post(
        "/v1/promotions/validation",
        params={"filters[banner][conditions][$is]": "x"},
        json=_cart(15000),
    )
    assert refused.status_code == 400
    assert "filters[banner]" in refused.json()["details"]


async def test_audience_rules_only_skips_the_cart_rules(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await customer(client, "anna")
    _, five, ten = await _two_tiers(db, project)
    answer = await client.post(
        "/v1/promotions/validation", params={"audienceRulesOnly": "true"}, json=_cart(1000)
    )
    assert sorted(p["id"] for p in answer.json()["promotions"]) == sorted([five, ten])


async def _client_key(db: Database, project: ProjectKeys) -> dict[str, str]:
    async with db.transaction() as session:
        key = await projects.issue_key(
            session,
            kind="client",
            project_id=project.project_id,
            client=ClientSettings(origins=("*",)),
        )
    return {"X-Client-Application-Id": key.key_id, "X-Client-Token": key.token}


async def test_client_side_promotions_validation_and_qualifications(
    app: Any, client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await customer(client, "anna")
    _, five, _ = await _two_tiers(db, project)
    keys = await _client_key(db, project)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://voucherd.test", headers=keys
    ) as browser:
        got = await browser.get(
            "/client/v1/promotions/validation",
            params={
                "customer[source_id]": "anna",
                "item[0][source_id]": "x",
                "item[0][quantity]": "1",
                "item[0][price]": "15000",
            },
        )
        assert got.status_code == 200, got.text
        assert [p["id"] for p in got.json()["promotions"]] == [five]
        by_amount = await browser.get(
            "/client/v1/promotions/validation", params={"amount": "15000"}
        )
        assert [p["id"] for p in by_amount.json()["promotions"]] == [five]

        qualified = await browser.post(
            "/client/v1/qualifications",
            json={"customer": {"source_id": "anna"}, "order": {"items": ITEMS}},
        )
        assert qualified.status_code == 200, qualified.text
        assert ids(qualified.json()) == [five]
        # A client key is refused on /v1/*.
        refused = await browser.post("/v1/qualifications", json={"order": {"items": ITEMS}})
        assert refused.status_code == 401

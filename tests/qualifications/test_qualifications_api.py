"""`POST /v1/qualifications` over HTTP, on SQLite and PostgreSQL: exactly the redeemables a
validation of each alone would accept, from live data (per-customer limits included)."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.qualifications.support import (
    ITEMS,
    amount,
    code,
    customer,
    gift,
    ids,
    ok,
    percent,
    promotion,
    published,
    qualification,
)
from tests.rules.support import assign_rule, rule
from tests.support import ProjectKeys
from voucherd.kit.clock import clock
from voucherd.kit.db import Database


async def _qualify(client: httpx.AsyncClient, body: dict[str, object]) -> dict[str, object]:
    answer: dict[str, object] = await ok(client, "POST", "/v1/qualifications", body)
    return answer


async def test_all_lists_the_wallet_generic_codes_and_live_tiers_each_alone_on_the_order(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await customer(client, "anna")
    await customer(client, "ben")
    mine = await published(client, percent(10), "anna")
    clock.advance(timedelta(seconds=1))
    generic = await code(client, amount(500))  # multi-use, held by no one: anyone may use it
    clock.advance(timedelta(seconds=1))
    await code(client, amount(700), quantity=1)  # single-use, given to no one: private
    await published(client, amount(900), "ben")  # someone else's
    clock.advance(timedelta(seconds=1))
    _, (tier,) = await promotion(
        db, project, "Summer", [{"name": "20 off", "banner": "20 %!", "discount": percent(20)}]
    )

    answer = await _qualify(client, qualification("anna", options={"limit": 10}))

    assert ids(answer) == [tier, generic["code"], mine["code"]]  # newest first
    by_id = {r["id"]: r for r in answer["redeemables"]["data"]}  # type: ignore[index]
    assert by_id[mine["code"]]["object"] == "voucher"
    assert by_id[mine["code"]]["order"]["total_discount_amount"] == 1000  # alone: 10 % of 100
    assert by_id[mine["code"]]["result"]["discount"]["percent_off"] == 10
    assert by_id[generic["code"]]["order"]["total_amount"] == 9500
    promo = by_id[tier]
    assert promo["object"] == "promotion_tier"
    assert (promo["name"], promo["banner"], promo["campaign_name"]) == ("20 off", "20 %!", "Summer")
    assert promo["order"]["total_discount_amount"] == 2000  # alone, not after the codes
    assert promo["applicable_to"] == {"data": [], "total": 0, "data_ref": "data", "object": "list"}
    assert answer["order"]["amount"] == 10000  # type: ignore[index]
    assert answer["order"]["total_discount_amount"] == 0  # type: ignore[index]
    assert answer["redeemables"]["has_more"] is False  # type: ignore[index]
    assert answer["tracking_id"]
    assert answer["stacking_rules"]["redeemables_limit"] == 30  # type: ignore[index]


async def test_best_deal_lists_the_biggest_discount_first_and_least_deal_the_smallest(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await customer(client, "anna")
    small = await published(client, amount(300), "anna")
    big = await published(client, percent(25), "anna")
    middle = await code(client, amount(1500))
    card = await gift(client, 4000, "anna")

    best = await _qualify(client, qualification(options={"sorting_rule": "BEST_DEAL"}))
    least = await _qualify(client, qualification(options={"sorting_rule": "LEAST_DEAL"}))

    expected = [card["code"], big["code"], middle["code"], small["code"]]
    assert ids(best) == expected
    assert ids(least) == expected[::-1]
    assert best["redeemables"]["data"][0]["result"] == {  # type: ignore[index]
        "gift": {"balance": 4000, "credits": 4000, "locked_credits": 0}
    }


async def test_pages_follow_the_created_at_cursor(client: httpx.AsyncClient) -> None:
    await customer(client, "anna")
    codes = []
    for off in (100, 200, 300):
        codes.append((await published(client, amount(off), "anna"))["code"])
        clock.advance(timedelta(seconds=1))

    first = await _qualify(client, qualification(options={"limit": 2}))
    page = first["redeemables"]
    assert ids(first) == [codes[2], codes[1]]
    assert page["has_more"] is True  # type: ignore[index]
    assert page["more_starting_after"] == page["data"][1]["created_at"]  # type: ignore[index]
    cursor = page["more_starting_after"]  # type: ignore[index]
    second = await _qualify(client, qualification(options={"limit": 2, "starting_after": cursor}))
    assert ids(second) == [codes[0]]
    assert second["redeemables"]["has_more"] is False  # type: ignore[index]
    assert "more_starting_after" not in second["redeemables"]  # type: ignore[operator]

    default = await _qualify(client, qualification())
    assert len(ids(default)) == 3  # limit 5 by default


async def test_a_code_the_customer_used_up_is_not_listed(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await customer(client, "anna")
    await customer(client, "ben")
    once_each = await code(client, amount(500))  # generic, but once per customer
    await assign_rule(
        db,
        project,
        once_each["id"],
        {"1": rule("redemption.count.per_customer", {"$less_than_or_equal": [1]}), "logic": "1"},
    )
    single = await published(client, amount(800), "anna")
    before = await _qualify(client, qualification("anna"))
    assert set(ids(before)) == {once_each["code"], single["code"]}

    for voucher in (once_each, single):
        await ok(
            client,
            "POST",
            "/v1/redemptions",
            {
                "redeemables": [{"object": "voucher", "id": voucher["code"]}],
                "customer": {"source_id": "anna"},
                "order": {"items": ITEMS},
            },
        )

    assert ids(await _qualify(client, qualification("anna"))) == []
    assert ids(await _qualify(client, qualification("ben"))) == [once_each["code"]]


async def test_a_tier_whose_rules_refuse_the_cart_is_not_listed(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await customer(client, "anna")
    _, (tier,) = await promotion(db, project, "Budget", [{"name": "t", "discount": amount(100)}])
    await assign_rule(
        db,
        project,
        tier,
        {"1": rule("order.amount", {"$more_than": [5000]}), "logic": "1"},
        related_object_type="promotion_tier",
    )
    assert ids(await _qualify(client, qualification("anna"))) == [tier]
    small = [{"source_id": "q-pen", "quantity": 1, "price": 4000}]
    assert ids(await _qualify(client, qualification("anna", items=small))) == []


async def test_without_a_customer_customer_dependent_redeemables_are_omitted(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await customer(client, "anna", metadata={"tier": "gold"})
    plain = await code(client, amount(500))
    gold = await code(client, amount(900))
    await assign_rule(
        db,
        project,
        gold["id"],
        {"1": rule("customer.metadata", {"$is": ["gold"]}, property="tier"), "logic": "1"},
    )
    mine = await published(client, amount(100), "anna")

    anonymous = await _qualify(client, qualification(None))
    assert ids(anonymous) == [plain["code"]]
    assert anonymous["tracking_id"] is None
    assert set(ids(await _qualify(client, qualification("anna")))) == {
        plain["code"],
        gold["code"],
        mine["code"],
    }


async def test_customer_wallet_lists_only_the_customers_codes_and_cards(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await customer(client, "anna")
    mine = await published(client, amount(500), "anna")
    card = await gift(client, 2500, "anna")
    await code(client, amount(500))
    await promotion(db, project, "P", [{"name": "t", "discount": amount(100)}])

    wallet = await _qualify(client, qualification(scenario="CUSTOMER_WALLET"))
    assert set(ids(wallet)) == {mine["code"], card["code"]}
    assert ids(await _qualify(client, qualification(None, scenario="CUSTOMER_WALLET"))) == []


async def test_audience_only_checks_the_customer_rules_and_not_the_cart(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await customer(client, "anna", metadata={"tier": "gold"})
    upsell = await code(client, amount(500))
    await assign_rule(
        db,
        project,
        upsell["id"],
        {
            "1": rule("order.amount", {"$more_than": [50000]}),
            "2": rule("customer.metadata", {"$is": ["gold"]}, property="tier"),
            "logic": "1 and 2",
        },
    )
    silver = await code(client, amount(500))
    await assign_rule(
        db,
        project,
        silver["id"],
        {"1": rule("customer.metadata", {"$is": ["silver"]}, property="tier"), "logic": "1"},
    )

    once = await code(client, amount(100))
    await assign_rule(
        db,
        project,
        once["id"],
        {"1": rule("redemption.count.per_customer", {"$less_than_or_equal": [1]}), "logic": "1"},
    )
    await ok(
        client,
        "POST",
        "/v1/redemptions",
        {
            "redeemables": [{"object": "voucher", "id": once["code"]}],
            "customer": {"source_id": "anna"},
            "order": {"items": ITEMS},
        },
    )

    assert ids(await _qualify(client, qualification())) == []
    audience = await _qualify(client, qualification(scenario="AUDIENCE_ONLY"))
    assert ids(audience) == [upsell["code"]]  # and not the code anna used up


async def test_products_scenarios_list_what_targets_or_requires_an_order_item(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await customer(client, "anna")
    shoe = await ok(client, "POST", "/v1/products", {"source_id": "q-shoe", "name": "Shoe"})
    on_item = await code(client, {"type": "AMOUNT", "amount_off": 1000, "effect": "APPLY_TO_ITEMS"})
    await assign_rule(
        db,
        project,
        on_item["id"],
        {"logic": ""},
        applicable_to={
            "included": [{"object": "product", "id": shoe["id"], "effect": "APPLY_TO_EVERY"}],
            "excluded": [],
        },
    )
    needs_shoe = await code(client, amount(300))
    await assign_rule(
        db,
        project,
        needs_shoe["id"],
        {
            "1": rule("order.items.any", {"$is": [{"id": shoe["id"], "object": "product"}]}),
            "logic": "1",
        },
    )
    order_level = await code(client, amount(200))
    mine = await published(
        client, {"type": "AMOUNT", "amount_off": 50, "effect": "APPLY_TO_ITEMS"}, "anna"
    )
    items = [{**ITEMS[0], "product_id": shoe["id"]}, ITEMS[1]]

    every = await _qualify(client, qualification(items=items, options={"limit": 10}))
    assert {on_item["code"], needs_shoe["code"], order_level["code"]} <= set(ids(every))
    discount = await _qualify(client, qualification(items=items, scenario="PRODUCTS_DISCOUNT"))
    assert ids(discount) == [on_item["code"]]
    assert discount["redeemables"]["data"][0]["applicable_to"]["total"] == 1  # type: ignore[index]
    products = await _qualify(client, qualification(items=items, scenario="PRODUCTS"))
    assert set(ids(products)) == {on_item["code"], needs_shoe["code"]}
    by_customer = await _qualify(
        client, qualification(items=items, scenario="PRODUCTS_DISCOUNT_BY_CUSTOMER")
    )
    assert set(ids(by_customer)) == {on_item["code"], mine["code"]}


async def test_disabled_expired_and_disabled_campaign_tiers_never_qualify(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    from voucherd.kit.clock import utcnow

    await customer(client, "anna")
    _, (live, _off, _old) = await promotion(
        db,
        project,
        "Tiers",
        [
            {"name": "live", "discount": amount(100)},
            {"name": "off", "discount": amount(100), "active": False},
            {
                "name": "old",
                "discount": amount(100),
                "expiration_date": utcnow() - timedelta(days=1),
            },
        ],
    )
    await promotion(db, project, "Off", [{"name": "t", "discount": amount(100)}], active=False)

    assert ids(await _qualify(client, qualification(options={"limit": 50}))) == [live]


async def test_a_code_whose_redemption_budget_is_spent_is_hidden_from_everyone(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await customer(client, "anna")
    await customer(client, "ben")
    once = await code(client, amount(500))
    await assign_rule(
        db,
        project,
        once["id"],
        {"1": rule("redemption.count.daily", {"$less_than_or_equal": [1]}), "logic": "1"},
    )
    assert ids(await _qualify(client, qualification("anna"))) == [once["code"]]
    await ok(
        client,
        "POST",
        "/v1/redemptions",
        {
            "redeemables": [{"object": "voucher", "id": once["code"]}],
            "customer": {"source_id": "ben"},
            "order": {"items": ITEMS},
        },
    )
    assert ids(await _qualify(client, qualification("anna"))) == []


async def test_each_result_is_what_a_validation_of_it_alone_answers(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await customer(client, "anna")
    shoe = await ok(client, "POST", "/v1/products", {"source_id": "q-shoe", "name": "Shoe"})
    items = [{**ITEMS[0], "product_id": shoe["id"]}, ITEMS[1]]
    candidates = [
        ("voucher", (await published(client, percent(15, amount_limit=1200), "anna"))["code"]),
        ("voucher", (await code(client, amount(2500)))["code"]),
        ("voucher", (await code(client, {"type": "PERCENT", "percent_off": 50,
                                         "effect": "APPLY_TO_ITEMS"}))["code"]),
    ]  # fmt: skip
    _, tiers = await promotion(
        db,
        project,
        "Mixed",
        [
            {"name": "big carts", "discount": percent(10)},
            {"name": "shoes", "discount": amount(700)},
            {"name": "huge carts", "discount": amount(5000)},
        ],
    )
    for tier, rules in zip(
        tiers,
        [
            {"1": rule("order.amount", {"$more_than": [5000]}), "logic": "1"},
            {
                "1": rule("order.items.any", {"$is": [{"id": shoe["id"], "object": "product"}]}),
                "logic": "1",
            },
            {"1": rule("order.amount", {"$more_than": [90000]}), "logic": "1"},
        ],
        strict=True,
    ):
        await assign_rule(db, project, tier, rules, related_object_type="promotion_tier")
    candidates += [("promotion_tier", tier) for tier in tiers]

    answer = await _qualify(client, qualification(items=items, options={"limit": 50}))
    listed = {r["id"]: r for r in answer["redeemables"]["data"]}  # type: ignore[index]

    for kind, key in candidates:
        validation = await ok(
            client,
            "POST",
            "/v1/validations",
            {
                "redeemables": [{"object": kind, "id": key}],
                "customer": {"source_id": "anna"},
                "order": {"items": items},
            },
        )
        assert (key in listed) == validation["valid"], (key, validation)
        if key in listed:
            ours, theirs = listed[key]["order"], validation["order"]
            for field in ("total_discount_amount", "total_amount", "items_discount_amount"):
                assert ours[field] == theirs[field], (key, field)
    assert len(listed) == 5  # all but the huge-cart tier


async def test_tiers_made_through_the_promotions_api_qualify_until_disabled(
    client: httpx.AsyncClient,
) -> None:
    from tests.promotions.support import make_promotion, tier

    await customer(client, "anna")
    campaign = await make_promotion(client, "API promo", [tier("7 %", 7), tier("3 %", 3)])
    tier_ids = [t["id"] for t in campaign["promotion"]["tiers"]]

    best = await _qualify(client, qualification(options={"sorting_rule": "BEST_DEAL"}))
    assert ids(best) == tier_ids
    assert [r["order"]["total_discount_amount"] for r in best["redeemables"]["data"]] == [700, 300]

    await ok(client, "POST", f"/v1/promotions/tiers/{tier_ids[0]}/disable")
    assert ids(await _qualify(client, qualification())) == [tier_ids[1]]
    await ok(client, "POST", f"/v1/campaigns/{campaign['id']}/disable")
    assert ids(await _qualify(client, qualification())) == []


async def test_validation_sessions_show_as_locked_credits_and_hide_held_uses(
    client: httpx.AsyncClient,
) -> None:
    """Answered from live data: what a checkout's session holds is not offered again."""
    await customer(client, "anna")
    card = await gift(client, 4000, "anna")
    last_use = await published(client, amount(500), "anna")
    held = await ok(
        client,
        "POST",
        "/v1/validations",
        {
            "redeemables": [
                {"object": "voucher", "id": card["code"], "gift": {"credits": 1500}},
                {"object": "voucher", "id": last_use["code"]},
            ],
            "order": {"amount": 10000},
            "session": {"type": "LOCK"},
        },
    )
    assert held["valid"] is True and held["session"]["key"]

    answer = await _qualify(client, qualification())
    by_id = {r["id"]: r for r in answer["redeemables"]["data"]}  # type: ignore[index]
    assert by_id[card["code"]]["result"] == {
        "gift": {"balance": 4000, "credits": 2500, "locked_credits": 1500}
    }
    # Its one use is held by the session: offering it would fail at redemption.
    assert last_use["code"] not in by_id

    clock.advance(timedelta(days=8))  # the session's 7 days ran out: nothing is held
    after = await _qualify(client, qualification())
    by_id = {r["id"]: r for r in after["redeemables"]["data"]}  # type: ignore[index]
    assert by_id[card["code"]]["result"]["gift"]["locked_credits"] == 0
    assert last_use["code"] in by_id


async def test_a_tier_formula_reading_its_metadata_gives_what_a_validation_gives(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    # Qualifications and validations resolve formulas through one function: this one read
    # PROMOTION_TIER_METADATA in validations only, so a qualification offered the fallback.
    await customer(client, "anna")
    formula = {**percent(5), "percent_off_formula": 'PROMOTION_TIER_METADATA("pct")'}
    _, (tier,) = await promotion(
        db, project, "Meta", [{"name": "t", "discount": formula, "metadata_": {"pct": 20}}]
    )
    answer = await _qualify(client, qualification("anna"))
    (offered,) = answer["redeemables"]["data"]
    assert offered["id"] == tier
    validation = await ok(
        client,
        "POST",
        "/v1/validations",
        {"redeemables": [{"object": "promotion_tier", "id": tier}], "order": {"items": ITEMS}},
    )
    assert validation["valid"] is True
    assert offered["order"]["total_discount_amount"] == 2000  # 20 % of 100.00, not 5 %
    assert validation["order"]["total_discount_amount"] == 2000

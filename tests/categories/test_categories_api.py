"""`/v1/categories` and the category of campaigns, vouchers and loyalty cards, over HTTP on
both engines."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import SEED_ORDER_ITEMS

DISCOUNT = {"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ORDER"}


def ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _category(client: httpx.AsyncClient, name: str, hierarchy: int = 1) -> Any:
    return ok(await client.post("/v1/categories", json={"name": name, "hierarchy": hierarchy}))


async def _campaign(client: httpx.AsyncClient, name: str = "Summer", **extra: Any) -> Any:
    body = {
        "name": name,
        "campaign_type": "DISCOUNT_COUPONS",
        "vouchers_count": 2,
        "voucher": {"type": "DISCOUNT_VOUCHER", "discount": DISCOUNT},
        **extra,
    }
    return ok(await client.post("/v1/campaigns", json=body))


async def _first_code(client: httpx.AsyncClient, campaign_id: str) -> Any:
    listed = ok(await client.get(f"/v1/vouchers?campaign_id={campaign_id}"))
    return listed["vouchers"][0]


async def test_category_create_get_list_update_delete(client: httpx.AsyncClient) -> None:
    first = await _category(client, "First", 1)
    created = await _category(client, "Second", 2)
    assert created["id"].startswith("cat_")
    # As Voucherify's examples: a never-updated category has no `updated_at`.
    assert set(created) == {"id", "name", "hierarchy", "created_at", "object"}
    assert (created["name"], created["hierarchy"], created["object"]) == ("Second", 2, "category")
    assert ok(await client.get(f"/v1/categories/{created['id']}")) == created

    listed = ok(await client.get("/v1/categories"))
    assert listed["object"] == "list" and listed["data_ref"] == "data"
    assert listed["total"] == 2
    assert [c["id"] for c in listed["data"]] == [created["id"], first["id"]]  # newest first

    updated = ok(await client.put(f"/v1/categories/{created['id']}", json={"name": "Renamed"}))
    assert updated["name"] == "Renamed" and updated["hierarchy"] == 2
    assert updated["updated_at"] >= updated["created_at"]
    assert ok(await client.get(f"/v1/categories/{created['id']}")) == updated

    deleted = await client.delete(f"/v1/categories/{created['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    gone = await client.get(f"/v1/categories/{created['id']}")
    assert gone.status_code == 404 and gone.json()["resource_type"] == "category"
    assert ok(await client.get("/v1/categories"))["total"] == 1
    assert (await client.delete(f"/v1/categories/{created['id']}")).status_code == 404


async def test_hierarchy_defaults_to_one(client: httpx.AsyncClient) -> None:
    created = ok(await client.post("/v1/categories", json={"name": "Plain"}))
    assert created["hierarchy"] == 1


async def test_category_names_are_unique_in_a_project(client: httpx.AsyncClient) -> None:
    await _category(client, "Gold")
    other = await _category(client, "Silver")
    again = await client.post("/v1/categories", json={"name": "Gold", "hierarchy": 4})
    assert again.status_code == 409 and again.json()["key"] == "duplicate_found", again.text
    renamed = await client.put(f"/v1/categories/{other['id']}", json={"name": "Gold"})
    assert renamed.status_code == 409, renamed.text
    names = sorted(c["name"] for c in ok(await client.get("/v1/categories"))["data"])
    assert names == ["Gold", "Silver"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"hierarchy": 1},
        {"name": ""},
        {"name": 5},
        {"name": "Bad", "hierarchy": -1},
        {"name": "Bad", "hierarchy": "1"},
        {"name": "Bad", "hierarchy": 1.5},
        {"name": "x" * 201},
    ],
)
async def test_bad_category_bodies_are_400_and_store_nothing(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    resp = await client.post("/v1/categories", json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["key"] == "invalid_payload"
    assert ok(await client.get("/v1/categories"))["total"] == 0


async def test_bad_category_update_is_400_and_changes_nothing(client: httpx.AsyncClient) -> None:
    created = await _category(client, "Kept", 3)
    resp = await client.put(f"/v1/categories/{created['id']}", json={"hierarchy": -2})
    assert resp.status_code == 400, resp.text
    assert ok(await client.get(f"/v1/categories/{created['id']}")) == created


async def test_campaign_named_category_is_created_and_its_codes_inherit_it(
    client: httpx.AsyncClient,
) -> None:
    campaign = await _campaign(client, category="Summer deals")
    [category] = ok(await client.get("/v1/categories"))["data"]
    assert category["name"] == "Summer deals" and category["hierarchy"] == 1
    assert campaign["category_id"] == category["id"]
    assert campaign["category"] == "Summer deals"
    assert campaign["categories"] == [category]
    voucher = await _first_code(client, campaign["id"])
    assert voucher["category_id"] == category["id"]
    assert voucher["category"] == "Summer deals"
    assert voucher["categories"] == [category]
    # A second campaign naming it joins the same category.
    other = await _campaign(client, "Autumn", category="Summer deals")
    assert other["category_id"] == category["id"]
    assert ok(await client.get("/v1/categories"))["total"] == 1


async def test_campaign_by_category_id(client: httpx.AsyncClient) -> None:
    category = await _category(client, "VIP", 5)
    campaign = await _campaign(client, category_id=category["id"])
    assert campaign["category"] == "VIP" and campaign["categories"] == [category]
    got = ok(await client.get(f"/v1/campaigns/{campaign['id']}"))
    assert got["categories"] == [category]


async def test_unknown_category_id_is_404_and_creates_nothing(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/v1/campaigns",
        json={
            "name": "Nowhere",
            "campaign_type": "DISCOUNT_COUPONS",
            "category_id": "cat_missing",
            "voucher": {"type": "DISCOUNT_VOUCHER", "discount": DISCOUNT},
        },
    )
    assert resp.status_code == 404, resp.text
    assert resp.json()["resource_type"] == "category"
    assert ok(await client.get("/v1/campaigns"))["total"] == 0
    voucher = await client.post(
        "/v1/vouchers",
        json={"type": "DISCOUNT_VOUCHER", "discount": DISCOUNT, "category_id": "cat_missing"},
    )
    assert voucher.status_code == 404, voucher.text
    assert ok(await client.get("/v1/vouchers"))["total"] == 0


async def test_category_and_category_id_must_agree(client: httpx.AsyncClient) -> None:
    category = await _category(client, "VIP")
    resp = await client.post(
        "/v1/vouchers",
        json={
            "type": "DISCOUNT_VOUCHER",
            "discount": DISCOUNT,
            "category_id": category["id"],
            "category": "Other",
        },
    )
    assert resp.status_code == 400, resp.text
    assert resp.json()["key"] == "invalid_payload"
    same = ok(
        await client.post(
            "/v1/vouchers",
            json={
                "type": "DISCOUNT_VOUCHER",
                "discount": DISCOUNT,
                "category_id": category["id"],
                "category": "VIP",
            },
        )
    )
    assert same["categories"] == [category]
    assert ok(await client.get("/v1/categories"))["total"] == 1


async def test_voucher_category_set_on_create_and_update(client: httpx.AsyncClient) -> None:
    gold = await _category(client, "Gold")
    campaign = await _campaign(client, category="Silver")
    # A code added with its own category keeps it instead of the campaign's.
    added = ok(
        await client.post(
            f"/v1/campaigns/{campaign['id']}/vouchers/OWN-1", json={"category": "Gold"}
        )
    )
    assert added["category_id"] == gold["id"] and added["categories"] == [gold]
    standalone = ok(
        await client.post("/v1/vouchers", json={"type": "DISCOUNT_VOUCHER", "discount": DISCOUNT})
    )
    assert standalone["category_id"] is None and standalone["categories"] == []
    moved = ok(
        await client.put(f"/v1/vouchers/{standalone['code']}", json={"category_id": gold["id"]})
    )
    assert moved["category"] == "Gold" and moved["categories"] == [gold]
    got = ok(await client.get(f"/v1/vouchers/{standalone['code']}"))
    assert got["categories"] == [gold]
    # `?category=` lists the vouchers of a category by its name.
    listed = ok(await client.get("/v1/vouchers?category=Gold"))
    assert sorted(v["code"] for v in listed["vouchers"]) == sorted(
        [added["code"], standalone["code"]]
    )


async def test_campaign_update_moves_the_campaign_not_its_issued_codes(
    client: httpx.AsyncClient,
) -> None:
    campaign = await _campaign(client, category="Old")
    issued = await _first_code(client, campaign["id"])
    updated = ok(await client.put(f"/v1/campaigns/{campaign['id']}", json={"category": "New"}))
    assert updated["category"] == "New"
    assert ok(await client.get(f"/v1/vouchers/{issued['code']}"))["category"] == "Old"
    later = ok(await client.post(f"/v1/campaigns/{campaign['id']}/vouchers/LATER-1"))
    assert later["category"] == "New"


async def test_renamed_category_shows_everywhere(client: httpx.AsyncClient) -> None:
    campaign = await _campaign(client, category="Before")
    voucher = await _first_code(client, campaign["id"])
    category_id = campaign["category_id"]
    ok(await client.put(f"/v1/categories/{category_id}", json={"name": "After", "hierarchy": 7}))
    got = ok(await client.get(f"/v1/vouchers/{voucher['code']}"))
    assert got["category"] == "After"
    assert got["categories"][0]["hierarchy"] == 7
    assert ok(await client.get(f"/v1/campaigns/{campaign['id']}"))["category"] == "After"


async def test_deleting_a_category_in_use_unlinks_it(client: httpx.AsyncClient) -> None:
    campaign = await _campaign(client, category="Doomed")
    voucher = await _first_code(client, campaign["id"])
    deleted = await client.delete(f"/v1/categories/{campaign['category_id']}")
    assert deleted.status_code == 204
    got = ok(await client.get(f"/v1/vouchers/{voucher['code']}"))
    assert (got["category_id"], got["category"], got["categories"]) == (None, None, [])
    camp = ok(await client.get(f"/v1/campaigns/{campaign['id']}"))
    assert (camp["category_id"], camp["category"], camp["categories"]) == (None, None, [])
    # The same name may be used again: a new category, not the deleted one.
    again = await _category(client, "Doomed")
    assert again["id"] != campaign["category_id"]


async def test_campaign_list_shows_categories_only_when_expanded(
    client: httpx.AsyncClient,
) -> None:
    campaign = await _campaign(client, category="Listed")
    [plain] = ok(await client.get("/v1/campaigns"))["campaigns"]
    assert plain["category_id"] == campaign["category_id"] and plain["categories"] == []
    [expanded] = ok(await client.get("/v1/campaigns?expand=category"))["campaigns"]
    assert expanded["categories"] == campaign["categories"]
    summary = ok(await client.get(f"/v1/campaigns/{campaign['id']}/summary"))
    assert summary["campaign"]["categories"] == []
    bad = await client.get("/v1/campaigns?expand=everything")
    assert bad.status_code == 400, bad.text


async def test_published_code_carries_its_campaign_category(client: httpx.AsyncClient) -> None:
    campaign = await _campaign(client, category="Published")
    resp = ok(
        await client.post(
            "/v1/publications",
            json={"campaign": {"name": campaign["name"]}, "customer": {"source_id": "ann"}},
        )
    )
    voucher = resp["voucher"]
    assert voucher["category_id"] == campaign["category_id"]
    assert voucher["categories"] == campaign["categories"]


async def test_redemption_shows_the_category_of_the_code(client: httpx.AsyncClient) -> None:
    campaign = await _campaign(client, category="Redeemed")
    code = (await _first_code(client, campaign["id"]))["code"]
    resp = ok(
        await client.post(
            "/v1/redemptions",
            json={
                "redeemables": [{"object": "voucher", "id": code}],
                "order": {"items": SEED_ORDER_ITEMS},
            },
        )
    )
    [redemption] = resp["redemptions"]
    assert redemption["voucher"]["categories"] == campaign["categories"]
    assert redemption["voucher"]["category"] == "Redeemed"


async def test_loyalty_card_inherits_its_program_category(client: httpx.AsyncClient) -> None:
    program = ok(
        await client.post(
            "/v1/loyalties",
            json={
                "name": "Stars",
                "category": "Star Platinum",
                "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
            },
        )
    )
    card = ok(
        await client.post(
            f"/v1/loyalties/{program['id']}/members", json={"customer": {"source_id": "jack"}}
        )
    )
    assert card["category"] == "Star Platinum"
    assert card["categories"] == program["categories"] != []

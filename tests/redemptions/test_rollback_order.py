"""What a rollback leaves of the order (Voucherify's rollback examples), the rollback order
mode, and `/rollbacks` on a single redemption."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import SEED_ORDER_ITEMS, ProjectKeys, recorded_events
from voucherd.kit.db import Database

ORDER_AMOUNT = 3500 + 7999


async def _code(client: httpx.AsyncClient, amount_off: int = 1000) -> str:
    body = {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": amount_off}}
    resp = await client.post("/v1/vouchers", json=body)
    assert resp.status_code == 200, resp.text
    return str(resp.json()["code"])


async def _redeem(client: httpx.AsyncClient, *codes: str) -> dict[str, Any]:
    resp = await client.post(
        "/v1/redemptions",
        json={
            "redeemables": [{"object": "voucher", "id": c} for c in codes],
            "order": {"items": SEED_ORDER_ITEMS},
            "customer": {"source_id": "returner"},
        },
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def _assert_rolled_back_order(order: dict[str, Any], undone: dict[str, str]) -> None:
    """Voucherify's examples: CANCELED, no discount left, each entry naming its rollback."""
    assert order["status"] == "CANCELED"
    assert order["amount"] == ORDER_AMOUNT
    assert order["total_amount"] == ORDER_AMOUNT
    assert order["discount_amount"] == 0
    assert order["total_discount_amount"] == 0
    assert all(not item.get("discount_amount") for item in order["items"])
    assert {k: v["rollback_id"] for k, v in order["redemptions"].items()} == undone
    assert all(v["rollback_date"] for v in order["redemptions"].values())


async def test_rollback_cancels_the_order_and_removes_its_discounts(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    code = await _code(client)
    redeemed = await _redeem(client, code)
    [redemption] = redeemed["redemptions"]
    assert redeemed["order"]["status"] == "PAID"
    assert redeemed["order"]["total_amount"] == ORDER_AMOUNT - 1000

    resp = await client.post(f"/v1/redemptions/{redemption['id']}/rollback")
    assert resp.status_code == 200, resp.text
    rollback = resp.json()
    _assert_rolled_back_order(rollback["order"], {redemption["id"]: rollback["id"]})
    stored = (await client.get(f"/v1/orders/{redeemed['order']['id']}")).json()
    _assert_rolled_back_order(stored, {redemption["id"]: rollback["id"]})
    assert stored["redemptions"][redemption["id"]]["related_object_type"] == "voucher"
    # The status change is recorded like any other: one `customer.order.canceled`.
    canceled = await recorded_events(db, project, "customer.order.canceled")
    assert [e.entity_id for e in canceled] == [stored["id"]]


async def test_rollbacks_endpoint_rolls_back_a_single_redemption_like_rollback(
    client: httpx.AsyncClient,
) -> None:
    code = await _code(client)
    redemption = (await _redeem(client, code))["redemptions"][0]

    resp = await client.post(
        f"/v1/redemptions/{redemption['id']}/rollbacks", params={"reason": "returned"}
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    [rollback] = body["rollbacks"]
    assert rollback["object"] == "redemption_rollback"
    assert rollback["redemption"] == redemption["id"]
    assert rollback["reason"] == "returned"
    assert rollback["amount"] == -1000
    assert body["parent_rollback"]["id"] == rollback["id"]
    _assert_rolled_back_order(body["order"], {redemption["id"]: rollback["id"]})
    voucher = (await client.get(f"/v1/vouchers/{code}")).json()
    assert voucher["redemption"]["redeemed_quantity"] == 0
    fetched = (await client.get(f"/v1/redemptions/{redemption['id']}")).json()
    assert fetched["status"] == "ROLLED_BACK"

    again = await client.post(f"/v1/redemptions/{redemption['id']}/rollbacks")
    assert again.status_code == 400
    assert again.json()["key"] == "already_rolled_back"


async def test_rollbacks_endpoint_refuses_one_child_of_a_stacked_redemption(
    client: httpx.AsyncClient,
) -> None:
    redeemed = await _redeem(client, await _code(client), await _code(client, 500))
    child = redeemed["redemptions"][0]
    resp = await client.post(f"/v1/redemptions/{child['id']}/rollbacks")
    assert resp.status_code == 400
    assert resp.json()["key"] == "invalid_redemption"
    assert redeemed["parent_redemption"]["id"] in resp.json()["details"]
    fetched = (await client.get(f"/v1/redemptions/{child['id']}")).json()
    assert fetched["status"] == "SUCCEEDED"


async def test_order_is_canceled_when_its_last_redemption_is_rolled_back(
    client: httpx.AsyncClient,
) -> None:
    redeemed = await _redeem(client, await _code(client), await _code(client, 500))
    first, second = redeemed["redemptions"]
    order_id = redeemed["order"]["id"]

    one = (await client.post(f"/v1/redemptions/{first['id']}/rollback")).json()
    order = (await client.get(f"/v1/orders/{order_id}")).json()
    # The other redemption still applies: the order keeps its status and that discount.
    assert order["status"] == "PAID"
    assert order["total_discount_amount"] == 500
    assert order["total_amount"] == ORDER_AMOUNT - 500
    assert order["redemptions"][first["id"]]["rollback_id"] == one["id"]
    assert "rollback_id" not in order["redemptions"][second["id"]]

    two = (await client.post(f"/v1/redemptions/{second['id']}/rollback")).json()
    _assert_rolled_back_order(two["order"], {first["id"]: one["id"], second["id"]: two["id"]})


async def test_stacked_rollback_cancels_the_order(client: httpx.AsyncClient) -> None:
    redeemed = await _redeem(client, await _code(client), await _code(client, 500))
    parent_id = redeemed["parent_redemption"]["id"]
    body = (await client.post(f"/v1/redemptions/{parent_id}/rollbacks")).json()
    undone = {r["redemption"]: r["id"] for r in body["rollbacks"]}
    assert set(undone) == {r["id"] for r in redeemed["redemptions"]}
    _assert_rolled_back_order(body["order"], undone)
    stored = (await client.get(f"/v1/orders/{redeemed['order']['id']}")).json()
    _assert_rolled_back_order(stored, undone)


@pytest.mark.parametrize("stacked", [False, True])
async def test_without_order_mode_leaves_the_order_as_it_was(
    client: httpx.AsyncClient, stacked: bool
) -> None:
    codes = [await _code(client)] + ([await _code(client, 500)] if stacked else [])
    redeemed = await _redeem(client, *codes)
    target = redeemed["parent_redemption"] if stacked else redeemed["redemptions"][0]
    resp = await client.post(
        f"/v1/redemptions/{target['id']}/rollbacks",
        json={"options": {"redeemables_rollback_order_mode": "WITHOUT_ORDER"}},
    )
    assert resp.status_code == 200, resp.text
    before = redeemed["order"]
    after = (await client.get(f"/v1/orders/{before['id']}")).json()
    assert resp.json()["order"] == after
    for key in ("status", "amount", "discount_amount", "total_amount", "redemptions", "items"):
        assert after[key] == before[key], key
    # The uses came back all the same.
    for code in codes:
        voucher = (await client.get(f"/v1/vouchers/{code}")).json()
        assert voucher["redemption"]["redeemed_quantity"] == 0


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"redeemables_rollback_order_mode": "WITH_ORDERS"}, "redeemables_rollback_order_mode"),
        ({"rollback_mode": "WITH_ORDER"}, "rollback_mode"),
    ],
)
async def test_unknown_rollback_options_are_refused_and_change_nothing(
    client: httpx.AsyncClient, options: dict[str, Any], named: str
) -> None:
    code = await _code(client)
    redemption = (await _redeem(client, code))["redemptions"][0]
    for path in ("rollback", "rollbacks"):
        resp = await client.post(
            f"/v1/redemptions/{redemption['id']}/{path}", json={"options": options}
        )
        assert resp.status_code == 400, resp.text
        assert resp.json()["key"] == "invalid_payload"
        assert named in resp.json()["details"]
    assert (await client.get(f"/v1/redemptions/{redemption['id']}")).json()["status"] == (
        "SUCCEEDED"
    )
    voucher = (await client.get(f"/v1/vouchers/{code}")).json()
    assert voucher["redemption"]["redeemed_quantity"] == 1


async def test_rollback_refuses_an_order_change_it_would_drop(client: httpx.AsyncClient) -> None:
    [redemption] = (await _redeem(client, await _code(client)))["redemptions"]
    url = f"/v1/redemptions/{redemption['id']}/rollback"
    refused = await client.post(url, json={"order": {"metadata": {"returned": True}}})
    assert refused.status_code == 400 and refused.json()["details"] == "order is not supported yet"
    assert (await client.get(f"/v1/redemptions/{redemption['id']}")).json()["status"] == "SUCCEEDED"
    done = await client.post(url, json={"order": None, "reason": "returned"})
    assert done.status_code == 200, done.text
    assert (await client.get(f"/v1/redemptions/{redemption['id']}")).json()["status"] != "SUCCEEDED"

"""Gift credits: a refusal names its real cause (0 credits asked vs. an empty card)."""

from __future__ import annotations

import httpx
import pytest


async def _gift(client: httpx.AsyncClient, amount: int) -> str:
    resp = await client.post(
        "/v1/vouchers", json={"type": "GIFT_VOUCHER", "gift": {"amount": amount}}
    )
    assert resp.status_code == 200, resp.text
    code: str = resp.json()["code"]
    return code


def _body(code: str, gift: dict[str, int] | None) -> dict[str, object]:
    redeemable: dict[str, object] = {"object": "voucher", "id": code}
    if gift is not None:
        redeemable["gift"] = gift
    return {"redeemables": [redeemable], "order": {"amount": 5000}}


@pytest.mark.parametrize("path", ["/v1/redemptions", "/v1/validations"])
async def test_zero_gift_credits_is_refused_as_zero_credits_not_as_an_empty_card(
    client: httpx.AsyncClient, path: str
) -> None:
    code = await _gift(client, 1000)

    resp = await client.post(path, json=_body(code, {"credits": 0}))

    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["key"] == "invalid_payload"
    assert "gift.credits" in body["details"] and "no balance" not in body["details"]
    card = (await client.get(f"/v1/vouchers/{code}")).json()
    assert card["gift"]["balance"] == 1000
    assert (await client.get("/v1/redemptions")).json()["total"] == 0


async def test_an_empty_gift_card_is_refused_as_having_no_balance_left(
    client: httpx.AsyncClient,
) -> None:
    code = await _gift(client, 0)

    resp = await client.post("/v1/redemptions", json=_body(code, None))

    assert resp.status_code == 400, resp.text
    assert resp.json()["key"] == "gift_amount_exceeded"
    assert "no balance left" in resp.json()["message"]

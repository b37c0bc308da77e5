"""Code time windows (issue 13): `validity_timeframe`, `validity_day_of_week` and
`validity_hours` on vouchers and campaigns are stored, returned, and a code outside them is
inapplicable (`voucher_not_active`) in validation and redemption. Both engines."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from voucherd.kit.clock import clock

DISCOUNT = {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 100}}
# A Monday, 12:00 UTC; Voucherify numbers days 0 = Sunday, so Monday is 1.
MONDAY_NOON = datetime(2025, 1, 27, 12, 0, tzinfo=UTC)
WINDOWS = {
    "validity_timeframe": {"duration": "PT1H", "interval": "P1D"},
    "validity_day_of_week": [1, 2],
    "validity_hours": {
        "daily": [{"start_time": "10:00", "expiration_time": "14:00", "days_of_week": [1, 2]}]
    },
}


def ok(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def outcome(client: httpx.AsyncClient, code: str) -> str | None:
    """The error key of a validation of `code` (None: applicable); a redemption agrees."""
    body = {"redeemables": [{"object": "voucher", "id": code}], "order": {"amount": 1000}}
    validated = ok(await client.post("/v1/validations", json=body))
    key = None
    if not validated["valid"]:
        (bad,) = validated["inapplicable_redeemables"]
        key = bad["result"]["error"]["key"]
    redeemed = await client.post("/v1/redemptions", json=body)
    assert (redeemed.status_code == 200) == (key is None), redeemed.text
    if key is not None:
        assert redeemed.json()["key"] == key
    return key


async def test_voucher_windows_are_stored_returned_and_enforced(client: httpx.AsyncClient) -> None:
    clock.freeze(MONDAY_NOON.replace(hour=9, minute=30))
    # The timeframe counts from start_date: open 10:00-11:00 every day.
    created = ok(
        await client.post(
            "/v1/vouchers/WIN",
            json={**DISCOUNT, **WINDOWS, "start_date": "2025-01-01T10:00:00Z"},
        )
    )
    for name, value in WINDOWS.items():
        assert created[name] == value
    assert {k: ok(await client.get("/v1/vouchers/WIN"))[k] for k in WINDOWS} == WINDOWS
    assert await outcome(client, "WIN") == "voucher_not_active"  # 09:30: before the hours
    clock.freeze(MONDAY_NOON.replace(hour=10, minute=30))
    assert await outcome(client, "WIN") is None  # inside all three
    clock.freeze(MONDAY_NOON.replace(hour=11, minute=30))
    assert await outcome(client, "WIN") == "voucher_not_active"  # past the 1 h timeframe
    clock.freeze(MONDAY_NOON.replace(day=29, hour=10, minute=30))  # Wednesday
    assert await outcome(client, "WIN") == "voucher_not_active"

    cleared = ok(
        await client.put(
            "/v1/vouchers/WIN",
            json={"validity_timeframe": None, "validity_day_of_week": None, "validity_hours": None},
        )
    )
    assert [cleared[k] for k in WINDOWS] == [None, None, None]
    assert await outcome(client, "WIN") is None


async def test_campaign_windows_cover_its_codes(client: httpx.AsyncClient) -> None:
    clock.freeze(MONDAY_NOON)
    body = {
        "name": "Weekdays",
        "campaign_type": "DISCOUNT_COUPONS",
        "voucher": DISCOUNT,
        "validity_day_of_week": [2, 3],
    }
    campaign = ok(await client.post("/v1/campaigns", json=body))
    assert campaign["validity_day_of_week"] == [2, 3] and "validity_hours" not in campaign
    code = ok(await client.post(f"/v1/campaigns/{campaign['id']}/vouchers/WEEK-1"))["code"]
    assert await outcome(client, code) == "voucher_not_active"  # Monday
    updated = ok(
        await client.put(f"/v1/campaigns/{campaign['id']}", json={"validity_day_of_week": [1]})
    )
    assert updated["validity_day_of_week"] == [1]
    assert await outcome(client, code) is None


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"validity_timeframe": {"duration": "PT1H"}}, "needs both duration and interval"),
        ({"validity_timeframe": {"duration": "1 hour", "interval": "P1D"}}, "ISO 8601"),
        ({"validity_timeframe": {"duration": "PT0H", "interval": "P1D"}}, "longer than zero"),
        (
            {"validity_hours": {"daily": [{"start_time": "14:00", "expiration_time": "10:00"}]}},
            "expiration_time must be after start_time",
        ),
        ({"validity_hours": {"daily": [{"start_time": "25:00", "expiration_time": "26:00"}]}}, ""),
        ({"validity_day_of_week": [7]}, ""),
    ],
)
async def test_undecidable_windows_are_refused(
    client: httpx.AsyncClient, fields: dict[str, Any], expected: str
) -> None:
    resp = await client.post("/v1/vouchers/BAD", json={**DISCOUNT, **fields})
    assert resp.status_code == 400, resp.text
    assert expected in resp.json()["details"]
    assert (await client.get("/v1/vouchers/BAD")).status_code == 404
    resp = await client.post(
        "/v1/campaigns",
        json={"name": "Bad", "campaign_type": "DISCOUNT_COUPONS", "voucher": DISCOUNT, **fields},
    )
    assert resp.status_code == 400
    assert ok(await client.get("/v1/campaigns"))["total"] == 0


async def test_loyalty_programs_refuse_windows(client: httpx.AsyncClient) -> None:
    card = {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}
    resp = await client.post(
        "/v1/loyalties", json={"name": "P", "voucher": card, "validity_day_of_week": [1]}
    )
    assert resp.status_code == 400 and "validity_day_of_week" in resp.json()["details"]

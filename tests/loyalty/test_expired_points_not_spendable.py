"""Points past their last valid day are never spent and never reported, whether or not the
expiry job has reached the card yet; the job afterwards expires nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.loyalty.test_expiry_job import END_OF_MONTH_RULES, assert_consistent, expirations
from tests.rewards import helpers as h
from tests.tiers.helpers import add_member, create_program, get_card, move_points
from voucherd.kit.clock import clock
from voucherd.kit.db import Database
from voucherd.worker import run_once


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


async def _card_with_expired_points(client: httpx.AsyncClient) -> tuple[dict[str, Any], str]:
    """100 points valid through 2025-02-28 and 30 that never expire; the clock then moves
    to 2025-03-01, and the job does not run."""
    clock.freeze(at(2025, 1, 27, 9))
    program = await create_program(client, expiration_rules=END_OF_MONTH_RULES)
    card = await add_member(client, program["id"], "jack")
    await move_points(client, card["code"], 100)
    await move_points(client, card["code"], 30, expiration_type="NON_EXPIRING")
    assert (await get_card(client, card["code"]))["loyalty_card"]["next_expiration_date"] == (
        "2025-02-28"
    )
    clock.freeze(at(2025, 3, 1, 0, 0, 1))
    return program, card["code"]


async def test_expired_points_are_neither_reported_nor_spent_before_the_job_runs(
    client: httpx.AsyncClient, db: Database
) -> None:
    program, code = await _card_with_expired_points(client)

    # Reads already agree with what can be spent: 30, not 130.
    loyalty = (await get_card(client, code))["loyalty_card"]
    assert (loyalty["balance"], loyalty["expired_points"]) == (30, 100)
    assert loyalty["next_expiration_date"] is None
    listed = (await client.get(f"/v1/loyalties/{program['id']}/members")).json()["vouchers"]
    assert [c["loyalty_card"]["balance"] for c in listed] == [30]
    # ... and so do the plain voucher endpoints (one card, and the list of the program's).
    voucher = (await client.get(f"/v1/vouchers/{code}")).json()
    assert voucher["loyalty_card"]["balance"] == 30
    vouchers = (await client.get("/v1/vouchers", params={"campaign_id": program["id"]})).json()
    assert [v["loyalty_card"]["balance"] for v in vouchers["vouchers"]] == [30]

    # Removing more than the unexpired points is refused, and says how many there are.
    refused = await client.post(f"/v1/loyalties/members/{code}/balance", json={"points": -31})
    assert refused.status_code == 400, refused.text
    assert refused.json()["key"] == "loyalty_card_points_exceeded"
    assert "has 30 points" in refused.json()["details"]
    assert await expirations(client, code) == []  # a refusal changes nothing
    await assert_consistent(db, {"id": (await get_card(client, code))["id"]}, 130)

    # A spend the unexpired points cover expires the rest first, in the ledger.
    taken = await client.post(f"/v1/loyalties/members/{code}/balance", json={"points": -20})
    assert taken.status_code == 200, taken.text
    assert taken.json()["balance"] == 10
    loyalty = (await get_card(client, code))["loyalty_card"]
    assert (loyalty["balance"], loyalty["expired_points"]) == (10, 100)
    [expired] = await expirations(client, code)
    assert expired["details"]["balance"]["points"] == -100
    assert expired["details"]["balance"]["balance"] == 30  # expired before the spend
    card_id = (await get_card(client, code))["id"]
    await assert_consistent(db, {"id": card_id}, 10)

    # The job finds nothing left to expire: nothing expires twice.
    await run_once(db)
    assert len(await expirations(client, code)) == 1
    loyalty = (await get_card(client, code))["loyalty_card"]
    assert (loyalty["balance"], loyalty["expired_points"]) == (10, 100)
    await assert_consistent(db, {"id": card_id}, 10)


async def test_a_reward_cannot_be_paid_with_expired_points(
    client: httpx.AsyncClient, db: Database
) -> None:
    program, code = await _card_with_expired_points(client)
    bottle = await h.product(client)
    reward = await h.material_reward(client, bottle["id"])
    await h.assign(client, reward["id"], program["id"], 50)

    affordable = await client.get(
        f"/v1/loyalties/members/{code}/rewards", params={"affordable_only": "true"}
    )
    assert affordable.status_code == 200, affordable.text
    assert affordable.json()["data"] == []

    refused = await h.redeem(client, code, reward["id"])
    assert refused.status_code == 400, refused.text
    assert refused.json()["key"] == "loyalty_card_points_exceeded"
    card = await get_card(client, code)
    assert card["loyalty_card"]["balance"] == 30
    assert card["redemption"]["redeemed_quantity"] == 0
    await assert_consistent(db, card, 130)  # the refusal rolled back the on-the-spot expiry

    clock.advance(timedelta(days=1))
    await run_once(db)
    await assert_consistent(db, card, 30)
    assert len(await expirations(client, code)) == 1

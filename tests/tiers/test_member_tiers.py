"""A member's tier follows their points, with `customer.loyalty.tier.*` events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support import ProjectKeys, recorded_events
from tests.tiers.helpers import add_member, create_program, create_tiers, move_points
from voucherd.kit.clock import clock
from voucherd.kit.db import Database
from voucherd.tiers.jobs import recalculate_card, recalculate_tiers

TIERS: list[dict[str, Any]] = [
    {"name": "Bronze", "points": {"from": 100, "to": 499}},
    {"name": "Silver", "points": {"from": 500, "to": 999}},
    {"name": "Gold", "points": {"from": 1000}},
]
TIER_EVENTS = ("joined", "upgraded", "downgraded", "left")
# Required keys of Voucherify's EventCustomerLoyaltyTier*Data schemas.
TIER_KEYS = {"customer", "campaign", "loyalty_tier", "created_at"}
MOVE_KEYS = {"customer", "campaign", "loyalty_tier_from", "loyalty_tier_to", "created_at"}


async def _member_tier(client: httpx.AsyncClient, code: str) -> str | None:
    body = (await client.get(f"/v1/loyalties/members/{code}/tiers")).json()
    assert body["object"] == "list" and body["data_ref"] == "data"
    assert body["total"] == len(body["data"]) <= 1
    return body["data"][0]["name"] if body["data"] else None


async def _tier_events(db: Database, project: ProjectKeys) -> list[tuple[str, dict[str, Any]]]:
    events = [
        (e.id, kind, e.data)
        for kind in TIER_EVENTS
        for e in await recorded_events(db, project, f"customer.loyalty.tier.{kind}")
    ]
    # Ids are time-ordered to the millisecond; `created_at` in the data breaks no ties either,
    # so each step below is checked right after it happens.
    return [(kind, data) for _, kind, data in sorted(events)]


async def test_member_joins_upgrades_downgrades_and_leaves_as_the_balance_moves(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    program = await create_program(client)
    bronze, silver, gold = await create_tiers(client, program["id"], TIERS)
    card = await add_member(client, program["id"], "tia")
    code = card["code"]
    assert await _member_tier(client, code) is None

    # (points moved, balance after, tier after, event recorded)
    steps: list[tuple[int, int, str | None, str | None]] = [
        (150, 150, "Bronze", "joined"),
        (50, 200, "Bronze", None),  # same tier: no event
        (400, 600, "Silver", "upgraded"),
        (600, 1200, "Gold", "upgraded"),
        (-700, 500, "Silver", "downgraded"),
        (-450, 50, None, "left"),
        (1000, 1050, "Gold", "joined"),  # a member who left joins again
    ]
    seen = 0
    for points, balance, tier, event in steps:
        assert (await move_points(client, code, points))["balance"] == balance
        assert await _member_tier(client, code) == tier, (points, tier)
        events = await _tier_events(db, project)
        if event is None:
            assert len(events) == seen
            continue
        assert len(events) == seen + 1, (points, events)
        kind, data = events[-1]
        assert kind == event
        seen += 1
        assert data["customer"]["source_id"] == "tia"
        assert data["campaign"]["id"] == program["id"]
        assert data["created_at"].endswith("Z")
        if kind in ("joined", "left"):
            assert set(data) == TIER_KEYS
        else:
            assert set(data) == MOVE_KEYS

    events = await _tier_events(db, project)
    assert events[0][1]["loyalty_tier"] == bronze
    assert (events[1][1]["loyalty_tier_from"], events[1][1]["loyalty_tier_to"]) == (bronze, silver)
    assert (events[3][1]["loyalty_tier_from"], events[3][1]["loyalty_tier_to"]) == (gold, silver)
    assert events[4][1]["loyalty_tier"] == silver  # left from Silver


async def test_member_tier_body_carries_its_expiration(client: httpx.AsyncClient) -> None:
    program = await create_program(client)
    gold = (await create_tiers(client, program["id"], [TIERS[2]]))[0]
    card = await add_member(client, program["id"], "gil")
    await move_points(client, card["code"], 1000)

    body = (await client.get(f"/v1/loyalties/members/{card['code']}/tiers")).json()
    tier = body["data"][0]
    assert {k: v for k, v in tier.items() if k != "expiration"} == gold
    assert tier["expiration"]["customer_id"] == card["holder_id"]
    assert tier["expiration"]["tier_id"] == gold["id"]
    assert tier["expiration"]["campaign_id"] == program["id"]
    assert tier["expiration"]["expiration_date"] is None  # BALANCE tiers do not lapse
    unknown = await client.get("/v1/loyalties/members/NOPE/tiers")
    assert unknown.status_code == 404


async def test_a_new_member_with_initial_points_starts_in_their_tier(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    program = await create_program(client, initial_points=600)
    await create_tiers(client, program["id"], TIERS)
    card = await add_member(client, program["id"], "ivy")
    assert await _member_tier(client, card["code"]) == "Silver"
    [(kind, data)] = await _tier_events(db, project)
    assert kind == "joined" and data["loyalty_tier"]["name"] == "Silver"
    assert data["customer"]["source_id"] == "ivy"


async def test_tiers_on_points_in_period_ignore_spending_and_restart_each_period(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    clock.freeze(datetime(2025, 3, 10, 12, tzinfo=UTC))
    program = await create_program(
        client,
        tiers_expiration={
            "qualification_type": "POINTS_IN_PERIOD",
            "qualification_period": "MONTH",
            "start_date": {"type": "IMMEDIATE"},
            "expiration_date": {"type": "END_OF_PERIOD"},
        },
    )
    await create_tiers(client, program["id"], TIERS)
    card = await add_member(client, program["id"], "pip")
    await move_points(client, card["code"], 600)
    assert await _member_tier(client, card["code"]) == "Silver"
    await move_points(client, card["code"], -550)  # spending does not undo what was earned
    assert await _member_tier(client, card["code"]) == "Silver"
    body = (await client.get(f"/v1/loyalties/members/{card['code']}/tiers")).json()
    assert body["data"][0]["expiration"]["expiration_date"] == "2025-03-31"

    clock.advance(timedelta(days=30))  # April: March's points no longer count
    await move_points(client, card["code"], 120)
    assert await _member_tier(client, card["code"]) == "Bronze"
    kinds = [kind for kind, _ in await _tier_events(db, project)]
    assert kinds == ["joined", "downgraded"]


async def test_tiers_added_later_reach_members_whose_points_did_not_move(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    program = await create_program(client)
    in_period = await create_program(
        client,
        name="Monthly programme",
        tiers_expiration={"qualification_type": "POINTS_IN_PERIOD", "qualification_period": "YEAR"},
    )
    rich = await add_member(client, program["id"], "rex")
    poor = await add_member(client, program["id"], "pat")
    monthly = await add_member(client, in_period["id"], "max")
    await move_points(client, rich["code"], 700)
    await move_points(client, poor["code"], 20)
    await move_points(client, monthly["code"], 700)
    await create_tiers(client, program["id"], TIERS)
    await create_tiers(client, in_period["id"], TIERS)
    assert await _member_tier(client, rich["code"]) is None

    for _ in range(100):  # other tests' members may be due too; run until idle
        if await recalculate_tiers(db) == 0:
            break
    assert await _member_tier(client, rich["code"]) == "Silver"
    assert await _member_tier(client, poor["code"]) is None  # below every tier
    assert await _member_tier(client, monthly["code"]) is None  # moves with its points only
    [(kind, data)] = await _tier_events(db, project)
    assert kind == "joined" and data["customer"]["source_id"] == "rex"
    assert data["loyalty_tier"]["name"] == "Silver"
    assert await recalculate_card(db, rich["id"]) is False

"""The points expiry job: due points expire the day after their last valid day, not before,
soonest-expiring points are spent first, and two workers never expire the same points twice."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.support import ProjectKeys, recorded_events
from tests.tiers.helpers import add_member, create_program, create_tiers, get_card, move_points
from voucherd.kit.clock import clock
from voucherd.kit.db import Database
from voucherd.loyalty import repository
from voucherd.loyalty.jobs import expire_points
from voucherd.worker import run_once

SEED_RULES = {
    "period_type": "MONTH",
    "period_value": 2,
    "rounding_type": "PARTICULAR_MONTH",
    "rounding_value": 1,
}
END_OF_MONTH_RULES = {
    "period_type": "MONTH",
    "period_value": 1,
    "rounding_type": "END_OF_MONTH",
    "rounding_value": 0,
}


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


async def assert_consistent(db: Database, card: dict[str, Any], balance: int) -> None:
    """Cached balance == ledger sum == points left in buckets."""
    async with db.transaction(write=False) as session:
        assert await repository.ledger_sum(session, card["id"]) == balance
        assert await repository.buckets_sum(session, card["id"]) == balance


async def expirations(client: httpx.AsyncClient, code: str) -> list[dict[str, Any]]:
    body = (await client.get(f"/v1/loyalties/members/{code}/transactions?limit=100")).json()
    return [t for t in body["data"] if t["type"] == "POINTS_EXPIRATION"]


async def expiring(client: httpx.AsyncClient, program_id: str, code: str) -> list[tuple[str, int]]:
    body = (await client.get(f"/v1/loyalties/{program_id}/members/{code}/points-expiration")).json()
    return [(b["expires_at"], b["bucket"]["total_points"]) for b in body["data"]]


async def test_seed_rules_expire_points_the_day_after_their_last_valid_day(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    clock.freeze(at(2025, 1, 27, 9))
    program = await create_program(client, expiration_rules=SEED_RULES)
    card = await add_member(client, program["id"], "jack")
    code = card["code"]
    await move_points(client, code, 100)
    await move_points(client, code, 30, expiration_type="NON_EXPIRING")
    loyalty = (await get_card(client, code))["loyalty_card"]
    # Seed 003: earned 2025-01-27, MONTH/2/PARTICULAR_MONTH/1 -> valid through 2026-01-31.
    assert loyalty["next_expiration_date"] == "2026-01-31"
    assert loyalty["next_expiration_points"] == 100

    clock.freeze(at(2026, 1, 31, 23, 59, 59))  # the last valid moment
    await run_once(db)
    loyalty = (await get_card(client, code))["loyalty_card"]
    assert (loyalty["balance"], loyalty["expired_points"]) == (130, 0)
    assert await expirations(client, code) == []

    clock.advance(timedelta(seconds=1))  # 2026-02-01T00:00:00Z
    await run_once(db)
    loyalty = (await get_card(client, code))["loyalty_card"]
    assert (loyalty["balance"], loyalty["expired_points"], loyalty["points"]) == (30, 100, 130)
    assert loyalty["next_expiration_date"] is None
    assert loyalty["next_expiration_points"] is None
    [tx] = await expirations(client, code)
    assert tx["details"]["balance"]["points"] == -100
    assert tx["details"]["balance"]["balance"] == 30
    assert tx["source"] == "Automation"  # the worker made it, in the listing too
    assert "_source" not in tx["details"]
    await assert_consistent(db, card, 30)

    [event] = await recorded_events(db, project, "voucher.loyalty_card.points_expired")
    [twin] = await recorded_events(db, project, "customer.voucher.loyalty_card.points_expired")
    assert event.entity_id == card["id"] and twin.entity_id == card["holder_id"]
    assert twin.data == event.data
    data = event.data
    assert set(data) == {"voucher", "points", "campaign", "customer", "buckets", "transaction"}
    assert data["points"] == 100
    assert data["voucher"]["loyalty_card"]["balance"] == 30
    assert data["voucher"]["loyalty_card"]["expired_points"] == 100
    assert data["campaign"]["id"] == program["id"]
    assert data["customer"]["source_id"] == "jack"
    [bucket] = data["buckets"]
    assert bucket["bucket"] == {"total_points": 100}
    assert bucket["expires_at"] == "2026-01-31"
    assert bucket["id"].startswith("lopb_") and bucket["object"] == "loyalty_points_bucket"
    assert bucket["voucher_id"] == card["id"] and bucket["campaign_id"] == program["id"]
    assert data["transaction"]["type"] == "POINTS_EXPIRATION"
    assert data["transaction"]["id"] == tx["id"]
    assert data["transaction"]["source"] == "Automation"
    assert event.event_source == {"channel": "INTERNAL"}

    await run_once(db)  # nothing is due twice
    assert (await get_card(client, code))["loyalty_card"]["expired_points"] == 100
    assert len(await recorded_events(db, project, "voucher.loyalty_card.points_expired")) == 1


async def test_end_of_month_rounding_expires_each_months_points_in_turn(
    client: httpx.AsyncClient, db: Database
) -> None:
    clock.freeze(at(2025, 3, 10, 12))
    program = await create_program(client, expiration_rules=END_OF_MONTH_RULES)
    card = await add_member(client, program["id"], "mia")
    code = card["code"]
    await move_points(client, code, 40)  # valid through 2025-04-30
    clock.freeze(at(2025, 4, 5, 12))
    await move_points(client, code, 60)  # valid through 2025-05-31
    loyalty = (await get_card(client, code))["loyalty_card"]
    assert (loyalty["next_expiration_date"], loyalty["next_expiration_points"]) == (
        "2025-04-30",
        40,
    )

    clock.freeze(at(2025, 4, 30, 23))
    await run_once(db)
    assert (await get_card(client, code))["loyalty_card"]["balance"] == 100

    clock.freeze(at(2025, 5, 1))
    await run_once(db)
    loyalty = (await get_card(client, code))["loyalty_card"]
    assert (loyalty["balance"], loyalty["expired_points"]) == (60, 40)
    assert (loyalty["next_expiration_date"], loyalty["next_expiration_points"]) == (
        "2025-05-31",
        60,
    )
    await assert_consistent(db, card, 60)

    clock.freeze(at(2025, 6, 1))
    await run_once(db)
    loyalty = (await get_card(client, code))["loyalty_card"]
    assert (loyalty["balance"], loyalty["expired_points"]) == (0, 100)
    assert len(await expirations(client, code)) == 2
    await assert_consistent(db, card, 0)


async def test_soonest_expiring_points_are_spent_first(
    client: httpx.AsyncClient, db: Database
) -> None:
    clock.freeze(at(2025, 1, 10, 8))
    program = await create_program(
        client, expiration_rules={"period_type": "MONTH", "period_value": 6}
    )
    card = await add_member(client, program["id"], "sol")
    code = card["code"]
    await move_points(client, code, 100)  # valid through 2025-07-10
    await move_points(
        client, code, 50, expiration_type="CUSTOM_DATE", expiration_date="2025-02-15T00:00:00Z"
    )
    await move_points(client, code, 20, expiration_type="NON_EXPIRING")
    assert await expiring(client, program["id"], code) == [("2025-02-15", 50), ("2025-07-10", 100)]

    await move_points(client, code, -60)  # all 50 expiring in February, then 10 of July's
    assert await expiring(client, program["id"], code) == [("2025-07-10", 90)]
    loyalty = (await get_card(client, code))["loyalty_card"]
    assert (loyalty["next_expiration_date"], loyalty["next_expiration_points"]) == (
        "2025-07-10",
        90,
    )

    clock.freeze(at(2025, 2, 16))  # February's bucket is due, but empty
    await run_once(db)
    loyalty = (await get_card(client, code))["loyalty_card"]
    assert (loyalty["balance"], loyalty["expired_points"]) == (110, 0)

    clock.freeze(at(2025, 7, 11))
    await run_once(db)
    loyalty = (await get_card(client, code))["loyalty_card"]
    assert (loyalty["balance"], loyalty["expired_points"]) == (20, 90)
    await assert_consistent(db, card, 20)


async def test_two_workers_expire_each_card_once(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Years before anything other tests leave behind, so only these cards are due.
    clock.freeze(at(2001, 1, 10, 8))
    program = await create_program(
        client, expiration_rules={"period_type": "MONTH", "period_value": 1}
    )
    cards = [await add_member(client, program["id"], f"race-{i}") for i in range(12)]
    for i, card in enumerate(cards):
        await move_points(client, card["code"], 10 + i)
        await move_points(client, card["code"], 5, expiration_type="NON_EXPIRING")

    clock.freeze(at(2001, 3, 1))
    # Both workers find the same due cards before either expires one: a real race per card.
    found: list[int] = []
    both_looked = asyncio.Barrier(2)
    scan = repository.cards_with_overdue_points

    async def scan_then_wait(
        session: AsyncSession, today: date, limit: int, skip: Sequence[str] = ()
    ) -> list[str]:
        ids = await scan(session, today, limit, skip)
        found.append(len(ids))
        await both_looked.wait()
        return ids

    monkeypatch.setattr(repository, "cards_with_overdue_points", scan_then_wait)
    first, second = await asyncio.gather(expire_points(db), expire_points(db))
    monkeypatch.undo()
    assert found == [len(cards), len(cards)]
    assert first + second == len(cards)
    assert await expire_points(db) == 0

    for i, card in enumerate(cards):
        loyalty = (await get_card(client, card["code"]))["loyalty_card"]
        assert (loyalty["balance"], loyalty["expired_points"]) == (5, 10 + i)
        assert len(await expirations(client, card["code"])) == 1
        await assert_consistent(db, card, 5)
    events = await recorded_events(db, project, "voucher.loyalty_card.points_expired")
    assert sorted(e.entity_id for e in events) == sorted(c["id"] for c in cards)


async def test_expired_points_move_the_member_down_a_tier(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    clock.freeze(at(2025, 1, 27, 9))
    program = await create_program(client, expiration_rules=SEED_RULES)
    await create_tiers(
        client,
        program["id"],
        [
            {"name": "Bronze", "points": {"from": 100, "to": 499}},
            {"name": "Silver", "points": {"from": 500}},
        ],
    )
    card = await add_member(client, program["id"], "tom")
    await move_points(client, card["code"], 450)
    await move_points(client, card["code"], 150, expiration_type="NON_EXPIRING")

    clock.freeze(at(2026, 2, 1))
    await run_once(db)
    tiers = (await client.get(f"/v1/loyalties/members/{card['code']}/tiers")).json()["data"]
    assert [t["name"] for t in tiers] == ["Bronze"]
    [event] = await recorded_events(db, project, "customer.loyalty.tier.downgraded")
    assert event.data["loyalty_tier_from"]["name"] == "Silver"
    assert event.data["loyalty_tier_to"]["name"] == "Bronze"
    assert event.event_source == {"channel": "INTERNAL"}

"""Tiers of a loyalty program: bulk create, list, get, the tier's earning rules and rewards."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.kit.test_bad_input import assert_error
from tests.support import ProjectKeys, recorded_events
from tests.tiers.helpers import create_program, create_tiers
from voucherd.earning.models import EarningRule
from voucherd.kit.clock import utcnow
from voucherd.kit.db import Database
from voucherd.kit.ids import Prefix, new_id
from voucherd.rewards.models import Reward, RewardAssignment

TIERS: list[dict[str, Any]] = [
    {"name": "Bronze", "points": {"from": 100, "to": 499}},
    {"name": "Silver", "points": {"from": 500, "to": 999}, "metadata": {"lounge": False}},
    {"name": "Gold", "points": {"from": 1000}},
]

ADD = {"type": "ADD", "points": 1}
BARE = {"type": "MULTIPLY"}


async def _earning_rule(
    db: Database, project: ProjectKeys, program_id: str, loyalty: dict[str, Any], **extra: Any
) -> str:
    rule_id = new_id(Prefix.EARNING_RULE)
    async with db.transaction() as session:
        session.add(
            EarningRule(
                id=rule_id,
                project_id=project.project_id,
                campaign_id=program_id,
                event=extra.pop("event", "order.paid"),
                active=True,
                loyalty=loyalty,
                source={"banner": "Order paid"},
                created_at=utcnow(),
                **extra,
            )
        )
    return rule_id


async def _assigned_reward(
    db: Database, project: ProjectKeys, program_id: str, points: int
) -> tuple[str, str]:
    reward_id, assignment_id = new_id(Prefix.REWARD), new_id(Prefix.REWARD_ASSIGNMENT)
    async with db.transaction() as session:
        session.add(
            Reward(
                id=reward_id,
                project_id=project.project_id,
                name=f"Mug {points}",
                type="MATERIAL",
                parameters={"product": {"id": "prod_mug", "sku_id": None}},
                attributes={},
                metadata_={},
                created_at=utcnow(),
            )
        )
        await session.flush()
        session.add(
            RewardAssignment(
                id=assignment_id,
                project_id=project.project_id,
                reward_id=reward_id,
                campaign_id=program_id,
                points=points,
                parameters={"loyalty": {"points": points}},
                created_at=utcnow(),
            )
        )
    return reward_id, assignment_id


async def test_bulk_create_returns_the_tiers_in_voucherify_shape(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    program = await create_program(client)
    created = await create_tiers(client, program["id"], TIERS)

    assert [t["name"] for t in created] == ["Bronze", "Silver", "Gold"]
    silver = created[1]
    assert silver["id"].startswith("ltr_")
    assert silver["campaign_id"] == program["id"]
    assert silver["points"] == {"from": 500, "to": 999}
    assert silver["config"] == {"points": {"from": 500, "to": 999}}
    assert silver["metadata"] == {"lounge": False}
    assert silver["earning_rules"] == {} and silver["rewards"] == {}
    assert silver["object"] == "loyalty_tier"
    assert silver["created_at"].endswith("Z") and silver["updated_at"] is None
    assert created[2]["points"] == {"from": 1000, "to": None}

    events = await recorded_events(db, project, "campaign.loyalty_tier.created")
    by_tier = {e.entity_id: e.data for e in events}
    assert set(by_tier) == {t["id"] for t in created}
    assert by_tier[silver["id"]]["loyalty_tier"] == silver
    assert by_tier[silver["id"]]["campaign"]["id"] == program["id"]
    assert by_tier[silver["id"]]["campaign"]["campaign_type"] == "LOYALTY_PROGRAM"


async def test_list_is_ordered_by_points_range_unless_asked_otherwise(
    client: httpx.AsyncClient,
) -> None:
    program = await create_program(client)
    # Created top first, as in Voucherify's list example.
    await create_tiers(client, program["id"], [TIERS[2]])
    await create_tiers(client, program["id"], TIERS[:2])

    body = (await client.get(f"/v1/loyalties/{program['id']}/tiers")).json()
    assert body["object"] == "list" and body["data_ref"] == "data" and body["total"] == 3
    assert [t["name"] for t in body["data"]] == ["Bronze", "Silver", "Gold"]

    newest = (await client.get(f"/v1/loyalties/{program['id']}/tiers?order=-created_at")).json()
    assert newest["data"][-1]["name"] == "Gold"
    page = (await client.get(f"/v1/loyalties/{program['id']}/tiers?limit=2")).json()
    assert [t["name"] for t in page["data"]] == ["Bronze", "Silver"] and page["total"] == 3


async def test_get_one_tier_of_the_program(client: httpx.AsyncClient) -> None:
    program = await create_program(client)
    other = await create_program(client, name="Other programme")
    gold = (await create_tiers(client, program["id"], [TIERS[2]]))[0]

    resp = await client.get(f"/v1/loyalties/{program['id']}/tiers/{gold['id']}")
    assert resp.status_code == 200 and resp.json() == gold
    # By program name too, as every /v1/loyalties/{campaignId} path.
    by_name = await client.get(f"/v1/loyalties/{program['name']}/tiers/{gold['id']}")
    assert by_name.json()["id"] == gold["id"]
    assert_error(
        await client.get(f"/v1/loyalties/{other['id']}/tiers/{gold['id']}"), 404, "not_found"
    )
    assert_error(
        await client.get(f"/v1/loyalties/{program['id']}/tiers/ltr_nope"), 404, "not_found"
    )


async def test_tiers_need_a_loyalty_program(client: httpx.AsyncClient) -> None:
    assert_error(await client.post("/v1/loyalties/camp_nope/tiers", json=TIERS), 404, "not_found")
    coupons = await client.post(
        "/v1/campaigns",
        json={
            "name": "Coupons",
            "campaign_type": "DISCOUNT_COUPONS",
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 1},
            },
        },
    )
    assert_error(
        await client.post(f"/v1/loyalties/{coupons.json()['id']}/tiers", json=TIERS),
        404,
        "not_found",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([{"points": {"from": 0, "to": 10}}], "name"),
        ([{"name": "   ", "points": {"from": 0, "to": 10}}], "name"),
        ([{"name": "A", "points": {"from": -1, "to": 10}}], "points.from"),
        ([{"name": "A", "points": {"from": 10, "to": 10}}], "points.to"),
        ([{"name": "A", "points": {"from": 10, "to": 5}}], "points.to"),
        ([{"name": "A", "points": {"from": "10"}}], "points.from"),
        ([{"name": "A"}], "points"),
        ([{"name": "A", "points": {"from": 0}, "earning_rules": {"ern_x": ADD}}], "type"),
        ([{"name": "A", "points": {"from": 0}, "earning_rules": {"ern_x": BARE}}], "multiplier"),
        (
            [
                {
                    "name": "A",
                    "points": {"from": 0},
                    "rewards": {"rewa_x": {"type": "MULTIPLY", "multiplier": 0}},
                }
            ],
            "multiplier",
        ),
        (
            [
                {
                    "name": "A",
                    "points": {"from": 0},
                    "rewards": {"rewa_x": {"type": "CUSTOM", "points": -5}},
                }
            ],
            "points",
        ),
        ([], "body"),
        ({"name": "A", "points": {"from": 0}}, "body"),
    ],
)
async def test_malformed_tiers_are_refused(
    client: httpx.AsyncClient, body: Any, field: str
) -> None:
    program = await create_program(client)
    error = assert_error(
        await client.post(f"/v1/loyalties/{program['id']}/tiers", json=body), 400, "invalid_payload"
    )
    assert field in error["details"]
    assert (await client.get(f"/v1/loyalties/{program['id']}/tiers")).json()["total"] == 0


async def test_ranges_of_one_program_must_not_overlap(client: httpx.AsyncClient) -> None:
    program = await create_program(client)
    other = await create_program(client, name="Other programme")
    await create_tiers(client, program["id"], TIERS[:2])

    within_request = [
        {"name": "Gold", "points": {"from": 1000, "to": 1999}},
        {"name": "Platinum", "points": {"from": 1999}},
    ]
    error = assert_error(
        await client.post(f"/v1/loyalties/{program['id']}/tiers", json=within_request),
        400,
        "invalid_payload",
    )
    assert "'Gold' (1000-1999)" in error["details"] and "'Platinum'" in error["details"]
    with_existing = [
        {"name": "Gold", "points": {"from": 1000}},
        {"name": "Wide", "points": {"from": 400, "to": 450}},
    ]
    error = assert_error(
        await client.post(f"/v1/loyalties/{program['id']}/tiers", json=with_existing),
        400,
        "invalid_payload",
    )
    assert "'Bronze' (100-499)" in error["details"] and "'Wide' (400-450)" in error["details"]
    # All or nothing: the valid Gold of the refused request was not kept.
    assert (await client.get(f"/v1/loyalties/{program['id']}/tiers")).json()["total"] == 2
    # Another program's ranges are its own business.
    await create_tiers(client, other["id"], TIERS)


async def test_mappings_must_name_the_programs_rules_and_rewards(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    program = await create_program(client)
    other = await create_program(client, name="Other programme")
    foreign_rule = await _earning_rule(db, project, other["id"], {"type": "FIXED", "points": 1})
    double = {"type": "MULTIPLY", "multiplier": 2}
    for mapping in ({"earning_rules": {foreign_rule: double}}, {"rewards": {"rewa_nope": double}}):
        body = [{"name": "A", "points": {"from": 0}, **mapping}]
        error = assert_error(
            await client.post(f"/v1/loyalties/{program['id']}/tiers", json=body),
            400,
            "invalid_payload",
        )
        assert next(iter(next(iter(mapping.values())))) in error["details"]


async def test_tier_earning_rules_show_points_after_the_tiers_mapping(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    program = await create_program(client)
    fixed = await _earning_rule(db, project, program["id"], {"type": "FIXED", "points": 10})
    proportional = await _earning_rule(
        db,
        project,
        program["id"],
        {
            "type": "PROPORTIONAL",
            "calculation_type": "ORDER_AMOUNT",
            "order": {"amount": {"every": 1000, "points": 3}},
        },
    )
    plain = await _earning_rule(db, project, program["id"], {"type": "FIXED", "points": 4})
    gold_only = await _earning_rule(
        db,
        project,
        program["id"],
        {"type": "FIXED", "points": 50},
        event="customer.loyalty.tier.joined",
        loyalty_tier={"id": "ltr_someone_else"},
    )
    gold = (
        await create_tiers(
            client,
            program["id"],
            [
                {
                    "name": "Gold",
                    "points": {"from": 1000},
                    "earning_rules": {
                        fixed: {"type": "MULTIPLY", "multiplier": 1.5},
                        proportional: {"type": "CUSTOM", "points": 5},
                    },
                }
            ],
        )
    )[0]
    assert gold["earning_rules"][fixed] == {"type": "MULTIPLY", "multiplier": 1.5}

    body = (
        await client.get(f"/v1/loyalties/{program['id']}/tiers/{gold['id']}/earning-rules")
    ).json()
    assert body["object"] == "list" and body["total"] == 3
    by_id = {rule["id"]: rule for rule in body["data"]}
    assert gold_only not in by_id  # bound to another tier
    assert by_id[fixed]["loyalty"] == {"type": "FIXED", "points": 15}
    assert by_id[proportional]["loyalty"]["order"]["amount"] == {"every": 1000, "points": 5}
    assert by_id[plain]["loyalty"] == {"type": "FIXED", "points": 4}
    assert by_id[fixed]["object"] == "earning_rule" and by_id[fixed]["event"] == "order.paid"
    page = await client.get(
        f"/v1/loyalties/{program['id']}/tiers/{gold['id']}/earning-rules?limit=1&page=3"
    )
    assert len(page.json()["data"]) == 1 and page.json()["total"] == 3


async def test_tier_rewards_show_the_cost_after_the_tiers_mapping(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    program = await create_program(client)
    by_reward, _ = await _assigned_reward(db, project, program["id"], 100)
    _, by_assignment = await _assigned_reward(db, project, program["id"], 40)
    await _assigned_reward(db, project, program["id"], 7)
    silver = (
        await create_tiers(
            client,
            program["id"],
            [
                {
                    "name": "Silver",
                    "points": {"from": 500},
                    "rewards": {
                        by_reward: {"type": "MULTIPLY", "multiplier": 0.5},
                        by_assignment: {"type": "CUSTOM", "points": 30},
                    },
                }
            ],
        )
    )[0]
    body = (await client.get(f"/v1/loyalties/{program['id']}/tiers/{silver['id']}/rewards")).json()
    assert body["total"] == 3
    costs = sorted(item["assignment"]["parameters"]["loyalty"]["points"] for item in body["data"])
    assert costs == [7, 30, 50]
    item = body["data"][0]
    assert item["object"] == "loyalty_tier_reward"
    assert item["reward"]["object"] == "reward" and item["reward"]["type"] == "MATERIAL"
    assert item["assignment"]["object"] == "reward_assignment"
    assert item["assignment"]["related_object_id"] == program["id"]

"""A reward assignment with a validation rule: paying with points only when it passes."""

from __future__ import annotations

import httpx

from tests.rewards import helpers as h
from tests.rules.support import assign_rule, rule
from tests.support import ProjectKeys
from voucherd.kit.db import Database


async def test_reward_assignment_rule_refuses_with_its_explanation(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    program = await h.program(client)
    card = await h.member(client, program["id"], points=500)
    coupons = await h.discount_campaign(client)
    reward = await h.campaign_reward(client, coupons["id"])
    assignment = await h.assign(client, reward["id"], program["id"], 100)
    await assign_rule(
        db,
        project,
        assignment["id"],
        {"1": rule("redemption.metadata", {"$is": ["app"]}, property="channel"), "logic": "1"},
        related_object_type="reward_assignment",
        error="Rewards in the app only",
    )

    refused = await h.redeem(client, card["code"], reward["id"], metadata={"channel": "shop"})
    assert refused.status_code == 400
    error = refused.json()
    assert error["key"] == "redemption_rules_violated"
    assert error["error"] == {"message": "Rewards in the app only"}
    assert "redemption metadata 'channel' 'shop' is not 'app'" in error["details"]
    assert (await h.card(client, card["code"]))["loyalty_card"]["balance"] == 500

    ok = await h.redeem(client, card["code"], reward["id"], metadata={"channel": "app"})
    assert ok.status_code == 200, ok.text
    assert (await h.card(client, card["code"]))["loyalty_card"]["balance"] == 400

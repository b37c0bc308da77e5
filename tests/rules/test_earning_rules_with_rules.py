"""An earning rule with a validation rule assigned earns only when the rule passes."""

from __future__ import annotations

import httpx

from tests.earning.helpers import (
    add_member,
    create_program,
    create_rules,
    fixed_rule,
    get_card,
    item,
    pay_order,
)
from tests.rules.support import assign_rule, rule
from tests.support import ProjectKeys
from voucherd.kit.db import Database


async def test_earning_rule_earns_only_on_orders_its_validation_rule_accepts(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    program = await create_program(client)
    [guarded, _plain] = await create_rules(client, program["id"], fixed_rule(10), fixed_rule(1))
    await assign_rule(
        db,
        project,
        guarded["id"],
        {"1": rule("order.amount", {"$more_than_or_equal": [5000]}), "logic": "1"},
        related_object_type="earning_rule",
    )
    card = await add_member(client, program["id"], "jack")

    await pay_order(client, "jack", [item("shoe", 2500)], source_id="small")
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 1

    await pay_order(client, "jack", [item("boot", 6000)], source_id="big")
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 1 + 11

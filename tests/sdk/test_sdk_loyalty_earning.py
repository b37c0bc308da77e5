"""The official SDK drives earning: create and list earning rules, pay an order, list the
pending points of a member and of a program, activate them, and adjust or cancel others.

A response the SDK cannot parse fails as `pydantic.ValidationError`: a server bug.
"""

from __future__ import annotations

from typing import Any

import pytest
import voucherify as V
from voucherify.exceptions import ApiException

PROGRAM: dict[str, Any] = {
    "name": "SDK Earning",
    "campaign_type": "LOYALTY_PROGRAM",
    "type": "AUTO_UPDATE",
    "join_once": True,
    "voucher": {
        "type": "LOYALTY_CARD",
        "loyalty_card": {
            "points": 0,
            "expiration_rules": {
                "period_type": "MONTH",
                "period_value": 2,
                "rounding_type": "PARTICULAR_MONTH",
                "rounding_value": 1,
            },
        },
    },
}

RULES: list[dict[str, Any]] = [
    {
        "event": "order.paid",
        "loyalty": {"type": "FIXED", "points": 5},
        "source": {"banner": "Five per order"},
        "pending_points": {"period_type": "DAY", "period_value": 2},
        "metadata": {"via": "sdk"},
    },
    {
        "event": "order.paid",
        "loyalty": {
            "type": "PROPORTIONAL",
            "calculation_type": "ORDER_AMOUNT",
            "order": {"amount": {"every": 1000, "points": 1}},
        },
        "source": {"banner": "One per $10"},
    },
]


def _pay(sdk: Any, source_id: str, customer: str, price: int) -> Any:
    return V.OrdersApi(sdk).create_order(
        V.OrdersCreateRequestBody.from_dict(
            {
                "source_id": source_id,
                "status": "PAID",
                "customer": {"source_id": customer},
                "items": [{"source_id": "sdk-item", "quantity": 1, "price": price}],
            }
        )
    )


def test_earning_rules_and_pending_points_through_the_sdk(sdk: Any) -> None:
    api = V.LoyaltiesApi(sdk)
    program = api.create_loyalty_program(V.LoyaltiesCreateCampaignRequestBody.from_dict(PROGRAM))
    created = api.create_earning_rule(
        program.id,
        [V.LoyaltiesEarningRulesCreateRequestBodyItem.from_dict(rule) for rule in RULES],
    )
    assert [r.object for r in created] == ["earning_rule", "earning_rule"]
    pending_rule, proportional_rule = created
    assert pending_rule.id.startswith("ern_")
    assert pending_rule.loyalty.points == 5
    assert pending_rule.pending_points.period_value == 2
    assert pending_rule.source.object_id == program.id
    assert proportional_rule.loyalty.calculation_type == "ORDER_AMOUNT"
    assert proportional_rule.loyalty.order.amount.every == 1000

    listed = api.list_earning_rules(program.id)
    assert listed.total == 2
    assert {r.id for r in listed.data} == {pending_rule.id, proportional_rule.id}
    assert api.get_earning_rule(program.id, pending_rule.id).metadata == {"via": "sdk"}
    updated = api.update_earning_rule(
        program.id,
        proportional_rule.id,
        V.LoyaltiesEarningRulesUpdateRequestBody.from_dict(
            {
                "source": {"banner": "Two per $10"},
                "loyalty": {
                    "type": "PROPORTIONAL",
                    "calculation_type": "ORDER_AMOUNT",
                    "order": {"amount": {"every": 1000, "points": 2}},
                },
            }
        ),
    )
    assert updated.loyalty.order.amount.points == 2
    assert api.disable_earning_rule(program.id, pending_rule.id).active is False
    assert api.enable_earning_rule(program.id, pending_rule.id).active is True

    card = api.add_member(
        program.id,
        V.LoyaltiesMembersCreateRequestBody(customer=V.Customer(source_id="sdk-earner")),
    )
    order = _pay(sdk, "sdk-order-1", "sdk-earner", 3500)
    assert order.status == "PAID"

    # 3 full $10 steps at 2 points each, credited now; 5 points pending for two days.
    member = api.get_member1(program.id, card.code)
    assert member.loyalty_card.balance == 6
    assert member.loyalty_card.pending_points == 5

    by_member = api.list_member_pending_points1(program.id, card.code)
    [entry] = by_member.data
    assert entry.points == 5 and entry.order_id == order.id
    assert entry.details.earning_rule.id == pending_rule.id
    assert entry.details.event.type == "customer.order.paid"
    assert by_member.has_more is False
    assert [e.id for e in api.list_member_pending_points(card.code).data] == [entry.id]
    by_program = api.list_campaign_pending_points(program.id)
    assert [e.id for e in by_program.data] == [entry.id]

    activated = api.activate_member_pending_points(card.code, entry.id)
    assert activated.points == 5 and activated.balance == 11
    assert activated.operation_type == "MANUAL" and activated.type == "loyalty_card"
    assert api.list_campaign_pending_points(program.id).data == []
    after = api.get_member(card.code)
    assert after.loyalty_card.balance == 11 and after.loyalty_card.pending_points == 0

    # A second order: adjust its pending entry, then cancel it.
    _pay(sdk, "sdk-order-2", "sdk-earner", 100)
    [second] = api.list_member_pending_points(card.code).data
    adjusted = api.adjust_member_pending_points(
        card.code,
        second.id,
        V.LoyaltiesMembersPendingPointsBalanceRequestBody(points=-2),
    )
    assert adjusted.points == -2 and adjusted.total == 3
    api.cancel_member_pending_points(card.code, second.id)
    assert api.get_member(card.code).loyalty_card.pending_points == 0
    with pytest.raises(ApiException) as failure:
        api.activate_member_pending_points(card.code, second.id)
    assert failure.value.status == 404

    api.delete_earning_rule(program.id, pending_rule.id)
    assert api.list_earning_rules(program.id).total == 1


def test_custom_event_through_the_sdk(sdk: Any) -> None:
    api = V.LoyaltiesApi(sdk)
    program = api.create_loyalty_program(V.LoyaltiesCreateCampaignRequestBody.from_dict(PROGRAM))
    api.create_earning_rule(
        program.id,
        [
            V.LoyaltiesEarningRulesCreateRequestBodyItem.from_dict(
                {"event": "newsletter_joined", "loyalty": {"type": "FIXED", "points": 25}}
            )
        ],
    )
    card = api.add_member(
        program.id, V.LoyaltiesMembersCreateRequestBody(customer=V.Customer(source_id="reader"))
    )
    tracked = V.EventsApi(sdk).track_custom_event(
        V.EventsCreateRequestBody.from_dict(
            {
                "event": "newsletter_joined",
                "customer": {"source_id": "reader"},
                "metadata": {"n": 1},
            }
        )
    )
    assert tracked.object == "event" and tracked.type == "newsletter_joined"
    assert tracked.customer.source_id == "reader"
    assert api.get_member(card.code).loyalty_card.balance == 25

"""The official SDK drives loyalty programs and members: create a program, enrol a member,
read the card, add and remove points, transfer, list transactions and expiring points.

A response the SDK cannot parse fails as `pydantic.ValidationError`: a server bug.
"""

from __future__ import annotations

from typing import Any

import pytest
import voucherify as V
from voucherify.exceptions import ApiException

PROGRAM: dict[str, Any] = {
    "name": "SDK Stars",
    "campaign_type": "LOYALTY_PROGRAM",
    "type": "AUTO_UPDATE",
    "join_once": True,
    "voucher": {
        "type": "LOYALTY_CARD",
        "loyalty_card": {
            "points": 0,
            "expiration_rules": {
                "period_type": "MONTH",
                "period_value": 12,
                "rounding_type": "END_OF_MONTH",
                "rounding_value": 0,
            },
        },
    },
}


def _program(sdk: Any) -> Any:
    return V.LoyaltiesApi(sdk).create_loyalty_program(
        V.LoyaltiesCreateCampaignRequestBody.from_dict(PROGRAM)
    )


def _add_member(sdk: Any, program_id: str, source_id: str) -> Any:
    return V.LoyaltiesApi(sdk).add_member(
        program_id,
        V.LoyaltiesMembersCreateRequestBody(
            customer=V.Customer(source_id=source_id, name=source_id.title())
        ),
    )


def test_program_and_member_through_the_sdk(sdk: Any) -> None:
    api = V.LoyaltiesApi(sdk)
    program = _program(sdk)
    assert program.campaign_type == "LOYALTY_PROGRAM"
    assert api.get_loyalty_program(program.id).name == "SDK Stars"
    assert [c.id for c in api.list_loyalty_programs().campaigns] == [program.id]

    card = _add_member(sdk, program.id, "sdk-member")
    assert card.type == "LOYALTY_CARD" and card.campaign_id == program.id
    fetched = api.get_member1(program.id, card.code)
    assert fetched.id == card.id and fetched.loyalty_card.balance == 0
    assert api.get_member(card.code).holder_id == card.holder_id
    members = api.list_members(program.id)
    assert [m.code for m in members.vouchers] == [card.code]

    added = api.update_loyalty_card_balance(
        card.code, V.LoyaltiesMembersBalanceUpdateRequestBody(points=120, reason="welcome")
    )
    assert (added.points, added.balance, added.type) == (120, 120, "loyalty_card")
    removed = api.update_loyalty_card_balance1(
        program.id, card.code, V.LoyaltiesMembersBalanceUpdateRequestBody(points=-20)
    )
    assert removed.balance == 100
    card_now = api.get_member1(program.id, card.code).loyalty_card
    assert (card_now.points, card_now.balance, card_now.subtracted_points) == (120, 100, 20)
    assert card_now.next_expiration_points == 100

    txs = api.list_loyalty_card_transactions(card.code)
    assert [t.type for t in txs.data] == ["POINTS_REMOVAL", "POINTS_ADDITION"]
    assert api.list_loyalty_campaign_transactions(program.id).data[0].voucher_id == card.id
    expiring = api.list_points_expiration(program.id, card.code)
    assert sum(b.bucket.total_points for b in expiring.data) == 100

    other = _add_member(sdk, program.id, "sdk-friend")
    moved = api.transfer_points(
        program.id, other.code, [V.LoyaltiesTransferPoints(code=card.code, points=40)]
    )
    assert moved.loyalty_card.balance == 40
    assert api.get_member(card.code).loyalty_card.balance == 60


def test_sdk_sees_voucherify_errors_for_bad_points(sdk: Any) -> None:
    api = V.LoyaltiesApi(sdk)
    program = _program(sdk)
    card = _add_member(sdk, program.id, "sdk-poor")
    with pytest.raises(ApiException) as refused:
        api.update_loyalty_card_balance(
            card.code, V.LoyaltiesMembersBalanceUpdateRequestBody(points=-1)
        )
    assert refused.value.status == 400
    assert "loyalty_card_points_exceeded" in str(refused.value.body)
    with pytest.raises(ApiException) as missing:
        api.get_member("NO-SUCH-CARD")
    assert missing.value.status == 404


def test_program_update_keeps_tiers_expiration_through_the_sdk(sdk: Any) -> None:
    # The SDK sends every other field of the body as null: those are accepted as unset.
    api = V.LoyaltiesApi(sdk)
    program = _program(sdk)
    tiers = {
        "qualification_type": "POINTS_IN_PERIOD",
        "qualification_period": "QUARTER",
        "start_date": {"type": "IMMEDIATE"},
        "expiration_date": {"type": "END_OF_NEXT_PERIOD"},
    }
    api.update_loyalty_program(
        program.id,
        V.LoyaltiesUpdateCampaignRequestBody.from_dict({"loyalty_tiers_expiration": tiers}),
    )
    read = api.get_loyalty_program(program.id).loyalty_tiers_expiration
    assert read is not None and read.qualification_period == "QUARTER"
    assert read.expiration_date is not None and read.expiration_date.type == "END_OF_NEXT_PERIOD"


def test_unsupported_program_field_reaches_the_sdk_as_an_error(sdk: Any) -> None:
    api = V.LoyaltiesApi(sdk)
    program = _program(sdk)
    body = V.LoyaltiesUpdateCampaignRequestBody.from_dict(
        {"validity_day_of_week": [1, 2], "description": "weekdays"}
    )
    with pytest.raises(ApiException) as refused:
        api.update_loyalty_program(program.id, body)
    assert refused.value.status == 400 and "validity_day_of_week" in str(refused.value.body)
    assert api.get_loyalty_program(program.id).description is None

"""The official SDK's list filters reach voucherd as it sends them: `filters[f][$op]` without
`[conditions]`, and `$in` lists as a Python repr (`['a', 'b']`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import voucherify as V
from voucherify.models.parameter_filters_list_member_transactions import (
    ParameterFiltersListMemberTransactions as MemberFilters,
)
from voucherify.models.parameters_filters_list_campaign_transactions import (
    ParametersFiltersListCampaignTransactions as CampaignFilters,
)

PROGRAM: dict[str, Any] = {
    "name": "SDK Filters",
    "campaign_type": "LOYALTY_PROGRAM",
    "type": "AUTO_UPDATE",
    "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
}


def test_sdk_transaction_filters(sdk: Any) -> None:
    api = V.LoyaltiesApi(sdk)
    program = api.create_loyalty_program(V.LoyaltiesCreateCampaignRequestBody.from_dict(PROGRAM))
    one, two = (
        api.add_member(
            program.id, V.LoyaltiesMembersCreateRequestBody(customer=V.Customer(source_id=s))
        )
        for s in ("sdk-filter-one", "sdk-filter-two")
    )
    for card, points in ((one, 10), (one, 20), (two, 5)):
        api.update_loyalty_card_balance(
            card.code, V.LoyaltiesMembersBalanceUpdateRequestBody(points=points)
        )
    mine = [t.id for t in api.list_loyalty_card_transactions(one.code).data]
    assert len(mine) == 2

    S = V.FilterConditionsString
    only = api.list_loyalty_card_transactions(one.code, filters=MemberFilters(id=S(var_is=mine[1])))
    assert [t.id for t in only.data] == [mine[1]]
    future = datetime(2999, 1, 1, tzinfo=UTC)
    after = MemberFilters(created_at=V.FilterConditionsDateTime(after=future))
    assert api.list_loyalty_card_transactions(one.code, filters=after).data == []
    before = MemberFilters(created_at=V.FilterConditionsDateTime(before=future))
    assert len(api.list_loyalty_card_transactions(one.code, filters=before).data) == 2

    by_card = CampaignFilters(voucher_id=S(var_in=[one.id]))
    listed = api.list_loyalty_campaign_transactions(program.id, filters=by_card).data
    assert sorted(t.id for t in listed) == sorted(mine)
    others = CampaignFilters(junction="and", voucher_id=S(not_in=[one.id]))
    assert [
        t.voucher_id
        for t in api.list_loyalty_campaign_transactions(program.id, filters=others).data
    ] == [two.id]

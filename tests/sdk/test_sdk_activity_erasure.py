"""The official SDK's customer activity, member activity and permanent deletion calls."""

from __future__ import annotations

from typing import Any

import pytest
import voucherify as V
from voucherify.exceptions import NotFoundException


def test_customer_activity_member_activity_and_permanent_deletion_parse(sdk: Any) -> None:
    customers = V.CustomersApi(sdk)
    created = customers.create_customer(
        V.CustomersCreateRequestBody(source_id="sdk-erase", name="Erin Erasable", email="e@x.io")
    )
    loyalties = V.LoyaltiesApi(sdk)
    program = loyalties.create_loyalty_program(
        V.LoyaltiesCreateCampaignRequestBody.from_dict(
            {
                "name": "SDK Stars",
                "type": "AUTO_UPDATE",
                "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
            }
        )
    )
    card = loyalties.add_member(
        program.id,
        V.LoyaltiesMembersCreateRequestBody(customer=V.Customer(source_id="sdk-erase")),
    )
    loyalties.update_loyalty_card_balance(
        card.code, V.LoyaltiesMembersBalanceUpdateRequestBody(points=40)
    )

    activity = customers.list_customer_activity(created.id, limit=50)
    assert isinstance(activity, V.CustomersActivityListResponseBody)
    types = [a.type for a in activity.data or []]
    assert "customer.created" in types
    assert "customer.voucher.loyalty_card.points_added" in types
    assert activity.has_more is False

    member = loyalties.list_member_activity(card.code, limit=10)
    assert (member.data or [])[0].type == "customer.voucher.loyalty_card.points_added"
    member_in_program = loyalties.list_member_activity1(program.id, card.id)
    assert [a.id for a in member_in_program.data or []] == [a.id for a in member.data or []]

    deleted = customers.customer_permanently_deletion(created.id)
    assert isinstance(deleted, V.CustomersPermanentDeletionCreateResponseBody)
    assert (deleted.related_object_id, deleted.status) == (created.id, "DONE")
    assert deleted.data_json is not None and deleted.data_json.customer == 1
    with pytest.raises(NotFoundException):
        customers.get_customer(created.id)

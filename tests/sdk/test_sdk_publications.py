"""The official SDK publishes codes and enrols members for customers given only by email, and
replays a publication by its source_id (loyalty members included).

A response the SDK cannot parse fails as `pydantic.ValidationError`: a server bug.
"""

from __future__ import annotations

from typing import Any

import voucherify as V

PROGRAM: dict[str, Any] = {
    "name": "SDK Stars",
    "campaign_type": "LOYALTY_PROGRAM",
    "type": "AUTO_UPDATE",
    "join_once": True,
    "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
}


def _program_id(sdk: Any) -> str:
    program = V.LoyaltiesApi(sdk).create_loyalty_program(
        V.LoyaltiesCreateCampaignRequestBody.from_dict(PROGRAM)
    )
    program_id: str = program.id
    return program_id


def test_publication_for_a_customer_given_only_by_email(sdk: Any) -> None:
    campaign = V.CampaignsApi(sdk).create_campaign(
        V.CampaignsCreateRequestBody.from_dict(
            {
                "name": "SDK ten off",
                "type": "AUTO_UPDATE",
                "voucher": {
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "AMOUNT", "amount_off": 10},
                },
            }
        )
    )
    published = V.PublicationsApi(sdk).create_publication(
        publications_create_request_body=V.PublicationsCreateRequestBody(
            campaign=V.CreatePublicationCampaign(name=campaign.name),
            customer=V.Customer(email="sdk-ann@example.com"),
        )
    )
    assert published.result == "SUCCESS"
    assert published.customer.email == "sdk-ann@example.com"
    assert published.customer_id == published.customer.id
    customer = V.CustomersApi(sdk).get_customer(published.customer_id)
    assert customer.email == "sdk-ann@example.com" and customer.source_id is None
    assert published.voucher.holder_id == customer.id


def test_member_given_only_by_email_and_replayed_by_source_id(sdk: Any) -> None:
    api = V.LoyaltiesApi(sdk)
    program_id = _program_id(sdk)
    card = api.add_member(
        program_id,
        V.LoyaltiesMembersCreateRequestBody(
            customer=V.Customer(email="sdk-bob@example.com"), source_id="sdk-pub-1"
        ),
    )
    holder = V.CustomersApi(sdk).get_customer(card.holder_id)
    assert holder.email == "sdk-bob@example.com"

    # Another customer, the same publication source_id: that publication again, not a 500.
    again = api.add_member(
        program_id,
        V.LoyaltiesMembersCreateRequestBody(
            customer=V.Customer(source_id="sdk-cid"), source_id="sdk-pub-1"
        ),
    )
    assert again.code == card.code and again.holder_id == holder.id
    assert [m.code for m in api.list_members(program_id).vouchers] == [card.code]

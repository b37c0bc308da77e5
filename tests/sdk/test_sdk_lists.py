"""The official SDK's list orders, campaign-type filter and campaign delete against voucherd."""

from __future__ import annotations

from typing import Any

import voucherify as V
from voucherify.exceptions import NotFoundException


def _campaign(api: Any, name: str) -> Any:
    return api.create_campaign(
        V.CampaignsCreateRequestBody.from_dict(
            {
                "name": name,
                "campaign_type": "DISCOUNT_COUPONS",
                "type": "STATIC",
                "voucher": {
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "AMOUNT", "amount_off": 100},
                },
            }
        )
    )


def test_sdk_lists_with_spec_orders_and_campaign_types(sdk: Any) -> None:
    campaigns = V.CampaignsApi(sdk)
    first, second = _campaign(campaigns, "First"), _campaign(campaigns, "Second")
    campaigns.update_campaign(first.id, V.CampaignsUpdateRequestBody(description="touched"))
    newest_update = campaigns.list_campaigns(order="-updated_at")
    assert [c.id for c in newest_update.campaigns] == [first.id, second.id]
    assert campaigns.list_campaigns(campaign_type="PROMOTION").campaigns == []
    assert campaigns.list_campaigns(campaign_type="REFERRAL_PROGRAM").campaigns == []

    customers = V.CustomersApi(sdk)
    for source_id in ("sdk-b", "sdk-c", "sdk-a"):
        customers.create_customer(V.CustomersCreateRequestBody(source_id=source_id))
    by_source = customers.list_customers(order="-source_id").customers
    assert [c.source_id for c in by_source] == ["sdk-c", "sdk-b", "sdk-a"]

    vouchers = V.VouchersApi(sdk)
    for code in ("SDK-B", "SDK-A"):
        vouchers.create_voucher(
            code,
            V.VouchersCreateWithSpecificCodeRequestBody.from_dict(
                {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 1}}
            ),
        )
    by_code = vouchers.list_vouchers(order="code", limit=100).vouchers
    assert [v.code for v in by_code if v.code.startswith("SDK-")] == ["SDK-A", "SDK-B"]


def test_sdk_delete_campaign_parses_the_async_action(sdk: Any) -> None:
    campaigns = V.CampaignsApi(sdk)
    created = _campaign(campaigns, "Doomed")
    deleted = campaigns.delete_campaign(created.id)
    assert deleted.async_action_id.startswith("aa_")
    try:
        campaigns.get_campaign(created.id)
    except NotFoundException:
        pass
    else:
        raise AssertionError("the deleted campaign is still there")

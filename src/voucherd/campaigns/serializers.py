"""Campaigns on the wire: the full `Campaign` and the events' `SimpleCampaign`."""

from __future__ import annotations

from typing import Any

from voucherd.campaigns.models import Campaign
from voucherd.categories.serializers import categories_of
from voucherd.kit.timefmt import iso
from voucherd.kit.wire import omit_absent


def _template(campaign: Campaign) -> dict[str, Any]:
    # `SimpleCampaignVoucher` always carries `discount` and `gift`, null where they don't
    # apply (a loyalty program's template shows both as null in seeds 000-003).
    template = {"discount": None, "gift": None, **campaign.voucher}
    redemption = template.get("redemption") or {}
    template["redemption"] = {"quantity": redemption.get("quantity"), "redeemed_quantity": 0}
    if template.get("discount") is not None:
        # Voucherify's campaign template always carries `units` (null unless UNIT ADD_MANY).
        template["discount"] = {"units": None, **template["discount"]}
    return template


def simple_campaign(campaign: Campaign) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": campaign.id,
        "name": campaign.name,
        "campaign_type": campaign.campaign_type,
        "type": campaign.type,
        "is_referral_code": False,
        "voucher": _template(campaign),
        "auto_join": campaign.auto_join,
        "join_once": campaign.join_once,
        "active": campaign.active,
        "category_id": campaign.category_ref.id if campaign.category_ref else None,
        "category": campaign.category_ref.name if campaign.category_ref else None,
        "metadata": campaign.metadata_ or {},
        "start_date": iso(campaign.start_date),
        "expiration_date": iso(campaign.expiration_date),
        "description": campaign.description,
        "created_at": iso(campaign.created_at),
        "updated_at": iso(campaign.updated_at),
        "object": "campaign",
    }
    if campaign.campaign_type == "PROMOTION":
        # No codes, no template: Voucherify's PROMOTION campaign has no `voucher`.
        del body["voucher"]
    return body


# Voucherify leaves out a campaign's unset (or cleared) validity dates (kit/wire.py); the
# `simple_campaign` of event payloads keeps them null, as the webhook seeds show.
CAMPAIGN_OMITTED_WHEN_ABSENT = ("start_date", "expiration_date", "validity_hours")


def campaign_body(campaign: Campaign, *, with_categories: bool = True) -> dict[str, Any]:
    """`with_categories=False` gives `categories: []` (Voucherify's campaign list without
    `expand=category`, and its campaign summary); `category_id` and `category` stay."""
    body = simple_campaign(campaign)
    body.update(
        {
            "vouchers_count": campaign.vouchers_count,
            "use_voucher_metadata_schema": False,
            "validity_timeframe": campaign.validity_timeframe,
            "validity_day_of_week": campaign.validity_day_of_week,
            "validity_hours": campaign.validity_hours,
            "creation_status": "DONE",
            "vouchers_generation_status": "DONE",
            "readonly": False,
            "protected": False,
            "categories": categories_of(campaign.category_ref) if with_categories else [],
        }
    )
    if (campaign.extra or {}).get("loyalty_tiers_expiration"):
        body["loyalty_tiers_expiration"] = campaign.extra["loyalty_tiers_expiration"]
    return omit_absent(body, CAMPAIGN_OMITTED_WHEN_ABSENT)

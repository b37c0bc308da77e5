"""The official SDK's CategoriesApi against voucherd, and the categories it parses on
campaigns and vouchers."""

from __future__ import annotations

from typing import Any

import pytest
import voucherify as V
from voucherify.exceptions import NotFoundException


def test_categories_api_create_get_list_update_delete(sdk: Any) -> None:
    api = V.CategoriesApi(sdk)
    first = api.create_category(V.CategoriesCreateRequestBody(name="First", hierarchy=1))
    created = api.create_category(V.CategoriesCreateRequestBody(name="Second", hierarchy=2))
    assert isinstance(created, V.CategoriesCreateResponseBody)
    assert created.id is not None and created.id.startswith("cat_")
    assert (created.name, created.hierarchy, created.object) == ("Second", 2, "category")
    assert created.created_at is not None

    got = api.get_category(created.id)
    assert (got.id, got.name, got.hierarchy, got.updated_at) == (created.id, "Second", 2, None)

    listed = api.list_categories()
    assert (listed.object, listed.data_ref, listed.total) == ("list", "data", 2)
    assert [c.id for c in listed.data or []] == [created.id, first.id]

    updated = api.update_category(
        created.id, V.CategoriesUpdateRequestBody(name="Renamed", hierarchy=0)
    )
    assert (updated.name, updated.hierarchy) == ("Renamed", 0)
    assert updated.updated_at is not None

    api.delete_category(created.id)
    with pytest.raises(NotFoundException):
        api.get_category(created.id)
    assert api.list_categories().total == 1


def test_campaign_and_voucher_categories_parse(sdk: Any) -> None:
    category = V.CategoriesApi(sdk).create_category(
        V.CategoriesCreateRequestBody(name="Seasonal", hierarchy=3)
    )
    campaign = V.CampaignsApi(sdk).create_campaign(
        V.CampaignsCreateRequestBody.from_dict(
            {
                "name": "Spring",
                "campaign_type": "DISCOUNT_COUPONS",
                "category_id": category.id,
                "vouchers_count": 1,
                "voucher": {
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "AMOUNT", "amount_off": 100},
                },
            }
        )
    )
    assert campaign.category_id == category.id and campaign.category == "Seasonal"
    assert [(c.id, c.hierarchy) for c in campaign.categories or []] == [(category.id, 3)]
    [voucher] = V.VouchersApi(sdk).list_vouchers(campaign_id=campaign.id).vouchers or []
    got = V.VouchersApi(sdk).get_voucher(voucher.code)
    assert got.category_id == category.id
    assert [(c.id, c.name, c.object) for c in got.categories or []] == [
        (category.id, "Seasonal", "category")
    ]

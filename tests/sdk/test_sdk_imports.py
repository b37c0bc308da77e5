"""The official SDK's import and bulk calls (VouchersApi, CampaignsApi, CustomersApi,
ProductsApi, OrdersApi) and AsyncActionsApi against voucherd: what they send is accepted, what
voucherd answers parses, and the outcomes are checked (bad rows reported by line)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import voucherify as V
from voucherify.exceptions import ApiException, NotFoundException

import voucherd.imports.service  # noqa: F401  (registers the import kinds)
from tests.conftest import Backend
from voucherd.async_actions.runner import run_until_idle
from voucherd.kit.db import Database


def _drain(backend: Backend) -> None:
    """Run the background worker until no action is open (the live server runs none)."""

    async def go() -> None:
        db = Database(backend.url)
        try:
            await run_until_idle(db)
        finally:
            await db.dispose()

    asyncio.run(go())


def _done(sdk: Any, backend: Backend, action_id: str | None) -> V.AsyncActionGetResponseBody:
    assert action_id is not None and action_id.startswith("aa_")
    _drain(backend)
    action = V.AsyncActionsApi(sdk).get_async_action(action_id)
    assert isinstance(action, V.AsyncActionGetResponseBody)
    assert (action.status, action.operation_status, action.progress) == ("DONE", "SUCCESS", 100)
    assert action.object == "async_action"
    return action


def test_vouchers_csv_and_json_imports_and_async_actions(sdk: Any, backend: Backend) -> None:
    vouchers = V.VouchersApi(sdk)
    csv = (
        b"Code,Value,Discount Type,Category,Note\n"
        b"SDK-1,10,PERCENT,sdk,first\n"
        b"SDK-2,abc,PERCENT,,\n"
        b"SDK-3,500,AMOUNT,,\n"
    )
    started = vouchers.import_vouchers_using_csv(file=csv, webhooks_enable=False)
    assert isinstance(started, V.VouchersImportCsvCreateResponseBody)
    action = _done(sdk, backend, started.async_action_id)
    assert action.type == "VOUCHERS.IMPORT_CSV"
    assert action.result is not None
    assert (action.result["done_count"], action.result["failed_count"]) == (2, 1)
    assert action.result["failed"] == [
        {"row": 3, "code": "SDK-2", "field": "Value", "reason": "Value must be a number, not 'abc'"}
    ]
    got = vouchers.get_voucher("SDK-1")
    assert (got.discount.percent_off, got.category, got.metadata) == (10, "sdk", {"Note": "first"})

    json_started = vouchers.import_vouchers(
        [
            V.VouchersImportCreateItemRequestBody(
                code="SDK-GIFT", type="GIFT_VOUCHER", gift=V.Gift(amount=2500)
            ),
            V.VouchersImportCreateItemRequestBody(
                code="SDK-1", type="GIFT_VOUCHER", gift=V.Gift(amount=1)
            ),
        ]
    )
    assert isinstance(json_started, V.VouchersImportCreateResponseBody)
    action = _done(sdk, backend, json_started.async_action_id)
    assert action.result is not None
    assert action.result["message"] == "1 voucher(s) imported successfully, 1 failed."
    assert vouchers.get_voucher("SDK-GIFT").gift.balance == 2500

    actions = V.AsyncActionsApi(sdk)
    listed = actions.list_async_actions(limit=1)
    assert isinstance(listed, V.AsyncActionsListResponseBody)
    assert (listed.object, listed.data_ref, listed.has_more) == ("list", "async_actions", True)
    assert [a.id for a in listed.async_actions or []] == [json_started.async_action_id]
    assert [a.type for a in actions.list_async_actions().async_actions or []] == [
        "VOUCHERS.IMPORT",
        "VOUCHERS.IMPORT_CSV",
    ]
    with pytest.raises(NotFoundException):
        actions.get_async_action("aa_unknown")
    with pytest.raises(ApiException) as refused:
        vouchers.import_vouchers_using_csv(file=b"Code,Value\n\xff\xfe,1\n")
    assert refused.value.status == 400


def test_campaign_imports(sdk: Any, backend: Backend) -> None:
    campaigns = V.CampaignsApi(sdk)
    campaign = campaigns.create_campaign(
        V.CampaignsCreateRequestBody.from_dict(
            {
                "name": "SDK import",
                "campaign_type": "DISCOUNT_COUPONS",
                "type": "STATIC",
                "voucher": {
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "AMOUNT", "amount_off": 300},
                },
            }
        )
    )
    csv_started = campaigns.import_vouchers_to_campaign_using_csv(
        campaign.id, file=b"Code,Color\nCAMP-1,red\nCAMP-2,\n"
    )
    assert isinstance(csv_started, V.CampaignsImportCsvCreateResponseBody)
    action = _done(sdk, backend, csv_started.async_action_id)
    assert action.type == "CAMPAIGN.VOUCHERS_IMPORT_CSV"
    json_started = campaigns.import_vouchers_to_campaign(
        campaign.id,
        [V.CampaignsImportVoucherItem(code="CAMP-3"), V.CampaignsImportVoucherItem(code="CAMP-1")],
    )
    assert isinstance(json_started, V.CampaignsImportCreateResponseBody)
    action = _done(sdk, backend, json_started.async_action_id)
    assert action.result is not None
    assert [f["row"] for f in action.result["failed"]] == [2]
    assert campaigns.get_campaign(campaign.id).vouchers_count == 3
    code = V.VouchersApi(sdk).get_voucher("CAMP-1")
    assert (code.campaign_id, code.discount.amount_off, code.metadata) == (
        campaign.id,
        300,
        {"Color": "red"},
    )


def test_customer_product_sku_and_order_imports(sdk: Any, backend: Backend) -> None:
    started = V.CustomersApi(sdk).import_customers_using_csv(
        file=b"Name,Email,Source_id\nAda,ada@example.com,sdk-ada\n"
    )
    assert isinstance(started, V.CustomersImportCsvCreateResponseBody)
    _done(sdk, backend, started.async_action_id)
    assert V.CustomersApi(sdk).get_customer("sdk-ada").email == "ada@example.com"

    products = V.ProductsApi(sdk)
    started = products.import_products_using_csv(file=b"name,source_id,price\nMug,sdk-mug,1200\n")
    assert isinstance(started, V.ProductsImportCsvCreateResponseBody)
    _done(sdk, backend, started.async_action_id)
    mug = products.get_product("sdk-mug")
    assert (mug.name, mug.price) == ("Mug", 1200)
    started = products.import_skus_using_csv(
        file=b"product_id,source_id,sku\nsdk-mug,sdk-mug-red,Red\n"
    )
    assert isinstance(started, V.SkusImportCsvCreateResponseBody)
    _done(sdk, backend, started.async_action_id)
    assert products.get_sku("sdk-mug-red").product_id == mug.id

    started = V.OrdersApi(sdk).import_orders(
        [V.OrdersImportCreateRequestBodyItem(source_id="sdk-order", status="PAID", amount=4200)]
    )
    assert isinstance(started, V.OrdersImportCreateResponseBody)
    _done(sdk, backend, started.async_action_id)
    assert V.OrdersApi(sdk).get_order("sdk-order").amount == 4200


def test_products_bulk_and_metadata_async(sdk: Any, backend: Backend) -> None:
    products = V.ProductsApi(sdk)
    started = products.update_products_in_bulk(
        [
            V.ProductsUpdateInBulkRequestBody(source_id="sdk-bulk-1", name="One", price=100),
            V.ProductsUpdateInBulkRequestBody(source_id="sdk-bulk-2", name="Two"),
        ]
    )
    assert isinstance(started, V.ProductsUpdateInBulkResponseBody)
    action = _done(sdk, backend, started.async_action_id)
    assert action.type == "PRODUCTS.BULK_UPDATE"
    started = products.update_products_metadata_in_bulk(
        V.ProductsMetadataUpdateInBulkRequestBody(
            source_ids=["sdk-bulk-1", "sdk-bulk-2"], metadata={"season": "winter"}
        )
    )
    assert isinstance(started, V.ProductsMetadataUpdateInBulkResponseBody)
    action = _done(sdk, backend, started.async_action_id)
    assert action.result is not None and action.result["done_count"] == 2
    assert products.get_product("sdk-bulk-2").metadata == {"season": "winter"}

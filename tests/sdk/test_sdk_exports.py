"""The official SDK's ExportsApi and the transaction-export shortcuts against voucherd: the
answers parse, and the downloaded CSV has the rows and columns asked for."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import voucherify as V
from voucherify.exceptions import ApiException, NotFoundException

from tests.exports.helpers import run_exports
from voucherd.config import Settings
from voucherd.kit.db import Database


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


async def test_exports_api_create_get_list_download_delete(
    sdk: Any, db: Database, settings: Settings
) -> None:
    customers = V.CustomersApi(sdk)
    for source_id in ("sdk-b", "sdk-a", "sdk-c"):
        customers.create_customer(
            V.CustomersCreateRequestBody(source_id=source_id, name=source_id.upper())
        )
    api = V.ExportsApi(sdk)
    created = api.create_export(
        V.ExportsCreateRequestBody.from_dict(
            {
                "exported_object": "customer",
                "parameters": {
                    "fields": ["source_id", "name"],
                    "order": "-source_id",
                    "filters": {"source_id": {"conditions": {"$in": ["sdk-a", "sdk-c"]}}},
                },
            }
        )
    )
    assert isinstance(created, V.ExportsCreateResponseBody)
    assert created.id is not None and created.id.startswith("exp_")
    assert (created.status, created.exported_object, created.result) == (
        "SCHEDULED",
        "customer",
        None,
    )
    assert created.parameters is not None and created.parameters.fields == ["source_id", "name"]

    await run_exports(db, settings)
    got = api.get_export(created.id)
    assert got.status == "DONE" and got.result is not None and got.result.url is not None
    text = api.download_export(created.id, token=_token(got.result.url))
    assert _rows(text) == [["source_id", "name"], ["sdk-c", "SDK-C"], ["sdk-a", "SDK-A"]]

    listed = api.list_exports(limit=10, order=V.ParameterOrderListExports("-created_at"))
    assert (listed.object, listed.data_ref, listed.total) == ("list", "exports", 1)
    assert [e.id for e in listed.exports or []] == [created.id]

    with pytest.raises(ApiException) as forged:
        api.download_export(created.id, token=_token(got.result.url)[:-3] + "xyz")
    assert forged.value.status == 403

    api.delete_export(created.id)
    with pytest.raises(NotFoundException):
        api.get_export(created.id)


async def test_unknown_export_field_is_a_400_through_the_sdk(sdk: Any) -> None:
    api = V.ExportsApi(sdk)
    with pytest.raises(ApiException) as refused:
        api.create_export(
            V.ExportsCreateRequestBody.from_dict(
                # `code` is in the SDK's enum (a voucher field) but not an order field.
                {"exported_object": "order", "parameters": {"fields": ["id", "code"]}}
            )
        )
    assert refused.value.status == 400 and "code" in str(refused.value.body)
    assert V.ExportsApi(sdk).list_exports().total == 0


async def test_campaign_transactions_export_through_the_sdk(
    sdk: Any, db: Database, settings: Settings
) -> None:
    program = V.CampaignsApi(sdk).create_campaign(
        V.CampaignsCreateRequestBody.from_dict(
            {
                "name": "SDK points",
                "campaign_type": "LOYALTY_PROGRAM",
                "vouchers_count": 1,
                "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
            }
        )
    )
    assert program.id is not None
    loyalties = V.LoyaltiesApi(sdk)
    card = V.VouchersApi(sdk).list_vouchers(campaign_id=program.id).vouchers[0].code
    loyalties.update_loyalty_card_balance(
        card, V.LoyaltiesMembersBalanceUpdateRequestBody(points=25, reason="welcome")
    )

    created = V.CampaignsApi(sdk).export_campaign_transactions(
        program.id,
        V.CampaignsTransactionsExportCreateRequestBody.from_dict(
            {"parameters": {"fields": ["type", "amount", "reason"], "order": "created_at"}}
        ),
    )
    assert isinstance(created, V.CampaignsTransactionsExportCreateResponseBody)
    assert (created.status, created.exported_object, created.channel) == (
        "SCHEDULED",
        "voucher_transactions",
        "API",
    )
    by_loyalty = loyalties.export_loyalty_campaign_transactions(
        program.id,
        V.LoyaltiesTransactionsExportCreateRequestBody.from_dict(
            {"parameters": {"fields": ["amount"]}}
        ),
    )
    by_member = loyalties.export_loyalty_card_transactions(
        card,
        V.LoyaltiesMembersTransactionsExportCreateRequestBody.from_dict(
            {"parameters": {"fields": ["amount", "voucher_id"]}}
        ),
    )
    await run_exports(db, settings)
    api = V.ExportsApi(sdk)
    expected = {
        created.id: [["type", "amount", "reason"], ["POINTS_ADDITION", "25", "welcome"]],
        by_loyalty.id: [["amount"], ["25"]],
    }
    for export_id, rows in expected.items():
        assert export_id is not None
        done = api.get_export(export_id)
        assert done.status == "DONE" and done.result is not None and done.result.url
        assert _rows(api.download_export(export_id, token=_token(done.result.url))) == rows
    assert by_member.id is not None
    member_rows = _rows(
        api.download_export(by_member.id, token=_token(api.get_export(by_member.id).result.url))
    )
    assert [r[0] for r in member_rows] == ["amount", "25"]
    assert member_rows[1][1].startswith("v_")


async def test_order_and_points_expiration_exports_parse(
    sdk: Any, db: Database, settings: Settings
) -> None:
    order_export = V.OrdersApi(sdk).create_order_export(
        V.OrdersExportCreateRequestBody.from_dict(
            {"parameters": {"fields": ["id", "status"], "order": "-created_at"}}
        )
    )
    assert (order_export.exported_object, order_export.status) == ("order", "SCHEDULED")
    program = V.CampaignsApi(sdk).create_campaign(
        V.CampaignsCreateRequestBody.from_dict(
            {
                "name": "SDK expiry",
                "campaign_type": "LOYALTY_PROGRAM",
                "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
            }
        )
    )
    assert program.id is not None
    expiring = V.LoyaltiesApi(sdk).create_points_expiration_export(
        program.id,
        V.LoyaltiesPointsExpirationExportCreateRequestBody.from_dict(
            {"parameters": {"fields": ["id", "points", "expires_at"]}}
        ),
    )
    assert (expiring.exported_object, expiring.status) == ("points_expiration", "SCHEDULED")
    assert await run_exports(db, settings) == 2

"""Imports over HTTP on both engines: good rows imported, bad rows reported by line."""

from __future__ import annotations

import httpx

from tests.imports.helpers import finish, upload
from tests.support import ProjectKeys, recorded_events
from voucherd.kit.db import Database

HEADER = "Code,Voucher Type,Value,Discount Type,Category,Expiration Date,Redemption Limit,Active"
VOUCHERS_CSV = (
    HEADER
    + """,Shop
SUMMER-1,DISCOUNT_VOUCHER,1000,AMOUNT,summer,2030-01-01,3,true,north
SUMMER-2,DISCOUNT_VOUCHER,15,PERCENT,summer,,,,south
BAD-VALUE,DISCOUNT_VOUCHER,ten,AMOUNT,,,,,
GIFT-1,GIFT_VOUCHER,5000,,,,,false,
SUMMER-1,DISCOUNT_VOUCHER,1000,AMOUNT,,,,,
BAD-DATE,DISCOUNT_VOUCHER,10,PERCENT,,2030-13-45,,,
EXISTING,DISCOUNT_VOUCHER,5,PERCENT,,,,false,
IN-CAMPAIGN,DISCOUNT_VOUCHER,5,PERCENT,,,,,
"""
)


async def test_voucher_csv_imports_good_rows_and_reports_bad_ones_by_line(
    client: httpx.AsyncClient, db: Database
) -> None:
    existing = {"code": "EXISTING", "discount": {"type": "AMOUNT", "amount_off": 1}}
    assert (await client.post("/v1/vouchers", json=existing)).status_code == 200
    campaign = {
        "name": "Has a code",
        "campaign_type": "DISCOUNT_COUPONS",
        "voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 1}},
    }
    r = await client.post("/v1/campaigns", json=campaign)
    assert r.status_code == 200, r.text
    r = await client.post(f"/v1/campaigns/{r.json()['id']}/vouchers/IN-CAMPAIGN", json={})
    assert r.status_code == 200, r.text
    action_id = await upload(client, "/v1/vouchers/importCSV", VOUCHERS_CSV)
    queued = (await client.get(f"/v1/async-actions/{action_id}")).json()
    assert queued["status"] == "ENQUEUED"
    assert queued["type"] == "VOUCHERS.IMPORT_CSV"
    assert queued["progress"] == 0

    body = await finish(client, db, action_id)
    assert body["operation_status"] == "SUCCESS"
    assert body["progress"] == 100
    result = body["result"]
    assert result["done_count"] == 4
    assert result["failed_count"] == 4
    assert result["message"] == "4 voucher(s) imported successfully, 4 failed."
    by_line = {f["row"]: f for f in result["failed"]}
    assert sorted(by_line) == [4, 6, 7, 9]
    assert by_line[4]["code"] == "BAD-VALUE"
    assert by_line[4]["field"] == "Value"
    assert by_line[6]["reason"] == "Code SUMMER-1 appears twice in the import"
    assert by_line[9]["reason"] == "Voucher with code IN-CAMPAIGN already exists in a campaign"
    # A standalone code already there is updated (Voucherify: "upload the same codes to update
    # them"), through the rules of PUT /v1/vouchers/{code}.
    updated = (await client.get("/v1/vouchers/EXISTING")).json()
    assert (updated["discount"]["type"], updated["discount"]["percent_off"]) == ("PERCENT", 5)
    assert updated["active"] is False
    assert by_line[7]["field"] == "Expiration Date"

    one = (await client.get("/v1/vouchers/SUMMER-1")).json()
    assert one["discount"]["amount_off"] == 1000
    assert one["category"] == "summer"
    assert one["redemption"]["quantity"] == 3
    assert one["metadata"] == {"Shop": "north"}
    assert one["expiration_date"].startswith("2030-01-01")
    gift = (await client.get("/v1/vouchers/GIFT-1")).json()
    assert gift["gift"]["balance"] == 5000
    assert gift["active"] is False
    assert (await client.get("/v1/vouchers/BAD-VALUE")).status_code == 404


async def test_webhooks_enable_records_voucher_created_for_each_imported_code(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    csv = "Code,Value,Discount Type\nHOOK-1,10,PERCENT\nHOOK-2,20,PERCENT\n"
    await finish(client, db, await upload(client, "/v1/vouchers/importCSV", csv))
    assert await recorded_events(db, project, "voucher.created") == []

    csv = "Code,Value,Discount Type\nHOOK-3,10,PERCENT\nHOOK-4,x,PERCENT\n"
    form = {"webhooks_enable": "true"}
    await finish(client, db, await upload(client, "/v1/vouchers/importCSV", csv, form=form))
    events = await recorded_events(db, project, "voucher.created")
    assert [e.data["voucher"]["code"] for e in events] == ["HOOK-3"]

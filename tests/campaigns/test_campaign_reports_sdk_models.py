"""The official SDK's models read the new bodies: failed redemptions, campaign transactions and
summaries, and the validation's stacking rules."""

from __future__ import annotations

from typing import Any

import httpx
import voucherify as V

GIFTS: dict[str, Any] = {
    "name": "Gifts",
    "campaign_type": "GIFT_VOUCHERS",
    "vouchers_count": 1,
    "voucher": {"type": "GIFT_VOUCHER", "gift": {"amount": 5000}},
}


async def test_sdk_models_read_failures_transactions_summary_and_stacking_rules(
    client: httpx.AsyncClient,
) -> None:
    campaign = (await client.post("/v1/campaigns", json=GIFTS)).json()
    code = (await client.get("/v1/vouchers")).json()["vouchers"][0]["code"]
    await client.post(f"/v1/vouchers/{code}/balance", json={"amount": 1000})
    over = {"object": "voucher", "id": code, "gift": {"credits": 999_999}}
    body = {"redeemables": [over], "order": {"amount": 100}, "customer": {"source_id": "x"}}
    assert (await client.post("/v1/redemptions", json=body)).status_code == 400
    unknown = {"redeemables": [{"object": "voucher", "id": "NOPE"}]}
    assert (await client.post("/v1/redemptions", json=unknown)).status_code == 404

    listing = V.RedemptionsListResponseBody.from_dict((await client.get("/v1/redemptions")).json())
    assert listing is not None and listing.redemptions is not None
    assert {r.result for r in listing.redemptions} == {"FAILURE"}
    assert {r.status for r in listing.redemptions} == {"FAILED"}

    txs = V.CampaignsTransactionsListResponseBody.from_dict(
        (await client.get(f"/v1/campaigns/{campaign['id']}/transactions")).json()
    )
    assert txs is not None and txs.data is not None and len(txs.data) == 1

    summary = V.CampaignsSummaryGetResponseBody.from_dict(
        (await client.get(f"/v1/campaigns/{campaign['id']}/summary")).json()
    )
    assert summary is not None

    validation = (await client.post("/v1/validations", json=body)).json()
    rules = V.StackingRules.from_dict(validation["stacking_rules"])
    assert rules is not None and rules.applicable_redeemables_limit == 5  # the default rules
    assert V.ValidationsValidateResponseBody.from_dict(validation) is not None

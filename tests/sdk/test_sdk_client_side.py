"""The official SDK's ClientSideApi with a publishable client key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import voucherify as V
from voucherify.exceptions import ForbiddenException

from tests.conftest import LiveServer
from tests.support import ProjectKeys
from voucherd.kit.db import Database
from voucherd.projects import service as projects
from voucherd.projects.service import ClientSettings

SHOP = "https://shop.example"


@pytest.fixture
async def client_keys(db: Database, project: ProjectKeys) -> dict[str, str]:
    async with db.transaction() as session:
        key = await projects.issue_key(
            session,
            kind="client",
            project_id=project.project_id,
            client=ClientSettings(origins=(SHOP,), allow_redeem=True),
        )
    return {"X-Client-Application-Id": key.key_id, "X-Client-Token": key.token}


@pytest.fixture
def client_sdk(live_server: LiveServer, client_keys: dict[str, str]) -> Iterator[Any]:
    cfg = V.Configuration(host=live_server.base_url, api_key=client_keys)
    with V.ApiClient(cfg) as api_client:
        yield api_client


def test_client_side_validate_redeem_and_track(sdk: Any, client_sdk: Any) -> None:
    voucher = V.VouchersApi(sdk).create_voucher(
        "SDK-CLIENT-1",
        V.VouchersCreateWithSpecificCodeRequestBody.from_dict(
            {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ORDER"},
                "redemption": {"quantity": 2},
            }
        ),
    )
    api = V.ClientSideApi(client_sdk)
    stack = {
        "redeemables": [{"object": "voucher", "id": voucher.code}],
        "customer": {"source_id": "sdk-web"},
        "order": {"items": [{"source_id": "mug", "quantity": 1, "price": 2000}]},
    }
    validated = api.validate_stacked_discounts_client_side(
        SHOP, V.ClientValidationsValidateRequestBody.from_dict(stack)
    )
    assert validated.valid is True
    assert validated.order is not None and validated.order.total_amount == 1500
    redeemed = api.redeem_stacked_discounts_client_side(
        SHOP, V.ClientRedemptionsRedeemRequestBody.from_dict(stack)
    )
    assert [r.result for r in redeemed.redemptions or []] == ["SUCCESS"]
    tracked = api.track_custom_event_client_side(
        SHOP,
        V.ClientEventsCreateRequestBody.from_dict(
            {"event": "viewed", "customer": {"source_id": "sdk-web"}}
        ),
    )
    assert (tracked.object, tracked.type) == ("event", "viewed")
    with pytest.raises(ForbiddenException):
        api.validate_stacked_discounts_client_side(
            "https://evil.example", V.ClientValidationsValidateRequestBody.from_dict(stack)
        )

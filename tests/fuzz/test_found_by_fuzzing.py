"""Requests the fuzz tests found answering 500; each must be a 400 that changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fuzz.world import campaign_body, program_body
from tests.support import ProjectKeys


@pytest.fixture
async def api(app: Any, project: ProjectKeys) -> AsyncIterator[httpx.AsyncClient]:
    # The app's own 500 answer comes back instead of the exception, as a real client sees it.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://voucherd.test", headers=project.headers
    ) as c:
        yield c


async def _total(api: httpx.AsyncClient, path: str) -> int:
    resp = await api.get(path)
    assert resp.status_code == 200, resp.text
    total: int = resp.json()["total"]
    return total


async def test_a_code_in_the_path_longer_than_a_code_is_refused(api: httpx.AsyncClient) -> None:
    campaign = (await api.post("/v1/campaigns", json=campaign_body())).json()
    before = await _total(api, "/v1/vouchers")

    for path in (
        f"/v1/vouchers/{'A' * 301}",
        f"/v1/campaigns/{campaign['id']}/vouchers/{'A' * 301}",
    ):
        resp = await api.post(
            path, json={"type": "DISCOUNT_VOUCHER"} if "campaigns" not in path else None
        )
        assert resp.status_code == 400, (path, resp.text)
        assert resp.json()["key"] == "invalid_query_params"

    assert await _total(api, "/v1/vouchers") == before
    ok = await api.post(f"/v1/campaigns/{campaign['id']}/vouchers/{'A' * 300}")
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize("where", ["prefix", "postfix"])
async def test_a_code_config_making_codes_longer_than_a_code_is_refused(
    api: httpx.AsyncClient, where: str
) -> None:
    body = campaign_body()
    body["voucher"]["code_config"] = {"length": 8, where: "P" * 293}
    before = await _total(api, "/v1/campaigns")

    resp = await api.post("/v1/campaigns", json=body)

    assert resp.status_code == 400, resp.text
    assert resp.json()["key"] == "invalid_code_config"
    assert "300" in resp.json()["details"]
    assert await _total(api, "/v1/campaigns") == before
    body["voucher"]["code_config"] = {"length": 8, where: "P" * 292}
    assert (await api.post("/v1/campaigns", json=body)).status_code == 200


async def test_a_member_customer_id_longer_than_an_id_is_refused(api: httpx.AsyncClient) -> None:
    program = (await api.post("/v1/loyalties", json=program_body())).json()
    path = f"/v1/loyalties/{program['id']}/members"

    resp = await api.post(path, json={"customer": "x" * 65})

    assert resp.status_code == 400, resp.text
    assert resp.json()["key"] == "invalid_payload" and "customer" in resp.json()["details"]
    assert await _total(api, path) == 0
    unknown = await api.post(path, json={"customer": "x" * 64})
    assert unknown.status_code == 404, unknown.text

"""The official SDK driven by an OAuth bearer token instead of App keys: the Python SDK has
no OAuthApi (the JS SDK's suite mints its token as below), but any of its operations sends the
token given as a default `Authorization` header."""

from __future__ import annotations

import httpx
import pytest
import voucherify as V
from voucherify.exceptions import UnauthorizedException

from tests.conftest import LiveServer
from tests.support import ProjectKeys


def test_sdk_calls_with_a_bearer_token(live_server: LiveServer, project: ProjectKeys) -> None:
    minted = httpx.post(
        f"{live_server.base_url}/v1/oauth/token",
        data={"grant_type": "client_credentials", "scope": "api"},
        headers=project.headers,
    )
    assert minted.status_code == 200, minted.text
    token = minted.json()["access_token"]
    cfg = V.Configuration(host=live_server.base_url)
    with V.ApiClient(cfg, header_name="Authorization", header_value=f"Bearer {token}") as api:
        customers = V.CustomersApi(api)
        created = customers.create_customer(
            V.CustomersCreateRequestBody(source_id="oauth-sdk", name="Ada")
        )
        assert created.id is not None and created.source_id == "oauth-sdk"
        assert customers.get_customer(created.id).name == "Ada"

        revoked = httpx.post(
            f"{live_server.base_url}/v1/oauth/token/revoke",
            data={"access_token": token},
            headers=project.headers,
        )
        assert revoked.status_code == 204
        with pytest.raises(UnauthorizedException):
            customers.get_customer(created.id)

"""The client-side API: publishable keys, origins, switches, CORS and the per-IP limit,
over HTTP on both engines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import Backend
from tests.projects.test_cli_keys import _voucherd
from tests.support import ProjectKeys, recorded_events
from voucherd.app import create_app
from voucherd.config import Settings
from voucherd.kit.db import Database
from voucherd.projects import service as projects
from voucherd.projects.auth import clear_auth_cache
from voucherd.projects.service import ClientSettings

SHOP = "https://shop.example"
DISCOUNT = {"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ORDER"}
ORDER = {"items": [{"source_id": "mug", "quantity": 1, "price": 2000}]}


async def _client_key(db: Database, project: ProjectKeys, **settings: Any) -> dict[str, str]:
    async with db.transaction() as session:
        key = await projects.issue_key(
            session, kind="client", project_id=project.project_id, client=ClientSettings(**settings)
        )
    return {"X-Client-Application-Id": key.key_id, "X-Client-Token": key.token}


async def _code(client: httpx.AsyncClient) -> str:
    resp = await client.post(
        "/v1/vouchers",
        json={"type": "DISCOUNT_VOUCHER", "discount": DISCOUNT, "redemption": {"quantity": 5}},
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["code"])


def _stack(code: str) -> dict[str, Any]:
    return {"redeemables": [{"object": "voucher", "id": code}], "order": ORDER}


async def test_validation_answers_allowed_origins_only(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    code = await _code(client)
    keys = await _client_key(db, project, origins=(SHOP,))
    server = (await client.post("/v1/validations", json=_stack(code))).json()

    ok = await anon_client.post(
        "/client/v1/validations", json=_stack(code), headers={**keys, "Origin": SHOP + "/"}
    )
    assert ok.status_code == 200, ok.text
    assert ok.headers["access-control-allow-origin"] == SHOP + "/"
    got = ok.json()
    assert (got["valid"], got["order"]) == (server["valid"], server["order"])
    # The SDKs send the origin as a query parameter.
    by_query = await anon_client.post(
        f"/client/v1/validations?origin={SHOP}", json=_stack(code), headers=keys
    )
    assert by_query.status_code == 200, by_query.text

    for headers in ({**keys, "Origin": "https://evil.example"}, keys):
        refused = await anon_client.post(
            "/client/v1/validations", json=_stack(code), headers=headers
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["key"] == "forbidden"
    wrong = await anon_client.post(
        "/client/v1/validations",
        json=_stack(code),
        headers={**keys, "X-Client-Token": "nope", "Origin": SHOP},
    )
    assert wrong.status_code == 401
    # An app key is no client key, and a client key opens nothing on the server-side API.
    app_on_client = await client.post("/client/v1/validations", json=_stack(code))
    assert app_on_client.status_code == 401
    client_on_server = await anon_client.post(
        "/v1/validations", json=_stack(code), headers={**keys, "Origin": SHOP}
    )
    assert client_on_server.status_code == 401


async def test_redeem_and_publish_only_when_the_key_allows_them(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    code = await _code(client)
    plain = {**await _client_key(db, project, origins=("*",)), "Origin": SHOP}
    refused = await anon_client.post("/client/v1/redemptions", json=_stack(code), headers=plain)
    assert refused.status_code == 403, refused.text
    assert (await client.get(f"/v1/vouchers/{code}")).json()["redemption"]["redeemed_quantity"] == 0
    campaign = await client.post(
        "/v1/campaigns",
        json={
            "name": "Welcome",
            "campaign_type": "DISCOUNT_COUPONS",
            "vouchers_count": 2,
            "voucher": {"type": "DISCOUNT_VOUCHER", "discount": DISCOUNT},
        },
    )
    publish = {"campaign": {"id": campaign.json()["id"]}, "customer": {"source_id": "web-1"}}
    assert (
        await anon_client.post("/client/v1/publish", json=publish, headers=plain)
    ).status_code == 403

    trusted = {
        **await _client_key(db, project, origins=("*",), allow_redeem=True, allow_publish=True),
        "Origin": SHOP,
    }
    redeemed = await anon_client.post(
        "/client/v1/redemptions",
        json={**_stack(code), "customer": {"source_id": "web-1"}},
        headers=trusted,
    )
    assert redeemed.status_code == 200, redeemed.text
    assert (await client.get(f"/v1/vouchers/{code}")).json()["redemption"]["redeemed_quantity"] == 1
    events = await recorded_events(db, project, "redemption.succeeded")
    assert events[-1].event_source["channel"] == "CLIENT_API"
    published = await anon_client.post("/client/v1/publish", json=publish, headers=trusted)
    assert published.status_code == 200, published.text
    assert published.json()["customer_id"]
    tracked = await anon_client.post(
        "/client/v1/events",
        json={"event": "viewed-offer", "customer": {"source_id": "web-1"}},
        headers=plain,
    )
    assert tracked.status_code == 200, tracked.text


async def test_preflight_is_answered_for_client_paths_only(anon_client: httpx.AsyncClient) -> None:
    preflight = {"Origin": SHOP, "Access-Control-Request-Method": "POST"}
    resp = await anon_client.options("/client/v1/validations", headers=preflight)
    assert resp.status_code == 204
    assert resp.headers["access-control-allow-origin"] == SHOP
    assert "x-client-token" in resp.headers["access-control-allow-headers"].lower()
    server = await anon_client.options("/v1/validations", headers=preflight)
    assert "access-control-allow-origin" not in server.headers


@pytest.fixture
async def strict_client(backend: Backend, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        Settings(database_url=backend.url, embedded_worker=False, client_rate_limit_per_minute=3),
        db,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://voucherd.test"
    ) as c:
        yield c


async def test_the_per_ip_limit_answers_429_with_voucherifys_headers(
    strict_client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    keys = {**await _client_key(db, project, origins=("*",)), "Origin": SHOP}
    body = {"event": "ping", "customer": {"source_id": "limit-1"}}
    answers = [
        await strict_client.post("/client/v1/events", json=body, headers=keys) for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    limited = answers[3]
    assert limited.json()["key"] == "too_many_requests"
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.headers["x-rate-limit-limit"] == "3"


async def test_cli_creates_a_client_key_and_refuses_bad_origins(
    backend: Backend, db: Database, project: ProjectKeys, anon_client: httpx.AsyncClient
) -> None:
    code, out, err = await _voucherd(
        backend, "keys", "create", "--project-id", project.project_id, "--client",
        "--origin", "https://Shop.example/",
    )  # fmt: skip
    assert code == 0, out + err
    key_id = out.split("Id:")[1].split()[0]
    token = out.split("Token:")[1].split()[0]
    clear_auth_cache()
    resp = await anon_client.post(
        "/client/v1/events",
        json={"event": "cli", "customer": {"source_id": "cli-1"}},
        headers={"X-Client-Application-Id": key_id, "X-Client-Token": token, "Origin": SHOP},
    )
    assert resp.status_code == 200, resp.text
    for bad in (["--origin", "shop.example"], [], ["--origin", "https://x.example/path"]):
        code, out, err = await _voucherd(
            backend, "keys", "create", "--project-id", project.project_id, "--client", *bad
        )
        assert code == 2 and err.startswith("Error: ") and "Traceback" not in err, out + err


async def test_env_credentials_bootstrap_a_demo_client_key(
    db: Database, anon_client: httpx.AsyncClient
) -> None:
    """VOUCHERD_CLIENT_APP_ID / VOUCHERD_CLIENT_TOKEN: known in advance, any origin, redeem on."""
    async with db.transaction() as session:
        done = await projects.bootstrap_default_project(
            session,
            name="Default",
            app_id=None,
            app_token=None,
            management_id=None,
            management_token=None,
            client_app_id="client-demo-id",
            client_token="client-demo-token",
        )
    assert ("client", "client-demo-id") in {(k.kind, k.key_id) for k in done.issued}
    clear_auth_cache()
    headers = {"X-Client-Application-Id": "client-demo-id", "X-Client-Token": "client-demo-token"}
    resp = await anon_client.post(
        "/client/v1/redemptions",
        json={"redeemables": [{"object": "voucher", "id": "NO-SUCH-CODE"}], "order": ORDER},
        headers=headers,  # no Origin: any origin is allowed
    )
    # Allowed to redeem: the refusal is about the code, not the key.
    assert resp.status_code in (400, 404), resp.text
    assert resp.json()["key"] != "forbidden"

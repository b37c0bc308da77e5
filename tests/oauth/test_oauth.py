"""OAuth 2.0 client-credentials tokens (the JS SDK's OAuthApi): issued by an App key as a form
post, accepted as `Authorization: Bearer` on `/v1/*` within their scope, until they expire
(the moved clock) or are revoked; only a digest is stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from tests.support import ProjectKeys, make_project
from voucherd.kit.clock import clock
from voucherd.kit.db import Database
from voucherd.kit.security import hash_token
from voucherd.oauth.models import OAuthToken
from voucherd.projects import service as projects
from voucherd.projects.auth import clear_auth_cache

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def _token(client: httpx.AsyncClient, scope: str = "api") -> dict[str, Any]:
    resp = await client.post(
        "/v1/oauth/token", content=f"grant_type=client_credentials&scope={scope}", headers=FORM
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_token_works_as_bearer_for_its_project(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient, project: ProjectKeys
) -> None:
    clock.freeze()
    body = await _token(client)
    assert body["token_type"] == "Bearer" and body["scope"] == "api"
    assert body["client_id"] == project.app_id
    assert body["expires_in"] == 900
    assert body["expires_at"] == int(clock.now().timestamp()) + 900
    created = await anon_client.post(
        "/v1/customers", json={"source_id": "oauth-1"}, headers=_bearer(body["access_token"])
    )
    assert created.status_code == 200, created.text
    # The customer belongs to the App key's project: the App key sees it.
    got = await client.get(f"/v1/customers/{created.json()['id']}")
    assert got.status_code == 200 and got.json()["source_id"] == "oauth-1"


async def test_only_a_digest_is_stored(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    token = (await _token(client))["access_token"]
    async with db.transaction() as session:
        rows = (
            (
                await session.execute(
                    select(OAuthToken).where(OAuthToken.project_id == project.project_id)
                )
            )
            .scalars()
            .all()
        )
    assert [r.token_hash for r in rows] == [hash_token(token)]
    assert all(token not in (r.token_hash, r.scope, r.id) for r in rows)


async def test_expired_token_is_refused(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    token = (await _token(client))["access_token"]
    assert (await anon_client.get("/v1/customers", headers=_bearer(token))).status_code == 200
    clock.advance(timedelta(seconds=899))
    assert (await anon_client.get("/v1/customers", headers=_bearer(token))).status_code == 200
    clock.advance(timedelta(seconds=2))
    expired = await anon_client.get("/v1/customers", headers=_bearer(token))
    assert expired.status_code == 401 and expired.json()["key"] == "unauthorized"
    intro = await client.post("/v1/oauth/introspect", data={"access_token": token})
    assert intro.json() == {"active": False}


async def test_revoked_token_is_refused(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    token = (await _token(client))["access_token"]
    assert (await anon_client.get("/v1/customers", headers=_bearer(token))).status_code == 200
    intro = await client.post("/v1/oauth/introspect", data={"access_token": token})
    assert intro.status_code == 200
    assert intro.json()["active"] is True and intro.json()["access_token"] == token
    revoked = await client.post("/v1/oauth/token/revoke", data={"access_token": token})
    assert revoked.status_code == 204 and revoked.content == b""
    refused = await anon_client.get("/v1/customers", headers=_bearer(token))
    assert refused.status_code == 401
    # Revoked in another process: this one's remembered grant is gone too once it lapses.
    clear_auth_cache()
    assert (await anon_client.get("/v1/customers", headers=_bearer(token))).status_code == 401
    intro = await client.post("/v1/oauth/introspect", data={"access_token": token})
    assert intro.json() == {"active": False}


async def test_tokens_of_a_revoked_app_key_stop_working(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    token = (await _token(client))["access_token"]
    async with db.transaction() as session:
        assert await projects.revoke_key(session, project.app_id)
    clear_auth_cache()  # what AUTH_CACHE_SECONDS does in every process
    assert (await anon_client.get("/v1/customers", headers=_bearer(token))).status_code == 401


async def test_scope_limits_the_paths(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    token = (await _token(client, "vouchers%20customers"))["access_token"]
    assert (await anon_client.get("/v1/vouchers", headers=_bearer(token))).status_code == 200
    assert (await anon_client.get("/v1/customers", headers=_bearer(token))).status_code == 200
    refused = await anon_client.get("/v1/campaigns", headers=_bearer(token))
    assert refused.status_code == 403 and refused.json()["key"] == "insufficient_scope"


async def test_a_token_cannot_mint_read_or_revoke_tokens(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    token = (await _token(client))["access_token"]
    for path, data in (
        ("/v1/oauth/token", {"grant_type": "client_credentials"}),
        ("/v1/oauth/introspect", {"access_token": token}),
        ("/v1/oauth/token/revoke", {"access_token": token}),
    ):
        resp = await anon_client.post(path, data=data, headers=_bearer(token))
        assert resp.status_code == 401, path


async def test_another_project_cannot_read_or_revoke_a_token(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient, db: Database
) -> None:
    token = (await _token(client))["access_token"]
    other = await make_project(db, name="Other")
    for path in ("/v1/oauth/introspect", "/v1/oauth/token/revoke"):
        resp = await anon_client.post(path, data={"access_token": token}, headers=other.headers)
        assert resp.status_code in (200, 204)
        if resp.status_code == 200:
            assert resp.json() == {"active": False}
    assert (await anon_client.get("/v1/customers", headers=_bearer(token))).status_code == 200


async def test_bad_requests_answer_4xx(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    bad_grant = await client.post("/v1/oauth/token", data={"grant_type": "password"})
    assert bad_grant.status_code == 400 and bad_grant.json()["key"] == "invalid_grant_type"
    bad_scope = await client.post("/v1/oauth/token", data={"scope": "api,vouchers"})
    assert bad_scope.status_code == 400 and "api,vouchers" in bad_scope.json()["details"]
    missing = await client.post("/v1/oauth/introspect", data={})
    assert missing.status_code == 400 and missing.json()["key"] == "missing_access_token"
    as_json = await client.post("/v1/oauth/token", json={"scope": "api"})
    assert as_json.status_code == 200 and as_json.json()["scope"] == "api"
    unknown = await anon_client.get("/v1/customers", headers=_bearer("oat_nope"))
    assert unknown.status_code == 401
    no_keys = await anon_client.post("/v1/oauth/token", data={"scope": "api"})
    assert no_keys.status_code == 401

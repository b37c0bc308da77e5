"""Console settings: API keys (the token shown once, then working; revoke), console users;
admins only, audited, never another project's keys."""

from __future__ import annotations

import re

import httpx

from tests.console.test_console_auth import _csrf, _log_in, _user, browser  # noqa: F401
from tests.support import ProjectKeys, make_project
from voucherd.kit.db import Database
from voucherd.projects.auth import clear_auth_cache


def _issued(html: str) -> tuple[str, str]:
    key_id = re.search(r'data-key="id">([^<]+)<', html)
    token = re.search(r'data-key="token">([^<]+)<', html)
    assert key_id and token, html
    return key_id.group(1), token.group(1)


async def test_admin_creates_and_revokes_keys_and_adds_users(
    browser: httpx.AsyncClient,  # noqa: F811
    anon_client: httpx.AsyncClient,
    db: Database,
    project: ProjectKeys,
) -> None:
    await _user(db, project, "set-admin@shop.example", role="admin")
    assert (await _log_in(browser, "set-admin@shop.example")).status_code == 303
    settings = await browser.get("/console/settings")
    assert project.app_id in settings.text
    csrf = _csrf(settings.text)

    created = await browser.post("/console/settings/keys", data={"kind": "app", "csrf_token": csrf})
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    key_id, token = _issued(created.text)
    headers = {"X-App-Id": key_id, "X-App-Token": token}
    assert (await anon_client.get("/v1/customers", headers=headers)).status_code == 200
    assert token not in (await browser.get("/console/settings")).text  # shown once

    client_key = await browser.post(
        "/console/settings/keys",
        data={
            "kind": "client", "origins": "https://Shop.example", "allow_redeem": "on",
            "csrf_token": csrf,
        },
    )  # fmt: skip
    client_id, client_token = _issued(client_key.text)
    tracked = await anon_client.post(
        "/client/v1/events",
        json={"event": "seen", "customer": {"source_id": "k"}},
        headers={
            "X-Client-Application-Id": client_id, "X-Client-Token": client_token,
            "Origin": "https://shop.example",
        },
    )  # fmt: skip
    assert tracked.status_code == 200, tracked.text
    bad_origin = await browser.post(
        "/console/settings/keys", data={"kind": "client", "origins": "shop", "csrf_token": csrf}
    )
    assert bad_origin.status_code == 400

    revoked = await browser.post(
        f"/console/settings/keys/{key_id}/revoke", data={"csrf_token": csrf}
    )
    assert revoked.status_code == 303
    clear_auth_cache()
    assert (await anon_client.get("/v1/customers", headers=headers)).status_code == 401

    other = await make_project(db, "Not mine")
    foreign = await browser.post(
        f"/console/settings/keys/{other.app_id}/revoke", data={"csrf_token": csrf}
    )
    assert foreign.status_code == 400
    assert (await anon_client.get("/v1/customers", headers=other.headers)).status_code == 200

    added = await browser.post(
        "/console/settings/users",
        data={
            "email": "set-new@shop.example", "password": "a fine long password", "role": "viewer",
            "csrf_token": csrf,
        },
    )  # fmt: skip
    assert added.status_code == 303
    assert "set-new@shop.example" in (await browser.get("/console/settings")).text
    weak = await browser.post(
        "/console/settings/users",
        data={"email": "x@shop.example", "password": "short", "role": "viewer", "csrf_token": csrf},
    )
    assert weak.status_code == 400
    audit = (await browser.get("/console/audit")).text
    for action in ("api_key.create", "api_key.revoke", "console_user.create"):
        assert action in audit
    assert token not in audit and client_token not in audit


async def test_settings_are_for_admins_only(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
) -> None:
    await _user(db, project, "set-editor@shop.example", role="editor")
    assert (await _log_in(browser, "set-editor@shop.example")).status_code == 303
    home = await browser.get("/console")
    assert "/console/settings" not in home.text
    assert (await browser.get("/console/settings")).status_code == 403
    created = await browser.post(
        "/console/settings/keys", data={"kind": "app", "csrf_token": _csrf(home.text)}
    )
    assert created.status_code == 403

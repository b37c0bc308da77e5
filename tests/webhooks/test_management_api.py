"""`/management/v1/projects/{projectId}/webhooks`: Voucherify's webhook configuration calls."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import ProjectKeys
from tests.webhooks.receiver import Inbox
from voucherd.webhooks.schemas import WebhookOut, WebhooksListOut

PUBLIC_URL = "https://93.184.216.34/hooks"  # a literal public address: no DNS in tests


def _base(project: ProjectKeys) -> str:
    return f"/management/v1/projects/{project.project_id}/webhooks"


async def test_webhook_is_created_listed_read_updated_and_deleted(
    mgmt: httpx.AsyncClient, project: ProjectKeys, inbox: Inbox
) -> None:
    base = _base(project)
    created = await mgmt.post(
        base, json={"target_url": inbox.url, "events": ["redemption.succeeded"]}
    )
    assert created.status_code == 200, created.text
    body = created.json()
    WebhookOut.model_validate(body)
    assert body["id"].startswith("wh_")
    assert body["object"] == "webhook"
    assert (body["target_url"], body["events"], body["active"]) == (
        inbox.url,
        ["redemption.succeeded"],
        True,
    )

    listing = (await mgmt.get(base)).json()
    WebhooksListOut.model_validate(listing)
    assert (listing["object"], listing["data_ref"], listing["total"]) == ("list", "data", 1)
    assert listing["data"][0]["id"] == body["id"]
    assert (await mgmt.get(f"{base}/{body['id']}")).json() == body

    updated = await mgmt.put(
        f"{base}/{body['id']}",
        json={"target_url": inbox.url, "events": ["customer.created"], "active": False},
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["events"], updated.json()["active"]) == (["customer.created"], False)
    assert updated.json()["updated_at"] is not None

    deleted = await mgmt.delete(f"{base}/{body['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert (await mgmt.get(f"{base}/{body['id']}")).status_code == 404


async def test_events_are_echoed_as_sent_including_sdk_spellings(
    mgmt: httpx.AsyncClient, project: ProjectKeys
) -> None:
    events = ["voucher.loyalty_card.pending_points.aded", "customer.redemption.succeeded"]
    body = await mgmt.post(_base(project), json={"target_url": PUBLIC_URL, "events": events})
    assert body.json()["events"] == events


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"events": ["customer.created"]}, "target_url"),
        ({"target_url": PUBLIC_URL, "events": []}, "events"),
        ({"target_url": PUBLIC_URL, "events": ["Customer Created"]}, "unknown event"),
        ({"target_url": "ftp://93.184.216.34/x", "events": ["customer.created"]}, "http"),
        (
            {"target_url": PUBLIC_URL, "events": ["customer.created"], "headers": {"Host": "x"}},
            "set by voucherd",
        ),
    ],
)
async def test_invalid_webhooks_are_refused_as_invalid_payload(
    mgmt: httpx.AsyncClient, project: ProjectKeys, payload: dict[str, Any], fragment: str
) -> None:
    resp = await mgmt.post(_base(project), json=payload)
    assert resp.status_code == 400
    assert resp.json()["key"] == "invalid_payload"
    assert fragment in resp.json()["details"]


async def test_unknown_project_or_webhook_is_not_found(
    mgmt: httpx.AsyncClient, project: ProjectKeys
) -> None:
    resp = await mgmt.get("/management/v1/projects/proj_missing/webhooks")
    assert (resp.status_code, resp.json()["resource_type"]) == (404, "project")
    resp = await mgmt.get(f"{_base(project)}/wh_missing")
    assert (resp.status_code, resp.json()["resource_type"]) == (404, "webhook")


async def test_webhooks_need_a_management_key(
    anon_client: httpx.AsyncClient, client: httpx.AsyncClient, project: ProjectKeys
) -> None:
    assert (await anon_client.get(_base(project))).status_code == 401
    app_keys = {"X-Management-Id": project.app_id, "X-Management-Token": project.app_token}
    assert (await anon_client.get(_base(project), headers=app_keys)).status_code == 401


async def test_one_projects_webhooks_are_not_visible_through_another(
    mgmt: httpx.AsyncClient, project: ProjectKeys, db: Any
) -> None:
    from tests.support import make_project

    other = await make_project(db, "Other")
    created = (
        await mgmt.post(
            _base(project), json={"target_url": PUBLIC_URL, "events": ["customer.created"]}
        )
    ).json()
    assert (await mgmt.get(f"{_base(other)}/{created['id']}")).status_code == 404
    assert (await mgmt.get(_base(other))).json()["total"] == 0


async def test_put_with_active_true_re_enables_a_disabled_webhook(
    mgmt: httpx.AsyncClient, project: ProjectKeys
) -> None:
    created = (
        await mgmt.post(
            _base(project),
            json={"target_url": PUBLIC_URL, "events": ["customer.created"], "active": False},
        )
    ).json()
    resp = await mgmt.put(f"{_base(project)}/{created['id']}", json={"active": True})
    assert resp.json()["active"] is True
    assert resp.json()["events"] == ["customer.created"]

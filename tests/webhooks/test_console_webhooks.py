"""The console's webhook pages: the delivery log with attempts, retry, replay of failures and
secret rotation, by role, through the same webhook services as the API."""

from __future__ import annotations

import httpx

from tests.console.test_console_auth import _csrf, _log_in, _user, browser  # noqa: F401
from tests.support import ProjectKeys
from tests.webhooks.conftest import Subscribe
from tests.webhooks.receiver import Receiver, Reply
from voucherd.kit.clock import clock
from voucherd.kit.db import Database
from voucherd.webhooks.worker import Deliverer


async def test_log_attempts_retry_replay_and_rotation_by_role(
    browser: httpx.AsyncClient,  # noqa: F811
    client: httpx.AsyncClient,
    mgmt: httpx.AsyncClient,
    project: ProjectKeys,
    subscribe: Subscribe,
    receiver: Receiver,
    deliverer: Deliverer,
    db: Database,
) -> None:
    clock.freeze()
    inbox = receiver.inbox()
    inbox.default = Reply(500)
    hook = await subscribe(inbox.url, ["customer.created"])
    await client.post("/v1/customers", json={"source_id": "hooked"})
    await deliverer.deliver_due(db)
    await _user(db, project, "hook-viewer@shop.example", role="viewer")
    await _user(db, project, "hook-editor@shop.example", role="editor")

    assert (await _log_in(browser, "hook-viewer@shop.example")).status_code == 303
    overview = await browser.get("/console/webhooks")
    assert inbox.url in overview.text and "customer.created" in overview.text
    assert "Replay failed" not in overview.text and "Rotate" not in overview.text
    sendout_id = overview.text.split("/console/webhooks/sendouts/")[1].split('"')[0]
    detail = await browser.get(f"/console/webhooks/sendouts/{sendout_id}")
    assert "failed" in detail.text and "500" in detail.text
    refused = await browser.post(
        f"/console/webhooks/sendouts/{sendout_id}/retry",
        data={"csrf_token": _csrf(detail.text)},
    )
    assert refused.status_code == 403
    await browser.post("/console/logout", data={"csrf_token": _csrf(detail.text)})

    assert (await _log_in(browser, "hook-editor@shop.example")).status_code == 303
    detail = await browser.get(f"/console/webhooks/sendouts/{sendout_id}")
    inbox.default = Reply(200)
    retried = await browser.post(
        f"/console/webhooks/sendouts/{sendout_id}/retry", data={"csrf_token": _csrf(detail.text)}
    )
    assert retried.status_code == 303
    await deliverer.deliver_due(db)
    detail = await browser.get(f"/console/webhooks/sendouts/{sendout_id}")
    assert 'data-metric="status">SUCCEEDED' in detail.text
    replay = await browser.post(
        f"/console/webhooks/{hook['id']}/replay", data={"csrf_token": _csrf(detail.text)}
    )
    assert replay.status_code == 303 and "Replaying+0" in replay.headers["location"]
    rotate = await browser.post(
        "/console/webhooks/rotate-secret", data={"csrf_token": _csrf(detail.text)}
    )
    assert rotate.status_code == 403  # admins only
    audit = (await browser.get("/console/audit")).text
    assert "webhook_sendout.retry" in audit and "webhook.replay" in audit

    await _user(db, project, "hook-admin@shop.example", role="admin")
    await browser.post("/console/logout", data={"csrf_token": _csrf(detail.text)})
    assert (await _log_in(browser, "hook-admin@shop.example")).status_code == 303
    base = f"/management/v1/projects/{project.project_id}/webhook-secret"
    before = (await mgmt.get(base)).json()
    page = await browser.get("/console/webhooks")
    rotated = await browser.post(
        "/console/webhooks/rotate-secret", data={"csrf_token": _csrf(page.text)}
    )
    assert rotated.status_code == 303
    after = (await mgmt.get(base)).json()
    assert after != before

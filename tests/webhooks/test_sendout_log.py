"""The send-out log: list and filter, attempts, retry now, replay failed, re-enable."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.support import ProjectKeys
from tests.webhooks.conftest import Subscribe
from tests.webhooks.receiver import Inbox, Receiver, Reply
from voucherd.kit.clock import clock, utcnow
from voucherd.kit.db import Database
from voucherd.kit.timefmt import iso
from voucherd.webhooks.schemas import SendoutOut, SendoutsListOut
from voucherd.webhooks.worker import Deliverer


def _base(project: ProjectKeys) -> str:
    return f"/management/v1/projects/{project.project_id}"


async def _list(mgmt: httpx.AsyncClient, project: ProjectKeys, **params: Any) -> dict[str, Any]:
    resp = await mgmt.get(f"{_base(project)}/webhook-sendouts", params=params)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    SendoutsListOut.model_validate(body)
    return body


async def test_sendouts_are_listed_and_filtered(
    client: httpx.AsyncClient,
    mgmt: httpx.AsyncClient,
    project: ProjectKeys,
    subscribe: Subscribe,
    receiver: Receiver,
    deliverer: Deliverer,
    db: Database,
) -> None:
    clock.freeze()
    ok, bad = receiver.inbox(), receiver.inbox()
    bad.default = Reply(500)
    good_hook = await subscribe(ok.url, ["customer.created", "customer.updated"])
    bad_hook = await subscribe(bad.url, ["customer.created"])
    await client.post("/v1/customers", json={"source_id": "a"})
    await client.put("/v1/customers/a", json={"name": "A"})
    await deliverer.deliver_due(db)

    everything = await _list(mgmt, project)
    assert everything["total"] == 3
    assert {s["status"] for s in everything["data"]} == {"SUCCEEDED", "PENDING"}
    mine = await _list(mgmt, project, webhook_id=bad_hook["id"])
    assert [(s["status"], s["attempts"]) for s in mine["data"]] == [("PENDING", 1)]
    assert mine["data"][0]["last_status_code"] == 500
    assert (await _list(mgmt, project, status="SUCCEEDED"))["total"] == 2
    updated = await _list(mgmt, project, event_type="customer.updated")
    assert [s["webhook_id"] for s in updated["data"]] == [good_hook["id"]]
    later = iso(utcnow() + timedelta(seconds=1))
    assert (await _list(mgmt, project, **{"created_at[after]": later}))["total"] == 0
    assert (await _list(mgmt, project, **{"created_at[before]": later}))["total"] == 3
    bad_status = await mgmt.get(f"{_base(project)}/webhook-sendouts", params={"status": "X"})
    assert bad_status.status_code == 400


async def test_a_sendout_shows_every_attempt(
    client: httpx.AsyncClient,
    mgmt: httpx.AsyncClient,
    project: ProjectKeys,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    clock.freeze()
    inbox.script(Reply(502))
    await subscribe(inbox.url, ["customer.created"])
    await client.post("/v1/customers", json={"source_id": "b"})
    await deliverer.deliver_due(db)
    clock.advance(timedelta(minutes=1))
    await deliverer.deliver_due(db)

    [listed] = (await _list(mgmt, project))["data"]
    body = (await mgmt.get(f"{_base(project)}/webhook-sendouts/{listed['id']}")).json()
    SendoutOut.model_validate(body)
    assert body["status"] == "SUCCEEDED"
    log = body["attempts_log"]
    assert [(a["number"], a["status_code"], a["succeeded"]) for a in log] == [
        (1, 502, False),
        (2, 200, True),
    ]
    assert all(isinstance(a["latency_ms"], int) for a in log)


async def test_retry_now_sends_a_waiting_sendout_without_moving_the_clock(
    client: httpx.AsyncClient,
    mgmt: httpx.AsyncClient,
    project: ProjectKeys,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    clock.freeze()
    inbox.script(Reply(500))
    await subscribe(inbox.url, ["customer.created"])
    await client.post("/v1/customers", json={"source_id": "c"})
    await deliverer.deliver_due(db)
    [sendout] = (await _list(mgmt, project))["data"]

    resp = await mgmt.post(f"{_base(project)}/webhook-sendouts/{sendout['id']}/retry")
    assert resp.status_code == 200, resp.text
    await deliverer.deliver_due(db)

    assert inbox.ids == [sendout["id"], sendout["id"]]
    assert (await _list(mgmt, project))["data"][0]["status"] == "SUCCEEDED"


async def test_replay_resends_failed_sendouts_of_an_endpoint_in_a_time_range(
    client: httpx.AsyncClient,
    mgmt: httpx.AsyncClient,
    project: ProjectKeys,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    clock.freeze()
    hook = await subscribe(inbox.url, ["customer.created"])
    inbox.default = Reply(410)
    await client.post("/v1/customers", json={"source_id": "old"})
    await deliverer.deliver_due(db)  # 410: failed, endpoint disabled
    clock.advance(timedelta(hours=1))
    cutoff = utcnow()
    clock.advance(timedelta(hours=1))
    resp = await mgmt.post(f"{_base(project)}/webhooks/{hook['id']}/enable")
    assert resp.json()["active"] is True and resp.json()["disabled_reason"] is None
    await client.post("/v1/customers", json={"source_id": "new"})
    await deliverer.deliver_due(db)  # 410 again
    assert (await _list(mgmt, project, status="FAILED"))["total"] == 2
    await mgmt.post(f"{_base(project)}/webhooks/{hook['id']}/enable")
    inbox.default = Reply(200)

    replay = await mgmt.post(
        f"{_base(project)}/webhooks/{hook['id']}/replay",
        json={"created_after": iso(cutoff)},
    )
    assert replay.json() == {"object": "webhook_replay", "webhook_id": hook["id"], "queued": 1}
    await deliverer.deliver_due(db)

    sources = [r.json["data"]["customer"]["source_id"] for r in inbox.requests]  # type: ignore[index]
    assert sources == ["old", "new", "new"]
    assert (await _list(mgmt, project, status="FAILED"))["total"] == 1


async def test_re_enabled_endpoint_resumes_its_waiting_sendouts(
    client: httpx.AsyncClient,
    mgmt: httpx.AsyncClient,
    project: ProjectKeys,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    hook = await subscribe(inbox.url, ["customer.created"])
    inbox.script(Reply(410))
    await client.post("/v1/customers", json={"source_id": "x1"})
    await client.post("/v1/customers", json={"source_id": "x2"})
    await deliverer.deliver_due(db)
    assert len(inbox.requests) == 1

    await mgmt.post(f"{_base(project)}/webhooks/{hook['id']}/enable")
    await deliverer.deliver_due(db)

    sources = [r.json["data"]["customer"]["source_id"] for r in inbox.requests]  # type: ignore[index]
    assert sources == ["x1", "x2"]

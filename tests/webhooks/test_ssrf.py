"""SSRF guard: private targets are refused when saved and again when each delivery connects."""

from __future__ import annotations

import ipaddress
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.support import ProjectKeys
from tests.webhooks.conftest import MakeDeliverer, Subscribe
from tests.webhooks.receiver import Receiver
from voucherd.kit.db import Database
from voucherd.webhooks.models import WebhookAttempt, WebhookSendout
from voucherd.webhooks.ssrf import BlockedAddress, parse_networks, refusal, vet


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "::1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "fd00:ec2::254",  # AWS metadata over IPv6
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "fe80::1",
        "224.0.0.1",
    ],
)
def test_non_public_addresses_are_refused_by_default(address: str) -> None:
    assert refusal(ipaddress.ip_address(address), ()) is not None


def test_public_addresses_are_allowed() -> None:
    assert refusal(ipaddress.ip_address("93.184.216.34"), ()) is None
    assert refusal(ipaddress.ip_address("2606:2800:220:1::1"), ()) is None


def test_allowed_networks_setting_opens_just_those_networks() -> None:
    allowed = parse_networks("127.0.0.0/8, 10.5.0.0/16")
    assert refusal(ipaddress.ip_address("127.0.0.1"), allowed) is None
    assert refusal(ipaddress.ip_address("::ffff:127.0.0.1"), allowed) is None
    assert refusal(ipaddress.ip_address("10.5.9.9"), allowed) is None
    assert refusal(ipaddress.ip_address("10.6.0.1"), allowed) is not None


async def test_a_name_resolving_to_loopback_is_refused() -> None:
    with pytest.raises(BlockedAddress, match="loopback"):
        await vet("localhost", 80, ())
    assert str(await vet("localhost", 80, parse_networks("127.0.0.0/8,::1/128"))) in (
        "127.0.0.1",
        "::1",
    )


async def test_private_target_is_refused_when_saved_by_default(
    anon_client: httpx.AsyncClient, management_headers: dict[str, str], project: ProjectKeys
) -> None:
    # `anon_client` runs the app with default settings: no allowed networks.
    for url in (
        "http://127.0.0.1:9000/x",
        "http://localhost:9000/x",
        "http://169.254.169.254/",
        # Spelled with other digits; dialled as 127.0.0.1 and 169.254.169.254.
        "http://127.0.0.\U0001fbf1:9000/x",
        "http://169.254.169.25\U0001fbf4/",
    ):
        resp = await anon_client.post(
            f"/management/v1/projects/{project.project_id}/webhooks",
            json={"target_url": url, "events": ["customer.created"]},
            headers=management_headers,
        )
        assert resp.status_code == 400, url
        assert "not allowed" in resp.json()["details"]


async def test_name_resolving_to_loopback_is_refused_at_connect_time(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    receiver: Receiver,
    make_deliverer: MakeDeliverer,
    db: Database,
) -> None:
    # Saved while loopback was allowed; the worker runs without that allowance. Its check at
    # connect time must stop the request even though the URL was accepted earlier.
    inbox = receiver.inbox(host="localhost")
    webhook: dict[str, Any] = await subscribe(inbox.url, ["customer.created"])
    deliverer = make_deliverer(webhook_allowed_networks="")
    await client.post("/v1/customers", json={"source_id": "ssrf"})

    await deliverer.deliver_due(db)

    assert inbox.requests == []
    async with db.transaction(write=False) as session:
        sendout = (
            await session.execute(
                select(WebhookSendout).where(WebhookSendout.endpoint_id == webhook["id"])
            )
        ).scalar_one()
        attempt = (
            await session.execute(
                select(WebhookAttempt).where(WebhookAttempt.sendout_id == sendout.id)
            )
        ).scalar_one()
    assert sendout.status == "PENDING"
    assert attempt.error is not None and "loopback" in attempt.error

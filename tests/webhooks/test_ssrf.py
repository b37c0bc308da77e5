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


async def _only_attempt(db: Database, endpoint_id: str) -> tuple[WebhookSendout, WebhookAttempt]:
    """The endpoint's one send-out and its one attempt."""
    async with db.transaction(write=False) as session:
        sendout = (
            await session.execute(
                select(WebhookSendout).where(WebhookSendout.endpoint_id == endpoint_id)
            )
        ).scalar_one()
        attempt = (
            await session.execute(
                select(WebhookAttempt).where(WebhookAttempt.sendout_id == sendout.id)
            )
        ).scalar_one()
    return sendout, attempt


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
    sendout, attempt = await _only_attempt(db, webhook["id"])
    assert sendout.status == "PENDING"
    assert attempt.error is not None and "loopback" in attempt.error


# IPv6 spellings that reach 127.0.0.1: the embedded IPv4 address is what gets dialled.
EMBEDDED_LOOPBACK = [
    "64:ff9b::127.0.0.1",  # NAT64 well-known prefix
    "2002:7f00:1::1",  # 6to4
    "::127.0.0.1",  # IPv4-compatible
    "::ffff:0:127.0.0.1",  # IPv4-translated (SIIT)
    "::ffff:127.0.0.1",  # IPv4-mapped
]
# Tunnels whose IPv4 end cannot be read back reliably: refused whatever IPv4 is allowed.
OPAQUE_TUNNELS = [
    "64:ff9b:1::7f00:1",  # NAT64 local-use prefix (RFC 8215)
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
]


@pytest.mark.parametrize("address", EMBEDDED_LOOPBACK)
def test_ipv6_embedding_an_ipv4_address_is_judged_by_that_address(address: str) -> None:
    ip = ipaddress.ip_address(address)
    reason = refusal(ip, ())
    assert reason is not None and "127.0.0.1, a loopback address" in reason
    # The operator's IPv4 allowance covers the IPv4 address however it is spelled.
    assert refusal(ip, parse_networks("127.0.0.0/8")) is None
    assert refusal(ip, parse_networks("10.0.0.0/8")) is not None


@pytest.mark.parametrize(
    "address", ["64:ff9b::8.8.8.8", "2002:808:808::1", "::8.8.8.8", "::ffff:0:8.8.8.8"]
)
def test_ipv6_embedding_a_public_ipv4_address_is_allowed(address: str) -> None:
    assert refusal(ipaddress.ip_address(address), ()) is None


@pytest.mark.parametrize("address", OPAQUE_TUNNELS)
def test_teredo_and_local_use_nat64_are_refused_unless_their_ipv6_network_is_allowed(
    address: str,
) -> None:
    ip = ipaddress.ip_address(address)
    assert refusal(ip, parse_networks("0.0.0.0/0")) is not None
    assert refusal(ip, parse_networks("2001::/32,64:ff9b:1::/48")) is None


@pytest.mark.parametrize("address", EMBEDDED_LOOPBACK + OPAQUE_TUNNELS)
async def test_ipv6_embedding_loopback_is_refused_when_saved_by_default(
    anon_client: httpx.AsyncClient,
    management_headers: dict[str, str],
    project: ProjectKeys,
    address: str,
) -> None:
    resp = await anon_client.post(
        f"/management/v1/projects/{project.project_id}/webhooks",
        json={"target_url": f"http://[{address}]:9000/x", "events": ["customer.created"]},
        headers=management_headers,
    )
    assert resp.status_code == 400, resp.text
    assert "not allowed" in resp.json()["details"]


@pytest.mark.parametrize("address", OPAQUE_TUNNELS)
async def test_tunnel_addresses_are_refused_when_saved_even_with_loopback_allowed(
    mgmt: httpx.AsyncClient, project: ProjectKeys, address: str
) -> None:
    resp = await mgmt.post(
        f"/management/v1/projects/{project.project_id}/webhooks",
        json={"target_url": f"http://[{address}]:9000/x", "events": ["customer.created"]},
    )
    assert resp.status_code == 400, resp.text


@pytest.mark.parametrize("address", EMBEDDED_LOOPBACK)
async def test_ipv6_embedding_loopback_is_refused_at_connect_time(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    receiver: Receiver,
    make_deliverer: MakeDeliverer,
    db: Database,
    address: str,
) -> None:
    # Saved while 127.0.0.0/8 was allowed (which the embedded address honours); the worker
    # runs without that allowance and must refuse before dialling, not fail to route.
    webhook: dict[str, Any] = await subscribe(
        f"http://[{address}]:{receiver.port}/embedded", ["customer.created"]
    )
    deliverer = make_deliverer(webhook_allowed_networks="")
    await client.post("/v1/customers", json={"source_id": "ssrf-v6"})

    await deliverer.deliver_due(db)

    _sendout, attempt = await _only_attempt(db, webhook["id"])
    assert attempt.error is not None
    assert attempt.error.startswith("blocked:") and "loopback" in attempt.error, attempt.error


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:18191:80/a", "http://h:99999/", "http://h:abc/", "http://[::1/x"]
)
async def test_malformed_port_or_host_in_target_url_is_a_400(
    mgmt: httpx.AsyncClient, project: ProjectKeys, url: str
) -> None:
    path = f"/management/v1/projects/{project.project_id}/webhooks"
    created = await mgmt.post(
        path, json={"target_url": "http://127.0.0.1:9000/ok", "events": ["customer.created"]}
    )
    assert created.status_code == 200, created.text

    resp = await mgmt.post(path, json={"target_url": url, "events": ["customer.created"]})
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["key"] == "invalid_payload"
    assert "not a valid URL" in body["details"]
    updated = await mgmt.put(f"{path}/{created.json()['id']}", json={"target_url": url})
    assert updated.status_code == 400, updated.text
    assert (await mgmt.get(f"{path}/{created.json()['id']}")).json()["target_url"] == (
        "http://127.0.0.1:9000/ok"
    )

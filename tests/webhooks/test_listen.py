"""`voucherd listen`: prints each webhook with a verified / unverified mark."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from voucherd.webhooks.envelope import encode
from voucherd.webhooks.listen import create_listener
from voucherd.webhooks.signing import sign_headers

ENVELOPE = {
    "id": "whs_1",
    "type": "customer.created",
    "data": {},
    "event": {"id": "evcus_1", "entity_id": "cust_1"},
}


async def _post(secret: str | None, signed_with: str) -> list[str]:
    lines: list[str] = []
    app = create_listener(secret, printer=lines.append)
    body = encode(ENVELOPE)
    headers = sign_headers(
        body, message_id="whs_1", timestamp=datetime.now(UTC), secrets=[signed_with]
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://l") as c:
        resp = await c.post("/hooks", content=body, headers=headers)
    assert resp.status_code == 200
    return lines


async def test_listen_marks_correctly_signed_webhooks_verified() -> None:
    [line] = await _post("s3cret", signed_with="s3cret")
    assert line.startswith("✔ verified")
    assert "customer.created" in line and "whs_1" in line and "evcus_1" in line


async def test_listen_marks_a_wrong_signature_unverified() -> None:
    [line] = await _post("s3cret", signed_with="other")
    assert line.startswith("✘ UNVERIFIED (x-voucherify-signature, webhook-signature)")


async def test_listen_without_secret_says_it_did_not_check() -> None:
    [line] = await _post(None, signed_with="other")
    assert line.startswith("? unchecked")


def test_listen_is_a_cli_command() -> None:
    from typer.testing import CliRunner

    from voucherd.cli import app

    result = CliRunner().invoke(app, ["listen", "--help"])
    assert result.exit_code == 0
    assert "--secret" in result.output and "--port" in result.output

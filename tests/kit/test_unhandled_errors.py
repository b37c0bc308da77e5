"""An unexpected error answers an ordinary 500 in the error format, with the request id (also
in the log line), and leaves the connection usable: a request pipelined behind it on the same
connection is answered (it used to run and commit with its answer lost, and the 500 said
`request_id: null`)."""

from __future__ import annotations

import json
import logging
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import LiveServer
from tests.kit.test_bad_input import assert_error
from tests.support import ProjectKeys
from voucherd.customers import service as customers
from voucherd.customers.schemas import CustomerCreate

BOOM = "boom"


@pytest.fixture
def failing_upsert(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in the service, for one source_id: not a storage mock, the storage is real."""
    real = customers.upsert

    async def upsert(session: Any, ctx: Any, body: CustomerCreate) -> Any:
        if body.source_id == BOOM:
            raise RuntimeError("a bug")
        return await real(session, ctx, body)

    monkeypatch.setattr(customers, "upsert", upsert)


def _request(host: str, project: ProjectKeys, source_id: str) -> bytes:
    body = json.dumps({"source_id": source_id}).encode()
    head = (
        f"POST /v1/customers HTTP/1.1\r\nHost: {host}\r\n"
        f"X-App-Id: {project.app_id}\r\nX-App-Token: {project.app_token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _read_responses(sock: socket.socket, wanted: int, timeout: float = 10.0) -> list[Any]:
    """(status, headers, body) of each complete response until `wanted` arrived or the server
    closed the connection."""
    data = b""
    responses: list[Any] = []
    deadline = time.monotonic() + timeout
    closed = False
    while len(responses) < wanted and not closed and time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            chunk = b""
        closed = not chunk
        data += chunk
        while b"\r\n\r\n" in data:
            head, rest = data.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            headers = {
                k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])
            }
            length = int(headers.get("content-length", "0"))
            if len(rest) < length:
                break
            responses.append((int(lines[0].split()[1]), headers, rest[:length]))
            data = rest[length:]
    return responses


async def test_unhandled_error_answers_500_with_request_id_and_keeps_pipelined_request(
    live_server: LiveServer,
    project: ProjectKeys,
    client: httpx.AsyncClient,
    failing_upsert: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = urlsplit(live_server.base_url)
    assert url.hostname is not None and url.port is not None
    caplog.set_level(logging.ERROR, logger="voucherd.http")
    with socket.create_connection((url.hostname, url.port)) as sock:
        sock.sendall(_request(url.netloc, project, BOOM) + _request(url.netloc, project, "second"))
        # Blocking socket I/O in the test's loop is fine: uvicorn serves from its own thread.
        responses = _read_responses(sock, 2)
    assert responses, "no answer at all"
    status, headers, raw = responses[0]
    assert status == 500
    assert headers["content-type"].startswith("application/json")
    error = json.loads(raw)
    assert error["key"] == "internal_error" and error["code"] == 500
    assert error["request_id"].startswith("v-")
    # The log line names the request, so the operator can find the client's failure.
    logged = [r for r in caplog.records if error["request_id"] in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    # The pipelined request was answered (or, if the connection had to close, never ran).
    second = (await client.get("/v1/customers/second")).status_code
    if len(responses) == 2:
        assert responses[1][0] == 200
        assert second == 200
    else:
        assert second == 404, "the pipelined request ran but its answer was lost"
    # Nothing of the failed request was stored.
    assert (await client.get(f"/v1/customers/{BOOM}")).status_code == 404


async def test_unhandled_error_through_asgi_has_request_id(
    client: httpx.AsyncClient, failing_upsert: None
) -> None:
    resp = await client.post("/v1/customers", json={"source_id": BOOM})
    body = assert_error(resp, 500, "internal_error")
    assert body["request_id"].startswith("v-")

"""The HTTP side of one delivery attempt (`Sender`), against the real local receiver."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable

import pytest

from tests.webhooks.receiver import Receiver, Reply
from voucherd.webhooks import delivery
from voucherd.webhooks.delivery import ERROR_CHARS, EXCERPT_BYTES, USER_AGENT, Sender
from voucherd.webhooks.ssrf import BlockedAddress, parse_networks

LOOPBACK = parse_networks("127.0.0.0/8,::1/128")
HEADERS = {"content-type": "application/json", "user-agent": USER_AGENT, "webhook-id": "whs_1"}

MakeSender = Callable[..., Sender]


@pytest.fixture
async def make_sender() -> AsyncIterator[MakeSender]:
    made: list[Sender] = []

    def make(*, timeout: float = 2.0, allowed: object = LOOPBACK) -> Sender:
        sender = Sender(timeout=timeout, allowed_networks=allowed, max_connections=4)  # type: ignore[arg-type]
        made.append(sender)
        return sender

    yield make
    for sender in made:
        await sender.aclose()


async def test_posts_the_body_with_exactly_the_given_headers(
    receiver: Receiver, make_sender: MakeSender
) -> None:
    inbox = receiver.inbox()
    result = await make_sender().post(inbox.url, b'{"a":1}', HEADERS)

    assert result.status_code == 200 and result.succeeded
    assert result.response_excerpt == "ok"
    [received] = inbox.requests
    assert received.body == b'{"a":1}'
    assert received.headers["user-agent"] == USER_AGENT  # not the client library's own
    assert received.headers["webhook-id"] == "whs_1"


async def test_redirects_are_not_followed(receiver: Receiver, make_sender: MakeSender) -> None:
    elsewhere = receiver.inbox()
    inbox = receiver.inbox()
    inbox.script(Reply(status=307, headers={"location": elsewhere.url}))

    result = await make_sender().post(inbox.url, b"{}", HEADERS)

    assert result.status_code == 307 and not result.succeeded
    assert elsewhere.requests == []


async def test_a_long_answer_is_kept_as_a_short_excerpt(
    receiver: Receiver, make_sender: MakeSender
) -> None:
    inbox = receiver.inbox()
    inbox.script(Reply(status=500, body=b"x" * (EXCERPT_BYTES * 5)))

    result = await make_sender().post(inbox.url, b"{}", HEADERS)

    assert result.status_code == 500
    assert result.response_excerpt == "x" * EXCERPT_BYTES


async def test_retry_after_is_read_from_the_answer(
    receiver: Receiver, make_sender: MakeSender
) -> None:
    inbox = receiver.inbox()
    inbox.script(Reply(status=429, headers={"retry-after": "7"}))

    result = await make_sender().post(inbox.url, b"{}", HEADERS)

    assert (result.status_code, result.retry_after) == (429, "7")


async def test_a_slow_receiver_times_out(receiver: Receiver, make_sender: MakeSender) -> None:
    inbox = receiver.inbox()
    inbox.script(Reply(delay=1.5))

    result = await make_sender(timeout=0.3).post(inbox.url, b"{}", HEADERS)

    assert result.status_code is None
    assert result.error == "timeout after 0.3s"
    assert 250 <= result.latency_ms < 1500


async def test_an_ip_literal_is_vetted_too(receiver: Receiver, make_sender: MakeSender) -> None:
    # aiohttp connects to IP literals without asking the (guarding) resolver.
    inbox = receiver.inbox()

    result = await make_sender(allowed=()).post(inbox.url, b"{}", HEADERS)

    assert result.status_code is None
    assert result.error is not None and result.error.startswith("blocked:")
    assert "loopback" in result.error
    assert inbox.requests == []


async def test_a_refused_connection_is_an_error_not_an_exception(
    make_sender: MakeSender,
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    result = await make_sender().post(f"http://127.0.0.1:{port}/x", b"{}", HEADERS)

    assert result.status_code is None
    assert result.error is not None and "Connect" in result.error


async def test_an_ip_literal_spelled_in_other_digits_is_vetted_as_dialled(
    receiver: Receiver, make_sender: MakeSender
) -> None:
    # aiohttp's URL parsing maps U+1FBF1 (a segmented digit one) to "1": this is 127.0.0.1.
    inbox = receiver.inbox()
    url = inbox.url.replace("127.0.0.1", "127.0.0.\U0001fbf1")

    result = await make_sender(allowed=()).post(url, b"{}", HEADERS)

    assert result.error is not None and "loopback" in result.error
    assert inbox.requests == []


async def test_the_socket_itself_is_guarded(
    receiver: Receiver, make_sender: MakeSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whatever the host checks miss, no socket opens to a refused address.
    inbox = receiver.inbox()
    sender = make_sender(allowed=())
    monkeypatch.setattr(sender, "_vet_literal", _no_check)

    result = await sender.post(inbox.url, b"{}", HEADERS)

    assert result.error is not None and result.error.startswith("blocked:")
    assert "loopback" in result.error
    assert inbox.requests == []


async def _no_check(_url: str) -> None:
    return None


async def test_a_long_refusal_fits_the_send_out_log(
    receiver: Receiver, make_sender: MakeSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(*_args: object) -> None:
        raise BlockedAddress("; ".join(f"10.0.0.{i} is a private address" for i in range(60)))

    monkeypatch.setattr(delivery, "vet", refuse)

    result = await make_sender().post(receiver.inbox().url, b"{}", HEADERS)

    assert result.error is not None and result.error.startswith("blocked:")
    assert len(result.error) == ERROR_CHARS

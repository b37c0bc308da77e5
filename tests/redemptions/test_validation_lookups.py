"""A validation treats an unknown customer or order as absent, and nothing else: a lookup
that fails for another reason (the database, a bug) is an error, not "no such customer"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, NoReturn

import httpx
import pytest

from tests.support import ProjectKeys
from voucherd.customers import service as customers
from voucherd.orders import service as orders


@pytest.fixture
async def raw_client(app: Any, project: ProjectKeys) -> AsyncIterator[httpx.AsyncClient]:
    """Answers a server error as the HTTP client sees it, instead of re-raising it."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://voucherd.test", headers=project.headers
    ) as c:
        yield c


async def _code(client: httpx.AsyncClient) -> str:
    body = {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 100}}
    return str((await client.post("/v1/vouchers", json=body)).json()["code"])


async def _broken(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise RuntimeError("lookup failed")


async def test_unknown_customer_and_order_are_fine_for_a_validation(
    raw_client: httpx.AsyncClient,
) -> None:
    resp = await raw_client.post(
        "/v1/validations",
        json={
            "redeemables": [{"object": "voucher", "id": await _code(raw_client)}],
            "customer": {"source_id": "nobody-yet"},
            "order": {"id": "ord_not_yet", "amount": 1000},
        },
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["valid"] is True


@pytest.mark.parametrize(
    ("target", "extra"),
    [
        (customers, {"customer": {"source_id": "someone"}}),
        (orders, {"order": {"id": "ord_someone"}}),
    ],
    ids=["customer", "order"],
)
async def test_a_failing_lookup_is_an_error_not_an_absent_customer_or_order(
    raw_client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    target: Any,
    extra: dict[str, Any],
) -> None:
    code = await _code(raw_client)
    monkeypatch.setattr(target, "get", _broken)
    resp = await raw_client.post(
        "/v1/validations",
        json={"redeemables": [{"object": "voucher", "id": code}], "order": {"amount": 1000}}
        | extra,
    )
    assert resp.status_code == 500
    assert resp.json()["key"] == "internal_error"

"""Every `order` Voucherify's spec enumerates for a list we serve sorts that list, both ways.

Rows are made with creation times, keys and updates that disagree with id order (and with
ties), so a list that ignored `order`, or sorted by id, comes back in the wrong order. Each
case walks the list two rows at a time, by `page` and by `starting_after_id`, and the pages
joined must be exactly the rows sorted by (key, id) in the asked direction: no row twice,
none missing.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from voucherd.kit.clock import clock

_HERE = Path(__file__).resolve()
# ../shared beside the repository (a worktree sits one level deeper).
SPEC = next(
    (
        found
        for up in (3, 4)
        if (found := _HERE.parents[up] / "shared/reference/voucherify-openapi.json").exists()
    ),
    _HERE.parents[3] / "shared/reference/voucherify-openapi.json",
)
T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)
# Row i is created at T0 + HOURS[i] (ids are in i order; 0/2 and 1/4 tie), and rows 1 and 3
# are updated later (at the same moment): `updated_at` order differs from both.
HOURS = [3, 1, 3, 0, 1]
UPDATED = (1, 3)
# Unique keys (codes, source ids) shuffled against id order; shared keys tie in pairs.
UNIQUE = ["KD", "KB", "KE", "KA", "KC"]
SHARED = ["KB", "KA", "KB", "KC", "KA"]

Make = Callable[[httpx.AsyncClient, int], Awaitable[str]]
Touch = Callable[[httpx.AsyncClient, str], Awaitable[None]]


def _ok(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code in (200, 201, 202), resp.text
    body: dict[str, Any] = resp.json()
    return body


def _field(resp: httpx.Response, name: str) -> str:
    return str(_ok(resp)[name])


DISCOUNT = {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 100}}


async def _campaign(client: httpx.AsyncClient, name: str, **extra: Any) -> dict[str, Any]:
    body = {"name": name, "campaign_type": "DISCOUNT_COUPONS", "type": "STATIC", **extra}
    return _ok(await client.post("/v1/campaigns", json={"voucher": DISCOUNT, **body}))


async def _program(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    card = {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}
    return _ok(await client.post("/v1/loyalties", json={"name": name, "voucher": card}))


# -- per endpoint: make row i, update a row, and read an item's sort key --------------------


async def make_voucher(client: httpx.AsyncClient, i: int) -> str:
    return _field(await client.post(f"/v1/vouchers/{UNIQUE[i]}", json=DISCOUNT), "code")


async def touch_voucher(client: httpx.AsyncClient, code: str) -> None:
    _ok(await client.put(f"/v1/vouchers/{code}", json={"category": "touched"}))


async def make_campaign(client: httpx.AsyncClient, i: int) -> str:
    return str((await _campaign(client, UNIQUE[i]))["id"])


async def touch_campaign(client: httpx.AsyncClient, key: str) -> None:
    _ok(await client.put(f"/v1/campaigns/{key}", json={"description": "touched"}))


async def make_program(client: httpx.AsyncClient, i: int) -> str:
    return str((await _program(client, UNIQUE[i]))["id"])


async def make_customer(client: httpx.AsyncClient, i: int) -> str:
    return str(_ok(await client.post("/v1/customers", json={"source_id": UNIQUE[i]}))["id"])


async def touch_customer(client: httpx.AsyncClient, key: str) -> None:
    _ok(await client.put(f"/v1/customers/{key}", json={"name": "touched"}))


async def make_order(client: httpx.AsyncClient, i: int) -> str:
    body = {"source_id": UNIQUE[i], "amount": 1000}
    return _field(await client.post("/v1/orders", json=body), "id")


async def touch_order(client: httpx.AsyncClient, key: str) -> None:
    _ok(await client.put(f"/v1/orders/{key}", json={"metadata": {"touched": True}}))


async def make_product(client: httpx.AsyncClient, i: int) -> str:
    body = {"source_id": UNIQUE[i], "name": "p"}
    return _field(await client.post("/v1/products", json=body), "id")


async def touch_product(client: httpx.AsyncClient, key: str) -> None:
    _ok(await client.put(f"/v1/products/{key}", json={"name": "touched"}))


async def make_publication(client: httpx.AsyncClient, i: int) -> str:
    """Customer (and so customer_id, tracking id) and channel tie in pairs; codes are unique."""
    _ok(await client.post(f"/v1/vouchers/{UNIQUE[i]}", json=DISCOUNT))
    body = {"voucher": UNIQUE[i], "customer": {"source_id": SHARED[i]}, "channel": SHARED[i]}
    return str(_ok(await client.post("/v1/publications", json=body))["id"])


async def make_redemption(client: httpx.AsyncClient, i: int) -> str:
    """Vouchers, customers (and tracking ids) tie in pairs."""
    code = SHARED[i]
    if (await client.get(f"/v1/vouchers/{code}")).status_code == 404:
        _ok(await client.post(f"/v1/vouchers/{code}", json=DISCOUNT))
    body = {
        "redeemables": [{"object": "voucher", "id": code}],
        "customer": {"source_id": SHARED[(i + 1) % len(SHARED)]},
        "order": {"amount": 1000},
    }
    redemption = _ok(await client.post("/v1/redemptions", json=body))["redemptions"][0]
    return str(redemption["id"])


def _created(item: dict[str, Any]) -> str:
    # A redemption's creation time is its `date`.
    return str(item.get("created_at") or item["date"])


def _updated(item: dict[str, Any]) -> str:
    return str(item.get("updated_at") or _created(item))


def _tracking(item: dict[str, Any]) -> str:
    return str(item.get("tracking_id") or "")


def _customer_id(item: dict[str, Any]) -> str:
    return str(item.get("customer_id") or "")


def _no_key(item: dict[str, Any]) -> str:
    return ""


def _redeemed_code(item: dict[str, Any]) -> str:
    return str((item.get("voucher") or {}).get("code") or "")


# field -> how to read it from an item; "id" entries: the object has no such attribute, so the
# whole order is the id tiebreak.
KEYS: dict[str, dict[str, Callable[[dict[str, Any]], str]]] = {
    "/v1/vouchers": {"created_at": _created, "updated_at": _updated, "code": lambda v: v["code"]},
    "/v1/campaigns": {"created_at": _created, "updated_at": _updated},
    "/v1/loyalties": {"created_at": _created, "updated_at": _updated},
    "/v1/loyalties/{campaignId}/members": {
        "created_at": _created,
        "updated_at": _updated,
        "code": lambda v: v["code"],
    },
    "/v1/customers": {
        "created_at": _created,
        "updated_at": _updated,
        "source_id": lambda c: c["source_id"],
    },
    "/v1/orders": {"created_at": _created, "updated_at": _updated},
    "/v1/products": {
        "created_at": _created,
        "updated_at": _updated,
        **dict.fromkeys(("type", "code", "campaign", "category"), _no_key),
    },
    "/v1/publications": {
        "created_at": _created,
        "voucher_code": lambda p: p["vouchers"][0],
        "tracking_id": _tracking,
        "customer_id": lambda p: p["customer_id"],
        "channel": lambda p: p["channel"],
    },
    "/v1/redemptions": {
        "created_at": _created,
        "voucher_code": _redeemed_code,
        "tracking_id": _tracking,
        "customer_id": _customer_id,
    },
}


def _both(*fields: str) -> list[str]:
    return [value for field in fields for value in (field, f"-{field}")]


# The `order` enums of Voucherify's OpenAPI for these operations (copied; checked against the
# spec file below when it is present beside the repository).
SPEC_ORDERS: dict[str, list[str]] = {
    "/v1/vouchers": _both("created_at", "updated_at", "code"),
    "/v1/campaigns": _both("created_at", "updated_at"),
    "/v1/loyalties": _both("created_at", "updated_at"),
    "/v1/loyalties/{campaignId}/members": _both("created_at", "updated_at", "code"),
    "/v1/customers": _both("created_at", "updated_at", "source_id"),
    "/v1/orders": _both("created_at", "updated_at"),
    "/v1/products": _both("created_at", "updated_at", "type", "code", "campaign", "category"),
    "/v1/publications": _both(
        "id", "voucher_code", "tracking_id", "customer_id", "created_at", "channel"
    ),
    "/v1/redemptions": _both("created_at", "id", "voucher_code", "tracking_id", "customer_id"),
}

CASES = [(path, order) for path, orders in SPEC_ORDERS.items() for order in orders]


@pytest.mark.skipif(not SPEC.exists(), reason="Voucherify's OpenAPI is not beside the repository")
def test_orders_are_the_spec_enums() -> None:
    spec = json.loads(SPEC.read_text())

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    for path, orders in SPEC_ORDERS.items():
        params = [resolve(p) for p in spec["paths"][path]["get"]["parameters"]]
        (param,) = (p for p in params if p.get("name") == "order")
        assert sorted(resolve(param["schema"])["enum"]) == sorted(orders), path


def test_every_spec_order_has_a_case() -> None:
    """The cases come from the spec; each field must have a key reader (or be id)."""
    for path, order in CASES:
        field = order.lstrip("-")
        assert field == "id" or field in KEYS[path], (path, order)
    assert len(KEYS) == 9


class Rows:
    """Makes the rows of one list; members need their program first."""

    def __init__(self, client: httpx.AsyncClient, path: str) -> None:
        self.client, self.path, self.url = client, path, path
        self.program = ""

    async def make(self, i: int) -> str:
        if self.path == "/v1/loyalties/{campaignId}/members":
            if not self.program:
                self.program = (await _program(self.client, "Members"))["id"]
                self.url = f"/v1/loyalties/{self.program}/members"
            # Cards with codes that sort against their creation order (random codes sorted
            # like their ids one time in 120, and the case then proved nothing).
            code = f"MEMBER-{len(HOURS) - i:02}"
            added = f"/v1/campaigns/{self.program}/vouchers"
            _ok(await self.client.post(added, json={"code": code}))
            body = {"customer": {"source_id": UNIQUE[i]}, "voucher": code}
            card = _ok(await self.client.post(self.url, json=body))
            assert card["code"] == code
            return str(card["code"])
        return await MAKERS[self.path][0](self.client, i)

    async def touch(self, key: str) -> None:
        if self.path == "/v1/loyalties/{campaignId}/members":
            await touch_voucher(self.client, key)
            return
        toucher = MAKERS[self.path][1]
        if toucher is not None:
            await toucher(self.client, key)


MAKERS: dict[str, tuple[Make, Touch | None]] = {
    "/v1/vouchers": (make_voucher, touch_voucher),
    "/v1/campaigns": (make_campaign, touch_campaign),
    "/v1/loyalties": (make_program, touch_campaign),
    "/v1/customers": (make_customer, touch_customer),
    "/v1/orders": (make_order, touch_order),
    "/v1/products": (make_product, touch_product),
    # Neither is updated through the API: the spec lists no updated_at order for them.
    "/v1/publications": (make_publication, None),
    "/v1/redemptions": (make_redemption, None),
}


async def _walk(client: httpx.AsyncClient, url: str, order: str, *, keyset: bool) -> list[Any]:
    """Every item, two per request, by `page` or by `starting_after_id`."""
    items: list[Any] = []
    params: dict[str, Any] = {"order": order, "limit": 2}
    for page in range(1, 20):
        if not keyset:
            params["page"] = page
        body = _ok(await client.get(url, params=params))
        chunk = body[body["data_ref"]]
        items += chunk
        if not body.get("has_more", bool(chunk)):
            return items
        params["starting_after_id"] = chunk[-1]["id"]
    raise AssertionError("the list never ended")


@pytest.mark.parametrize(("path", "order"), CASES)
async def test_list_sorts_by_every_spec_order(
    client: httpx.AsyncClient, path: str, order: str
) -> None:
    rows = Rows(client, path)
    made: list[str] = []
    for i, hours in enumerate(HOURS):
        clock.freeze(T0 + timedelta(hours=hours))
        made.append(await rows.make(i))
    clock.freeze(T0 + timedelta(hours=10))
    for i in UPDATED:
        await rows.touch(made[i])
    clock.reset()

    everything = _ok(await client.get(rows.url, params={"limit": 100}))
    items = everything[everything["data_ref"]]
    assert len(items) == len(HOURS)
    field, descending = order.lstrip("-"), order.startswith("-")
    read = KEYS[path].get(field, _no_key)
    expected = sorted(items, key=lambda item: (read(item), item["id"]), reverse=descending)
    expected_ids = [item["id"] for item in expected]
    # Where keys differ, the fixture must make this order differ from plain id order, or the
    # test would prove little. (Publications' channel is always API: a pure tiebreak case.)
    by_id = sorted(expected_ids, reverse=descending)
    if len({read(item) for item in items}) > 1:
        assert expected_ids != by_id, "fixture rows sort like ids"

    for keyset in (False, True):
        walked = await _walk(client, rows.url, order, keyset=keyset)
        assert [item["id"] for item in walked] == expected_ids, (keyset, walked)


@pytest.mark.parametrize("path", list(KEYS))
async def test_order_outside_the_spec_enum_is_refused(client: httpx.AsyncClient, path: str) -> None:
    url = path.replace("{campaignId}", (await _program(client, "P"))["id"]) if "{" in path else path
    for order in ("name", "-banana", "created_at;drop", "updated_at,code"):
        resp = await client.get(url, params={"order": order})
        assert resp.status_code == 400, (order, resp.text)
        assert resp.json()["key"] == "invalid_query_params"


async def test_gift_transactions_sort_by_id_both_ways(client: httpx.AsyncClient) -> None:
    """GET /v1/vouchers/{code}/transactions: the spec's enum is id / -id (ignored before)."""
    card = _ok(
        await client.post("/v1/vouchers", json={"type": "GIFT_VOUCHER", "gift": {"amount": 1}})
    )
    for amount in (100, 200, 300):
        _ok(await client.post(f"/v1/vouchers/{card['code']}/balance", json={"amount": amount}))
    url = f"/v1/vouchers/{card['code']}/transactions"
    ids = {}
    for order in ("id", "-id"):
        ids[order] = [t["id"] for t in _ok(await client.get(url, params={"order": order}))["data"]]
    assert len(ids["id"]) == 3 and ids["id"] == sorted(ids["id"])
    assert ids["-id"] == ids["id"][::-1]
    wrong = await client.get(url, params={"order": "amount"})
    assert wrong.status_code == 400 and wrong.json()["key"] == "invalid_query_params"

"""Transaction lists take every filter condition Voucherify's spec lists for them.

A member's list filters on `id` and `created_at`, a program's and a campaign's on `id` and
`voucher_id` (string conditions: $is, $is_not, $in, $not_in, $has_value, $is_unknown,
$starts_with, $ends_with, $contains, $not_contain; date-time: $after, $before, $has_value,
$is_unknown, $more_than, $less_than); `filters[junction]` joins them. Before #12 only $is and
$in were taken, on the campaign list only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from voucherd.kit.clock import clock

T0 = datetime(2025, 5, 1, 12, tzinfo=UTC)
CARD = {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}


def _ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _setup(client: httpx.AsyncClient) -> tuple[str, str, str, list[str]]:
    """A program, two members; member one gets points on days 0, 1, 2, member two on day 1.
    Returns the program id, both card codes and member one's transaction ids, oldest first."""
    program = _ok(await client.post("/v1/loyalties", json={"name": "F", "voucher": CARD}))["id"]
    one, two = [
        _ok(await client.post(f"/v1/loyalties/{program}/members", json={"customer": c}))["code"]
        for c in ({"source_id": "one"}, {"source_id": "two"})
    ]
    for day, code in ((0, one), (1, one), (1, two), (2, one)):
        clock.freeze(T0 + timedelta(days=day))
        _ok(await client.post(f"/v1/loyalties/members/{code}/balance", json={"points": 10}))
    clock.freeze(T0 + timedelta(days=10))
    mine = _ok(await client.get(f"/v1/loyalties/members/{one}/transactions?order=id"))["data"]
    return program, one, two, [t["id"] for t in mine]


async def _ids(client: httpx.AsyncClient, url: str, params: dict[str, str]) -> list[str]:
    return [t["id"] for t in _ok(await client.get(url, params={"order": "id", **params}))["data"]]


async def test_member_transactions_filter_on_created_at_and_id(client: httpx.AsyncClient) -> None:
    program, one, _two, (d0, d1, d2) = await _setup(client)
    day1 = (T0 + timedelta(days=1)).isoformat()
    cond = "filters[{}][conditions][${}]"
    for url in (
        f"/v1/loyalties/members/{one}/transactions",
        f"/v1/loyalties/{program}/members/{one}/transactions",
    ):
        cases: list[tuple[dict[str, str], list[str]]] = [
            ({cond.format("created_at", "after"): day1}, [d2]),
            ({cond.format("created_at", "before"): day1}, [d0]),
            ({cond.format("created_at", "has_value"): ""}, [d0, d1, d2]),
            ({cond.format("created_at", "is_unknown"): ""}, []),
            # Now is day 10: day 0 is ten days ago, day 1 nine, day 2 eight (bounds exclusive).
            ({cond.format("created_at", "more_than"): "9"}, [d0]),
            ({cond.format("created_at", "less_than"): "10"}, [d1, d2]),
            ({cond.format("created_at", "less_than"): "9"}, [d2]),
            ({cond.format("id", "is"): d1}, [d1]),
            ({cond.format("id", "is_not"): d1}, [d0, d2]),
            ({cond.format("id", "in") + "[0]": d0, cond.format("id", "in") + "[1]": d2}, [d0, d2]),
            ({cond.format("id", "not_in"): f"{d0},{d2}"}, [d1]),
            ({cond.format("id", "starts_with"): d2}, [d2]),
            ({cond.format("id", "ends_with"): d0[-10:]}, [d0]),
            ({cond.format("id", "contains"): d1[4:]}, [d1]),
            ({cond.format("id", "not_contain"): d1[4:]}, [d0, d2]),
            # AND (the default) and OR between fields.
            ({cond.format("id", "is_not"): d2, cond.format("created_at", "after"): day1}, []),
            (
                {
                    "filters[junction]": "OR",
                    cond.format("id", "is"): d0,
                    cond.format("created_at", "after"): day1,
                },
                [d0, d2],
            ),
        ]
        for params, expected in cases:
            assert await _ids(client, url, params) == expected, (url, params)
        for params in (
            {cond.format("voucher_id", "is"): "x"},  # not a filter of the member lists
            {cond.format("created_at", "starts_with"): "2025"},  # not a date-time condition
            {cond.format("id", "after"): day1},
            {cond.format("created_at", "after"): "yesterday"},
            {cond.format("created_at", "more_than"): "many"},
            {"filters[junction]": "xor"},
        ):
            bad = await client.get(url, params=params)
            assert bad.status_code == 400, (params, bad.text)
            assert bad.json()["key"] == "invalid_query_params"


async def test_program_and_campaign_transactions_filter_on_voucher_id(
    client: httpx.AsyncClient,
) -> None:
    program, one, two, mine = await _setup(client)
    card_one = _ok(await client.get(f"/v1/loyalties/members/{one}"))["id"]
    card_two = _ok(await client.get(f"/v1/loyalties/members/{two}"))["id"]
    cond = "filters[{}][conditions][${}]"
    for url in (f"/v1/loyalties/{program}/transactions", f"/v1/campaigns/{program}/transactions"):
        everything = _ok(await client.get(url, params={"order": "id", "limit": 100}))["data"]
        theirs = [t["id"] for t in everything if t["voucher_id"] == card_two]
        assert len(everything) == 4 and len(theirs) == 1
        assert await _ids(client, url, {cond.format("voucher_id", "is_not"): card_two}) == mine
        assert await _ids(client, url, {cond.format("voucher_id", "in"): card_one}) == mine
        assert await _ids(client, url, {cond.format("voucher_id", "is_unknown"): ""}) == []
        both = {"filters[junction]": "or", cond.format("voucher_id", "is"): card_two}
        both[cond.format("id", "is")] = mine[0]
        assert await _ids(client, url, both) == sorted([mine[0], *theirs])
        bad = await client.get(url, params={cond.format("created_at", "after"): "2025-01-01"})
        assert bad.status_code == 400 and bad.json()["key"] == "invalid_query_params"


async def test_python_sdk_filter_forms_are_taken(client: httpx.AsyncClient) -> None:
    """The official Python SDK sends `filters[f][$op]` (no `[conditions]`), lists as their
    Python repr and unset conditions as the text `None`; each means what the spec form means."""
    _program, one, _two, (d0, d1, d2) = await _setup(client)
    url = f"/v1/loyalties/members/{one}/transactions"
    day1 = (T0 + timedelta(days=1)).isoformat()
    cases: list[tuple[dict[str, str], list[str]]] = [
        ({"filters[id][$is]": d1}, [d1]),
        ({"filters[created_at][$after]": day1}, [d2]),
        ({"filters[id][$in]": repr([d0, d2])}, [d0, d2]),
        ({"filters[id][$not_in]": repr([d0])}, [d1, d2]),
        ({"filters[id][$is]": "None", "filters[created_at][$before]": day1}, [d0]),
        ({"filters[junction]": "None", "filters[id][$is_not]": d0}, [d1, d2]),
    ]
    for params, expected in cases:
        assert await _ids(client, url, params) == expected, params
    # An unknown field or condition is still refused, even with the SDK's `None`.
    for params in ({"filters[code][$is]": "None"}, {"filters[id][$after]": "None"}):
        bad = await client.get(url, params=params)
        assert bad.status_code == 400 and bad.json()["key"] == "invalid_query_params", params

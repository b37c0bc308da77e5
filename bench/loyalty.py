"""Loyalty throughput through HTTP: points earned on paid orders, rewards redeemed for points.

earn: `POST /v1/orders` with status PAID, one order per member of a program with one FIXED
earning rule on `order.paid`. reward: `POST /v1/loyalties/members/{code}/redemption` of a
MATERIAL reward, one per card. Members are created through the API before the clock starts.
Either raises EndpointMissing when the server answers 404/405 for a route it needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from bench.coupons import ORDER_ITEMS, Measured
from bench.server import Server, gather_limited, ok
from bench.wrk import LoadResult, Req, run_load

EARN_POINTS = 10
REWARD_POINTS = 100
OPENING_POINTS = 1000  # every card can afford its reward several times


async def _program(client: httpx.AsyncClient, name: str, points: int) -> dict[str, Any]:
    body = {
        "name": name,
        "type": "AUTO_UPDATE",
        "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": points}},
    }
    program: dict[str, Any] = ok(await client.post("/v1/loyalties", json=body), "create program")
    return program


async def _members(
    client: httpx.AsyncClient, program_id: str, prefix: str, count: int
) -> list[tuple[str, str]]:
    """(customer source_id, card code) of `count` new members."""

    async def join(index: int) -> tuple[str, str]:
        source_id = f"{prefix}-{index:06d}"
        card = ok(
            await client.post(
                f"/v1/loyalties/{program_id}/members", json={"customer": {"source_id": source_id}}
            ),
            "add member",
        )
        return source_id, str(card["code"])

    return list(await gather_limited(join(i) for i in range(count)))


async def balance(client: httpx.AsyncClient, code: str) -> int:
    card = ok(await client.get(f"/v1/loyalties/members/{code}"), "read member")
    return int((card.get("loyalty_card") or {}).get("balance") or 0)


async def _measure(
    server: Server,
    reqs: list[Req],
    workdir: Path,
    *,
    warmup: int,
    concurrency: int,
    max_seconds: float,
    tag: str,
) -> tuple[LoadResult, LoadResult | None]:
    warm = None
    if warmup:
        warm = await run_load(
            server,
            reqs[:warmup],
            workdir,
            concurrency=concurrency,
            max_seconds=max_seconds,
            tag=f"{tag}-warmup",
        )
    result = await run_load(
        server, reqs[warmup:], workdir, concurrency=concurrency, max_seconds=max_seconds, tag=tag
    )
    return result, warm


async def measure_earn(
    server: Server,
    client: httpx.AsyncClient,
    workdir: Path,
    *,
    count: int,
    warmup: int,
    concurrency: int,
    max_seconds: float,
) -> Measured:
    program = await _program(client, "Bench earning", 0)
    rule = {
        "event": "order.paid",
        "loyalty": {"type": "FIXED", "points": EARN_POINTS},
        "source": {"banner": f"{EARN_POINTS} points per order"},
    }
    ok(
        await client.post(f"/v1/loyalties/{program['id']}/earning-rules", json=[rule]),
        "create earning rule",
    )
    members = await _members(client, program["id"], "earn", warmup + count)
    reqs = [
        Req(
            "POST",
            "/v1/orders",
            {"status": "PAID", "customer": {"source_id": sid}, "items": ORDER_ITEMS},
        )
        for sid, _code in members
    ]
    result, warm = await _measure(
        server,
        reqs,
        workdir,
        warmup=warmup,
        concurrency=concurrency,
        max_seconds=max_seconds,
        tag="earn",
    )
    problems = _warm_problems(warm)
    # The first request of the second wrk thread was certainly answered (see wrk.py).
    earned = await balance(client, members[warmup + 1][1])
    if result.requests and earned != EARN_POINTS:
        problems.append(f"a paid order earned {earned} points, not {EARN_POINTS}")
    return Measured(result, problems)


async def measure_reward(
    server: Server,
    client: httpx.AsyncClient,
    workdir: Path,
    *,
    count: int,
    warmup: int,
    concurrency: int,
    max_seconds: float,
) -> Measured:
    program = await _program(client, "Bench rewards", OPENING_POINTS)
    product = ok(
        await client.post("/v1/products", json={"source_id": "bench-mug", "name": "Bench mug"}),
        "create product",
    )
    reward = ok(
        await client.post(
            "/v1/rewards",
            json={
                "name": "Bench mug",
                "type": "MATERIAL",
                "parameters": {"product": {"id": product["id"]}},
            },
        ),
        "create reward",
    )
    ok(
        await client.post(
            f"/v1/rewards/{reward['id']}/assignments",
            json={"campaign": program["id"], "parameters": {"loyalty": {"points": REWARD_POINTS}}},
        ),
        "assign reward",
    )
    body = {"reward": {"id": reward["id"]}}
    # One probe card first: a missing redemption route is found before thousands of members.
    [(_sid, probe)] = await _members(client, program["id"], "reward-probe", 1)
    if await balance(client, probe) < REWARD_POINTS:
        ok(
            await client.post(
                f"/v1/loyalties/members/{probe}/balance", json={"points": OPENING_POINTS}
            ),
            "add points",
        )
    ok(
        await client.post(f"/v1/loyalties/members/{probe}/redemption", json=body),
        "redeem reward",
    )
    members = await _members(client, program["id"], "reward", warmup + count)
    if await balance(client, members[0][1]) < REWARD_POINTS:  # no opening points: add them

        async def credit(code: str) -> None:
            ok(
                await client.post(
                    f"/v1/loyalties/members/{code}/balance", json={"points": OPENING_POINTS}
                ),
                "add points",
            )

        await gather_limited(credit(code) for _sid, code in members)
    reqs = [Req("POST", f"/v1/loyalties/members/{code}/redemption", body) for _s, code in members]
    result, warm = await _measure(
        server,
        reqs,
        workdir,
        warmup=warmup,
        concurrency=concurrency,
        max_seconds=max_seconds,
        tag="reward",
    )
    problems = _warm_problems(warm)
    left = await balance(client, members[warmup + 1][1])
    if result.requests and left != OPENING_POINTS - REWARD_POINTS:
        problems.append(f"a redeemed card has {left} points, not {OPENING_POINTS - REWARD_POINTS}")
    return Measured(result, problems)


def _warm_problems(warm: LoadResult | None) -> list[str]:
    if warm is not None and warm.failed:
        return [f"warm-up: {warm.non_2xx} non-2xx, e.g. {warm.sample_failure}"]
    return []

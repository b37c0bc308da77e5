"""Where a request's time goes: one hot path run sequentially in-process, with no HTTP server.

    python -m bench.profile redeem|redeem_rules|earn|reward|qualify|qualify_crowded
        [--db sqlite|postgres] [-n 500] [--profile]

Drives the real ASGI app with a minimal hand-built ASGI call (so the client costs next to
nothing), after a warm-up, and prints the mean time per request, the CPU this process spent
on it (on PostgreSQL the rest is the database's), and the SQL statements per request.
`--profile` adds a pyinstrument report of the measured requests, `--statements` the SQL of
the last one. On SQLite the app and the database share this thread: time is CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import event, select, text

from bench.coupons import ORDER_ITEMS, campaign_body
from bench.server import DEFAULT_PG_URL, fresh_database
from voucherd.app import create_app
from voucherd.config import Settings
from voucherd.kit.db import Database
from voucherd.migrate import upgrade
from voucherd.projects import service as projects

Call = Callable[[str, str, Any], Awaitable[tuple[int, bytes]]]


def asgi_caller(app: Any, headers: dict[str, str]) -> Call:
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def call(method: str, path: str, body: Any) -> tuple[int, bytes]:
        payload = orjson.dumps(body) if body is not None else b""
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [
                *raw_headers,
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("voucherd.bench", 80),
        }
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": payload, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        return status, b"".join(chunks)

    return call


async def _ok(client: httpx.AsyncClient, method: str, path: str, body: Any = None) -> Any:
    resp = await client.request(method, path, json=body)
    if resp.status_code >= 300:
        raise RuntimeError(f"{method} {path}: {resp.status_code} {resp.text}")
    return resp.json()


async def redeem_requests(client: httpx.AsyncClient, count: int) -> list[tuple[str, str, Any]]:
    campaign = await _ok(client, "POST", "/v1/campaigns", campaign_body("Profile", count))
    page = await _ok(client, "GET", f"/v1/vouchers?campaign_id={campaign['id']}&limit=100")
    codes = [v["code"] for v in page["vouchers"]]
    while len(codes) < count:
        more = await _ok(
            client,
            "GET",
            f"/v1/vouchers?campaign_id={campaign['id']}&limit=100&page={len(codes) // 100 + 1}",
        )
        codes += [v["code"] for v in more["vouchers"]]
    for i in range(50):
        await _ok(client, "POST", "/v1/customers", {"source_id": f"prof-{i}"})
    return [
        (
            "POST",
            "/v1/redemptions",
            {
                "redeemables": [{"object": "voucher", "id": code}],
                "customer": {"source_id": f"prof-{i % 50}"},
                "order": {"items": ORDER_ITEMS},
            },
        )
        for i, code in enumerate(codes[:count])
    ]


# The three rules of issue 13's budget: order amount, product in cart, once per customer.
def three_rules(product_id: str) -> dict[str, Any]:
    return {
        "1": {"name": "order.amount", "conditions": {"$more_than": [1000]}, "rules": {}},
        "2": {
            "name": "order.items.any",
            "conditions": {"$is": [{"id": product_id, "object": "product"}]},
            "rules": {},
        },
        "3": {
            "name": "redemption.count.per_customer",
            "conditions": {"$less_than_or_equal": [1]},
            "rules": {},
        },
        "logic": "1 and 2 and 3",
    }


async def redeem_rules_requests(
    client: httpx.AsyncClient, count: int
) -> list[tuple[str, str, Any]]:
    """`redeem` with the three rules assigned to the codes' campaign."""
    product = await _ok(
        client, "POST", "/v1/products", {"name": "A", "source_id": "bench-prod-a", "price": 3500}
    )
    reqs = await redeem_requests(client, count)
    voucher = await _ok(client, "GET", f"/v1/vouchers/{reqs[0][2]['redeemables'][0]['id']}")
    rules = three_rules(product["id"])
    made = await client.post("/v1/validation-rules", json={"name": "bench", "rules": rules})
    if made.status_code == 200:
        await _ok(
            client,
            "POST",
            f"/v1/validation-rules/{made.json()['id']}/assignments",
            {"related_object_type": "campaign", "related_object_id": voucher["campaign_id"]},
        )
    else:  # before the rules endpoints are merged: the same rows, written directly
        await _assign_directly(client, voucher["campaign_id"], rules)
    return reqs


async def _assign_directly(client: httpx.AsyncClient, campaign_id: str, rules: Any) -> None:
    from sqlalchemy import select

    from voucherd.campaigns.models import Campaign
    from voucherd.kit.ids import Prefix, new_id
    from voucherd.rules.models import ValidationRule, ValidationRuleAssignment

    db = client._transport.app.state.db  # type: ignore[attr-defined]
    async with db.transaction() as session:
        project_id = (
            await session.execute(select(Campaign.project_id).where(Campaign.id == campaign_id))
        ).scalar_one()
        rule_id = new_id(Prefix.VALIDATION_RULE)
        session.add(ValidationRule(id=rule_id, project_id=project_id, name="bench", rules=rules))
        await session.flush()
        session.add(
            ValidationRuleAssignment(
                id=new_id(Prefix.RULE_ASSIGNMENT),
                project_id=project_id,
                rule_id=rule_id,
                related_object_type="campaign",
                related_object_id=campaign_id,
            )
        )


async def _program(client: httpx.AsyncClient, points: int) -> dict[str, Any]:
    body = {
        "name": f"Profile {points}",
        "type": "AUTO_UPDATE",
        # Cards in a category, as seed 003's: the category is joined into every card read.
        "category": "Profile cards",
        "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": points}},
    }
    program: dict[str, Any] = await _ok(client, "POST", "/v1/loyalties", body)
    return program


async def _members(client: httpx.AsyncClient, program: str, prefix: str, n: int) -> list[Any]:
    return [
        await _ok(
            client,
            "POST",
            f"/v1/loyalties/{program}/members",
            {"customer": {"source_id": f"{prefix}-{i}"}},
        )
        for i in range(n)
    ]


async def earn_requests(client: httpx.AsyncClient, count: int) -> list[tuple[str, str, Any]]:
    program = await _program(client, 0)
    rule = {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 10}}
    await _ok(client, "POST", f"/v1/loyalties/{program['id']}/earning-rules", [rule])
    cards = await _members(client, program["id"], "earn", count)
    return [
        (
            "POST",
            "/v1/orders",
            {"status": "PAID", "customer": {"source_id": f"earn-{i}"}, "items": ORDER_ITEMS},
        )
        for i in range(len(cards))
    ]


async def reward_requests(client: httpx.AsyncClient, count: int) -> list[tuple[str, str, Any]]:
    program = await _program(client, 1000)
    product = await _ok(client, "POST", "/v1/products", {"source_id": "prof-mug", "name": "Mug"})
    reward = await _ok(
        client,
        "POST",
        "/v1/rewards",
        {"name": "Mug", "type": "MATERIAL", "parameters": {"product": {"id": product["id"]}}},
    )
    await _ok(
        client,
        "POST",
        f"/v1/rewards/{reward['id']}/assignments",
        {"campaign": program["id"], "parameters": {"loyalty": {"points": 100}}},
    )
    cards = await _members(client, program["id"], "reward", count)
    return [
        (
            "POST",
            f"/v1/loyalties/members/{card['code']}/redemption",
            {"reward": {"id": reward["id"]}},
        )
        for card in cards
    ]


async def qualify_requests(client: httpx.AsyncClient, count: int) -> list[tuple[str, str, Any]]:
    """Issue 14's qualification: a customer and a 5-item cart, 50 live tiers, 20 coupon
    campaigns, 10 codes published to the customer (bench/qualify.py)."""
    from bench.qualify import build_world

    db = client._transport.app.state.db  # type: ignore[attr-defined]

    async def write(campaign_id: str, make: Callable[[str], list[Any]]) -> None:
        from sqlalchemy import select

        from voucherd.campaigns.models import Campaign

        async with db.transaction() as session:
            project_id = (
                await session.execute(select(Campaign.project_id).where(Campaign.id == campaign_id))
            ).scalar_one()
            for row in make(project_id):
                session.add(row)
                await session.flush()

    body = await build_world(client, write)
    return [("POST", "/v1/qualifications", body)] * count


CROWD = 100_000


async def qualify_crowded_requests(
    client: httpx.AsyncClient, count: int
) -> list[tuple[str, str, Any]]:
    """`qualify` in a project that also holds 100,000 codes nobody holds (a bulk campaign
    and imported single-use codes, bench/qualify.py `crowd`): the same answer, and it must
    cost the same (the candidates come from indexes, not from the project's codes)."""
    from bench.qualify import crowd
    from voucherd.customers.models import Customer

    reqs = await qualify_requests(client, count)
    db = client._transport.app.state.db  # type: ignore[attr-defined]
    async with db.transaction() as session:
        project_id = (await session.execute(select(Customer.project_id).limit(1))).scalar_one()
        await crowd(session, project_id, CROWD)
    return reqs


SCENARIOS = {
    "redeem": redeem_requests,
    "redeem_rules": redeem_rules_requests,
    "earn": earn_requests,
    "reward": reward_requests,
    "qualify": qualify_requests,
    "qualify_crowded": qualify_crowded_requests,
}


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with fresh_database(args.db, Path(tmp), args.pg_url) as url:
            await upgrade(url)
            db = Database(url, pool_size=5, max_overflow=5)
            async with db.transaction() as session:
                project = await projects.create_project(session, "Profile")
                key = await projects.issue_key(session, kind="app", project_id=project.id)
            headers = {"X-App-Id": key.key_id, "X-App-Token": key.token}
            app = create_app(Settings(database_url=url, embedded_worker=False), db)
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://p", headers=headers
            ) as client:
                reqs = await SCENARIOS[args.scenario](client, args.n + args.warmup)
            if not db.is_sqlite:
                # The steady state a server runs in: autovacuum analyzes tables within a
                # minute of such writes. Without statistics the planner guesses every table
                # has a row or two and picks plans no running server would.
                async with db.transaction() as session:
                    await session.execute(text("ANALYZE"))
            call = asgi_caller(app, headers)
            for method, path, body in reqs[: args.warmup]:
                await _expect_ok(call, method, path, body)
            statements = 0
            last_request: list[str] = []

            def count(_conn: Any, _cursor: Any, sql: str, *_a: Any) -> None:
                nonlocal statements
                statements += 1
                last_request.append(" ".join(sql.split()))

            # Read-only requests (qualifications) use the read engine (SQLite: a second pool).
            engines = {id(e): e for e in (db.write_engine, db.read_engine)}.values()
            for engine in engines:
                event.listen(engine.sync_engine, "before_cursor_execute", count)
            profiler = _profiler(args.profile)
            started, cpu_started = time.perf_counter(), time.process_time()
            durations: list[float] = []
            for method, path, body in reqs[args.warmup :]:
                last_request.clear()
                one = time.perf_counter()
                await _expect_ok(call, method, path, body)
                durations.append(time.perf_counter() - one)
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            if profiler is not None:
                profiler.stop()
            for engine in engines:
                event.remove(engine.sync_engine, "before_cursor_execute", count)
            n = len(reqs) - args.warmup
            print(
                f"{args.scenario} on {args.db}: {n} requests, {elapsed / n * 1000:.2f} ms each "
                f"(p50 {statistics.median(durations) * 1000:.2f} ms) "
                f"({cpu / n * 1000:.2f} ms CPU in this process), "
                f"{statements / n:.1f} statements each"
            )
            if args.statements:
                print("\n".join(f"  {sql[:200]}" for sql in last_request))
            if profiler is not None:
                print(profiler.output_text(unicode=True, color=False, show_all=False))
            await db.dispose()


def _profiler(enabled: bool) -> Any:
    if not enabled:
        return None
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002, async_mode="disabled")
    profiler.start()
    return profiler


async def _expect_ok(call: Call, method: str, path: str, body: Any) -> None:
    status, payload = await call(method, path, body)
    if status >= 300:
        raise RuntimeError(f"{method} {path}: {status} {payload[:300]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument report")
    parser.add_argument(
        "--statements", action="store_true", help="print the SQL of the last request"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

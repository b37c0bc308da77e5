"""Coupon throughput of a real `voucherd serve`: codes stored per second, redemptions per second.

    python -m bench.coupons [--db sqlite|postgres] [--quick]

is `python -m bench.run --only redeem,codes`: see bench/run.py. This module holds the two
measurements. Only the measured HTTP calls are timed: creating campaigns and customers and
reading codes back (straight from the database) are not.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.fill import clone, pad_sql
from bench.server import Server, gather_limited, ok
from bench.wrk import LoadResult, Req, run_load
from voucherd.kit.ids import Prefix, new_id

ORDER_ITEMS: list[dict[str, Any]] = [
    {"source_id": "bench-prod-a", "related_object": "product", "quantity": 1, "price": 3500},
    {"source_id": "bench-prod-b", "related_object": "product", "quantity": 2, "price": 7999},
]
# Redemptions name an existing customer from this pool, created before the clock starts:
# large enough that two of 32 requests in flight rarely share one.
CUSTOMER_POOL = 1000


def campaign_body(name: str, count: int) -> dict[str, Any]:
    return {
        "name": name,
        "campaign_type": "DISCOUNT_COUPONS",
        "type": "STATIC",
        "vouchers_count": count,
        # In a category, as real campaigns are (seed 004): its codes' bodies join it.
        "category": f"{name} category",
        "voucher": {
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "PERCENT", "percent_off": 10, "effect": "APPLY_TO_ORDER"},
            "redemption": {"quantity": 1},
            # 36^10 possible codes: collisions stay negligible even for millions of codes.
            "code_config": {"length": 10, "charset": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
        },
    }


@dataclass
class Generation:
    seconds: float
    stored: int
    ceiling_rate: float  # the same rows cloned by one INSERT … SELECT, per second

    @property
    def rate(self) -> float:
        return self.stored / self.seconds


async def measure_generation(server: Server, client: httpx.AsyncClient, count: int) -> Generation:
    """One `POST /v1/campaigns` that generates and stores `count` codes, and the database's
    own speed at storing as many such rows."""
    await client.get("/health")  # the connection is open before the clock starts
    started = time.perf_counter()
    resp = await client.post("/v1/campaigns", json=campaign_body("Bench codes", count))
    seconds = time.perf_counter() - started
    campaign = ok(resp, "create campaign")
    [stored] = await server.column(
        "SELECT count(*) FROM vouchers WHERE campaign_id = :c", {"c": campaign["id"]}
    )
    if campaign.get("vouchers_count") != count or stored != count:
        raise RuntimeError(
            f"asked for {count} codes: campaign says {campaign.get('vouchers_count')}, "
            f"{stored} stored"
        )
    [template] = await server.column(
        "SELECT id FROM vouchers WHERE campaign_id = :c LIMIT 1", {"c": campaign["id"]}
    )
    dialect = server.dialect
    started = time.perf_counter()
    overrides = {"id": pad_sql(dialect, "v_ceil", "s.i"), "code": pad_sql(dialect, "CEIL", "s.i")}
    await clone(server, "vouchers", template, count, overrides)
    ceiling = count / (time.perf_counter() - started)
    return Generation(seconds=seconds, stored=int(stored), ceiling_rate=ceiling)


async def campaign_codes(
    server: Server, client: httpx.AsyncClient, name: str, count: int
) -> tuple[str, list[str]]:
    campaign = ok(
        await client.post("/v1/campaigns", json=campaign_body(name, count)), f"create {name}"
    )
    codes = await server.column(
        "SELECT code FROM vouchers WHERE campaign_id = :c ORDER BY id", {"c": campaign["id"]}
    )
    if len(codes) != count:
        raise RuntimeError(f"{name}: expected {count} codes, found {len(codes)}")
    return str(campaign["id"]), [str(c) for c in codes]


async def ensure_customers(client: httpx.AsyncClient, count: int) -> list[str]:
    ids = [f"bench-customer-{i:04d}" for i in range(count)]

    async def create(source_id: str) -> None:
        ok(await client.post("/v1/customers", json={"source_id": source_id}), "create customer")

    await gather_limited(create(sid) for sid in ids)
    return ids


def redemption(code: str, customer: str) -> Req:
    body = {
        "redeemables": [{"object": "voucher", "id": code}],
        "customer": {"source_id": customer},
        "order": {"items": ORDER_ITEMS},
    }
    return Req("POST", "/v1/redemptions", body)


@dataclass
class Measured:
    result: LoadResult
    problems: list[str]


async def measure_redeem(
    server: Server,
    client: httpx.AsyncClient,
    workdir: Path,
    *,
    count: int,
    warmup: int,
    concurrency: int,
    max_seconds: float,
    tag: str = "redeem",
    prepare: Callable[[str], Awaitable[None]] | None = None,
) -> Measured:
    """`count` distinct single-use codes redeemed at `concurrency` (after `warmup` others);
    `prepare(campaign_id)` runs before the load (assigning rules, say)."""
    customers = await ensure_customers(client, CUSTOMER_POOL)
    campaign_id, codes = await campaign_codes(server, client, f"Bench {tag}", warmup + count)
    if prepare is not None:
        await prepare(campaign_id)
    reqs = [redemption(code, customers[i % len(customers)]) for i, code in enumerate(codes)]
    problems: list[str] = []
    warmed = 0
    if warmup:
        warm = await run_load(
            server,
            reqs[:warmup],
            workdir,
            concurrency=concurrency,
            max_seconds=max_seconds,
            tag=f"{tag}-warmup",
        )
        if warm.failed:
            problems.append(f"warm-up: {warm.non_2xx} non-2xx, e.g. {warm.sample_failure}")
        warmed = warm.requests - warm.non_2xx
    result = await run_load(
        server, reqs[warmup:], workdir, concurrency=concurrency, max_seconds=max_seconds, tag=tag
    )
    # The answers are checked against what was stored (not timed): every 2xx is a redemption.
    [stored] = await server.column(
        "SELECT count(*) FROM redemptions WHERE campaign_id = :c AND status = 'SUCCEEDED' "
        "AND voucher_id IS NOT NULL",
        {"c": campaign_id},
    )
    answered = warmed + result.requests - result.non_2xx
    if int(stored) < answered:
        problems.append(f"{answered} answered 2xx but only {stored} redemptions are stored")
    return Measured(result, problems)


async def measure_redeem_rules(
    server: Server,
    client: httpx.AsyncClient,
    workdir: Path,
    *,
    count: int,
    warmup: int,
    concurrency: int,
    max_seconds: float,
) -> Measured:
    """`measure_redeem` with issue 13's three rules (order amount, product in cart, once per
    customer) assigned to the codes' campaign before the load starts."""
    from bench.profile import three_rules

    found = await server.column("SELECT id FROM products WHERE source_id = 'bench-prod-a'")
    if found:
        product_id = str(found[0])
    else:
        body = {"name": "Bench A", "source_id": "bench-prod-a", "price": 3500}
        product_id = ok(await client.post("/v1/products", json=body), "create product")["id"]

    async def assign(campaign_id: str) -> None:
        # Written directly, so the bench does not depend on the rules endpoints; timestamps
        # are copied from the campaign's row so each engine keeps its own format.
        rule_id, assignment_id = new_id(Prefix.VALIDATION_RULE), new_id(Prefix.RULE_ASSIGNMENT)
        # PostgreSQL needs the text cast to json; SQLite keeps JSON as text (and its CAST to
        # JSON would make the text a number).
        rules, to = ("CAST(:rules AS JSON)", "CAST(:to AS JSON)")
        if server.dialect == "sqlite":
            rules, to = ":rules", ":to"
        await server.sql(
            "INSERT INTO validation_rules (id, project_id, name, rules, applicable_to, type, "
            f"context_type, created_at) SELECT :r, project_id, 'bench three rules', {rules}, "
            f"{to}, 'expression', 'global', created_at FROM campaigns WHERE id = :c",
            {
                "r": rule_id,
                "rules": json.dumps(three_rules(product_id)),
                "to": json.dumps({"included": [], "excluded": []}),
                "c": campaign_id,
            },
        )
        await server.sql(
            "INSERT INTO validation_rule_assignments (id, project_id, rule_id, "
            "related_object_type, related_object_id, created_at) SELECT :a, project_id, :r, "
            "'campaign', id, created_at FROM campaigns WHERE id = :c",
            {"a": assignment_id, "r": rule_id, "c": campaign_id},
        )

    measured = await measure_redeem(
        server,
        client,
        workdir,
        count=count,
        warmup=warmup,
        concurrency=concurrency,
        max_seconds=max_seconds,
        tag="redeem-rules",
        prepare=assign,
    )
    [moved] = await server.column(
        "SELECT count(*) FROM rule_counters WHERE key LIKE 'redemption.count.per_customer|%'"
    )
    if int(moved) == 0:
        measured.problems.append("no counter row: the rules were not evaluated")
    return measured


def main(argv: list[str] | None = None) -> int:
    from bench.run import main as run_main

    args = list(sys.argv[1:] if argv is None else argv)
    return run_main(["--only", "redeem,codes", *args])


if __name__ == "__main__":
    sys.exit(main())

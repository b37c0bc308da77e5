"""Bulk data for the size benchmark, written straight into a running server's database.

Rows are clones of a template made through the API (a discount code, a loyalty card and one
of its ledger rows), so they have exactly the shape voucherd writes, whatever columns the
models have today; only the id, the code and the owning card change. Cloning is one
INSERT … SELECT per chunk over generate_series (PostgreSQL) or a recursive CTE (SQLite).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx

from bench.server import EndpointMissing, Server, ok

CHUNK = 250_000  # rows per INSERT … SELECT: one transaction each, progress between them
PAD = 12
LEDGER_PER_CARD = 100  # the ledger rows of a card stay the same in both sizes


def pad_sql(dialect: str, prefix: str, expr: str) -> str:
    if dialect == "postgresql":
        return f"'{prefix}' || lpad(({expr})::text, {PAD}, '0')"
    return f"printf('{prefix}%0{PAD}d', {expr})"


def pad_py(prefix: str, number: int) -> str:
    return f"{prefix}{number:0{PAD}d}"


async def columns(server: Server, table: str) -> list[str]:
    if server.dialect == "postgresql":
        return await server.column(
            "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
            "AND table_schema = current_schema() ORDER BY ordinal_position",
            {"t": table},
        )
    return await server.column("SELECT name FROM pragma_table_info(:t) ORDER BY cid", {"t": table})


async def clone(
    server: Server, table: str, template_id: str, count: int, overrides: dict[str, str]
) -> None:
    """`count` copies of one row; `overrides` maps a column to an SQL expression of `s.i`."""
    names = await columns(server, table)
    missing = set(overrides) - set(names)
    if missing:
        raise RuntimeError(f"{table} has no column(s) {sorted(missing)}")
    target = ", ".join(f'"{n}"' for n in names)
    values = ", ".join(overrides.get(n, f't."{n}"') for n in names)
    for start in range(1, count + 1, CHUNK):
        end = min(count, start + CHUNK - 1)
        if server.dialect == "postgresql":
            series = f"generate_series({start}, {end}) AS s(i)"
        else:
            series = (
                f"(WITH RECURSIVE n(i) AS (SELECT {start} UNION ALL SELECT i + 1 FROM n "
                f"WHERE i < {end}) SELECT i FROM n) AS s"
            )
        await server.sql(
            f"INSERT INTO {table} ({target}) SELECT {values} FROM {table} AS t, {series} "
            "WHERE t.id = :template",
            {"template": template_id},
        )


@dataclass
class Filled:
    vouchers: int
    ledger_rows: int
    card_codes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    note: str = ""


async def fill(server: Server, client: httpx.AsyncClient, vouchers: int, ledger: int) -> Filled:
    """`vouchers` discount codes in one campaign and `ledger` points-ledger rows spread over
    cards of one loyalty program (LEDGER_PER_CARD each). Template rows come from the API."""
    dialect = server.dialect
    campaign = ok(
        await client.post(
            "/v1/campaigns",
            json={
                "name": "Size fill",
                "campaign_type": "DISCOUNT_COUPONS",
                "vouchers_count": 1,
                "voucher": {
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "PERCENT", "percent_off": 5},
                    "redemption": {"quantity": 1},
                },
            },
        ),
        "create fill campaign",
    )
    [template] = await server.column(
        "SELECT id FROM vouchers WHERE campaign_id = :c", {"c": campaign["id"]}
    )
    started = time.perf_counter()
    await clone(
        server,
        "vouchers",
        template,
        vouchers - 1,
        {"id": pad_sql(dialect, "v_fill", "s.i"), "code": pad_sql(dialect, "FILL", "s.i")},
    )
    filled = Filled(vouchers=vouchers, ledger_rows=0)
    try:
        card_template, tx_template = await _loyalty_template(server, client)
    except EndpointMissing as missing:
        filled.note = f"no ledger rows: loyalty endpoint missing ({missing})"
    else:
        cards = max(10, ledger // LEDGER_PER_CARD)
        await clone(
            server,
            "vouchers",
            card_template,
            cards,
            {"id": pad_sql(dialect, "v_card", "s.i"), "code": pad_sql(dialect, "CARD", "s.i")},
        )
        # Volume only: the cached balance of the cloned cards is not re-summed.
        await clone(
            server,
            "voucher_transactions",
            tx_template,
            ledger - 1,
            {
                "id": pad_sql(dialect, "vtx_fill", "s.i"),
                "voucher_id": pad_sql(dialect, "v_card", f"1 + s.i % {cards}"),
                "dedupe_key": pad_sql(dialect, "fill", "s.i"),
            },
        )
        filled.ledger_rows = ledger
        filled.card_codes = [pad_py("CARD", i) for i in range(1, cards + 1)]
    if dialect == "postgresql":
        await server.sql("ANALYZE")  # what autovacuum would do soon after such a load
    filled.seconds = time.perf_counter() - started
    return filled


async def _loyalty_template(server: Server, client: httpx.AsyncClient) -> tuple[str, str]:
    program = ok(
        await client.post(
            "/v1/loyalties",
            json={
                "name": "Size fill programme",
                "type": "AUTO_UPDATE",
                "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
            },
        ),
        "create loyalty program",
    )
    card = ok(
        await client.post(
            f"/v1/loyalties/{program['id']}/members",
            json={"customer": {"source_id": "size-fill-member"}},
        ),
        "add member",
    )
    ok(
        await client.post(f"/v1/loyalties/members/{card['code']}/balance", json={"points": 100}),
        "add points",
    )
    [tx] = await server.column(
        "SELECT id FROM voucher_transactions WHERE voucher_id = :v", {"v": card["id"]}
    )
    return str(card["id"]), str(tx)

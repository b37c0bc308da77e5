"""The minimal SQL of a redemption, an earning and a reward redemption, for both engines.

Tables are shaped like voucherd's (src/voucherd/{vouchers,redemptions,events,orders,rewards}/
models.py): the same columns that matter, the same indexes and foreign keys to `projects`,
JSON bodies of realistic size (the outbox event ~2 KB). They are created for the purpose in a
database of their own; nothing here touches voucherd's tables.

Statements are written once with placeholders, rendered per engine by `render`:
`{id:p}` a fresh time-ordered id with prefix p, `{now}` the current time, `{json:name}` a
JSON parameter, `{pad:P}` the text P followed by the zero-padded row number `:v`.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

PROJECT = "proj_bench"
PAD = 9  # digits of the row number in prefilled ids and codes

SCHEMA = """
CREATE TABLE projects (id varchar(64) PRIMARY KEY, name varchar(200) NOT NULL);
CREATE TABLE vouchers (
  id varchar(64) PRIMARY KEY,
  project_id varchar(64) NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  code varchar(300) NOT NULL, campaign_id varchar(64), campaign_name varchar(500),
  category varchar(200), type varchar(32) NOT NULL, discount {json},
  gift_balance bigint, loyalty_points bigint, loyalty_balance bigint,
  redemption_quantity integer, redeemed_quantity integer NOT NULL DEFAULT 0,
  redeemed_points integer NOT NULL DEFAULT 0, redeemed_amount integer NOT NULL DEFAULT 0,
  start_date {ts}, expiration_date {ts}, active boolean NOT NULL, holder_id varchar(64),
  publish_count integer NOT NULL DEFAULT 0, metadata {json} NOT NULL,
  created_at {ts} NOT NULL, updated_at {ts}, UNIQUE (project_id, code));
CREATE INDEX ix_vouchers_project ON vouchers (project_id);
CREATE INDEX ix_vouchers_campaign_holder ON vouchers (campaign_id, holder_id);
CREATE INDEX ix_vouchers_holder ON vouchers (holder_id);
CREATE TABLE redemptions (
  id varchar(64) PRIMARY KEY,
  project_id varchar(64) NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  object varchar(32) NOT NULL, parent_id varchar(64), status varchar(16) NOT NULL,
  result varchar(16) NOT NULL, related_object_type varchar(32) NOT NULL,
  related_object_id varchar(64) NOT NULL, customer_id varchar(64), order_id varchar(64),
  voucher_id varchar(64), campaign_id varchar(64), amount bigint NOT NULL,
  gift_credits bigint NOT NULL, points bigint NOT NULL, applied {json} NOT NULL,
  order_snapshot {json}, reward {json}, tracking_id varchar(200), reason varchar(1000),
  failure_code varchar(100), failure_message varchar(1000), metadata {json} NOT NULL,
  created_at {ts} NOT NULL);
CREATE INDEX ix_redemptions_project ON redemptions (project_id);
CREATE INDEX ix_redemptions_parent ON redemptions (parent_id);
CREATE INDEX ix_redemptions_campaign ON redemptions (campaign_id);
CREATE INDEX ix_redemptions_project_voucher ON redemptions (project_id, voucher_id);
CREATE INDEX ix_redemptions_project_customer ON redemptions (project_id, customer_id);
CREATE INDEX ix_redemptions_project_order ON redemptions (project_id, order_id);
CREATE TABLE events (
  id varchar(64) PRIMARY KEY,
  project_id varchar(64) NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  type varchar(120) NOT NULL, entity_id varchar(64), group_id varchar(64) NOT NULL,
  event_source {json} NOT NULL, data {json} NOT NULL, created_at {ts} NOT NULL);
CREATE INDEX ix_events_project ON events (project_id);
CREATE INDEX ix_events_entity ON events (entity_id);
CREATE INDEX ix_events_project_type_created ON events (project_id, type, created_at);
CREATE TABLE orders (
  id varchar(64) PRIMARY KEY,
  project_id varchar(64) NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  source_id varchar(200), status varchar(16) NOT NULL, customer_id varchar(64),
  referrer_id varchar(64), amount bigint, initial_amount bigint,
  discount_amount bigint NOT NULL, items_discount_amount bigint NOT NULL,
  redemptions {json} NOT NULL, metadata {json} NOT NULL, items {json} NOT NULL,
  paid_at {ts}, created_at {ts} NOT NULL, updated_at {ts}, UNIQUE (project_id, source_id));
CREATE INDEX ix_orders_project ON orders (project_id);
CREATE INDEX ix_orders_customer ON orders (customer_id);
CREATE TABLE voucher_transactions (
  id varchar(64) PRIMARY KEY,
  project_id varchar(64) NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  voucher_id varchar(64) NOT NULL REFERENCES vouchers(id) ON DELETE CASCADE,
  campaign_id varchar(64), source_id varchar(200), type varchar(40) NOT NULL,
  amount bigint NOT NULL, balance_after bigint NOT NULL, reason varchar(1000),
  related_redemption_id varchar(64), related_transaction_id varchar(64),
  dedupe_key varchar(200), details {json} NOT NULL, created_at {ts} NOT NULL,
  UNIQUE (voucher_id, dedupe_key));
CREATE INDEX ix_vtx_project ON voucher_transactions (project_id);
CREATE INDEX ix_vtx_voucher ON voucher_transactions (voucher_id);
CREATE TABLE reward_redemptions (
  id varchar(64) PRIMARY KEY,
  project_id varchar(64) NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  voucher_id varchar(64) NOT NULL, campaign_id varchar(64) NOT NULL,
  customer_id varchar(64), reward_id varchar(64) NOT NULL,
  reward_assignment_id varchar(64) NOT NULL, redemption_id varchar(64) NOT NULL,
  state varchar(16) NOT NULL, points bigint NOT NULL, result {json} NOT NULL,
  created_at {ts} NOT NULL, updated_at {ts});
CREATE INDEX ix_rr_project ON reward_redemptions (project_id);
CREATE INDEX ix_rr_voucher ON reward_redemptions (voucher_id);
CREATE INDEX ix_rr_customer ON reward_redemptions (customer_id);
CREATE INDEX ix_rr_redemption ON reward_redemptions (redemption_id);
"""

# Discount codes `C…` (single-use in spirit: the limit is high so random picks never refuse)
# and loyalty cards `L…` with a balance no run can spend.
PREFILL = [
    """INSERT INTO vouchers (id, project_id, code, campaign_id, campaign_name, category, type,
         discount, redemption_quantity, redeemed_quantity, active, metadata, created_at)
       SELECT {pad_i:v_}, '{project}', {pad_i:C}, 'camp_bench', 'Bench discounts', 'bench',
         'DISCOUNT_VOUCHER', {discount}, 1000000, 0, {true}, '{{}}', {now}
       FROM {series}""",
    """INSERT INTO vouchers (id, project_id, code, campaign_id, campaign_name, type,
         loyalty_points, loyalty_balance, active, holder_id, metadata, created_at)
       SELECT {pad_i:vl_}, '{project}', {pad_i:L}, 'camp_loyalty', 'Bench loyalty',
         'LOYALTY_CARD', 1000000000, 1000000000, {true}, {pad_i:cust_}, '{{}}', {now}
       FROM {series}""",
]

_EVENT = "INSERT INTO events (id, project_id, type, entity_id, group_id, event_source, data, created_at) VALUES ({id:evcus}, 'proj_bench', '%s', {id:r}, {id:v-}, {json:source}, {json:event}, {now})"  # noqa: E501
_LEDGER = "INSERT INTO voucher_transactions (id, project_id, voucher_id, campaign_id, source_id, type, amount, balance_after, reason, related_redemption_id, dedupe_key, details, created_at) VALUES ({id:vtx}, 'proj_bench', {pad:vl_}, 'camp_loyalty', NULL, '%s', %d, 0, NULL, NULL, {id:dk}, {json:ledger_details}, {now})"  # noqa: E501
_REDEMPTION = "INSERT INTO redemptions (id, project_id, object, status, result, related_object_type, related_object_id, customer_id, order_id, voucher_id, campaign_id, amount, gift_credits, points, applied, order_snapshot, reward, tracking_id, metadata, created_at) VALUES ({id:r}, 'proj_bench', 'redemption', 'SUCCEEDED', 'SUCCESS', 'voucher', {pad:%s}, 'cust_bench', {id:ord}, {pad:%s}, '%s', %d, 0, %d, {json:applied}, {json:order_snapshot}, %s, 'track_bench', {json:empty}, {now})"  # noqa: E501

SCENARIOS: dict[str, list[str]] = {
    # Bump the code's counter only while under its limit, record the redemption, queue the event.
    "redeem": [
        "UPDATE vouchers SET redeemed_quantity = redeemed_quantity + 1, updated_at = {now} WHERE project_id = 'proj_bench' AND code = {pad:C} AND active AND (redemption_quantity IS NULL OR redeemed_quantity < redemption_quantity) RETURNING id",  # noqa: E501
        _REDEMPTION % ("v_", "v_", "camp_bench", 1950, 0, "NULL"),
        _EVENT % "redemption.succeeded",
    ],
    # A paid order earns a fixed number of points on the customer's card.
    "earn": [
        "INSERT INTO orders (id, project_id, source_id, status, customer_id, amount, initial_amount, discount_amount, items_discount_amount, redemptions, metadata, items, paid_at, created_at, updated_at) VALUES ({id:ord}, 'proj_bench', NULL, 'PAID', 'cust_bench', 19498, 19498, 0, 0, {json:empty}, {json:empty}, {json:items}, {now}, {now}, {now})",  # noqa: E501
        "UPDATE vouchers SET loyalty_points = loyalty_points + 10, loyalty_balance = loyalty_balance + 10, updated_at = {now} WHERE id = {pad:vl_} AND loyalty_balance + 10 <= 2000000000 RETURNING loyalty_balance",  # noqa: E501
        _LEDGER % ("POINTS_ACCRUAL", 10),
        _EVENT % "customer.loyalty.points.added",
    ],
    # A reward bought with points: the balance never goes below zero.
    "reward": [
        "UPDATE vouchers SET loyalty_balance = loyalty_balance - 100, redeemed_points = redeemed_points + 100, updated_at = {now} WHERE id = {pad:vl_} AND loyalty_balance >= 100 RETURNING loyalty_balance",  # noqa: E501
        _REDEMPTION % ("vl_", "vl_", "camp_loyalty", 100, 100, "{json:reward}"),
        "INSERT INTO reward_redemptions (id, project_id, voucher_id, campaign_id, customer_id, reward_id, reward_assignment_id, redemption_id, state, points, result, created_at, updated_at) VALUES ({id:rewr}, 'proj_bench', {pad:vl_}, 'camp_loyalty', 'cust_bench', 'rew_bench', 'rewa_bench', {id:r}, 'COMPLETED', 100, {json:reward_result}, {now}, {now})",  # noqa: E501
        _LEDGER % ("POINTS_REDEMPTION", -100),
        _EVENT % "customer.reward.redeemed",
    ],
}

_TS = "2026-01-01T10:00:00.000Z"
_ITEMS = [
    {
        "object": "order_item",
        "source_id": f"bench-prod-{name}",
        "related_object": "product",
        "product_id": f"prod_{name * 26}",
        "quantity": quantity,
        "price": price,
        "amount": price * quantity,
        "subtotal_amount": price * quantity,
        "product": {"id": f"prod_{name * 26}", "source_id": f"bench-prod-{name}", "name": None},
    }
    for name, quantity, price in (("a", 1, 3500), ("b", 2, 7999))
]
_ORDER = {
    "id": "ord_0196f3a1b2c3d4e5f6a7b8c9d0",
    "object": "order",
    "status": "PAID",
    "amount": 19498,
    "discount_amount": 1950,
    "total_discount_amount": 1950,
    "total_amount": 17548,
    "applied_discount_amount": 1950,
    "items": _ITEMS,
    "customer": {"id": "cust_0196f3a1b2c3d4e5f6a7b8c9d0", "object": "customer"},
    "metadata": {},
    "created_at": _TS,
}
_VOUCHER = {
    "id": "v_0196f3a1b2c3d4e5f6a7b8c9d0",
    "code": "BENCH-7Q2K9X",
    "campaign": "Bench discounts",
    "campaign_id": "camp_0196f3a1b2c3d4e5f6a7b8c9d0",
    "type": "DISCOUNT_VOUCHER",
    "discount": {"type": "PERCENT", "percent_off": 10, "effect": "APPLY_TO_ORDER"},
    "redemption": {"quantity": 1, "redeemed_quantity": 1, "object": "list"},
    "active": True,
    "metadata": {},
    "created_at": _TS,
}
PAYLOADS: dict[str, Any] = {
    "empty": {},
    "applied": {"order": 1950, "items": {"0": 350, "1": 1600}},
    "order_snapshot": _ORDER,
    "items": _ITEMS,
    "source": {"channel": "API", "api_key": {"name": "bench", "app_id": "bench-app"}},
    "ledger_details": {
        "order": {"id": _ORDER["id"], "source_id": None},
        "event": {"id": "evcus_0196f3a1b2c3d4e5f6a7b8c9d0", "type": "customer.order.paid"},
        "earning_rule": {"id": "ern_0196f3a1b2c3d4e5f6a7", "source": {"banner": "10 points"}},
    },
    "reward": {"id": "rew_0196f3a1b2c3d4e5f6a7", "name": "Bench mug", "type": "MATERIAL"},
    "reward_result": {"product": {"id": "prod_0196f3a1b2c3d4e5f6a7", "sku_id": None}},
    # The webhook `data` of redemption.succeeded: redemption, voucher, order, customer.
    "event": {
        "redemption": {
            "id": "r_0196f3a1b2c3d4e5f6a7b8c9d0",
            "object": "redemption",
            "date": _TS,
            "result": "SUCCESS",
            "status": "SUCCEEDED",
            "amount": 1950,
            "tracking_id": "track_bench",
            "metadata": {},
        },
        "voucher": _VOUCHER,
        "order": _ORDER,
        "customer": {
            "id": "cust_0196f3a1b2c3d4e5f6a7b8c9d0",
            "source_id": "bench-customer-0001",
            "name": "Bench Customer",
            "email": "bench.customer@example.com",
            "object": "customer",
        },
        "holder": None,
    },
}


def payload_json(name: str) -> str:
    return orjson.dumps(PAYLOADS[name]).decode()


def render(statement: str, dialect: str) -> str:
    """The statement for `postgresql` (pgbench variables) or `sqlite` (named parameters)."""

    def replace(match: re.Match[str]) -> str:
        kind, arg = match.group(1), match.group(2)
        if kind == "now":
            return "now()" if dialect == "postgresql" else ":now"
        if kind == "json":
            return f":{arg}::json" if dialect == "postgresql" else f":{arg}"
        if kind == "pad":
            if dialect == "postgresql":
                return f"'{arg}' || lpad(:v::text, {PAD}, '0')"
            return f"printf('{arg}%0{PAD}d', :v)"
        # kind == "id": the shape of voucherd's ids (time-ordered hex, then random hex)
        if dialect == "postgresql":
            return (
                f"'{arg}_' || lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)"
                "::bigint), 12, '0') || substr(md5(random()::text), 1, 14)"
            )
        return f":id_{arg.replace('-', '_')}"

    return re.sub(r"\{(now|json|pad|id)(?::([^}]*))?\}", replace, statement)


def id_params(statement: str) -> list[str]:
    """The id prefixes a rendered SQLite statement needs as parameters."""
    return re.findall(r"\{id:([^}]*)\}", statement)


def schema(dialect: str) -> list[str]:
    types = {"json": "json", "ts": "timestamptz"} if dialect == "postgresql" else {}
    text = SCHEMA.format(json=types.get("json", "TEXT"), ts=types.get("ts", "DATETIME"))
    return [s.strip() for s in text.split(";") if s.strip()]


def prefill(dialect: str, rows: int) -> list[str]:
    if dialect == "postgresql":
        series, now, true = f"generate_series(1, {rows}) AS s(i)", "now()", "true"

        def pad_i(prefix: str) -> str:
            return f"'{prefix}' || lpad(i::text, {PAD}, '0')"
    else:
        series = f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows}) SELECT i FROM s)"  # noqa: E501
        now, true = "datetime('now')", "1"

        def pad_i(prefix: str) -> str:
            return f"printf('{prefix}%0{PAD}d', i)"

    discount = "'" + orjson.dumps(_VOUCHER["discount"]).decode() + "'"
    out = [f"INSERT INTO projects (id, name) VALUES ('{PROJECT}', 'bench')"]
    for statement in PREFILL:
        text = re.sub(r"\{pad_i:([^}]*)\}", lambda m: pad_i(m.group(1)), statement)
        out.append(
            text.replace("{series}", series)
            .replace("{discount}", discount)
            .replace("{project}", PROJECT)
            .replace("{now}", now)
            .replace("{true}", true)
            .replace("{{}}", "{}")
        )
    return out

"""Imports and bulk updates as async actions: checked up front as far as the whole input goes,
enqueued, then worked row by row in chunks by the worker (async_actions/runner.py), each row
through the same service as the single-object API."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.async_actions import service as async_actions
from voucherd.async_actions.models import AsyncAction
from voucherd.async_actions.runner import ActionInput, ActionInputError, Step, register_kind
from voucherd.campaigns import service as campaigns
from voucherd.customers import service as customers
from voucherd.customers.schemas import CustomerCreate
from voucherd.discounts.schemas import DiscountSpec
from voucherd.imports import csvfile, rows
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError
from voucherd.orders import service as orders
from voucherd.orders.schemas import OrderCreate
from voucherd.products import service as products
from voucherd.products.schemas import ProductCreate, ProductUpdate, SkuCreate
from voucherd.vouchers import bulk as vouchers
from voucherd.vouchers.schemas import VoucherCreate

# Rows per chunk (one transaction each): large enough that a bulk INSERT amortises its round
# trips (100,000 vouchers in well under 30 s), small enough that a chunk commits in well
# under a second and a crash repeats little.
VOUCHER_CHUNK = 2_000
# Rows that go through a service one at a time (customers, products, orders): each is a
# savepoint and a few statements.
ROW_CHUNK = 200

Raw = Any  # a CSV record's values, or one element of a JSON array
Failure = dict[str, Any]
# Applies one chunk: (number done, failures).
Apply = Callable[
    [AsyncSession, RequestContext, dict[str, Any], Sequence[tuple[int, Raw]]],
    Awaitable[tuple[int, list[Failure]]],
]


@dataclass
class RowWork:
    """A list of input rows, applied `chunk` at a time from a position."""

    rows: list[tuple[int, Raw]]
    apply: Apply
    params: dict[str, Any]
    chunk: int

    @property
    def total(self) -> int:
        return len(self.rows)

    async def step(self, session: AsyncSession, ctx: RequestContext, position: int) -> Step:
        part = self.rows[position : position + self.chunk]
        done, failed = await self.apply(session, ctx, self.params, part)
        return Step(position=position + len(part), done=done, failed=failed)


def _csv_rows(action: ActionInput) -> list[tuple[int, Raw]]:
    try:
        table = csvfile.parse(action.payload.encode("utf-8"))
    except csvfile.CsvFileError as exc:  # checked at upload; only a changed parser gets here
        raise ActionInputError(str(exc)) from exc
    return [(r.line, r.values) for r in table.records]


def _json_rows(action: ActionInput) -> list[tuple[int, Raw]]:
    items = json.loads(action.payload)
    # JSON rows are numbered from 1 in array order (a CSV row is its file line).
    return list(enumerate(items, start=1))


def _kind(
    action_type: str,
    reader: Callable[[ActionInput], list[tuple[int, Raw]]],
    apply: Apply,
    chunk: int,
    noun: str,
    verb: str = "imported",
) -> None:
    def prepare(action: ActionInput) -> RowWork:
        return RowWork(reader(action), apply, action.params, chunk)

    def message(done: int, failed: int) -> str:
        return f"{done} {noun}(s) {verb} successfully, {failed} failed."

    register_kind(action_type, prepare, message)


def _failure(row: int, key: str, ident: Any, reason: str, field: str | None = None) -> Failure:
    entry: Failure = {"row": row, key: ident if isinstance(ident, str) else None, "reason": reason}
    if field is not None:
        entry["field"] = field
    return entry


def _invalid(exc: ValidationError) -> tuple[str, str]:
    """(field, reason) of a body model's first complaint."""
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "body"
    return field, f"{field}: {first['msg']}"


# What refuses one row (and only that row): a value the mapping cannot read, a body the
# request model refuses, a rule of the service.
ROW_ERRORS = (rows.RowError, ValidationError, ApiError)


def _refused(row: int, key: str, ident: Any, exc: Exception) -> Failure:
    if isinstance(exc, rows.RowError):
        return _failure(row, key, ident, exc.reason, exc.field)
    if isinstance(exc, ValidationError):
        field, reason = _invalid(exc)
        return _failure(row, key, ident, reason, field)
    assert isinstance(exc, ApiError)
    return _failure(row, key, ident, vouchers.reason_of(exc))


# --- vouchers -------------------------------------------------------------------------------


VoucherMapper = Callable[[Raw], tuple[dict[str, Any], int, int]]


def _json_voucher(raw: Raw) -> tuple[dict[str, Any], int, int]:
    if not isinstance(raw, dict):
        raise rows.RowError("body", "Each element must be a voucher object")
    return dict(raw), 0, 0  # a copy: the stored rows stay as read (a chunk may run again)


class _Discounts:
    """A file's rows mostly share a few discounts: each distinct one is validated once and the
    body model takes the checked object as it is (pydantic does not revalidate instances)."""

    def __init__(self) -> None:
        self._seen: dict[str, DiscountSpec | None] = {}

    def __call__(self, body: dict[str, Any]) -> None:
        raw = body.get("discount")
        if not isinstance(raw, dict):
            return
        key = json.dumps(raw, sort_keys=True, default=str)
        if key not in self._seen:
            try:
                self._seen[key] = DiscountSpec.model_validate(raw)
            except (ValidationError, ApiError):
                # Left to the body model, which names the field (`discount.…`) in its error.
                self._seen[key] = None
        spec = self._seen[key]
        if spec is not None:
            body["discount"] = spec


def _vouchers_apply(mapper: VoucherMapper) -> Apply:
    async def apply(
        session: AsyncSession,
        ctx: RequestContext,
        params: dict[str, Any],
        part: Sequence[tuple[int, Raw]],
    ) -> tuple[int, list[Failure]]:
        campaign = None
        if params.get("campaign_id"):
            campaign = await campaigns.get(session, ctx, params["campaign_id"])
        items: list[vouchers.ImportRow] = []
        failures: list[Failure] = []
        discounts = _Discounts()
        for row, raw in part:
            code = _ident(raw, "code")
            try:
                body, redeemed_quantity, redeemed_amount = mapper(raw)
                discounts(body)
                items.append(
                    vouchers.ImportRow(
                        row, VoucherCreate.model_validate(body), redeemed_quantity, redeemed_amount
                    )
                )
            except ROW_ERRORS as exc:
                failures.append(_refused(row, "code", code, exc))
        imported = await vouchers.import_rows(session, ctx, items, campaign)
        inserted = imported.inserted
        if campaign is not None and inserted:
            await campaigns.count_imported(session, campaign.id, len(inserted))
        if params.get("webhooks_enable") and inserted:
            await vouchers.record_created(session, ctx, [r["id"] for r in inserted], campaign)
        failures.extend(imported.failures)
        failures.sort(key=lambda f: f["row"])
        return len(inserted) + imported.updated, failures

    return apply


_kind("VOUCHERS.IMPORT_CSV", _csv_rows, _vouchers_apply(rows.voucher), VOUCHER_CHUNK, "voucher")
_kind("VOUCHERS.IMPORT", _json_rows, _vouchers_apply(_json_voucher), VOUCHER_CHUNK, "voucher")
_kind(
    "CAMPAIGN.VOUCHERS_IMPORT_CSV",
    _csv_rows,
    _vouchers_apply(rows.campaign_voucher),
    VOUCHER_CHUNK,
    "voucher",
)
_kind(
    "CAMPAIGN.VOUCHERS_IMPORT", _json_rows, _vouchers_apply(_json_voucher), VOUCHER_CHUNK, "voucher"
)


# --- one row at a time through a service ----------------------------------------------------

OneRow = Callable[[AsyncSession, RequestContext, dict[str, Any], Raw], Awaitable[None]]


def _each(key: str, one: OneRow) -> Apply:
    """Each row in its own savepoint: a refused row leaves nothing behind, the others stay."""

    async def apply(
        session: AsyncSession,
        ctx: RequestContext,
        params: dict[str, Any],
        part: Sequence[tuple[int, Raw]],
    ) -> tuple[int, list[Failure]]:
        done = 0
        failures: list[Failure] = []
        for row, raw in part:
            ident = _ident(raw, key)
            try:
                async with session.begin_nested():
                    await one(session, ctx, params, raw)
                done += 1
            except ROW_ERRORS as exc:
                failures.append(_refused(row, key, ident, exc))
        return done, failures

    return apply


def _ident(raw: Raw, key: str) -> Any:
    if isinstance(raw, str):
        return raw  # a bare source_id (metadata updates)
    if isinstance(raw, dict):
        return next((v for k, v in raw.items() if csvfile.normalize(k) == key), None)
    return None


async def _customer(s: AsyncSession, ctx: RequestContext, _p: dict[str, Any], raw: Raw) -> None:
    await customers.upsert(s, ctx, CustomerCreate.model_validate(rows.customer(raw)))


async def _product(s: AsyncSession, ctx: RequestContext, _p: dict[str, Any], raw: Raw) -> None:
    await products.upsert(s, ctx, ProductCreate.model_validate(rows.product(raw)))


async def _sku(s: AsyncSession, ctx: RequestContext, _p: dict[str, Any], raw: Raw) -> None:
    product_key, body = rows.sku(raw)
    await products.upsert_sku(s, ctx, product_key, SkuCreate.model_validate(body))


async def _order(s: AsyncSession, ctx: RequestContext, _p: dict[str, Any], raw: Raw) -> None:
    # History only (Voucherify): the order is written as the API would stage it, with no
    # events, so no webhooks and no earning for orders that were paid long ago.
    await orders.stage(s, ctx, OrderCreate.model_validate(_object(raw, "order")))


async def _product_bulk(s: AsyncSession, ctx: RequestContext, _p: dict[str, Any], raw: Raw) -> None:
    body = _object(raw, "product")
    if not body.get("source_id"):
        raise rows.RowError("source_id", "Each product needs a source_id")
    await products.upsert(s, ctx, ProductCreate.model_validate(body))


async def _product_metadata(
    s: AsyncSession, ctx: RequestContext, params: dict[str, Any], raw: Raw
) -> None:
    product = await products.get(s, ctx, str(raw))
    merged = {**(product.metadata_ or {}), **params["metadata"]}
    await products.update(s, ctx, product.id, ProductUpdate(metadata=merged))


def _object(raw: Raw, what: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise rows.RowError("body", f"Each element must be a {what} object")
    return raw


_kind("CUSTOMERS.IMPORT_CSV", _csv_rows, _each("source_id", _customer), ROW_CHUNK, "customer")
_kind("PRODUCTS.IMPORT_CSV", _csv_rows, _each("source_id", _product), ROW_CHUNK, "product")
_kind("SKUS.IMPORT_CSV", _csv_rows, _each("source_id", _sku), ROW_CHUNK, "SKU")
_kind("ORDERS.IMPORT", _json_rows, _each("source_id", _order), ROW_CHUNK, "order")
_kind(
    "PRODUCTS.BULK_UPDATE",
    _json_rows,
    _each("source_id", _product_bulk),
    ROW_CHUNK,
    "product",
    "updated",
)
_kind(
    "PRODUCTS.METADATA_UPDATE",
    _json_rows,
    _each("source_id", _product_metadata),
    ROW_CHUNK,
    "product",
    "updated",
)


# --- starting an import (the request edge calls these) --------------------------------------


class ImportRefused(ApiError):
    status = 400
    key = "invalid_payload"
    message = "Invalid import"


# The columns each CSV import cannot do without (Voucherify's required fields).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "VOUCHERS.IMPORT_CSV": ("Code",),
    "CAMPAIGN.VOUCHERS_IMPORT_CSV": ("Code",),
    "PRODUCTS.IMPORT_CSV": ("name",),
    "SKUS.IMPORT_CSV": ("product_id", "source_id"),
    "CUSTOMERS.IMPORT_CSV": (),
}


async def start_csv(
    session: AsyncSession,
    ctx: RequestContext,
    action_type: str,
    data: bytes,
    params: dict[str, Any] | None = None,
) -> AsyncAction:
    """Enqueue a CSV import, after checking the file as a whole (400 when unreadable)."""
    try:
        table = csvfile.parse(data)
        csvfile.require(table, REQUIRED_COLUMNS[action_type])
    except csvfile.CsvFileError as exc:
        raise ImportRefused(str(exc)) from exc
    if not table.records:
        raise ImportRefused("The file has a header line but no rows")
    text = csvfile.decode(data)
    return await async_actions.enqueue(session, ctx, action_type, text, params)


async def start_json(
    session: AsyncSession,
    ctx: RequestContext,
    action_type: str,
    items: list[Any],
    params: dict[str, Any] | None = None,
    *,
    allow_empty: bool = False,
) -> AsyncAction:
    if not items:
        if allow_empty:  # a bulk update of nothing: done as soon as it is asked for
            return await async_actions.record_done(session, ctx, action_type, 0)
        raise ImportRefused("Nothing to import: the array is empty")
    return await async_actions.enqueue(session, ctx, action_type, items, params)


async def campaign_params(
    session: AsyncSession, ctx: RequestContext, campaign_key: str
) -> dict[str, Any]:
    """The parameters of an import into a campaign; 404 before anything is queued."""
    campaign = await campaigns.get(session, ctx, campaign_key)
    return {"campaign_id": campaign.id}

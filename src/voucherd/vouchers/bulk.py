"""Many vouchers at once (imports): each row checked by the single-create rules
(`service.new_row`), then the valid rows of a chunk go in with one bulk INSERT."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.categories import service as categories
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError
from voucherd.loyalty.expiry import program_rules
from voucherd.vouchers import repository, service
from voucherd.vouchers.opening_points import record_opening_points
from voucherd.vouchers.schemas import VoucherCreate

if TYPE_CHECKING:
    from voucherd.campaigns.models import Campaign
    from voucherd.categories.models import Category


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One voucher to import: its row (file line or array position) and its body."""

    row: int
    data: VoucherCreate
    # Counters a migrated voucher brings along (CSV `Redeemed Quantity`, `Redeemed Amount`).
    redeemed_quantity: int = 0
    redeemed_amount: int = 0


def failure(row: int, code: str | None, reason: str, field: str | None = None) -> dict[str, Any]:
    """One entry of an async action's `result.failed`."""
    entry: dict[str, Any] = {"row": row, "code": code, "reason": reason}
    if field is not None:
        entry["field"] = field
    return entry


def reason_of(exc: ApiError) -> str:
    return exc.details or exc.message


class _CategoryCache:
    """A chunk names the same few categories over and over: resolve each name once."""

    def __init__(self) -> None:
        self._found: dict[tuple[str | None, str | None], Category | None] = {}

    async def __call__(
        self,
        session: AsyncSession,
        ctx: RequestContext,
        *,
        category_id: str | None,
        name: str | None,
    ) -> Category | None:
        key = (category_id, name)
        if key not in self._found:
            self._found[key] = await categories.resolve(
                session, ctx, category_id=category_id, name=name
            )
        return self._found[key]


async def import_rows(
    session: AsyncSession,
    ctx: RequestContext,
    items: Sequence[ImportRow],
    campaign: Campaign | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Insert the valid ones of `items`; (inserted rows, failures). A row is written whole or
    not at all: a code already in the project (or twice in the file) is a failure."""
    failures: list[dict[str, Any]] = []
    seen: set[str] = set()
    resolve = _CategoryCache()
    rows: list[tuple[ImportRow, dict[str, Any]]] = []
    for item in items:
        code = item.data.code
        if code is None:
            failures.append(failure(item.row, None, "Code is required", "code"))
            continue
        if code in seen:
            failures.append(failure(item.row, code, f"Code {code} appears twice in the import"))
            continue
        try:
            row, _ = await service.new_row(
                session, ctx, item.data, campaign, resolve_category=resolve
            )
        except ApiError as exc:
            failures.append(failure(item.row, code, reason_of(exc)))
            continue
        problem = _apply_counters(row, item)
        if problem is not None:
            failures.append(failure(item.row, code, *problem))
            continue
        seen.add(code)
        rows.append((item, row))
    created = await repository.insert_new(session, [r for _, r in rows]) if rows else set()
    inserted = [row for _, row in rows if row["code"] in created]
    failures.extend(
        failure(item.row, row["code"], f"Voucher with code {row['code']} already exists")
        for item, row in rows
        if row["code"] not in created
    )
    if any(r.get("loyalty_balance") for r in inserted):
        rules = program_rules(campaign.voucher) if campaign else None
        await record_opening_points(session, ctx, inserted, rules)
    return inserted, failures


def _apply_counters(row: dict[str, Any], item: ImportRow) -> tuple[str, str] | None:
    """Carry over a migrated voucher's usage; (reason, field) when it cannot be."""
    limit = row.get("redemption_quantity")
    if limit is not None and item.redeemed_quantity > limit:
        return "Redeemed quantity exceeds the redemption limit", "redeemed_quantity"
    row["redeemed_quantity"] = item.redeemed_quantity
    row["redeemed_amount"] = item.redeemed_amount
    if row.get("type") == "GIFT_VOUCHER" and item.redeemed_amount:
        balance = int(row.get("gift_balance") or 0)
        if item.redeemed_amount > balance:
            return "Redeemed amount exceeds the gift amount", "redeemed_amount"
        # What was spent before the migration is no longer on the card.
        row["gift_balance"] = balance - item.redeemed_amount
    return None


async def record_created(
    session: AsyncSession, ctx: RequestContext, ids: Sequence[str], campaign: Campaign | None
) -> None:
    """`voucher.created` for each imported voucher (a CSV import's `webhooks_enable`)."""
    found = await repository.get_many(session, ctx.project_id, list(ids))
    for voucher_id in ids:
        voucher = found.get(voucher_id)
        if voucher is not None:
            await service.record_voucher_event(session, ctx, "voucher.created", voucher, campaign)

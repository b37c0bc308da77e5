"""Many vouchers at once (imports): each row checked by the single-create rules
(`service.new_row`), then the valid rows of a chunk go in with one bulk INSERT."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.categories import service as categories
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError
from voucherd.loyalty.expiry import program_rules
from voucherd.vouchers import repository, service
from voucherd.vouchers.opening_points import record_opening_points
from voucherd.vouchers.schemas import VoucherCreate, VoucherUpdate

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


@dataclass(slots=True)
class Imported:
    inserted: list[dict[str, Any]]  # the new vouchers' rows
    updated: int  # existing standalone codes updated
    failures: list[dict[str, Any]]


async def import_rows(
    session: AsyncSession,
    ctx: RequestContext,
    items: Sequence[ImportRow],
    campaign: Campaign | None = None,
) -> Imported:
    """Insert the valid ones of `items`. A row is written whole or not at all.

    A code the project already holds is, for a standalone import, an update of that
    standalone voucher through `service.update` (Voucherify: "upload the same codes to update
    them"); in a campaign import, or for a campaign's code, it is a failure, as is a code
    twice in one import."""
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
    if any(r.get("loyalty_balance") for r in inserted):
        rules = program_rules(campaign.voucher) if campaign else None
        await record_opening_points(session, ctx, inserted, rules)
    updated = 0
    for item, row in rows:
        if row["code"] in created:
            continue
        if campaign is None:
            refused = await _update_existing(session, ctx, item)
        else:
            refused = f"Voucher with code {row['code']} already exists"
        if refused is None:
            updated += 1
        else:
            failures.append(failure(item.row, row["code"], refused))
    return Imported(inserted, updated, failures)


# What a voucher import may change on an existing code: the fields of PUT /v1/vouchers/{code}.
_NOT_UPDATED = {"code", "loyalty_card", "code_config", "campaign", "campaign_id", "category_id"}


async def _update_existing(
    session: AsyncSession, ctx: RequestContext, item: ImportRow
) -> str | None:
    """Update an existing standalone voucher from an import row; why not, or None."""
    code = item.data.code
    assert code is not None
    try:
        async with session.begin_nested():
            voucher = await service.get(session, ctx, code)
            if voucher.campaign_id is not None:
                return f"Voucher with code {code} already exists in a campaign"
            fields = item.data.model_dump(exclude_unset=True, exclude=_NOT_UPDATED)
            if "gift" in fields and fields["gift"] is not None:
                # A card's face value and effect; its balance moves with the amount.
                fields["gift"] = {k: v for k, v in fields["gift"].items() if k != "balance"}
            await service.update(session, ctx, code, VoucherUpdate.model_validate(fields))
    except ApiError as exc:
        return reason_of(exc)
    except ValidationError as exc:
        return str(exc.errors()[0]["msg"])
    return None


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

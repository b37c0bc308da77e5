"""List conventions: `limit`, `page`, `starting_after_id`, `order`, and the list envelope."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from voucherd.kit.errors import InvalidQueryParams

T = TypeVar("T")

MAX_LIMIT = 100
DEFAULT_LIMIT = 10


# What a list sorts by, per `order` field name (without its `-`): each endpoint passes the
# fields its operation enumerates in Voucherify's spec. Nullable columns come wrapped so NULL
# has one place in the order on both engines (and keyset comparisons never meet a NULL).
# None: the spec lists the field but our object has no such attribute, so every row ties and
# the tiebreak (id, in the asked direction) is the whole order.
SortKey = ColumnElement[Any] | InstrumentedAttribute[Any]
Sorts = Mapping[str, SortKey | None]

# Every list has always taken these; `id` and `created_at` are in nearly every enum.
BASE_ORDERS = ("id", "created_at")

_ORDER = re.compile(r"-?[a-z_]{1,40}")


@dataclass(frozen=True)
class PageParams:
    limit: int
    page: int
    starting_after_id: str | None
    # Newest first unless the caller asks for `order=created_at`.
    descending: bool
    # The `order` field without its sign; None = the default (id, newest first).
    sort: str | None = None
    order: str | None = None


async def page_params(  # async: FastAPI runs a plain def in the thread pool
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    starting_after_id: Annotated[str | None, Query(max_length=200)] = None,
    order: Annotated[str | None, Query(max_length=50)] = None,
) -> PageParams:
    # Only the shape is checked here; `paginate` checks the field against the endpoint's list.
    if order is not None and not _ORDER.fullmatch(order):
        raise InvalidQueryParams(f"Unsupported order '{order}'")
    descending = order is None or order.startswith("-")
    return PageParams(
        limit=limit,
        page=page,
        starting_after_id=starting_after_id,
        descending=descending,
        sort=order.lstrip("-") if order else None,
        order=order,
    )


Page = Annotated[PageParams, Depends(page_params)]


async def paginate(
    session: AsyncSession,
    stmt: Select[T],
    id_column: InstrumentedAttribute[str],
    params: PageParams,
    sorts: Sorts | None = None,
) -> tuple[Sequence[T], int, bool]:
    """Rows of one page, the total matching rows, and whether more follow.

    Ids are time-ordered (see kit.ids), so ordering by id is ordering by creation, and
    `starting_after_id` is a cheap range condition. Any other `order` sorts by its key, then
    by id in the same direction, so rows with equal keys keep one order and pages never
    overlap; `starting_after_id` then continues after that row's (key, id).
    """
    key = _sort_key(id_column, params, sorts or {})
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    after = params.starting_after_id
    if after and key is None:
        stmt = stmt.where((id_column < after) if params.descending else (id_column > after))
    elif after and key is not None:
        # The cursor row's key, read in the same statement. Uncorrelated on purpose: it reads
        # the cursor row, not the row being filtered. A cursor that names no row gives NULL,
        # hence an empty page, like an id past the end.
        cursor = select(key).where(id_column == after).correlate(None).scalar_subquery()
        if params.descending:
            stmt = stmt.where(or_(key < cursor, and_(key == cursor, id_column < after)))
        else:
            stmt = stmt.where(or_(key > cursor, and_(key == cursor, id_column > after)))
    else:
        stmt = stmt.offset((params.page - 1) * params.limit)
    if key is not None:
        stmt = stmt.order_by(key.desc() if params.descending else key.asc())
    stmt = stmt.order_by(id_column.desc() if params.descending else id_column.asc())
    rows = (await session.execute(stmt.limit(params.limit + 1))).scalars().all()
    has_more = len(rows) > params.limit
    return rows[: params.limit], int(total), has_more


def _sort_key(
    id_column: InstrumentedAttribute[str], params: PageParams, sorts: Sorts
) -> SortKey | None:
    """The key `order` names, or None for id order; 400 for a field this list does not sort by."""
    if params.sort is None or params.sort == "id":
        return None
    if params.sort in sorts:
        return sorts[params.sort]
    if params.sort == "created_at":
        # Not the id: ids follow the wall clock, created_at follows kit.clock.
        created: SortKey | None = getattr(id_column.class_, "created_at", None)
        return created
    allowed = sorted({*BASE_ORDERS, *sorts})
    names = ", ".join(f"{name}, -{name}" for name in allowed)
    raise InvalidQueryParams(f"Unsupported order '{params.order}': use one of {names}")


def list_body(
    key: str, items: Sequence[Any], total: int | None = None, *, has_more: bool | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"object": "list", "data_ref": key, key: list(items)}
    if total is not None:
        body["total"] = total
    if has_more is not None:
        body["has_more"] = has_more
        if has_more and items:
            last = items[-1]
            if isinstance(last, dict) and "id" in last:
                body["more_starting_after"] = last["id"]
    return body

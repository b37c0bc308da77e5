"""List conventions: `limit`, `page`, `starting_after_id`, `order`, and the list envelope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from voucherd.kit.errors import InvalidQueryParams

T = TypeVar("T")

MAX_LIMIT = 100
DEFAULT_LIMIT = 10


@dataclass(frozen=True)
class PageParams:
    limit: int
    page: int
    starting_after_id: str | None
    # Newest first unless the caller asks for `order=created_at`.
    descending: bool


async def page_params(  # async: FastAPI runs a plain def in the thread pool
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    starting_after_id: Annotated[str | None, Query(max_length=200)] = None,
    order: Annotated[str | None, Query(max_length=50)] = None,
) -> PageParams:
    if order not in (None, "created_at", "-created_at", "id", "-id"):
        raise InvalidQueryParams(f"Unsupported order '{order}': use created_at or -created_at")
    descending = order is None or order.startswith("-")
    return PageParams(
        limit=limit, page=page, starting_after_id=starting_after_id, descending=descending
    )


Page = Annotated[PageParams, Depends(page_params)]


async def paginate(
    session: AsyncSession,
    stmt: Select[T],
    id_column: InstrumentedAttribute[str],
    params: PageParams,
) -> tuple[Sequence[T], int, bool]:
    """Rows of one page, the total matching rows, and whether more follow.

    Ids are time-ordered (see kit.ids), so ordering by id is ordering by creation, and
    `starting_after_id` is a cheap range condition.
    """
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    if params.starting_after_id:
        cond = (
            (id_column < params.starting_after_id)
            if params.descending
            else (id_column > params.starting_after_id)
        )
        stmt = stmt.where(cond)
    else:
        stmt = stmt.offset((params.page - 1) * params.limit)
    stmt = stmt.order_by(id_column.desc() if params.descending else id_column.asc())
    rows = (await session.execute(stmt.limit(params.limit + 1))).scalars().all()
    has_more = len(rows) > params.limit
    return rows[: params.limit], int(total), has_more


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

"""Categories on the wire (`Category`)."""

from __future__ import annotations

from typing import Any

from voucherd.categories.models import Category
from voucherd.kit.timefmt import iso
from voucherd.kit.wire import omit_absent

# Voucherify's examples and seed 003 show a never-updated category without `updated_at`.
CATEGORY_OMITTED_WHEN_ABSENT = ("updated_at",)


def category_body(category: Category) -> dict[str, Any]:
    body = {
        "id": category.id,
        "name": category.name,
        "hierarchy": category.hierarchy,
        "created_at": iso(category.created_at),
        "updated_at": iso(category.updated_at),
        "object": "category",
    }
    return omit_absent(body, CATEGORY_OMITTED_WHEN_ABSENT)


def categories_of(category: Category | None) -> list[dict[str, Any]]:
    """The `categories[]` of a campaign or voucher: its one category, or none."""
    return [] if category is None else [category_body(category)]

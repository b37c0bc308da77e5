"""Category request and response bodies (`CategoriesCreate/UpdateRequestBody`)."""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictInt, StrictStr

from voucherd.kit.bodies import RequestBody

# Voucherify's spec bounds the hierarchy below only; a 32-bit column bounds it above.
MAX_HIERARCHY = 2_147_483_647


class CategoryCreate(RequestBody):
    name: StrictStr = Field(min_length=1, max_length=200)
    hierarchy: StrictInt | None = Field(default=None, ge=0, le=MAX_HIERARCHY)


class CategoryUpdate(RequestBody):
    name: StrictStr | None = Field(default=None, min_length=1, max_length=200)
    hierarchy: StrictInt | None = Field(default=None, ge=0, le=MAX_HIERARCHY)


class CategoryOut(BaseModel):
    id: str
    name: str
    hierarchy: int
    object: str
    created_at: str
    updated_at: str | None = None


class CategoriesListOut(BaseModel):
    object: str
    data_ref: str
    data: list[CategoryOut]
    total: int

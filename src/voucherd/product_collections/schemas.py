"""Request and response bodies of /v1/product-collections."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from voucherd.kit.bodies import RequestBody

# Voucherify: a STATIC collection lists at most 20 products / SKUs.
MAX_STATIC_PRODUCTS = 20


class StaticEntryIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: StrictStr = Field(min_length=1, max_length=64)
    object: Literal["product", "sku"]
    product_id: StrictStr | None = Field(default=None, max_length=64)


class ProductCollectionCreate(RequestBody):
    type: Literal["STATIC", "AUTO_UPDATE"] | None = None
    name: StrictStr = Field(min_length=1, max_length=200)
    products: list[StaticEntryIn] | None = Field(default=None, max_length=MAX_STATIC_PRODUCTS)
    filter: dict[str, Any] | None = None


class StaticEntryOut(BaseModel):
    id: str
    object: str
    product_id: str | None = None


class ProductCollectionOut(BaseModel):
    id: str
    name: str
    type: str
    filter: dict[str, Any] | None = None
    products: list[StaticEntryOut] | None = None
    created_at: str
    object: Literal["products_collection"]


class ProductCollectionsListOut(BaseModel):
    object: Literal["list"]
    data_ref: Literal["data"]
    data: list[ProductCollectionOut]
    total: int


class CollectionProductsListOut(BaseModel):
    object: Literal["list"]
    data_ref: Literal["data"]
    data: list[dict[str, Any]]
    total: int

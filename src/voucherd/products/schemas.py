"""Request and response bodies for products and SKUs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from voucherd.kit.money import MAX_AMOUNT


class ProductFields(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: StrictStr | None = Field(default=None, max_length=500)
    # Money is integer cents: strict, so "100" and 10.5 are refused.
    price: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    attributes: list[StrictStr] | None = Field(default=None, max_length=100)
    image_url: StrictStr | None = Field(default=None, max_length=2000)
    metadata: dict[str, Any] | None = None


class ProductCreate(ProductFields):
    id: StrictStr | None = Field(default=None, max_length=64)
    source_id: StrictStr | None = Field(default=None, min_length=1, max_length=200)


class ProductUpdate(ProductFields):
    source_id: StrictStr | None = Field(default=None, min_length=1, max_length=200)


class SkuFields(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sku: StrictStr | None = Field(default=None, max_length=500)
    price: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    currency: StrictStr | None = Field(default=None, max_length=16)
    attributes: dict[str, Any] | None = None
    image_url: StrictStr | None = Field(default=None, max_length=2000)
    metadata: dict[str, Any] | None = None


class SkuCreate(SkuFields):
    id: StrictStr | None = Field(default=None, max_length=64)
    source_id: StrictStr | None = Field(default=None, min_length=1, max_length=200)


class SkuUpdate(SkuFields):
    source_id: StrictStr | None = Field(default=None, min_length=1, max_length=200)


class SkuOut(BaseModel):
    id: str
    source_id: str | None
    product_id: str
    sku: str | None
    price: int | None
    currency: str | None
    attributes: dict[str, Any]
    image_url: str | None
    metadata: dict[str, Any]
    created_at: str
    updated_at: str | None
    object: str = "sku"


class SkusListOut(BaseModel):
    object: str = "list"
    data_ref: str = "data"
    data: list[SkuOut]
    total: int


class ProductOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    source_id: str | None
    name: str | None
    price: int | None
    attributes: list[str]
    metadata: dict[str, Any]
    image_url: str | None
    created_at: str
    updated_at: str | None
    object: str = "product"
    skus: SkusListOut


class ProductsListOut(BaseModel):
    object: str = "list"
    data_ref: str = "products"
    products: list[ProductOut]
    total: int
    has_more: bool | None = None


class SkusOfProductListOut(BaseModel):
    object: str = "list"
    data_ref: str = "skus"
    skus: list[SkuOut]
    total: int

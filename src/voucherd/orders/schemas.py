"""Order request and response bodies. Money fields are strict integers (cents)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from voucherd.customers.schemas import CustomerReference
from voucherd.kit.money import MAX_AMOUNT

OrderStatus = Literal["CREATED", "PAID", "CANCELED", "FULFILLED"]
MAX_ITEMS = 1000


class ItemProduct(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: StrictStr | None = None
    source_id: StrictStr | None = Field(default=None, max_length=200)
    override: StrictBool | None = None
    name: StrictStr | None = Field(default=None, max_length=500)
    price: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    metadata: dict[str, Any] | None = None


class ItemSku(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: StrictStr | None = None
    source_id: StrictStr | None = Field(default=None, max_length=200)
    override: StrictBool | None = None
    sku: StrictStr | None = Field(default=None, max_length=500)
    price: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    metadata: dict[str, Any] | None = None


class OrderItemIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sku_id: StrictStr | None = None
    product_id: StrictStr | None = None
    related_object: Literal["product", "sku"] | None = None
    source_id: StrictStr | None = Field(default=None, max_length=200)
    quantity: StrictInt | None = Field(default=None, ge=1, le=1_000_000)
    discount_quantity: StrictInt | None = Field(default=None, ge=0, le=1_000_000)
    initial_quantity: StrictInt | None = Field(default=None, ge=0, le=1_000_000)
    amount: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    discount_amount: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    initial_amount: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    price: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    product: ItemProduct | None = None
    sku: ItemSku | None = None
    metadata: dict[str, Any] | None = None


class OrderFields(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: OrderStatus | None = None
    amount: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    initial_amount: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    discount_amount: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    items: list[OrderItemIn] | None = Field(default=None, max_length=MAX_ITEMS)
    metadata: dict[str, Any] | None = None
    referrer_id: StrictStr | None = None
    customer: CustomerReference | None = None
    referrer: CustomerReference | None = None
    created_at: datetime | None = None
    source_id: StrictStr | None = Field(default=None, min_length=1, max_length=200)


class OrderCreate(OrderFields):
    id: StrictStr | None = Field(default=None, max_length=64)


class OrderUpdate(OrderFields):
    """`source_id` is the order's key: accepted when it is the stored one, refused otherwise."""


class OrderItemOut(BaseModel):
    object: str = "order_item"
    id: str
    source_id: str | None = None
    related_object: str | None = None
    product_id: str | None = None
    sku_id: str | None = None
    quantity: int | None = None
    discount_quantity: int | None = None
    initial_quantity: int | None = None
    amount: int | None = None
    initial_amount: int | None = None
    discount_amount: int | None = None
    applied_discount_amount: int | None = None
    price: int | None = None
    subtotal_amount: int | None = None
    product: dict[str, Any] | None = None
    sku: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


class OrderOut(BaseModel):
    id: str
    source_id: str | None
    status: OrderStatus
    customer_id: str | None
    referrer_id: str | None
    amount: int | None
    initial_amount: int | None
    discount_amount: int
    items_discount_amount: int
    total_discount_amount: int
    total_amount: int | None
    applied_discount_amount: int | None
    items_applied_discount_amount: int | None
    total_applied_discount_amount: int | None
    items: list[OrderItemOut]
    metadata: dict[str, Any]
    # Left out when the order has none (kit/wire.py).
    customer: dict[str, Any] | None = None
    referrer: dict[str, Any] | None = None
    redemptions: dict[str, Any]
    created_at: str
    updated_at: str | None
    object: str = "order"


class OrdersListOut(BaseModel):
    object: str = "list"
    data_ref: str = "orders"
    orders: list[OrderOut]
    total: int
    has_more: bool | None = None

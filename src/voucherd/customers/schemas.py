"""Request bodies for customers (strict where Voucherify's SDK is strict)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr


class Address(BaseModel):
    model_config = ConfigDict(extra="ignore")

    city: StrictStr | None = Field(default=None, max_length=500)
    state: StrictStr | None = Field(default=None, max_length=500)
    line_1: StrictStr | None = Field(default=None, max_length=1000)
    line_2: StrictStr | None = Field(default=None, max_length=1000)
    country: StrictStr | None = Field(default=None, max_length=500)
    postal_code: StrictStr | None = Field(default=None, max_length=100)


class CustomerFields(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: StrictStr | None = Field(default=None, max_length=500)
    description: StrictStr | None = Field(default=None, max_length=2000)
    email: StrictStr | None = Field(default=None, max_length=500)
    phone: StrictStr | None = Field(default=None, max_length=100)
    birthday: date | None = None
    birthdate: date | None = None
    address: Address | None = None
    metadata: dict[str, Any] | None = None


class CustomerCreate(CustomerFields):
    id: StrictStr | None = Field(default=None, max_length=64)
    source_id: StrictStr | None = Field(default=None, min_length=1, max_length=200)


class CustomerUpdate(CustomerFields):
    source_id: StrictStr | None = Field(default=None, min_length=1, max_length=200)


class CustomerReference(CustomerCreate):
    """A customer embedded in another request (order, redemption): found or upserted."""


# Response models: what the endpoints return, for the OpenAPI document (bodies are built by
# serializers.py; tests check the two agree).
class CustomerSummaryRedemptionsOut(BaseModel):
    total_redeemed: int
    total_failed: int
    total_succeeded: int
    total_rolled_back: int
    total_rollback_failed: int
    total_rollback_succeeded: int
    gift: dict[str, int]
    loyalty_card: dict[str, int]


class CustomerSummaryOrdersOut(BaseModel):
    total_amount: int
    total_count: int
    average_amount: int
    last_order_amount: int | None
    last_order_date: str | None


class CustomerSummaryOut(BaseModel):
    redemptions: CustomerSummaryRedemptionsOut
    orders: CustomerSummaryOrdersOut


class CustomerOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    source_id: str | None
    name: str | None
    description: str | None
    email: str | None
    phone: str | None
    birthday: str | None
    birthdate: str | None
    address: dict[str, Any] | None
    summary: CustomerSummaryOut
    loyalty: dict[str, Any]
    referrals: dict[str, Any]
    metadata: dict[str, Any]
    system_metadata: dict[str, Any]
    created_at: str
    updated_at: str | None
    object: str = "customer"


class CustomersListOut(BaseModel):
    object: str = "list"
    data_ref: str = "customers"
    customers: list[CustomerOut]
    total: int
    has_more: bool | None = None

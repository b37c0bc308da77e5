"""Orders and their line items, with Voucherify's calculated amount fields (integer cents)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voucherd.kit.db import Base
from voucherd.kit.models import (
    created_at_column,
    id_column,
    metadata_column,
    project_column,
    updated_at_column,
)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("project_id", "source_id"),)

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    source_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="CREATED")
    customer_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("customers.id", ondelete="SET NULL"), nullable=True, index=True
    )
    referrer_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
    )
    amount: Mapped[int | None] = mapped_column(nullable=True)
    initial_amount: Mapped[int | None] = mapped_column(nullable=True)
    discount_amount: Mapped[int] = mapped_column(default=0)
    items_discount_amount: Mapped[int] = mapped_column(default=0)
    applied_discount_amount: Mapped[int | None] = mapped_column(nullable=True)
    items_applied_discount_amount: Mapped[int | None] = mapped_column(nullable=True)
    # Redemptions applied to this order: {redemption_id: {date, related_object_type, ...}}.
    redemptions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    metadata_: Mapped[dict[str, Any]] = metadata_column()
    # Set once, by a conditional UPDATE, when the order first becomes PAID: the guard that
    # makes `customer.order.paid` (and the points it earns) happen exactly once.
    paid_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order",
        order_by="OrderItem.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def total_discount_amount(self) -> int:
        return self.discount_amount + self.items_discount_amount

    @property
    def total_amount(self) -> int | None:
        return None if self.amount is None else self.amount - self.total_discount_amount


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[str] = id_column()
    order_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column()
    related_object: Mapped[str | None] = mapped_column(String(16), nullable=True)
    source_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    product_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sku_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    quantity: Mapped[int | None] = mapped_column(nullable=True)
    discount_quantity: Mapped[int | None] = mapped_column(nullable=True)
    initial_quantity: Mapped[int | None] = mapped_column(nullable=True)
    price: Mapped[int | None] = mapped_column(nullable=True)
    amount: Mapped[int | None] = mapped_column(nullable=True)
    initial_amount: Mapped[int | None] = mapped_column(nullable=True)
    discount_amount: Mapped[int] = mapped_column(default=0)
    applied_discount_amount: Mapped[int | None] = mapped_column(nullable=True)
    # Snapshots of the product/SKU as named on the order (name, price, metadata).
    product: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    sku: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    metadata_: Mapped[dict[str, Any]] = metadata_column()

    order: Mapped[Order] = relationship(back_populates="items")

    @property
    def subtotal_amount(self) -> int | None:
        return None if self.amount is None else self.amount - self.discount_amount

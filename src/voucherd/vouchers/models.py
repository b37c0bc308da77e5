"""Vouchers (discount codes, gift cards, loyalty cards) and their balance transactions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voucherd.categories.models import Category
from voucherd.kit.db import Base
from voucherd.kit.models import (
    created_at_column,
    id_column,
    metadata_column,
    project_column,
    updated_at_column,
)

# The partial index's predicate; a query uses the index only when its WHERE has these very
# terms (qualifications/repository.py writes them so, with the literal 1).
STANDALONE_GENERIC = (
    "campaign_id IS NULL AND holder_id IS NULL"
    " AND (redemption_quantity IS NULL OR redemption_quantity > 1)"
)


class Voucher(Base):
    __tablename__ = "vouchers"
    __table_args__ = (
        UniqueConstraint("project_id", "code"),
        Index("ix_vouchers_campaign_holder", "campaign_id", "holder_id"),
        # Publication takes a campaign's next free code: the first entry here, whatever
        # number of codes went out before it (the index holds only the free ones).
        Index(
            "ix_vouchers_campaign_free",
            "campaign_id",
            "id",
            postgresql_where=text("holder_id IS NULL"),
            sqlite_where=text("holder_id IS NULL"),
        ),
        # A campaign's codes newest first (the console's campaign page), without a sort.
        Index("ix_vouchers_campaign_id_id", "campaign_id", "id"),
        # A project's multi-use codes nobody holds outside any campaign, newest first: the
        # generic codes a qualification offers (qualifications/repository.py), read without
        # touching the project's other codes.
        Index(
            "ix_vouchers_standalone_generic",
            "project_id",
            "created_at",
            "id",
            postgresql_where=text(STANDALONE_GENERIC),
            sqlite_where=text(STANDALONE_GENERIC),
        ),
    )

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    code: Mapped[str] = mapped_column(String(300))
    campaign_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=True
    )
    # Denormalised from the campaign: every voucher body shows it, and renames are rare.
    campaign_name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    category: Mapped[str | None] = mapped_column(String(200), nullable=True)
    category_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Joined into every read of a voucher (one LEFT JOIN, no extra round trip): its body
    # shows the category's name and `categories[]`, including on the redemption path.
    # `category` (the name column above) is no longer read; the category row is the truth.
    category_ref: Mapped[Category | None] = relationship(
        Category,
        primaryjoin="foreign(Voucher.category_id) == Category.id",
        lazy="joined",
        innerjoin=False,
    )
    type: Mapped[str] = mapped_column(String(32))  # DISCOUNT_VOUCHER | GIFT_VOUCHER | LOYALTY_CARD
    discount: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    gift_amount: Mapped[int | None] = mapped_column(nullable=True)
    # Cached balances, changed only by conditional UPDATEs (never below zero).
    gift_balance: Mapped[int | None] = mapped_column(nullable=True)
    gift_effect: Mapped[str | None] = mapped_column(String(32), nullable=True)
    loyalty_points: Mapped[int | None] = mapped_column(nullable=True)
    loyalty_balance: Mapped[int | None] = mapped_column(nullable=True)
    loyalty_pending_points: Mapped[int | None] = mapped_column(nullable=True)
    loyalty_expired_points: Mapped[int | None] = mapped_column(nullable=True)
    loyalty_subtracted_points: Mapped[int | None] = mapped_column(nullable=True)
    loyalty_next_expiration_date: Mapped[date | None] = mapped_column(nullable=True)
    loyalty_next_expiration_points: Mapped[int | None] = mapped_column(nullable=True)
    # The member's current tier (`ltr_…`), recomputed whenever the balance moves.
    loyalty_tier_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    redemption_quantity: Mapped[int | None] = mapped_column(nullable=True)  # None = unlimited
    redeemed_quantity: Mapped[int] = mapped_column(default=0)
    redeemed_points: Mapped[int] = mapped_column(default=0)
    redeemed_amount: Mapped[int] = mapped_column(default=0)
    start_date: Mapped[datetime | None] = mapped_column(nullable=True)
    expiration_date: Mapped[datetime | None] = mapped_column(nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    additional_info: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    # Recurring windows (kit/validity.py); None = none. its campaign's apply too.
    validity_timeframe: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    validity_day_of_week: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    validity_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    holder_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    is_referral_code: Mapped[bool] = mapped_column(default=False)
    publish_count: Mapped[int] = mapped_column(default=0)
    # Validation sessions' holds on this code (sessions/): how many redemptions and gift
    # credits live LOCK sessions reserve, and when the first and the last of them expire.
    # Kept by sessions/ under this row's lock; the redemption path's conditional UPDATEs
    # subtract them while `locks_expire_last` is ahead (sessions/holds.py).
    locked_quantity: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_credits: Mapped[int] = mapped_column(default=0, server_default="0")
    locks_expire_first: Mapped[datetime | None] = mapped_column(nullable=True)
    locks_expire_last: Mapped[datetime | None] = mapped_column(nullable=True)
    metadata_: Mapped[dict[str, Any]] = metadata_column()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = updated_at_column()


class VoucherTransaction(Base):
    """A movement of a card's balance (`vtx_…`), append-only.

    Gift cards: credits redeemed, refunded, added (`amount` in cents). Loyalty cards: the
    points ledger (`amount` in points, Voucherify's POINTS_* types); the card's cached
    `loyalty_balance` always equals the sum of its ledger rows.
    """

    __tablename__ = "voucher_transactions"
    # An earning (rule, order) or any other once-only movement carries a key: a retried
    # request or a redelivered event can never add the same points twice.
    __table_args__ = (
        UniqueConstraint("voucher_id", "dedupe_key"),
        # Reports by period (points issued and spent on the console's home page).
        Index("ix_voucher_transactions_project_created", "project_id", "created_at"),
    )

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    voucher_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("vouchers.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    type: Mapped[str] = mapped_column(String(40))  # CREDITS_REDEMPTION | CREDITS_REFUND | ...
    amount: Mapped[int] = mapped_column()  # signed cents
    balance_after: Mapped[int] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    related_redemption_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    related_transaction_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created_at_column()


class PointsBucket(Base):
    """Points that arrived together and expire together (`lopb_…`).

    Every credit opens a bucket with its own expiry date; spending drains buckets
    soonest-expiring first; the expiry job empties the overdue ones. The sum of `remaining`
    over a card's buckets equals its `loyalty_balance`.
    """

    __tablename__ = "points_buckets"
    __table_args__ = (
        Index("ix_points_buckets_voucher_expires", "voucher_id", "expires_on"),
        # The expiry job scans for overdue buckets that still hold points.
        Index("ix_points_buckets_expires_remaining", "expires_on", "remaining"),
    )

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    voucher_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("vouchers.id", ondelete="CASCADE")
    )
    campaign_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    points: Mapped[int] = mapped_column()  # as credited
    remaining: Mapped[int] = mapped_column()  # not yet spent or expired
    expires_on: Mapped[date | None] = mapped_column(nullable=True)  # None = never
    transaction_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = created_at_column()

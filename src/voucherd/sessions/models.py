"""A validation session's reservation on one voucher (Voucherify's `session`, type LOCK).

One row per (voucher, session key): a validation with a session reserves, for each voucher
it finds redeemable, one redemption of the code and the gift credits it would apply. The
voucher row carries the sums of its reservations (`Voucher.locked_quantity`,
`locked_credits`) and their earliest and latest expiry, kept by this domain under the
voucher's row lock, so the redemption path's conditional UPDATEs respect other sessions'
holds without a join and without a job: a reservation past `expires_at` simply stops
counting.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, project_column


class ValidationSession(Base):
    __tablename__ = "validation_sessions"
    __table_args__ = (
        # Overwriting a key finds all its reservations, across vouchers.
        Index("ix_validation_sessions_project_key", "project_id", "key"),
    )

    voucher_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("vouchers.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    project_id: Mapped[str] = project_column()
    type: Mapped[str] = mapped_column(String(16))  # LOCK
    # As sent (echoed back): `ttl` in `ttl_unit`; `expires_at` is what the rules compare.
    ttl: Mapped[int] = mapped_column()
    ttl_unit: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(default=1)  # redemptions held
    credits: Mapped[int] = mapped_column(default=0)  # gift credits held, cents
    expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = created_at_column()

"""OAuth tokens: only a digest of the bearer token is stored, like API key tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base
from voucherd.kit.models import created_at_column, id_column, project_column


class OAuthToken(Base):
    __tablename__ = "oauth_tokens"

    id: Mapped[str] = id_column()
    project_id: Mapped[str] = project_column()
    # The App key that issued the token: the token acts with its permissions and stops
    # working when that key is revoked (Voucherify: "stop working within one minute").
    api_key_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("api_keys.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(default=None, nullable=True)

"""Per-installation secrets: random keys made once and kept in the database, so every API
and worker process of one installation signs and verifies alike (`VOUCHERD_SECRET_KEY`
overrides them from the environment)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from voucherd.kit.db import Base, Database
from voucherd.kit.models import created_at_column

# The one stored master secret; purposes get keys derived from it (`derive`).
MASTER = "master"


class InstallationSecret(Base):
    __tablename__ = "installation_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()


async def stored_secret(db: Database, name: str = MASTER) -> str:
    """The secret named `name`, made on first use (the migration makes `master`)."""
    async with db.transaction(write=False) as session:
        found = await session.scalar(
            select(InstallationSecret.value).where(InstallationSecret.name == name)
        )
    if found is not None:
        return found
    try:
        async with db.transaction() as session:
            session.add(InstallationSecret(name=name, value=secrets.token_hex(32)))
    except IntegrityError:
        pass  # another process made it first: theirs is the one
    async with db.transaction(write=False) as session:
        value = await session.scalar(
            select(InstallationSecret.value).where(InstallationSecret.name == name)
        )
    assert value is not None
    return value


def derive(master: str, purpose: str, size: int = 64) -> bytes:
    """A key for one purpose, so a leaked asset key says nothing about another use."""
    assert size <= hashlib.sha512().digest_size
    return hmac.new(master.encode(), purpose.encode(), hashlib.sha512).digest()[:size]

"""Reads of campaigns for the console's list: search by name, filter by type and state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_

from voucherd.campaigns import repository
from voucherd.campaigns.models import Campaign

# A campaign's state as the console filters it (`is_live` in the service is the same test).
STATES = ("live", "disabled", "scheduled", "expired")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_query(
    project_id: str,
    *,
    name: str | None = None,
    campaign_type: str | None = None,
    state: str | None = None,
    now: datetime,
) -> Select[Campaign]:
    """The project's campaigns whose name contains `name` (any case), of a type and state.

    Campaigns are few per project (their vouchers are many): the project index narrows the
    scan and the name test runs on those rows only.
    """
    stmt = repository.list_query(project_id, campaign_type=campaign_type)
    if name:
        stmt = stmt.where(Campaign.name.ilike(f"%{_escape_like(name)}%", escape="\\"))
    if state == "disabled":
        stmt = stmt.where(Campaign.active.is_(False))
    elif state == "scheduled":
        stmt = stmt.where(Campaign.active.is_(True), Campaign.start_date > now)
    elif state == "expired":
        stmt = stmt.where(Campaign.active.is_(True), Campaign.expiration_date < now)
    elif state == "live":
        stmt = stmt.where(
            Campaign.active.is_(True),
            or_(Campaign.start_date.is_(None), Campaign.start_date <= now),
            or_(Campaign.expiration_date.is_(None), Campaign.expiration_date >= now),
        )
    return stmt

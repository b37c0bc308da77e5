"""A campaign's redemption figures, for `GET /v1/campaigns/{id}/summary`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.context import RequestContext
from voucherd.redemptions import repository


async def campaign_totals(
    session: AsyncSession,
    ctx: RequestContext,
    campaign_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, int]:
    """Redemptions (succeeded, failed), rollbacks, discounted, gift and order amounts.

    Keys: redemptions_succeeded, redemptions_failed, rollbacks_succeeded, rollbacks_failed,
    discounted_amount, rolledback_discounted_amount, orders_amount, orders_rolledback_amount
    (amounts in minor units; for gift cards the "discount" is the credits used).
    """
    return await repository.campaign_totals(
        session, ctx.project_id, campaign_id, since=since, until=until
    )

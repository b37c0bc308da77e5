"""The home page's numbers: today and this month, and redemptions per day for 30 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.console.charts import Bar, bar_chart
from voucherd.kit.clock import utcnow
from voucherd.loyalty import reports as loyalty_reports
from voucherd.redemptions import reports as redemption_reports
from voucherd.webhooks import service as webhooks

CHART_DAYS = 30


@dataclass(frozen=True)
class Period:
    redemptions: int
    discount: int  # cents
    points_issued: int
    points_spent: int


@dataclass(frozen=True)
class Home:
    today: Period
    month: Period
    failed_webhooks: int  # send-outs that gave up in the last 30 days
    chart: Markup


def _day_start(moment: datetime) -> datetime:
    # Days in UTC for now; the project time zone comes with stacking rules' zone accessor.
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


async def home(session: AsyncSession, project_id: str) -> Home:
    now = utcnow()
    today = _day_start(now)
    month = today.replace(day=1)
    tomorrow = today + timedelta(days=1)
    days = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    # Each call is one statement: every chart day (today last), then the month.
    bounds_month = [month, tomorrow]
    periods = await redemption_reports.per_period(session, project_id, [*days, tomorrow])
    month_total = await redemption_reports.per_period(session, project_id, bounds_month)
    today_points = await loyalty_reports.points_issued_and_spent(session, project_id, today)
    month_points = await loyalty_reports.points_issued_and_spent(session, project_id, month)
    failed = await webhooks.failed_sendouts_since(
        session, project_id, today - timedelta(days=CHART_DAYS)
    )
    bars = [
        Bar(
            label=day.strftime("%d %b"),
            value=count,
            title=f"{day:%d %b}: {count} redemptions",
        )
        for day, (count, _) in zip(days, periods, strict=True)
    ]
    return Home(
        today=Period(periods[-1][0], periods[-1][1], *today_points),
        month=Period(month_total[0][0], month_total[0][1], *month_points),
        failed_webhooks=failed,
        chart=bar_chart(bars, title=f"Redemptions per day, last {CHART_DAYS} days"),
    )

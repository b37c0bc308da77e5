"""The home page's numbers: today and this month, and redemptions per day for 30 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.console.charts import Bar, bar_chart
from voucherd.kit.clock import utcnow
from voucherd.kit.zones import local_date, local_midnight
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


async def home(session: AsyncSession, project_id: str, tz: ZoneInfo) -> Home:
    """Days are the project's (its time zone), each bounded by its local midnights, so a day
    that changes the clocks has 23 or 25 hours."""
    now = utcnow()
    today = local_date(now, tz)
    dates = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    starts = [local_midnight(d, tz) for d in [*dates, today + timedelta(days=1)]]
    days, tomorrow = starts[:-1], starts[-1]
    month = local_midnight(today.replace(day=1), tz)
    # Each call is one statement: every chart day (today last), then the month.
    bounds_month = [month, tomorrow]
    periods = await redemption_reports.per_period(session, project_id, [*days, tomorrow])
    month_total = await redemption_reports.per_period(session, project_id, bounds_month)
    today_points = await loyalty_reports.points_issued_and_spent(session, project_id, days[-1])
    month_points = await loyalty_reports.points_issued_and_spent(session, project_id, month)
    failed = await webhooks.failed_sendouts_since(session, project_id, days[0])
    bars = [
        Bar(
            label=day.strftime("%d %b"),
            value=count,
            title=f"{day:%d %b}: {count} redemptions",
        )
        for day, (count, _) in zip(dates, periods, strict=True)
    ]
    return Home(
        today=Period(periods[-1][0], periods[-1][1], *today_points),
        month=Period(month_total[0][0], month_total[0][1], *month_points),
        failed_webhooks=failed,
        chart=bar_chart(bars, title=f"Redemptions per day, last {CHART_DAYS} days"),
    )

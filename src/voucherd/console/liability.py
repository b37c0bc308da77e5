"""`/console/liability`: what the shop owes its customers, for its accounts. Outstanding
points per loyalty program (and their money value where a pay-with-points reward prices
them), pending points, points expiring in each of the next 12 months, and unspent gift-card
balances; the same as CSV. Voucherify has no such report."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from voucherd.campaigns import service as campaigns
from voucherd.console.web import CurrentViewer, Viewer, page
from voucherd.kit.clock import utcnow
from voucherd.kit.http import TransactionalRoute, get_session_of
from voucherd.loyalty import reports as loyalty_reports
from voucherd.rewards import rules as reward_rules
from voucherd.rewards import service as rewards
from voucherd.vouchers import reports as voucher_reports

router = APIRouter(prefix="/console", route_class=TransactionalRoute, include_in_schema=False)

MONTHS = 12


@dataclass(frozen=True)
class ProgramRow:
    campaign_id: str
    name: str
    cards: int
    balance: int
    pending: int
    value: int | None  # cents, when a COIN reward prices the points
    expiring: list[int]  # points per month, MONTHS of them


@dataclass(frozen=True)
class GiftRow:
    campaign_id: str
    name: str
    cards: int
    balance: int


@dataclass(frozen=True)
class Liability:
    months: list[date]
    programs: list[ProgramRow]
    gifts: list[GiftRow]

    @property
    def gift_total(self) -> int:
        return sum(g.balance for g in self.gifts)

    @property
    def points_value_total(self) -> int:
        return sum(p.value or 0 for p in self.programs)


async def liability(session: AsyncSession, who: Viewer) -> Liability:
    project_id = who.user.project_id
    first = who.ctx.today().replace(day=1)  # the project's months
    months = [first + relativedelta(months=n) for n in range(MONTHS + 1)]
    points = await loyalty_reports.outstanding_points(session, project_id)
    expiring = await loyalty_reports.expiring_by_month(session, project_id, months)
    gifts = await voucher_reports.gift_outstanding(session, project_id)
    labels = await campaigns.names(
        session, who.ctx, [p.campaign_id for p in points] + [g.campaign_id for g in gifts]
    )
    programs = []
    for p in points:
        ratio = await rewards.coin_ratio(session, project_id, p.campaign_id)
        value = reward_rules.points_value(p.balance, *ratio) if ratio else None
        programs.append(
            ProgramRow(
                p.campaign_id,
                labels.get(p.campaign_id, p.campaign_id),
                p.cards,
                p.balance,
                p.pending,
                value,
                expiring.get(p.campaign_id, [0] * MONTHS),
            )
        )
    return Liability(
        months=months[:MONTHS],
        programs=programs,
        gifts=[
            GiftRow(
                g.campaign_id,
                labels.get(g.campaign_id, "Standalone gift cards"),
                g.cards,
                g.balance,
            )
            for g in gifts
        ],
    )


@router.get("/liability")
async def liability_page(request: Request, who: CurrentViewer) -> Response:
    report = await liability(get_session_of(request), who)
    return page("liability.html", who=who, nav="liability", report=report)


def _money(cents: int | None) -> str:
    return "" if cents is None else f"{cents / 100:.2f}"


@router.get("/liability.csv")
async def liability_csv(request: Request, who: CurrentViewer) -> Response:
    report = await liability(get_session_of(request), who)
    out = io.StringIO()
    writer = csv.writer(out)
    month_names = [m.strftime("%Y-%m") for m in report.months]
    writer.writerow(
        ["kind", "campaign_id", "name", "cards", "balance", "pending_points", "value",
         *[f"expiring_{m}" for m in month_names]]
    )  # fmt: skip
    for p in report.programs:
        writer.writerow(
            ["loyalty_points", p.campaign_id, p.name, p.cards, p.balance, p.pending,
             _money(p.value), *p.expiring]
        )  # fmt: skip
    for g in report.gifts:
        writer.writerow(
            ["gift_balance", g.campaign_id, g.name, g.cards, _money(g.balance), "", "",
             *[""] * len(month_names)]
        )  # fmt: skip
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="liability-{utcnow():%Y-%m-%d}.csv"',
            "Cache-Control": "no-store",
        },
    )

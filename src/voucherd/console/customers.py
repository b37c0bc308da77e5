"""`/console/customers`: look a customer up, see their wallet and redemptions, and adjust a
loyalty card's points with a reason (recorded in the ledger and the audit log)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from voucherd.console import service as console
from voucherd.console.web import CurrentViewer, FormError, checked_form, page, redirect
from voucherd.customers import service as customers
from voucherd.kit.errors import ApiError, NotFound
from voucherd.kit.http import TransactionalRoute, get_session_of
from voucherd.loyalty import reports as loyalty_reports
from voucherd.loyalty import service as loyalty
from voucherd.loyalty.schemas import PointsChange
from voucherd.redemptions import reports as redemption_reports
from voucherd.vouchers import service as vouchers

router = APIRouter(prefix="/console", route_class=TransactionalRoute, include_in_schema=False)


@router.get("/customers")
async def lookup(request: Request, who: CurrentViewer, q: str = "") -> Response:
    q = q[:200]
    found = await customers.find(get_session_of(request), who.ctx, q) if q else []
    if len(found) == 1:
        return redirect(f"/console/customers/{found[0].id}")
    return page("customers.html", who=who, nav="customers", q=q, found=found)


@router.get("/customers/{customer_id}")
async def customer(request: Request, customer_id: str, who: CurrentViewer) -> Response:
    session = get_session_of(request)
    try:
        person = await customers.get(session, who.ctx, customer_id)
    except NotFound:
        return page("error.html", 404, who=who, message=f"No customer {customer_id}.")
    wallet = await vouchers.held_by(session, who.ctx, person.id)
    redemptions = await redemption_reports.latest_for_customer(
        session, who.user.project_id, person.id
    )
    return page(
        "customer.html",
        who=who,
        nav="customers",
        customer=person,
        wallet=wallet,
        redemptions=redemptions,
        message=request.query_params.get("message"),
    )


@router.get("/cards/{code}")
async def card(request: Request, code: str, who: CurrentViewer) -> Response:
    session = get_session_of(request)
    try:
        found = await loyalty.get_member(session, who.ctx, code)
    except NotFound:
        return page("error.html", 404, who=who, message=f"No loyalty card {code}.")
    ledger = await loyalty_reports.latest_transactions(session, who.user.project_id, found.id)
    return page("card.html", who=who, nav="customers", card=found, ledger=ledger)


@router.post("/cards/{code}/points")
async def adjust_points(request: Request, code: str, who: CurrentViewer) -> Response:
    form = await checked_form(request, who, role="editor")
    session = get_session_of(request)
    reason = str(form.get("reason") or "").strip()
    try:
        points = int(str(form.get("points") or ""))
    except ValueError:
        raise FormError("Points must be a whole number, like 50 or -20.") from None
    if not reason:
        raise FormError("Give a reason: it is recorded in the card's ledger.")
    try:
        found = await loyalty.get_member(session, who.ctx, code)
        before = found.loyalty_balance
        change = PointsChange(points=points, reason=reason[:1000])
        updated, _ = await loyalty.change_points(session, who.ctx, code, change)
    except (ApiError, ValueError) as exc:
        raise FormError(str(exc)) from None
    await console.audit(
        session,
        who.user,
        "loyalty_card.points",
        object_type="voucher",
        object_id=updated.id,
        before={"balance": before},
        after={"balance": updated.loyalty_balance, "points": points, "reason": reason},
    )
    return redirect(f"/console/cards/{updated.code}")

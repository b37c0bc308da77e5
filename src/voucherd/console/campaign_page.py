"""`/console/campaigns/{id}`: one campaign's page (its codes, redemptions, publications,
transactions and exports, paged by id), enabling and disabling it, publishing a code to a
customer, exporting its codes as CSV through the exports domain, and the checks the campaign
form makes as you type (formula, sample codes, rule JSON), which change nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, Response

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.console import campaign_forms as forms
from voucherd.console import campaign_programs as programs
from voucherd.console import campaign_rules as builder
from voucherd.console import service as console
from voucherd.console.campaigns import (
    Missing,
    assigned_rule,
    builder_json,
    keyset,
    load_campaign,
    stored_rule_json,
)
from voucherd.console.web import CurrentViewer, FormError, Viewer, checked_form, page, redirect
from voucherd.exports import service as exports
from voucherd.kit.clock import utcnow
from voucherd.kit.errors import ApiError
from voucherd.kit.http import TransactionalRoute, get_session_of
from voucherd.publications import reports as publication_reports
from voucherd.publications import service as publications
from voucherd.publications.schemas import PublicationCreate
from voucherd.redemptions import reports as redemption_reports
from voucherd.rules import language
from voucherd.vouchers import reports as voucher_reports
from voucherd.vouchers.models import Voucher

router = APIRouter(prefix="/console", route_class=TransactionalRoute, include_in_schema=False)

SCRIPT = files("voucherd.console").joinpath("static/campaigns.js").read_bytes()
TABS = ("vouchers", "redemptions", "publications", "transactions", "exports")
# The columns of the campaign CSV: Voucherify's voucher export fields (exports/sources.py).
EXPORT_FIELDS = (
    "code", "voucher_type", "value", "discount_type", "campaign", "category", "active",
    "redemption_quantity", "redemption_count", "customer_id", "created_at", "expiration_date",
)  # fmt: skip


@router.get("/static/campaigns.js")
async def script() -> Response:
    return Response(
        SCRIPT, media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"}
    )


# --------------------------------------------------------------------------- one campaign


async def _tab_rows(
    session: AsyncSession, who: Viewer, campaign: Campaign, tab: str, after: str | None
) -> tuple[Sequence[Any], str | None]:
    project_id = who.user.project_id
    if tab == "vouchers":
        stmt: Select[Any] = voucher_reports.campaign_vouchers_query(project_id, campaign.id)
        return await keyset(session, stmt, Voucher.id, after)
    if tab == "redemptions":
        stmt = redemption_reports.campaign_redemptions_query(project_id, campaign.id)
    elif tab == "publications":
        stmt = publication_reports.campaign_publications_query(project_id, campaign.id)
    elif tab == "transactions":
        stmt = await campaigns.transactions_query(session, who.ctx, campaign.id)
    else:
        return await _exports(session, who, campaign), None
    entity = stmt.column_descriptions[0]["entity"]
    return await keyset(session, stmt, entity.id, after)


async def _exports(session: AsyncSession, who: Viewer, campaign: Campaign) -> list[Any]:
    """The project's latest exports narrowed to this campaign (exports are few)."""
    stmt = exports.list_query(who.ctx)
    latest, _ = await keyset(session, stmt, stmt.column_descriptions[0]["entity"].id, None)
    return [e for e in latest if (e.scope or {}).get("campaign_id") == campaign.id]


@router.get("/campaigns/{campaign_id}")
async def campaign_page(
    request: Request, campaign_id: str, who: CurrentViewer, tab: str = "vouchers", after: str = ""
) -> Response:
    session = get_session_of(request)
    try:
        campaign = await load_campaign(session, who, campaign_id)
    except Missing as exc:
        return page("error.html", 404, who=who, message=str(exc))
    tab = tab if tab in TABS else "vouchers"
    rows, more = await _tab_rows(session, who, campaign, tab, after[:64] or None)
    rule = await assigned_rule(session, who, campaign.id)
    base = str(request.base_url).rstrip("/")
    links = {e.id: exports.download_url(e, base) for e in rows} if tab == "exports" else {}
    return page(
        "campaign.html", who=who, nav="campaigns", campaign=campaign, tab=tab, tabs=TABS,
        rows=rows, more=more, first=not after, rule=rule,
        rule_json=stored_rule_json(rule), kind=forms.KINDS.get(campaign.campaign_type),
        live=campaigns.is_live(campaign, utcnow()), links=links,
        message=request.query_params.get("message", "")[:300],
        **await programs.page_context(session, who, campaign),
    )  # fmt: skip


@router.post("/campaigns/{campaign_id}/{state}")
async def change_campaign(
    request: Request, campaign_id: str, state: str, who: CurrentViewer
) -> Response:
    form = await checked_form(request, who, role="editor")
    session = get_session_of(request)
    campaign = await load_campaign(session, who, campaign_id)
    if state in ("enable", "disable"):
        before = {"active": campaign.active}
        await campaigns.set_active(session, who.ctx, campaign.id, state == "enable")
        await console.audit(
            session, who.user, f"campaign.{state}", object_type="campaign",
            object_id=campaign.id, before=before, after={"active": state == "enable"},
        )  # fmt: skip
        return redirect(f"/console/campaigns/{campaign.id}")
    if state == "publish":
        return await _publish(session, who, campaign, forms.text(form, "customer"))
    if state == "export":
        return await _export(session, who, campaign)
    raise FormError("Unknown action.")


async def _publish(
    session: AsyncSession, who: Viewer, campaign: Campaign, customer: str
) -> Response:
    if not customer:
        raise FormError("Give the customer's id (cust_...) or source id.")
    reference = {"id": customer} if customer.startswith("cust_") else {"source_id": customer}
    try:
        async with session.begin_nested():
            data = PublicationCreate.model_validate(
                {"campaign": {"id": campaign.id}, "customer": reference, "channel": "Console"}
            )
            published = await publications.create(session, who.ctx, data, join_once=False)
    except (ValidationError, ApiError) as exc:
        raise FormError(f"Not published: {exc}") from None
    await console.audit(
        session, who.user, "publication.create", object_type="publication",
        object_id=published.publication.id,
        after={"campaign_id": campaign.id, "customer_id": published.customer.id,
               "code": published.voucher.code},
    )  # fmt: skip
    message = f"Published {published.voucher.code} to {customer}"
    return redirect(f"/console/campaigns/{campaign.id}?tab=publications&message={_quote(message)}")


async def _export(session: AsyncSession, who: Viewer, campaign: Campaign) -> Response:
    export = await exports.create(
        session, who.ctx, "voucher", {"fields": list(EXPORT_FIELDS)},
        scope={"campaign_id": campaign.id},
    )  # fmt: skip
    await console.audit(
        session, who.user, "export.create", object_type="export", object_id=export.id,
        after={"exported_object": "voucher", "campaign_id": campaign.id},
    )  # fmt: skip
    return redirect(f"/console/campaigns/{campaign.id}?tab=exports")


def _quote(text: str) -> str:
    return quote(text, safe="")


# --------------------------------------------------------------------------- checks as you type


@router.get("/checks/formula")
async def formula_check(who: CurrentViewer, formula: str = "") -> Response:
    """The formula grammar's verdict on a formula and where its error is (changes nothing)."""
    return JSONResponse(forms.check_formula_text(formula[:10_000]).body())


@router.get("/checks/codes")
async def code_preview(request: Request, who: CurrentViewer) -> Response:
    """A few sample codes the campaign's code_config would make (changes nothing)."""
    codes, problem = forms.sample_codes(forms.code_config(request.query_params))
    return JSONResponse({"codes": codes, "error": problem})


@router.post("/checks/rule")
async def rule_preview(request: Request, who: CurrentViewer) -> Response:
    """The rule JSON the builder's rows make, and the strict parser's verdict on it."""
    form = await checked_form(request, who, role="viewer")
    body = builder.rule_body(form, "preview")
    if body is None:
        return JSONResponse({"json": None, "error": None, "field": None})
    try:
        # The strict parser the rules service saves through (pure: nothing is stored).
        language.parse_rules(body["rules"])
        language.parse_targeting(body["applicable_to"])
        language.parse_error(body.get("error"))
    except (ValidationError, ApiError) as exc:
        message = str(exc)
        return JSONResponse(
            {"json": builder_json(form), "error": message,
             "field": builder.rule_error_field(message, form)}
        )  # fmt: skip
    return JSONResponse({"json": builder_json(form), "error": None, "field": None})

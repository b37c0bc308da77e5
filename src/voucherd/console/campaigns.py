"""`/console/campaigns`: find, create and edit discount, gift and loyalty campaigns (a form per
type, a code preview, a formula check and a rule builder). One campaign's page, its actions
and the checks the form makes as you type are in `campaign_page`.

Every change goes through the services the API uses (campaigns, rules, publications,
exports), in the request's transaction with their events, and is audited with before and
after. A form the services refuse is shown again with each error by its field, and nothing
of it is kept (the work runs in a savepoint that rolls back).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from starlette.responses import Response

from voucherd.campaigns import reports as campaign_reports
from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.campaigns.schemas import CampaignCreate, CampaignUpdate
from voucherd.campaigns.serializers import campaign_body
from voucherd.console import campaign_forms as forms
from voucherd.console import campaign_kinds as kinds
from voucherd.console import campaign_programs as programs
from voucherd.console import campaign_rules as builder
from voucherd.console import service as console
from voucherd.console.web import (
    CurrentViewer,
    FormError,
    NotAllowed,
    Viewer,
    checked_form,
    page,
    redirect,
)
from voucherd.kit.clock import utcnow
from voucherd.kit.errors import ApiError, NotFound
from voucherd.kit.http import TransactionalRoute, get_session_of
from voucherd.promotions import service as promotions
from voucherd.rules import service as rules
from voucherd.rules.models import ValidationRule
from voucherd.rules.schemas import ValidationRuleCreate, ValidationRuleUpdate
from voucherd.rules.serializers import rule_body

router = APIRouter(prefix="/console", route_class=TransactionalRoute, include_in_schema=False)

PAGE_SIZE = 25  # rows per page of every list here (keyset by id: no count over the rows)


async def keyset(
    session: AsyncSession,
    stmt: Select[Any],
    id_column: InstrumentedAttribute[str],
    after: str | None,
) -> tuple[Sequence[Any], str | None]:
    """One page, newest first, and the id the next page starts after (None: the last page).
    Ids are time-ordered, so this is an index range scan whatever the table's size."""
    if after:
        stmt = stmt.where(id_column < after)
    rows = (await session.execute(stmt.order_by(id_column.desc()).limit(PAGE_SIZE + 1))).scalars()
    found = list(rows.all())
    more = found[PAGE_SIZE - 1].id if len(found) > PAGE_SIZE else None
    return found[:PAGE_SIZE], more


def _editor(who: Viewer) -> None:
    if not who.can("editor"):
        raise NotAllowed(f"Your role ({who.user.role}) cannot change campaigns.")


def _kind(campaign_type: str) -> forms.CampaignKind:
    kind = forms.KINDS.get(campaign_type)
    if kind is None:
        raise FormError(f"The console cannot edit {campaign_type[:40]} campaigns yet.")
    return kind


def _snapshot(body: dict[str, Any]) -> dict[str, Any]:
    """A JSON copy for the audit log, free of later changes to the objects it came from."""
    copied: dict[str, Any] = json.loads(json.dumps(body, default=str))
    return copied


# --------------------------------------------------------------------------- list


@router.get("/campaigns")
async def campaign_list(
    request: Request,
    who: CurrentViewer,
    q: str = "",
    type: str = "",
    state: str = "",
    after: str = "",
) -> Response:
    q, after = q.strip()[:200], after[:64]
    campaign_type = type if type in forms.KINDS else None
    status = state if state in campaign_reports.STATES else None
    stmt = campaign_reports.search_query(
        who.user.project_id, name=q or None, campaign_type=campaign_type, state=status,
        now=utcnow(),
    )  # fmt: skip
    rows, more = await keyset(get_session_of(request), stmt, Campaign.id, after or None)
    return page(
        "campaigns.html", who=who, nav="campaigns", campaigns=rows, more=more,
        q=q, type=campaign_type or "", state=status or "", kinds=forms.KINDS,
        states=campaign_reports.STATES, first=not after,
    )  # fmt: skip


# --------------------------------------------------------------------------- form pages


def _form_page(
    who: Viewer,
    kind: forms.CampaignKind,
    values: dict[str, Any],
    *,
    campaign: Campaign | SimpleNamespace | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    rule_json: Any = None,
    rule_locked: bool = False,
    choices: dict[str, Any] | None = None,
) -> Response:
    config = forms.code_config(values)
    codes, code_problem = forms.sample_codes(config) if campaign is None else ([], None)
    formula = forms.text(values, "discount_formula")
    checked = forms.check_formula_text(formula) if formula else None
    if rule_json is None:
        rule_json = builder_json(values)
    rows = max(builder.RULE_ROWS, len(builder.rule_rows(values)) + 1)
    return page(
        "campaign_form.html", status, who=who, nav="campaigns", kind=kind, campaign=campaign,
        v=values, errors=errors or {}, codes=codes, code_problem=code_problem,
        formula_check=checked, rule_json=rule_json, rule_rows=min(rows, builder.MAX_RULE_ROWS),
        rule_names=builder.RULE_NAMES, operators=builder.ALL_OPERATORS,
        needs_property=builder.NEEDS_PROPERTY, rule_locked=rule_locked,
        discount_types=forms.DISCOUNT_TYPES, choices=choices or {}, tier_rows=kinds.TIER_ROWS,
    )  # fmt: skip


def builder_json(values: dict[str, Any]) -> str | None:
    body = builder.rule_body(values, "preview")
    if body is None:
        return None
    return json.dumps(
        {"rules": body["rules"], "applicable_to": body["applicable_to"]}, indent=2,
        ensure_ascii=False,
    )  # fmt: skip


@router.get("/campaigns/new")
async def new_campaign(
    request: Request, who: CurrentViewer, type: str = "DISCOUNT_COUPONS"
) -> Response:
    _editor(who)
    kind = _kind(type)
    choices = await programs.form_choices(get_session_of(request), who, kind)
    return _form_page(who, kind, {"campaign_type": type}, choices=choices)


@router.post("/campaigns/new")
async def create_campaign(request: Request, who: CurrentViewer) -> Response:
    form = await checked_form(request, who, role="editor")
    kind = _kind(forms.text(form, "campaign_type"))
    errors: dict[str, str] = {}
    body = forms.create_body(form, kind, errors)
    rule = builder.rule_body(form, f"{body['name']} rules"[:200])
    session = get_session_of(request)
    choices = await programs.form_choices(session, who, kind)
    if form.get("preview") or errors:
        return _form_page(
            who, kind, form, errors=errors, status=400 if errors else 200, choices=choices
        )
    stage = "campaign"
    try:
        async with session.begin_nested():
            if rule is not None:
                stage = "rule"
                created = await _create_rule(session, who, rule)
                body["validation_rules"] = [created.id]
                stage = "campaign"
            data = CampaignCreate.model_validate(body)
            # As `POST /v1/campaigns` does: a promotion's tiers are made with it.
            create = promotions.create_campaign if kind.campaign_type == "PROMOTION" else None
            campaign = await (create or campaigns.create)(session, who.ctx, data)
    except (ValidationError, ApiError) as exc:
        _refused(exc, stage, form, errors)
        return _form_page(who, kind, form, errors=errors, status=400, choices=choices)
    await console.audit(
        session, who.user, "campaign.create", object_type="campaign", object_id=campaign.id,
        after=_snapshot({**campaign_body(campaign), "validation_rule": rule}),
    )  # fmt: skip
    return redirect(f"/console/campaigns/{campaign.id}")


async def _create_rule(session: AsyncSession, who: Viewer, rule: dict[str, Any]) -> Any:
    data = ValidationRuleCreate.model_validate(rule)
    try:
        async with session.begin_nested():
            return await rules.create(session, who.ctx, data)
    except ApiError as exc:
        if exc.key != "duplicate_found" and "already exists" not in str(exc):
            raise
    # Another rule has the name: this campaign's gets a distinct one.
    suffix = f" {secrets.token_hex(3)}"
    data = data.model_copy(update={"name": data.name[: 200 - len(suffix)] + suffix})
    return await rules.create(session, who.ctx, data)


def _refused(exc: Exception, stage: str, form: forms.Form, errors: dict[str, str]) -> None:
    """Put a service's refusal by the field it is about."""
    if stage == "rule":
        message = (
            "; ".join(str(e["msg"]) for e in exc.errors())
            if isinstance(exc, ValidationError)
            else str(exc)
        )
        errors.setdefault(builder.rule_error_field(message, form), message)
    elif isinstance(exc, ValidationError):
        forms.schema_errors(exc, errors)
    else:
        forms.api_error(str(exc), errors)


async def load_campaign(session: AsyncSession, who: Viewer, campaign_id: str) -> Campaign:
    try:
        return await campaigns.get_by_id(session, who.ctx, campaign_id)
    except NotFound:
        raise missing(campaign_id) from None


class Missing(FormError):
    """No such campaign in the user's project (a page answers 404, a form 400)."""


def missing(campaign_id: str) -> FormError:
    return Missing(f"No campaign {campaign_id[:64]} in this project.")


async def assigned_rule(
    session: AsyncSession, who: Viewer, campaign_id: str
) -> ValidationRule | None:
    found = await rules.assignments_of(session, who.ctx, [campaign_id])
    assignments = found.get(campaign_id) or []
    return await rules.get(session, who.ctx, assignments[0].rule_id) if assignments else None


def _has_subrules(rule: ValidationRule | None) -> bool:
    stored = (rule.rules or {}) if rule else {}
    return any(isinstance(r, dict) and r.get("rules") for k, r in stored.items() if k != "logic")


@router.get("/campaigns/{campaign_id}/edit")
async def edit_campaign(request: Request, campaign_id: str, who: CurrentViewer) -> Response:
    _editor(who)
    session = get_session_of(request)
    campaign = await load_campaign(session, who, campaign_id)
    kind = _kind(campaign.campaign_type)
    rule = await assigned_rule(session, who, campaign.id)
    values = forms.campaign_values(campaign) | (builder.rule_values(rule) if rule else {})
    values["campaign_type"] = campaign.campaign_type
    return _form_page(
        who, kind, values, campaign=campaign, rule_locked=_has_subrules(rule),
        rule_json=stored_rule_json(rule),
    )  # fmt: skip


def stored_rule_json(rule: ValidationRule | None) -> str | None:
    if rule is None:
        return None
    return json.dumps(
        {"rules": rule.rules, "applicable_to": rule.applicable_to}, indent=2, ensure_ascii=False
    )


@router.post("/campaigns/{campaign_id}/edit")
async def update_campaign(request: Request, campaign_id: str, who: CurrentViewer) -> Response:
    form = await checked_form(request, who, role="editor")
    session = get_session_of(request)
    campaign = await load_campaign(session, who, campaign_id)
    kind = _kind(campaign.campaign_type)
    rule = await assigned_rule(session, who, campaign.id)
    locked = _has_subrules(rule)
    errors: dict[str, str] = {}
    body = forms.update_body(form, kind, errors)
    new_rule = None if locked else builder.rule_body(form, f"{body['name']} rules"[:200])
    if form.get("preview") or errors:
        return _form_page(
            who, kind, form, campaign=campaign, errors=errors, status=400 if errors else 200,
            rule_locked=locked,
        )  # fmt: skip
    before = _snapshot(
        {**campaign_body(campaign), "validation_rule": rule_body(rule) if rule else None}
    )
    shown = SimpleNamespace(id=campaign.id, name=campaign.name)
    stage = "campaign"
    try:
        async with session.begin_nested():
            stage = "rule"
            if new_rule is not None and rule is not None:
                changes = {k: v for k, v in new_rule.items() if k != "name"}
                changes.setdefault("error", None)
                rule = await rules.update(
                    session, who.ctx, rule.id, ValidationRuleUpdate.model_validate(changes)
                )
            elif new_rule is not None:
                rule = await _create_rule(session, who, new_rule)
                body["validation_rules"] = [rule.id]
            elif rule is not None and not locked:
                body["validation_rules"] = []  # the builder was emptied: unassigned
                rule = None
            stage = "campaign"
            campaign = await campaigns.update(
                session, who.ctx, campaign.id, CampaignUpdate.model_validate(body)
            )
    except (ValidationError, ApiError) as exc:
        _refused(exc, stage, form, errors)
        # The savepoint's rollback expired what it changed: the page names the campaign as
        # it was read (no lazy load outside the async session's reach).
        return _form_page(
            who, kind, form, campaign=shown, errors=errors, status=400, rule_locked=locked
        )
    await console.audit(
        session, who.user, "campaign.update", object_type="campaign", object_id=campaign.id,
        before=before,
        after=_snapshot(
            {**campaign_body(campaign), "validation_rule": rule_body(rule) if rule else None}
        ),
    )  # fmt: skip
    return redirect(f"/console/campaigns/{campaign.id}")

"""`/console/settings/stacking`: the project's stacking rules (how many codes and promotions
one validation or redemption may combine, and how), seen by everyone, changed by admins
through the stacking service the Management API uses; errors are shown by their field and
every change is audited with the rules before and after."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from voucherd.console import service as console
from voucherd.console.web import CurrentViewer, Viewer, checked_form, page, redirect
from voucherd.kit.errors import ApiError
from voucherd.kit.http import TransactionalRoute, get_session_of
from voucherd.stacking import service as stacking
from voucherd.stacking.models import StackingRulesRow
from voucherd.stacking.rules import StackingRules
from voucherd.stacking.schemas import StackingRulesBody
from voucherd.stacking.serializers import management_body

router = APIRouter(prefix="/console", route_class=TransactionalRoute, include_in_schema=False)

# The form: (field, label, choices); choices None = a whole number, "ids" = category ids.
LIMITS = (
    ("redeemables_limit", "Codes and promotions one request may name (1-30)"),
    ("applicable_redeemables_limit", "Of those, how many may apply (1-30)"),
    ("applicable_redeemables_per_category_limit", "How many may apply per category (1-30)"),
    ("applicable_exclusive_redeemables_limit", "Exclusive ones that may apply (1-5)"),
    (
        "applicable_exclusive_redeemables_per_category_limit",
        "Exclusive ones per category (1-30)",
    ),
)
CHOICES = (
    ("redeemables_application_mode", "When one fails", ("ALL", "PARTIAL")),
    ("redeemables_sorting_rule", "Order applied in", ("REQUESTED_ORDER", "CATEGORY_HIERARCHY")),
    ("redeemables_no_effect_rule", "A code with no effect", ("REDEEM_ANYWAY", "SKIP")),
    ("discount_calculation_mode", "Percent discounts of", ("DISCOUNTED_AMOUNT", "INITIAL_AMOUNT")),
    ("redeemables_products_application_mode", "Discounts per product", ("STACK", "ONCE")),
    ("redeemables_rollback_order_mode", "Rolling back", ("WITH_ORDER", "WITHOUT_ORDER")),
)
CATEGORIES = (
    ("exclusive_categories", "Exclusive categories"),
    ("joint_categories", "Joint categories"),
    ("discounted_amount_mode_categories", "Categories whose percent uses the discounted amount"),
    ("no_effect_skip_categories", "Categories skipped when they have no effect"),
    ("no_effect_redeem_anyway_categories", "Categories redeemed even with no effect"),
)
CATEGORY_LIMITS = "applicable_redeemables_category_limits"
FIELDS = {name for name, *_ in LIMITS + CHOICES + CATEGORIES} | {CATEGORY_LIMITS}


def _int_or_raw(raw: str) -> Any:
    try:
        return int(raw)
    except ValueError:
        return raw


def form_body(form: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The Management API body the form makes: every field, so the form is the whole truth."""
    body: dict[str, Any] = {}
    for name, _label in LIMITS:
        body[name] = _int_or_raw(str(form.get(name) or "").strip())
    for name, _label, _choices in CHOICES:
        body[name] = str(form.get(name) or "").strip() or None
    for name, _label in CATEGORIES:
        body[name] = str(form.get(name) or "").replace(",", " ").split()
    limits: dict[str, Any] = {}
    for line in str(form.get(CATEGORY_LIMITS) or "").splitlines():
        if not line.strip():
            continue
        category, sep, value = line.partition("=")
        if not sep or not category.strip():
            errors[CATEGORY_LIMITS] = f"Write one category=limit per line, not {line.strip()!r}"
            continue
        limits[category.strip()] = _int_or_raw(value.strip())
    body[CATEGORY_LIMITS] = limits
    return body


def field_of(message: str) -> str:
    """The form field a stacking refusal names first (`x and y must not share`, `x: ...`)."""
    first = message.split()[0].rstrip(":").split(".")[0] if message.split() else ""
    return first if first in FIELDS else "_form"


def _values(rules: StackingRules) -> dict[str, Any]:
    stored = rules.as_dict()
    values: dict[str, Any] = {name: stored[name] for name, *_ in LIMITS + CHOICES}
    for name, _label in CATEGORIES:
        values[name] = " ".join(stored[name])
    values[CATEGORY_LIMITS] = "\n".join(f"{k}={v}" for k, v in stored[CATEGORY_LIMITS].items())
    return values


def _page(
    who: Viewer,
    rules: StackingRules,
    row: StackingRulesRow | None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return page(
        "stacking.html", status, who=who, nav="settings", row=row, v=values or _values(rules),
        errors=errors or {}, limits=LIMITS, choices=CHOICES, categories=CATEGORIES,
        category_limits=CATEGORY_LIMITS, can_edit=who.can("admin"),
    )  # fmt: skip


@router.get("/settings/stacking")
async def stacking_rules(request: Request, who: CurrentViewer) -> Response:
    rules, row = await stacking.current(get_session_of(request), who.user.project_id)
    return _page(who, rules, row)


@router.post("/settings/stacking")
async def save_stacking_rules(request: Request, who: CurrentViewer) -> Response:
    form = await checked_form(request, who, role="admin")
    session = get_session_of(request)
    project_id = who.user.project_id
    rules, row = await stacking.current(session, project_id)
    before = management_body(rules, row)
    errors: dict[str, str] = {}
    body = form_body(form, errors)
    if errors:
        return _page(who, rules, row, form, errors, 400)
    try:
        async with session.begin_nested():
            data = StackingRulesBody.model_validate(body)
            if row is None:
                row = await stacking.create(session, project_id, data)
            else:
                row = await stacking.update(session, project_id, row.id, data)
    except ValidationError as exc:
        for error in exc.errors():
            where = str(error["loc"][0]) if error["loc"] else "_form"
            message = str(error["msg"]).removeprefix("Value error, ")
            errors.setdefault(where if where in FIELDS else field_of(message), message)
        return _page(who, rules, row, form, errors, 400)
    except ApiError as exc:
        errors[field_of(str(exc))] = str(exc)
        return _page(who, rules, row, form, errors, 400)
    after = management_body(StackingRules.from_stored(row.rules), row)
    await console.audit(
        session, who.user, "stacking_rules.update", object_type="stacking_rules",
        object_id=row.id, before=before, after=after,
    )  # fmt: skip
    return redirect("/console/settings/stacking")


@router.post("/settings/stacking/reset")
async def reset_stacking_rules(request: Request, who: CurrentViewer) -> Response:
    await checked_form(request, who, role="admin")
    session = get_session_of(request)
    rules, row = await stacking.current(session, who.user.project_id)
    if row is not None:
        before = management_body(rules, row)
        await stacking.delete(session, who.user.project_id, row.id)
        await console.audit(
            session, who.user, "stacking_rules.reset", object_type="stacking_rules",
            object_id=row.id, before=before, after=management_body(StackingRules(), None),
        )  # fmt: skip
    return redirect("/console/settings/stacking")

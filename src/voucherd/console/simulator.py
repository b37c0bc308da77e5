"""`/console/simulator`: replay a past range of paid orders through a draft earning rule of a
loyalty program, or a draft discount, and compare with what actually happened (the replay:
`console/simulation.py`). Nothing is stored: the draft lives only in the form.

The form is a POST (its CSRF token checked) answered in ONE READ transaction: a replay of
thousands of orders never holds SQLite's write lock, and cannot write by construction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.console.simulation import Simulation
from voucherd.console.simulation_discount import DiscountDraft, simulate_discount
from voucherd.console.simulation_earning import EarningDraft, simulate_earning
from voucherd.console.web import CurrentViewer, Viewer, checked_form, page
from voucherd.discounts.schemas import DiscountSpec
from voucherd.earning import service as earning
from voucherd.earning.models import EarningRule
from voucherd.earning.rules import ORDER_PAID, STEP_PATHS, check_loyalty
from voucherd.kit.clock import utcnow
from voucherd.kit.errors import ApiError
from voucherd.kit.http import get_db, get_session_of
from voucherd.kit.money import major_to_cents
from voucherd.kit.zones import local_date, local_midnight
from voucherd.loyalty.service import PROGRAM
from voucherd.rules.language import parse_rules, parse_targeting
from voucherd.rules.tree import RuleSet, Targeting

MAX_DAYS = 366
CALCULATIONS = ("FIXED", "ORDER_AMOUNT", "ORDER_TOTAL_AMOUNT")
DISCOUNT_TYPES = ("AMOUNT", "PERCENT", "FIXED")
EFFECTS = ("APPLY_TO_ORDER", "APPLY_TO_ITEMS")


class ReadOnlyRoute(APIRoute):
    """A form POST that only reads: the handler runs in one read transaction."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def read_only(request: Request) -> Response:
            async with get_db(request).transaction(write=False) as session:
                request.state.session = session
                return await handler(request)

        return read_only


router = APIRouter(prefix="/console", route_class=ReadOnlyRoute, include_in_schema=False)


class DraftError(ValueError):
    """The form does not make a draft: shown above the form, values kept."""


@dataclass(frozen=True)
class Choices:
    programs: list[Campaign]
    rules: list[EarningRule]  # order.paid rules of those programs

    def program_name(self, program_id: str) -> str:
        return next((p.name for p in self.programs if p.id == program_id), program_id)


async def choices(session: AsyncSession, who: Viewer) -> Choices:
    programs = await campaigns.of_type(session, who.ctx, PROGRAM)
    rules = await earning.active_order_paid_rules(session, who.ctx)
    return Choices(list(programs), list(rules))


def _cents(text: str, what: str) -> int:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise DraftError(f"{what}: {text!r} is not an amount like 10.00") from None
    if not value.is_finite() or value < 0:
        raise DraftError(f"{what}: give an amount of 0 or more")
    return major_to_cents(value)


def _whole(text: str, what: str) -> int:
    text = text.strip()
    if not text.isdigit():
        raise DraftError(f"{what}: give a whole number of 0 or more")
    return int(text)


def _json(text: str, what: str) -> dict[str, Any] | None:
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DraftError(f"{what} is not JSON: {exc.msg} at character {exc.pos}") from None
    if not isinstance(value, dict):
        raise DraftError(f"{what} must be a JSON object {{…}}")
    return value


def validation_rule(text: str) -> tuple[RuleSet | None, Targeting]:
    """A validation rule's `rules` object, or a whole rule body with `rules` (and, for a
    discount, `applicable_to`); parsed by the rule language, which names any fault."""
    raw = _json(text, "The validation rule")
    if raw is None:
        return None, Targeting()
    if "rules" in raw:
        return parse_rules(raw["rules"]), parse_targeting(raw.get("applicable_to"))
    return parse_rules(raw), Targeting()


def earning_loyalty(form: Mapping[str, Any]) -> dict[str, Any]:
    """The draft rule's `loyalty` object: the JSON given, else the simple fields."""
    given = _json(str(form.get("loyalty_json") or ""), "The earning rule's loyalty object")
    if given is not None:
        loyalty = given
    else:
        calculation = str(form.get("calculation") or "FIXED")
        if calculation not in CALCULATIONS:
            raise DraftError(f"Choose one of {', '.join(CALCULATIONS)}")
        points = _whole(str(form.get("points") or ""), "Points")
        if calculation == "FIXED":
            loyalty = {"type": "FIXED", "points": points}
        else:
            every = _cents(str(form.get("every") or ""), "Every")
            if every < 1:
                raise DraftError("Every: give an amount above 0")
            group, key = STEP_PATHS[calculation]
            loyalty = {
                "type": "PROPORTIONAL",
                "calculation_type": calculation,
                group: {key: {"every": every, "points": points}},
            }
    check_loyalty(ORDER_PAID, loyalty)  # the API's own check of an earning rule
    return loyalty


def earning_draft(form: Mapping[str, Any], known: Choices) -> EarningDraft:
    base = str(form.get("base") or "")
    kind, _, ref = base.partition(":")
    if kind == "rule":
        rule = next((r for r in known.rules if r.id == ref), None)
        if rule is None:
            raise DraftError("Choose an earning rule of one of your programs")
        program_id, replaces = rule.campaign_id, rule.id
    elif kind == "new":
        program_id, replaces = ref, None
    else:
        raise DraftError("Choose a loyalty program, or an earning rule to change")
    program = next((p for p in known.programs if p.id == program_id), None)
    if program is None:
        raise DraftError("Choose one of your loyalty programs")
    rules, targeting = validation_rule(str(form.get("rule_json") or ""))
    if not targeting.is_empty:
        raise DraftError("applicable_to does not apply to earning rules: leave it out")
    return EarningDraft(program, earning_loyalty(form), replaces, rules)


def discount_draft(form: Mapping[str, Any]) -> DiscountDraft:
    given = _json(str(form.get("discount_json") or ""), "The discount")
    if given is None:
        kind = str(form.get("discount_type") or "")
        if kind not in DISCOUNT_TYPES:
            raise DraftError(f"Choose a discount type: {', '.join(DISCOUNT_TYPES)}")
        effect = str(form.get("effect") or "APPLY_TO_ORDER")
        value_text = str(form.get("discount_value") or "")
        given = {"type": kind, "effect": effect}
        if kind == "PERCENT":
            try:
                given["percent_off"] = float(Decimal(value_text.strip()))
            except InvalidOperation:
                raise DraftError(f"Percent off: {value_text!r} is not a number") from None
        else:
            field = "amount_off" if kind == "AMOUNT" else "fixed_amount"
            given[field] = _cents(value_text, "Discount value")
    try:
        spec = DiscountSpec.model_validate(given)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "discount"
        raise DraftError(f"{where}: {first['msg']}") from None
    spec.check_formulas()
    rules, targeting = validation_rule(str(form.get("rule_json") or ""))
    return DiscountDraft(spec.as_stored(), rules, targeting)


def date_range(form: Mapping[str, Any], who: Viewer) -> tuple[date, date]:
    try:
        first = date.fromisoformat(str(form.get("start") or ""))
        last = date.fromisoformat(str(form.get("end") or ""))
    except ValueError:
        raise DraftError("Give the range as two dates, like 2026-03-01 and 2026-03-31") from None
    if last < first:
        raise DraftError("The range ends before it starts")
    if (last - first).days >= MAX_DAYS:
        raise DraftError(f"Replay at most {MAX_DAYS} days at a time")
    if first > local_date(utcnow(), who.ctx.zone):
        raise DraftError("The range is in the future: there are no orders to replay yet")
    return first, last


async def run(
    session: AsyncSession, who: Viewer, form: Mapping[str, Any], known: Choices
) -> Simulation:
    first, last = date_range(form, who)
    zone = who.ctx.zone
    start, end = local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone)
    if str(form.get("kind") or "earning") == "discount":
        return await simulate_discount(session, who.ctx, discount_draft(form), start, end)
    return await simulate_earning(session, who.ctx, earning_draft(form, known), start, end)


def _defaults(who: Viewer) -> dict[str, str]:
    today = local_date(utcnow(), who.ctx.zone)
    return {
        "kind": "earning",
        "start": (today - timedelta(days=29)).isoformat(),
        "end": today.isoformat(),
        "calculation": "ORDER_AMOUNT",
        "every": "10.00",
        "points": "1",
        "discount_type": "PERCENT",
        "discount_value": "10",
        "effect": "APPLY_TO_ORDER",
    }


def _render(who: Viewer, known: Choices, values: dict[str, str], status: int = 200,
            **extra: Any) -> Response:  # fmt: skip
    return page(
        "simulator.html", status, who=who, nav="simulator", known=known, values=values,
        calculations=CALCULATIONS, discount_types=DISCOUNT_TYPES, effects=EFFECTS, **extra,
    )  # fmt: skip


@router.get("/simulator")
async def simulator_form(request: Request, who: CurrentViewer) -> Response:
    known = await choices(get_session_of(request), who)
    return _render(who, known, _defaults(who))


@router.post("/simulator")
async def simulator_run(request: Request, who: CurrentViewer) -> Response:
    # Any role may simulate: it changes nothing. The CSRF token is still checked.
    form = await checked_form(request, who, role="viewer")
    session = get_session_of(request)
    known = await choices(session, who)
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    try:
        result = await run(session, who, form, known)
    except (DraftError, ApiError) as exc:
        return _render(who, known, values, 400, error=str(exc))
    return _render(who, known, values, result=result)

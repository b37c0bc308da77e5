"""`/console/inspector`: the redemption inspector, "why not?".

Paste or build a cart, pick a customer and redeemables, and see exactly what
`POST /v1/validations` would answer: it calls the same validation service
(`redemptions.service.validate`), inside a savepoint that is always rolled back, so nothing
can change even if a future validation step wrote something. Each redeemable is shown as
applicable, inapplicable (with every failing rule and its numbers, from the rule engine's
`violations`) or skipped (with the stacking rule's reason); the raw answer is shown as well.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from voucherd.console.web import CurrentViewer, Viewer, checked_form, page
from voucherd.customers import service as customers
from voucherd.kit.errors import ApiError
from voucherd.kit.http import TransactionalRoute, get_session_of
from voucherd.kit.money import major_to_cents
from voucherd.redemptions import service as redemptions
from voucherd.redemptions.schemas import MAX_REDEEMABLES, StackableRequest

router = APIRouter(prefix="/console", route_class=TransactionalRoute, include_in_schema=False)

ITEM_ROWS = 5
# Redeemable ids the inspector sends as promotion tiers (the hook for when promotions are
# validated; today the engine reports them as not supported, as the API does).
PROMOTION_TIER_PREFIX = "promo_"


class InspectorInputError(ValueError):
    """The form cannot make a validation request: shown above the form, values kept."""


@dataclass
class Reason:
    title: str
    text: str
    rule: str | None = None  # validation rule id and rule number, when a rule says it


@dataclass
class Row:
    id: str
    object: str
    status: str  # APPLICABLE | INAPPLICABLE | SKIPPED
    campaign: str | None
    discount: str | None = None
    reasons: list[Reason] = field(default_factory=list)


@dataclass
class Report:
    valid: bool
    rows: list[Row]
    order: dict[str, Any]
    answer: dict[str, Any]

    @property
    def pretty(self) -> str:
        return json.dumps(self.answer, indent=2, ensure_ascii=False, sort_keys=True)


def _cents(text: str, what: str) -> int | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InspectorInputError(f"{what}: {text!r} is not an amount like 25.00") from None
    if not value.is_finite() or value < 0:
        raise InspectorInputError(f"{what}: give an amount of 0 or more, like 25.00")
    return major_to_cents(value)


def _json_object(text: str, what: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InspectorInputError(f"{what} is not JSON: {exc.msg} at character {exc.pos}") from None
    if not isinstance(value, dict):
        raise InspectorInputError(f"{what} must be a JSON object {{…}}")
    return value


def _item(form: dict[str, Any], n: int) -> dict[str, Any] | None:
    ref = str(form.get(f"item_id_{n}") or "").strip()
    if not ref:
        return None
    item: dict[str, Any] = {}
    if ref.startswith("prod_"):
        item["product_id"] = ref
    elif ref.startswith("sku_"):
        item["sku_id"] = ref
    else:
        item["source_id"] = ref
    quantity = str(form.get(f"item_qty_{n}") or "1").strip() or "1"
    if not quantity.isdigit() or int(quantity) < 1:
        raise InspectorInputError(f"Item {n + 1}: quantity must be a whole number of 1 or more")
    item["quantity"] = int(quantity)
    price = _cents(str(form.get(f"item_price_{n}") or ""), f"Item {n + 1} price")
    if price is not None:
        item["price"] = price
    return item


def build_request(form: dict[str, Any], customer_id: str | None) -> StackableRequest:
    """The validation request the form describes: the pasted JSON (a whole validation body,
    or just its order), completed by the fields built by hand."""
    pasted = _json_object(str(form.get("cart_json") or ""), "The pasted cart")
    body: dict[str, Any] = dict(pasted) if "redeemables" in pasted or "order" in pasted else {}
    order: dict[str, Any] = dict(body.get("order") or ({} if body else pasted))
    built = [item for n in range(ITEM_ROWS) if (item := _item(form, n)) is not None]
    if built:
        order["items"] = [*(order.get("items") or []), *built]
    amount = _cents(str(form.get("order_amount") or ""), "Order amount")
    if amount is not None:
        order["amount"] = amount
    metadata = _json_object(str(form.get("order_metadata") or ""), "Order metadata")
    if metadata:
        order["metadata"] = {**(order.get("metadata") or {}), **metadata}
    if order:
        body["order"] = order
    if customer_id is not None:
        body["customer"] = {"id": customer_id}
    redeemables = list(body.get("redeemables") or [])
    for code in str(form.get("codes") or "").replace(",", "\n").splitlines():
        code = code.strip()
        if code:
            kind = "promotion_tier" if code.startswith(PROMOTION_TIER_PREFIX) else "voucher"
            redeemables.append({"object": kind, "id": code})
    if not redeemables:
        raise InspectorInputError("Name at least one code (or promotion tier) to check")
    if len(redeemables) > MAX_REDEEMABLES:
        raise InspectorInputError(f"At most {MAX_REDEEMABLES} redeemables")
    body["redeemables"] = redeemables
    try:
        return StackableRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InspectorInputError(f"{where}: {first['msg']}") from None


async def find_customer(session: AsyncSession, who: Viewer, query: str) -> str | None:
    """A customer by id, source id or email (exactly one), or None when not asked."""
    query = query.strip()[:200]
    if not query:
        return None
    found = await customers.find(session, who.ctx, query)
    if not found:
        raise InspectorInputError(f"No customer has the id, source id or email {query!r}")
    if len(found) > 1:
        raise InspectorInputError(f"{len(found)} customers have the email {query!r}: give an id")
    return found[0].id


async def inspect(session: AsyncSession, who: Viewer, request: StackableRequest) -> Report:
    """The validation service's answer, in a savepoint rolled back whatever happens."""
    savepoint = await session.begin_nested()
    try:
        answer = await redemptions.validate(session, who.ctx, request)
    finally:
        await savepoint.rollback()
    return Report(
        valid=bool(answer.get("valid")),
        rows=[_row(entry) for entry in answer.get("redeemables") or []],
        order=answer.get("order") or {},
        answer=answer,
    )


def _discount_text(result: dict[str, Any]) -> str | None:
    if "gift" in result:
        gift = result["gift"]
        return f"gift card: {_money(gift.get('credits'))} of {_money(gift.get('balance'))}"
    discount = result.get("discount") or {}
    kind = discount.get("type")
    if kind == "AMOUNT":
        text = f"{_money(discount.get('amount_off'))} off"
    elif kind == "PERCENT":
        text = f"{discount.get('percent_off')} % off"
    elif kind == "FIXED":
        text = f"pay {_money(discount.get('fixed_amount'))}"
    elif kind == "UNIT":
        text = f"{discount.get('unit_off')} x {discount.get('unit_type')} free"
    else:
        return None
    effect = discount.get("effect")
    return f"{text} ({effect})" if effect else text


def _money(cents: Any) -> str:
    return f"{(cents or 0) / 100:,.2f}"


def _row(entry: dict[str, Any]) -> Row:
    result = entry.get("result") or {}
    row = Row(
        id=str(entry.get("id")),
        object=str(entry.get("object")),
        status=str(entry.get("status")),
        campaign=entry.get("campaign_name"),
    )
    if row.status == "APPLICABLE":
        row.discount = _discount_text(result)
    elif row.status == "SKIPPED":
        details = result.get("details") or {}
        row.reasons.append(Reason(str(details.get("key")), str(details.get("message"))))
    else:
        error = result.get("error") or {}
        violations = error.get("violations") or []
        for v in violations:
            rule = f"{v.get('validation_rule_id')} rule {v.get('rule')}"
            row.reasons.append(Reason(str(v.get("name")), str(v.get("explanation")), rule))
        if not violations:
            row.reasons.append(
                Reason(str(error.get("key")), str(error.get("details") or error.get("message")))
            )
    return row


def _values(form: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in form.items() if k != "csrf_token"}


@router.get("/inspector")
async def inspector_form(who: CurrentViewer) -> Response:
    return page("inspector.html", who=who, nav="inspector", values={}, rows=ITEM_ROWS)


@router.post("/inspector")
async def inspector_run(request: Request, who: CurrentViewer) -> Response:
    # A viewer may inspect: nothing changes. The form's CSRF token is still checked.
    form = await checked_form(request, who, role="viewer")
    session = get_session_of(request)
    values = _values(form)
    try:
        customer_id = await find_customer(session, who, str(form.get("customer") or ""))
        report = await inspect(session, who, build_request(form, customer_id))
    except (InspectorInputError, ApiError) as exc:
        message = str(exc)
        return page(
            "inspector.html", 400, who=who, nav="inspector", values=values, rows=ITEM_ROWS,
            error=message,
        )  # fmt: skip
    return page(
        "inspector.html", who=who, nav="inspector", values=values, rows=ITEM_ROWS, report=report
    )

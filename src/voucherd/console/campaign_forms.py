"""The campaign forms of the console: one form per campaign type, read into the same request
bodies the API takes (`CampaignCreate`, `CampaignUpdate`), the formula check and the code
preview. Pure: no database, no HTTP. The rule builder's rows are in `campaign_rules`.

Every check stays where the API has it (pydantic schemas, the strict rule parser, the formula
grammar): this module only reshapes form fields and says which field an error belongs to.
A type is one `CampaignKind` in `KINDS`; promotion and referral forms register theirs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from voucherd.campaigns.codes import CodeConfigError, generate_code, normalize_code_config
from voucherd.discounts.formula import FormulaSyntaxError, check_formula

Form = Mapping[str, Any]
# Field name -> what is wrong with it; "_form" for what belongs to no one field.
Errors = dict[str, str]

PREVIEW_CODES = 3


def text(form: Form, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def int_or_raw(value: str) -> Any:
    """A whole number when it is one; otherwise the text, for the schema to refuse by name."""
    try:
        return int(value)
    except ValueError:
        return value


def _optional_int(form: Form, name: str) -> Any:
    raw = text(form, name)
    return int_or_raw(raw) if raw else None


def number(raw: str) -> Any:
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        return raw


# --------------------------------------------------------------------------- types


@dataclass(frozen=True)
class CampaignKind:
    campaign_type: str
    label: str
    # The form's own fields, in templates/campaign_fields_<suffix>.html.
    suffix: str
    # The voucher template of a create body (`voucher.discount` ...), and of an update body.
    voucher: Callable[[Form], dict[str, Any]]
    update: Callable[[Form], dict[str, Any]]
    # Form values of a stored campaign's voucher template.
    values: Callable[[dict[str, Any]], dict[str, str]]
    # False: a type without codes (PROMOTION): no voucher template, no codes fieldset.
    codes: bool = True
    # Further create-body keys of the type (`promotion`, `referral_program`), errors by field.
    extra: Callable[[Form, Errors], dict[str, Any]] | None = None


KINDS: dict[str, CampaignKind] = {}


def register(kind: CampaignKind) -> CampaignKind:
    KINDS[kind.campaign_type] = kind
    return kind


DISCOUNT_TYPES = ("AMOUNT", "PERCENT", "FIXED")
_VALUE_FIELD = {"AMOUNT": "amount_off", "PERCENT": "percent_off", "FIXED": "fixed_amount"}


def _discount(form: Form) -> dict[str, Any]:
    kind = text(form, "discount_type") or "AMOUNT"
    field = _VALUE_FIELD.get(kind, "amount_off")
    body: dict[str, Any] = {"type": kind}
    value = text(form, "discount_value")
    if value:
        body[field] = number(value) if kind == "PERCENT" else int_or_raw(value)
    formula = text(form, "discount_formula")
    if formula:
        body[f"{field}_formula"] = formula
    if text(form, "discount_effect"):
        body["effect"] = text(form, "discount_effect")
    limit = _optional_int(form, "discount_amount_limit")
    if limit is not None:
        body["amount_limit"] = limit
    return body


def _discount_values(template: dict[str, Any]) -> dict[str, str]:
    discount = template.get("discount") or {}
    field = _VALUE_FIELD.get(discount.get("type", "AMOUNT"), "amount_off")
    value = discount.get(field)
    return {
        "discount_type": discount.get("type", "AMOUNT"),
        "discount_value": "" if value is None else str(value),
        "discount_formula": discount.get(f"{field}_formula") or "",
        "discount_effect": discount.get("effect") or "",
        "discount_amount_limit": str(discount.get("amount_limit") or ""),
    }


def _gift(form: Form) -> dict[str, Any]:
    body: dict[str, Any] = {"amount": _optional_int(form, "gift_amount")}
    if text(form, "gift_effect"):
        body["effect"] = text(form, "gift_effect")
    return body


def _loyalty(form: Form) -> dict[str, Any]:
    points = _optional_int(form, "loyalty_points")
    return {"points": 0 if points is None else points}


register(
    CampaignKind(
        "DISCOUNT_COUPONS",
        "Discount coupons",
        "discount",
        voucher=lambda form: {"type": "DISCOUNT_VOUCHER", "discount": _discount(form)},
        update=lambda form: {"discount": _discount(form)},
        values=_discount_values,
    )
)
register(
    CampaignKind(
        "GIFT_VOUCHERS",
        "Gift cards",
        "gift",
        voucher=lambda form: {"type": "GIFT_VOUCHER", "gift": _gift(form)},
        update=lambda form: {"gift": _gift(form)},
        values=lambda t: {
            "gift_amount": str((t.get("gift") or {}).get("amount", "")),
            "gift_effect": (t.get("gift") or {}).get("effect", ""),
        },
    )
)
register(
    CampaignKind(
        "LOYALTY_PROGRAM",
        "Loyalty program",
        "loyalty",
        voucher=lambda form: {"type": "LOYALTY_CARD", "loyalty_card": _loyalty(form)},
        update=lambda form: {"loyalty_card": _loyalty(form)},
        values=lambda t: {"loyalty_points": str((t.get("loyalty_card") or {}).get("points", 0))},
    )
)


# --------------------------------------------------------------------------- campaign bodies


def _common(form: Form, errors: Errors) -> dict[str, Any]:
    body: dict[str, Any] = {"name": text(form, "name")}
    body["description"] = text(form, "description") or None
    for name in ("start_date", "expiration_date"):
        raw = text(form, name)
        body[name] = raw or None  # the schema parses it (naive = UTC)
    raw_metadata = text(form, "metadata")
    if raw_metadata:
        try:
            metadata = json.loads(raw_metadata)
        except json.JSONDecodeError as exc:
            errors["metadata"] = f"Not JSON: {exc.msg} at character {exc.pos + 1}"
            metadata = None
        if metadata is not None and not isinstance(metadata, dict):
            errors["metadata"] = 'Metadata is a JSON object, like {"season": "winter"}'
        elif metadata is not None:
            body["metadata"] = metadata
    else:
        body["metadata"] = {}
    return body


def code_config(form: Form) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for name in ("pattern", "prefix", "postfix", "charset"):
        if text(form, f"code_{name}"):
            config[name] = text(form, f"code_{name}")
    length = _optional_int(form, "code_length")
    if length is not None:
        config["length"] = length
    return config


def create_body(form: Form, kind: CampaignKind, errors: Errors) -> dict[str, Any]:
    """The `POST /v1/campaigns` body this form makes."""
    body = _common(form, errors)
    body["campaign_type"] = kind.campaign_type
    if kind.extra is not None:
        body |= kind.extra(form, errors)
    if not kind.codes:
        return body
    voucher = kind.voucher(form)
    quantity = _optional_int(form, "redemption_quantity")
    voucher["redemption"] = {"quantity": quantity}
    config = code_config(form)
    if config:
        voucher["code_config"] = config
    body["voucher"] = voucher
    count = _optional_int(form, "vouchers_count")
    if count is not None:
        body["vouchers_count"] = count
    return body


def update_body(form: Form, kind: CampaignKind, errors: Errors) -> dict[str, Any]:
    """The `PUT /v1/campaigns/{id}` body this form makes."""
    return _common(form, errors) | kind.update(form)


def campaign_values(campaign: Any) -> dict[str, str]:
    """A stored campaign as form values (the edit form starts from them)."""
    template = campaign.voucher or {}
    config = template.get("code_config") or {}
    values = {
        "name": campaign.name,
        "description": campaign.description or "",
        "start_date": _local(campaign.start_date),
        "expiration_date": _local(campaign.expiration_date),
        "metadata": json.dumps(campaign.metadata_ or {}, ensure_ascii=False, sort_keys=True),
        "redemption_quantity": str((template.get("redemption") or {}).get("quantity") or ""),
        **{f"code_{k}": str(config.get(k) or "") for k in ("pattern", "prefix", "postfix")},
        "code_charset": str(config.get("charset") or ""),
    }
    kind = KINDS.get(campaign.campaign_type)
    return values | (kind.values(template) if kind else {})


def _local(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M") if value else ""


# Which form field an API error is about: by the pydantic location or the message's prefix.
_FIELDS_BY_PATH = (
    ("voucher.discount.", "discount_value"),
    ("discount.", "discount_value"),
    ("voucher.gift", "gift_amount"),
    ("gift", "gift_amount"),
    ("voucher.loyalty_card", "loyalty_points"),
    ("loyalty_card", "loyalty_points"),
    ("voucher.redemption", "redemption_quantity"),
    ("voucher.code_config", "code_pattern"),
    ("vouchers_count", "vouchers_count"),
    ("start_date", "start_date"),
    ("expiration_date", "expiration_date"),
    ("metadata", "metadata"),
    ("description", "description"),
    ("name", "name"),
)


def field_for(path: str) -> str:
    if "_formula" in path.split(":")[0]:
        return "discount_formula"
    for prefix, field in _FIELDS_BY_PATH:
        if path.startswith(prefix):
            return field
    return "_form"


def schema_errors(exc: ValidationError, errors: Errors) -> None:
    for error in exc.errors():
        path = ".".join(str(p) for p in error["loc"] if not isinstance(p, int))
        message = str(error["msg"]).removeprefix("Value error, ")
        field = field_for(path + ".") if path else "_form"
        errors.setdefault(field, f"{path}: {message}" if field == "_form" and path else message)


def api_error(message: str, errors: Errors, *, default: str = "_form") -> None:
    lowered = message.lower()
    if "code config" in lowered or "pattern" in lowered or "charset" in lowered:
        field = "code_pattern"
    elif "campaign with name" in lowered:
        field = "name"
    else:
        field = field_for(message)
        field = default if field == "_form" else field
    errors.setdefault(field, message)


# --------------------------------------------------------------------------- checks as you type


@dataclass(frozen=True)
class FormulaCheck:
    ok: bool
    message: str | None = None
    position: int | None = None
    line: int | None = None
    column: int | None = None

    def body(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "message": self.message,
            "position": self.position,
            "line": self.line,
            "column": self.column,
        }


def check_formula_text(formula: str) -> FormulaCheck:
    """The formula grammar's own verdict, with its error position (0-based)."""
    try:
        check_formula(formula)
    except FormulaSyntaxError as exc:
        return FormulaCheck(False, str(exc), exc.position, exc.line, exc.column)
    return FormulaCheck(True)


def sample_codes(
    config: dict[str, Any], count: int = PREVIEW_CODES
) -> tuple[list[str], str | None]:
    """A few codes from the campaigns' own generator, or why the config is refused."""
    try:
        normalised = normalize_code_config(config)
    except CodeConfigError as exc:
        return [], str(exc)
    return [generate_code(normalised) for _ in range(count)], None

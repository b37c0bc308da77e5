"""The console's validation rule builder: rows of (rule name, property, operator, values), a
logic and applicable_to lines, turned into the `POST /v1/validation-rules` body an API client
would send, and back from a stored rule. Pure; the rules service's strict parser judges it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from voucherd.console.campaign_forms import Form, int_or_raw, text
from voucherd.console.campaign_forms import number as to_number
from voucherd.rules import names as rule_names

RULE_ROWS = 5  # empty builder rows shown; a filled form shows one more, up to MAX_RULE_ROWS
MAX_RULE_ROWS = 20
# Operators taking a list of values; the rest take one (rules/language.py _SINGLE).
LIST_OPERATORS = frozenset({"$in", "$not_in", "$dow", "$not_differ", "$not_intersect"})
PRESENCE_OPERATORS = frozenset({"$has_value", "$is_unknown"})
ITEM_OBJECTS = ("product", "sku", "products_collection")
RULE_NAMES = sorted(n for n in rule_names.SUPPORTED if n not in rule_names.SUBRULE_ONLY)
ALL_OPERATORS = sorted({op for n in RULE_NAMES for op in rule_names.SUPPORTED[n].operators})
NEEDS_PROPERTY = frozenset(n for n in RULE_NAMES if rule_names.SUPPORTED[n].needs_property)


@dataclass(frozen=True)
class RuleRow:
    number: int
    name: str
    property: str
    operator: str
    value: str


def rule_rows(form: Form) -> list[RuleRow]:
    rows = []
    for i in range(1, MAX_RULE_ROWS + 1):
        name = text(form, f"rule_name_{i}")
        if name:
            rows.append(
                RuleRow(
                    i,
                    name,
                    text(form, f"rule_property_{i}"),
                    text(form, f"rule_operator_{i}"),
                    text(form, f"rule_value_{i}"),
                )
            )
    return rows


def _items(raw: str) -> list[Any]:
    """`product prod_1, sku sku_2` (or one per line) -> [{object, id}]; a bare id is kept as
    text so the parser names it."""
    out: list[Any] = []
    for piece in raw.replace("\n", ",").split(","):
        words = piece.split()
        if len(words) == 2:
            out.append({"object": words[0], "id": words[1]})
        elif words:
            out.append(" ".join(words))
    return out


def _operands(row: RuleRow) -> list[Any]:
    if row.operator in PRESENCE_OPERATORS:
        return []
    spec = rule_names.SUPPORTED.get(row.name)
    if spec is not None and spec.operand is rule_names.Operand.ITEMS:
        return _items(row.value)
    pieces = (
        [p.strip() for p in row.value.split(",") if p.strip()]
        if row.operator in LIST_OPERATORS
        else ([row.value] if row.value else [])
    )
    if spec is not None and spec.operand is rule_names.Operand.NUMBER:
        return [int_or_raw(p) for p in pieces]
    if spec is not None and spec.operand is rule_names.Operand.VALUE:
        return [_scalar(p) for p in pieces]
    return pieces


def _scalar(raw: str) -> Any:
    """Metadata values: numbers and true/false as such, anything else as text."""
    if raw in ("true", "false"):
        return raw == "true"
    value = to_number(raw)
    # nan and inf are not JSON: kept as the text typed.
    return raw if isinstance(value, float) and not math.isfinite(value) else value


def rules_json(form: Form) -> dict[str, Any] | None:
    """The `rules` the builder's rows make, numbered from 1 in row order; None without rows."""
    rows = rule_rows(form)
    if not rows:
        return None
    body: dict[str, Any] = {}
    for number, row in enumerate(rows, start=1):
        rule: dict[str, Any] = {"name": row.name}
        if row.property:
            rule["property"] = row.property
        rule["conditions"] = {row.operator: _operands(row)}
        rule["rules"] = {}
        body[str(number)] = rule
    logic = text(form, "rule_logic") or " and ".join(str(n) for n in range(1, len(rows) + 1))
    body["logic"] = logic
    return body


def applicable_json(form: Form) -> dict[str, Any] | None:
    included, excluded = (
        _items(text(form, "applies_included")),
        _items(text(form, "applies_excluded")),
    )
    if not included and not excluded:
        return None
    return {"included": included, "excluded": excluded}


def rule_body(form: Form, name: str) -> dict[str, Any] | None:
    """A `POST /v1/validation-rules` body, or None when the builder is empty."""
    rules = rules_json(form)
    targeting = applicable_json(form)
    if rules is None and targeting is None:
        return None
    body: dict[str, Any] = {"name": name, "type": "expression"}
    body["rules"] = rules if rules is not None else {"logic": ""}
    body["applicable_to"] = targeting or {"included": [], "excluded": []}
    message = text(form, "rule_error")
    if message:
        body["error"] = {"message": message}
    return body


def rule_error_field(message: str, form: Form) -> str:
    """The builder field a strict-parser error names: `rule 2: ...` is the second row."""
    head = message.split(":", 2)
    for part in head[:2]:
        part = part.strip()
        if part.startswith("rule ") and part[5:].split(".")[0].isdigit():
            rows = rule_rows(form)
            index = int(part[5:].split(".")[0]) - 1
            if 0 <= index < len(rows):
                return f"rule_row_{rows[index].number}"
    if message.startswith("applicable_to"):
        return "applies_included"
    if message.startswith("error"):
        return "rule_error"
    return "rule_logic"


def rule_values(rule: Any) -> dict[str, str]:
    """A stored rule as builder values (rows in rule order; sub-rules are not edited here)."""
    values: dict[str, str] = {}
    stored = rule.rules or {}
    numbers = sorted((k for k in stored if k != "logic"), key=int)
    for row, key in enumerate(numbers, start=1):
        item = stored[key]
        operator, operands = next(iter((item.get("conditions") or {"": []}).items()))
        values[f"rule_name_{row}"] = item.get("name", "")
        values[f"rule_property_{row}"] = item.get("property") or ""
        values[f"rule_operator_{row}"] = operator
        values[f"rule_value_{row}"] = ", ".join(_operand_text(v) for v in operands)
    values["rule_logic"] = stored.get("logic") or ""
    targeting = rule.applicable_to or {}
    for which, field in (("included", "applies_included"), ("excluded", "applies_excluded")):
        values[field] = "\n".join(
            f"{t.get('object')} {t.get('id')}" for t in targeting.get(which) or ()
        )
    values["rule_error"] = (rule.error or {}).get("message") or ""
    return values


def _operand_text(value: Any) -> str:
    if isinstance(value, dict):
        return f"{value.get('object')} {value.get('id')}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

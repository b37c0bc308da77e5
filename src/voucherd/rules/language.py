"""Voucherify's validation-rule JSON <-> the typed tree (`tree.py`). Pure: no database.

`parse_*` validate strictly and raise `InvalidPayload` naming the rule number and the fault
(so a rule is never stored and silently ignored); `dump_*` give the canonical JSON that is
stored and returned, and `parse(dump(x)) == x` (tested with hypothesis).

Decisions (VOUCHERIFY-RULES.md a.1-a.5):
* every rule in a map is named by its `logic`, and `logic` names only rules that exist: an
  unused rule would be stored and never checked;
* the legacy `product.id` / `sku.id` family is refused by name (UNSUPPORTED says to use
  `order.items.any`): aliasing would return a different rule than the one sent;
* `bundle_rules` are parsed in the a.5 subset only (`order.items.any`, one item, one
  `order.items.aggregated_quantity` sub-rule).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from voucherd.kit.errors import InvalidPayload
from voucherd.rules import windows
from voucherd.rules.logic import LogicError, numbers, parse_logic
from voucherd.rules.names import (
    COUNTING,
    DATES,
    ORDERING,
    SUBRULE_ONLY,
    SUPPORTED,
    TEXTUAL,
    UNSUPPORTED,
    Operand,
    RuleName,
)
from voucherd.rules.tree import Condition, Rule, RuleSet, Target, Targeting

# Bounds that keep a hostile body from costing much to parse, store or evaluate.
MAX_RULES = 50  # rules in one map (top level or sub-rules)
MAX_OPERANDS = 500  # values of one operator ($in of 500 segment ids is already large)
MAX_TARGETS = 500  # entries of applicable_to.included / excluded
MAX_TEXT = 1000  # a metadata value, an error message, a property name

ITEM_OBJECTS = ("product", "sku", "products_collection")
_ITEM_PREFIX = {"product": "prod_", "sku": "sku_", "products_collection": "pc_"}
_ITEM_KEYS = frozenset({"id", "object", "source_id", "effect", "product_id", "strict", "type"})
_RULE_KEYS = frozenset({"name", "property", "conditions", "rules", "error"})
# Operators that compare with one value; the rest ($in, $not_in, $dow, sets) take a list.
_SINGLE = ORDERING | TEXTUAL | COUNTING | (DATES - {"$dow"}) | {"$is", "$is_not"}
_PRESENCE = frozenset({"$has_value", "$is_unknown"})

EFFECTS = (
    "APPLY_TO_EVERY",
    "APPLY_TO_CHEAPEST",
    "APPLY_TO_MOST_EXPENSIVE",
    "APPLY_FROM_CHEAPEST",
    "APPLY_FROM_MOST_EXPENSIVE",
)
_TARGET_INTS = (
    "skip_initially",
    "repeat",
    "quantity_limit",
    "aggregated_quantity_limit",
    "amount_limit",
    "aggregated_amount_limit",
    "price",
)
_TARGET_TEXTS = ("source_id", "product_id", "product_source_id")
# Unit budgets across orders (a.4): they need counters voucherd does not keep.
_TARGET_BUDGETS = frozenset(
    f"product{scope}_{who}{level}_quantity_limit{formula}"
    for scope in ("", "_in_collection")
    for who in ("", "customer_")
    for level in ("campaign", "promotion_tier")
    for formula in ("", "_formula")
)
_TARGET_KEYS = frozenset(
    {"object", "id", "effect", "target", "price_formula", "strict"}
    | set(_TARGET_INTS)
    | set(_TARGET_TEXTS)
)


def _fail(where: str, what: str) -> InvalidPayload:
    return InvalidPayload(f"{where}: {what}")


# --------------------------------------------------------------------------- rules


def parse_rules(raw: Any) -> RuleSet:
    """The `rules` field: `{"1": {...}, ..., "logic": "1 and 2"}` or `{"logic": ""}`."""
    if raw is None:
        return RuleSet((), None)
    return _rule_map(raw, "rules", "rule ", SUPPORTED_TOP)


SUPPORTED_TOP = frozenset(name for name in SUPPORTED if name not in SUBRULE_ONLY)


def _rule_map(raw: Any, where: str, label: str, allowed: frozenset[str]) -> RuleSet:
    if not isinstance(raw, Mapping):
        raise _fail(where, "must be an object of numbered rules and a logic")
    keys = [k for k in raw if k != "logic"]
    if len(keys) > MAX_RULES:
        raise _fail(where, f"at most {MAX_RULES} rules")
    expected = [str(n) for n in range(1, len(keys) + 1)]
    if sorted(keys, key=_number_order) != expected:
        raise _fail(where, f"keys must be consecutive from 1 ({', '.join(expected) or 'none'})")
    text = raw.get("logic", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise _fail(where, "logic must be a text such as '1 and 2'")
    try:
        logic = parse_logic(text)
    except LogicError as exc:
        raise _fail(where, str(exc)) from None
    named = numbers(logic)
    missing = sorted(named - set(keys), key=_number_order)
    if missing:
        raise _fail(where, f"logic names rule {', '.join(missing)}, which does not exist")
    unused = sorted(set(keys) - named, key=_number_order)
    if unused:
        raise _fail(where, f"rule {', '.join(unused)} is not used in logic {text!r}")
    rules = tuple(_rule(n, raw[n], f"{label}{n}", allowed) for n in expected)
    return RuleSet(rules, logic, text)


def _number_order(key: str) -> tuple[int, str]:
    return (int(key), key) if key.isascii() and key.isdigit() and len(key) < 6 else (1 << 30, key)


def _rule(number: str, raw: Any, where: str, allowed: frozenset[str]) -> Rule:
    if not isinstance(raw, Mapping):
        raise _fail(where, "must be an object with name and conditions")
    extra = sorted(set(raw) - _RULE_KEYS)
    if extra:
        raise _fail(where, f"unknown field {', '.join(extra)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(where, "name is required")
    if name in UNSUPPORTED:
        raise _fail(where, f"rule name {name} is not supported: {UNSUPPORTED[name]}")
    spec = SUPPORTED.get(name)
    if spec is None:
        raise _fail(where, f"unknown rule name {name}")
    if name not in allowed:
        raise _fail(where, f"{name} is not allowed here ({_allowed_text(allowed)})")
    prop = raw.get("property")
    if spec.needs_property:
        if not isinstance(prop, str) or not prop or len(prop) > MAX_TEXT:
            raise _fail(where, f"{name} needs a property (the metadata key)")
    elif prop is not None:
        raise _fail(where, f"{name} takes no property")
    conditions = _conditions(raw.get("conditions"), where, name, spec)
    subrules = None
    sub_raw = raw.get("rules")
    if not _no_subrules(sub_raw):
        if not spec.subrules:
            raise _fail(where, f"{name} takes no sub-rules")
        subrules = _rule_map(sub_raw, f"{where} sub-rules", f"{where}.", spec.subrules)
    return Rule(number, name, prop, conditions, subrules, _message(raw.get("error"), where))


def _no_subrules(raw: Any) -> bool:
    """`rules: {}` (Voucherify's form for "none"), null, or an empty map with an empty logic."""
    return (
        raw is None
        or raw == {}
        or (isinstance(raw, Mapping) and set(raw) == {"logic"} and not raw["logic"])
    )


def _allowed_text(allowed: frozenset[str]) -> str:
    if allowed == SUPPORTED_TOP:
        return "sub-rule names are allowed only under order.items.* rules"
    return "sub-rules may be " + ", ".join(sorted(allowed))


def _conditions(raw: Any, where: str, name: str, spec: RuleName) -> tuple[Condition, ...]:
    if not isinstance(raw, Mapping) or not raw:
        raise _fail(where, "conditions must be an object of operator: [values]")
    out = []
    for operator, operands in raw.items():
        if operator not in spec.operators:
            allowed = ", ".join(sorted(spec.operators))
            raise _fail(where, f"operator {operator} is not allowed for {name} (use {allowed})")
        if not isinstance(operands, list):
            raise _fail(where, f"{operator} takes a list of values")
        out.append(Condition(operator, tuple(_operands(operands, where, operator, spec))))
    return tuple(out)


def _operands(values: list[Any], where: str, operator: str, spec: RuleName) -> list[Any]:
    if operator in _PRESENCE:
        if values not in ([], [True]):
            raise _fail(where, f"{operator} takes [] or [true]")
        return values
    if not values:
        raise _fail(where, f"{operator} needs a value")
    if len(values) > MAX_OPERANDS:
        raise _fail(where, f"{operator} takes at most {MAX_OPERANDS} values")
    if operator in _SINGLE and len(values) != 1 and spec.operand is not Operand.ITEMS:
        raise _fail(where, f"{operator} takes one value")
    return [_operand(v, where, operator, spec.operand) for v in values]


def _operand(value: Any, where: str, operator: str, kind: Operand) -> Any:
    if kind is Operand.NUMBER:
        if not _is_int(value) or value < 0:
            raise _fail(
                where, f"{operator} takes whole numbers >= 0 (money in cents), not {value!r}"
            )
        return value
    if kind is Operand.SEGMENTS:
        if not isinstance(value, str) or not value.startswith("seg_") or len(value) > 64:
            raise _fail(where, f"{operator} takes segment ids (seg_...), not {value!r}")
        return value
    if kind is Operand.TEXT:
        if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
            raise _fail(where, f"{operator} takes texts, not {value!r}")
        return value
    if kind is Operand.ITEMS:
        return _item(value, where, operator)
    if operator == "$dow":
        if not _is_int(value) or not 0 <= value <= 6:
            raise _fail(where, f"$dow takes days 0 (Sunday) to 6, not {value!r}")
        return value
    if operator in _TIMEFRAMES:
        # Checked now, with the evaluator's own parser: a malformed window is refused
        # rather than stored and failing every decision.
        if not isinstance(value, str) or _TIMEFRAMES[operator](_EPOCH, value, windows.UTC) is None:
            raise _fail(
                where, f"{operator}: {value!r} is not a window ({_TIMEFRAME_FORMS[operator]})"
            )
        return value
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise _fail(where, f"{operator}: values are at most {MAX_TEXT} characters")
    if value is not None and not isinstance(value, (str, int, float, bool)):
        raise _fail(where, f"{operator} takes texts, numbers, booleans or dates, not {value!r}")
    return value


_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_TIMEFRAMES = {
    "$timeframe": windows.in_timeframe,
    "$timeframe_absolute": windows.in_absolute,
    "$timeframe_daily_hours": windows.in_daily_hours,
}
_TIMEFRAME_FORMS = {
    "$timeframe": "<start>;<interval>;<duration>, e.g. 2024-01-01T00:00:00Z;P1D;PT1H",
    "$timeframe_absolute": "<from>;<to>",
    "$timeframe_daily_hours": "<HH:MM>;<HH:MM>;<days 0-6>",
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _item(value: Any, where: str, operator: str) -> Any:
    if not isinstance(value, Mapping):
        raise _fail(where, f"{operator} takes items {{id, object}}, not {value!r}")
    extra = sorted(set(value) - _ITEM_KEYS)
    if extra:
        raise _fail(where, f"item field {', '.join(extra)} is not known")
    obj, ident = value.get("object"), value.get("id")
    if obj not in ITEM_OBJECTS:
        raise _fail(where, f"item object must be one of {', '.join(ITEM_OBJECTS)}, not {obj!r}")
    if not isinstance(ident, str) or not ident.startswith(_ITEM_PREFIX[obj]) or len(ident) > 64:
        raise _fail(where, f"a {obj} item needs its id ({_ITEM_PREFIX[obj]}...), not {ident!r}")
    for text in ("source_id", "product_id"):
        if value.get(text) is not None and not isinstance(value[text], str):
            raise _fail(where, f"item {text} must be a text")
    if value.get("effect") is not None and value["effect"] not in EFFECTS:
        raise _fail(where, f"item effect must be one of {', '.join(EFFECTS)}")
    if value.get("type") not in (None, "product_or_sku", "products_collection"):
        raise _fail(where, "item type must be product_or_sku or products_collection")
    if "strict" in value and not isinstance(value["strict"], bool):
        raise _fail(where, "item strict must be true or false")
    return dict(value)


def _message(raw: Any, where: str) -> str | None:
    """An `error: {message}` object -> its message."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or set(raw) - {"message"}:
        raise _fail(where, "error must be {message}")
    message = raw.get("message")
    if message is None:
        return None
    if not isinstance(message, str) or len(message) > MAX_TEXT:
        raise _fail(where, f"error.message must be a text of at most {MAX_TEXT} characters")
    return message


def parse_error(raw: Any) -> str | None:
    """The rule set's `error` field: its fallback message."""
    return _message(raw, "error")


def dump_error(message: str | None) -> dict[str, Any] | None:
    return None if message is None else {"message": message}


def dump_rules(rule_set: RuleSet) -> dict[str, Any]:
    body: dict[str, Any] = {rule.number: _dump_rule(rule) for rule in rule_set.rules}
    body["logic"] = rule_set.logic_text
    return body


def _dump_rule(rule: Rule) -> dict[str, Any]:
    body: dict[str, Any] = {"name": rule.name}
    if rule.property is not None:
        body["property"] = rule.property
    body["conditions"] = {c.operator: list(c.operands) for c in rule.conditions}
    body["rules"] = dump_rules(rule.subrules) if rule.subrules is not None else {}
    if rule.error_message is not None:
        body["error"] = {"message": rule.error_message}
    return body


# --------------------------------------------------------------------------- bundle rules


def parse_bundle_rules(raw: Any) -> RuleSet | None:
    """`bundle_rules` in the a.5 subset: each rule `order.items.any` with one item
    `$is: [{id, object, type?}]` and one sub-rule `order.items.aggregated_quantity`
    `$is: [n >= 1]`. None (or {}) = no bundle."""
    if raw is None or raw == {}:
        return None
    parsed = _rule_map(raw, "bundle_rules", "bundle rule ", frozenset({"order.items.any"}))
    for rule in parsed.rules:
        where = f"bundle rule {rule.number}"
        cond = rule.conditions
        if len(cond) != 1 or cond[0].operator != "$is" or len(cond[0].operands) != 1:
            raise _fail(where, "a bundle rule matches one item with $is: [{id, object}]")
        subs = rule.subrules.rules if rule.subrules is not None else ()
        if (
            len(subs) != 1
            or subs[0].name != "order.items.aggregated_quantity"
            or [c.operator for c in subs[0].conditions] != ["$is"]
            or subs[0].conditions[0].operands[0] < 1
        ):
            raise _fail(
                where,
                "a bundle rule needs one sub-rule order.items.aggregated_quantity $is [n >= 1]",
            )
    return parsed


def dump_bundle_rules(rule_set: RuleSet | None) -> dict[str, Any]:
    return {} if rule_set is None else dump_rules(rule_set)


# --------------------------------------------------------------------------- targeting


def parse_targeting(raw: Any) -> Targeting:
    """`applicable_to {included[], excluded[], included_all}` (a.4)."""
    if raw is None:
        return Targeting()
    if not isinstance(raw, Mapping):
        raise _fail("applicable_to", "must be {included, excluded, included_all}")
    extra = sorted(set(raw) - {"included", "excluded", "included_all"})
    if extra:
        raise _fail("applicable_to", f"unknown field {', '.join(extra)}")
    included_all = raw.get("included_all")
    if included_all is not None and not isinstance(included_all, bool):
        raise _fail("applicable_to", "included_all must be true or false")
    return Targeting(
        included=_targets(raw.get("included"), "included"),
        excluded=_targets(raw.get("excluded"), "excluded"),
        included_all=bool(included_all),
    )


def _targets(raw: Any, which: str) -> tuple[Target, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _fail(f"applicable_to.{which}", "must be a list")
    if len(raw) > MAX_TARGETS:
        raise _fail(f"applicable_to.{which}", f"at most {MAX_TARGETS} entries")
    return tuple(_target(entry, f"applicable_to.{which}[{i}]") for i, entry in enumerate(raw))


def _target(raw: Any, where: str) -> Target:
    if not isinstance(raw, Mapping):
        raise _fail(where, "must be {id, object, effect, ...}")
    budgets = sorted(set(raw) & _TARGET_BUDGETS)
    if any(raw[name] is not None for name in budgets):
        raise _fail(where, f"{budgets[0]} is not supported yet (unit budgets across orders)")
    extra = sorted(set(raw) - _TARGET_KEYS - _TARGET_BUDGETS)
    if extra:
        raise _fail(where, f"unknown field {', '.join(extra)}")
    item = _item({k: raw[k] for k in ("id", "object") if k in raw}, where, "applicable_to")
    fields: dict[str, Any] = {"object": item["object"], "id": item["id"]}
    for name in _TARGET_TEXTS:
        value = raw.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > 200):
            raise _fail(where, f"{name} must be a text")
        fields[name] = value
    for name in _TARGET_INTS:
        value = raw.get(name)
        if value is not None and (not _is_int(value) or value < (1 if name == "repeat" else 0)):
            raise _fail(where, f"{name} must be a whole number >= {1 if name == 'repeat' else 0}")
        fields[name] = value
    effect = raw.get("effect") or "APPLY_TO_EVERY"
    if effect not in EFFECTS:
        raise _fail(where, f"effect must be one of {', '.join(EFFECTS)}")
    target = raw.get("target")
    if target not in (None, "ITEM", "UNIT"):
        raise _fail(where, "target must be ITEM or UNIT")
    formula = raw.get("price_formula")
    if formula is not None and (not isinstance(formula, (int, float)) or isinstance(formula, bool)):
        # The spec and the official SDK type price_formula as a number: a formula text would
        # break every SDK reading this rule, so only numbers are taken.
        raise _fail(where, "price_formula must be a number (formula texts are not supported)")
    if "strict" in raw and not isinstance(raw["strict"], (bool, type(None))):
        raise _fail(where, "strict must be true or false")
    return Target(
        effect=effect,
        target=target,
        # Kept as the number's text: the tree types it as a formula (a constant one here).
        price_formula=None if formula is None else json.dumps(formula),
        **fields,
    )


def dump_targeting(targeting: Targeting) -> dict[str, Any]:
    """Always all three keys (the SDK and Voucherify's examples)."""
    return {
        "excluded": [_dump_target(t) for t in targeting.excluded],
        "included": [_dump_target(t) for t in targeting.included],
        "included_all": targeting.included_all,
    }


def _dump_target(target: Target) -> dict[str, Any]:
    body: dict[str, Any] = {"object": target.object, "id": target.id}
    for name in _TARGET_TEXTS:
        if getattr(target, name) is not None:
            body[name] = getattr(target, name)
    body["effect"] = target.effect
    if target.target is not None:
        body["target"] = target.target
    for name in _TARGET_INTS:
        if getattr(target, name) is not None:
            body[name] = getattr(target, name)
    if target.price_formula is not None:
        body["price_formula"] = json.loads(target.price_formula)
    return body

"""The operators of rule conditions on one value (pure), and the plain words of a failure.

`holds(op, value, operands, now, zone)` answers one condition; `failure(op, operands)` says
why it failed ("is not more than 50.00"). Money shows in major units with two decimals,
whatever the currency (Voucherify's formulas use the same convention).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from voucherd.rules import windows


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float | str):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right or left == right
    a, b = _number(left), _number(right)
    if a is not None and b is not None and not (isinstance(left, str) and isinstance(right, str)):
        return a == b
    return bool(left == right)


def _order(value: Any, operand: Any, zone: ZoneInfo) -> int | None:
    """-1/0/1 comparing numbers, else dates; None when they don't compare."""
    a, b = _number(value), _number(operand)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    da, db = windows.parse_instant(value, zone), windows.parse_instant(operand, zone)
    if da is not None and db is not None:
        return (da > db) - (da < db)
    return None


_ORDERING: dict[str, Callable[[int], bool]] = {
    "$less_than": lambda c: c < 0,
    "$less_than_or_equal": lambda c: c <= 0,
    "$more_than": lambda c: c > 0,
    "$more_than_or_equal": lambda c: c >= 0,
    "$greater_than_or_equal": lambda c: c >= 0,
}


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _days(operands: Sequence[Any]) -> timedelta | None:
    days = _number(operands[0]) if operands else None
    return None if days is None else timedelta(days=float(days))


def _dated(op: str, value: Any, operands: Sequence[Any], now: datetime, zone: ZoneInfo) -> bool:
    at = windows.parse_instant(value, zone)
    if at is None or not operands:
        return False
    if op in ("$after", "$before"):
        c = _order(at, operands[0], zone)
        return c is not None and (c > 0 if op == "$after" else c < 0)
    if op == "$dow":
        return windows.dow(at, zone) in {int(d) for d in operands if _number(d) is not None}
    if op.startswith("$timeframe"):
        check = {
            "$timeframe": windows.in_timeframe,
            "$timeframe_absolute": windows.in_absolute,
            "$timeframe_daily_hours": windows.in_daily_hours,
        }[op]
        return any(check(at, str(spec), zone) for spec in operands)
    delta = _days(operands)
    if delta is None:
        return False
    if op == "$more_than_ago":
        return at < now - delta
    if op == "$less_than_ago":
        return now - delta <= at <= now
    if op == "$more_than_future":
        return at > now + delta
    if op == "$less_than_future":
        return now <= at <= now + delta
    day = windows.local(at, zone).date()
    today = windows.local(now, zone).date()
    if op == "$is_days_ago":
        return day == today - delta
    return day == today + delta  # $is_days_in_future


def holds(op: str, value: Any, operands: Sequence[Any], now: datetime, zone: ZoneInfo) -> bool:
    """Whether `value` satisfies one condition; an absent value only satisfies the negative
    operators and `$is_unknown`."""
    if op == "$has_value":
        return _present(value)
    if op == "$is_unknown":
        return not _present(value)
    if op == "$is":
        return value is not None and bool(operands) and _equal(value, operands[0])
    if op == "$is_not":
        return value is None or not operands or not _equal(value, operands[0])
    if op == "$in":
        return value is not None and any(_equal(value, o) for o in operands)
    if op == "$not_in":
        return value is None or not any(_equal(value, o) for o in operands)
    if op in _ORDERING:
        c = _order(value, operands[0], zone) if operands and value is not None else None
        return c is not None and _ORDERING[op](c)
    if op in ("$starts_with", "$ends_with", "$contains"):
        if not isinstance(value, str) or not operands:
            return False
        needle = str(operands[0])
        if op == "$starts_with":
            return value.startswith(needle)
        return value.endswith(needle) if op == "$ends_with" else needle in value
    if op in ("$count", "$count_more", "$count_less"):
        wanted = _number(operands[0]) if operands else None
        if not isinstance(value, list) or wanted is None:
            return False
        size = len(value)
        return {"$count": size == wanted, "$count_more": size > wanted}.get(op, size < wanted)
    if op in ("$not_differ", "$not_intersect"):
        values = value if isinstance(value, list) else ([] if value is None else [value])
        mine, theirs = {str(v) for v in values}, {str(o) for o in operands}
        return mine == theirs if op == "$not_differ" else not mine & theirs
    return _dated(op, value, operands, now, zone)


_PHRASES = {
    "$is": "is not {0}",
    "$is_not": "is {0}",
    "$in": "is not one of {all}",
    "$not_in": "is one of {all}",
    "$less_than": "is not less than {0}",
    "$less_than_or_equal": "is more than {0}",
    "$more_than": "is not more than {0}",
    "$more_than_or_equal": "is less than {0}",
    "$greater_than_or_equal": "is less than {0}",
    "$starts_with": "does not start with {0}",
    "$ends_with": "does not end with {0}",
    "$contains": "does not contain {0}",
    "$count": "does not have {0} elements",
    "$count_more": "does not have more than {0} elements",
    "$count_less": "does not have fewer than {0} elements",
    "$after": "is not after {0}",
    "$before": "is not before {0}",
    "$more_than_ago": "is not more than {0} days ago",
    "$less_than_ago": "is not within the last {0} days",
    "$is_days_ago": "is not {0} days ago",
    "$more_than_future": "is not more than {0} days ahead",
    "$less_than_future": "is not within the next {0} days",
    "$is_days_in_future": "is not {0} days ahead",
    "$timeframe": "is outside the time frame {all}",
    "$timeframe_absolute": "is outside {all}",
    "$timeframe_daily_hours": "is outside the hours {all}",
    "$dow": "is not on day of week {all} (0 = Sunday)",
    "$not_differ": "differs from {all}",
    "$not_intersect": "shares a value with {all}",
    "$has_value": "has no value",
    "$is_unknown": "has a value",
}


def show(value: Any, money: bool = False) -> str:
    if money and isinstance(value, int) and not isinstance(value, bool):
        return f"{Decimal(value) / 100:.2f}"
    if isinstance(value, dict) and "id" in value:
        return f"{value.get('object', 'item')} {value['id']}"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def failure(op: str, operands: Sequence[Any], money: bool = False) -> str:
    shown = [show(o, money) for o in operands]
    phrase = _PHRASES.get(op, f"fails {op} {{all}}")
    return phrase.format(shown[0] if shown else "", all=", ".join(shown))

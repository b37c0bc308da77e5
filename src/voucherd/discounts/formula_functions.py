"""Runtime semantics of the dynamic formula language: errors, values, operators, functions.

:mod:`voucherd.discounts.formula` compiles formula text into a tree of closures; everything
those closures call while a formula is evaluated lives here, so that the compiler and the
runtime can each be read on their own.  Callers should import from ``formula``, which
re-exports the public names defined in this module.

Value model.  A formula value is a :class:`~decimal.Decimal`, a ``str``, a ``bool``, a tuple
of values (a metadata array) or ``None``.  ``None`` means *missing* (absent metadata, a
variable the caller did not supply): every operation on it raises
:class:`FormulaMissingValueError`, which only ``DEFAULT_TO`` absorbs.  Voucherify's rule is
that the static fallback applies "when the formula can't be evaluated due to missing
parameters", and that is exactly what a propagating missing value gives.

Numbers are never floats.  Text that looks like a number (``"42"``, ``"-1.5"``) takes part
in arithmetic and in comparisons with numbers, because metadata often arrives as strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from typing import TypeAlias

Value: TypeAlias = "Decimal | str | bool | tuple[Value, ...] | None"
Result: TypeAlias = Decimal | str | bool

# --------------------------------------------------------------------------- errors


class FormulaError(Exception):
    """Base class of every error raised by the formula language."""


class FormulaSyntaxError(FormulaError):
    """The text is not a valid formula.

    ``position`` is a 0-based character offset into the text; ``line`` and ``column`` are
    1-based, as editors show them.  ``message`` is the bare reason without the location.
    """

    def __init__(self, message: str, text: str, position: int) -> None:
        position = max(0, min(position, len(text)))
        line = text.count("\n", 0, position) + 1
        # rfind gives -1 on the first line, which makes the column 1-based there too.
        column = position - text.rfind("\n", 0, position)
        super().__init__(
            f"syntax error at position {position} (line {line}, column {column}): {message}"
        )
        self.message = message
        self.position = position
        self.line = line
        self.column = column


class FormulaEvaluationError(FormulaError):
    """The formula is well formed but cannot be computed for this context."""


class FormulaMissingValueError(FormulaEvaluationError):
    """The formula needs a value that is absent (missing metadata, unsupplied variable)."""


# --------------------------------------------------------------------------- vocabulary

KNOWN_VARIABLES: frozenset[str] = frozenset(
    {
        "ORDER_AMOUNT",
        "ORDER_TOTAL_AMOUNT",
        "ORDER_ITEMS_QUANTITY",
        "ORDER_UNITS_QUANTITY",
        "VOUCHER_REDEEMED_QUANTITY",
        "VOUCHER_REDEMPTION_QUANTITY",
        "VOUCHER_PUBLISH_COUNT",
        "CUSTOMER_BIRTHDATE",
        # Per-item formulas (product discounts) see the item being discounted.
        "ORDER_ITEM_PRICE",
        "ORDER_ITEM_QUANTITY",
        "ORDER_ITEM_AMOUNT",
    }
)

# Accessors take one quoted key and read FormulaContext.metadata[accessor][key].
METADATA_ACCESSORS: frozenset[str] = frozenset(
    {
        "ORDER_METADATA",
        "CUSTOMER_METADATA",
        "REDEMPTION_METADATA",
        "REDEEMABLE_METADATA",
        "PUBLICATION_METADATA",
        "PROMOTION_TIER_METADATA",
        "ORDER_ITEM_METADATA",
        "CUSTOM_EVENT_METADATA",
    }
)


@dataclass(frozen=True)
class FormulaContext:
    """Everything a formula may read.  Money is in major units (114.99, not 11499)."""

    variables: Mapping[str, Decimal | str | bool | None]
    metadata: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    # Date functions use this instead of the clock, so evaluation stays deterministic.
    now: datetime | None = None


# --------------------------------------------------------------------------- numbers

# One private context instead of the thread's current one: results must not depend on what
# some other code did to decimal.getcontext().  34 digits is IEEE decimal128; only division
# and POW normally need rounding.  The traps turn undefined results into exceptions (which
# Formula.evaluate converts to FormulaEvaluationError) instead of NaN or Infinity.  Sharing
# it between threads is safe: operations only set its sticky flags, which nothing reads.
DECIMAL_CONTEXT = Context(
    prec=34,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

# Only plain decimal notation counts as numeric text; Decimal() alone would also accept
# "NaN", "Infinity", "1e5" and "1_000", none of which a merchant means as a number.
_NUMERIC_TEXT = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*")
_MAX_PRECISION = 100


def describe(value: Value) -> str:
    """Short human description of a value for error messages."""
    if value is None:
        return "a missing value"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    return "a list"


def from_host(raw: object) -> Value:
    """Convert a variable or metadata value supplied by the caller into a formula value."""
    if raw is None or isinstance(raw, bool | str):
        return raw
    if isinstance(raw, Decimal):
        number = raw
    elif isinstance(raw, int):
        number = Decimal(raw)
    elif isinstance(raw, float):
        # repr() is the shortest text that round-trips, so 0.1 becomes Decimal("0.1") rather
        # than the binary expansion 0.1000000000000000055511151231257827...
        number = Decimal(repr(raw))
    elif isinstance(raw, datetime | date):
        return raw.isoformat()
    elif isinstance(raw, list | tuple):
        return tuple(from_host(item) for item in raw)
    else:
        raise FormulaEvaluationError(f"unsupported value of type {type(raw).__name__}")
    if not number.is_finite():
        raise FormulaEvaluationError(f"{number} is not a finite number")
    return number


def maybe_number(value: Value) -> Decimal | None:
    """The numeric reading of a value, or None when it has none."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str) and _NUMERIC_TEXT.fullmatch(value):
        return Decimal(value.strip())
    return None


def as_number(value: Value, role: str) -> Decimal:
    """``value`` as a number or an error naming ``role`` (e.g. "left side of '+'")."""
    number = maybe_number(value)
    if number is not None:
        return number
    if value is None:
        raise FormulaMissingValueError(f"{role} is missing")
    raise FormulaEvaluationError(f"{role} must be a number, got {describe(value)}")


def as_bool(value: Value, role: str) -> bool:
    """Conditions must be genuine booleans: treating 0 or "" as FALSE hides mistakes."""
    if isinstance(value, bool):
        return value
    if value is None:
        raise FormulaMissingValueError(f"{role} is missing")
    raise FormulaEvaluationError(f"{role} must be TRUE or FALSE, got {describe(value)}")


def _as_text(value: Value, role: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if value is None:
        raise FormulaMissingValueError(f"{role} is missing")
    raise FormulaEvaluationError(f"{role} must be text, got {describe(value)}")


# --------------------------------------------------------------------------- operators


def _add(left: Value, right: Value) -> Value:
    return DECIMAL_CONTEXT.add(as_number(left, "left of '+'"), as_number(right, "right of '+'"))


def _subtract(left: Value, right: Value) -> Value:
    return DECIMAL_CONTEXT.subtract(
        as_number(left, "left of '-'"), as_number(right, "right of '-'")
    )


def _multiply(left: Value, right: Value) -> Value:
    return DECIMAL_CONTEXT.multiply(
        as_number(left, "left of '*'"), as_number(right, "right of '*'")
    )


def _divide(left: Value, right: Value) -> Value:
    dividend = as_number(left, "left of '/'")
    divisor = as_number(right, "right of '/'")
    if divisor.is_zero():
        raise FormulaEvaluationError("division by zero")
    return DECIMAL_CONTEXT.divide(dividend, divisor)


def _remainder(left: Value, right: Value) -> Value:
    dividend = as_number(left, "left of '%'")
    divisor = as_number(right, "right of '%'")
    if divisor.is_zero():
        raise FormulaEvaluationError("modulo by zero")
    # Truncating remainder (sign of the dividend), as in JavaScript, which Voucherify uses.
    return DECIMAL_CONTEXT.remainder(dividend, divisor)


ARITHMETIC: Mapping[str, Callable[[Value, Value], Value]] = {
    "+": _add,
    "-": _subtract,
    "*": _multiply,
    "\u00d7": _multiply,  # multiplication sign, as the Voucherify formula builder shows it
    "/": _divide,
    "\u00f7": _divide,  # division sign
    "%": _remainder,
}


def negate(value: Value) -> Value:
    return DECIMAL_CONTEXT.minus(as_number(value, "operand of unary '-'"))


def plus(value: Value) -> Value:
    return as_number(value, "operand of unary '+'")


def same(left: Value, right: Value) -> bool:
    """Equality that never raises: mismatched kinds are simply unequal.

    A number equals text that reads as the same number (metadata strings); two texts are
    compared as text, so the codes "007" and "7" differ.
    """
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, tuple) or isinstance(right, tuple):
        return (
            isinstance(left, tuple)
            and isinstance(right, tuple)
            and len(left) == len(right)
            and all(same(a, b) for a, b in zip(left, right, strict=True))
        )
    if left is None or right is None:
        return left is right
    if isinstance(left, Decimal) or isinstance(right, Decimal):
        a, b = maybe_number(left), maybe_number(right)
        return a is not None and b is not None and a == b
    return left == right


def equals(left: Value, right: Value) -> bool:
    if left is None or right is None:
        raise FormulaMissingValueError("cannot compare a missing value")
    return same(left, right)


def _order(left: Value, right: Value) -> int:
    """-1, 0 or 1.  Numeric when both sides read as numbers, else text order (ISO dates)."""
    for side in (left, right):
        if side is None:
            raise FormulaMissingValueError("cannot compare a missing value")
        if isinstance(side, bool | tuple):
            raise FormulaEvaluationError(f"cannot order {describe(side)}")
    a, b = maybe_number(left), maybe_number(right)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    if isinstance(left, str) and isinstance(right, str):
        return (left > right) - (left < right)
    raise FormulaEvaluationError(f"cannot compare {describe(left)} with {describe(right)}")


COMPARISONS: Mapping[str, Callable[[Value, Value], bool]] = {
    "=": equals,
    "==": equals,
    "!=": lambda a, b: not equals(a, b),
    "<>": lambda a, b: not equals(a, b),
    "<": lambda a, b: _order(a, b) < 0,
    "<=": lambda a, b: _order(a, b) <= 0,
    ">": lambda a, b: _order(a, b) > 0,
    ">=": lambda a, b: _order(a, b) >= 0,
}


def _contains(left: Value, right: Value) -> bool:
    if isinstance(left, tuple):  # a metadata array: membership
        if right is None:
            raise FormulaMissingValueError("right of 'contains' is missing")
        return any(same(item, right) for item in left)
    return _as_text(right, "right of 'contains'") in _as_text(left, "left of 'contains'")


def _starts_with(left: Value, right: Value) -> bool:
    return _as_text(left, "left of 'startsWith'").startswith(
        _as_text(right, "right of 'startsWith'")
    )


def _ends_with(left: Value, right: Value) -> bool:
    return _as_text(left, "left of 'endsWith'").endswith(_as_text(right, "right of 'endsWith'"))


# Canonical names; the grammar's infix spellings (is, isNot, startsWith...) map onto them.
STRING_OPERATORS: Mapping[str, Callable[[Value, Value], bool]] = {
    "IS": equals,
    "IS_NOT": lambda a, b: not equals(a, b),
    "CONTAINS": _contains,
    "STARTS_WITH": _starts_with,
    "ENDS_WITH": _ends_with,
}

# --------------------------------------------------------------------------- functions

Builtin: TypeAlias = Callable[[Sequence[Value], FormulaContext], Value]


@dataclass(frozen=True)
class FunctionSpec:
    """An eagerly evaluated function; ``max_args`` None means variadic."""

    impl: Builtin
    min_args: int
    max_args: int | None


def _flatten(values: Sequence[Value]) -> Iterator[Value]:
    # Arrays from metadata are spread, so MAX(CUSTOMER_METADATA("scores")) works.
    for value in values:
        if isinstance(value, tuple):
            yield from value
        else:
            yield value


def _numbers(name: str, args: Sequence[Value]) -> list[Decimal]:
    numbers = [as_number(value, f"argument of {name}") for value in _flatten(args)]
    if not numbers:
        raise FormulaEvaluationError(f"{name} needs at least one number")
    return numbers


def _min(args: Sequence[Value], _context: FormulaContext) -> Value:
    return min(_numbers("MIN", args))


def _max(args: Sequence[Value], _context: FormulaContext) -> Value:
    return max(_numbers("MAX", args))


def _pow(args: Sequence[Value], _context: FormulaContext) -> Value:
    base = as_number(args[0], "base of POW")
    exponent = as_number(args[1], "exponent of POW")
    try:
        result = DECIMAL_CONTEXT.power(base, exponent)
    except ArithmeticError as exc:
        raise FormulaEvaluationError(f"POW({base};{exponent}) is undefined or too large") from exc
    if not result.is_finite():  # POW(0;-1) is Infinity: the DivisionByZero trap doesn't fire
        raise FormulaEvaluationError(f"POW({base};{exponent}) is undefined or too large")
    return result


def _rounding(name: str, mode: str) -> Builtin:
    def impl(args: Sequence[Value], _context: FormulaContext) -> Value:
        number = as_number(args[0], f"value of {name}")
        places = 0
        if len(args) > 1:
            precision = as_number(args[1], f"precision of {name}")
            if precision != precision.to_integral_value() or abs(precision) > _MAX_PRECISION:
                raise FormulaEvaluationError(
                    f"precision of {name} must be a whole number between "
                    f"-{_MAX_PRECISION} and {_MAX_PRECISION}, got {precision}"
                )
            places = int(precision)
        # Decimal((0, (1,), -places)) is 10**-places: 0.01 for 2, 1E+2 for -2.
        quantum = Decimal((0, (1,), -places))
        rounded = number.quantize(quantum, rounding=mode, context=DECIMAL_CONTEXT)
        if places < 0:
            # quantize(1E+2) yields 1.3E+3; re-quantize so the value prints as 1300.
            rounded = rounded.quantize(Decimal(1), context=DECIMAL_CONTEXT)
        return rounded

    return impl


def _abs(args: Sequence[Value], _context: FormulaContext) -> Value:
    return DECIMAL_CONTEXT.abs(as_number(args[0], "argument of ABS"))


def _not(args: Sequence[Value], _context: FormulaContext) -> Value:
    return not as_bool(args[0], "argument of NOT")


def _in_array(args: Sequence[Value], _context: FormulaContext) -> Value:
    needle = args[0]
    if needle is None:
        raise FormulaMissingValueError("first argument of IN_ARRAY is missing")
    return any(same(needle, item) for item in _flatten(args[1:]))


def _not_in_array(args: Sequence[Value], context: FormulaContext) -> Value:
    return not _in_array(args, context)


def _binary(operator: Callable[[Value, Value], bool]) -> Builtin:
    return lambda args, _context: operator(args[0], args[1])


def _today(context: FormulaContext) -> date:
    if context.now is None:
        raise FormulaEvaluationError("date functions need FormulaContext.now")
    return context.now.date()


def _as_date(value: Value, role: str) -> date:
    text = _as_text(value, role)
    try:
        return datetime.fromisoformat(text.strip()).date()
    except ValueError:
        raise FormulaEvaluationError(f"{role} must be an ISO date, got {text!r}") from None


def _today_fn(_args: Sequence[Value], context: FormulaContext) -> Value:
    # ISO text, so that comparisons with ISO dates from metadata order correctly.
    return _today(context).isoformat()


def _days_since(args: Sequence[Value], context: FormulaContext) -> Value:
    return Decimal((_today(context) - _as_date(args[0], "argument of DAYS_SINCE")).days)


def _days_until(args: Sequence[Value], context: FormulaContext) -> Value:
    return Decimal((_as_date(args[0], "argument of DAYS_UNTIL") - _today(context)).days)


BUILTINS: Mapping[str, FunctionSpec] = {
    "MIN": FunctionSpec(_min, 1, None),
    "MAX": FunctionSpec(_max, 1, None),
    "POW": FunctionSpec(_pow, 2, 2),
    # Rounding is half away from zero, like kit.money.round_half_up, so ROUND(x;2) on a
    # money value agrees with what the discount engine does when converting to cents.
    "ROUND": FunctionSpec(_rounding("ROUND", ROUND_HALF_UP), 1, 2),
    "FLOOR": FunctionSpec(_rounding("FLOOR", ROUND_FLOOR), 1, 2),
    "CEIL": FunctionSpec(_rounding("CEIL", ROUND_CEILING), 1, 2),
    "ABS": FunctionSpec(_abs, 1, 1),
    "NOT": FunctionSpec(_not, 1, 1),
    "IN_ARRAY": FunctionSpec(_in_array, 2, None),
    "NOT_IN_ARRAY": FunctionSpec(_not_in_array, 2, None),
    **{name: FunctionSpec(_binary(op), 2, 2) for name, op in STRING_OPERATORS.items()},
    "TODAY": FunctionSpec(_today_fn, 0, 0),
    "DAYS_SINCE": FunctionSpec(_days_since, 1, 1),
    "DAYS_UNTIL": FunctionSpec(_days_until, 1, 1),
}

# Functions whose arguments are evaluated lazily are compiled by formula.py itself.
SPECIAL_FORMS: Mapping[str, int] = {"IF": 3, "DEFAULT_TO": 2}

KNOWN_FUNCTIONS: frozenset[str] = frozenset(
    {*BUILTINS, *SPECIAL_FORMS, *METADATA_ACCESSORS, "SWITCH", "SWITCH_CASE"}
)

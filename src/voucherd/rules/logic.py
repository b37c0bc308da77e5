"""The `logic` expression of a rule set: rule numbers joined by `and` / `or` (any case) with
parentheses, e.g. "(1 and 2) or 3". Parsed by lark into a small tree; `and` binds tighter
than `or` (Voucherify does not say; this is the usual precedence and what its examples need).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError

_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*
?and_expr: atom (_AND atom)*
?atom: NUMBER -> ref
     | "(" or_expr ")"
_OR: /or\b/i
_AND: /and\b/i
NUMBER: /[0-9]+/
%import common.WS
%ignore WS
"""


@dataclass(frozen=True)
class Ref:
    number: str


@dataclass(frozen=True)
class All:
    parts: tuple[Logic, ...]


@dataclass(frozen=True)
class Any_:
    parts: tuple[Logic, ...]


Logic = Ref | All | Any_


class LogicError(ValueError):
    """The text is not a logic expression; the message says where."""


class _Build(Transformer[Token, Logic]):
    def ref(self, children: list[Token]) -> Logic:
        return Ref(str(int(children[0])))  # "01" names rule "1"

    def or_expr(self, children: list[Logic]) -> Logic:
        return Any_(tuple(children))

    def and_expr(self, children: list[Logic]) -> Logic:
        return All(tuple(children))


@cache
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr")


def parse_logic(text: str) -> Logic | None:
    """`None` for an empty expression (a rule set with no rules)."""
    if not text.strip():
        return None
    if len(text) > 2000:
        raise LogicError("logic is longer than 2000 characters")
    if _nesting(text) > _MAX_NESTING:
        # The tree is walked recursively: a bound keeps hostile input off the C stack.
        raise LogicError(f"logic nests parentheses deeper than {_MAX_NESTING}")
    try:
        return _Build().transform(_parser().parse(text))
    except LarkError as exc:
        raise LogicError(
            f"logic {text!r} is not an expression of rule numbers, and, or and "
            f"parentheses ({type(exc).__name__})"
        ) from None


_MAX_NESTING = 32


def _nesting(text: str) -> int:
    depth = deepest = 0
    for char in text:
        depth += (char == "(") - (char == ")")
        deepest = max(deepest, depth)
    return deepest


def numbers(logic: Logic | None) -> set[str]:
    """The rule numbers an expression names."""
    if logic is None:
        return set()
    if isinstance(logic, Ref):
        return {logic.number}
    return set().union(*(numbers(part) for part in logic.parts))


def holds(logic: Logic | None, passed: Callable[[str], bool]) -> bool:
    """Evaluate with `passed(number)`; short-circuits, so a costly rule after a decided
    `and`/`or` is never checked."""
    if logic is None:
        return True
    if isinstance(logic, Ref):
        return passed(logic.number)
    if isinstance(logic, All):
        return all(holds(part, passed) for part in logic.parts)
    return any(holds(part, passed) for part in logic.parts)

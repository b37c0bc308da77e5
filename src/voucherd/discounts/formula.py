"""Voucherify's dynamic formula language: parse, validate and evaluate discount formulas.

A formula such as ``IF(ORDER_AMOUNT > 150;15;10)`` replaces a static discount value; the
static value stays as the fallback when the formula cannot be evaluated (see
:func:`evaluate_number`).  Function arguments are separated by ``;``.  The language has
infix ``+ - * / %`` (also the multiplication and division signs), comparisons
``> < = >= <= != <>``, ``AND``/``OR``, string operators (``is``, ``isNot``, ``contains``,
``startsWith``, ``endsWith``), double-quoted strings, ``TRUE``/``FALSE``, upper-case variables
(:data:`KNOWN_VARIABLES`), metadata accessors (``CUSTOMER_METADATA("age")``) and the functions
listed in ``formula_functions``.

Text is parsed by lark's LALR(1) parser (grammar in ``formula_grammar.lark``) and compiled to
a tree of small closures, so evaluating a cached formula costs a few Python calls per node.
Value semantics (types, coercions, what each function does) are in ``formula_functions``.

Choices made where Voucherify's documentation is silent:

* ``parse_formula`` checks grammar and arity; unknown names are rejected only by
  ``check_formula`` (at save time) and fail at evaluation otherwise.
* A known variable absent from the context is *missing*, like absent metadata, so
  ``DEFAULT_TO`` can cover it; an unknown one is an evaluation error.
* ``DEFAULT_TO(x;y)`` yields ``y`` when ``x`` is, or depends on, a missing value; other
  errors (division by zero, type errors) still propagate.
* ``SWITCH`` without a matching case or default yields a missing value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files
from typing import Literal

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from voucherd.discounts.formula_functions import (
    ARITHMETIC,
    BUILTINS,
    COMPARISONS,
    KNOWN_FUNCTIONS,
    KNOWN_VARIABLES,
    METADATA_ACCESSORS,
    SPECIAL_FORMS,
    STRING_OPERATORS,
    FormulaContext,
    FormulaError,
    FormulaEvaluationError,
    FormulaMissingValueError,
    FormulaSyntaxError,
    Result,
    Value,
    as_bool,
    from_host,
    maybe_number,
    negate,
    plus,
    same,
)

__all__ = [
    "KNOWN_FUNCTIONS",
    "KNOWN_VARIABLES",
    "Formula",
    "FormulaContext",
    "FormulaError",
    "FormulaEvaluationError",
    "FormulaMissingValueError",
    "FormulaSyntaxError",
    "check_formula",
    "evaluate_formula",
    "evaluate_number",
    "parse_formula",
]

# Formulas are short; the caps keep hostile input from costing memory or stack.  Nesting is
# bounded so that neither the recursive compiler nor the closures it builds can overflow.
MAX_FORMULA_LENGTH = 10_000
MAX_NESTING = 100

Evaluator = Callable[[FormulaContext], Value]
_Node = Tree[Token]

# Infix spellings of the string operators (matched case-insensitively by the grammar).
_STRING_OPERATOR_NAMES = {
    "is": "IS",
    "isnot": "IS_NOT",
    "contains": "CONTAINS",
    "startswith": "STARTS_WITH",
    "endswith": "ENDS_WITH",
}

# Terminal names in lark's "expected" sets, in the order error messages list them.
_EXPECTED_LABELS = {
    "NUMBER": "a number",
    "STRING": "a quoted string",
    "NAME": "a name",
    "TRUE": "TRUE",
    "FALSE": "FALSE",
    "SWITCH": "SWITCH",
    "SWITCH_CASE": "SWITCH_CASE",
    "_LPAR": "'('",
    "_RPAR": "')'",
    "_SEMI": "';'",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*', '/' or '%'",
    "COMP_OP": "a comparison",
    "STR_OP": "a text operator",
    "AND": "AND",
    "OR": "OR",
    "$END": "the end of the formula",
}

_ESCAPES = {"n": "\n", "t": "\t"}


@dataclass(frozen=True)
class Reference:
    """A name used in a formula, with where it appears; ``check_formula`` vets these."""

    kind: Literal["variable", "function"]
    name: str
    position: int


class Formula:
    """A compiled formula.  Immutable and shared through ``parse_formula``'s cache."""

    __slots__ = ("_evaluator", "metadata_keys", "references", "source", "variables")

    def __init__(
        self,
        source: str,
        evaluator: Evaluator,
        references: Sequence[Reference],
        metadata_keys: frozenset[tuple[str, str]],
    ) -> None:
        self.source = source
        self._evaluator = evaluator
        self.references = tuple(references)
        # Which inputs the formula reads, so callers can load only what is needed.
        self.variables = frozenset(r.name for r in references if r.kind == "variable")
        self.metadata_keys = metadata_keys

    def __repr__(self) -> str:
        return f"Formula({self.source!r})"

    def evaluate(self, context: FormulaContext) -> Result:
        """Evaluate against ``context``; raises :class:`FormulaEvaluationError`."""
        try:
            value = self._evaluator(context)
        except ArithmeticError as exc:
            # Decimal traps (overflow, impossible division...) that no operator pre-empted.
            raise FormulaEvaluationError(f"arithmetic error: {type(exc).__name__}") from exc
        except RecursionError as exc:  # only reachable if the caller's stack is already deep
            raise FormulaEvaluationError("formula is nested too deeply") from exc
        if value is None:
            raise FormulaMissingValueError("the formula depends on a missing value")
        if isinstance(value, tuple):
            raise FormulaEvaluationError("the formula yields a list, not a single value")
        return value


@functools.cache
def _parser() -> Lark:
    # Built on first use rather than at import: most processes import this module long
    # before (or without ever) parsing a formula.
    grammar = files("voucherd.discounts").joinpath("formula_grammar.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True)


def _position(node: _Node | Token) -> int:
    if isinstance(node, Token):
        return node.start_pos or 0
    return getattr(node.meta, "start_pos", 0)


def _unescape(token: Token) -> str:
    """The text of a STRING token: quotes removed, backslash escapes resolved."""
    body = str(token)[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    chars = iter(body)
    for char in chars:
        if char == "\\":
            escaped = next(chars)  # the grammar guarantees a character after a backslash
            char = _ESCAPES.get(escaped, escaped)
        out.append(char)
    return "".join(out)


def _constant(value: Value) -> Evaluator:
    return lambda _context: value


def _fail(message: str) -> Evaluator:
    def run(_context: FormulaContext) -> Value:
        raise FormulaEvaluationError(message)

    return run


class _Compiler:
    """Turns one parse tree into closures, recording every name it meets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.references: list[Reference] = []
        self.metadata_keys: set[tuple[str, str]] = set()

    def error(self, message: str, node: _Node | Token) -> FormulaSyntaxError:
        return FormulaSyntaxError(message, self.text, _position(node))

    def compile(self, node: _Node, depth: int) -> Evaluator:
        if depth > MAX_NESTING:
            raise self.error("formula is nested too deeply", node)
        kids = node.children
        rule = node.data
        if rule == "number":
            return _constant(Decimal(str(kids[0])))
        if rule == "string":
            return _constant(_unescape(self.token(kids[0])))
        if rule in ("true", "false"):
            return _constant(rule == "true")
        if rule == "variable":
            return self.variable(self.token(kids[0]))
        if rule == "call":
            return self.call(self.token(kids[0]), kids[1], depth)
        if rule == "switch":
            return self.switch(kids, depth)
        if rule == "sign":
            operand = self.compile(self.tree(kids[1]), depth + 1)
            sign = negate if self.token(kids[0]) == "-" else plus
            return lambda context: sign(operand(context))
        # Every remaining rule is binary: left operand, operator token, right operand.
        lhs = self.compile(self.tree(kids[0]), depth + 1)
        operator = str(self.token(kids[1]))
        rhs = self.compile(self.tree(kids[2]), depth + 1)
        if rule in ("and_op", "or_op"):
            # Short-circuit: FALSE AND <anything> is FALSE without evaluating the right side.
            stop = rule == "or_op"
            side = "OR" if stop else "AND"
            return lambda context: (
                stop
                if as_bool(lhs(context), f"left of {side}") is stop
                else as_bool(rhs(context), f"right of {side}")
            )
        if rule == "compare":
            test = COMPARISONS[operator]
        elif rule == "string_op":
            test = STRING_OPERATORS[_STRING_OPERATOR_NAMES[operator.lower()]]
        else:  # arith
            arith = ARITHMETIC[operator]
            return lambda context: arith(lhs(context), rhs(context))
        return lambda context: test(lhs(context), rhs(context))

    def token(self, child: _Node | Token | None) -> Token:
        assert isinstance(child, Token), child  # the grammar fixes which children are tokens
        return child

    def tree(self, child: _Node | Token | None) -> _Node:
        assert isinstance(child, Tree), child
        return child

    def variable(self, token: Token) -> Evaluator:
        name = str(token)
        self.references.append(Reference("variable", name, _position(token)))
        known = name in KNOWN_VARIABLES

        def run(context: FormulaContext) -> Value:
            try:
                raw = context.variables[name]
            except KeyError:
                if known:
                    return None
                raise FormulaEvaluationError(f"unknown variable {name}") from None
            return from_host(raw)

        return run

    def call(self, token: Token, args_node: _Node | Token | None, depth: int) -> Evaluator:
        # CONTAINS(a;b) and friends arrive as STR_OP tokens; use the canonical name.
        name = _STRING_OPERATOR_NAMES[str(token).lower()] if token.type == "STR_OP" else str(token)
        self.references.append(Reference("function", name, _position(token)))
        arg_nodes = (
            [] if args_node is None else [self.tree(a) for a in self.tree(args_node).children]
        )
        if name in METADATA_ACCESSORS:
            return self.metadata(name, token, arg_nodes)
        if name == "SWITCH_CASE":  # the grammar only reads it as a keyword right after SWITCH(
            raise self.error("SWITCH_CASE is only allowed inside SWITCH", token)
        self.check_arity(name, token, len(arg_nodes))
        args = [self.compile(node, depth + 1) for node in arg_nodes]
        if name == "IF":
            condition, then, otherwise = args
            return lambda context: (
                then(context) if as_bool(condition(context), "IF condition") else otherwise(context)
            )
        if name == "DEFAULT_TO":
            return _default_to(args[0], args[1])
        spec = BUILTINS.get(name)
        if spec is None:
            return _fail(f"unknown function {name}")
        impl = spec.impl
        return lambda context: impl([arg(context) for arg in args], context)

    def check_arity(self, name: str, token: Token, count: int) -> None:
        high: int | None
        if name in SPECIAL_FORMS:
            low = high = SPECIAL_FORMS[name]
        elif name in BUILTINS:
            low, high = BUILTINS[name].min_args, BUILTINS[name].max_args
        else:
            return  # unknown function: check_formula reports the name itself
        if count < low or (high is not None and count > high):
            wanted = (
                str(low) if low == high else f"{low} or more" if high is None else f"{low}-{high}"
            )
            raise self.error(f"{name} takes {wanted} argument(s), got {count}", token)

    def metadata(self, accessor: str, token: Token, arg_nodes: list[_Node]) -> Evaluator:
        # The key must be a literal so that formulas can be vetted (and inputs preloaded)
        # without evaluating them.
        if len(arg_nodes) != 1 or arg_nodes[0].data != "string":
            raise self.error(f'{accessor} takes one quoted key, e.g. {accessor}("key")', token)
        key = _unescape(self.token(arg_nodes[0].children[0]))
        self.metadata_keys.add((accessor, key))

        def run(context: FormulaContext) -> Value:
            bag = context.metadata.get(accessor)
            return None if bag is None else from_host(bag.get(key))

        return run

    def switch(self, kids: list[_Node | Token], depth: int) -> Evaluator:
        subject = self.compile(self.tree(kids[1]), depth + 1)
        cases: list[tuple[Evaluator, Evaluator]] = []
        for case in kids[2:-1]:
            _, match, result = self.tree(case).children
            cases.append(
                (
                    self.compile(self.tree(match), depth + 1),
                    self.compile(self.tree(result), depth + 1),
                )
            )
        default = None if kids[-1] is None else self.compile(self.tree(kids[-1]), depth + 1)

        def run(context: FormulaContext) -> Value:
            value = subject(context)
            if value is None:
                raise FormulaMissingValueError("SWITCH value is missing")
            for match, result in cases:
                # same() never raises, so a case of another type simply does not match.
                if same(value, match(context)):
                    return result(context)
            return None if default is None else default(context)

        return run


def _default_to(value: Evaluator, fallback: Evaluator) -> Evaluator:
    def run(context: FormulaContext) -> Value:
        try:
            result = value(context)
        except FormulaMissingValueError:
            return fallback(context)
        return fallback(context) if result is None else result

    return run


def _syntax_error(text: str, exc: UnexpectedInput) -> FormulaSyntaxError:
    expected: set[str] = set()
    position: int
    if isinstance(exc, UnexpectedToken):
        expected = set(exc.expected)
        if exc.token.type == "$END":
            # lark places $END at the last token; the real problem is where the text ends.
            position, found = len(text), "unexpected end of formula"
        else:
            position, found = exc.token.start_pos or 0, f"unexpected {str(exc.token)!r}"
    elif isinstance(exc, UnexpectedCharacters):
        expected = set(exc.allowed or ())
        # lark types pos_in_stream loosely; it is always set for UnexpectedCharacters.
        position = int(getattr(exc, "pos_in_stream", 0) or 0)
        found = f"unexpected character {text[position]!r}"
    else:  # pragma: no cover - LALR raises only the two kinds above
        position, found = int(getattr(exc, "pos_in_stream", 0) or 0), "invalid formula"
    labels = [label for name, label in _EXPECTED_LABELS.items() if name in expected]
    message = f"{found}; expected {', '.join(labels)}" if labels else found
    return FormulaSyntaxError(message, text, position)


@functools.lru_cache(maxsize=1024)
def parse_formula(text: str) -> Formula:
    """Compile ``text``; raises :class:`FormulaSyntaxError`.  Results are cached."""
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaSyntaxError(
            f"formula is longer than {MAX_FORMULA_LENGTH} characters", text, MAX_FORMULA_LENGTH
        )
    if not text.strip():
        raise FormulaSyntaxError("formula is empty", text, 0)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    compiler = _Compiler(text)
    evaluator = compiler.compile(tree, 0)
    return Formula(text, evaluator, compiler.references, frozenset(compiler.metadata_keys))


def check_formula(text: str) -> None:
    """Validate syntax and that every name is a known variable or function.

    Meant for saving a campaign: a typo such as ``ORDER_AMOUNTT`` would otherwise pass
    silently and make every redemption fall back to the static value.
    """
    formula = parse_formula(text)
    for ref in sorted(formula.references, key=lambda r: r.position):
        known = KNOWN_VARIABLES if ref.kind == "variable" else KNOWN_FUNCTIONS
        if ref.name not in known:
            raise FormulaSyntaxError(f"unknown {ref.kind} {ref.name!r}", text, ref.position)


def evaluate_formula(text: str, context: FormulaContext) -> Result:
    """Evaluate ``text``.  Raises :class:`FormulaEvaluationError` (or, for malformed text,
    :class:`FormulaSyntaxError`); both are :class:`FormulaError`."""
    return parse_formula(text).evaluate(context)


def evaluate_number(text: str, context: FormulaContext, fallback: Decimal) -> tuple[Decimal, bool]:
    """``(value, True)`` for a numeric result, else ``(fallback, False)``.

    Voucherify: "the static value is the fallback when the formula can't be evaluated", so
    any :class:`FormulaError`, a boolean or non-numeric text result, and a number that is not
    finite (``POW(0;-1)`` is Infinity without a trap) yield the fallback.
    """
    try:
        value = evaluate_formula(text, context)
    except FormulaError:
        return fallback, False
    number = None if isinstance(value, bool) else maybe_number(value)
    if number is None or not number.is_finite():
        return fallback, False
    return number, True

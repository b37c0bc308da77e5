"""What the contract tests share: where the shared reference lives, which operations of
Voucherify's spec voucherd implements, and schemathesis cases aimed at real resources."""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from hypothesis import given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from tests.conftest import ROOT
from tests.fuzz.support import FUZZ_SETTINGS
from voucherd.kit.openapi_vendor import METHODS, shape

# CI runs on a clean clone with the reference material beside it (`../shared`), as the
# README's layout has it; a worktree elsewhere names it with VOUCHERD_SHARED_DIR.
SHARED_ENV = "VOUCHERD_SHARED_DIR"


def shared_reference(name: str) -> Path:
    """`../shared/reference/<name>`, or a skip that says where it was looked for."""
    base = Path(os.environ.get(SHARED_ENV) or ROOT.parent / "shared")
    path = base / "reference" / name
    if not path.is_file():
        pytest.skip(
            f"{path} is absent: put the shared reference beside the repository "
            f"(../shared) or set {SHARED_ENV}"
        )
    return path


def param_names(path: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", path)


def operations_of(spec: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(METHOD, shape) -> the spec's own path, for every operation in `spec`."""
    return {
        (method.upper(), shape(path)): path
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    }


def restricted(spec: dict[str, Any], ours: dict[tuple[str, str], str]) -> dict[str, Any]:
    """`spec` with only the operations voucherd serves (its own /openapi.json says which), so
    an endpoint added to voucherd joins the contract run with nothing to edit here."""
    paths: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        kept = {
            m: op for m, op in item.items() if m not in METHODS or (m.upper(), shape(path)) in ours
        }
        if any(m in METHODS for m in kept):
            paths[path] = kept
    return {**spec, "paths": paths}


_generated: dict[tuple[str, str, int], list[Any]] = {}


def _generate(op: Any, mode: GenerationMode, examples: int) -> list[Any]:
    cases: list[Any] = []

    def collect(case: Any) -> None:
        cases.append(case)

    bounded = settings(FUZZ_SETTINGS, max_examples=examples)
    # A schema no value satisfies generates nothing (allowances.patch_spec removes the known
    # ones in Voucherify's spec); the operation is then skipped, not the run.
    with contextlib.suppress(Unsatisfiable):
        bounded(given(op.as_strategy(mode))(collect))()
    return cases


def generated(op: Any, examples: int, modes: list[GenerationMode]) -> list[Any]:
    """`examples` derandomized cases per generation mode, generated once per run and reused
    on the next engine (generating from big schemas is the slow part)."""
    found: list[Any] = []
    for mode in modes:
        key = (f"{op.method.upper()} {op.path}", mode.value, examples)
        if key not in _generated:
            _generated[key] = _generate(op, mode, examples)
        found += _generated[key]
    return found


def aimed(op: Any, real: dict[str, str], cases: list[Any]) -> list[Any]:
    """`cases` with every other one aimed at real resources (`real`, by the operation's own
    parameter names), so bodies reach the code behind the lookups."""
    out = []
    for index, case in enumerate(cases):
        if real and index % 2:
            case = op.Case(
                path_parameters={**(case.path_parameters or {}), **real},
                headers=case.headers,
                cookies=case.cookies,
                query=case.query,
                body=case.body,
                media_type=case.media_type,
                _meta=case.meta,
            )
        out.append(case)
    return out


def load(raw: dict[str, Any], config: SchemathesisConfig | None = None) -> list[Any]:
    schema = schemathesis.openapi.from_dict(raw, config=config)
    return [result.ok() for result in schema.get_all_operations()]


@dataclass(frozen=True)
class Leaf:
    """One innermost schema error: where in the answer, and what."""

    path: tuple[str | int, ...]
    message: str
    kind: str

    def __str__(self) -> str:
        return f"/{'/'.join(map(str, self.path))}: {self.message[:200]}"


def _leaves(error: Any) -> list[Any]:
    """The innermost errors under an anyOf/oneOf: of its branches, the one that got furthest
    into the instance (the branch the answer was meant to match)."""
    context = getattr(error.kind, "context", None)
    if not context:
        return [error]
    best = max(context, key=lambda branch: max((len(e.instance_path) for e in branch), default=0))
    return [leaf for e in best for leaf in _leaves(e)]


def leaves(failure: Any, body: Any) -> list[Leaf]:
    """Each innermost error of a schema failure (schemathesis names only the outer anyOf,
    which says little on Voucherify's schemas). Empty when the failure is not a schema one.

    Validated as schemathesis does for OpenAPI 3.0 (draft 4, formats checked) against the
    response schema it bundled (a private attribute: there is no public one)."""
    root = getattr(failure, "_root_schema", None)
    if not isinstance(root, dict):
        return []
    validator = jsonschema_rs.Draft4Validator(root, validate_formats=True)
    found = [
        Leaf(tuple(leaf.instance_path), leaf.message, type(leaf.kind).__name__)
        for error in validator.iter_errors(body)
        for leaf in _leaves(error)
    ]
    return list(dict.fromkeys(found))


# A schema-valid case may ask for 100 000 vouchers at once; voucherd makes them (the campaign
# tests cover bulk sizes), but here one such request would take the whole time budget.
CAPPED_QUERY = {"vouchers_count": 10}


def capped(params: dict[str, Any] | None) -> dict[str, Any]:
    """The query with the bulk sizes of CAPPED_QUERY capped."""
    out = dict(params or {})
    for name, cap in CAPPED_QUERY.items():
        value = out.get(name)
        if isinstance(value, int | str) and str(value).isdigit() and int(value) > cap:
            out[name] = cap
    return out


def example_cases(op: Any, raw: dict[str, Any], real: dict[str, str]) -> list[Any]:
    """One case per request-body example the spec gives for the operation (Voucherify's
    realistic bodies reach the success answers fuzzed bodies rarely do), aimed at real
    resources; none when a path parameter has no real value to aim at."""
    if len(real) != len(param_names(op.path)):
        return []
    content = (raw.get("requestBody") or {}).get("content", {}).get("application/json", {})
    bodies = [e["value"] for e in (content.get("examples") or {}).values() if "value" in e]
    if "example" in content:
        bodies.append(content["example"])
    return [op.Case(path_parameters=dict(real), body=body) for body in bodies]

"""Validation rule rules: create / replace (validated, references checked, nothing stored on a
400), delete, and assignments to vouchers, campaigns, earning rules and reward assignments.

The objects a rule is assigned to belong to other domains, which register how to find them
(`related`), as categories' `on_delete` does: this module imports none of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.events.service import record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import DuplicateFound, InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.kit.timefmt import iso
from voucherd.product_collections import service as collections
from voucherd.products import service as products
from voucherd.rules import language, references, repository
from voucherd.rules.models import ValidationRule, ValidationRuleAssignment
from voucherd.rules.schemas import ValidationRuleCreate, ValidationRuleFields, ValidationRuleUpdate
from voucherd.rules.serializers import assignment_body, embedded_assignments, rule_body
from voucherd.segments import service as segments

# bundle_rules are parsed (language.parse_bundle_rules, the a.5 subset) but the evaluator does
# not honour them yet: storing one would be a rule silently ignored. The lead flips this when
# `evaluate` checks bundles.
BUNDLE_RULES_EVALUATED = False

# Types an assignment may name that voucherd does not have yet.
_NOT_BUILT = {
    "distribution": "distributions are not built yet",
}


@dataclass(frozen=True)
class Related:
    """An object a rule is assigned to, found by its domain."""

    id: str
    campaign_id: str | None
    # Keys of the assignment events' payload this object fills (`voucher`, `earning_rule`).
    payload: dict[str, Any] = field(default_factory=dict)


Finder = Callable[[AsyncSession, RequestContext, str], Awaitable[Related | None]]
_finders: dict[str, Finder] = {}


def related(object_type: str) -> Callable[[Finder], Finder]:
    """Register how to find an object of `object_type` by its id (None: not in the project)."""

    def register(finder: Finder) -> Finder:
        _finders[object_type] = finder
        return finder

    return register


async def get(session: AsyncSession, ctx: RequestContext, rule_id: str) -> ValidationRule:
    rule = await repository.get(session, ctx.project_id, rule_id)
    if rule is None:
        raise NotFound("validation_rule", rule_id)
    return rule


# --------------------------------------------------------------------------- rules


async def _checked(
    session: AsyncSession, ctx: RequestContext, body: ValidationRuleFields, fields: set[str]
) -> dict[str, Any]:
    """The stored form of the fields sent: parsed strictly, references checked."""
    out: dict[str, Any] = {}
    rules = language.parse_rules(body.rules) if "rules" in fields else None
    targeting = language.parse_targeting(body.applicable_to) if "applicable_to" in fields else None
    bundle = None
    if "bundle_rules" in fields:
        bundle = language.parse_bundle_rules(body.bundle_rules)
        if bundle is not None and not BUNDLE_RULES_EVALUATED:
            raise InvalidPayload("bundle_rules: bundles are not evaluated yet")
        # Voucherify: `bundle_rules: null` clears, and the rule then shows `{}`.
        out["bundle_rules"] = language.dump_bundle_rules(bundle)
    refs = references.references(
        rules or language.parse_rules(None), targeting or language.parse_targeting(None), bundle
    )
    await _check_references(session, ctx, refs)
    if rules is not None:
        out["rules"] = language.dump_rules(rules)
    if targeting is not None:
        out["applicable_to"] = language.dump_targeting(targeting)
    if "error" in fields:
        out["error"] = language.dump_error(language.parse_error(body.error))
    for name in ("type", "context_type"):
        if name in fields and getattr(body, name) is not None:
            out[name] = getattr(body, name)
    return out


async def _check_references(
    session: AsyncSession, ctx: RequestContext, refs: references.References
) -> None:
    """A 400 naming every referenced product, SKU, collection or segment the project lacks
    (one query per kind that is referenced)."""
    unknown: list[str] = []
    if refs.products or refs.skus:
        found = await products.catalogue_entries(session, ctx, refs.products | refs.skus)
        unknown += [
            f"product {i}" for i in sorted(refs.products) if found.get(i, (None, 0))[1] is not None
        ]
        unknown += [f"sku {i}" for i in sorted(refs.skus) if found.get(i, (None, None))[1] is None]
    if refs.collections:
        known = await collections.existing_ids(session, ctx, refs.collections)
        unknown += [f"products_collection {i}" for i in sorted(refs.collections - known)]
    if refs.segments:
        known = await _check_segments(session, ctx, refs.segments)
        unknown += [f"segment {i}" for i in sorted(refs.segments - known)]
    if unknown:
        raise InvalidPayload(f"Unknown {', '.join(unknown)}")


async def _check_segments(session: AsyncSession, ctx: RequestContext, ids: set[str]) -> set[str]:
    """The segment ids that exist in the project (one indexed query)."""
    return await segments.existing_segment_ids(session, ctx, ids)


async def create(
    session: AsyncSession, ctx: RequestContext, body: ValidationRuleCreate
) -> ValidationRule:
    stored = await _checked(
        session, ctx, body, set(body.model_fields_set) | {"rules", "applicable_to"}
    )
    if await repository.name_taken(session, ctx.project_id, body.name):
        raise _duplicate(body.name)
    rule = ValidationRule(
        id=new_id(Prefix.VALIDATION_RULE),
        project_id=ctx.project_id,
        name=body.name,
        created_at=utcnow(),
        **{
            "bundle_rules": None,
            "error": None,
            "type": "expression",
            "context_type": "global",
            **stored,
        },
    )
    await _flush_unique(session, rule)
    await _record(session, ctx, "created", rule, rule.created_at)
    return rule


async def _record(
    session: AsyncSession, ctx: RequestContext, kind: str, rule: ValidationRule, at: Any
) -> None:
    """WH `EventBusValRule<Kind>Data`: the rule and `<kind>_at`."""
    await record_event(
        session,
        ctx,
        f"business_validation_rule.{kind}",
        entity_id=rule.id,
        data={"rule": rule_body(rule), f"{kind}_at": iso(at)},
    )


def _duplicate(name: str) -> DuplicateFound:
    return DuplicateFound(
        f"Validation rule named {name} already exists", resource_type="validation_rules"
    )


async def _flush_unique(session: AsyncSession, rule: ValidationRule) -> None:
    try:
        # In a savepoint: the unique (project, name) index settles two concurrent writes of
        # one name, and only this statement fails.
        async with session.begin_nested():
            session.add(rule)
            await session.flush()
    except IntegrityError as exc:
        raise _duplicate(rule.name) from exc


async def update(
    session: AsyncSession, ctx: RequestContext, rule_id: str, body: ValidationRuleUpdate
) -> ValidationRule:
    rule = await get(session, ctx, rule_id)
    fields = set(body.model_fields_set)
    stored = await _checked(session, ctx, body, fields)
    if body.name is not None and body.name != rule.name:
        if await repository.name_taken(session, ctx.project_id, body.name, other_than=rule.id):
            raise _duplicate(body.name)
        rule.name = body.name
    for name, value in stored.items():
        setattr(rule, name, value)
    rule.updated_at = utcnow()
    await _flush_unique(session, rule)
    await _record(session, ctx, "updated", rule, rule.updated_at)
    return rule


async def delete(session: AsyncSession, ctx: RequestContext, rule_id: str) -> None:
    """Deletes the rule and its assignments (no assignment events: Voucherify sends only
    `business_validation_rule.deleted`)."""
    rule = await get(session, ctx, rule_id)
    body = rule_body(rule)
    await repository.delete_assignments_of_rule(session, rule.id)
    await session.delete(rule)
    await session.flush()
    await record_event(
        session,
        ctx,
        "business_validation_rule.deleted",
        entity_id=rule_id,
        data={"rule": body, "deleted_at": iso(utcnow())},
    )


async def counts(session: AsyncSession, rules: Collection[ValidationRule]) -> dict[str, int]:
    return await repository.assignments_count(session, [rule.id for rule in rules])


# --------------------------------------------------------------------------- assignments


async def _find_related(
    session: AsyncSession, ctx: RequestContext, object_type: str | None, object_id: str
) -> tuple[str, Related]:
    kind = object_type or "voucher"
    if kind in _NOT_BUILT:
        raise InvalidPayload(f"related_object_type {kind} is not supported: {_NOT_BUILT[kind]}")
    found = await _finders[kind](session, ctx, object_id)
    if found is None:
        raise NotFound(kind, object_id)
    return kind, found


async def assign(
    session: AsyncSession,
    ctx: RequestContext,
    rule_id: str,
    object_type: str | None,
    object_id: str,
    *,
    force: bool = False,
) -> ValidationRuleAssignment:
    rule = await get(session, ctx, rule_id)
    kind, target = await _find_related(session, ctx, object_type, object_id)
    return await _assign(session, ctx, rule, kind, target, force=force)


async def _assign(
    session: AsyncSession,
    ctx: RequestContext,
    rule: ValidationRule,
    kind: str,
    target: Related,
    *,
    force: bool,
) -> ValidationRuleAssignment:
    existing = await repository.find_assignment(session, rule.id, target.id)
    if existing is not None:
        if not force:
            raise _already(rule, kind, target)
        # `?force=true` replaces the identical assignment.
        await _unassign(session, ctx, rule, existing)
    assignment = ValidationRuleAssignment(
        id=new_id(Prefix.RULE_ASSIGNMENT),
        project_id=ctx.project_id,
        rule_id=rule.id,
        related_object_type=kind,
        related_object_id=target.id,
        created_at=utcnow(),
    )
    try:
        # The unique (rule, object) index settles two concurrent assignments of one pair.
        async with session.begin_nested():
            session.add(assignment)
            await session.flush()
    except IntegrityError as exc:
        raise _already(rule, kind, target) from exc
    await _record_assignment(session, ctx, "created", rule, assignment, target)
    return assignment


def _already(rule: ValidationRule, kind: str, target: Related) -> DuplicateFound:
    return DuplicateFound(
        f"Validation rule {rule.id} is already assigned to {kind} {target.id}",
        resource_type="validation_rules_assignment",
    )


async def _record_assignment(
    session: AsyncSession,
    ctx: RequestContext,
    kind: str,
    rule: ValidationRule,
    assignment: ValidationRuleAssignment,
    target: Related | None,
) -> None:
    # WH `EventBusValRuleAssignment*Data`: the rule, the assignment, the object's campaign as
    # {id, object}, the object itself under its type (a voucher only when it is one), and
    # null for the types voucherd lacks.
    campaign_id = target.campaign_id if target is not None else None
    data: dict[str, Any] = {
        "rule": rule_body(rule),
        "assignment": assignment_body(assignment),
        "campaign": {"id": campaign_id, "object": "campaign"} if campaign_id else None,
        "distribution": None,
        "earning_rule": None,
        "promotion_tier": None,
        **(target.payload if target is not None else {}),
    }
    await record_event(
        session,
        ctx,
        f"business_validation_rule.assignment.{kind}",
        entity_id=assignment.id,
        data=data,
    )


async def _unassign(
    session: AsyncSession,
    ctx: RequestContext,
    rule: ValidationRule,
    assignment: ValidationRuleAssignment,
) -> None:
    finder = _finders.get(assignment.related_object_type)
    target = await finder(session, ctx, assignment.related_object_id) if finder else None
    await session.delete(assignment)
    await session.flush()
    await _record_assignment(session, ctx, "deleted", rule, assignment, target)


async def unassign(
    session: AsyncSession, ctx: RequestContext, rule_id: str, assignment_id: str
) -> None:
    rule = await get(session, ctx, rule_id)
    assignment = await repository.get_assignment(session, ctx.project_id, rule.id, assignment_id)
    if assignment is None:
        raise NotFound("validation_rules_assignment", assignment_id)
    await _unassign(session, ctx, rule, assignment)


# --------------------------------------------------------------------------- inline


async def assign_inline(
    session: AsyncSession,
    ctx: RequestContext,
    rule_ids: Sequence[str],
    object_type: str,
    object_id: str,
) -> None:
    """`validation_rules: [id]` on a campaign / voucher / reward assignment create or update,
    `validation_rule_id` on an earning rule: the object then has exactly these rules (the
    others of its assignments are removed), in the caller's transaction."""
    wanted = list(dict.fromkeys(rule_ids))
    found = await repository.get_many(session, ctx.project_id, wanted)
    for rule_id in wanted:
        if rule_id not in found:
            raise NotFound("validation_rule", rule_id)
    current = await repository.assignments_of(session, ctx.project_id, [object_id])
    have = {a.rule_id for a in current}
    for assignment in current:
        if assignment.rule_id not in wanted:
            await _unassign(session, ctx, await get(session, ctx, assignment.rule_id), assignment)
    missing = [rule_id for rule_id in wanted if rule_id not in have]
    if missing:
        _, target = await _find_related(session, ctx, object_type, object_id)
        for rule_id in missing:
            await _assign(session, ctx, found[rule_id], object_type, target, force=False)


async def assignments_of(
    session: AsyncSession, ctx: RequestContext, object_ids: Collection[str]
) -> dict[str, list[ValidationRuleAssignment]]:
    """Assignments per object id, for embedding (one query)."""
    out: dict[str, list[ValidationRuleAssignment]] = {i: [] for i in object_ids}
    for assignment in await repository.assignments_of(session, ctx.project_id, object_ids):
        out.setdefault(assignment.related_object_id, []).append(assignment)
    return out


async def embedded(session: AsyncSession, ctx: RequestContext, object_id: str) -> dict[str, Any]:
    """`validation_rules_assignments` of a campaign or voucher response."""
    found = await repository.assignments_of(session, ctx.project_id, [object_id])
    return embedded_assignments(found)


async def rule_id_of(session: AsyncSession, ctx: RequestContext, object_id: str) -> str | None:
    """An earning rule's `validation_rule_id`: the rule assigned to it (at most one)."""
    found = await repository.assignments_of(session, ctx.project_id, [object_id])
    return found[0].rule_id if found else None

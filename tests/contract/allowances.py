"""The ONE list of Voucherify-spec quirks the contract test works around, each with its reason.

Anything not excused here is a defect in voucherd and fails `test_voucherify_contract.py`.
`test_allowances.py` checks each entry still describes the spec (so none outlives its cause).
"""

from __future__ import annotations

from typing import Any

from tests.contract.support import Leaf

# 1. The spec's `oneOf`s are not exclusive: no discriminator, no `additionalProperties: false`,
#    so a valid object matches several branches. A `RewardType` `{"coin": {...}}` "is valid
#    under more than one of the schemas", and `PUT /v1/vouchers/{code}` and
#    `PUT /v1/campaigns/{campaignId}` bodies cannot be generated at all (Unsatisfiable after
#    a minute each). Read as `anyOf`, which is what the spec means: "one of these shapes".
ONE_OF_AS_ANY_OF = "the spec's oneOf branches overlap (no discriminator); read as anyOf"

# 2. Keys the schema types as non-null objects/arrays although the spec's own response
#    examples return them as `null` (a voucher without validity settings, a gift card's
#    `discount`, a discount voucher's `gift`). voucherd answers as the examples do. Excused
#    only where the examples have them null: `discount` / `gift` only on a voucher (or a
#    campaign's voucher template) of another type.
NULLS_THE_EXAMPLES_RETURN: dict[str, str] = {
    "validity_timeframe": "a voucher/campaign with no timeframe: the spec's examples send null",
    "validity_day_of_week": "a voucher/campaign with no weekdays: the spec's examples send null",
    "validity_hours": "a voucher with no daily hours: the spec's examples send null",
    "discount": "a gift card or loyalty card has no discount: the spec's examples send null",
    "gift": "a discount voucher has no gift balance: the spec's examples send null",
}
# The voucher type that must carry the key (a null there is voucherd's defect).
OWNER_TYPE = {"discount": "DISCOUNT_VOUCHER", "gift": "GIFT_VOUCHER"}


# 3. Operations whose response schema contradicts the spec's own text or schemas elsewhere:
#    (operation-path fragment, start of the error message) -> the reason.
SPEC_CONTRADICTIONS: dict[tuple[str, str], str] = {
    ("/v1/metadata-schemas", '"data" is a required property'): (
        "MetadataSchemasListResponseBody requires `data` but its list is `schemas` "
        "(data_ref enum [schemas]); voucherd answers `schemas`, as the SDK reads"
    ),
    ("/export", "is not one of"): (
        "the Export schema's per-object enums miss what the spec's export text allows: "
        "`metadata.<key>` fields and the order, points-expiration and transaction objects "
        "(VOUCHERIFY-RULES i: 7 exported objects in the schema, 9 in the text and SDK)"
    ),
    ("/v1/exports", "is not one of"): (
        "as above: GET /v1/exports lists exports of the objects the Export schema omits"
    ),
    ("/export", "is not of type"): (
        "an export echoes its filters as sent; the spec's own request examples give date "
        "conditions as lists where the response schema types them as strings"
    ),
    ("/v1/redemptions", '"redemption_rollback" is not one of'): (
        "voucherd lists rollbacks (RedemptionRollback, object redemption_rollback) beside the "
        "redemptions they undo (issue 11); the spec's list item has no rollback variant"
    ),
    ("/activity", "is a required property"): (
        "activity entries carry their event's payload as the webhooks spec (v2024-01-01) "
        "shapes it (checked against the seeds); the REST spec's MemberActivityData branches "
        "require other keys"
    ),
}


def contradiction(operation: str, leaf: Leaf) -> str | None:
    for (fragment, message), reason in SPEC_CONTRADICTIONS.items():
        if fragment in operation and message in leaf.message:
            return reason
    return None


def _any_of(node: Any) -> Any:
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): _any_of(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_any_of(v) for v in node]
    return node


def patch_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec as the contract test reads it (entry 1)."""
    patched: dict[str, Any] = _any_of(spec)
    return patched


def _parent(body: Any, path: tuple[str | int, ...]) -> Any:
    for step in path[:-1]:
        try:
            body = body[step]
        except (KeyError, IndexError, TypeError):
            return None
    return body


def excuse(leaf: Leaf, body: Any) -> str | None:
    """The reason an innermost schema error in the answer `body` is the spec's fault, or None
    when it is voucherd's."""
    name = leaf.path[-1] if leaf.path else None
    if not (
        isinstance(name, str)
        and name in NULLS_THE_EXAMPLES_RETURN
        and leaf.message.startswith("null is not of type")
    ):
        return None
    parent = _parent(body, leaf.path)
    if name in OWNER_TYPE and (
        not isinstance(parent, dict)
        or parent.get("type")
        in (
            OWNER_TYPE[name],
            None,
        )
    ):
        return None
    return f"{name}: {NULLS_THE_EXAMPLES_RETURN[name]}"


def nulls_in_examples(spec: dict[str, Any]) -> set[str]:
    """Every key the spec's examples show as null (what entry 2 is checked against)."""
    found: set[str] = set()

    def walk(node: Any, in_example: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if in_example and value is None:
                    found.add(key)
                walk(value, in_example or key in ("example", "examples"))
        elif isinstance(node, list):
            for value in node:
                walk(value, in_example)

    walk(spec, False)
    return found

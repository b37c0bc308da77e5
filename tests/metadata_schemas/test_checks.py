"""The pure metadata checks: a schema's rules, one per test, and properties over random
schemas (valid metadata passes; one broken value is reported under its own key)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from voucherd.metadata_schemas.checks import Schema, definition_problems, violations


def _d(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "array": False, "optional": True, "object_type": None, **extra}


def _schema(allow_defined_only: bool = False, **props: dict[str, Any]) -> Schema:
    return Schema("customer", props, allow_defined_only)


def _keys(schema: Schema, metadata: dict[str, Any], **kw: Any) -> list[str]:
    return [v.key for v in violations(schema, metadata, **kw)]


def test_a_required_key_missing_or_null_is_reported() -> None:
    schema = _schema(tier=_d("string", optional=False))
    assert _keys(schema, {}) == ["metadata.tier"]
    assert _keys(schema, {"tier": None}) == ["metadata.tier"]
    assert _keys(schema, {"tier": "gold"}) == []


def test_an_optional_key_may_be_absent() -> None:
    assert _keys(_schema(tier=_d("string")), {}) == []


def test_each_type_refuses_values_of_another() -> None:
    cases: dict[str, tuple[list[Any], list[Any]]] = {
        "string": (["x", ""], [1, True, {}, []]),
        "number": ([1, 2.5, -3], ["1", True, float("nan"), float("inf")]),
        "boolean": ([True, False], [1, "true", 0]),
        "object": ([{}, {"a": 1}], [[], "x"]),
        "date": (["2024-05-13"], ["2024-13-01", "2024-05-13T10:00:00Z", "13/05/2024", 20240513]),
        "datetime": (
            ["2024-05-13T10:24:01.084Z", "2024-05-13T10:24:01+02:00"],
            ["2024-05-13", "yesterday", 1715595841],
        ),
        "image_url": (["https://cdn.example/a.png"], ["ftp://x/a.png", "a.png", "https://"]),
        "geopoint": (
            [{"type": "Point", "coordinates": [21.0, 52.2]}, {"lat": 52.2, "lng": 21.0}],
            [{"lat": 95, "lng": 0}, [52.2, 21.0], {"type": "Point", "coordinates": [0]}],
        ),
    }
    for kind, (good, bad) in cases.items():
        schema = _schema(k=_d(kind))
        for value in good:
            assert _keys(schema, {"k": value}) == [], (kind, value)
        for value in bad:
            assert _keys(schema, {"k": value}) == ["metadata.k"], (kind, value)


def test_arrays_check_every_item_by_index() -> None:
    schema = _schema(ids=_d("string", array=True, exact_length=2))
    assert _keys(schema, {"ids": ["ab", "cd"]}) == []
    assert _keys(schema, {"ids": "ab"}) == ["metadata.ids"]
    assert _keys(schema, {"ids": ["ab", "c", 3]}) == ["metadata.ids[1]", "metadata.ids[2]"]


def test_string_lengths() -> None:
    schema = _schema(s=_d("string", min_length=2, max_length=4))
    assert [_keys(schema, {"s": v}) for v in ("a", "ab", "abcd", "abcde")] == [
        ["metadata.s"],
        [],
        [],
        ["metadata.s"],
    ]


def test_number_bounds_and_lists() -> None:
    schema = _schema(n=_d("number", gt=0, lte=10, ne=[5]))
    assert [bool(_keys(schema, {"n": v})) for v in (0, 0.5, 5, 10, 10.01)] == [
        True,
        False,
        True,
        False,
        True,
    ]
    choices = _schema(region=_d("string", eq=["EU", "US"]))
    assert _keys(choices, {"region": "EU"}) == []
    [problem] = violations(choices, {"region": "APAC"})
    assert str(problem) == "metadata.region must be one of EU, US"


def test_allow_defined_only_refuses_unknown_keys_and_deleted_definitions() -> None:
    schema = _schema(True, a=_d("string"), old=_d("string", deleted=True))
    assert _keys(schema, {"a": "x"}) == []
    assert _keys(schema, {"a": "x", "b": 1, "old": "y"}) == ["metadata.b", "metadata.old"]
    # Without the flag unknown keys pass, and a deleted definition no longer applies.
    loose = _schema(a=_d("string"), old=_d("number", deleted=True, optional=False))
    assert _keys(loose, {"b": 1, "old": "not a number"}) == []


def test_nested_objects_follow_their_object_type_one_level() -> None:
    payment = Schema("Payment", {"method": _d("string", optional=False, eq=["card", "cash"])})
    schema = _schema(pay=_d("object", object_type="Payment"))
    find = {"Payment": payment}.get
    assert _keys(schema, {"pay": {"method": "card"}}, nested=find) == []
    assert _keys(schema, {"pay": {"method": "iou"}}, nested=find) == ["metadata.pay.method"]
    assert _keys(schema, {"pay": {}}, nested=find) == ["metadata.pay.method"]
    # An object type no schema defines: any object.
    assert _keys(schema, {"pay": {"x": 1}}) == []


def test_definitions_refuse_constraints_their_type_does_not_take() -> None:
    assert definition_problems(_d("string", min_length=1)) == []
    assert definition_problems(_d("color")) != []
    assert definition_problems(_d("boolean", lt=3)) == ["lt is not allowed for type boolean"]
    assert definition_problems(_d("number", max_length=3)) == [
        "max_length is not allowed for type number"
    ]
    assert definition_problems(_d("string", min_length=5, max_length=2)) != []
    assert definition_problems(_d("string", object_type="Payment")) != []


# Properties over random schemas.
_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "string": st.text(max_size=8),
    "number": st.integers(-1000, 1000) | st.floats(-1e6, 1e6, allow_nan=False),
    "boolean": st.booleans(),
    "date": st.dates().map(lambda d: d.isoformat()),
    "object": st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
}
_WRONG: dict[str, Any] = {
    "string": 7,
    "number": "7",
    "boolean": "yes",
    "date": "tomorrow",
    "object": ["not", "an", "object"],
}
_names = st.text("abcdefgh", min_size=1, max_size=6)


@st.composite
def _schema_and_metadata(draw: st.DrawFn) -> tuple[Schema, dict[str, Any]]:
    kinds = draw(st.dictionaries(_names, st.sampled_from(sorted(_VALUES)), max_size=6))
    props: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    for key, kind in kinds.items():
        array = draw(st.booleans())
        optional = draw(st.booleans())
        props[key] = _d(kind, array=array, optional=optional)
        if not optional or draw(st.booleans()):
            value = _VALUES[kind]
            metadata[key] = draw(st.lists(value, max_size=3)) if array else draw(value)
    return Schema("customer", props, draw(st.booleans())), metadata


@given(_schema_and_metadata())
def test_metadata_built_to_the_schema_passes(case: tuple[Schema, dict[str, Any]]) -> None:
    schema, metadata = case
    assert violations(schema, metadata) == []


@given(_schema_and_metadata(), st.data())
def test_one_wrong_value_is_reported_under_its_key_alone(
    case: tuple[Schema, dict[str, Any]], data: st.DataObject
) -> None:
    schema, metadata = case
    present = sorted(k for k in metadata if not schema.properties[k]["array"])
    if not present:
        return
    key = data.draw(st.sampled_from(present))
    metadata[key] = _WRONG[schema.properties[key]["type"]]
    assert [v.key for v in violations(schema, metadata)] == [f"metadata.{key}"]


@given(_schema_and_metadata(), _names)
def test_an_undefined_key_fails_only_under_allow_defined_only(
    case: tuple[Schema, dict[str, Any]], extra: str
) -> None:
    schema, metadata = case
    if extra in schema.properties:
        return
    metadata[extra] = "anything"
    expected = [f"metadata.{extra}"] if schema.allow_defined_only else []
    assert [v.key for v in violations(schema, metadata)] == expected

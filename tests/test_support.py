"""The seed shape helper fails on what it says it checks (no database needed)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import assert_same_shape

SEED: dict[str, Any] = {
    "id": "v_1",
    "count": 3,
    "active": True,
    "ratio": 0.5,
    "note": None,
    "tags": [],
    "categories": [{"id": "cat_1", "hierarchy": 10}],
}


def _actual(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "v_2",
        "count": 7,
        "active": False,
        "ratio": 1.5,
        "note": "anything: null says nothing about the type",
        "tags": [{"any": "shape"}],
        "categories": [{"id": "cat_2", "hierarchy": 1}, {"id": "cat_3", "hierarchy": 2}],
        "extra": "allowed",
    }
    return body | changes


def test_matching_shapes_pass() -> None:
    assert_same_shape(SEED, _actual())


@pytest.mark.parametrize(
    ("actual", "message"),
    [
        ({k: v for k, v in _actual().items() if k != "count"}, "data: missing keys ['count']"),
        (_actual(count="3"), "data.count: expected integer"),
        (_actual(count=True), "data.count: expected integer"),
        (_actual(active=1), "data.active: expected boolean"),
        (_actual(ratio=1), "data.ratio: expected number"),
        (_actual(id=None), "data.id: expected string"),
        (_actual(categories=None), "data.categories: expected array"),
        (_actual(categories={}), "data.categories: expected array"),
        # A populated seed list needs items: an empty list proves nothing about them.
        (_actual(categories=[]), "data.categories: expected items like"),
        # Every item has the shape of the seed's first one, not only the first item.
        (
            _actual(categories=[{"id": "cat_2", "hierarchy": 1}, {"id": "cat_3"}]),
            "data.categories[1]: missing keys ['hierarchy']",
        ),
        (
            _actual(categories=[{"id": "cat_2", "hierarchy": 1}, {"id": 3, "hierarchy": 2}]),
            "data.categories[1].id: expected string",
        ),
        ([], "data: expected object"),
    ],
)
def test_shape_mismatches_fail(actual: Any, message: str) -> None:
    with pytest.raises(AssertionError) as failure:
        assert_same_shape(SEED, actual)
    assert str(failure.value).startswith(message), str(failure.value)


def test_a_longer_seed_list_is_judged_by_its_first_item() -> None:
    seed = {"items": [{"a": 1}, {"b": "x"}]}
    assert_same_shape(seed, {"items": [{"a": 2}, {"a": 3}]})
    with pytest.raises(AssertionError, match=r"data.items\[1\]: missing keys \['a'\]"):
        assert_same_shape(seed, {"items": [{"a": 2}, {"b": "y"}]})

"""What counts as a field left unset (accepted even where the field is not supported)."""

from __future__ import annotations

from typing import Any

import pytest

from voucherd.kit.bodies import is_unset


@pytest.mark.parametrize(
    "value",
    [None, False, "", [], {}, {"interval": None, "duration": None}, {"a": {"b": []}}],
)
def test_left_alone_values_are_unset(value: Any) -> None:
    assert is_unset(value)


@pytest.mark.parametrize(
    "value", [True, 0, "P1D", [1], [None], {"interval": "P1D"}, {"a": {"b": [1]}}]
)
def test_set_values_are_not_unset(value: Any) -> None:
    assert not is_unset(value)

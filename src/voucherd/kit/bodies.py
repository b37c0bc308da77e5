"""The base of request bodies: Voucherify's documented fields voucherd cannot honour yet.

Every field of a create or update that Voucherify's API reference documents is either stored
and returned, or refused with a 400 naming it; never accepted and silently dropped (a
merchant who sets `validity_timeframe` and sees 200 believes the voucher is restricted).
A body model lists the spec fields it refuses in `unsupported`; a value there is refused
unless it is unset (see `is_unset`), because SDKs and connectors send `null`, `[]` or
`false` for every field the caller left alone. Fields Voucherify does not document are
still ignored, as Voucherify ignores them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

from voucherd.kit.errors import InvalidPayload


def is_unset(value: Any) -> bool:
    """True for what a client sends for a field it did not set: null, false, "", [], {} or an
    object holding only such values (`{"interval": null, "duration": null}`).

    `false` counts as unset because every unsupported boolean's default is false: it asks
    for no behaviour."""
    if value is None or value is False or value in ("", [], {}):
        return True
    if isinstance(value, dict):
        return all(is_unset(item) for item in value.values())
    return False


class RequestBody(BaseModel):
    """A create/update body: unknown fields ignored, `unsupported` spec fields refused."""

    model_config = ConfigDict(extra="ignore")

    # Spec fields that would need behaviour voucherd lacks (validation rules, validity
    # windows, ...): refused when set, so nobody relies on a rule that is not enforced.
    unsupported: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _refuse_unsupported(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name in sorted(cls.unsupported):
                if name in data and not is_unset(data[name]):
                    # Raised as is (not a ValueError): pydantic passes it through, and the
                    # error handler renders the 400 with the field's name.
                    raise InvalidPayload(f"{name} is not supported yet")
        return data

"""Request models for discounts and gifts, checked when a campaign or voucher is saved."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from voucherd.discounts.calculation import EFFECTS, UNIT_EFFECTS
from voucherd.discounts.formula import FormulaSyntaxError, check_formula
from voucherd.kit.errors import ApiError
from voucherd.kit.money import MAX_AMOUNT

Number = StrictInt | StrictFloat
DEFAULT_EFFECT = {
    "AMOUNT": "APPLY_TO_ORDER",
    "PERCENT": "APPLY_TO_ORDER",
    "FIXED": "APPLY_TO_ORDER",
    "UNIT": "ADD_MISSING_ITEMS",
}
# Limit fields and the discount types that apply them (see DiscountSpec._consistent).
LIMIT_FIELDS = {
    "amount_limit": ("PERCENT",),
    "aggregated_amount_limit": ("AMOUNT", "PERCENT"),
}
FORMULA_FIELDS = (
    "amount_off_formula",
    "percent_off_formula",
    "fixed_amount_formula",
    "unit_off_formula",
)


class InvalidFormula(ApiError):
    status = 400
    key = "invalid_formula"
    message = "Invalid formula"


def check_formula_field(field: str, text: str) -> None:
    try:
        check_formula(text)
    except FormulaSyntaxError as exc:
        raise InvalidFormula(f"{field}: {exc}", extra={"position": exc.position}) from exc


class UnitSpec(BaseModel):
    model_config = ConfigDict(extra="ignore")

    unit_off: StrictInt | None = Field(default=None, ge=0, le=1_000_000)
    unit_off_formula: StrictStr | None = Field(default=None, max_length=10_000)
    unit_type: StrictStr | None = Field(default=None, max_length=200)
    effect: Literal["ADD_NEW_ITEMS", "ADD_MISSING_ITEMS"] = "ADD_MISSING_ITEMS"


class DiscountSpec(BaseModel):
    """Voucherify's `Discount` (AMOUNT | PERCENT | FIXED | UNIT); money in integer cents."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["AMOUNT", "PERCENT", "FIXED", "UNIT"]
    effect: StrictStr | None = None
    amount_off: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    amount_off_formula: StrictStr | None = Field(default=None, max_length=10_000)
    percent_off: Number | None = Field(default=None, ge=0, le=100)
    percent_off_formula: StrictStr | None = Field(default=None, max_length=10_000)
    amount_limit: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    aggregated_amount_limit: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    fixed_amount: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    fixed_amount_formula: StrictStr | None = Field(default=None, max_length=10_000)
    unit_off: StrictInt | None = Field(default=None, ge=0, le=1_000_000)
    unit_off_formula: StrictStr | None = Field(default=None, max_length=10_000)
    unit_type: StrictStr | None = Field(default=None, max_length=200)
    units: list[UnitSpec] | None = Field(default=None, max_length=50)

    @model_validator(mode="after")
    def _consistent(self) -> DiscountSpec:
        self.effect = self.effect or DEFAULT_EFFECT[self.type]
        if self.effect not in EFFECTS[self.type]:
            raise ValueError(f"effect {self.effect} is not allowed for a {self.type} discount")
        required = {"AMOUNT": "amount_off", "PERCENT": "percent_off", "FIXED": "fixed_amount"}
        value_field = required.get(self.type)
        if (
            value_field
            and getattr(self, value_field) is None
            and not getattr(self, f"{value_field}_formula")
        ):
            raise ValueError(f"a {self.type} discount needs {value_field}")
        # A limit the calculation would not apply is refused, never stored and ignored:
        # Voucherify defines amount_limit for PERCENT only and aggregated_amount_limit for
        # AMOUNT and PERCENT (DiscountAmount / DiscountPercent in its OpenAPI spec).
        for limit, types in LIMIT_FIELDS.items():
            if getattr(self, limit) is not None and self.type not in types:
                raise ValueError(f"{limit} is not supported for {self.type} discounts")
        if self.type == "UNIT":
            if self.effect == "ADD_MANY_ITEMS":
                if not self.units:
                    raise ValueError("an ADD_MANY_ITEMS discount needs units")
                for unit in self.units:
                    if unit.effect not in UNIT_EFFECTS or not unit.unit_type:
                        raise ValueError("each unit needs unit_type and an ADD_* effect")
            elif not self.unit_type or (self.unit_off is None and not self.unit_off_formula):
                raise ValueError("a UNIT discount needs unit_off and unit_type")
        return self

    def check_formulas(self) -> None:
        for name in FORMULA_FIELDS:
            text = getattr(self, name)
            if text:
                check_formula_field(f"discount.{name}", text)
        for unit in self.units or ():
            if unit.unit_off_formula:
                check_formula_field("discount.units.unit_off_formula", unit.unit_off_formula)

    def as_stored(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class GiftSpec(BaseModel):
    model_config = ConfigDict(extra="ignore")

    amount: StrictInt = Field(ge=0, le=MAX_AMOUNT)
    balance: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    effect: Literal["APPLY_TO_ORDER", "APPLY_TO_ITEMS"] = "APPLY_TO_ORDER"

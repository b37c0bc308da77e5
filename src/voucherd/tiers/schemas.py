"""Request bodies of the tiers domain: `POST /v1/loyalties/{campaignId}/tiers` (an array)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

from voucherd.kit.money import MAX_POINTS

# A program's tiers are a handful of levels; one request may carry them all.
MAX_TIERS_PER_REQUEST = 100
# Keys of the mappings are `ern_…` / `rew_…` / `rewa_…` ids.
MAX_ID_LENGTH = 64


class MappingMultiply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["MULTIPLY"]
    multiplier: StrictInt | StrictFloat = Field(gt=0, le=1_000_000)


class MappingFixed(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["CUSTOM"]
    points: StrictInt = Field(ge=0, le=MAX_POINTS)


# Voucherify's `MappingPoints`.
MappingPoints = Annotated[MappingMultiply | MappingFixed, Field(discriminator="type")]


class TierPoints(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    from_: StrictInt = Field(alias="from", ge=0, le=MAX_POINTS)
    to: StrictInt | None = Field(default=None, le=MAX_POINTS)

    @model_validator(mode="after")
    def _to_above_from(self) -> TierPoints:
        if self.to is not None and self.to <= self.from_:
            raise ValueError("points.to must be greater than points.from")
        return self


class TierCreate(BaseModel):
    """One item of the bulk body (`LoyaltiesTiersCreateInBulkRequestBody`)."""

    model_config = ConfigDict(extra="ignore")

    name: StrictStr = Field(min_length=1, max_length=500)
    points: TierPoints
    earning_rules: dict[str, MappingPoints] | None = None
    rewards: dict[str, MappingPoints] | None = None
    metadata: dict[str, Any] | None = None

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value

    @field_validator("earning_rules", "rewards")
    @classmethod
    def _short_keys(
        cls, value: dict[str, MappingMultiply | MappingFixed] | None
    ) -> dict[str, MappingMultiply | MappingFixed] | None:
        for key in value or {}:
            if not key or len(key) > MAX_ID_LENGTH:
                raise ValueError(f"'{key[:80]}' is not an id")
        return value

    def stored_mapping(self, field: Literal["earning_rules", "rewards"]) -> dict[str, Any]:
        mapping = getattr(self, field) or {}
        return {key: value.model_dump() for key, value in mapping.items()}


TiersCreate = Annotated[list[TierCreate], Field(min_length=1, max_length=MAX_TIERS_PER_REQUEST)]

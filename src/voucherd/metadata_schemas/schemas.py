"""Metadata schema request and response bodies (`ManagementProjectsMetadataSchemas*`,
`MetadataSchemaDeprecated`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

from voucherd.kit.bodies import RequestBody
from voucherd.metadata_schemas.checks import definition_problems

# Voucherify's docs: "Each resource can contain up to 100 definitions".
MAX_DEFINITIONS = 100
MAX_NAME = 200

Number = StrictInt | StrictFloat
Length = StrictInt


def _both(snake: str, camel: str) -> Any:
    # The Management API writes snake_case, `/v1/metadata-schemas` answers camelCase: a body
    # copied from a GET is accepted rather than silently losing its constraints.
    return Field(default=None, validation_alias=AliasChoices(snake, camel), ge=0)


class DefinitionIn(BaseModel):
    """`ManagementProjectsMetadataSchemaDefinition`; unknown fields are refused, since a
    misspelt constraint would otherwise be dropped and never enforced."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: Literal[
        "string", "number", "object", "date", "datetime", "geopoint", "boolean", "image_url"
    ]
    optional: StrictBool | None = None
    array: StrictBool | None = None
    deleted: StrictBool | None = None
    object_type: StrictStr | None = Field(
        default=None, validation_alias=AliasChoices("object_type", "objectType"), max_length=200
    )
    min_length: Length | None = _both("min_length", "minLength")
    max_length: Length | None = _both("max_length", "maxLength")
    exact_length: Length | None = _both("exact_length", "exactLength")
    eq: list[StrictStr | Number] | None = None
    ne: list[Number] | None = None
    lt: Number | None = None
    lte: Number | None = None
    gt: Number | None = None
    gte: Number | None = None

    def stored(self) -> dict[str, Any]:
        """The stored form: type, array, optional and object_type always, the rest when set."""
        body: dict[str, Any] = {
            "type": self.type,
            "array": bool(self.array),
            # Voucherify's dashboard makes a new definition optional unless told otherwise.
            "optional": self.optional is not False,
            "object_type": self.object_type,
        }
        extra = self.model_dump(
            exclude={"type", "array", "optional", "object_type"}, exclude_none=True
        )
        if not extra.get("deleted"):
            extra.pop("deleted", None)
        return {**body, **extra}

    @model_validator(mode="after")
    def _consistent(self) -> DefinitionIn:
        problems = definition_problems(self.stored())
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _check_properties(value: dict[str, DefinitionIn] | None) -> dict[str, DefinitionIn] | None:
    if value is None:
        return None
    if len(value) > MAX_DEFINITIONS:
        raise ValueError(f"at most {MAX_DEFINITIONS} definitions per schema")
    for key in value:
        if not key or len(key) > MAX_NAME:
            raise ValueError(f"a property name must be 1 to {MAX_NAME} characters")
    return value


class MetadataSchemaCreate(RequestBody):
    related_object: StrictStr = Field(min_length=1, max_length=MAX_NAME)
    properties: dict[str, DefinitionIn]
    allow_defined_only: StrictBool | None = None

    _properties = field_validator("properties")(_check_properties)


class MetadataSchemaUpdate(RequestBody):
    properties: dict[str, DefinitionIn] | None = None
    allow_defined_only: StrictBool | None = None

    _properties = field_validator("properties")(_check_properties)


class MetadataSchemaOut(BaseModel):
    id: str
    related_object: str
    properties: dict[str, dict[str, Any]]
    allow_defined_only: bool
    created_at: str
    updated_at: str | None = None
    object: str


class MetadataSchemasListOut(BaseModel):
    object: str
    data_ref: str
    schemas: list[MetadataSchemaOut]
    total: int


class ManagementMetadataSchemasListOut(BaseModel):
    object: str
    data_ref: str
    data: list[MetadataSchemaOut]
    total: int

"""Metadata schemas on the wire: `/v1` answers camelCase definitions
(`MetadataSchemaDefinitionDeprecated`), the Management API snake_case ones."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from voucherd.kit.timefmt import iso
from voucherd.metadata_schemas.models import MetadataSchema

# Stored (snake_case) name -> `/v1` name; the rest are spelt alike.
_CAMEL = {
    "object_type": "objectType",
    "min_length": "minLength",
    "max_length": "maxLength",
    "exact_length": "exactLength",
}
# Voucherify's examples show these on every definition (objectType as null) and the
# constraints only when set.
_ALWAYS = ("type", "array", "optional", "object_type")


def _definition(stored: Mapping[str, Any], rename: Callable[[str], str]) -> dict[str, Any]:
    body = {rename(name): stored.get(name) for name in _ALWAYS}
    for name, value in stored.items():
        if name not in _ALWAYS and value is not None:
            body[rename(name)] = value
    return body


def _body(schema: MetadataSchema, rename: Callable[[str], str]) -> dict[str, Any]:
    return {
        "id": schema.id,
        "related_object": schema.related_object,
        "properties": {k: _definition(d, rename) for k, d in schema.properties.items()},
        "allow_defined_only": schema.allow_defined_only,
        "created_at": iso(schema.created_at),
        "updated_at": iso(schema.updated_at),
        "object": "metadata_schema",
    }


def schema_body(schema: MetadataSchema) -> dict[str, Any]:
    """`MetadataSchemaDeprecated`, as `GET /v1/metadata-schemas[/{resource}]` answers."""
    return _body(schema, lambda name: _CAMEL.get(name, name))


def management_schema_body(schema: MetadataSchema) -> dict[str, Any]:
    """`ManagementProjectsMetadataSchema`."""
    return _body(schema, lambda name: name)

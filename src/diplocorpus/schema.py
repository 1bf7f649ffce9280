"""The Table Schemas in schemas/ are the single source of truth; Arrow schemas derive from them."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import pyarrow as pa

TABLES = ("sources", "posts", "reactions", "entities", "translations", "entity_catalog", "parse_issues")

_ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "datetime": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
}


@cache
def table_schema(table: str) -> dict[str, Any]:
    """The Frictionless Table Schema of a table, as a dict."""
    text = resources.files("diplocorpus").joinpath(f"schemas/{table}.schema.json").read_text("utf-8")
    return json.loads(text)


def field_names(table: str) -> list[str]:
    return [f["name"] for f in table_schema(table)["fields"]]


@cache
def arrow_schema(table: str) -> pa.Schema:
    """Arrow schema of a table: enums are dictionary-encoded, required fields not nullable,
    and each field carries its description."""
    fields = []
    for f in table_schema(table)["fields"]:
        constraints = f.get("constraints", {})
        type_ = _ARROW_TYPES[f["type"]]
        if "enum" in constraints:
            type_ = pa.dictionary(pa.int32(), pa.string())
        fields.append(
            pa.field(
                f["name"],
                type_,
                nullable=not constraints.get("required", False),
                metadata={"description": f["description"]},
            )
        )
    return pa.schema(fields, metadata={"description": table_schema(table)["description"]})

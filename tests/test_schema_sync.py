"""schemas/*.schema.json is the source of truth: rows, Arrow schemas, the checks of validate
and the parser registry must agree with it."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from conftest import ROOT
from diplocorpus import models
from diplocorpus.docs import END, START, column_reference
from diplocorpus.models import UnknownConstraint, column_checks, foreign_keys
from diplocorpus.parsers import PLATFORMS, formats
from diplocorpus.rows import TABLE_ROWS
from diplocorpus.schema import TABLES, arrow_schema, table_schema


@pytest.mark.parametrize("table", TABLES)
def test_row_dataclass_fields_equal_schema(table: str) -> None:
    row = TABLE_ROWS[table]
    assert [f.name for f in fields(row)] == [f["name"] for f in table_schema(table)["fields"]]
    assert hasattr(row, "__slots__")


@pytest.mark.parametrize("table", TABLES)
def test_every_field_is_documented(table: str) -> None:
    schema = table_schema(table)
    assert schema["description"]
    assert all(len(f.get("description", "")) > 10 for f in schema["fields"])


@pytest.mark.parametrize("table", TABLES)
def test_every_constraint_of_the_schema_is_checked(table: str) -> None:
    """validate reads its checks from the schema: one per constraint, none invented."""
    checks = {(c.column, c.says) for c in column_checks(table)}
    expected = set()
    for f in table_schema(table)["fields"]:
        name, constraints = f["name"], f.get("constraints", {})
        if constraints.get("required"):
            expected.add((name, "is null but required"))
        if f["type"] == "string":
            expected.add((name, "is an empty string (missing values are null)"))
        if "enum" in constraints:
            expected.add((name, "is not one of the schema's values"))
        if "minimum" in constraints:
            expected.add((name, f"is below the minimum {constraints['minimum']}"))
        if "maximum" in constraints:
            expected.add((name, f"is above the maximum {constraints['maximum']}"))
        if f["type"] == "number":
            expected.add((name, "is not a number (NaN)"))
        if "pattern" in constraints:
            expected.add((name, f"does not match {constraints['pattern']}"))
        if f.get("format") == "uri":
            expected.add((name, "is not a URI with a scheme"))
    assert checks == expected
    assert [k.column for k in foreign_keys(table)] == [
        k["fields"][0] for k in table_schema(table).get("foreignKeys", [])
    ]


def test_a_constraint_validate_does_not_know_is_refused(monkeypatch) -> None:
    schema = json.loads(json.dumps(table_schema("reactions")))
    schema["fields"][0]["constraints"]["maxLength"] = 40
    monkeypatch.setattr(models, "table_schema", lambda table: schema)
    with pytest.raises(UnknownConstraint, match="post_id: maxLength is not checked"):
        column_checks("reactions")
    schema["fields"][0]["constraints"].pop("maxLength")
    schema["foreignKeys"] = [
        {"fields": ["post_id", "rank"], "reference": {"resource": "posts", "fields": ["post_id", "ordinal"]}}
    ]
    with pytest.raises(UnknownConstraint, match="has more than one field"):
        foreign_keys("reactions")


@pytest.mark.parametrize("table", TABLES)
def test_arrow_schema_types(table: str) -> None:
    schema = arrow_schema(table)
    for f in table_schema(table)["fields"]:
        field = schema.field(f["name"])
        assert field.nullable == (not f.get("constraints", {}).get("required", False))
        if "enum" in f.get("constraints", {}):
            assert str(field.type) == "dictionary<values=string, indices=int32, ordered=0>"


def test_registry_matches_the_format_enum() -> None:
    fmt = next(f for f in table_schema("sources")["fields"] if f["name"] == "format")
    assert set(fmt["constraints"]["enum"]) == set(formats())
    platform = next(f for f in table_schema("sources")["fields"] if f["name"] == "platform")
    assert set(PLATFORMS.values()) <= set(platform["constraints"]["enum"])


def test_readme_column_reference_is_generated_from_the_schemas() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    block = readme.split(START, 1)[1].split(END, 1)[0]
    assert block.strip() == column_reference().strip(), "run: python -m diplocorpus.docs"

"""schemas/*.schema.json is the source of truth: rows, Arrow schemas, Pandera models and
the parser registry must agree with it."""

from __future__ import annotations

from dataclasses import fields

import pytest

from conftest import ROOT
from diplocorpus.docs import END, START, column_reference
from diplocorpus.models import MODELS
from diplocorpus.parsers import PLATFORMS, formats
from diplocorpus.rows import TABLE_ROWS
from diplocorpus.schema import TABLES, arrow_schema, table_schema


@pytest.mark.parametrize("table", TABLES)
def test_row_dataclass_fields_equal_schema(table: str) -> None:
    row = TABLE_ROWS[table]
    assert [f.name for f in fields(row)] == [f["name"] for f in table_schema(table)["fields"]]
    assert row.__dataclass_params__.frozen and hasattr(row, "__slots__")


@pytest.mark.parametrize("table", TABLES)
def test_every_field_is_documented(table: str) -> None:
    schema = table_schema(table)
    assert schema["description"]
    assert all(len(f.get("description", "")) > 10 for f in schema["fields"])


@pytest.mark.parametrize("table", TABLES)
def test_pandera_model_mirrors_schema(table: str) -> None:
    model = MODELS[table].to_schema()
    expected = table_schema(table)["fields"]
    assert list(model.columns) == [f["name"] for f in expected]
    for f in expected:
        column = model.columns[f["name"]]
        constraints = f.get("constraints", {})
        assert column.nullable == (not constraints.get("required", False)), f["name"]
        checks = {c.name: c for c in column.checks}
        if "enum" in constraints:
            assert sorted(checks["isin"].statistics["allowed_values"]) == sorted(constraints["enum"])
        if "minimum" in constraints:
            assert checks["greater_than_or_equal_to"].statistics["min_value"] == constraints["minimum"]
        if "pattern" in constraints:
            assert checks["str_matches"].statistics["pattern"] == constraints["pattern"]
        assert bool(column.unique) == bool(constraints.get("unique")), f["name"]
        if "maximum" in constraints:
            assert checks["less_than_or_equal_to"].statistics["max_value"] == constraints["maximum"]
        assert set(checks) <= {"isin", "greater_than_or_equal_to", "less_than_or_equal_to", "str_matches"}
    primary = table_schema(table)["primaryKey"]
    if len(primary) > 1:
        assert list(model.unique) == primary
    else:
        assert model.columns[primary[0]].unique


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

"""What a valid row of each table is, as checks on Arrow record batches.

Column checks are read straight from schemas/*.schema.json (the single source of truth):
`required`, `enum`, `minimum`, `maximum`, `pattern` and `format: uri`, plus "missing is
null, never an empty string" for every string column. A constraint the schemas gain and
this module does not know raises `UnknownConstraint`, so it cannot be silently ignored.
`unique`, `primaryKey` and `foreignKeys` span whole tables: validate.py checks them.

Row rules are what a Table Schema cannot state: relations between columns of one row.

Every check returns a mask, true where a row breaks it; a row is judged on its own, so
a table can be checked one batch at a time.

>>> batch = pa.record_batch({"start": [0, 7], "end": [6, 7], "surface": ["Lavrov", "Paris"]})
>>> {rule.says: rule.broken(batch).to_pylist() for rule in ROW_RULES["entities"]}
{'start < end': [False, True], 'len(surface) == end - start': [False, True]}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from diplocorpus.schema import table_schema

Column = pa.Array | pa.ChunkedArray
Mask = Column  # of booleans: true where a row breaks a check

# What `format: uri` means to Frictionless (rfc3986 with a required scheme): a scheme
# before the first ':' that has no '/', '?' or '#' ahead of it.
URI = r"^[^:/?#]+:"
KNOWN_CONSTRAINTS = {"required", "unique", "enum", "minimum", "maximum", "pattern"}
KNOWN_FORMATS = {"default", "uri"}


class UnknownConstraint(ValueError):
    """A schema declares a constraint that no check here enforces."""


@dataclass(frozen=True)
class ColumnCheck:
    """One constraint on the values of one column; `broken` ignores nulls except for `required`."""

    column: str
    says: str  # what is wrong with a failing value, e.g. "is below the minimum 1"
    broken: Callable[[Column], Mask]


@dataclass(frozen=True)
class RowRule:
    """A relation between columns of one row that the Table Schema cannot state."""

    says: str  # what must hold, e.g. "raw_line_start <= raw_line_end"
    columns: tuple[str, ...]  # shown in the report next to the row's key
    broken: Callable[[pa.RecordBatch], Mask]
    needs_text: bool = False  # skipped where the texts are withheld


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str  # the referenced table (the table itself for a self-reference)
    referenced: str


def foreign_keys(table: str) -> list[ForeignKey]:
    """The foreign keys of `table`'s schema; each is one column (validate checks no other kind).

    >>> foreign_keys("reactions")
    [ForeignKey(column='post_id', table='posts', referenced='post_id')]
    """
    keys = []
    for key in table_schema(table).get("foreignKeys", []):
        columns, referenced = _listed(key["fields"]), _listed(key["reference"]["fields"])
        if len(columns) != 1 or len(referenced) != 1:
            raise UnknownConstraint(
                f"schemas/{table}.schema.json: foreign key {columns} has more than one field"
            )
        keys.append(ForeignKey(columns[0], key["reference"]["resource"] or table, referenced[0]))
    return keys


def _listed(fields: str | list[str]) -> list[str]:
    return [fields] if isinstance(fields, str) else fields


def column_checks(table: str) -> list[ColumnCheck]:
    """The value checks of every column of `table`, read from its Table Schema.

    >>> [c.says for c in column_checks("reactions") if c.column == "rank"]
    ['is null but required', 'is below the minimum 1']
    """
    checks = []
    for field in table_schema(table)["fields"]:
        checks.extend(_field_checks(table, field))
    return checks


def _field_checks(table: str, field: dict[str, Any]) -> list[ColumnCheck]:
    name = field["name"]
    constraints = field.get("constraints", {})
    unknown = set(constraints) - KNOWN_CONSTRAINTS
    if unknown or field.get("format", "default") not in KNOWN_FORMATS:
        what = ", ".join(sorted(unknown)) or f"format {field['format']!r}"
        raise UnknownConstraint(f"schemas/{table}.schema.json: {name}: {what} is not checked by validate")
    checks = []
    if constraints.get("required"):
        checks.append(ColumnCheck(name, "is null but required", pc.is_null))
    if field["type"] == "string":
        checks.append(ColumnCheck(name, "is an empty string (missing values are null)", _is_empty))
    if "enum" in constraints:
        allowed = pa.array(constraints["enum"], pa.string())
        checks.append(ColumnCheck(name, "is not one of the schema's values", _not_in(allowed)))
    if "minimum" in constraints:
        low = constraints["minimum"]
        checks.append(ColumnCheck(name, f"is below the minimum {low}", lambda a, low=low: pc.less(a, low)))
    if "maximum" in constraints:
        high = constraints["maximum"]
        checks.append(
            ColumnCheck(name, f"is above the maximum {high}", lambda a, high=high: pc.greater(a, high))
        )
    if field["type"] == "number":
        checks.append(ColumnCheck(name, "is not a number (NaN)", pc.is_nan))
    if "pattern" in constraints:
        pattern = constraints["pattern"]
        checks.append(ColumnCheck(name, f"does not match {pattern}", _mismatch(pattern)))
    if field.get("format") == "uri":
        checks.append(ColumnCheck(name, "is not a URI with a scheme", _mismatch(URI)))
    return checks


def _values(column: Column) -> Column:
    """A dictionary-encoded column as plain values."""
    return column.dictionary_decode() if pa.types.is_dictionary(column.type) else column


def _none_of(column: Column) -> Mask:
    return pa.repeat(False, len(column))


def _is_empty(column: Column) -> Mask:
    if pa.types.is_dictionary(column.type) and not pc.any(pc.equal(column.dictionary, "")).as_py():
        return _none_of(column)  # the dictionary says it: no need to look at every row
    return pc.equal(_values(column), "")


def _not_in(allowed: pa.Array) -> Callable[[Column], Mask]:
    def broken(column: Column) -> Mask:
        if pa.types.is_dictionary(column.type):
            if pc.all(pc.is_in(column.dictionary, value_set=allowed)).as_py():
                return _none_of(column)
            column = column.dictionary_decode()
        return pc.and_(pc.is_valid(column), pc.invert(pc.is_in(column, value_set=allowed)))

    return broken


def _mismatch(pattern: str) -> Callable[[Column], Mask]:
    # RE2's '$' matches only at the very end (Python's re also before a final '\n').
    return lambda column: pc.invert(pc.match_substring_regex(_values(column), pattern))


def _post_id_points_into_its_raw_file(batch: pa.RecordBatch) -> Mask:
    source = batch.column("source_id")
    by_line = pc.binary_join_element_wise(source, pc.cast(batch.column("raw_line_start"), pa.string()), "/L")
    by_message = pc.binary_join_element_wise(source, pc.cast(batch.column("message_id"), pa.string()), "/")
    post_id = batch.column("post_id")
    return pc.invert(pc.or_(pc.equal(post_id, by_line), pc.fill_null(pc.equal(post_id, by_message), False)))


def _column(batch: pa.RecordBatch, name: str) -> Column:
    return _values(batch.column(name))


ROW_RULES: dict[str, list[RowRule]] = {
    "sources": [],
    "posts": [
        RowRule(
            "raw_line_start <= raw_line_end",
            ("raw_line_start", "raw_line_end"),
            lambda b: pc.greater(b.column("raw_line_start"), b.column("raw_line_end")),
        ),
        RowRule(
            "post_id is <source_id>/L<raw_line_start> or <source_id>/<message_id>",
            ("source_id", "message_id", "raw_line_start"),
            _post_id_points_into_its_raw_file,
        ),
        RowRule(
            "edited_at only where edited is true",
            ("edited", "edited_at"),
            lambda b: pc.and_(
                pc.is_valid(b.column("edited_at")), pc.invert(pc.fill_null(b.column("edited"), False))
            ),
        ),
        RowRule(
            "date_min <= date_max",
            ("date_min", "date_max"),
            lambda b: pc.greater(b.column("date_min"), b.column("date_max")),
        ),
        RowRule(
            "language is null exactly for service records",
            ("kind", "language"),
            lambda b: pc.not_equal(
                pc.is_null(b.column("language")), pc.fill_null(pc.equal(_column(b, "kind"), "service"), False)
            ),
        ),
        RowRule(
            "duplicate_of is not the post itself",
            ("duplicate_of",),
            lambda b: pc.equal(b.column("duplicate_of"), b.column("post_id")),
        ),
        RowRule(
            "n_chars == len(text)",
            ("n_chars",),
            lambda b: pc.not_equal(pc.fill_null(pc.utf8_length(b.column("text")), 0), b.column("n_chars")),
            needs_text=True,
        ),
    ],
    "reactions": [],
    "entities": [
        RowRule(
            "start < end", ("start", "end"), lambda b: pc.greater_equal(b.column("start"), b.column("end"))
        ),
        RowRule(
            "len(surface) == end - start",
            ("end", "surface"),
            lambda b: pc.not_equal(
                pc.utf8_length(b.column("surface")), pc.subtract(b.column("end"), b.column("start"))
            ),
        ),
    ],
    "translations": [
        RowRule(
            "source_language != target_language",
            ("source_language", "target_language"),
            lambda b: pc.equal(b.column("source_language"), b.column("target_language")),
        ),
    ],
    "entity_catalog": [],
    "parse_issues": [
        RowRule(
            "raw_line_start <= raw_line_end",
            ("raw_line_end",),
            lambda b: pc.greater(b.column("raw_line_start"), b.column("raw_line_end")),
        ),
    ],
}

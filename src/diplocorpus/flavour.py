"""Release flavours of the package, and which columns carry the publishers' text.

`full` is the package as built. `without-text` keeps every row, id, span, hash, count and
annotation but nulls the columns that hold the publishers' prose, for redistribution where
the full texts cannot be shared; `text_sha256` and `n_chars` stay, so the texts can be
matched again by whoever holds them. datapackage.json names its flavour (absent: full).

Every string column of every table is declared here as withheld or kept; a test fails
when a new column is neither, so no new text-bearing column slips into the
without-text flavour.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

FULL = "full"
WITHOUT_TEXT = "without-text"
FLAVOURS = (FULL, WITHOUT_TEXT)
FLAVOUR_KEY = "diplocorpus:flavour"

# Columns holding the publishers' prose, nulled in the without-text flavour.
WITHHELD: dict[str, tuple[str, ...]] = {
    "posts": ("title", "lede", "text", "captions"),
    # Messages quote the dropped raw lines (teasers, repeated headlines, boilerplate).
    "parse_issues": ("message",),
}
# String columns that carry identifiers, codes or short bibliographic facts, not prose.
KEPT_STRINGS: dict[str, tuple[str, ...]] = {
    "sources": (
        "source_id",
        "path",
        "format",
        "platform",
        "name",
        "handle",
        "url",
        "language",
        "sha256",
        "encoding",
        "notes",
    ),
    "posts": (
        "post_id",
        "source_id",
        "kind",
        "url",
        "date_source",
        "forwarded_from",
        "language",
        "media",
        "service_action",
        "byline",
        "dateline",
        "attribution",
        "links",
        "text_sha256",
        "duplicate_of",
        "publisher",
        "forwarded_from_handle",
        "forwarded_from_id",
        "author_signature",
        "languages",
        "media_items",
        "views_raw",
    ),
    "reactions": ("post_id", "emoji", "type", "custom_emoji_id"),
    # Mentions are names, tags, flags and dates: short facts, kept with their offsets.
    "entities": ("post_id", "surface", "type", "normalized", "entity_id", "method"),
    # The evidence quotes at most a few numbers and names of each text.
    "translations": (
        "source_post_id",
        "target_post_id",
        "source_language",
        "target_language",
        "method",
        "evidence",
    ),
    "entity_catalog": (
        "entity_id",
        "type",
        "label_fr",
        "label_ru",
        "label_en",
        "wikidata",
        "aliases",
        "origin",
    ),
    "parse_issues": ("source_id", "post_id", "code"),
}
WITHHELD_NOTE = "Withheld in the without-text flavour of the package: always null there."


def flavour_of(descriptor: dict[str, Any]) -> str:
    return descriptor.get(FLAVOUR_KEY, FULL)


def withhold(table_name: str, table: pa.Table) -> pa.Table:
    """`table` with its text-bearing columns set to null (and declared nullable)."""
    for column in WITHHELD.get(table_name, ()):
        index = table.schema.get_field_index(column)
        field = table.schema.field(index).with_nullable(True)
        table = table.set_column(index, field, pa.nulls(table.num_rows, field.type))
    return table


def withhold_schema(table_name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A Table Schema in which the withheld fields are optional and say why they are empty."""
    withheld = set(WITHHELD.get(table_name, ()))
    fields = []
    for field in schema["fields"]:
        if field["name"] in withheld:
            field = {**field, "description": f"{field['description']} {WITHHELD_NOTE}"}
            constraints = {k: v for k, v in field.get("constraints", {}).items() if k != "required"}
            field.pop("constraints", None)
            if constraints:
                field["constraints"] = constraints
        fields.append(field)
    return {**schema, "fields": fields}

"""Records to rows, rows to Arrow tables built from the schemas."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from operator import attrgetter

import numpy as np
import pyarrow as pa

from diplocorpus.enrich import text_sha256
from diplocorpus.read import RawFile
from diplocorpus.records import Parsed, ParsedIssue, ParsedRecord
from diplocorpus.rows import ParseIssueRow, PostRow, ReactionRow, SourceRow
from diplocorpus.schema import arrow_schema


def post_rows(
    source_id: str, items: Sequence[Parsed]
) -> tuple[list[PostRow], list[ReactionRow], list[ParseIssueRow]]:
    """Turn one source's parser output into rows of posts, reactions and parse_issues."""
    posts: list[PostRow] = []
    reactions: list[ReactionRow] = []
    records = [item for item in items if isinstance(item, ParsedRecord)]
    ids = post_ids(source_id, records)
    for ordinal, (record, post_id) in enumerate(zip(records, ids, strict=True), start=1):
        posts.append(post_row(source_id, ordinal, post_id, record))
        reactions.extend(
            ReactionRow(post_id, rank, r.emoji, r.type, r.custom_emoji_id, r.count)
            for rank, r in enumerate(record.reactions, start=1)
        )
    issues = [
        ParseIssueRow(
            source_id=source_id,
            raw_line_start=issue.line_start,
            raw_line_end=issue.line_end,
            post_id=ids[issue.record - 1] if issue.record is not None else None,
            code=issue.code,
            message=issue.message,
        )
        for issue in items
        if isinstance(issue, ParsedIssue)
    ]
    issues.sort(key=lambda i: (i.raw_line_start, i.code))
    return posts, reactions, issues


def post_ids(source_id: str, records: Sequence[ParsedRecord]) -> list[str]:
    """'<source_id>/<message_id>' where the record has a native id not used before in the
    source, else '<source_id>/L<raw_line_start>'.

    >>> r = ParsedRecord(kind="post", line_start=7, line_end=9, text=None, message_id=42)
    >>> post_ids("tg", [r, ParsedRecord(kind="post", line_start=10, line_end=12, text=None)])
    ['tg/42', 'tg/L10']
    """
    seen: set[int] = set()
    ids = []
    for record in records:
        if record.message_id is not None and record.message_id not in seen:
            seen.add(record.message_id)
            ids.append(f"{source_id}/{record.message_id}")
        else:
            ids.append(f"{source_id}/L{record.line_start}")
    return ids


def post_row(source_id: str, ordinal: int, post_id: str, record: ParsedRecord) -> PostRow:
    """The posts row of a record; `language` and `languages` are left for enrich.with_languages."""
    # Positional: a call with forty keywords costs five times as much (2.9 us against 0.5),
    # and a build makes millions of rows. The values are in the fields' order; where a value
    # is not the record's attribute of the field's name, the field is named after it. A
    # test holds them to that order.
    return PostRow(
        post_id,
        source_id,
        ordinal,
        record.kind,
        record.message_id,
        record.url,
        record.published_at,
        record.edited,
        record.edited_at,
        record.scraped_at,
        record.date_min,
        record.date_max,
        record.date_source,
        record.publisher,
        record.forwarded_from,
        record.forwarded_from_handle,
        record.forwarded_from_id,
        record.forwarded_from_message_id,
        record.reply_to_message_id,
        record.author_signature,
        record.title,
        record.lede,
        record.text,
        None,  # language
        None,  # languages
        record.media,
        "\n".join(record.media_items) or None,  # media_items
        record.service_action,
        record.byline,
        record.dateline,
        record.attribution,
        "\n".join(record.captions) or None,  # captions
        "\n".join(record.links) or None,  # links
        record.views,
        record.views_raw,
        len(record.text or ""),  # n_chars
        record.line_start,  # raw_line_start
        record.line_end,  # raw_line_end
        text_sha256(record.text),  # text_sha256
        None,  # duplicate_of
    )


def source_row(raw: RawFile, platform: str) -> SourceRow:
    entry = raw.entry
    meta = entry.fields
    return SourceRow(
        source_id=entry.source_id,
        path=entry.path,
        format=entry.format,
        platform=platform,
        name=meta.get("name"),
        handle=meta.get("handle"),
        url=meta.get("url"),
        language=meta.get("language") or "und",
        collected_at=entry.collected_at,
        sha256=raw.sha256,
        bytes=raw.size,
        encoding=raw.encoding,
        notes=meta.get("notes"),
    )


def to_table(table: str, rows: Sequence[object]) -> pa.Table:
    """Build the Arrow table of `table` from its rows, typed by the schema."""
    schema = arrow_schema(table)
    names = [f.name for f in fields(rows[0])] if rows else schema.names
    if names != schema.names:
        raise AssertionError(f"{table}: row fields {names} differ from schema {schema.names}")
    return columns_table(table, dict(zip(schema.names, _columns(rows, schema.names), strict=True)))


def columns_table(table: str, columns: Mapping[str, Sequence[object]]) -> pa.Table:
    """Build the Arrow table of `table` from its columns (the schema's fields, by name),
    typed by the schema."""
    schema = arrow_schema(table)
    if list(columns) != schema.names:
        raise AssertionError(f"{table}: columns {list(columns)} differ from schema {schema.names}")
    arrays = []
    for field in schema:
        values = columns[field.name]
        if pa.types.is_integer(field.type) and field.type != pa.int64():
            # Arrow converts Python ints to int64 several times as fast as to narrower
            # types; the cast then checks that every value fits.
            arrays.append(pa.array(values, pa.int64()).cast(field.type))
        else:
            # A dictionary column too: its dictionary in the order the values first appear,
            # as dictionary_encode() would give it at many times the cost on a small table.
            arrays.append(pa.array(values, field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def utf8_bounds(strings: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Where the values of a string array lie in its UTF-8 bytes (one bound more than there
    are values, int64), and those bytes, uint8: strings[i] is bytes[bounds[i]:bounds[i + 1]]
    for a valid value.

    >>> bounds, data = utf8_bounds(pa.array(["a", "né", "x"]).slice(1))
    >>> bounds.tolist(), data[bounds[0] : bounds[-1]].tobytes().decode()
    ([1, 4, 5], 'néx')
    """
    kind = np.int64 if pa.types.is_large_string(strings.type) else np.int32
    _, offsets, data = strings.buffers()
    bounds = np.frombuffer(offsets, kind)[strings.offset : strings.offset + len(strings) + 1]
    return bounds.astype(np.int64), np.frombuffer(data, np.uint8) if data else np.zeros(0, np.uint8)


def _columns(rows: Sequence[object], names: list[str]) -> list[Sequence[object]]:
    """The rows' values column by column, one C-level pass per column: no tuple per row,
    which for large tables would also keep the garbage collector busy."""
    return [list(map(attrgetter(name), rows)) for name in names]

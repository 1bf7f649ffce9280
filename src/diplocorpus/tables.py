"""Records to rows, rows to Arrow tables built from the schemas."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

import pyarrow as pa

from diplocorpus.enrich import detect_languages, text_sha256
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
    ids = [f"{source_id}/L{r.line_start}" for r in records]
    for ordinal, (record, post_id) in enumerate(zip(records, ids, strict=True), start=1):
        language, languages = (None, None) if record.kind == "service" else detect_languages(record.text)
        posts.append(
            PostRow(
                post_id=post_id,
                source_id=source_id,
                ordinal=ordinal,
                kind=record.kind,
                message_id=None,
                url=None,
                published_at=None,
                date_min=record.date_min,
                date_max=record.date_max,
                date_source=record.date_source,
                forwarded_from=record.forwarded_from,
                title=record.title,
                lede=record.lede,
                text=record.text,
                language=language,
                languages=languages,
                media=record.media,
                service_action=record.service_action,
                byline=record.byline,
                dateline=record.dateline,
                attribution=record.attribution,
                captions="\n".join(record.captions) or None,
                links="\n".join(record.links) or None,
                n_chars=len(record.text or ""),
                raw_line_start=record.line_start,
                raw_line_end=record.line_end,
                text_sha256=text_sha256(record.text),
                duplicate_of=None,
            )
        )
        reactions.extend(
            ReactionRow(post_id, rank, r.emoji, r.count) for rank, r in enumerate(record.reactions, start=1)
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
    columns = []
    for field in schema:
        values = [getattr(row, field.name) for row in rows]
        if pa.types.is_dictionary(field.type):
            column = pa.array(values, pa.string()).dictionary_encode()
        else:
            column = pa.array(values, field.type)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)

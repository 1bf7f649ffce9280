"""Table rows: slotted dataclasses whose fields equal the Table Schemas' fields.

They are values: made once, and changed only by dataclasses.replace, never in place. They
are not declared frozen, because a frozen dataclass sets each field through
object.__setattr__, which makes a row several times as costly to build (7 us against 2 for
a posts row), and a build makes millions of them. The parsers' records (records.py) and the
mentions of the enrichment stage are made the same way, for the same reason.

A test holds each dataclass equal to schemas/<table>.schema.json.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(slots=True)
class SourceRow:
    source_id: str
    path: str
    format: str
    platform: str
    name: str | None
    handle: str | None
    url: str | None
    language: str
    collected_at: dt.datetime | None
    sha256: str
    bytes: int
    encoding: str
    notes: str | None


@dataclass(slots=True)
class PostRow:
    post_id: str
    source_id: str
    ordinal: int
    kind: str
    message_id: int | None
    url: str | None
    published_at: dt.datetime | None
    edited: bool | None
    edited_at: dt.datetime | None
    scraped_at: dt.datetime | None
    date_min: dt.date | None
    date_max: dt.date | None
    date_source: str | None
    publisher: str | None
    forwarded_from: str | None
    forwarded_from_handle: str | None
    forwarded_from_id: str | None
    forwarded_from_message_id: int | None
    reply_to_message_id: int | None
    author_signature: str | None
    title: str | None
    lede: str | None
    text: str | None
    language: str | None
    languages: str | None
    media: str | None
    media_items: str | None
    service_action: str | None
    byline: str | None
    dateline: str | None
    attribution: str | None
    captions: str | None
    links: str | None
    views: int | None
    views_raw: str | None
    n_chars: int
    raw_line_start: int
    raw_line_end: int
    text_sha256: str | None
    duplicate_of: str | None


@dataclass(slots=True)
class ReactionRow:
    post_id: str
    rank: int
    emoji: str | None
    type: str | None
    custom_emoji_id: str | None
    count: int


@dataclass(slots=True)
class ParseIssueRow:
    source_id: str
    raw_line_start: int
    raw_line_end: int
    post_id: str | None
    code: str
    message: str


@dataclass(slots=True)
class TranslationRow:
    source_post_id: str
    target_post_id: str
    source_language: str
    target_language: str
    score: float
    method: str
    evidence: str


@dataclass(slots=True)
class EntityRow:
    post_id: str
    start: int
    end: int
    surface: str
    type: str
    normalized: str | None
    entity_id: str | None
    method: str


@dataclass(slots=True)
class EntityCatalogRow:
    entity_id: str
    type: str
    label_fr: str
    label_ru: str | None
    label_en: str
    wikidata: str | None
    aliases: str | None
    origin: str


TABLE_ROWS: dict[str, type] = {
    "sources": SourceRow,
    "posts": PostRow,
    "reactions": ReactionRow,
    "parse_issues": ParseIssueRow,
    "translations": TranslationRow,
    "entities": EntityRow,
    "entity_catalog": EntityCatalogRow,
}

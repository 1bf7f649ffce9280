"""What parsers produce: format-neutral records and issues, with raw line spans.

Parsers know nothing of tables; the build turns these into rows (see rows.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(slots=True)
class Reaction:
    """One reaction under a post: `shown` is the count as the input prints it ('1.2K').

    `type` is 'emoji', 'custom_emoji' or 'paid' where the input tells them apart (None
    for text renders); `custom_emoji_id` is Telegram's document id of a custom emoji.
    """

    emoji: str | None
    count: int
    shown: str
    type: str | None = None
    custom_emoji_id: str | None = None


@dataclass(slots=True)
class Span:
    """A marked stretch of a record's text: a hashtag, mention or link that the input
    itself marks (Telegram's text entities, the links of a t.me/s page).

    `start`/`end` are offsets in code points into the record's text, so that
    `text[start:end] == surface`. `type` is one of the entity types of DESIGN.md
    (HASHTAG, MENTION, URL); `url` is the link's target where the input gives one;
    `source_type` is the input's own name for the mark ('text_link', 'hashtag', ...).

    >>> Span(0, 4, "HASHTAG", "#ONU", None, "hashtag").surface
    '#ONU'
    """

    start: int
    end: int
    type: str
    surface: str
    url: str | None
    source_type: str


@dataclass(slots=True)
class ParsedRecord:
    """One post, article or service message found in a raw file.

    `roles` maps every non-blank raw line of the span, in line order, to what the parser
    made of it (for example 'text', 'copy', 'reactions', 'caption'): the audit trail that
    the invariant tests read.
    """

    kind: str
    line_start: int
    line_end: int
    text: str | None
    roles: dict[int, str] = field(default_factory=dict)
    title: str | None = None
    lede: str | None = None
    forwarded_from: str | None = None
    media: str | None = None
    service_action: str | None = None
    byline: str | None = None
    dateline: str | None = None
    attribution: str | None = None
    captions: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    date_min: dt.date | None = None
    date_max: dt.date | None = None
    date_source: str | None = None
    reactions: tuple[Reaction, ...] = ()
    # What the richer formats (t.me/s HTML, Desktop exports, article HTML) also carry.
    message_id: int | None = None
    url: str | None = None
    published_at: dt.datetime | None = None
    edited: bool | None = None
    edited_at: dt.datetime | None = None
    scraped_at: dt.datetime | None = None
    publisher: str | None = None
    forwarded_from_handle: str | None = None
    forwarded_from_id: str | None = None
    forwarded_from_message_id: int | None = None
    reply_to_message_id: int | None = None
    author_signature: str | None = None
    media_items: tuple[str, ...] = ()
    views: int | None = None
    views_raw: str | None = None
    entities: tuple[Span, ...] = ()


@dataclass(slots=True)
class ParsedIssue:
    """Something the parser dropped, could not place, or decided and wants checked.

    `record` is the 1-based ordinal of the record the issue concerns, or None.
    """

    line_start: int
    line_end: int
    code: str
    message: str
    record: int | None = None


Parsed = ParsedRecord | ParsedIssue

"""What parsers produce: format-neutral records and issues, with raw line spans.

Parsers know nothing of tables; the build turns these into rows (see rows.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Reaction:
    emoji: str | None
    count: int
    shown: str


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """One post, article or service message found in a raw file.

    `roles` maps every non-blank raw line of the span to what the parser made of it
    (for example 'text', 'copy', 'reactions', 'caption'): the audit trail that the
    invariant tests read.
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


@dataclass(frozen=True, slots=True)
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

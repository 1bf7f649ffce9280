"""Native message ids: what the parsers of formats that have them share."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from diplocorpus.records import Parsed, ParsedIssue, ParsedRecord


def flag_repeated_ids(items: Iterable[Parsed]) -> Iterator[Parsed]:
    """Pass parser output through, adding a `duplicate_message_id` issue after each record
    whose message id an earlier record of the same file already has (the build then keeps
    it under its line number).

    >>> a = ParsedRecord(kind="post", line_start=1, line_end=2, text=None, message_id=7)
    >>> b = ParsedRecord(kind="post", line_start=3, line_end=4, text=None, message_id=7)
    >>> [getattr(i, "code", "record") for i in flag_repeated_ids([a, b])]
    ['record', 'record', 'duplicate_message_id']
    """
    ordinal = 0
    seen: dict[int, int] = {}
    for item in items:
        yield item
        if not isinstance(item, ParsedRecord):
            continue
        ordinal += 1
        if item.message_id is None:
            continue
        if item.message_id in seen:
            yield ParsedIssue(
                item.line_start,
                item.line_end,
                "duplicate_message_id",
                f"message id {item.message_id} already read at line {seen[item.message_id]}; "
                "this one is kept under its line number",
                ordinal,
            )
        else:
            seen[item.message_id] = item.line_start

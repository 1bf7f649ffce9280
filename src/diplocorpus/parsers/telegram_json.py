"""`telegram-json`: the `result.json` that Telegram Desktop writes when it exports a chat.

The file is one JSON object: the chat's `name`, `type` and `id`, and a `messages` list.
Each message is a record: `type` 'message' a post, 'service' a service record. What the
export states is kept as stated: ids, UTC times (`date_unixtime`, `edited_unixtime`),
the text (a string, or a list of plain strings and typed parts), its `text_entities`,
reactions (emoji, custom emoji, paid), forwards, replies, the author signature and the
kind of media.

Two generations of the format are read alike. Exports before 2021 write peer ids as
integers with the channel offset (9882011936 is channel 1292077344 + 2**33) and have no
`date_unixtime`; later ones write 'channel1292077344' and the UTC time. Where only the
naive local `date` is there, it is stored as if UTC and flagged `local_time`.

Raw lines: a message's span runs from the line of its opening `{` to the line of its
closing `}`; the lines around the messages (chat name, type, id, brackets) are one
`export_header` issue each side.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from diplocorpus.errors import FormatError
from diplocorpus.parsers.ids import flag_repeated_ids
from diplocorpus.records import Parsed, ParsedIssue, ParsedRecord, Reaction, Span

FORMAT = "telegram-json"
PLATFORM = "telegram"

CHANNEL_OFFSET = 2**33  # old exports: channel ids are shifted by 2**33, basic groups by 2**32
CHAT_OFFSET = 2**32

SERVICE_ACTIONS = {
    "create_channel": "channel_created",
    "edit_group_title": "channel_renamed",
    "edit_group_photo": "channel_photo_updated",
    "delete_group_photo": "channel_photo_removed",
    "pin_message": "message_pinned",
    "create_group": "group_created",
    "invite_members": "members_invited",
    "remove_members": "members_removed",
    "join_group_by_link": "member_joined",
    "join_group_by_request": "member_joined",
}
TITLED_ACTIONS = frozenset({"create_channel", "edit_group_title", "create_group"})
MEDIA_TYPES = {
    "sticker": "sticker",
    "video_message": "round_video",
    "voice_message": "voice",
    "animation": "animation",
    "video_file": "video",
    "audio_file": "audio",
}
# Telegram's text entity types that are marks of their own in DESIGN.md's entity table.
ENTITY_TYPES = {
    "hashtag": "HASHTAG",
    "mention": "MENTION",
    "mention_name": "MENTION",
    "link": "URL",
    "text_link": "URL",
}
# Any UTC offset in use lies within -12h..+14h, so a naive local time bounds the UTC date.
_EARLIEST_OFFSET, _LATEST_OFFSET = dt.timedelta(hours=14), dt.timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class _Located:
    """A message object with the raw lines it spans."""

    value: Any
    line_start: int
    line_end: int


def parse(text: str) -> Iterator[Parsed]:
    """Read a Telegram Desktop export into post and service records.

    >>> export = '{"name": "C", "type": "public_channel", "id": 1, "messages": [\\n'
    >>> export += '{"id": 5, "type": "message", "date": "2025-01-01T10:00:00",'
    >>> export += ' "date_unixtime": "1735725600", "text": "Bonjour #ONU"}\\n]}'
    >>> [(r.message_id, r.published_at.isoformat(), r.text) for r in parse(export)]
    [(5, '2025-01-01T10:00:00+00:00', 'Bonjour #ONU')]
    """
    yield from flag_repeated_ids(_parse(text))


def _parse(text: str) -> Iterator[Parsed]:
    chat, messages, last_line = _locate_messages(text)
    name = chat.get("name") if isinstance(chat.get("name"), str) else None
    yield from _header_issues(text, chat, messages, last_line)
    ordinal = 0
    for located in messages:
        items = list(_read_message(located, name, ordinal + 1))
        ordinal += sum(isinstance(item, ParsedRecord) for item in items)
        yield from items


def peer_id(value: object) -> str | None:
    """A peer id in the string form of current exports, from either generation.

    >>> peer_id(9882011936), peer_id("channel1292077344"), peer_id(777), peer_id(None)
    ('channel1292077344', 'channel1292077344', 'user777', None)
    """
    if isinstance(value, str) and value:
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    if value >= CHANNEL_OFFSET:
        return f"channel{value - CHANNEL_OFFSET}"
    if value >= CHAT_OFFSET:
        return f"chat{value - CHAT_OFFSET}"
    return f"user{value}"


def chat_id(chat: dict[str, Any]) -> str | None:
    """The exported chat's own id in string form. Its `id` is a bare number in current
    exports (the chat's type says what it is) and carries the offset in old ones.

    >>> chat_id({"id": 1292077344, "type": "private_channel"}), chat_id({"id": 9882011936})
    ('channel1292077344', 'channel1292077344')
    """
    value, kind = chat.get("id"), str(chat.get("type") or "")
    if isinstance(value, bool) or not isinstance(value, int) or value >= CHAT_OFFSET:
        return peer_id(value)
    if kind.endswith(("channel", "supergroup")):
        return f"channel{value}"
    return f"chat{value}" if kind.endswith("group") else f"user{value}"


def _locate_messages(text: str) -> tuple[dict[str, Any], list[_Located], int]:
    """Decode the export and find the raw lines of each entry of its `messages` list.

    Returns the chat's other keys, the located messages, and the file's last line.
    """
    newlines = [i for i, c in enumerate(text) if c == "\n"]

    def line_of(offset: int) -> int:
        return bisect.bisect_left(newlines, offset) + 1

    decoder = json.JSONDecoder()
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        raise FormatError(f"not valid JSON: {err.msg} (column {err.colno})", err.lineno) from None
    pos = _skip_space(text, 0)
    if text[pos : pos + 1] != "{":
        raise FormatError("not a Telegram Desktop export: the file is not a JSON object", line_of(pos))
    chat: dict[str, Any] = {}
    messages: list[_Located] | None = None
    pos = _skip_space(text, pos + 1)
    while text[pos] != "}":
        key, pos = decoder.raw_decode(text, pos)
        pos = _skip_space(text, _skip_space(text, pos) + 1)  # past the colon
        if key == "messages" and text[pos] == "[":
            messages = []
            pos = _skip_space(text, pos + 1)
            while text[pos] != "]":
                value, end = decoder.raw_decode(text, pos)
                messages.append(_Located(value, line_of(pos), line_of(end - 1)))
                pos = _skip_space(text, end)
                if text[pos] == ",":
                    pos = _skip_space(text, pos + 1)
            pos += 1
        else:
            chat[key], pos = decoder.raw_decode(text, pos)
        pos = _skip_space(text, pos)
        if text[pos] == ",":
            pos = _skip_space(text, pos + 1)
    if messages is None:
        hint = " (a full-account export: export the single chat instead)" if "chats" in chat else ""
        raise FormatError(f"not a Telegram Desktop chat export: no 'messages' list{hint}", 1)
    for before, after in pairwise(messages):
        if after.line_start <= before.line_end:
            raise FormatError(
                "two messages share a line, so line spans cannot tell them apart: keep the export "
                "laid out as Telegram Desktop writes it (or reformat it with `python -m json.tool`)",
                after.line_start,
            )
    return chat, messages, line_of(len(text.rstrip()) - 1)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\n\r":
        pos += 1
    return pos


def _header_issues(
    text: str, chat: dict[str, Any], messages: list[_Located], last_line: int
) -> Iterator[ParsedIssue]:
    described = ", ".join(
        f"{key} {chat[key]!r}" for key in ("name", "type") if isinstance(chat.get(key), str)
    )
    ident = chat_id(chat)
    about = f"export of chat {described}" + (f", id {ident}" if ident else "")
    first = messages[0].line_start if messages else last_line + 1
    if first > 1:
        yield ParsedIssue(1, first - 1, "export_header", f"{about}: header read, no message in it")
    if messages and messages[-1].line_end < last_line:
        yield ParsedIssue(
            messages[-1].line_end + 1, last_line, "export_header", "closing brackets of the export"
        )


def _read_message(located: _Located, chat_name: str | None, ordinal: int) -> Iterator[Parsed]:
    message, start, end = located.value, located.line_start, located.line_end
    if (
        not isinstance(message, dict)
        or isinstance(message.get("id"), bool)
        or not isinstance(message.get("id"), int)
    ):
        yield ParsedIssue(start, end, "malformed_message", "message without an integer id: not read")
        return
    kind = message.get("type")
    if kind not in ("message", "service", "unsupported"):
        yield ParsedIssue(start, end, "malformed_message", f"message of unknown type {kind!r}: not read")
        return
    read = _read_text(message)
    if read is None:
        yield ParsedIssue(start, end, "malformed_message", "text is neither a string nor a list of parts")
        return
    text, spans = read
    issues: list[ParsedIssue] = []
    published, edited_at, date_min, date_max = _times(message, start, end, ordinal, issues)
    service_action = title = None
    if kind == "service":
        action = message.get("action")
        service_action = SERVICE_ACTIONS.get(action)
        if service_action is None:
            service_action = "other"
            issues.append(
                ParsedIssue(
                    start,
                    end,
                    "unknown_service_action",
                    f"service action {action!r} stored as 'other'",
                    ordinal,
                )
            )
        if action in TITLED_ACTIONS and isinstance(message.get("title"), str):
            title = message["title"]
    elif kind == "unsupported":
        issues.append(
            ParsedIssue(
                start, end, "unsupported_message", "the export marks this message unsupported", ordinal
            )
        )
    media = _media_kind(message)
    poll = message.get("poll")
    if isinstance(poll, dict) and isinstance(poll.get("question"), str):
        title = poll["question"]
    reply = message.get("message_id") if kind == "service" else message.get("reply_to_message_id")
    forwarded = message.get("forwarded_from")
    signature = message.get("author")
    yield ParsedRecord(
        kind="service" if kind == "service" else "post",
        line_start=start,
        line_end=end,
        text=text,
        title=title,
        forwarded_from=forwarded if isinstance(forwarded, str) else None,
        media=media,
        media_items=(media,) if media else (),
        service_action=service_action,
        date_min=date_min,
        date_max=date_max,
        date_source="native" if date_min else None,
        reactions=tuple(_reactions(message, start, end, ordinal, issues)),
        message_id=message["id"],
        published_at=published,
        edited="edited" in message or "edited_unixtime" in message,
        edited_at=edited_at,
        publisher=chat_name,
        forwarded_from_id=peer_id(message.get("forwarded_from_id")),
        reply_to_message_id=reply if isinstance(reply, int) and not isinstance(reply, bool) else None,
        author_signature=signature if isinstance(signature, str) and signature else None,
        entities=spans,
    )
    yield from issues


def _times(
    message: dict[str, Any], start: int, end: int, ordinal: int, issues: list[ParsedIssue]
) -> tuple[dt.datetime | None, dt.datetime | None, dt.date | None, dt.date | None]:
    """published_at, edited_at and the UTC date range of a message."""
    published = _unixtime(message.get("date_unixtime"))
    edited_at = _unixtime(message.get("edited_unixtime"))
    if published is not None:
        return published, edited_at, published.date(), published.date()
    local = _naive(message.get("date"))
    if local is None:
        return None, edited_at, None, None
    if edited_at is None:
        edited_at = _naive(message.get("edited"))
    issues.append(
        ParsedIssue(
            start,
            end,
            "local_time",
            f"no date_unixtime: published_at is the exporting machine's local time {message['date']!r}, "
            "stored as if UTC (its time zone is not recorded); date_min/date_max allow for any offset",
            ordinal,
        )
    )
    return local, edited_at, (local - _EARLIEST_OFFSET).date(), (local + _LATEST_OFFSET).date()


def _unixtime(value: object) -> dt.datetime | None:
    if isinstance(value, str) and value.isdigit():
        return dt.datetime.fromtimestamp(int(value), dt.UTC)
    return None


def _naive(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)


def _read_text(message: dict[str, Any]) -> tuple[str | None, tuple[Span, ...]] | None:
    """The message text and its marked spans; None when the text cannot be read."""
    parts = message.get("text_entities")
    if not isinstance(parts, list):
        parts = message.get("text", "")
    if isinstance(parts, str):
        parts = [parts]
    if not isinstance(parts, list):
        return None
    pieces: list[str] = []
    spans: list[Span] = []
    offset = 0
    for part in parts:
        if isinstance(part, str):
            kind, piece, href = "plain", part, None
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            kind, piece, href = part.get("type"), part["text"], part.get("href")
        else:
            return None
        piece = unicodedata.normalize("NFC", piece)
        span = _span(piece, offset, kind, href)
        if span is not None:
            spans.append(span)
        pieces.append(piece)
        offset += len(piece)
    text = "".join(pieces)
    return (text or None), tuple(spans)


def _span(piece: str, offset: int, kind: object, href: object) -> Span | None:
    """The span of a typed part, without the whitespace some parts carry at their ends."""
    if kind not in ENTITY_TYPES:
        return None
    surface = piece.strip()
    if not surface:
        return None
    start = offset + len(piece) - len(piece.lstrip())
    url = href if isinstance(href, str) else (surface if kind == "link" else None)
    return Span(start, start + len(surface), ENTITY_TYPES[str(kind)], surface, url, str(kind))


def _media_kind(message: dict[str, Any]) -> str | None:
    if "photo" in message and message.get("type") != "service":
        return "photo"
    if "poll" in message:
        return "poll"
    if "location_information" in message or "place_name" in message:
        return "location"
    if "contact_information" in message:
        return "contact"
    if "file" in message:
        return MEDIA_TYPES.get(message.get("media_type"), "document")
    if "game_title" in message or "invoice_information" in message:
        return "other"
    return None


def _reactions(
    message: dict[str, Any], start: int, end: int, ordinal: int, issues: list[ParsedIssue]
) -> Iterator[Reaction]:
    reactions = message.get("reactions", [])
    if not isinstance(reactions, list):
        reactions = [reactions]
    unread = []
    for reaction in reactions:
        count = reaction.get("count") if isinstance(reaction, dict) else None
        kind = reaction.get("type") if isinstance(reaction, dict) else None
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            kind = None
        if kind == "emoji" and isinstance(reaction.get("emoji"), str):
            yield Reaction(reaction["emoji"], count, str(count), "emoji")
        elif kind == "custom_emoji":
            document = reaction.get("document_id")
            yield Reaction(None, count, str(count), "custom_emoji", str(document) if document else None)
        elif kind == "paid":
            yield Reaction(None, count, str(count), "paid")
        else:
            unread.append(json.dumps(reaction, ensure_ascii=False)[:80])
    if unread:
        shown = "; ".join(unread)
        issues.append(ParsedIssue(start, end, "unknown_reaction", f"reaction(s) not read: {shown}", ordinal))

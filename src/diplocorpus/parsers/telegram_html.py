"""`telegram-html`: a saved t.me/s/NAME page (a public channel's web preview).

Each `div.tgme_widget_message` is a record: a post, or a service record where the page
marks it `service_message`. A message carries its id (`data-post="NAME/ID"`, or the
link of its date), its UTC time (`time[datetime]`), the views shown ('28.0K', kept as
shown and as an estimate), the 'edited' flag, forwarded-from name and link, reply
preview, media (an album is one post with several media items), the placeholders the
page shows instead of media ('Media is too big', 'Please open Telegram to view this
post'), reactions (emoji, custom emoji, paid stars), and the time the page was served
(the `t` of its `data-view` stamp).

Raw lines: a message's span runs from the line where its element opens to the line
where it closes (or the line before the next message opens, when both share a line).
Every other non-blank line (head, channel header, scripts, date separators) lies in a
`page_chrome` issue. A t.me page that holds no message list (a contact page, a channel
that does not exist or is not public) is not this format: a one-line error.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import pairwise
from urllib.parse import unquote, urlparse

import lxml.html
from lxml import etree

from diplocorpus.errors import FormatError
from diplocorpus.parsers.ids import flag_repeated_ids
from diplocorpus.parsers.telegram_text import LEADING_MARKERS, TRAILING_MARKERS, expand_count, match_service
from diplocorpus.records import Parsed, ParsedIssue, ParsedRecord, Reaction, Span

FORMAT = "telegram-html"
PLATFORM = "telegram"

MESSAGE_CLASS = "tgme_widget_message"
PLACEHOLDERS = {**LEADING_MARKERS, **TRAILING_MARKERS}
# Media elements of a message, by class, in the order a page can show them.
MEDIA_CLASSES = {
    "tgme_widget_message_photo_wrap": "photo",
    "tgme_widget_message_video_player": "video",
    "tgme_widget_message_roundvideo_player": "round_video",
    "tgme_widget_message_voice_player": "voice",
    "tgme_widget_message_document_wrap": "document",
    "tgme_widget_message_sticker_wrap": "sticker",
    "tgme_widget_message_poll": "poll",
    "tgme_widget_message_location_wrap": "location",
}
POST_LINK = re.compile(r"^/?(?:s/)?(?P<handle>[A-Za-z0-9_]+)/(?P<id>\d+)$")
_PRETTY_BREAK = re.compile(r"[ \t]*\n[ \t\n]*")
_PARSER = lxml.html.HTMLParser(encoding="utf-8")


def parse(text: str) -> Iterator[Parsed]:
    """Read a saved t.me/s page into post and service records.

    >>> page = '<div class="tgme_widget_message" data-post="mid_russia/7">'
    >>> page += '<div class="tgme_widget_message_text js-message_text">Bonjour<br/>#ONU</div>'
    >>> page += '<span class="tgme_widget_message_views">1.2K</span></div>'
    >>> [(r.message_id, r.text, r.views, r.views_raw) for r in parse(page)]
    [(7, 'Bonjour\\n#ONU', 1200, '1.2K')]
    """
    yield from flag_repeated_ids(_parse(text))


def _parse(text: str) -> Iterator[Parsed]:
    lines = text.split("\n")
    spans = _message_spans(text)
    if not text.strip():
        raise FormatError("empty file: not a t.me/s page", 1)
    root = lxml.html.document_fromstring(text.encode("utf-8"), parser=_PARSER)
    elements = [e for e in root.iter("div") if MESSAGE_CLASS in _classes(e)]
    if len(elements) != len(spans):
        raise FormatError(
            f"the page's markup is too broken to place its messages ({len(elements)} message elements "
            f"but {len(spans)} opening tags)"
        )
    if not elements:
        yield from _no_messages(root, lines)
        return
    covered = [False] * (len(lines) + 2)
    for ordinal, (element, (start, end)) in enumerate(zip(elements, spans, strict=True), start=1):
        for n in range(start, end + 1):
            covered[n] = True
        yield from _read_message(element, start, end, ordinal)
    yield from _chrome_issues(lines, covered)


def _classes(element: etree._Element) -> list[str]:
    return (element.get("class") or "").split()


def _has_class(element: etree._Element, name: str) -> bool:
    return name in _classes(element)


def _find(element: etree._Element, name: str) -> list[etree._Element]:
    """Descendants of `element` with class `name`, in document order."""
    return [e for e in element.iterdescendants() if isinstance(e.tag, str) and name in _classes(e)]


class _MessageScanner(HTMLParser):
    """Finds the lines where each message element opens and closes, from the tag stream."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.spans: list[list[int]] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "div":
            return
        if self.depth:
            self.depth += 1
            return
        classes = next((value or "" for name, value in attrs if name == "class"), "").split()
        if MESSAGE_CLASS in classes:
            self.spans.append([self.getpos()[0], 0])
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.depth:
            self.depth -= 1
            if self.depth == 0:
                self.spans[-1][1] = self.getpos()[0]


def _message_spans(text: str) -> list[tuple[int, int]]:
    scanner = _MessageScanner()
    scanner.feed(text)
    scanner.close()
    last_line = len(text.rstrip().split("\n"))
    starts = [start for start, _ in scanner.spans]
    for before, after in pairwise(starts):
        if after == before:
            raise FormatError(
                "two messages open on the same line, so line spans cannot tell them apart: "
                "keep the page as served, with its line breaks",
                after,
            )
    spans: list[tuple[int, int]] = []
    for k, (start, end) in enumerate(scanner.spans):
        next_start = scanner.spans[k + 1][0] if k + 1 < len(scanner.spans) else None
        if end == 0:  # never closed: it runs to the next message or the end of the page
            end = next_start - 1 if next_start else last_line
        if next_start is not None and end >= next_start:
            end = max(start, next_start - 1)
        spans.append((start, end))
    return spans


def _no_messages(root: etree._Element, lines: list[str]) -> Iterator[Parsed]:
    """A page without any message element: a t.me page of another kind, or a fragment."""
    page = next((e for e in root.iter() if isinstance(e.tag, str) and _has_class(e, "tgme_page")), None)
    if page is not None:
        raise FormatError(
            "a t.me page with no message list (not a t.me/s/NAME channel page: the channel may "
            "not exist or not be public)",
            page.sourceline,
        )
    classes = {c for e in root.iter() if isinstance(e.tag, str) for c in _classes(e)}
    if not any(c.startswith(("tgme_", "message_media")) for c in classes):
        raise FormatError("not a t.me/s page: no tgme_widget_message element and no t.me markup", 1)
    shown = [label.text_content().strip() for label in _find(root, "message_media_not_supported_label")]
    content = [n for n, line in enumerate(lines, start=1) if line.strip()]
    if content:
        what = f" (it shows {', '.join(repr(s) for s in shown)})" if shown else ""
        yield ParsedIssue(
            content[0],
            content[-1],
            "unplaced_line",
            f"t.me markup outside any message element{what}: no post can be made of it",
        )


def _chrome_issues(lines: list[str], covered: list[bool]) -> Iterator[ParsedIssue]:
    """One page_chrome issue per run of non-blank lines outside every message."""
    run: list[int] = []
    for n, line in enumerate(lines, start=1):
        if covered[n]:
            if run:
                yield _chrome(run)
            run = []
        elif line.strip():
            run.append(n)
    if run:
        yield _chrome(run)


def _chrome(run: list[int]) -> ParsedIssue:
    return ParsedIssue(
        run[0], run[-1], "page_chrome", "page around the messages dropped (head, channel header, scripts)"
    )


@dataclass
class _Text:
    """Text built from a message's markup, with the spans of its links."""

    pieces: list[str] = field(default_factory=list)
    length: int = 0
    spans: list[tuple[int, int, str | None]] = field(default_factory=list)

    def add(self, piece: str) -> None:
        self.pieces.append(piece)
        self.length += len(piece)


def _read_message(element: etree._Element, start: int, end: int, ordinal: int) -> Iterator[Parsed]:
    handle, message_id = _message_ref(element)
    issues: list[ParsedIssue] = []
    text_element = _message_text_element(element)
    text, spans = _render_text(text_element) if text_element is not None else (None, ())
    service = _has_class(element, "service_message")
    service_action = title = None
    if service:
        service_action, title = _service(text)
        if service_action == "other":
            issues.append(
                ParsedIssue(
                    start,
                    end,
                    "unknown_service_action",
                    f"service message {text!r} stored as 'other'",
                    ordinal,
                )
            )
        spans = ()
    published = _published(element)
    views_raw = _first_text(element, "tgme_widget_message_views")
    forwarded_name, forwarded_handle, forwarded_id = _forwarded(element)
    items, placeholder = _media(element)
    if "poll" in items:
        title = _first_text(element, "tgme_widget_message_poll_question")
    reactions = tuple(_reactions(element))
    abbreviated = [r for r in reactions if r.shown != str(r.count)]
    if abbreviated:
        shown = ", ".join(f"{r.shown!r} as {r.count}" for r in abbreviated)
        issues.append(
            ParsedIssue(
                start,
                end,
                "approximate_count",
                f"abbreviated reaction count(s) stored as estimates: {shown}",
                ordinal,
            )
        )
    meta = _first_text(element, "tgme_widget_message_meta") or ""
    yield ParsedRecord(
        kind="service" if service else "post",
        line_start=start,
        line_end=end,
        text=text,
        title=title,
        forwarded_from=forwarded_name,
        media=placeholder or (items[0] if len(items) == 1 else "album" if items else None),
        media_items=items,
        service_action=service_action,
        date_min=published.date() if published else None,
        date_max=published.date() if published else None,
        date_source="native" if published else None,
        reactions=reactions,
        message_id=message_id,
        url=f"https://t.me/{handle}/{message_id}" if handle and message_id is not None else None,
        published_at=published,
        edited="edited" in meta.split(),
        scraped_at=_served_at(element),
        publisher=_first_text(element, "tgme_widget_message_owner_name"),
        forwarded_from_handle=forwarded_handle,
        forwarded_from_message_id=forwarded_id,
        reply_to_message_id=_reply_to(element),
        author_signature=_first_text(element, "tgme_widget_message_from_author"),
        views=expand_count(views_raw) if views_raw and _is_count(views_raw) else None,
        views_raw=views_raw,
        entities=spans,
    )
    yield from issues


def _message_ref(element: etree._Element) -> tuple[str | None, int | None]:
    """Channel handle and message id: from data-post, else the date's link, else data-view."""
    for ref in (
        element.get("data-post"),
        *(a.get("href") for a in _find(element, "tgme_widget_message_date")),
    ):
        found = _post_link(ref)
        if found:
            return found
    stamp = _view_stamp(element)
    message = stamp.get("p")
    return None, message if isinstance(message, int) and not isinstance(message, bool) else None


def _post_link(ref: str | None) -> tuple[str, int] | None:
    """('NAME', ID) from 'NAME/ID' or a t.me link to a post.

    >>> _post_link("https://t.me/vtmsg/77"), _post_link("mid_russia/7"), _post_link("https://t.me/s/x")
    (('vtmsg', 77), ('mid_russia', 7), None)
    """
    if not ref:
        return None
    parsed = urlparse(ref)
    if parsed.netloc and parsed.netloc not in ("t.me", "telegram.me", "www.t.me"):
        return None
    m = POST_LINK.match(parsed.path if parsed.netloc else ref.split("?")[0])
    return (m["handle"], int(m["id"])) if m else None


def _view_stamp(element: etree._Element) -> dict:
    """The JSON behind data-view: channel, post and the time the page was served."""
    value = element.get("data-view")
    if not value:
        return {}
    try:
        stamp = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError):
        return {}
    return stamp if isinstance(stamp, dict) else {}


def _served_at(element: etree._Element) -> dt.datetime | None:
    served = _view_stamp(element).get("t")
    if isinstance(served, int) and not isinstance(served, bool) and served > 0:
        return dt.datetime.fromtimestamp(served, dt.UTC)
    return None


def _published(element: etree._Element) -> dt.datetime | None:
    for link in _find(element, "tgme_widget_message_date"):
        for time in link.iter("time"):
            try:
                stamp = dt.datetime.fromisoformat(time.get("datetime") or "")
            except ValueError:
                continue
            if stamp.tzinfo is not None:
                return stamp.astimezone(dt.UTC)
    return None


def _first_text(element: etree._Element, name: str) -> str | None:
    for found in _find(element, name):
        if _inside_reply(found, element):
            continue
        text = " ".join(found.text_content().split())
        return text or None
    return None


def _is_count(shown: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:[.,]\d+)?[KkMm]?", shown))


def _inside_reply(found: etree._Element, message: etree._Element) -> bool:
    """Whether `found` belongs to a reply preview (a quote of another message)."""
    for ancestor in found.iterancestors():
        if ancestor is message:
            return False
        if _has_class(ancestor, "tgme_widget_message_reply"):
            return True
    return False


def _message_text_element(element: etree._Element) -> etree._Element | None:
    for found in _find(element, "js-message_text"):
        if not _inside_reply(found, element):
            return found
    return None


def _render_text(element: etree._Element) -> tuple[str | None, tuple[Span, ...]]:
    """The text a message shows ('<br>' is a line break) and the spans of its links."""
    out = _Text()
    _render(element, out, top=True)
    raw = "".join(out.pieces)
    text = raw.strip()
    if not text:
        return None, ()
    shift = len(raw) - len(raw.lstrip())
    spans = []
    for start, end, href in out.spans:
        surface = raw[start:end].strip()
        if not surface:
            continue
        begin = start + (len(raw[start:end]) - len(raw[start:end].lstrip())) - shift
        spans.append(_span(begin, surface, href))
    return text, tuple(spans)


def _render(element: etree._Element, out: _Text, top: bool = False) -> None:
    if not top:
        if element.tag == "br":
            out.add("\n")
            out.add(_pretty(element.tail))
            return
        if not isinstance(element.tag, str) or _has_class(element, "tgme_widget_message_reply"):
            out.add(_pretty(element.tail))
            return
    begin = out.length
    out.add(_pretty(element.text))
    for child in element:
        _render(child, out)
    if element.tag == "a" and not top:
        out.spans.append((begin, out.length, element.get("href")))
    if not top:
        out.add(_pretty(element.tail))


def _pretty(text: str | None) -> str:
    """A text node as shown: a line break in the markup is a space (pages saved
    pretty-printed have them), only '<br>' breaks a line."""
    return _PRETTY_BREAK.sub(" ", text) if text else ""


def _span(start: int, surface: str, href: str | None) -> Span:
    if surface.startswith("#") and href and unquote(href).startswith("?q=#"):
        return Span(start, start + len(surface), "HASHTAG", surface, None, "hashtag")
    if surface.startswith("@"):
        return Span(start, start + len(surface), "MENTION", surface, href, "mention")
    return Span(start, start + len(surface), "URL", surface, href, "link")


def _service(text: str | None) -> tuple[str, str | None]:
    return match_service(text or "") or ("other", None)


def _forwarded(element: etree._Element) -> tuple[str | None, str | None, int | None]:
    for name in _find(element, "tgme_widget_message_forwarded_from_name"):
        if _inside_reply(name, element):
            continue
        shown = " ".join(name.text_content().split()) or None
        found = _post_link(name.get("href"))
        if found:
            return shown, found[0], found[1]
        handle = urlparse(name.get("href") or "").path.strip("/") or None
        return shown, handle, None
    return None, None, None


def _reply_to(element: etree._Element) -> int | None:
    for reply in _find(element, "tgme_widget_message_reply"):
        found = _post_link(reply.get("href"))
        if found:
            return found[1]
    return None


def _media(element: etree._Element) -> tuple[tuple[str, ...], str | None]:
    """The kinds of the message's media items in page order, and the placeholder shown."""
    items = []
    for found in element.iterdescendants():
        if not isinstance(found.tag, str) or _inside_reply(found, element):
            continue
        kind = next((MEDIA_CLASSES[c] for c in _classes(found) if c in MEDIA_CLASSES), None)
        if kind:
            items.append(kind)
    placeholder = None
    for label in _find(element, "message_media_not_supported_label"):
        placeholder = PLACEHOLDERS.get(" ".join(label.text_content().split()))
        if placeholder:
            break
    return tuple(items), placeholder


def _reactions(element: etree._Element) -> Iterator[Reaction]:
    for reaction in _find(element, "tgme_reaction"):
        shown = " ".join("".join(t for t in reaction.xpath("text()")).split())
        if not _is_count(shown):
            continue
        count = expand_count(shown)
        custom = next(iter(reaction.iter("tg-emoji")), None)
        if _has_class(reaction, "tgme_reaction_paid"):
            yield Reaction(None, count, shown, "paid")
        elif custom is not None:
            yield Reaction(None, count, shown, "custom_emoji", custom.get("emoji-id"))
        else:
            emoji = "".join(b.text_content() for b in reaction.iter("b")).strip() or None
            yield Reaction(emoji, count, shown, "emoji" if emoji else None)

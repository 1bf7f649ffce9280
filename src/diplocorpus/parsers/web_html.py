"""`web-html`: one saved article page (HTML).

trafilatura finds the page's main text and its metadata: title, author (the byline),
date, site name (the publisher) and canonical address. On the main text's lines the
`web-text` rules then apply (see `web_text.sort_body_lines`): captions and credits,
embedded addresses, attribution and an agency dateline leave the body; boilerplate,
teasers and repeats of the headline are dropped and listed in parse_issues.

Raw lines: the article is the page, so its span is the whole file (first to last
non-blank line). What the extractor left out (navigation, related links, comments) is
one `boilerplate` issue over the same span, with its size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import lxml.html
import trafilatura
from lxml import etree

from diplocorpus.errors import FormatError
from diplocorpus.parsers.web_text import sort_body_lines
from diplocorpus.records import Parsed, ParsedIssue, ParsedRecord

FORMAT = "web-html"
PLATFORM = "web"

# Tags that state a publication time; only a value with a time zone becomes published_at.
PUBLISHED_TIME = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//meta[@name='DC.date.issued']/@content",
    "//meta[@name='dcterms.created']/@content",
    "//time[@itemprop='datePublished']/@datetime",
)
_PARSER = lxml.html.HTMLParser(encoding="utf-8")
VISIBLE_TEXT = (
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
)


def parse(text: str) -> Iterator[Parsed]:
    """Read one article page into an article record and its issues."""
    lines = text.split("\n")
    content = [n for n, line in enumerate(lines, start=1) if line.strip()]
    if not content or "<" not in text:
        raise FormatError("not an HTML page", 1)
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=_PARSER)
    except etree.ParserError:
        raise FormatError("not an HTML page: no element could be read", 1) from None
    start, end = content[0], content[-1]
    document = trafilatura.bare_extraction(
        text, with_metadata=True, include_comments=False, include_tables=True, deduplicate=False
    )
    data = document.as_dict() if document is not None else {}
    main = data.get("text") or ""
    title = _headline(data.get("title"), main)
    parts = sort_body_lines(main.split("\n"), title)
    published = _published_at(root)
    day = published.date() if published else _day(data.get("date")) or parts.published
    yield ParsedRecord(
        kind="article",
        line_start=start,
        line_end=end,
        text="\n".join(parts.body) or None,
        title=title,
        byline=data.get("author") or None,
        dateline=parts.dateline,
        attribution=parts.attribution,
        captions=tuple(parts.captions),
        links=tuple(parts.links),
        date_min=day,
        date_max=day,
        date_source="native" if day else None,
        url=data.get("url") or None,
        published_at=published,
        publisher=data.get("sitename") or None,
    )
    if not parts.body:
        yield ParsedIssue(start, end, "no_main_text", "the extractor found no main text in the page", 1)
    page_chars = len(" ".join(_visible_text(root).split()))
    dropped = {**parts.dropped}
    left_out = max(0, page_chars - len(" ".join(main.split())))
    summary = f"{left_out} of the page's {page_chars} visible characters left out by the extractor"
    boilerplate = dropped.pop("boilerplate", [])
    if boilerplate:
        summary += "; lines dropped from the main text: " + "; ".join(repr(x) for x in boilerplate)
    yield ParsedIssue(start, end, "boilerplate", summary, 1)
    for code, dropped_lines in sorted(dropped.items()):
        yield ParsedIssue(start, end, code, "dropped: " + "; ".join(repr(x) for x in dropped_lines), 1)


def _headline(title: str | None, main: str) -> str | None:
    """The page's title, or the headline the main text opens with when the title only
    adds section and site names after it ('Headline » Local » Site').

    >>> _headline("Un accord est trouvé » Monde » Site", "Un accord est trouvé\nTexte")
    'Un accord est trouvé'
    """
    first = next((line.strip() for line in main.split("\n") if line.strip()), "")
    if title and len(first) >= 20 and title != first and title.startswith(first):
        return first
    return title or None


def _published_at(root: etree._Element) -> dt.datetime | None:
    for path in PUBLISHED_TIME:
        for value in root.xpath(path):
            try:
                stamp = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
            except ValueError:
                continue
            if stamp.tzinfo is not None:
                return stamp.astimezone(dt.UTC)
    return None


def _day(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _visible_text(root: etree._Element) -> str:
    return " ".join(root.xpath(VISIBLE_TEXT))

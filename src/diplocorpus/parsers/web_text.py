"""`web-text`: the plain-text render of one or more news or web articles.

A page holds one or several articles, each: a headline, an optional lede, photo
captions and credits, an optional agency dateline opening the body, the body (with
subheads, kept in the text), and an optional byline and source attribution. Around them
stand site boilerplate (licence nags, reading times, back-to-top buttons), "read more"
teasers and repeated headlines: each goes to its own column or to parse issues, never
into an article's text.

A new article starts at the first substantial line of the page, after a byline, or at
a headline-like line followed (directly or after a lede) by a photo caption, a credit,
an embedded address or an agency dateline, or at a long headline-like line standing
between two paragraphs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from diplocorpus.records import Parsed, ParsedIssue, ParsedRecord

FORMAT = "web-text"
PLATFORM = "web"

# Site boilerplate: a theme's licence nag anywhere in a line, or a line that is nothing else.
BOILERPLATE_ANYWHERE = re.compile(r"Theme License is not validated", re.IGNORECASE)
BOILERPLATE = re.compile(
    r"^(?:Bouton retour en haut de la page|Retour en haut(?: de la page)?|Back to top"
    r"|Publié (?:sur|le)\s*:?"
    r"|\d+\s*min(?:ute)?s?(?: de lecture)?"
    r"|Source|Sources"
    r"|Partager(?: sur \w+)?|Imprimer|Tweet|Commentaires?"
    r"|Abonnez-vous.*|Suivez-nous.*)$",
    re.IGNORECASE,
)
PUBLISHED = re.compile(r"^Publié le (?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4})$")
URL = re.compile(r"^https?://\S+$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+){3,}$")
READ_MORE = re.compile(
    r"^(?:LIRE LA SUITE|LIRE AUSSI|À LIRE AUSSI|Lire aussi|Lire la suite|READ MORE)\s*:",
)
# How photo credits open, and how they may end (see _is_media, which also takes a line with ©).
CREDIT_START = re.compile(r"Image from |(?:Photo|Crédit|Credit)\s*:|[A-Z]{2,}(?:/[A-Z][A-Z .'-]+)+\s+–")
CREDIT_END = re.compile(r"\(Photo (?:de|:) [^)]+\)$")
DATELINE = re.compile(r"^(?P<dateline>[A-ZÀ-Ý][A-ZÀ-Ý' -]+, \d{1,2}(?:er)? [a-zéû]+\.? ?/[^/]{2,20}/\.)\s*")
BYLINE = re.compile(r"^[A-ZÀ-Ý][\w'’-]+(?: [A-ZÀ-Ý][\w'’-]+){1,2}$")
ATTRIBUTION = re.compile(
    r"^(?:Avec|Sources?\s*:|D['’]après)\b.{0,60}\b(?:AFP|Reuters|AP|TASS|Sputnik|RIA Novosti|Interfax)\b.{0,30}$"
)
_HEADLINE_END = re.compile(r"[\w»)!?]")
# The roles a line's text alone gives it (see _own_role), in the order they are tested, as one
# pattern: one match per line instead of one per role. Each role's group holds any other
# group of its pattern, so it is the match's last group.
_OWN_ROLES = re.compile(
    "|".join(
        f"(?P<{role}>{pattern})"
        for role, pattern in (
            ("boilerplate", f"(?i:{BOILERPLATE.pattern})"),
            ("date", PUBLISHED.pattern),
            ("read_more", READ_MORE.pattern),
            ("link", URL.pattern),
            ("attribution", ATTRIBUTION.pattern),
        )
    )
)
# How a caption, credit or embedded address opens (see _is_media), as one pattern.
_MEDIA_START = re.compile(f"{CREDIT_START.pattern}|{SLUG.pattern}|{URL.pattern}")


@dataclass
class _Article:
    start: int
    headline: str
    roles: dict[int, str] = field(default_factory=dict)
    body: list[str] = field(default_factory=list)
    lede: str | None = None
    byline: str | None = None
    dateline: str | None = None
    attribution: str | None = None
    captions: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    published: dt.date | None = None
    issues: list[ParsedIssue] = field(default_factory=list)
    end: int = 0


def parse(text: str) -> Iterator[Parsed]:
    """Split a web page render into articles and issues."""
    lines = [(n, line) for n, raw in enumerate(text.split("\n"), start=1) if (line := raw.strip())]
    roles = _classify(lines)
    articles: list[_Article] = []
    before: list[ParsedIssue] = []
    current: _Article | None = None
    after_byline = False
    for index, (number, line) in enumerate(lines):
        role = roles[index]
        if role == "headline" or (current is None and role not in ("boilerplate",)):
            if current is None and role != "headline" and len(line.split()) < 4:
                before.append(
                    ParsedIssue(
                        number, number, "boilerplate", f"page line before the first headline: {line!r}"
                    )
                )
                continue
            current = _Article(start=number, headline=line, end=number)
            current.roles[number] = "title"
            articles.append(current)
            after_byline = False
            continue
        if current is None or role == "boilerplate" or (after_byline and role == "text"):
            issue = ParsedIssue(number, number, "boilerplate", f"site boilerplate dropped: {line!r}")
            (current.issues if current is not None else before).append(issue)
            continue
        current.end = number
        current.roles[number] = role
        if role == "lede":
            current.lede = line
        elif role == "caption":
            current.captions.append(line)
        elif role == "link":
            current.links.append(line)
        elif role == "byline":
            current.byline = line
            after_byline = True
        elif role == "attribution":
            current.attribution = line
        elif role == "date":
            m = PUBLISHED.match(line)
            assert m is not None
            current.published = _date(m)
        elif role == "read_more":
            current.issues.append(
                ParsedIssue(number, number, "read_more", f"teaser for another story dropped: {line!r}")
            )
        elif role == "repeated_headline":
            current.issues.append(
                ParsedIssue(number, number, "repeated_headline", f"headline repeated in the page: {line!r}")
            )
        else:
            # Only an article's first body line can open with its dateline.
            m = DATELINE.match(line) if not current.body and current.dateline is None else None
            if m:
                current.dateline = m.group("dateline")
                current.roles[number] = "dateline"
                line = line[m.end() :]
            current.body.append(line)

    yield from before
    for ordinal, article in enumerate(articles, start=1):
        # Trailing boilerplate after the last line of the article lies outside its span.
        for issue in article.issues:
            outside = issue.line_start > article.end
            yield ParsedIssue(
                issue.line_start, issue.line_end, issue.code, issue.message, None if outside else ordinal
            )
        yield ParsedRecord(
            kind="article",
            line_start=article.start,
            line_end=article.end,
            text="\n".join(article.body) if article.body else None,
            roles={n: r for n, r in sorted(article.roles.items()) if n <= article.end},
            title=article.headline,
            lede=article.lede,
            byline=article.byline,
            dateline=article.dateline,
            attribution=article.attribution,
            captions=tuple(article.captions),
            links=tuple(article.links),
            date_min=article.published,
            date_max=article.published,
            date_source="native" if article.published else None,
        )


def _date(m: re.Match[str]) -> dt.date | None:
    try:
        return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None


def _repeats(line: str, headline: str) -> bool:
    """A line that repeats the headline, possibly without a 'Section : ' prefix."""
    return len(line) > 20 and (line == headline or headline.endswith(" " + line))


def _is_boilerplate(line: str) -> bool:
    return bool(BOILERPLATE.match(line)) or _holds_nag(line)


def _holds_nag(line: str) -> bool:
    # The nag's "Th" in any case, which is all IGNORECASE lets it be: substring tests that
    # spare most lines the search, which the engine tries at every position of the line.
    may_hold_nag = "th" in line or "Th" in line or "TH" in line or "tH" in line
    return may_hold_nag and bool(BOILERPLATE_ANYWHERE.search(line))


def _is_media(line: str, following: str | None) -> bool:
    """A photo caption or credit, or an embedded address: a line with ©, one ending with
    "(Photo de X)", one opening with a credit, a slug or an address, or a line just above
    a credit. Each test looks where its mark can be, instead of one pattern tried at every
    position of the line."""
    return (
        "©" in line
        or bool(_MEDIA_START.match(line))
        or (line[-1:] == ")" and bool(CREDIT_END.search(line)))
        or (following is not None and following.startswith("©"))
    )


def _headline_like(line: str) -> bool:
    return (
        len(line) <= 250
        and line[0] not in '«"•-–—(['
        and not line[0].islower()
        and ". " not in line
        and bool(_HEADLINE_END.match(line[-1]))
    )


def _classify(lines: list[tuple[int, str]]) -> list[str]:
    """Give each non-blank line a role; headlines are decided in page order."""
    texts = [t for _, t in lines]
    n = len(texts)
    # What each line is on its own, computed once: the rules below also look one and two
    # lines ahead.
    following = [texts[k + 1] if k + 1 < n else None for k in range(n)]
    media = [_is_media(line, after) for line, after in zip(texts, following, strict=True)]
    fixed = [
        _own_role(line) or ("caption" if is_media else None)
        for line, is_media in zip(texts, media, strict=True)
    ]
    opens = [is_media or bool(DATELINE.match(line)) for line, is_media in zip(texts, media, strict=True)]
    headline_like = [_headline_like(line) for line in texts]

    def fixed_at(k: int) -> str | None:
        return fixed[k] if k < n else None

    def opens_body(k: int) -> bool:
        """Whether line k opens an article's body: a caption, a credit, an address or a dateline."""
        return k < n and opens[k]

    def headline_like_at(k: int) -> bool:
        return k < n and headline_like[k]

    roles: list[str] = []
    previous = None
    headline: str | None = None
    for k, line in enumerate(texts):
        role = fixed[k]
        if role is None:
            if headline is not None and _repeats(line, headline):
                role = "repeated_headline"
            elif headline is None and len(line.split()) >= 4:
                role = "headline"
            elif previous == "byline":
                role = "headline" if headline_like[k] else "text"
            elif (
                roles
                and roles[-1] == "headline"
                and not opens_body(k)
                and (opens_body(k + 1) or fixed_at(k + 1) in ("boilerplate", "date"))
            ):
                role = "lede"
            elif (
                headline_like[k]
                and previous not in ("headline", "lede")
                and (
                    opens_body(k + 1)
                    or (headline_like_at(k + 1) and opens_body(k + 2))
                    or (
                        len(line) >= 60
                        and previous == "text"
                        and k + 1 < n
                        and fixed_at(k + 1) is None
                        and not headline_like_at(k + 1)
                    )
                )
            ):
                role = "headline"
            elif BYLINE.match(line) and (k + 1 == n or _next_starts_article(texts, k + 1)):
                role = "byline"
            else:
                role = "text"
        if role == "headline":
            headline = line
        roles.append(role)
        if role not in ("boilerplate", "repeated_headline"):
            previous = role
    return roles


def _next_starts_article(texts: list[str], k: int) -> bool:
    """After a byline: another headline, the page's closing boilerplate, or the page's end."""
    line = texts[k]
    return _headline_like(line) or _is_boilerplate(line) or k + 2 >= len(texts)


def _fixed_role(line: str, following: str | None) -> str | None:
    """Roles a line has on its own, whatever stands around it but the next line (a caption
    may stand just above its credit)."""
    return _own_role(line) or ("caption" if _is_media(line, following) else None)


def _own_role(line: str) -> str | None:
    """The roles of `_fixed_role` that the line's text alone tells."""
    m = _OWN_ROLES.match(line)
    role = m.lastgroup if m is not None else None
    if role != "boilerplate" and _holds_nag(line):
        return "boilerplate"
    return role


@dataclass
class BodyParts:
    """An article's extracted lines sorted by the rules above (see `sort_body_lines`)."""

    body: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    attribution: str | None = None
    dateline: str | None = None
    published: dt.date | None = None
    dropped: dict[str, list[str]] = field(default_factory=dict)


def sort_body_lines(lines: list[str], headline: str | None) -> BodyParts:
    """Apply this format's line rules to the lines of one article whose boundaries are
    already known (the main text another extractor found): captions, credits, embedded
    addresses, attribution, a 'Publié le' date and an opening agency dateline leave the
    body; boilerplate, teasers and repeats of the headline are dropped, by code.

    >>> lines = ["MOSCOU, 10 février. /TASS/. Le ministre a parlé.", "Partager", "© TASS", "Suite."]
    >>> parts = sort_body_lines(lines, None)
    >>> parts.dateline, parts.body, parts.captions, parts.dropped
    ('MOSCOU, 10 février. /TASS/.', ['Le ministre a parlé.', 'Suite.'], ['© TASS'], {'boilerplate': ['Partager']})
    """
    parts = BodyParts()
    texts = [line.strip() for line in lines if line.strip()]
    for k, line in enumerate(texts):
        role = _fixed_role(line, texts[k + 1] if k + 1 < len(texts) else None)
        if role is None and headline and _repeats(line, headline):
            role = "repeated_headline"
        if role in ("boilerplate", "read_more", "repeated_headline"):
            parts.dropped.setdefault(role, []).append(line)
        elif role == "caption":
            parts.captions.append(line)
        elif role == "link":
            parts.links.append(line)
        elif role == "attribution":
            parts.attribution = line
        elif role == "date":
            m = PUBLISHED.match(line)
            assert m is not None
            parts.published = _date(m)
        else:
            m = DATELINE.match(line) if not parts.body and parts.dateline is None else None
            if m:
                parts.dateline = m.group("dateline")
                line = line[m.end() :]
            parts.body.append(line)
    return parts

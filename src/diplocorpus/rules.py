"""Entities found by rule: hashtags, @-mentions, URLs, flag emoji and calendar dates.

Pure functions over a text, no I/O. Offsets are Python character offsets into the text
exactly as given, so `text[m.start:m.end] == m.surface` for every mention.

>>> [(m.type, m.surface, m.normalized) for m in find_rule_entities("🇷🇺 Riyad, 18 février 2025 #G20")]
[('FLAG', '🇷🇺', 'RU'), ('DATE', '18 février 2025', '2025-02-18'), ('HASHTAG', '#G20', 'G20')]

Mentions never overlap. Where two rules claim the same characters, the first type of
RULE_PRIORITY wins: a URL keeps its '#fragment', a hashtag keeps the digits in it.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

HASHTAG = "HASHTAG"
MENTION = "MENTION"
URL = "URL"
FLAG = "FLAG"
DATE = "DATE"
RULE_PRIORITY = (URL, MENTION, HASHTAG, FLAG, DATE)


@dataclass(slots=True)
class Mention:
    """One entity mention: `text[start:end] == surface`; `type` is one of RULE_PRIORITY."""

    start: int
    end: int
    surface: str
    type: str
    normalized: str


@dataclass(slots=True)
class DateMention:
    """A calendar date naming a day, or a range of days, as written in a text.

    `month`/`day` are the first day, `last_month`/`last_day` the last (equal for a single
    day). `year` is the year as written (it belongs to the last day), None when the text
    gives none. `first`/`last` are the days as dates, in the year written or else the year
    assumed by the caller; None when neither is known or the day does not exist that year
    (29 February). `normalized` is ISO 8601: `2025-02-20`, `2025-12-19/2025-12-20`,
    `--02-20` when no year is known.
    """

    start: int
    end: int
    surface: str
    first: dt.date | None
    last: dt.date | None
    month: int
    day: int
    year_given: bool
    last_month: int
    last_day: int
    year: int | None

    @property
    def is_range(self) -> bool:
        return (self.month, self.day) != (self.last_month, self.last_day)

    def resolve(self, year: int) -> tuple[dt.date, dt.date] | None:
        """First and last day when `year` is the year of the last day; None if a day does not exist.

        A range over New Year ('28 décembre au 3 janvier') puts its first day in the year before.

        >>> find_dates("du 28 décembre au 3 janvier")[0].resolve(2026)
        (datetime.date(2025, 12, 28), datetime.date(2026, 1, 3))
        """
        first_year = year - 1 if (self.month, self.day) > (self.last_month, self.last_day) else year
        try:
            return dt.date(first_year, self.month, self.day), dt.date(year, self.last_month, self.last_day)
        except ValueError:
            return None

    @property
    def normalized(self) -> str:
        if self.first is not None and self.last is not None:
            first, last = self.first.isoformat(), self.last.isoformat()
        else:
            first, last = f"--{self.month:02d}-{self.day:02d}", f"--{self.last_month:02d}-{self.last_day:02d}"
        return first if not self.is_range else f"{first}/{last}"


def find_rule_entities(text: str, year: int | None = None) -> list[Mention]:
    """Every hashtag, @-mention, URL, flag and date of `text`, sorted by (start, end), never overlapping.

    `year` is assumed for dates written without one (see `find_dates`).

    >>> [m.normalized for m in find_rule_entities("@MID_Russia: t.me/MID_Russia/123, 20 декабря", 2025)]
    ['mid_russia', 'https://t.me/MID_Russia/123', '2025-12-20']
    """
    candidates = {
        URL: _find_urls(text),
        MENTION: _find_mentions(text),
        HASHTAG: _find_hashtags(text),
        FLAG: _find_flags(text),
        DATE: (_date_as_mention(d) for d in find_dates(text, year)),
    }
    # What is taken, in order: it never overlaps, so a new mention need only be checked
    # against the mentions just before and after where it would go.
    taken: list[Mention] = []
    starts: list[int] = []
    for kind in RULE_PRIORITY:
        for mention in candidates[kind]:
            at = bisect_right(starts, mention.start)
            if (at and taken[at - 1].end > mention.start) or (at < len(starts) and starts[at] < mention.end):
                continue
            taken.insert(at, mention)
            starts.insert(at, mention.start)
    return taken


# --- URLs, mentions, hashtags, flags -------------------------------------------------------------

_URL = re.compile(r"(?:(?i:https?://)|(?<![\w.@/-])(?:www\.|t\.me/))[^\s<>«»\"]+")
_URL_TRAILING = ".,;:!?»)]}\"'…"
_CLOSING = {")": "(", "]": "[", "}": "{"}
_SCHEME = re.compile(r"https?://", re.IGNORECASE)
# Top-level domains under which a bare domain name ('mid.ru', 'francais.rt.com') is taken for
# a link: the generic ones, and those of the countries this corpus writes about most, less
# those that are also short French or English words ('.la', '.me', '.ne', '.ma', '.es',
# '.et', '.is', '.it', '.no', '.at', '.so', '.my', '.am', '.id'): 'pays.la' is more likely a
# missing space than Laos. Written in lower case: 'Moscou.Le' is no link either.
_TLDS = (
    "com net org info int edu gov io tv news online site app eu "
    "ru su рф by ua kz az ge uz kg tj md "
    "fr be ch lu ca mc "
    "ml bf td cf cm cg cd ga gq sn ci gn bj tg mr mg dz tn ly eg sd er dj rw bi "
    "za zw mz ao na bw ke tz ug ng gh "
    "uk de pt nl pl cz sk hu ro bg rs hr si gr tr cy se fi dk ee lv lt ie "
    "us mx br ar cl ve cu ni bo "
    "cn jp kr kp in pk ir iq sy lb jo il ps sa ae qa kw om ye af mn vn kh th ph sg au nz"
)
# A bare domain's last dot and top-level domain; the labels before it are read backwards
# (_find_bare_domains), so that the search opens on a '.', found by a fast scan. As for
# Telegram, which links what it reads as a domain, a letter or any character from U+00C0 on
# but spaces and most of General Punctuation continues the name, and the top-level domain is
# then another: 'mid.ruи' and 'example.com（' are no links, 'mid.ru»' and 'mid.ru…' are.
_TLD = re.compile(
    r"\.(?:"
    + "|".join(sorted(_TLDS.split(), key=len, reverse=True))
    + r")(?![\w@-]|\.\w|[^\x00-\xbf\s\u2000-\u200b\u200e\u200f\u2016-\u206f])"
)
_LABEL_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")
_CYRILLIC_LABEL_CHARACTERS = frozenset(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ0123456789-."
)
# The longest domain name DNS allows: a longer run of letters and dots is no name, and the
# search backwards stops there.
_MAX_DOMAIN = 253
_PATH = re.compile(r"[/?#][^\s<>«»\"]*")
# The patterns open on a character, not a lookbehind, so that re finds where they can start
# by a fast scan: '@(?<![\w@.+-]@)' is '(?<![\w@.+-])@'.
# Telegram handles are 5-32 characters; a preceding word character makes it an e-mail address,
# a following '.word' a domain name.
_MENTION = re.compile(r"@(?<![\w@.+-]@)([A-Za-z0-9_]{5,32})(?![\w@]|\.\w)")
# As Telegram reads them: a hashtag runs to the last word character, and is none when a '#'
# follows it ('#CO#_p'); '#tag@channel' is one hashtag, the tag within one channel.
_HASHTAG = re.compile(r"#(?<![\w#&/]#)(\w++(?:@[A-Za-z0-9_]{5,32}(?![\w@]))?)(?!#)")
_FLAG = re.compile(r"[\U0001F1E6-\U0001F1FF][\U0001F1E6-\U0001F1FF]")
# Subdivision flags: black flag, tag letters (country + subdivision code), cancel tag.
_SUBDIVISION_FLAG = re.compile(
    r"\U0001F3F4([\U000E0061-\U000E007A]{2}[\U000E0030-\U000E0039\U000E0061-\U000E007A]{1,4})\U000E007F"
)


def _find_urls(text: str) -> Iterator[Mention]:
    """Links with a scheme, 'www.' or 't.me/' first, then bare domain names (which
    find_rule_entities drops where they overlap one of the first)."""
    if "://" in text or "www." in text or "t.me/" in text:  # a cheap test first: most texts have none
        for m in _URL.finditer(text):
            url = _strip_trailing(m.group())
            prefix = _SCHEME.match(url)
            head = prefix.end() if prefix else url.index(".") + 1 if url.startswith("www.") else len("t.me/")
            if len(url) <= head:
                continue
            normalized = url if prefix else "https://" + url
            yield Mention(m.start(), m.start() + len(url), url, URL, normalized)
    yield from _find_bare_domains(text)


def _find_bare_domains(text: str) -> Iterator[Mention]:
    """Domain names written without a scheme ('mid.ru', 'GitLab.com/x'), with their path.

    The labels are ASCII letters, digits and hyphens (Cyrillic ones under .рф); a domain
    that follows a word character, '@' (an e-mail address), '/' or '#' is none."""
    for m in _TLD.finditer(text):
        labels = _CYRILLIC_LABEL_CHARACTERS if m.group() == ".рф" else _LABEL_CHARACTERS
        start = m.start()
        floor = max(0, start - _MAX_DOMAIN)
        while start > floor and text[start - 1] in labels:
            start -= 1
        name = text[start : m.start()]
        if (
            (start == floor and start and text[start - 1] in labels)  # longer than a domain name
            or not name
            or name[0] in "-."
            or name[-1] in "-."
            or ".." in name
            or (start and (text[start - 1] in "@/#_" or text[start - 1].isalnum()))
        ):
            continue
        end = m.end()
        path = _PATH.match(text, end)
        if path:
            end += len(_strip_trailing(path.group()))
        url = text[start:end]
        yield Mention(start, end, url, URL, "https://" + url)


def _strip_trailing(url: str) -> str:
    """The URL without the punctuation that ends the sentence around it; a ')', ']' or '}'
    that closes a bracket of the URL stays."""
    while url and url[-1] in _URL_TRAILING:
        opening = _CLOSING.get(url[-1])
        if opening and url.count(opening) >= url.count(url[-1]):
            break
        url = url[:-1]
    return url


def _find_mentions(text: str) -> Iterator[Mention]:
    if "@" not in text:
        return
    for m in _MENTION.finditer(text):
        yield Mention(m.start(), m.end(), m.group(), MENTION, m.group(1).lower())


def _find_hashtags(text: str) -> Iterator[Mention]:
    if "#" not in text:
        return
    for m in _HASHTAG.finditer(text):
        tag = m.group(1)
        if any(c.isalpha() for c in tag.partition("@")[0]):  # '#1' is a number, not a tag
            yield Mention(m.start(), m.end(), m.group(), HASHTAG, tag)


def _find_flags(text: str) -> Iterator[Mention]:
    for m in _FLAG.finditer(text):
        code = "".join(chr(ord(c) - 0x1F1E6 + ord("A")) for c in m.group())
        yield Mention(m.start(), m.end(), m.group(), FLAG, code)
    for m in _SUBDIVISION_FLAG.finditer(text):
        tags = "".join(chr(ord(c) - 0xE0000) for c in m.group(1)).upper()
        yield Mention(m.start(), m.end(), m.group(), FLAG, f"{tags[:2]}-{tags[2:]}")


# --- dates ---------------------------------------------------------------------------------------

_RUSSIAN_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
_ENGLISH = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MONTHS = {
    "janvier": 1,
    **dict.fromkeys(("février", "fevrier"), 2),
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    **dict.fromkeys(("août", "aout"), 8),
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    **dict.fromkeys(("décembre", "decembre"), 12),
    # Russian names a day with the month in the genitive.
    **{name: n for n, name in enumerate(_RUSSIAN_GENITIVE, 1)},
    **{name.lower(): n for n, name in enumerate(_ENGLISH, 1)},
}
_ENGLISH_MONTHS = "|".join(_ENGLISH)
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:er|st|nd|rd|th)?(?!\d)"
_SPACE = r"[^\S\n]+"
_RANGE_JOIN = r"(?:[^\S\n]*[-–—‑][^\S\n]*|[^\S\n]+(?:au|et|по|на|to|and)[^\S\n]+)"
_YEAR = r"(?<!\d)(?:1\d{3}|2[01]\d{2})(?!\d)"
_YEAR_WORD = r"(?:[^\S\n]*(?:года|году|г\.|г(?!\w)))?"
# Day first, in every language: '18 février', '19–20 декабря 2025 года', '28 février au 2 mars'.
_DAY_FIRST = re.compile(
    rf"(?<!\w)(?<!\d[.,:/])(?P<d1>{_DAY})"
    rf"(?:(?:{_SPACE}(?P<m1>{_MONTH})(?!\w))?{_RANGE_JOIN}(?P<d2>{_DAY}))?"
    rf"{_SPACE}(?P<m2>{_MONTH})(?!\w)"
    rf"(?:{_SPACE}(?P<y>{_YEAR}){_YEAR_WORD})?",
    re.IGNORECASE,
)
# English month first: 'February 20, 2025', 'February 20–21'. Capitalised only: 'may 5' is a verb.
_MONTH_FIRST = re.compile(
    rf"(?<!\w)(?P<m2>{_ENGLISH_MONTHS}){_SPACE}(?P<d1>{_DAY})(?:{_RANGE_JOIN}(?P<d2>{_DAY}))?(?!\w)"
    rf"(?:,?{_SPACE}(?P<y>{_YEAR}))?"
)
# Where _DAY_FIRST can start: a digit after no word character.
_NUMBER_START = re.compile(r"\d(?<!\w\d)")
# The Russian night 'с 28 на 29' is a range only after 'с'.
_RUSSIAN_FROM = re.compile(r"(?:^|\W)со?[^\S\n]+$", re.IGNORECASE)


def find_dates(text: str, year: int | None = None) -> list[DateMention]:
    """Calendar dates naming a day in French, Russian or English, sorted by position.

    `year` is assumed where the text writes none (None: the date stays yearless). Days are
    checked against their month, so '31 février' is no date; bare years, months without a
    day and times are not dates.

    >>> [d.normalized for d in find_dates("Les 19-20 декабря 2025 года; le 1er mars; 31 février")]
    ['2025-12-19/2025-12-20', '--03-01']
    >>> find_dates("в ночь с 28 на 29 декабря", year=2025)[0].normalized
    '2025-12-28/2025-12-29'
    """
    found: list[DateMention] = []
    # Month-first dates need an English month name: a cheap test first, most texts have none.
    english = any(name in text for name in _ENGLISH)
    for matches in (_day_first(text), _MONTH_FIRST.finditer(text)) if english else (_day_first(text),):
        for m in matches:
            date = _date_from_match(text, m, year)
            if date is not None:
                found.append(date)
    found.sort(key=lambda d: (d.start, -d.end))
    kept: list[DateMention] = []
    for date in found:
        if not kept or date.start >= kept[-1].end:
            kept.append(date)
    return kept


def _day_first(text: str) -> Iterator[re.Match[str]]:
    """What _DAY_FIRST.finditer(text) finds, tried only where a number starts: re scans
    for a lookbehind at every character, for a digit fast."""
    end = 0
    for start in _NUMBER_START.finditer(text):
        if start.start() >= end:
            m = _DAY_FIRST.match(text, start.start())
            if m:
                end = m.end()
                yield m


def date_years(text: str) -> list[int]:
    """The distinct years written in the text's dates, ascending (bare years do not count).

    >>> date_years("le 6 juin 1944 et le 18 février 2025, en 2026")
    [1944, 2025]
    """
    return sorted({d.year for d in find_dates(text) if d.year is not None})


def _date_from_match(text: str, m: re.Match[str], year: int | None) -> DateMention | None:
    last_month = _MONTHS[m["m2"].lower()]
    written = int(m["y"]) if m["y"] else None
    last_day = _day_number(m["d2"] or m["d1"])
    if m["d2"] is not None:
        first_month = m.groupdict().get("m1")
        month = _MONTHS[first_month.lower()] if first_month else last_month
        if _is_range(text, m, month, _day_number(m["d1"]), last_month, last_day):
            return _date_mention(
                text, m.start(), m.end(), (month, _day_number(m["d1"])), (last_month, last_day), written, year
            )
        if m.re is _DAY_FIRST:  # not a range: the date is the second day alone
            return _date_mention(
                text, m.start("d2"), m.end(), (last_month, last_day), (last_month, last_day), written, year
            )
        return None
    return _date_mention(
        text, m.start(), m.end(), (last_month, last_day), (last_month, last_day), written, year
    )


def _is_range(text: str, m: re.Match[str], month: int, day: int, last_month: int, last_day: int) -> bool:
    join = text[m.end("d1") : m.start("d2")].strip().lower()
    if join == "на" and not _RUSSIAN_FROM.search(text, 0, m.start()):
        return False
    if month == last_month:
        return day < last_day
    return True


def _date_mention(
    text: str,
    start: int,
    end: int,
    first_day: tuple[int, int],
    last_day: tuple[int, int],
    written: int | None,
    assumed: int | None,
) -> DateMention | None:
    if not (_exists(*first_day, written) and _exists(*last_day, written)):
        return None
    date = DateMention(
        start,
        end,
        text[start:end],
        None,
        None,
        first_day[0],
        first_day[1],
        written is not None,
        last_day[0],
        last_day[1],
        written,
    )
    year = written if written is not None else assumed
    days = date.resolve(year) if year is not None else None
    if days is None:
        return date
    return DateMention(
        start,
        end,
        date.surface,
        days[0],
        days[1],
        date.month,
        date.day,
        date.year_given,
        date.last_month,
        date.last_day,
        written,
    )


def _exists(month: int, day: int, year: int | None) -> bool:
    """Whether the day exists in that month (any leap year when the year is unknown)."""
    try:
        dt.date(year if year is not None else 2000, month, day)
    except ValueError:
        return False
    return True


def _day_number(day: str) -> int:
    return int(re.match(r"\d+", day).group())  # type: ignore[union-attr]


def _date_as_mention(date: DateMention) -> Mention:
    return Mention(date.start, date.end, date.surface, DATE, date.normalized)

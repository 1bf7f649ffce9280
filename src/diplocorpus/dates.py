"""Publication-date intervals for records without a timestamp, from their text and their channel order.

A Telegram text render carries no timestamps, but a channel is in chronological order, and
a post that reports an event is published on or after that event. `bound_dates` turns one
source's records, in channel order, into an interval `[date_min, date_max]` per record:

- native: a record with a timestamp (`published_at`, UTC) gets its UTC date as both bounds.
- text: a record's event dates are a lower bound. Event dates are only those the post
  presents as its own: a dateline line (`📍 Johannesburg, 20 février`), a date closing a
  parenthesis in the headline (`(Moscou, 29 décembre 2025)`) or on a line of its own
  (`(Extrait du point de presse … du 18 février 2025)`), a date ending the headline after a
  comma (`…, Le Caire, le 20 décembre 2025`), a date opening the post and followed by a
  comma or a year (`Le 26 décembre 2025, …`, `26 декабря 2025 г. состоялась …`), and a
  reported event: in the first sentence of the headline or of the line after it, a date
  that is the adverbial of a completed past verb, right after it or opening the sentence
  right before it, with at most a place between (`se sont entretenus à Riyad le 18
  février`, `провёл 18 февраля`, `18 февраля в Эр-Рияде состоялись`). What happened on a
  day was published on or after it, so such a date bounds from below only, like the others.
  The verb must be a French passé composé (avoir + participle, a reflexive or motion verb
  with être) or a Russian past form, not a verb that sets a day (`ont fixé le 15 mars`,
  `провозгласила 14 декабря`), not a Russian wish (`чтобы … провели`), and not followed by
  the verb the date belongs to (`договорились 15 марта провести`); the clause holding them
  must not speak of the future or of a commemoration. A range counts from its first day.
  Dates elsewhere in the body do not bound: they name past events, future ones (`le
  prochain sommet se tiendra le 15 mars 2026`), decisions about future ones, and recurring
  days (`14 décembre, Journée internationale …`), and a wrong lower bound is worse than a
  wide interval. Even an event date is not used when its line (for a reported event, its
  clause) speaks of the future or of a commemoration (FUTURE_OR_RECURRING: `prochain`,
  `se tiendra`, `состоится`, `Journée`, `день`, …). Service records give no text dates.
- neighbours: a record is published no earlier than the records before it, so lower bounds
  propagate forward; and no later than the records after it and than the source's
  collection, so upper bounds (native dates, `collected_at`) propagate backward.
- missing years: a date without a year takes the year that puts it closest to a reference:
  the record's own dates with a year, else the lower bound from the records before, else
  the nearest later record's native date or dated event, else `collected_at`. '📍
  Johannesburg, 20 février' after '📍 Riyad, 18 février 2025' is 2025-02-20; '3 janvier'
  after '29 décembre 2025' is 2026-01-03. With no reference at all the date bounds nothing.

Conflicts: an event date later than the record's upper bound (a later native date, or
`collected_at`) is ignored and reported in `ignored`; an event date earlier than the lower
bound from the records before is no conflict (an old event reported later) and the
tighter neighbour bound is kept. Native timestamps are never overridden; where they are out
of channel order, the lower bound carried from before is dropped for the records between
them rather than give `date_min > date_max`. So for records in order with ordered native
timestamps: date_min never decreases along the channel, date_max never decreases, and
date_min <= date_max always.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from diplocorpus.rules import DateMention, find_dates

NATIVE = "native"
TEXT = "text"
NEIGHBOURS = "neighbours"

# Words that make the dates of a line unfit as a lower bound: announcements, future tense,
# commemorations. Over-matching only makes the rule more conservative.
FUTURE_OR_RECURRING = re.compile(
    r"\b(?:prochain\w*|se\s+tiendr\w+|aur(?:a|ont)\s+lieu|pr[ée]vu\w*|[àa]\s+venir|demain|annonc\w*|agenda"
    r"|programme|calendrier|journ[ée]e|anniversaire|f[êe]te|comm[ée]mor\w*|c[ée]l[ée]br\w*"
    r"|\w+(?:era|eront|ira|iront|dra|dront)"
    r"|состоит?ся|состоятся|пройд[её]т|пройдут|будет|будут|планиру\w*|запланирован\w*|предстоящ\w*"
    r"|анонс\w*|завтра|намечен\w*|день|годовщин\w*|праздн\w*|юбиле\w*"
    r"|will|upcoming|next|scheduled|tomorrow|day|anniversary)\b",
    re.IGNORECASE,
)
_LEAD = r"[^\w(]*"  # emoji, bullets and spaces before the first word
# 'Johannesburg, ', 'Le Caire, le ', 'Санкт-Петербург, ' before the date, alone on its line.
_DATELINE_PLACE = re.compile(rf"^{_LEAD}[A-ZÀ-ÖØ-ÞА-ЯЁ][\w'’.\- ]{{0,40}},\s*(?:les?\s+)?$")
_OPENING = re.compile(rf"^{_LEAD}(?:les?\s+|du\s+)?$", re.IGNORECASE)
_AFTER_COMMA = re.compile(r",\s*(?:les?\s+)?$", re.IGNORECASE)
_OPEN_PARENTHESIS = re.compile(r"\([^()]*$")
_LINE_IS_PARENTHESIS = re.compile(rf"^{_LEAD}\([^()]*$")
_LINE_END = re.compile(r"^[\s.]*$")

# A completed past verb, which a reported event on a date makes a lower bound. French passé
# composé: avoir + a past participle, or être after a reflexive pronoun ('se sont
# entretenus') or with a verb of motion ('est arrivé'); être + any other participle may be a
# present passive about a later day ('est attendu le 15 mars'). Russian past tense: -л, -ла,
# -ло, -ли, reflexive or not ('провёл', 'состоялись'). The present is left out: French uses it
# for scheduled events ('se rend à Paris le 15 mars') as much as for what is happening.
_PARTICIPLE = r"(?!(?:lieu|priori|droit|trait)\b)(?=[a-zà-ÿ])\w+(?:é|i|u|is|it|ert|int)(?:e|s|es)?"
_MOTION = (
    r"(?:(?:all|arriv|entr|rentr|mont|pass|rest|retourn|tomb|d[ée]c[ée]d)é|n[ée]|mort|parti|sorti"
    r"|(?:re|de|par|inter)?venu|descendu)(?:e|s|es)?"
)
_ETRE = r"(?:suis|es|est|sommes|êtes|sont)"
_ADVERB = r"(?:\w+ment\s+)?"
_PAST_VERB = (
    rf"(?<![\w'’])(?:(?:ai|as|a|avons|avez|ont)\s+{_ADVERB}(?P<avoir>{_PARTICIPLE})"
    rf"|(?:(?:se|me|te|nous\s+nous|vous\s+vous)\s+|[smt]['’]\s*){_ETRE}\s+{_ADVERB}(?P<reflexive>{_PARTICIPLE})"
    rf"|{_ETRE}\s+{_ADVERB}(?P<motion>{_MOTION})"
    r"|(?P<russian>[а-яё]{2,}(?:[аеиоуыяё]л|ш[её]л|шл)(?:а|о|и)?(?:ся|сь)?))(?![\w'’-])"
)
# 'à Riyad', 'au Caire', 'в Эр-Рияде': a place between the verb and its date.
_PLACE = r"(?:\s+(?:à|au|aux|en|в|во)\s+[A-ZÀ-ÖØ-ÞА-ЯЁ][\w'’-]*(?:\s+[A-ZÀ-ÖØ-ÞА-ЯЁ][\w'’-]*){0,3})?"
_VERB_THEN_DATE = re.compile(rf"{_PAST_VERB}{_PLACE}\s+(?:les?\s+)?$")
_DATE_THEN_VERB = re.compile(rf"^{_PLACE}\s+{_PAST_VERB}")
_OPENS_SENTENCE = re.compile(rf"^{_LEAD}(?:les?\s+)?$", re.IGNORECASE)
# Verbs that fix, move, propose, announce or proclaim a day: the date next to them may be the
# day decided on, later than the decision ('ont fixé le 15 mars', 'провозгласила 14 декабря').
_SCHEDULING = re.compile(
    r"^(?:fix|pr[ée]v|programm|planifi|report|repouss|avanc|d[ée]cal|conv|propos|annon|d[ée]cid|arr[êe]t"
    r"|invit|proclam|choisi|ret[ei]n|d[ée]sign|envisag|promi|confirm|назнач|перен[её]с|намет|реш|предлож"
    r"|соглас|договор|услов|объяв|приглас|провозгла|запланир|планир|выбра|утверд|подтверд|обеща|созва)",
    re.IGNORECASE,
)
# A Russian past form after 'бы'/'чтобы' is a wish or a purpose, not a fact.
_SUBJUNCTIVE = re.compile(r"(?<![\w-])(?:бы|б|чтобы)(?![\w-])", re.IGNORECASE)
# After the date, a Russian infinitive or present/future form is the verb the date belongs to
# ('договорились 15 марта провести', 'посол 15 марта вручит': a noun in -л read as a verb).
_RUSSIAN_VERB_NEXT = re.compile(
    rf"^{_PLACE}\s+[а-яё]+(?:ть|ться|тись|ти|чь|[еёиуюая]т|[её]м|им)(?:ся|сь)?(?![\w-])", re.IGNORECASE
)
_CLAUSE_BREAK = re.compile(r"[,;:()«»\"“”—]")
_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)")
LEAD_LINES = 2  # the headline and the line after it: a post states its own event first


@dataclass(slots=True)
class DatedInput:
    """One record as `bound_dates` needs it: its text, kind (post|article|service) and timestamp."""

    text: str | None
    kind: str
    published_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class DateBound:
    """The publication-date interval of one record, and what it rests on.

    `date_source`: 'native' (the record's own timestamp), 'text' (date_min is the record's
    own event date), 'neighbours' (a bound comes from other records or from collected_at
    only), None (no bound). `min_from`/`max_from`: the 0-based position of the record whose
    date gives date_min/date_max (None: none, or collected_at). `text_dates`: the record's
    event dates with their year resolved (ISO, `2025-12-19/2025-12-20` for a range), all
    of which are <= date_min; `ignored`: event dates left out, as written, with the reason.
    """

    date_min: dt.date | None
    date_max: dt.date | None
    date_source: str | None
    min_from: int | None = None
    max_from: int | None = None
    text_dates: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()


def bound_dates(posts: Sequence[DatedInput], collected_at: dt.date | None = None) -> list[DateBound]:
    """Publication-date intervals for one source's records, given in channel order.

    >>> posts = [DatedInput("📍 Riyad, 18 février 2025", "post"), DatedInput("Lavrov au G20", "post"),
    ...          DatedInput("📍 Johannesburg, 20 février", "post")]
    >>> [(b.date_min.isoformat(), b.date_source) for b in bound_dates(posts)]
    [('2025-02-18', 'text'), ('2025-02-18', 'neighbours'), ('2025-02-20', 'text')]
    """
    natives = [_utc_date(post.published_at) for post in posts]
    events = [event_dates(post.text) if post.kind != "service" and post.text else [] for post in posts]
    uppers = _upper_bounds(natives, _as_date(collected_at))
    later_references = _later_references(natives, events)
    bounds: list[DateBound] = []
    lower: tuple[dt.date, int] | None = None
    for i, native in enumerate(natives):
        if native is not None:
            bounds.append(DateBound(native, native, NATIVE, i, i))
            lower = (native, i)
            continue
        upper, upper_from = uppers[i]
        if lower is not None and upper is not None and lower[0] > upper:
            lower = None  # native timestamps out of channel order: carry nothing across them
        reference = _reference(events[i], lower, later_references[i], upper)
        used, ignored = _resolve_events(events[i], reference, upper)
        own = (used[-1][0], i) if used else None
        best = max((b for b in (lower, own) if b is not None), key=lambda b: (b[0], b[1] == i), default=None)
        date_min, min_from = best if best is not None else (None, None)
        source = TEXT if min_from == i else NEIGHBOURS if (date_min or upper) is not None else None
        bounds.append(
            DateBound(
                date_min, upper, source, min_from, upper_from, tuple(text for _, text in used), tuple(ignored)
            )
        )
        lower = best
    return bounds


def event_dates(text: str) -> list[DateMention]:
    """The dates a text presents as its own event: datelines, headline, opening, footer and reported dates.

    >>> [d.surface for d in event_dates("Déclaration (Moscou, 29 décembre 2025)\\nLe 15 mars 2026 …")]
    ['29 décembre 2025']
    """
    found: list[DateMention] = []
    line_start = 0
    lines_seen = 0
    for line in text.split("\n"):
        line_end = line_start + len(line)
        if line.strip():
            dates = find_dates(line)
            fit = bool(dates) and not FUTURE_OR_RECURRING.search(line)
            lead_end = _first_sentence_end(line, dates) if lines_seen < LEAD_LINES else 0
            for date in dates:
                own = fit and _is_event_date(line[: date.start], line[date.end :], date, lines_seen == 0)
                if own or (date.end <= lead_end and _is_reported_event(line[:lead_end], date)):
                    found.append(_shifted(date, line_start))
            lines_seen += 1
        line_start = line_end + 1
    return found


def _is_event_date(before: str, after: str, date: DateMention, first_line: bool) -> bool:
    closes_parenthesis = after.startswith(")") and _OPEN_PARENTHESIS.search(before) is not None
    if _DATELINE_PLACE.match(before) and _LINE_END.match(after):
        return True
    if closes_parenthesis and (
        first_line or (_LINE_IS_PARENTHESIS.match(before) and _LINE_END.match(after[1:]))
    ):
        return True
    if not first_line:
        return False
    if _AFTER_COMMA.search(before) and _LINE_END.match(after):
        return True
    return _OPENING.match(before) is not None and (after.startswith(",") or date.year_given)


def _first_sentence_end(line: str, dates: list[DateMention]) -> int:
    """Where the line's first sentence ends: its first full stop outside a date ('2025 г.'), else the line's end."""
    for end in _SENTENCE_END.finditer(line):
        if not any(d.start <= end.start() < d.end for d in dates):
            return end.end()
    return len(line)


def _is_reported_event(sentence: str, date: DateMention) -> bool:
    """Whether a sentence reports, in a past tense, an event held on the date.

    The date is the verb's own adverbial: right after a completed past verb ('se sont
    entretenus à Riyad le 18 février', 'провёл 18 февраля'), or opening the sentence right
    before one ('18 февраля в Эр-Рияде состоялись переговоры'), with at most a place between.
    The clause holding them must not speak of the future or of a commemoration, the verb must
    not be one that sets a day, and a Russian past form must not be a wish ('чтобы … провели').

    >>> sentence = "Lavrov et Rubio se sont entretenus à Riyad le 18 février."
    >>> _is_reported_event(sentence, find_dates(sentence)[0])
    True
    >>> sentence = "Les ministres ont fixé le 15 mars pour leur réunion."
    >>> _is_reported_event(sentence, find_dates(sentence)[0])
    False
    """
    before, after = sentence[: date.start], sentence[date.end :]
    verb = _VERB_THEN_DATE.search(before)
    if verb is not None:
        clause_start, clause_end = verb.start(), date.end
    else:
        verb = _DATE_THEN_VERB.match(after) if _OPENS_SENTENCE.match(before) else None
        if verb is None:
            return False
        clause_start, clause_end = date.start, date.end + verb.end()
    verb_word = next(word for word in verb.group("avoir", "reflexive", "motion", "russian") if word)
    clause = _clause(sentence, clause_start, clause_end)
    return not (
        _SCHEDULING.match(verb_word)
        or FUTURE_OR_RECURRING.search(clause)
        or _SUBJUNCTIVE.search(clause)
        or _RUSSIAN_VERB_NEXT.match(after)
    )


def _clause(sentence: str, start: int, end: int) -> str:
    """The stretch of the sentence around [start, end) up to the nearest comma, colon, bracket or quote."""
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(sentence)]
    left = max((b + 1 for b in breaks if b < start), default=0)
    right = min((b for b in breaks if b >= end), default=len(sentence))
    return sentence[left:right]


def _shifted(date: DateMention, offset: int) -> DateMention:
    return DateMention(
        date.start + offset,
        date.end + offset,
        date.surface,
        date.first,
        date.last,
        date.month,
        date.day,
        date.year_given,
        date.last_month,
        date.last_day,
        date.year,
    )


def _upper_bounds(
    natives: list[dt.date | None], collected_at: dt.date | None
) -> list[tuple[dt.date | None, int | None]]:
    """Per record, the latest possible date from the nearest later native date and collected_at."""
    uppers: list[tuple[dt.date | None, int | None]] = [(None, None)] * len(natives)
    upper: tuple[dt.date | None, int | None] = (collected_at, None)
    for i in range(len(natives) - 1, -1, -1):
        native = natives[i]
        if native is not None:
            upper = (native, i) if collected_at is None or native <= collected_at else (collected_at, None)
        uppers[i] = upper
    return uppers


def _later_references(natives: list[dt.date | None], events: list[list[DateMention]]) -> list[dt.date | None]:
    """Per record, the date of the nearest later record with a native date or an event date with a year."""
    references: list[dt.date | None] = [None] * len(natives)
    nearest: dt.date | None = None
    for i in range(len(natives) - 1, -1, -1):
        references[i] = nearest
        own = natives[i] or max((d.first for d in events[i] if d.year_given and d.first), default=None)
        nearest = own or nearest
    return references


def _reference(
    events: list[DateMention],
    lower: tuple[dt.date, int] | None,
    later: dt.date | None,
    upper: dt.date | None,
) -> tuple[dt.date, bool] | None:
    """The date a yearless event date is placed near, and whether it is an upper bound only."""
    own = max((d.first for d in events if d.year_given and d.first), default=None)
    near = own or (lower[0] if lower else None) or later
    if near is not None:
        return near, False
    return (upper, True) if upper is not None else None


def _resolve_events(
    events: list[DateMention], reference: tuple[dt.date, bool] | None, upper: dt.date | None
) -> tuple[list[tuple[dt.date, str]], list[str]]:
    """Event dates as (first day, ISO text), ascending; and those left out, with the reason."""
    used: list[tuple[dt.date, str]] = []
    ignored: list[str] = []
    for date in events:
        days = (date.first, date.last) if date.year_given else _closest_year(date, reference)
        if days is None or days[0] is None or days[1] is None:
            ignored.append(f"{date.surface}: no year")
        elif upper is not None and days[0] > upper:
            ignored.append(f"{date.surface}: after {upper.isoformat()}")
        else:
            text = (
                days[0].isoformat() if days[0] == days[1] else f"{days[0].isoformat()}/{days[1].isoformat()}"
            )
            used.append((days[0], text))
    return sorted(used), ignored


def _closest_year(
    date: DateMention, reference: tuple[dt.date, bool] | None
) -> tuple[dt.date, dt.date] | None:
    """The date's days in the year that puts its first day closest to the reference (earlier on a tie).

    When the reference is only an upper bound (collected_at), the latest year not after it.
    """
    if reference is None:
        return None
    near, is_upper = reference
    options = [
        days for year in (near.year - 1, near.year, near.year + 1) if (days := date.resolve(year)) is not None
    ]
    if is_upper:
        return max((days for days in options if days[0] <= near), default=None)
    return min(options, key=lambda days: (abs((days[0] - near).days), days[0]), default=None)


def _utc_date(moment: dt.datetime | None) -> dt.date | None:
    if moment is None:
        return None
    return (moment.astimezone(dt.UTC) if moment.tzinfo else moment).date()


def _as_date(day: dt.date | dt.datetime | None) -> dt.date | None:
    return _utc_date(day) if isinstance(day, dt.datetime) else day

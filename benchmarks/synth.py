"""Synthetic raw corpora of any size, made from the seed files of data/raw/.

Run: .venv/bin/python benchmarks/synth.py OUT_DIR --size 100MB [--seed 1]

OUT_DIR becomes a package directory the build can read: `data/raw/<files>`, the manifest
`data/raw/sources.csv` (the real manifest's columns), a copy of `data/curated/` (the
catalogue the build reads), and `synth.json`, what was written (files, bytes, records per
source, pairs, republications). The same seed and size give the same bytes.

The material is what the project's own parsers read from the seeds: the Telegram posts of
seeds 000 and 001 (first lines, paragraphs, datelines, hashtags, closing links, markers,
reactions) and the articles of seeds 002-004 (headlines, ledes, captions, agency datelines,
bylines, paragraphs, site boilerplate). From it the generator writes:

- `telegram-text` channel renders of 1-4 MB, laid out as the seed renders are: reactions
  lines with new counts and emoji orders, the doubled body of multi-line posts (in one long
  body in ten a copy misses a line or has a line cut short), `Forwarded from`, media
  markers followed by `VIEW IN TELEGRAM`, `📍` datelines, hashtag lines, service lines and,
  in some files, page chrome (channel title, subscriber count, `Download Telegram`). Half the channels are
  French-only (like seed 000), half bilingual (like seed 001): Russian posts each followed by
  its French translation, recombined from the line pairs of seed 001's six translation pairs.
- `web-text` pages of 8-60 KB with several articles each (like seed 002), with blank lines
  between paragraphs, captions and credits, agency datelines, bylines and site boilerplate.

Posts are recombined, not copied: a paragraph is one to three sentences drawn from the whole
seed material, with numbers changed and people's names swapped for others the seeds name (from
the curated catalogue), so that most posts are not near-verbatim copies of each other. A small
stated share are republications, as in the real corpus: FORWARD_SHARE of channel posts forward
an earlier post of another channel verbatim, and REPUBLISH_SHARE of web articles republish a
French Telegram post near-verbatim (emoji, datelines and hashtag lines left out).

Sizes are decimal (KB = 1000 bytes, MB = 10**6, GB = 10**9). Generation is single-process and
file by file, in under 100 MB of memory: 1 GB took 42 s on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import math
import random
import re
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from diplocorpus.errors import CorpusError
from diplocorpus.parsers import PARSERS, formats, telegram_text, web_text
from diplocorpus.parsers.lines import majority_script
from diplocorpus.read import read_manifest, read_raw
from diplocorpus.records import ParsedIssue, ParsedRecord

ROOT = Path(__file__).resolve().parent.parent
MANIFEST_COLUMNS = (
    "source_id",
    "path",
    "format",
    "platform",
    "name",
    "handle",
    "url",
    "language",
    "collected_at",
    "notes",
)

# Shares of what is written, stated in the module docstring and in benchmarks/README.md.
WEB_SHARE = 0.03  # of the corpus's bytes, in web pages
FORWARD_SHARE = 0.02  # of channel posts: an earlier post of another channel, forwarded verbatim
SERVICE_SHARE = 0.01  # of channel records: service lines (a rename, a new photo, a live stream)
REPUBLISH_SHARE = 0.2  # of web articles: a French Telegram post republished near-verbatim
CHANNEL_BYTES = (1_000_000, 4_000_000)
PAGE_BYTES = (8_000, 60_000)
VARIANTS = 6  # perturbed variants kept per sentence, title, caption and line pair
RESERVOIR = 2_000  # posts kept for republication
PARAGRAPHS = 40_000  # recombined paragraphs made once, from which posts draw
REACTION_LINES = 400  # reaction lines made per channel, from which its posts draw

UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]?B?)\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")
_MARKER = re.compile(r"^([^\w\s«(\[<\"'.]+)\s*")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+(?=[«\"A-ZÀ-ÝА-ЯЁ])")
_INVISIBLE = re.compile(r"[\ufe0e\ufe0f\u200d\s]")
_HEADLINE_END = re.compile(r"[\w»)!?]$")
_LEADING_SYMBOLS = re.compile(r"^[^\w«]+")

# Where the embassies whose channels are rendered stand: flag, French "in X", Russian "в X".
COUNTRIES = (
    ("🇲🇱", "au Mali", "Мали"),
    ("🇸🇳", "au Sénégal", "Сенегале"),
    ("🇧🇫", "au Burkina Faso", "Буркина-Фасо"),
    ("🇳🇪", "au Niger", "Нигере"),
    ("🇨🇲", "au Cameroun", "Камеруне"),
    ("🇨🇮", "en Côte d'Ivoire", "Кот-д'Ивуаре"),
    ("🇬🇳", "en Guinée", "Гвинее"),
    ("🇹🇩", "au Tchad", "Чаде"),
    ("🇨🇫", "en Centrafrique", "ЦАР"),
    ("🇲🇬", "à Madagascar", "Мадагаскаре"),
    ("🇧🇯", "au Bénin", "Бенине"),
    ("🇬🇦", "au Gabon", "Габоне"),
    ("🇨🇬", "au Congo", "Конго"),
    ("🇩🇿", "en Algérie", "Алжире"),
    ("🇲🇦", "au Maroc", "Марокко"),
    ("🇹🇳", "en Tunisie", "Тунисе"),
    ("🇫🇷", "en France", "Франции"),
    ("🇧🇪", "en Belgique", "Бельгии"),
    ("🇨🇭", "en Suisse", "Швейцарии"),
)
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
# Service lines as channel renders print them (telegram_text.SERVICE reads each as a record).
SERVICE_LINES = ("Channel photo updated", "Live stream started", "Live stream finished")


class SynthError(Exception):
    """A user mistake on the command line (bad size, output folder not empty)."""


# Photo credits as the web-text parser recognises them (captions of this shape are kept
# out of article bodies, and credit-only lines out of captions).
CREDIT = re.compile(
    r"©|\(Photo (?:de|:) [^)]+\)$|^Image from |^(?:Photo|Crédit|Credit)\s*:"
    r"|^[A-Z]{2,}(?:/[A-Z][A-Z .'-]+)+\s+–"
)
CREDIT_ONLY = re.compile(r"^©")


def parse_size(text: str) -> int:
    """Bytes in a size written like '100MB', '1GB', '1.5GB', '250KB' or '4096'.

    >>> parse_size("100MB"), parse_size("1.5GB"), parse_size("64kb")
    (100000000, 1500000000, 64000)
    """
    m = _SIZE.match(text)
    if m is None:
        raise SynthError(f"size {text!r} is not a size like 100MB, 1GB or 250KB")
    unit = m.group(2).upper()
    unit = unit if unit.endswith("B") or not unit else unit + "B"
    size = int(float(m.group(1)) * UNITS[unit])
    if size < 1_000:
        raise SynthError(f"size {text!r} is too small: ask for at least 1KB")
    return size


# --- Material read from the seeds --------------------------------------------------------


@dataclass
class LinePair:
    """A Russian line and its French translation, with perturbed variants made together."""

    variants: list[tuple[str, str]]


@dataclass
class SeedPair:
    first: LinePair
    forwarded: tuple[str | None, str | None]


@dataclass
class Article:
    title: str
    lede: str | None
    captions: list[str]
    body: list[str]
    dateline: str | None
    byline: str | None
    attribution: str | None


@dataclass
class Material:
    """Everything the generator recombines, each item with its perturbed variants."""

    sentences: list[list[str]] = field(default_factory=list)
    period_sentences: list[list[str]] = field(default_factory=list)  # ending with '.'
    first_lines: list[Template] = field(default_factory=list)  # perturbed when drawn
    short_sentences: list[list[str]] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    first_markers: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    closers: list[str] = field(default_factory=list)
    live: list[list[str]] = field(default_factory=list)
    seed_pairs: list[SeedPair] = field(default_factory=list)
    line_pairs: list[LinePair] = field(default_factory=list)
    pair_closers: list[tuple[str, str]] = field(default_factory=list)
    titles: list[list[str]] = field(default_factory=list)
    ledes: list[str] = field(default_factory=list)
    captions: list[list[str]] = field(default_factory=list)
    agency_datelines: list[list[str]] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)
    attributions: list[str] = field(default_factory=list)
    page_heads: list[str] = field(default_factory=list)
    page_tails: list[str] = field(default_factory=list)
    emojis: list[str] = field(default_factory=list)
    perturber: Perturber = field(default_factory=lambda: Perturber(()))


def read_seed_records(root: Path) -> dict[str, tuple[str, list[ParsedRecord | ParsedIssue], list[str]]]:
    """source_id -> (format, parsed items, raw lines) for every seed of `root`'s manifest."""
    seeds = {}
    for entry in read_manifest(root, formats()):
        raw = read_raw(root, entry)
        seeds[entry.source_id] = (entry.format, list(PARSERS[entry.format](raw.text)), raw.text.split("\n"))
    return seeds


def seed_translation_pairs(
    items: Sequence[ParsedRecord | ParsedIssue],
) -> list[tuple[ParsedRecord, ParsedRecord]]:
    """The Russian posts of a channel render each followed by their French translation, as
    the translations table shows them for seed 001: a Cyrillic post and the next post, in
    Latin script."""
    posts = [r for r in items if isinstance(r, ParsedRecord) and r.kind == "post" and r.text]
    return [
        (ru, fr)
        for ru, fr in zip(posts, posts[1:], strict=False)
        if majority_script(ru.text.split("\n")) == "cyrillic"
        and majority_script(fr.text.split("\n")) == "latin"
    ]


Template = tuple[str | tuple[str, str], ...]


class Perturber:
    """Changes numbers and swaps people's names, keeping a line's shape."""

    def __init__(self, names: Sequence[str]):
        self.names = sorted(set(names), key=lambda n: (-len(n), n))
        self.pattern = re.compile("|".join(re.escape(n) for n in self.names)) if self.names else None

    def number(self, rng: random.Random, digits: str) -> str:
        n = int(digits)
        if len(digits) == 4 and 1900 <= n <= 2030:
            return str(rng.randint(2014, 2026))
        if len(digits) <= 2 and 1 <= n <= 31:
            return str(rng.randint(1, 28))
        return str(rng.randint(max(1, n // 2), n + n // 2 + 1))

    def mapping(self, rng: random.Random, *texts: str) -> dict[str, str]:
        """One new value per number found in `texts`: a line and its translation keep
        matching numbers."""
        return {d: self.number(rng, d) for t in texts for d in _NUMBER.findall(t)}

    def numbers(self, rng: random.Random, text: str, mapping: dict[str, str] | None = None) -> str:
        mapping = mapping if mapping is not None else self.mapping(rng, text)
        return _NUMBER.sub(lambda m: mapping[m.group()], text)

    def swap_names(self, rng: random.Random, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: rng.choice(self.names), text)

    def perturb(self, rng: random.Random, text: str, names: bool = True) -> str:
        changed = self.numbers(rng, text)
        return self.swap_names(rng, changed) if names and rng.random() < 0.7 else changed

    def variants(self, rng: random.Random, text: str, n: int = VARIANTS, names: bool = True) -> list[str]:
        return list(dict.fromkeys([text] + [self.perturb(rng, text, names) for _ in range(n - 1)]))

    def template(self, text: str) -> Template:
        """`text` cut into literal parts and slots for names and numbers, filled cheaply
        many times over."""
        slots = [(m.start(), m.end(), "number") for m in _NUMBER.finditer(text)]
        if self.pattern is not None:
            slots += [(m.start(), m.end(), "name") for m in self.pattern.finditer(text)]
        parts: list[str | tuple[str, str]] = []
        at = 0
        for start, end, kind in sorted(slots):
            if start < at:  # a number inside a name
                continue
            parts += [text[at:start], (kind, text[start:end])]
            at = end
        parts.append(text[at:])
        return tuple(parts)

    def fill(self, rng: random.Random, template: Template) -> str:
        """A perturbed copy of a template's text: new numbers, and most often new names."""
        swap = rng.random() < 0.7
        out = []
        for part in template:
            if isinstance(part, str):
                out.append(part)
            elif part[0] == "number":
                out.append(self.number(rng, part[1]))
            else:
                out.append(rng.choice(self.names) if swap else part[1])
        return "".join(out)


def catalogue_names(root: Path) -> list[str]:
    """French names of the people of the curated catalogue (labels and aliases)."""
    names = []
    with (root / "data/curated/entity_catalog.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["type"] != "PER":
                continue
            for name in [row["label_fr"], *row["aliases"].split(" | ")]:
                name = name.strip()
                # Whole names in Latin script; none with a full stop ('Dwight D. Eisenhower'),
                # which would end a sentence for the parsers.
                if " " in name and "." not in name and not re.search(r"[\u0400-\u04FF]", name):
                    names.append(name)
    return names


def catalogue_places(root: Path) -> list[str]:
    """French names of the places of the curated catalogue, of one or two words."""
    with (root / "data/curated/entity_catalog.csv").open(encoding="utf-8", newline="") as f:
        return [
            row["label_fr"]
            for row in csv.DictReader(f)
            if row["type"] == "LOC" and row["label_fr"][:1].isupper() and len(row["label_fr"].split()) <= 2
        ]


def sentences_of(line: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_BREAK.split(line) if s.strip()]


def marker_of(line: str) -> str | None:
    m = _MARKER.match(line)
    return m.group(1) if m else None


def without_marker(line: str) -> str:
    m = _MARKER.match(line)
    return line[m.end() :] if m else line


def is_hashtag_line(line: str) -> bool:
    words = line.split()
    return bool(words) and all(w.startswith("#") for w in words)


def telegram_safe(line: str) -> bool:
    """A line the telegram-text parser reads as post text, nothing else."""
    return not (
        telegram_text.parse_reactions(line) is not None
        or telegram_text.FORWARDED.match(line)
        or line in telegram_text.LEADING_MARKERS
        or line in telegram_text.TRAILING_MARKERS
        or line == telegram_text.VIEW_IN_TELEGRAM
        or telegram_text.CHROME.match(line)
        or telegram_text.match_service(line) is not None
    )


def headline_like(line: str) -> bool:
    """Whether the web-text parser may take a line for a headline (its own rule)."""
    return (
        len(line) <= 250
        and line[0] not in '«"•-–—(['
        and not line[0].islower()
        and ". " not in line
        and bool(_HEADLINE_END.search(line))
    )


def web_role_free(line: str) -> bool:
    """A line to which the web-text parser gives no role of its own (caption, link,
    boilerplate, date, teaser, attribution, byline)."""
    return not (
        web_text.BOILERPLATE.match(line)
        or web_text.BOILERPLATE_ANYWHERE.search(line)
        or web_text.PUBLISHED.match(line)
        or web_text.READ_MORE.match(line)
        or web_text.URL.match(line)
        or web_text.SLUG.match(line)
        or web_text.ATTRIBUTION.match(line)
        or CREDIT.search(line)
        or CREDIT_ONLY.match(line)
        or web_text.BYLINE.match(line)
        or web_text.DATELINE.match(line)
    )


def web_body_safe(line: str) -> bool:
    """A paragraph the web-text parser keeps in an article's body, wherever it stands."""
    return bool(line) and web_role_free(line) and not headline_like(line)


def align_lines(ru: Sequence[str], fr: Sequence[str]) -> list[tuple[int, int]]:
    """Monotone alignment of a Russian post's lines with its French translation's, scored by
    what survives translation: the line's marker, its numbers, its length."""

    def score(r: str, f: str) -> float:
        s = 0.0
        mr, mf = (_INVISIBLE.sub("", marker_of(x) or "") for x in (r, f))
        if mr and mf:
            s += 1.0 if mr == mf else -1.0
        elif mr or mf:
            s -= 0.3
        nr, nf = set(_NUMBER.findall(r)), set(_NUMBER.findall(f))
        if nr or nf:
            s += 2.0 * len(nr & nf) / len(nr | nf) - 0.5
        return s + 1.0 - min(2.0, abs(math.log(len(f) / max(1, len(r)) / 1.15)) * 3)

    n, m = len(ru), len(fr)
    scores = [[score(r, f) for f in fr] for r in ru]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            s = scores[i - 1][j - 1]
            take = best[i - 1][j - 1] + s if s > 0.5 else -1.0
            best[i][j] = max(best[i - 1][j], best[i][j - 1], take)
    out = []
    i, j = n, m
    while i and j:
        s = scores[i - 1][j - 1]
        if s > 0.5 and best[i][j] == best[i - 1][j - 1] + s:
            out.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif best[i][j] == best[i - 1][j]:
            i -= 1
        else:
            j -= 1
    return out[::-1]


def read_material(root: Path, rng: random.Random) -> Material:
    """Read the seeds of `root` through the project's parsers and prepare what to recombine."""
    seeds = read_seed_records(root)
    perturb = Perturber(catalogue_names(root))
    mat = Material()
    sentences: dict[str, None] = {}
    first_lines: dict[str, None] = {}
    cities: dict[str, None] = {}
    markers: dict[str, None] = {}
    for source_id, (fmt, items, _) in sorted(seeds.items()):
        records = [r for r in items if isinstance(r, ParsedRecord)]
        if fmt == "telegram-text":
            for r in records:
                for e in r.reactions:
                    if e.emoji and e.emoji not in mat.emojis:
                        mat.emojis.append(e.emoji)
                if r.kind != "post" or not r.text:
                    continue
                lines = r.text.split("\n")
                if majority_script(lines) != "latin":
                    continue
                if r.media == "open_in_telegram":
                    mat.live.append(lines)
                    continue
                first_lines[lines[0]] = None
                if marker_of(lines[0]):
                    mat.first_markers.append(marker_of(lines[0]) or "")
                for line in lines[1:]:
                    if is_hashtag_line(line):
                        if line not in mat.hashtags:
                            mat.hashtags.append(line)
                    elif line.startswith("📍"):
                        cities[line[1:].split(",")[0].strip()] = None
                    elif len(line) < 45:
                        if line not in mat.closers:
                            mat.closers.append(line)
                    else:
                        if marker_of(line):
                            markers[marker_of(line) or ""] = None
                        for s in sentences_of(without_marker(line)):
                            sentences[s] = None
        else:
            for r in records:
                if r.title and headline_like(r.title) and len(r.title.split()) >= 4:
                    _add_titles(mat, perturb.variants(rng, r.title))
                if r.lede and web_role_free(r.lede):
                    mat.ledes.append(r.lede)
                mat.captions.extend(perturb.variants(rng, c, 3) for c in r.captions if CREDIT.search(c))
                if r.dateline:
                    mat.agency_datelines.append(perturb.variants(rng, r.dateline, 3, names=False))
                if r.byline and r.byline not in mat.bylines:
                    mat.bylines.append(r.byline)
                if r.attribution and r.attribution not in mat.attributions:
                    mat.attributions.append(r.attribution)
                for line in (r.text or "").split("\n"):
                    for s in sentences_of(line):
                        sentences[s] = None
            # Site boilerplate the parser dropped: above the first article, or below the last.
            lines = seeds[source_id][2]
            first = min((r.line_start for r in records), default=0)
            last = max((r.line_end for r in records), default=0)
            for issue in (i for i in items if isinstance(i, ParsedIssue) and i.code == "boilerplate"):
                text = lines[issue.line_start - 1].strip()
                if issue.line_start < first and text not in mat.page_heads:
                    mat.page_heads.append(text)
                elif (
                    issue.line_start > last
                    and web_text.BOILERPLATE.match(text)
                    and text not in mat.page_tails
                ):
                    mat.page_tails.append(text)
    for s in sentences:
        if not (25 <= len(s) <= 500) or "©" in s or "http" in s or not telegram_safe(s):
            continue
        variants = [v for v in perturb.variants(rng, s) if web_role_free(v)]
        if not variants:
            continue
        mat.sentences.append(variants)
        if s.endswith("."):
            mat.period_sentences.append(variants)
        if len(s) <= 200:
            mat.short_sentences.append(variants)
        # A short sentence without its full stop reads as a headline.
        title = s[:-1] if s.endswith(".") else s
        if len(s) <= 160 and len(title.split()) >= 4 and headline_like(title) and web_role_free(title):
            _add_titles(mat, [v[:-1] if v.endswith(".") else v for v in variants])
    short = [variants[0] for variants in mat.short_sentences]
    mat.first_lines = [perturb.template(line) for line in [*first_lines, *short] if telegram_safe(line)]
    mat.cities = list(cities | dict.fromkeys(catalogue_places(root)))
    mat.perturber = perturb
    mat.markers = list(markers)
    _read_pairs(mat, seeds["tg001"][1], perturb, rng)
    return mat


def _add_titles(mat: Material, variants: list[str]) -> None:
    """Keep the variants that the web-text parser reads as a headline, in any position."""
    variants = [v for v in variants if len(v.split()) >= 4 and headline_like(v) and web_role_free(v)]
    if variants:
        mat.titles.append(variants)


def _read_pairs(
    mat: Material, items: Sequence[ParsedRecord | ParsedIssue], perturb: Perturber, rng: random.Random
) -> None:
    for ru, fr in seed_translation_pairs(items):
        ru_lines, fr_lines = (ru.text or "").split("\n"), (fr.text or "").split("\n")
        mat.seed_pairs.append(
            SeedPair(
                _line_pair(perturb, rng, ru_lines[0], fr_lines[0]), (ru.forwarded_from, fr.forwarded_from)
            )
        )
        if len(ru_lines[-1]) < 30 and len(fr_lines[-1]) < 60 and not is_hashtag_line(ru_lines[-1]):
            mat.pair_closers.append((ru_lines[-1], fr_lines[-1]))
        for i, j in align_lines(ru_lines[1:], fr_lines[1:]):
            r, f = ru_lines[1 + i], fr_lines[1 + j]
            if len(r) >= 20 and len(f) >= 20 and telegram_safe(r) and telegram_safe(f):
                mat.line_pairs.append(_line_pair(perturb, rng, r, f))


def _line_pair(perturb: Perturber, rng: random.Random, ru: str, fr: str) -> LinePair:
    out = [(ru, fr)]
    for _ in range(VARIANTS - 1):
        mapping = perturb.mapping(rng, ru, fr)
        out.append((perturb.numbers(rng, ru, mapping), perturb.numbers(rng, fr, mapping)))
    return LinePair(list(dict.fromkeys(out)))


# --- Channel renders ----------------------------------------------------------------------


@dataclass
class Post:
    """One post of a render, before it is laid out."""

    first: str
    body: list[str]
    forwarded_from: str | None = None
    leading: str | None = None  # a leading media marker
    trailing: str | None = None  # a trailing media marker
    doubled: bool = True
    glued: bool = False  # a Russian post whose translation follows with no marker between
    role: str = "post"  # or 'forward', 'original' (Russian), 'translation' (its French version)

    def opens_hard(self) -> bool:
        """Whether the parser sees a boundary before this post whatever precedes it."""
        return bool(self.forwarded_from or self.leading)


@dataclass
class Service:
    line: str

    def opens_hard(self) -> bool:
        return True


@dataclass
class Channel:
    name: str
    bilingual: bool
    chrome: bool
    reactions: list[str]  # reaction lines at the channel's audience size, to draw from


@dataclass
class Written:
    """What one generated file holds."""

    source_id: str
    path: str
    format: str
    name: str | None
    language: str
    bytes: int
    records: int
    posts: int = 0
    pairs: int = 0
    forwards: int = 0
    republications: int = 0
    service: int = 0


class Generator:
    """Writes channel renders and web pages from the material, deterministically."""

    def __init__(self, material: Material, seed: int, paragraphs: int = PARAGRAPHS):
        self.mat = material
        self.seed = seed
        self.reservoir: list[tuple[str, Post]] = []  # (channel name, post) for republication
        self.seen = 0
        # Paragraphs are drawn from pools made once: a post then costs a few draws per line.
        rng = random.Random(f"{seed}-paragraphs")
        self.paragraphs = [self.paragraph(rng) for _ in range(paragraphs)]
        self.web_paragraphs = [self.web_paragraph(rng) for _ in range(paragraphs // 4)]

    # Picking material.

    def pick(self, rng: random.Random, pool: Sequence[Sequence[str]]) -> str:
        return rng.choice(rng.choice(pool))

    def sentences(self, rng: random.Random, n: int, last: Sequence[Sequence[str]] | None = None) -> str:
        """Up to `n` distinct sentences of the material, the last one drawn from `last`."""
        final = rng.choice(last or self.mat.sentences)
        picked: list[Sequence[str]] = []
        for _ in range(n - 1):
            variants = rng.choice(self.mat.sentences)
            if variants is not final and all(variants is not p for p in picked):
                picked.append(variants)
        picked.append(final)
        return " ".join(rng.choice(variants) for variants in picked)

    def paragraph(self, rng: random.Random) -> str:
        text = self.sentences(rng, rng.choice((1, 1, 2, 2, 3)))
        if rng.random() < 0.3 and self.mat.markers:
            text = f"{rng.choice(self.mat.markers)} {text}"
        return text

    def first_line(self, rng: random.Random) -> str:
        """A post's first line: a seed first line or a short sentence, its numbers changed
        and names swapped as it is drawn, behind a marker (an emoji, or flags of Russia and
        another country)."""
        line = self.edited(
            rng, without_marker(self.mat.perturber.fill(rng, rng.choice(self.mat.first_lines)))
        )
        if rng.random() < 0.4:
            return f"🇷🇺{rng.choice(COUNTRIES)[0]} {line}"
        return f"{rng.choice(self.mat.first_markers)} {line}" if self.mat.first_markers else line

    def edited(self, rng: random.Random, line: str) -> str:
        """A line with one word left out and a place added: the seeds offer a few hundred
        sentences, and a one-line post that repeats one of them whole would read as a
        republication of every longer post that quotes it."""
        words = line.split(" ")
        if len(words) < 6:
            return line
        del words[rng.randrange(1, len(words) - 1)]
        words.insert(rng.randrange(1, len(words)), f"à {rng.choice(self.mat.cities)}")
        return " ".join(words)

    def pin(self, rng: random.Random) -> str:
        """A dateline as the channels write them: '📍 Johannesburg, 20 février'."""
        month = rng.choice(MONTHS)
        year = f" {rng.randint(2014, 2026)}" if rng.random() < 0.3 else ""
        return f"📍 {rng.choice(self.mat.cities)}, {rng.randint(1, 28)} {month}{year}"

    def body(self, rng: random.Random, first: str, lines: int, extra: Sequence[str] = ()) -> list[str]:
        """`lines` paragraphs, then `extra` lines; no two lines of the post share the
        20-character start by which the parser recognises a line's copy."""
        out: list[str] = []
        starts = {first[:20]}
        for _ in range(lines * 2):
            if len(out) == lines:
                break
            line = rng.choice(self.paragraphs)
            if line[:20] not in starts:
                starts.add(line[:20])
                out.append(line)
        for line in extra:
            if line[:20] not in starts:
                starts.add(line[:20])
                out.append(line)
        return out

    def reactions_line(self, rng: random.Random, scale: float) -> str:
        k = rng.choices((1, 2, 3, 4, 5, 6), weights=(15, 25, 25, 18, 10, 7))[0]
        emojis = rng.sample(self.mat.emojis, min(k, len(self.mat.emojis)))
        total = scale * rng.lognormvariate(0.0, 0.6)
        counts = []
        share = 1.0
        for _ in emojis:
            part = share * rng.uniform(0.45, 0.8)
            counts.append(max(1, round(total * part)))
            share -= part
        counts.sort(reverse=True)
        text = "".join(f"{e}{_shown(c)}" for e, c in zip(emojis, counts, strict=True))
        if rng.random() < 0.04:  # a custom emoji, shown as a bare count
            text += f" {max(1, round(total * share))}"
        return text

    def channel_post(self, rng: random.Random) -> Post:
        kind = rng.choices(("short", "pinned", "long", "live"), weights=(20, 25, 50, 5))[0]
        first = self.first_line(rng)
        if kind == "live" and self.mat.live:
            template = rng.choice(self.mat.live)
            return Post(
                first,
                self.body(rng, first, 0, template[1:]),
                trailing="Please open Telegram to view this post",
                doubled=False,
            )
        if kind == "short":
            post = Post(first, [])
        elif kind == "pinned":
            extra = [self.pin(rng), rng.choice(self.mat.hashtags)]
            post = Post(first, self.body(rng, first, int(rng.random() < 0.4), extra))
        else:
            extra = []
            if rng.random() < 0.5:
                extra.append(rng.choice(self.mat.closers))
            if rng.random() < 0.5:
                extra.append(rng.choice(self.mat.hashtags))
            post = Post(first, self.body(rng, first, rng.choice((2, 3, 4, 5, 6, 8, 10, 14)), extra))
        roll = rng.random()
        if roll < 0.08:
            post.leading = "Media is too big"
        elif roll < 0.10:
            post.leading = "This media is not supported in your browser"
        return post

    def pair(self, rng: random.Random) -> tuple[Post, Post]:
        """A Russian post and its French translation, recombined from the aligned lines of
        seed 001's translation pairs, numbers changed alike in both."""
        seed = rng.choice(self.mat.seed_pairs)
        ru_first, fr_first = rng.choice(seed.first.variants)
        ru_body: list[str] = []
        fr_body: list[str] = []
        starts_ru, starts_fr = {ru_first[:20]}, {fr_first[:20]}
        chosen = rng.sample(self.mat.line_pairs, min(len(self.mat.line_pairs), rng.randint(4, 12)))
        closer = [rng.choice(self.mat.pair_closers)] if self.mat.pair_closers and rng.random() < 0.5 else []
        for r, f in [rng.choice(lp.variants) for lp in chosen] + closer:
            if r[:20] in starts_ru or f[:20] in starts_fr:
                continue
            starts_ru.add(r[:20])
            starts_fr.add(f[:20])
            ru_body.append(r)
            fr_body.append(f)
        ru_forward, fr_forward = seed.forwarded
        ru = Post(
            ru_first, ru_body, forwarded_from=ru_forward if rng.random() < 0.8 else None, role="original"
        )
        fr = Post(
            fr_first, fr_body, forwarded_from=fr_forward if rng.random() < 0.6 else None, role="translation"
        )
        if rng.random() < 0.1:
            ru.leading = "Media is too big"
        # With no reactions and no forward line between them, the parser splits the two where
        # the doubled Russian body ends: the Russian post needs a body to double.
        ru.glued = bool(ru_body) and not fr.opens_hard() and rng.random() < 0.5
        return ru, fr

    def forwarded(self, rng: random.Random, channel: Channel) -> Post | None:
        for _ in range(4):
            if not self.reservoir:
                return None
            name, post = rng.choice(self.reservoir)
            if name != channel.name:
                return Post(post.first, list(post.body), forwarded_from=name, role="forward")
        return None

    def layout(
        self, rng: random.Random, post: Post, channel: Channel, following: Post | Service
    ) -> list[str]:
        lines = []
        if post.forwarded_from:
            lines.append(f"Forwarded from {post.forwarded_from}")
        if post.leading:
            lines += [post.leading, telegram_text.VIEW_IN_TELEGRAM]
        lines.append(post.first)
        lines += post.body
        if post.doubled and post.body:
            copy = list(post.body)
            if len(copy) >= 4 and rng.random() < 0.1:
                # The copies differ: one misses a line (a quoted block) or has a line cut short.
                # The first two lines stay whole: the parser finds the copy by them.
                k = rng.randrange(2, len(copy) - 1)
                roll = rng.random()
                if roll < 0.4 and len(copy[k]) >= 60:
                    cut = copy[k][: len(copy[k]) * 2 // 3]
                    copy[k] = cut[: cut.rfind(" ")] if " " in cut[30:] else cut
                elif roll < 0.7:
                    del copy[k]
                else:
                    del lines[len(lines) - len(post.body) + k]
            lines += copy
        if post.trailing:
            lines += [post.trailing, telegram_text.VIEW_IN_TELEGRAM]
        # A post may lack reactions only where the parser sees the next one start anyway.
        if post.glued:
            reacted = False
        elif following.opens_hard():
            reacted = rng.random() < 0.92
        else:
            reacted = True
        if reacted:
            lines.append(rng.choice(channel.reactions))
        return lines

    def channel(self, index: int, budget: int) -> tuple[bytes, Written]:
        rng = random.Random(f"{self.seed}-file-{index}")
        flag, fr_in, ru_in = rng.choice(COUNTRIES)
        bilingual = rng.random() < 0.5
        if bilingual:
            name = f"Посольство 🇷🇺 России в {flag} {ru_in} | Ambassade de Russie {fr_in}"
        else:
            name = rng.choice(("DIPLOMATIE RUSSE", f"Ambassade de Russie {fr_in}"))
        scale = rng.lognormvariate(math.log(8 if bilingual else 60), 1.0)
        reactions = [self.reactions_line(rng, scale) for _ in range(REACTION_LINES)]
        channel = Channel(name, bilingual, len(name) < 80 and rng.random() < 0.4, reactions)
        written = Written(f"tg{index:05d}", "", "telegram-text", name, "und" if bilingual else "fr", 0, 0)
        chunks: list[bytes] = []
        size = 0
        if channel.chrome:
            subscribers = _shown(int(rng.lognormvariate(8.5, 1.2)), subscribers=True)
            chunks.append(f"{name}\n{subscribers} subscribers".encode())
            size += len(chunks[-1]) + 1
        pending: list[Post | Service] = self.items(rng, channel)
        while size < budget:
            item = pending.pop(0)
            if not pending:
                pending.extend(self.items(rng, channel))
            if isinstance(item, Service):
                text = item.line
                written.service += 1
            else:
                text = "\n".join(self.layout(rng, item, channel, pending[0]))
                written.posts += 1
                written.forwards += item.role == "forward"
                written.pairs += item.role == "translation"
                if item.role in ("post", "translation"):
                    self.keep(rng, channel.name, item)
            written.records += 1
            data = text.encode()
            chunks.append(data)
            size += len(data) + 1
        if channel.chrome and rng.random() < 0.5:
            chunks.append(b"Download Telegram")
        return b"\n".join(chunks) + b"\n", written

    def items(self, rng: random.Random, channel: Channel) -> list[Post | Service]:
        roll = rng.random()
        if roll < SERVICE_SHARE:
            if channel.bilingual and rng.random() < 0.5:
                return [Service(f"Channel name was changed to «{channel.name}»")]
            return [Service(rng.choice(SERVICE_LINES))]
        if roll < SERVICE_SHARE + FORWARD_SHARE:
            post = self.forwarded(rng, channel)
            if post is not None:
                return [post]
        if channel.bilingual and rng.random() < 0.6:
            return list(self.pair(rng))
        return [self.channel_post(rng)]

    def keep(self, rng: random.Random, name: str, post: Post) -> None:
        """Reservoir sampling of French posts with a body, for forwards and republications."""
        if len(post.body) < 2 or post.trailing:
            return
        self.seen += 1
        if len(self.reservoir) < RESERVOIR:
            self.reservoir.append((name, post))
        else:
            k = rng.randrange(self.seen)
            if k < RESERVOIR:
                self.reservoir[k] = (name, post)

    # Web pages.

    def article(self, rng: random.Random, needs_lede: bool) -> Article:
        return Article(
            title=self.pick(rng, self.mat.titles),
            lede=self.lede(rng, needs_lede),
            captions=self.caption(rng),
            body=rng.sample(self.web_paragraphs, rng.randint(3, 12)),
            dateline=self.pick(rng, self.mat.agency_datelines) if rng.random() < 0.3 else None,
            byline=rng.choice(self.mat.bylines) if self.mat.bylines and rng.random() < 0.4 else None,
            attribution=rng.choice(self.mat.attributions)
            if self.mat.attributions and rng.random() < 0.1
            else None,
        )

    def lede(self, rng: random.Random, needed: bool) -> str | None:
        """The parser sees a headline by what follows it. A lede that does not read as a
        headline itself hides its headline, except on a page's first article or after a
        byline; and a byline, or page boilerplate above the first headline, is told apart
        from a headline only when a lede stands between the headline and its caption."""
        if needed:
            return rng.choice(self.mat.ledes)
        ledes = [lede for lede in self.mat.ledes if headline_like(lede)]
        return rng.choice(ledes) if ledes and rng.random() < 0.3 else None

    def caption(self, rng: random.Random) -> list[str]:
        """A photo caption, or a description line followed by a bare credit ('© TASS')."""
        caption = self.pick(rng, self.mat.captions)
        if CREDIT_ONLY.match(caption):
            return [self.pick(rng, self.mat.short_sentences), caption]
        return [caption]

    def web_paragraph(self, rng: random.Random) -> str:
        for _ in range(10):
            text = self.sentences(rng, rng.choice((1, 2, 2, 3, 4)), self.mat.period_sentences)
            if web_body_safe(text):
                return text
        return self.pick(rng, self.mat.period_sentences)

    def republication(self, rng: random.Random) -> Article | None:
        """A French Telegram post as a web site republishes it: its paragraphs, without the
        emoji, datelines, hashtags and links."""
        for _ in range(8):  # not every post makes an article: draw again
            if not self.reservoir:
                return None
            _, post = rng.choice(self.reservoir)
            title = _LEADING_SYMBOLS.sub("", post.first).removesuffix(".")
            body = [line for line in (without_marker(line) for line in post.body) if web_body_safe(line)]
            if len(title.split()) >= 4 and headline_like(title) and web_role_free(title) and len(body) >= 2:
                return Article(title, None, self.caption(rng), body, None, None, None)
        return None

    def page(self, index: int, budget: int) -> tuple[bytes, Written]:
        rng = random.Random(f"{self.seed}-file-{index}")
        written = Written(f"web{index:05d}", "", "web-text", None, "fr", 0, 0)
        blocks: list[str] = []
        needs_lede = False
        if rng.random() < 0.3:
            blocks.extend(self.mat.page_heads)
            needs_lede = True
        size = 0
        previous = ""
        while size < budget or not written.records:
            article = self.republication(rng) if rng.random() < REPUBLISH_SHARE else None
            if article is not None and not _repeats(article.title, previous):
                written.republications += 1
                article.lede = self.lede(rng, needs_lede)
            else:
                article = self.article(rng, needs_lede)
                # The parser drops a line that repeats the headline above it.
                while _repeats(article.title, previous):
                    article.title = self.pick(rng, self.mat.titles)
            previous = article.title
            lines = self.article_lines(rng, article)
            blocks.extend(lines)
            size += sum(len(line.encode()) + 2 for line in lines)
            written.records += 1
            needs_lede = article.byline is not None
        if rng.random() < 0.5 and self.mat.page_tails:
            blocks.append(rng.choice(self.mat.page_tails))
        return ("\n\n".join(blocks) + "\n").encode(), written

    def article_lines(self, rng: random.Random, a: Article) -> list[str]:
        lines = [a.title]
        if a.lede and a.lede != a.title:
            lines.append(a.lede)
        lines += a.captions
        body = list(a.body)
        if a.dateline:
            body[0] = f"{a.dateline} {body[0]}"
        if len(body) > 3 and rng.random() < 0.1:
            body.insert(rng.randint(1, len(body) - 1), f"LIRE LA SUITE : {self.pick(rng, self.mat.titles)}")
        lines += body
        if a.attribution:
            lines.append(a.attribution)
        if a.byline:
            lines.append(a.byline)
        return lines


def _repeats(title: str, previous: str) -> bool:
    return title == previous or previous.endswith(" " + title)


def _shown(count: int, subscribers: bool = False) -> str:
    """A count as Telegram shows it: abbreviated from a thousand on ('1.2K', '3.45K')."""
    if count < 1_000:
        return str(count)
    if count < 1_000_000:
        return f"{count / 1_000:.{2 if subscribers else 1}f}K"
    return f"{count / 1_000_000:.{2 if subscribers else 1}f}M"


# --- The package ---------------------------------------------------------------------------


def generate(
    out_dir: Path,
    size: int,
    seed: int = 1,
    root: Path = ROOT,
    on_file: Callable[[Written], None] | None = None,
) -> dict:
    """Write a synthetic package of about `size` raw bytes into `out_dir`; return what
    synth.json records."""
    started = time.perf_counter()
    raw = out_dir / "data/raw"
    if raw.exists() and any(raw.iterdir()):
        raise SynthError(f"{raw}: not empty; choose a new folder or remove it")
    raw.mkdir(parents=True, exist_ok=True)
    material = read_material(root, random.Random(f"{seed}-material"))
    # About one pooled paragraph per kilobyte asked for: small corpora start fast.
    generator = Generator(material, seed, min(PARAGRAPHS, max(2_000, size // 1_000)))
    written: list[Written] = []
    channels = total = web = 0
    for index in itertools.count():
        remaining = size - total
        if remaining <= 0:
            break
        sizes = random.Random(f"{seed}-size-{index}")
        cap = max(size // 6, 16_000)  # small corpora still get several files
        if channels and web < WEB_SHARE * total and size >= 64_000:
            data, w = generator.page(index, min(sizes.randint(*PAGE_BYTES), cap, remaining))
            web += len(data)
        else:
            data, w = generator.channel(index, min(sizes.randint(*CHANNEL_BYTES), cap, remaining))
            channels += 1
        w.bytes = len(data)
        w.path = f"{index:05d}_{hashlib.sha256(data).hexdigest()[:16]}.txt"
        (raw / w.path).write_bytes(data)
        total += len(data)
        written.append(w)
        if on_file:
            on_file(w)
    _write_manifest(raw / "sources.csv", written, seed)
    curated = out_dir / "data/curated"
    if curated.exists():
        shutil.rmtree(curated)
    shutil.copytree(root / "data/curated", curated)
    summary = _summary(written, size, seed, time.perf_counter() - started)
    (out_dir / "synth.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return summary


def _write_manifest(path: Path, written: Sequence[Written], seed: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(MANIFEST_COLUMNS)
        for w in written:
            platform = "telegram" if w.format == "telegram-text" else "web"
            notes = (
                f"Synthetic {w.format} render written by benchmarks/synth.py (seed {seed}) by "
                "recombining the seed files; not collected data."
            )
            writer.writerow(
                [w.source_id, w.path, w.format, platform, w.name or "", "", "", w.language, "", notes]
            )


def _summary(written: Sequence[Written], size: int, seed: int, seconds: float) -> dict:
    channels = [w for w in written if w.format == "telegram-text"]
    pages = [w for w in written if w.format == "web-text"]
    return {
        "seed": seed,
        "size_requested": size,
        "raw_bytes": sum(w.bytes for w in written),
        "files": len(written),
        "channel_files": len(channels),
        "web_pages": len(pages),
        "records": sum(w.records for w in written),
        "posts": sum(w.posts for w in channels),
        "service_records": sum(w.service for w in channels),
        "articles": sum(w.records for w in pages),
        "translation_pairs_written": sum(w.pairs for w in channels),
        "forwards_written": sum(w.forwards for w in channels),
        "web_republications_written": sum(w.republications for w in pages),
        "shares": {"web_bytes": WEB_SHARE, "forwards": FORWARD_SHARE, "web_republications": REPUBLISH_SHARE},
        "generator_seconds": round(seconds, 2),
        "records_by_source": {w.source_id: w.records for w in written},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "out_dir", type=Path, help="package folder to write (data/raw/ must be empty or absent)"
    )
    parser.add_argument(
        "--size", default="10MB", help="raw bytes to write, e.g. 10MB, 100MB, 1GB (default 10MB)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    try:
        size = parse_size(args.size)
        summary = generate(args.out_dir, size, args.seed)
    except (SynthError, CorpusError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    mb = summary["raw_bytes"] / 1e6
    seconds = summary["generator_seconds"]
    print(
        f"wrote {args.out_dir}: {mb:.1f} MB in {summary['files']} files "
        f"({summary['channel_files']} channel renders, {summary['web_pages']} web pages), "
        f"{summary['records']} records, in {seconds:.1f} s ({mb / max(seconds, 1e-9):.1f} MB/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

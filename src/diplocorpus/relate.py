"""Relations between records: translation pairs, and republications (`duplicate_of`).

A translation pair is a post and its translation into another language: the Russian
statement of the Foreign Ministry and the French version the embassy posts after it.
The scorer compares what survives translation, and says what it compared in a short
`evidence` string a reader can check against the two texts:

- numbers (dates, counts, resolution numbers), matched as a multiset;
- names, matched across scripts by their transcription-neutral key (names.name_key);
- hashtags, matched by their parts (country names through babel's locale data, numbers);
- the emoji and bullet skeleton of the lines, the number of paragraphs, the length ratio.

See README.md, "Translation pairs", for the threshold and its measured precision and recall.

Republications (`duplicate_of`) are of two kinds. `mark_same_post_duplicates`: the same
Telegram post read from two sources (a text render and a saved t.me/s page or an export of
the same channel) is one post: the richer record stays, the poorer one points to it, so
that counting posts (and their reactions) with `duplicate_of IS NULL` counts each once.
`duplicate_of`: a record that republishes an earlier one verbatim or near-verbatim points
to the earliest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from typing import Any

from diplocorpus.names import fold_latin, name_key
from diplocorpus.rows import PostRow, ReactionRow, SourceRow, TranslationRow

METHOD_SAME_SOURCE = "features-adjacent"
METHOD_CROSS_SOURCE = "features-cross-source"

# A translation follows its original within this many records of the same source.
WINDOW = 4
# Pairs at or above this score are kept; see README.md for how it was chosen.
THRESHOLD = 0.5
# Across sources there is no channel order to lean on: ask for more.
CROSS_SOURCE_THRESHOLD = 0.6
# Matched numbers, names and hashtags needed at least, whatever the score.
MIN_ANCHORS = 2
# Usual length of a translation relative to its original, per language pair: French and
# English run longer than Russian.
LENGTH_RATIO = {("ru", "fr"): 1.2, ("ru", "en"): 1.1, ("fr", "ru"): 0.83, ("en", "ru"): 0.9}
LANGUAGES = frozenset({"ru", "fr", "en"})

_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_]+")
_HASHTAG = re.compile(r"#(\w+)")
_HASHTAG_PART = re.compile(r"\d+|[A-ZÀ-ÞА-ЯЁ][a-zß-ÿа-яё]*|[a-zß-ÿа-яё]+")
_ALNUM = re.compile(r"\w")
_SENTENCE_ENDS = (".", "!", "?", "…", ":")
_INITIAL = re.compile(r"(?:^|[^\w])\w\.$")  # 'С.В.Лавров': an initial, not a sentence end
_MARKER = re.compile(r"^([^\w\s«(\[<]+)")
_VARIATION = re.compile(r"[\ufe0e\ufe0f\u200d]")


@dataclass(frozen=True, slots=True)
class Profile:
    """What a post's text offers for comparison with its translation."""

    post_id: str
    source_id: str
    position: int
    language: str
    numbers: Counter[str]
    names: dict[str, str]  # name key -> the first word that gave it
    hashtags: tuple[frozenset[str], ...]
    markers: tuple[str, ...]
    paragraphs: int
    length: int


@dataclass(frozen=True, slots=True)
class Assessment:
    score: float
    anchors: int
    evidence: str


def profile(post: PostRow, position: int) -> Profile:
    text = post.text or ""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    markers = []
    for line in lines:
        found = _MARKER.match(line)
        if found:
            markers.append(_VARIATION.sub("", found.group(1)))
    return Profile(
        post_id=post.post_id,
        source_id=post.source_id,
        position=position,
        language=post.language or "und",
        numbers=Counter(_NUMBER.findall(text)),
        names=_first_surfaces(name_candidates(lines)),
        hashtags=tuple(hashtag_key(tag) for tag in _HASHTAG.findall(text)),
        markers=tuple(markers),
        paragraphs=len(lines),
        length=len(text),
    )


def _first_surfaces(found: Iterable[tuple[str, str]]) -> dict[str, str]:
    names: dict[str, str] = {}
    for key, word in found:
        names.setdefault(key, word)
    return names


def name_candidates(lines: Iterable[str]) -> Iterable[tuple[str, str]]:
    """(key, word) of capitalised words that do not open a line or a sentence: in this material,
    mostly names, institutions and titles (capitalised in diplomatic French and Russian alike)."""
    for line in lines:
        for match in _WORD.finditer(line):
            word = match.group()
            if len(word) < 3 or not word[0].isupper():
                continue
            before = line[: match.start()].rstrip()
            if not _ALNUM.search(before) or (before.endswith(_SENTENCE_ENDS) and not _INITIAL.search(before)):
                continue
            key = name_key(word)
            if len(key) >= 3:
                yield key, word


@cache
def _territories() -> dict[str, str]:
    """Country and region names in Russian, French and English, folded, to their codes."""
    from babel import Locale

    names: dict[str, str] = {}
    for language in ("en", "fr", "ru"):
        for code, name in Locale.parse(language).territories.items():
            names[_fold(name)] = code
    return names


def _fold(name: str) -> str:
    lower = name.lower().replace("ё", "е")
    if any("а" <= c <= "я" for c in lower):
        return re.sub(r"[^а-я]", "", lower)
    return fold_latin(lower)


def hashtag_key(tag: str) -> frozenset[str]:
    """The language-neutral parts of a hashtag: territory codes, numbers, name keys.

    >>> sorted(hashtag_key("РоссияМали")) == sorted(hashtag_key("RussieMali")) == ["ML", "RU"]
    True
    """
    parts = _HASHTAG_PART.findall(tag)
    territories = _territories()
    keys: set[str] = set()
    i = 0
    while i < len(parts):
        for j in range(len(parts), i, -1):
            code = territories.get(_fold("".join(parts[i:j])))
            if code:
                keys.add(code)
                i = j
                break
        else:
            part = parts[i]
            keys.add(part if part.isdigit() else name_key(part))
            i += 1
    keys.discard("")
    return frozenset(keys)


def assess(source: Profile, target: Profile) -> Assessment:
    """Score how well `target` reads as a translation of `source`, and say why."""
    signals: list[tuple[float, float]] = []  # (similarity, weight)
    evidence: list[str] = []

    common_numbers = source.numbers & target.numbers
    numbers_matched = sum(common_numbers.values())
    numbers_total = max(sum(source.numbers.values()), sum(target.numbers.values()))
    if numbers_total:
        signals.append((numbers_matched / numbers_total, 3.0))
        evidence.append(f"numbers {numbers_matched}/{numbers_total}{_examples(list(common_numbers))}")

    common_names = [key for key in source.names if key in target.names]
    names_total = min(len(source.names), len(target.names))
    if source.names or target.names:
        signals.append((len(common_names) / names_total if names_total else 0.0, 3.0))
        shown = [f"{source.names[k]}={target.names[k]}" for k in common_names]
        evidence.append(f"names {len(common_names)}/{names_total}{_examples(shown)}")
    names_matched = len(common_names)

    tags_matched = sum(any(tag & other for other in target.hashtags) for tag in source.hashtags)
    tags_total = max(len(source.hashtags), len(target.hashtags))
    if tags_total:
        signals.append((tags_matched / tags_total, 1.0))
        evidence.append(f"hashtags {tags_matched}/{tags_total}")

    if source.markers or target.markers:
        similarity = SequenceMatcher(None, source.markers, target.markers, autojunk=False).ratio()
        signals.append((similarity, 1.0))
        evidence.append(f"emoji skeleton {similarity:.2f}")

    paragraphs = min(source.paragraphs, target.paragraphs) / max(source.paragraphs, target.paragraphs, 1)
    signals.append((paragraphs, 1.0))
    evidence.append(f"paragraphs {source.paragraphs}:{target.paragraphs}")

    ratio = target.length / source.length if source.length else 0.0
    expected = LENGTH_RATIO.get((source.language, target.language), 1.0)
    # 1 within a third of the usual ratio either way, then falling off.
    deviation = abs(math.log(ratio / expected)) if ratio else math.inf
    signals.append(
        (1.0 if deviation <= math.log(4 / 3) else math.exp(-(deviation - math.log(4 / 3)) * 3), 1.0)
    )
    evidence.append(f"length ratio {ratio:.2f}")

    weight = sum(w for _, w in signals)
    score = sum(s * w for s, w in signals) / weight
    anchors = numbers_matched + names_matched + tags_matched
    return Assessment(round(score, 3), anchors, "; ".join(evidence))


def _examples(items: Sequence[str], limit: int = 3) -> str:
    if not items:
        return ""
    more = ", ..." if len(items) > limit else ""
    return f" ({', '.join(items[:limit])}{more})"


def translation_pairs(posts: Sequence[PostRow]) -> list[TranslationRow]:
    """The translation pairs among `posts` (all sources, in source and channel order).

    Within a source, a post is paired with a later post in another language at most
    WINDOW records on; across sources, with a post sharing enough numbers and names.
    Pairs are one-to-one: each post is the translation of at most one original, and an
    original has at most one translation per language; the best-scoring pairs are taken
    first.
    """
    profiles = profiles_of(posts)
    candidates: list[tuple[float, int, Profile, Profile, Assessment, str]] = []
    for source, target in adjacent_candidates(profiles):
        found = assess(source, target)
        if found.score >= THRESHOLD and found.anchors >= MIN_ANCHORS:
            distance = target.position - source.position
            candidates.append((-found.score, distance, source, target, found, METHOD_SAME_SOURCE))
    for source, target in _cross_source_candidates(profiles):
        found = assess(source, target)
        if found.score >= CROSS_SOURCE_THRESHOLD and found.anchors >= MIN_ANCHORS:
            candidates.append((-found.score, 0, source, target, found, METHOD_CROSS_SOURCE))
    candidates.sort(key=lambda c: (c[0], c[1], c[2].post_id, c[3].post_id))

    targets_taken: set[str] = set()
    originals_taken: set[tuple[str, str]] = set()
    originals: set[str] = set()
    pairs: list[TranslationRow] = []
    for _, distance, source, target, found, method in candidates:
        if target.post_id in targets_taken or source.post_id in targets_taken:
            continue
        if (source.post_id, target.language) in originals_taken:
            continue
        if target.post_id in originals:
            continue  # a post that has a translation is no one's translation
        targets_taken.add(target.post_id)
        originals.add(source.post_id)
        originals_taken.add((source.post_id, target.language))
        where = (
            f"{distance} record{'s' if distance != 1 else ''} later"
            if method == METHOD_SAME_SOURCE
            else "other source"
        )
        pairs.append(
            TranslationRow(
                source_post_id=source.post_id,
                target_post_id=target.post_id,
                source_language=source.language,
                target_language=target.language,
                score=found.score,
                method=method,
                evidence=f"{where}; {found.evidence}",
            )
        )
    order = {p.post_id: n for n, p in enumerate(profiles)}
    pairs.sort(key=lambda p: (order[p.source_post_id], order[p.target_post_id]))
    return pairs


def profiles_of(posts: Sequence[PostRow]) -> list[Profile]:
    profiles = []
    position: dict[str, int] = defaultdict(int)
    for post in posts:
        if post.kind == "service":
            continue
        position[post.source_id] += 1
        if post.language in LANGUAGES:
            profiles.append(profile(post, position[post.source_id]))
    return profiles


def adjacent_candidates(profiles: Sequence[Profile]) -> Iterable[tuple[Profile, Profile]]:
    by_source: dict[str, list[Profile]] = defaultdict(list)
    for p in profiles:
        by_source[p.source_id].append(p)
    for members in by_source.values():
        for i, source in enumerate(members):
            for target in members[i + 1 :]:
                if target.position - source.position > WINDOW:
                    break
                if target.language != source.language:
                    yield source, target


# Anchors shared by more posts than this say nothing about a pair (2025, Russie...).
_MAX_ANCHOR_POSTS = 50
_MIN_SHARED_ANCHORS = 4


def _cross_source_candidates(profiles: Sequence[Profile]) -> Iterable[tuple[Profile, Profile]]:
    """Pairs of posts of different sources and languages sharing several rare anchors;
    the Russian post is taken as the original."""
    index: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(profiles):
        for anchor in {*(n for n in p.numbers if len(n) > 1), *p.names}:  # names: their keys
            index[anchor].append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for members in index.values():
        if len(members) > _MAX_ANCHOR_POSTS:
            continue
        for a in members:
            for b in members:
                if a < b and profiles[a].source_id != profiles[b].source_id:
                    shared[a, b] += 1
    for (a, b), count in sorted(shared.items()):
        first, second = profiles[a], profiles[b]
        if count < _MIN_SHARED_ANCHORS or first.language == second.language:
            continue
        yield (second, first) if second.language == "ru" else (first, second)


# Republications: `posts.duplicate_of`.
SHINGLE_WORDS = 5
# A record republishes another when this share of the shorter one's word 5-grams is found
# in the other (containment, so a post quoted whole inside a longer article counts).
CONTAINMENT = 0.8
# Below this many 5-grams only identical texts count: short posts share stock phrases.
MIN_SHINGLES = 10
_PERMUTATIONS = 128
_TOKEN = re.compile(r"\w+")


def shingles(text: str) -> set[str]:
    """The word 5-grams of a text, lowercased, punctuation and emoji ignored."""
    words = _TOKEN.findall(text.lower())
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def containment(part: set[str], whole: set[str]) -> float:
    return len(part & whole) / len(part) if part else 0.0


def duplicate_of(posts: Sequence[PostRow]) -> dict[str, str]:
    """For each record that republishes an earlier one verbatim or near-verbatim, the
    earliest such record: {post_id: post_id of the original}.

    Candidates come from MinHash LSH Ensemble (datasketch), an index for containment;
    every candidate is then checked on the exact 5-gram sets, so the sketch only decides
    what is compared, never what is reported. Identical texts are duplicates whatever their
    length. "Earliest" orders dated records by date (published_at, else the text-derived
    date_max) before undated ones, then Telegram posts before web articles (which
    republish them), then post ids.
    """
    from datasketch import MinHash, MinHashLSHEnsemble

    texts = [p for p in posts if p.kind != "service" and p.text]
    related: dict[str, set[str]] = defaultdict(set)
    by_hash: dict[str, list[str]] = defaultdict(list)
    for post in texts:
        by_hash[post.text_sha256 or ""].append(post.post_id)
    for same in by_hash.values():
        for post_id in same:
            related[post_id].update(other for other in same if other != post_id)

    sets = {p.post_id: shingles(p.text or "") for p in texts}
    sets = {post_id: s for post_id, s in sets.items() if len(s) >= MIN_SHINGLES}
    if len(sets) > 1:
        sketches = {}
        for post_id, shingle_set in sets.items():
            sketch = MinHash(num_perm=_PERMUTATIONS, seed=1)
            sketch.update_batch([s.encode("utf-8") for s in sorted(shingle_set)])
            sketches[post_id] = sketch
        index = MinHashLSHEnsemble(threshold=CONTAINMENT, num_perm=_PERMUTATIONS, num_part=8)
        index.index((post_id, sketches[post_id], len(sets[post_id])) for post_id in sorted(sets))
        for post_id in sorted(sets):
            for other in index.query(sketches[post_id], len(sets[post_id])):
                if other != post_id and containment(sets[post_id], sets[other]) >= CONTAINMENT:
                    related[post_id].add(other)
                    related[other].add(post_id)

    order = {p.post_id: _age(p) for p in texts}
    out = {}
    for post_id, others in related.items():
        if not others:
            continue
        earliest = min(others, key=order.__getitem__)
        if order[earliest] < order[post_id]:
            out[post_id] = earliest
    return out


def _age(post: PostRow) -> tuple[Any, ...]:
    when = post.published_at.date() if post.published_at else (post.date_max or post.date_min)
    platform = 0 if post.kind == "post" else 1
    return (when is None, when or dt.date.min, platform, post.post_id)


# The same post read from two sources: `posts.duplicate_of` to the richer record.
_POST_URL = re.compile(r"^https://t\.me/(?P<handle>[A-Za-z0-9_]+)/\d+$")
# Columns that say nothing about how much a record tells: keys, positions, derived values.
_NOT_CONTENT = frozenset(
    {
        "post_id",
        "source_id",
        "ordinal",
        "kind",
        "n_chars",
        "raw_line_start",
        "raw_line_end",
        "text_sha256",
        "duplicate_of",
        "language",
    }
)


def mark_same_post_duplicates(
    posts: Sequence[PostRow], sources: Sequence[SourceRow], reactions: Sequence[ReactionRow]
) -> list[PostRow]:
    """Set `duplicate_of` on every record that is a poorer copy of a post read elsewhere.

    Two Telegram records of different sources are the same post when they belong to the
    same channel (the handle of their t.me link, or the source's handle in sources.csv)
    and either have the same message id, or one has no id (a text render) and their texts
    are equal once whitespace and case are set aside. A text shared by two posts of one
    source decides nothing (a repost): such texts are not matched. Of each group of copies
    the record that fills the most columns (then has the most reactions, then comes first
    by post_id) is kept; the others point to it.
    """
    handles = {s.source_id: (s.handle or "").lower() or None for s in sources if s.platform == "telegram"}
    reaction_counts = Counter(r.post_id for r in reactions)
    groups = _Groups()
    by_id: dict[tuple[str, int], list[PostRow]] = defaultdict(list)
    by_text: dict[tuple[str, str], list[PostRow]] = defaultdict(list)
    for post in posts:
        channel = _channel(post, handles)
        if channel is None or post.kind != "post":
            continue
        if post.message_id is not None:
            by_id[(channel, post.message_id)].append(post)
        key = _comparable(post.text)
        if key:
            by_text[(channel, key)].append(post)
    for copies in by_id.values():
        groups.join(copies)
    for copies in by_text.values():
        per_source = Counter(p.source_id for p in copies)
        if (
            len(per_source) > 1
            and max(per_source.values()) == 1
            and any(p.message_id is None for p in copies)
        ):
            groups.join(copies)
    winners: dict[str, str] = {}
    for members in groups.members():
        best = min(members, key=lambda p: _poorness(p, reaction_counts))
        winners.update({p.post_id: best.post_id for p in members if p is not best})
    return [
        dataclasses.replace(p, duplicate_of=winners[p.post_id]) if p.post_id in winners else p for p in posts
    ]


def _channel(post: PostRow, handles: dict[str, str | None]) -> str | None:
    if post.source_id not in handles:
        return None
    m = _POST_URL.match(post.url or "")
    return m["handle"].lower() if m else handles[post.source_id]


def _comparable(text: str | None) -> str:
    """A text with whitespace runs made single spaces and case folded.

    >>> _comparable("VTLite\\n\\n0.5  Скачать") == _comparable("vtlite 0.5\\nскачать")
    True
    """
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def _poorness(post: PostRow, reaction_counts: Counter[str]) -> tuple[int, int, str]:
    """Sort key that puts the richest record first: most filled columns, then most
    reactions, then the smallest post_id."""
    filled = sum(
        getattr(post, f.name) is not None for f in dataclasses.fields(post) if f.name not in _NOT_CONTENT
    )
    return -filled, -reaction_counts[post.post_id], post.post_id


class _Groups:
    """Union-find over post ids, keeping the rows."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.rows: dict[str, PostRow] = {}

    def _root(self, post_id: str) -> str:
        while self.parent[post_id] != post_id:
            self.parent[post_id] = self.parent[self.parent[post_id]]
            post_id = self.parent[post_id]
        return post_id

    def join(self, posts: Sequence[PostRow]) -> None:
        for post in posts:
            self.parent.setdefault(post.post_id, post.post_id)
            self.rows[post.post_id] = post
        for post in posts[1:]:
            a, b = self._root(posts[0].post_id), self._root(post.post_id)
            if a != b:
                self.parent[max(a, b)] = min(a, b)

    def members(self) -> list[list[PostRow]]:
        out: dict[str, list[PostRow]] = defaultdict(list)
        for post_id in sorted(self.parent):
            out[self._root(post_id)].append(self.rows[post_id])
        return [m for _, m in sorted(out.items()) if len(m) > 1]

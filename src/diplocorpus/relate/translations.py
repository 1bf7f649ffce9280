"""Translation pairs: a post and its translation into another language.

The Russian statement of the Foreign Ministry and the French version the embassy posts
after it. The scorer compares what survives translation, and says what it compared in a
short `evidence` string a reader can check against the two texts:

- numbers (dates, counts, resolution numbers), matched as a multiset;
- names, matched across scripts by their transcription-neutral key (names.name_key);
- hashtags, matched by their parts (country names through babel's locale data, numbers);
- the emoji and bullet skeleton of the lines, the number of paragraphs, the length ratio.

Candidates come from two places: within a source, the posts in another language that
follow a post closely (`adjacent_pairs`, computed source by source); across sources, posts
sharing several rare anchors, numbers and names (`anchors_of`, counted over the whole corpus
by relate.py). See README.md, "Translation pairs", for the thresholds and their measured
precision and recall.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, lru_cache

import numpy as np

from diplocorpus.names import fold_latin, name_key
from diplocorpus.rows import PostRow

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
# Anchors shared by more posts than this say nothing about a pair (2025, Russie...).
MAX_ANCHOR_POSTS = 50
# Rare anchors two posts of different sources must share to be compared.
MIN_SHARED_ANCHORS = 4
# Pairs of posts sharing an anchor counted at once, at most, before they are summed up.
_PAIRS_AT_ONCE = 8_000_000

_NUMBER = re.compile(r"\d+")
# A word of three letters or more whose first letter may be a capital (any letter but the
# common lower-case ones) and is not inside a word (the letter before it is not one). The
# look-behind comes after the first letter: first, the search skips from one such letter to
# the next, which it cannot do behind a leading look-behind.
_CAPITALISED = re.compile(r"[^\W\d_a-zß-ÿа-яё](?<![^\W\d_].)[^\W\d_]{2,}")
_HASHTAG = re.compile(r"#(\w+)")
_HASHTAG_PART = re.compile(r"\d+|[A-ZÀ-ÞА-ЯЁ][a-zß-ÿа-яё]*|[a-zß-ÿа-яё]+")
_ALNUM = re.compile(r"\w")
_SENTENCE_ENDS = frozenset(".!?…:")
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
    return text_profile(post.post_id, post.source_id, position, post.language or "und", post.text)


def text_profile(post_id: str, source_id: str, position: int, language: str, text: str | None) -> Profile:
    """The profile of a post's text; `position` counts the non-service records of its source."""
    text = text or ""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    markers = []
    for line in lines:
        found = _MARKER.match(line)
        if found:
            markers.append(_VARIATION.sub("", found.group(1)))
    return Profile(
        post_id=post_id,
        source_id=source_id,
        position=position,
        language=language,
        numbers=Counter(_NUMBER.findall(text)),
        names=_first_surfaces(name_candidates(lines)),
        hashtags=tuple(hashtag_key(tag) for tag in _HASHTAG.findall(text)),
        markers=tuple(markers),
        paragraphs=len(lines),
        length=len(text),
    )


def anchors_of(p: Profile) -> set[str]:
    """What two posts of different sources must share to be compared at all: numbers of two
    digits or more, and name keys.

    >>> sorted(anchors_of(text_profile("a/1", "a", 1, "fr", "Le 29 mai, M. Lavrov à Paris (3 visites)")))
    ['29', 'lvrv', 'prs']
    """
    return {*(n for n in p.numbers if len(n) > 1), *p.names}


def _first_surfaces(found: Iterable[tuple[str, str]]) -> dict[str, str]:
    names: dict[str, str] = {}
    for key, word in found:
        names.setdefault(key, word)
    return names


def name_candidates(lines: Iterable[str]) -> Iterable[tuple[str, str]]:
    """(key, word) of capitalised words that do not open a line or a sentence: in this material,
    mostly names, institutions and titles (capitalised in diplomatic French and Russian alike).

    >>> [word for _, word in name_candidates(["Le Ministre a vu M. Lavrov. Puis Poutine, à Moscou"])]
    ['Ministre', 'Lavrov', 'Poutine', 'Moscou']
    """
    for line in lines:
        first = _ALNUM.search(line)
        if first is None:
            continue
        for found in _CAPITALISED.finditer(line):
            start = found.start()
            word = found.group()
            if start <= first.start() or not word[0].isupper():
                continue  # opens the line
            # The last character before the word, spaces aside (there is one: `first`).
            end = start - 1
            while line[end].isspace():
                end -= 1
            if line[end] in _SENTENCE_ENDS and not _INITIAL.search(line[max(0, end - 2) : end + 1]):
                continue
            key = _name_key(word)
            if len(key) >= 3:
                yield key, word


# Words recur: their keys are kept (a bounded number, so a worker's memory stays flat).
_name_key = lru_cache(maxsize=1 << 16)(name_key)


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


@lru_cache(maxsize=1 << 14)
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
            keys.add(part if part.isdigit() else _name_key(part))
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


@dataclass(frozen=True, slots=True)
class Candidate:
    """A pair that passed its threshold, before pairs are made one-to-one."""

    source: Profile
    target: Profile
    assessment: Assessment
    distance: int  # records between the two in their source; 0 across sources
    method: str

    @property
    def evidence(self) -> str:
        if self.method == METHOD_SAME_SOURCE:
            where = f"{self.distance} record{'s' if self.distance != 1 else ''} later"
        else:
            where = "other source"
        return f"{where}; {self.assessment.evidence}"


def adjacent_pairs(profiles: Sequence[Profile]) -> list[Candidate]:
    """The candidates among the profiles of one source: a post and a later post in another
    language at most WINDOW records on, scored at least THRESHOLD with MIN_ANCHORS anchors."""
    found = []
    for source, target in adjacent_candidates(profiles):
        assessment = assess(source, target)
        if assessment.score >= THRESHOLD and assessment.anchors >= MIN_ANCHORS:
            distance = target.position - source.position
            found.append(Candidate(source, target, assessment, distance, METHOD_SAME_SOURCE))
    return found


def cross_source_pair(first: Profile, second: Profile) -> Candidate | None:
    """The candidate of two posts of different sources sharing enough rare anchors (`first`
    earlier in the corpus), if it passes CROSS_SOURCE_THRESHOLD: the Russian post is taken
    as the original."""
    source, target = (second, first) if second.language == "ru" else (first, second)
    assessment = assess(source, target)
    if assessment.score >= CROSS_SOURCE_THRESHOLD and assessment.anchors >= MIN_ANCHORS:
        return Candidate(source, target, assessment, 0, METHOD_CROSS_SOURCE)
    return None


def shared_anchor_pairs(
    anchors: np.ndarray, rows: np.ndarray, frequent: np.ndarray, source: np.ndarray, language: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of posts of different sources and languages sharing MIN_SHARED_ANCHORS rare anchors.

    `anchors[i]` (a 64-bit hash) is an anchor of the post in row `rows[i]`, each anchor once
    per post; anchors in `frequent` are known to be in more than MAX_ANCHOR_POSTS posts.
    `source` and `language` are codes by row. Returns the rare anchors (sorted), and the
    rows (a, b) of the pairs, a < b, sorted.
    """
    keep = ~np.isin(anchors, frequent)
    anchors, rows = anchors[keep], rows[keep].astype(np.int32)
    # Rows come in order: a stable sort by anchor keeps them so within each anchor.
    order = np.argsort(anchors, kind="stable")
    anchors, rows = anchors[order], rows[order]
    del order
    change = np.ones(len(anchors), dtype=bool)
    change[1:] = anchors[1:] != anchors[:-1]
    starts = np.flatnonzero(change)
    lengths = np.diff(np.append(starts, len(anchors)))
    rare = anchors[starts[lengths <= MAX_ANCHOR_POSTS]]
    n = len(source)
    counted = _PairCounts()
    for length in range(2, MAX_ANCHOR_POSTS + 1):
        first, second = np.triu_indices(length, 1)
        of_length = starts[lengths == length]
        step = max(1, _PAIRS_AT_ONCE // len(first))
        for at in range(0, len(of_length), step):
            members = rows[of_length[at : at + step, None] + np.arange(length)]
            a, b = members[:, first].ravel(), members[:, second].ravel()
            apart = (source[a] != source[b]) & (language[a] != language[b])
            counted.add(a[apart].astype(np.int64) * n + b[apart])
    pairs, counts = counted.total()
    pairs = pairs[counts >= MIN_SHARED_ANCHORS]
    return rare, pairs // n, pairs % n


class _PairCounts:
    """Occurrences of packed pairs, summed up whenever _PAIRS_AT_ONCE are waiting."""

    def __init__(self) -> None:
        self.pairs = np.zeros(0, dtype=np.int64)
        self.counts = np.zeros(0, dtype=np.int64)
        self.waiting: list[np.ndarray] = []
        self.size = 0

    def add(self, pairs: np.ndarray) -> None:
        self.waiting.append(pairs)
        self.size += len(pairs)
        if self.size > _PAIRS_AT_ONCE:
            self._sum()

    def _sum(self) -> None:
        new, new_counts = np.unique(np.concatenate(self.waiting or [self.pairs[:0]]), return_counts=True)
        merged, at = np.unique(np.concatenate([self.pairs, new]), return_inverse=True)
        self.counts = np.bincount(at, weights=np.concatenate([self.counts, new_counts])).astype(np.int64)
        self.pairs = merged
        self.waiting, self.size = [], 0

    def total(self) -> tuple[np.ndarray, np.ndarray]:
        self._sum()
        return self.pairs, self.counts


def one_to_one(
    score: np.ndarray,
    distance: np.ndarray,
    source_key: np.ndarray,
    target_key: np.ndarray,
    source: np.ndarray,
    target: np.ndarray,
    target_language: np.ndarray,
) -> list[int]:
    """The candidates kept, best first: each post is the translation of at most one original,
    an original has at most one translation per language, and a post that has a translation
    is no one's translation. Ties on the score go to the nearer pair, then by post_id
    (`source_key`, `target_key`: the rank of the post ids)."""
    targets_taken: set[int] = set()
    originals_taken: set[tuple[int, int]] = set()
    originals: set[int] = set()
    kept = []
    for i in np.lexsort((target_key, source_key, distance, -score)).tolist():
        s, t = int(source[i]), int(target[i])
        if t in targets_taken or s in targets_taken or (s, int(target_language[i])) in originals_taken:
            continue
        if t in originals:
            continue
        targets_taken.add(t)
        originals.add(s)
        originals_taken.add((s, int(target_language[i])))
        kept.append(i)
    return kept

"""The relations as computed before the per-source and whole-corpus steps: every record in
memory, datasketch's MinHash LSH Ensemble for republication candidates. Kept as the
specification `diplocorpus.relate` is tested against (the scorer itself is shared).

Two differences in use: this module's `mark_same_post_duplicates` ran on records before
their publication dates were bounded (the build dated them afterwards), and counted the
date interval among the columns a record fills.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from diplocorpus.relate.translations import (
    CROSS_SOURCE_THRESHOLD,
    METHOD_CROSS_SOURCE,
    METHOD_SAME_SOURCE,
    MIN_ANCHORS,
    THRESHOLD,
    Assessment,
    Profile,
    adjacent_candidates,
    assess,
    profiles_of,
)
from diplocorpus.rows import PostRow, ReactionRow, SourceRow, TranslationRow


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


_WORD = re.compile(r"[^\W\d_]+")
_ALNUM = re.compile(r"\w")
_SENTENCE_ENDS = (".", "!", "?", "…", ":")
_INITIAL = re.compile(r"(?:^|[^\w])\w\.$")


def name_candidates(lines: Iterable[str]) -> Iterable[tuple[str, str]]:
    """(key, word) of capitalised words that do not open a line or a sentence."""
    from diplocorpus.names import name_key

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

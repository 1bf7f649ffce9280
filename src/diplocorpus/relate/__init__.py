"""Relations between records: the same post read twice, republications, translation pairs.

They are computed in two steps, so that a corpus whose texts do not fit in memory can be
related:

- `source_relations(source, posts, reactions)`, one source at a time (where the source is
  parsed): a few fixed-size features per record (FEATURES), the translation candidates
  within the source, already scored (CANDIDATES), and the anchors too common in the source
  to pair anything (FREQUENT_ANCHORS), as Arrow tables;
- `relate(features, candidates, frequent_anchors, texts)`, once, from those tables of every
  source concatenated in source order: `duplicate_of` for every record, and the translation
  pairs. It asks `texts` for the full texts of just the records it must compare exactly, at
  most BATCH at a time.

`relate_all(posts, sources, reactions)` runs both steps on records held in memory.

Precedence: a poorer copy of a post read elsewhere (same_post.py) points to its richer copy,
and takes no part in the search for republications (republications.py); translation pairs
(translations.py) are looked for among all records.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from diplocorpus.enrich import text_sha256
from diplocorpus.relate import republications, same_post, translations
from diplocorpus.relate.republications import BINS, MIN_SHINGLES, hash64, may_be_related, shingle_keys, words
from diplocorpus.relate.translations import (
    LANGUAGES,
    MAX_ANCHOR_POSTS,
    METHOD_CROSS_SOURCE,
    METHOD_SAME_SOURCE,
    Candidate,
    Profile,
    adjacent_pairs,
    anchors_of,
    assess,
    hashtag_key,
    profile,
    text_profile,
)
from diplocorpus.rows import PostRow, ReactionRow, SourceRow, TranslationRow

__all__ = [
    "BATCH",
    "CANDIDATES",
    "FEATURES",
    "FREQUENT_ANCHORS",
    "Relations",
    "SourceRelations",
    "assess",
    "hashtag_key",
    "profile",
    "relate",
    "relate_all",
    "source_relations",
]

# Texts asked for at once, at most.
BATCH = 512
# What is kept of texts between batches, for so many texts: the earliest copy of a text
# much republished is compared again and again. 5-gram keys take about 8 bytes a word, the
# words themselves about 60.
_KEPT_KEYS = 2048
_KEPT_WORDS = 256

Texts = Callable[[Sequence[str]], Mapping[str, str]]


def _field(name: str, type_: pa.DataType, nullable: bool, description: str) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"description": description})


FEATURES = pa.schema(
    [
        _field("post_id", pa.string(), False, "The record (posts.post_id)."),
        _field("source_id", pa.string(), False, "Its source (posts.source_id)."),
        _field("is_post", pa.bool_(), False, "Whether posts.kind is 'post' (not an article or a service record)."),
        _field(
            "channel", pa.uint64(), True,
            "Hash of the lower-cased handle of the channel of a post of a Telegram source (the handle of "
            "its t.me link, else the source's handle); null for other records and when unknown.",
        ),
        _field("message_id", pa.int64(), True, "posts.message_id."),
        _field(
            "comparable", pa.uint64(), True,
            "Hash of the text with whitespace runs made single spaces and case folded, for records with "
            "a channel and a text; null otherwise.",
        ),
        _field("filled", pa.int16(), False, "Columns telling something about the post that the record fills."),
        _field("reactions", pa.int32(), False, "Reactions rows of the record."),
        _field(
            "text_hash", pa.uint64(), True,
            "First 8 bytes of text_sha256, for records that take part in republications (not service "
            "records, text not empty); null otherwise.",
        ),
        _field(
            "dated", pa.date32(), True,
            "Date that orders republications: the UTC date of published_at, else date_max, else date_min.",
        ),
        _field("shingles", pa.int32(), False, "Distinct word 5-grams of the text (0 when text_hash is null)."),
        _field(
            "minhash", pa.list_(pa.uint32(), BINS), True,
            f"One-permutation MinHash of the word 5-grams (republications.py); null under {MIN_SHINGLES} 5-grams.",
        ),
        _field(
            "language", pa.string(), True,
            "posts.language of a record that can be paired as a translation (ru, fr or en, not a service "
            "record); null otherwise.",
        ),
        _field(
            "anchors", pa.list_(pa.uint64()), False,
            "Hashes of the record's anchors (numbers of two digits or more, name keys), each once, except "
            f"those of more than {MAX_ANCHOR_POSTS} records of the source; empty when language is null.",
        ),
    ]
)  # fmt: skip

CANDIDATES = pa.schema(
    [
        _field("source_post_id", pa.string(), False, "The original."),
        _field("target_post_id", pa.string(), False, "Its translation, a later record of the same source."),
        _field("source_language", pa.string(), False, "Language of the original."),
        _field("target_language", pa.string(), False, "Language of the translation."),
        _field("score", pa.float64(), False, "translations.score."),
        _field("anchors", pa.int32(), False, "Numbers, names and hashtags matched."),
        _field(
            "distance",
            pa.int32(),
            False,
            "Records from the original to the translation (service records aside).",
        ),
        _field("evidence", pa.string(), False, "translations.evidence."),
    ]
)

FREQUENT_ANCHORS = pa.schema(
    [
        _field(
            "anchor",
            pa.uint64(),
            False,
            f"Hash of an anchor of more than {MAX_ANCHOR_POSTS} records of the source.",
        )
    ]
)


@dataclass(frozen=True)
class SourceRelations:
    """What one source contributes to the relations: tables of schemas FEATURES (one row per
    record, in the order of the records), CANDIDATES and FREQUENT_ANCHORS."""

    features: pa.Table
    candidates: pa.Table
    frequent_anchors: pa.Table


@dataclass(frozen=True)
class Relations:
    """The relations of a corpus. `original[i]` is the row (in the features given to
    `relate`) of the record that record i duplicates, or -1."""

    post_ids: pa.ChunkedArray
    original: np.ndarray
    translations: list[TranslationRow]

    @cached_property
    def duplicate_of(self) -> dict[str, str]:
        """{post_id: post_id it duplicates}, for the records that duplicate another."""
        rows = np.flatnonzero(self.original >= 0)
        return dict(
            zip(
                self.post_ids.take(rows).to_pylist(),
                self.post_ids.take(self.original[rows]).to_pylist(),
                strict=True,
            )
        )

    def duplicate_column(self, start: int = 0, stop: int | None = None) -> pa.Array:
        """posts.duplicate_of for the records of rows start..stop of the features, in order."""
        original = self.original[start:stop]
        return self.post_ids.take(pa.array(original, mask=original < 0)).combine_chunks()


# One source.


def source_relations(
    source: SourceRow | None, posts: Sequence[PostRow], reactions: Iterable[ReactionRow]
) -> SourceRelations:
    """The relation features and translation candidates of one source's records (in source
    order, dated and with their languages). `source` None stands for a source that is not
    Telegram."""
    telegram = source is not None and source.platform == "telegram"
    handle = same_post.source_handle(source)
    reaction_counts = Counter(r.post_id for r in reactions)
    channels = [same_post.channel_of(p, telegram, handle) for p in posts]
    republishing = [p.kind != "service" and bool(p.text) for p in posts]
    counts, minhash = republications.sketch(
        [p.text or "" if r else "" for p, r in zip(posts, republishing, strict=True)]
    )
    profiles = _profiles(posts)
    anchors, frequent = _anchors(profiles, len(posts))
    features = pa.Table.from_pydict(
        {
            "post_id": [p.post_id for p in posts],
            "source_id": [p.source_id for p in posts],
            "is_post": [p.kind == "post" for p in posts],
            "channel": [hash64(c) if c is not None else None for c in channels],
            "message_id": [p.message_id for p in posts],
            "comparable": [
                _comparable_hash(p.text) if c is not None else None
                for p, c in zip(posts, channels, strict=True)
            ],
            "filled": [same_post.filled(p) for p in posts],
            "reactions": [reaction_counts[p.post_id] for p in posts],
            "text_hash": [_text_hash(p) if r else None for p, r in zip(posts, republishing, strict=True)],
            "dated": [_dated(p) for p in posts],
            "shingles": counts,
            "minhash": pa.FixedSizeListArray.from_arrays(
                pa.array(minhash.ravel(), pa.uint32()), BINS, mask=pa.array(counts < MIN_SHINGLES)
            ),
            "language": [profiles[i].language if i in profiles else None for i in range(len(posts))],
            "anchors": anchors,
        },
        schema=FEATURES,
    )
    found = adjacent_pairs(list(profiles.values()))
    candidates = pa.Table.from_pydict(
        {
            "source_post_id": [c.source.post_id for c in found],
            "target_post_id": [c.target.post_id for c in found],
            "source_language": [c.source.language for c in found],
            "target_language": [c.target.language for c in found],
            "score": [c.assessment.score for c in found],
            "anchors": [c.assessment.anchors for c in found],
            "distance": [c.distance for c in found],
            "evidence": [c.evidence for c in found],
        },
        schema=CANDIDATES,
    )
    return SourceRelations(features, candidates, pa.table({"anchor": frequent}, schema=FREQUENT_ANCHORS))


def _profiles(posts: Sequence[PostRow]) -> dict[int, Profile]:
    """Profiles of the records that can be paired as translations, by index in `posts`;
    positions count the records of the source, service records aside."""
    found = {}
    position = 0
    for i, post in enumerate(posts):
        if post.kind == "service":
            continue
        position += 1
        if post.language in LANGUAGES:
            found[i] = profile(post, position)
    return found


def _anchors(profiles: Mapping[int, Profile], n: int) -> tuple[list[list[int]], list[int]]:
    """Each record's anchor hashes, and those of more than MAX_ANCHOR_POSTS records (which
    then are in no record's list: they cannot be rare in the corpus either)."""
    hashed = {i: sorted({hash64(a) for a in anchors_of(p)}) for i, p in profiles.items()}
    posts_with = Counter(h for hashes in hashed.values() for h in hashes)
    frequent = {h for h, count in posts_with.items() if count > MAX_ANCHOR_POSTS}
    anchors = [[h for h in hashed.get(i, ()) if h not in frequent] for i in range(n)]
    return anchors, sorted(frequent)


def _comparable_hash(text: str | None) -> int | None:
    key = same_post.comparable(text)
    return hash64(key) if key else None


def _text_hash(post: PostRow) -> int:
    return int((post.text_sha256 or text_sha256(post.text) or "")[:16], 16)


def _dated(post: PostRow) -> dt.date | None:
    return post.published_at.date() if post.published_at else (post.date_max or post.date_min)


# The whole corpus.


def relate(features: pa.Table, candidates: pa.Table, frequent_anchors: pa.Table, texts: Texts) -> Relations:
    """`duplicate_of` and the translation pairs of a corpus, from the tables `source_relations`
    made of each source, concatenated in source order.

    `texts(post_ids)` returns {post_id: text} for the records asked (at most BATCH at once);
    texts are asked only to compare candidates exactly.
    """
    post_ids = features["post_id"]
    store = _TextStore(texts, post_ids)
    post_rank = _rank(post_ids)
    source = _rank(features["source_id"], dense=True)
    copies = _same_post_copies(features, source, post_rank)
    original = _republished(features, copies < 0, post_rank, store)
    original = np.where(copies >= 0, copies, original)
    pairs = _translation_pairs(features, candidates, frequent_anchors, source, post_rank, store)
    return Relations(post_ids, original, pairs)


def _rank(column: pa.ChunkedArray, dense: bool = False) -> np.ndarray:
    """Rank of each value (0-based) in ascending order, ties by position unless `dense`."""
    return pc.rank(column, sort_keys="ascending", tiebreaker="dense" if dense else "first").to_numpy() - 1


def _numbers(column: pa.ChunkedArray, fill: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A numeric column as numpy, nulls replaced by `fill`, and its validity."""
    valid = column.is_valid().to_numpy(zero_copy_only=False)
    values = pc.fill_null(column, pa.scalar(fill, column.type)).to_numpy()
    return values, valid


def _same_post_copies(features: pa.Table, source: np.ndarray, post_rank: np.ndarray) -> np.ndarray:
    channel, has_channel = _numbers(features["channel"])
    message_id, has_message_id = _numbers(features["message_id"])
    text, has_text = _numbers(features["comparable"])
    is_post = features["is_post"].to_numpy()
    filled = features["filled"].to_numpy().astype(np.int64)
    reactions = features["reactions"].to_numpy().astype(np.int64)
    poorness = np.empty(len(filled), dtype=np.int64)
    poorness[np.lexsort((post_rank, -reactions, -filled))] = np.arange(len(filled))
    return same_post.copies(
        channel, has_channel & is_post, message_id, has_message_id, text, has_text, source, poorness
    )


def _republished(
    features: pa.Table, free: np.ndarray, post_rank: np.ndarray, store: _TextStore
) -> np.ndarray:
    """Per row, the earliest record it republishes, else -1; only `free` records take part."""
    text_hash, has_text = _numbers(features["text_hash"])
    days, dated = _numbers(features["dated"].cast(pa.int32()))
    platform = ~features["is_post"].to_numpy()
    # Dated records by date before undated ones, then Telegram posts before web articles
    # (which republish them), then post_id.
    age = np.empty(len(days), dtype=np.int64)
    age[np.lexsort((post_rank, platform, days, ~dated))] = np.arange(len(days))
    sizes = np.where(
        features["minhash"].is_valid().to_numpy(zero_copy_only=False), features["shingles"].to_numpy(), 0
    )
    return republications.originals(
        text_hash, has_text & free, age, sizes, _minhash(features["minhash"]), store.related
    )


def _translation_pairs(
    features: pa.Table,
    candidates: pa.Table,
    frequent_anchors: pa.Table,
    source: np.ndarray,
    post_rank: np.ndarray,
    store: _TextStore,
) -> list[TranslationRow]:
    language = features["language"]
    language_code = _rank(language, dense=True)
    anchors, anchor_rows = _flat_lists(features["anchors"])
    frequent = np.unique(frequent_anchors["anchor"].to_numpy())
    rare, first, second = translations.shared_anchor_pairs(
        anchors, anchor_rows, frequent, source, language_code
    )
    del anchors, anchor_rows
    cross = store.cross_source_pairs(first, second, features["source_id"], language, rare)
    post_ids = features["post_id"].combine_chunks()
    adjacent_source = pc.index_in(candidates["source_post_id"], value_set=post_ids).to_numpy()
    adjacent_target = pc.index_in(candidates["target_post_id"], value_set=post_ids).to_numpy()
    del post_ids
    source_rows = np.concatenate([adjacent_source, [c[0] for c in cross]]).astype(np.int64)
    target_rows = np.concatenate([adjacent_target, [c[1] for c in cross]]).astype(np.int64)
    score = np.concatenate([candidates["score"].to_numpy(), [c[2].assessment.score for c in cross]])
    distance = np.concatenate([candidates["distance"].to_numpy(), np.zeros(len(cross))])
    kept = translations.one_to_one(
        score, distance, post_rank[source_rows], post_rank[target_rows], source_rows, target_rows,
        language_code[target_rows],
    )  # fmt: skip
    kept.sort(key=lambda i: (source_rows[i], target_rows[i]))
    n_adjacent = candidates.num_rows
    adjacent = iter(candidates.take(pa.array([i for i in kept if i < n_adjacent], pa.int64())).to_pylist())
    rows = []
    for i in kept:
        if i < n_adjacent:
            c = next(adjacent)
            rows.append(
                TranslationRow(
                    c["source_post_id"], c["target_post_id"], c["source_language"], c["target_language"],
                    c["score"], METHOD_SAME_SOURCE, c["evidence"],
                )
            )  # fmt: skip
        else:
            found: Candidate = cross[i - n_adjacent][2]
            rows.append(
                TranslationRow(
                    found.source.post_id, found.target.post_id, found.source.language, found.target.language,
                    found.assessment.score, METHOD_CROSS_SOURCE, found.evidence,
                )
            )  # fmt: skip
    return rows


def _flat_lists(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """The values of a list column and the row each belongs to."""
    values, rows, offset = [], [], 0
    for chunk in column.chunks:
        values.append(pc.list_flatten(chunk).to_numpy())
        rows.append(pc.list_parent_indices(chunk).to_numpy().astype(np.int64) + offset)
        offset += len(chunk)
    return np.concatenate(values or [np.zeros(0, np.uint64)]), np.concatenate(rows or [np.zeros(0, np.int64)])


def _minhash(column: pa.ChunkedArray) -> np.ndarray:
    """The MinHash values as a (rows, BINS) array, zeros where null."""
    values = []
    for chunk in column.chunks:
        flat = chunk.values.slice(chunk.offset * BINS, len(chunk) * BINS)
        values.append(pc.fill_null(flat, 0).to_numpy())
    return np.concatenate(values or [np.zeros(0, np.uint32)]).reshape(-1, BINS)


class _TextStore:
    """The texts of records, asked for BATCH at a time, and what was last made of them."""

    def __init__(self, texts: Texts, post_ids: pa.ChunkedArray) -> None:
        self.texts = texts
        self.post_ids = post_ids
        self.keys: OrderedDict[int, np.ndarray] = OrderedDict()
        self.words: OrderedDict[int, list[str]] = OrderedDict()

    def fetch(self, rows: Iterable[int]) -> dict[int, str]:
        wanted = sorted(set(rows))
        found: dict[int, str] = {}
        for at in range(0, len(wanted), BATCH):
            chunk = wanted[at : at + BATCH]
            ids = self.post_ids.take(pa.array(chunk, pa.int64())).to_pylist()
            got = self.texts(ids)
            for row, post_id in zip(chunk, ids, strict=True):
                found[row] = got[post_id]
        return found

    def related(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether the texts of rows a[i] and b[i] are related (republications.related): first
        on their 5-gram keys, which rule most pairs out, then on the 5-grams themselves."""
        out = np.zeros(len(a), dtype=bool)
        half = BATCH // 2
        for at in range(0, len(a), half):
            pairs = list(zip(a[at : at + half].tolist(), b[at : at + half].tolist(), strict=True))
            keys = self._keys({row for pair in pairs for row in pair})
            maybe = [
                (i, x, y) for i, (x, y) in enumerate(pairs, start=at) if may_be_related(keys[x], keys[y])
            ]
            listed = self._words({row for _, x, y in maybe for row in (x, y)})
            for i, x, y in maybe:
                out[i] = republications.related(listed[x], listed[y])
        return out

    def _keys(self, rows: set[int]) -> dict[int, np.ndarray]:
        found = _kept(self.keys, rows)
        for row, text in self.fetch(rows - found.keys()).items():
            listed = words(text)
            found[row] = shingle_keys(listed)
            _keep(self.words, {row: listed}, _KEPT_WORDS)
        _keep(self.keys, found, _KEPT_KEYS)
        return found

    def _words(self, rows: set[int]) -> dict[int, list[str]]:
        found = _kept(self.words, rows)
        found |= {row: words(text) for row, text in self.fetch(rows - found.keys()).items()}
        _keep(self.words, found, _KEPT_WORDS)
        return found

    def cross_source_pairs(
        self, first: np.ndarray, second: np.ndarray, source_id: pa.ChunkedArray, language: pa.ChunkedArray,
        rare: np.ndarray,
    ) -> list[tuple[int, int, Candidate]]:  # fmt: skip
        """The pairs of rows (first, second) that pass as translations across sources, as
        (original row, translation row, candidate). `rare` (sorted) are the hashes of the
        anchors of at most MAX_ANCHOR_POSTS records."""
        found = []
        half = BATCH // 2
        for at in range(0, len(first), half):
            pairs = list(zip(first[at : at + half].tolist(), second[at : at + half].tolist(), strict=True))
            rows = sorted({row for pair in pairs for row in pair})
            texts = self.fetch(rows)
            taken = pa.array(rows, pa.int64())
            described = zip(
                rows, self.post_ids.take(taken).to_pylist(), source_id.take(taken).to_pylist(),
                language.take(taken).to_pylist(), strict=True,
            )  # fmt: skip
            profiles = {row: text_profile(p, s, 0, lang, texts[row]) for row, p, s, lang in described}
            for a, b in pairs:
                shared = np.array(
                    [hash64(x) for x in anchors_of(profiles[a]) & anchors_of(profiles[b])], np.uint64
                )
                if np.count_nonzero(_in_sorted(rare, shared)) < translations.MIN_SHARED_ANCHORS:
                    continue
                candidate = translations.cross_source_pair(profiles[a], profiles[b])
                if candidate is not None:
                    original, translation = (a, b) if candidate.source is profiles[a] else (b, a)
                    found.append((original, translation, candidate))
        return found


def _kept(kept: OrderedDict[int, Any], rows: set[int]) -> dict[int, Any]:
    return {row: kept[row] for row in rows if row in kept}


def _keep(kept: OrderedDict[int, Any], found: Mapping[int, Any], capacity: int) -> None:
    """Keep `found` in `kept`, most recent last, dropping the least recent beyond `capacity`."""
    for row, value in found.items():
        kept[row] = value
        kept.move_to_end(row)
    while len(kept) > capacity:
        kept.popitem(last=False)


def _in_sorted(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    at = np.minimum(np.searchsorted(sorted_values, values), max(len(sorted_values) - 1, 0))
    return sorted_values[at] == values if len(sorted_values) else np.zeros(len(values), dtype=bool)


# Records in memory.


def relate_all(
    posts: Sequence[PostRow], sources: Iterable[SourceRow] = (), reactions: Iterable[ReactionRow] = ()
) -> Relations:
    """Both steps on records in memory (dated, with their languages), the records of each
    source together. A source missing from `sources` is taken as not Telegram."""
    by_id = {s.source_id: s for s in sources}
    reactions_of: dict[str, list[ReactionRow]] = defaultdict(list)
    for r in reactions:
        reactions_of[r.post_id].append(r)
    grouped: dict[str, list[PostRow]] = defaultdict(list)
    for post in posts:
        grouped[post.source_id].append(post)
    parts = [
        source_relations(by_id.get(source_id), members, [r for p in members for r in reactions_of[p.post_id]])
        for source_id, members in grouped.items()
    ]
    text_of = {p.post_id: p.text or "" for p in posts}
    relations = relate(
        pa.concat_tables([p.features for p in parts]),
        pa.concat_tables([p.candidates for p in parts]),
        pa.concat_tables([p.frequent_anchors for p in parts]),
        lambda ids: {i: text_of[i] for i in ids},
    )
    given = {p.post_id: n for n, p in enumerate(posts)}
    relations.translations.sort(key=lambda t: (given[t.source_post_id], given[t.target_post_id]))
    return relations

"""The whole-corpus step: relations from the tables of every source, texts asked for as needed."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from diplocorpus.relate import republications, same_post, translations
from diplocorpus.relate.republications import hash64, pairs_may_be_related, shingle_keys, words
from diplocorpus.relate.translations import (
    METHOD_CROSS_SOURCE,
    METHOD_SAME_SOURCE,
    Candidate,
    anchors_of,
    text_profile,
)
from diplocorpus.rows import TranslationRow

# Texts asked for at once, at most.
BATCH = 256
# What is kept of texts between batches, for so many texts: the earliest copy of a text
# much republished is compared again and again. 5-gram keys (kept when made from the texts,
# not read) take about 8 bytes a word, the words themselves about 60.
_KEPT_KEYS = 2048
_KEPT_WORDS = 128
# Pairs whose 5-gram keys are compared at once, at most: the keys of their records stay in
# the processor's cache.
_PAIRS_AT_ONCE = 1024

# texts(rows) -> posts.text of the features' rows asked (ascending, at most BATCH at a time),
# in that order, a null text empty: a build reading its shards' texts needs no post_id.
Texts = Callable[[np.ndarray], Sequence[str]]
# shingle_keys(rows) -> the shingle_keys (SHINGLE_KEYS) of the features' rows asked (ascending),
# one after the other, and where each row's begin: (keys, offsets), the keys of rows[i] being
# keys[offsets[i]:offsets[i + 1]].
ShingleKeys = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


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


def relate(
    features: pa.Table,
    candidates: pa.Table,
    frequent_anchors: pa.Table,
    texts: Texts,
    shingle_keys: ShingleKeys | None = None,
) -> Relations:
    """`duplicate_of` and the translation pairs of a corpus, from the tables `source_relations`
    made of each source, concatenated in source order.

    `texts(rows)` returns the texts of the features' rows asked (at most BATCH at once);
    texts are asked only to compare candidates exactly. `shingle_keys(rows)`, where given,
    reads the 5-gram keys the per-source step kept (its SHINGLE_KEYS tables), which rule out
    most candidates; without it they are made again from the texts.
    """
    # One chunk (the tables of every source come concatenated, a chunk each): taking rows
    # from many chunks costs in proportion to their number.
    post_ids = pa.chunked_array([features["post_id"].combine_chunks()])
    store = _TextStore(texts, post_ids, shingle_keys)
    post_rank = _rank(post_ids)
    source = _rank(features["source_id"], dense=True)
    copies = _same_post_copies(features, source, post_rank)
    original = _republished(features, copies < 0, post_rank, store)
    original = np.where(copies >= 0, copies, original)
    pairs = _translation_pairs(features, candidates, frequent_anchors, source, post_rank, store)
    return Relations(post_ids, original, pairs)


def _rank(column: pa.ChunkedArray, dense: bool = False) -> np.ndarray:
    """Rank of each value (0-based) in ascending order, ties by position unless `dense`."""
    ranks = pc.rank(column, sort_keys="ascending", tiebreaker="dense" if dense else "first")
    return (ranks.to_numpy() - 1).astype(np.int32)


def _order(*keys: np.ndarray) -> np.ndarray:
    """Each row's rank (int32) when sorted by the keys, the last one first (as np.lexsort)."""
    rank = np.empty(len(keys[0]), dtype=np.int32)
    rank[np.lexsort(keys)] = np.arange(len(keys[0]), dtype=np.int32)
    return rank


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
    # Richest first: most columns filled, then most reactions, then post_id.
    poorness = _order(post_rank, -features["reactions"].to_numpy(), -features["filled"].to_numpy())
    return same_post.copies(
        channel, has_channel & is_post, message_id, has_message_id, text, has_text, source, poorness
    )


def _republished(
    features: pa.Table, free: np.ndarray, post_rank: np.ndarray, store: _TextStore
) -> np.ndarray:
    """Per row, the earliest record it republishes, else -1; only `free` records take part."""
    has_text = features["text_hash"].is_valid().to_numpy(zero_copy_only=False)
    sizes = features["shingles"].to_numpy() * features["minhash"].is_valid().to_numpy(zero_copy_only=False)
    return republications.originals(
        _numbers(features["text_hash"])[0], has_text & free, _age(features, post_rank), sizes,
        republications.Values(pa.chunked_array([features["minhash"].combine_chunks()])), store.related,
    )  # fmt: skip


def _age(features: pa.Table, post_rank: np.ndarray) -> np.ndarray:
    """The order in which records came out: dated records by date before undated ones, then
    Telegram posts before web articles (which republish them), then post_id."""
    days, dated = _numbers(features["dated"].cast(pa.int32()))
    return _order(post_rank, ~features["is_post"].to_numpy(), days, ~dated)


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


def keys_in(column: pa.ChunkedArray | pa.Array) -> ShingleKeys:
    """shingle_keys for `relate` reading a SHINGLE_KEYS column (of every source, concatenated)."""

    def read(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        taken = column.take(pa.array(rows, pa.int64()))
        if isinstance(taken, pa.ChunkedArray):
            taken = taken.combine_chunks()
        lengths = pc.list_value_length(taken).to_numpy(zero_copy_only=False)
        return taken.flatten().to_numpy(), np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])

    return read


def _flat_lists(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """The values of a list column and the row each belongs to."""
    values, rows, offset = [], [], 0
    for chunk in column.chunks:
        values.append(pc.list_flatten(chunk).to_numpy())
        rows.append(pc.list_parent_indices(chunk).to_numpy().astype(np.int64) + offset)
        offset += len(chunk)
    return np.concatenate(values or [np.zeros(0, np.uint64)]), np.concatenate(rows or [np.zeros(0, np.int64)])


class _TextStore:
    """The texts of records, asked for BATCH at a time, and what was last made of them."""

    def __init__(self, texts: Texts, post_ids: pa.ChunkedArray, shingle_keys: ShingleKeys | None) -> None:
        self.texts = texts
        self.post_ids = post_ids
        self.shingle_keys = shingle_keys
        self.keys: OrderedDict[int, np.ndarray] = OrderedDict()
        self.words: OrderedDict[int, list[str]] = OrderedDict()

    def fetch(self, rows: Iterable[int]) -> dict[int, str]:
        wanted = sorted(set(rows))
        found: dict[int, str] = {}
        for at in range(0, len(wanted), BATCH):
            chunk = wanted[at : at + BATCH]
            found.update(zip(chunk, self.texts(np.array(chunk, dtype=np.int64)), strict=True))
        return found

    def related(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether the texts of rows a[i] and b[i] are related (republications.related): first
        on their 5-gram keys, which rule most pairs out, then on the 5-grams themselves."""
        out = np.zeros(len(a), dtype=bool)
        # Keys made from the texts leave their words for the exact comparisons that follow: no
        # more pairs at once than the words kept can serve.
        step = _PAIRS_AT_ONCE if self.shingle_keys is not None else BATCH // 2
        for at in range(0, len(a), step):
            x, y = a[at : at + step], b[at : at + step]
            rows, index = np.unique(np.concatenate([x, y]), return_inverse=True)
            keys, offsets = self._keys(rows)
            maybe = np.flatnonzero(pairs_may_be_related(keys, offsets, index[: len(x)], index[len(x) :]))
            pairs = list(zip(x[maybe].tolist(), y[maybe].tolist(), strict=True))
            listed = self._words({row for pair in pairs for row in pair})
            for i, (p, q) in zip(maybe.tolist(), pairs, strict=True):
                out[at + i] = republications.related(listed[p], listed[q])
        return out

    def _keys(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The shingle_keys of `rows` (ascending), as ShingleKeys gives them."""
        if self.shingle_keys is not None:
            return self.shingle_keys(rows)
        wanted = rows.tolist()
        found = _kept(self.keys, set(wanted))
        for row, text in self.fetch(set(wanted) - found.keys()).items():
            listed = words(text)
            found[row] = shingle_keys(listed)
            _keep(self.words, {row: listed}, _KEPT_WORDS)
        _keep(self.keys, found, _KEPT_KEYS)
        keys = [found[row] for row in wanted]
        return np.concatenate([np.zeros(0, np.uint64), *keys]), np.cumsum([0, *map(len, keys)])

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

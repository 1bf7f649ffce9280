"""Republications: a record that repeats an earlier one verbatim or near-verbatim points to the earliest.

Records are compared on their word 5-grams (lower-cased, punctuation and emoji ignored): two
records are related when at least CONTAINMENT of the 5-grams of one are in the other
(containment, so a post quoted whole inside a longer article counts; half a post does not).
Texts under MIN_SHINGLES 5-grams are related only when identical. A record points to the
earliest record it is related to, if that one is earlier than itself.

The work is split in two. Source by source, `sketch` reduces each text to its 5-gram count
and a one-permutation MinHash of BINS values. Over the whole corpus, `originals` groups
identical texts by their hash, then makes candidates of the records that share a MinHash
value with a record, and compares them on the exact 5-gram sets of the two texts: the
sketch decides what is compared, never what is reported.

What keeps this near-linear where texts are much republished or share templates:

- identical texts are one record for the search (the earliest copy);
- a MinHash value shared by more than SMALL_BUCKET records (a stock phrase, a template, a
  much republished text) makes candidates of its OLDEST_OF_LARGE earliest records only;
- a candidate whose share of equal MinHash values is too low for a related pair of their
  sizes (probability under IMPLAUSIBLE) is not compared;
- a record is compared with its earliest candidate first, which settles most records in a
  group of near copies, then with the others, the most contained first (as their equal
  values tell), each only if earlier than the related record found so far, at most
  MAX_TRIES times;
- two texts are compared on 64-bit keys of their 5-grams first (`may_be_related`: the keys
  bound the containment from above, and rule most pairs out), on the 5-grams themselves
  only when the keys allow.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from itertools import chain

import numpy as np
import pyarrow as pa
from scipy.special import bdtr

SHINGLE_WORDS = 5
# A record republishes another when this share of the shorter one's word 5-grams is found
# in the other.
CONTAINMENT = 0.8
# Below this many 5-grams only identical texts count: short posts share stock phrases.
MIN_SHINGLES = 10
# MinHash values per record. Two 5-gram sets of Jaccard similarity J have a value in
# common with probability 1 - (1 - J)**BINS: 0.995 for a post quoted whole in an article
# four times its length (J = 0.2).
BINS = 24
SMALL_BUCKET = 64
OLDEST_OF_LARGE = 8
IMPLAUSIBLE = 1e-3
MAX_TRIES = 16
# Candidate pairs listed at once, and compared value by value at once, at most.
_CANDIDATES_AT_ONCE = 250_000
_PAIRS_COMPARED_AT_ONCE = 65_536
# Records whose candidates are tried together, to the end: each try compares as many pairs
# at once, so that the cost of a call is spread over many.
_OWNERS_AT_ONCE = 1024

_TOKEN = re.compile(r"\w+")
_MASK32 = np.uint64(0xFFFFFFFF)
_HALF_KEYS = np.uint64(1 << 63)
# Odd multipliers that make a 5-gram's hash from the hashes of its words, position by position.
_POSITION = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD],
    dtype=np.uint64,
)


def shingles(text: str) -> set[str]:
    """The word 5-grams of a text, lowercased, punctuation and emoji ignored.

    >>> sorted(shingles("Un, deux: trois quatre cinq SIX!"))
    ['deux trois quatre cinq six', 'un deux trois quatre cinq']
    """
    return {" ".join(shingle) for shingle in _tuples(words(text))}


def containment(part: set, whole: set) -> float:
    return len(part & whole) / len(part) if part else 0.0


def related(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether the word 5-grams of one of two texts, given as their words (`words`), are at
    least CONTAINMENT contained in the other's.

    >>> related(words("Un deux trois quatre cinq six sept huit"), words("un deux trois quatre cinq six"))
    True
    """
    x, y = _tuples(a), _tuples(b)
    return max(containment(x, y), containment(y, x)) >= CONTAINMENT


def may_be_related(a: np.ndarray, b: np.ndarray) -> bool:
    """False when two texts, given as their `shingle_keys`, are certainly not related: one
    pair of `pairs_may_be_related`."""
    keys, offsets = np.concatenate([a, b]), np.array([0, len(a), len(a) + len(b)])
    return bool(pairs_may_be_related(keys, offsets, np.array([0]), np.array([1]))[0])


def pairs_may_be_related(keys: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each pair of records (a[i], b[i]), False when their texts are certainly not related;
    the `shingle_keys` of record j are keys[offsets[j]:offsets[j + 1]].

    Equal 5-grams have equal keys, so the keys two texts share are at least their common
    5-grams, and a text has at most as many keys as 5-grams: the containment of keys bounds
    that of 5-grams from above.

    The keys of the smaller record are looked up in the larger's in two halves: those under
    2**63 first (the first of each record's sorted keys), which rule most pairs out, as the
    other half could at best all be shared; the others then, for the pairs still open.
    """
    lengths = np.diff(offsets)
    swap = lengths[a] > lengths[b]
    small, large = np.where(swap, b, a), np.where(swap, a, b)
    starts = offsets[:-1]
    under = np.concatenate([[0], np.cumsum(keys < _HALF_KEYS)])
    first = under[offsets[1:]] - under[starts]
    shared = shared_keys(keys, starts, first, small, large)
    needed = CONTAINMENT * lengths[small]
    still = np.flatnonzero((lengths[small] > 0) & (shared + lengths[small] - first[small] >= needed))
    shared[still] += shared_keys(keys, starts + first, lengths - first, small[still], large[still])
    return (lengths[small] > 0) & (shared >= needed)


def shared_keys(
    keys: np.ndarray, starts: np.ndarray, lengths: np.ndarray, a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """How many of the keys of record a[i] are keys of record b[i], for every i; the keys of
    record j, sorted and each once, are keys[starts[j]:starts[j] + lengths[j]].

    All pairs at once: each key of the records b is prefixed with its record's number in the
    high bits (the key's own high bits below), which makes them one sorted array; each key of
    a record a[i], prefixed with the number of b[i], is looked up in it by bisection. Keys
    equal in their high bits only are told apart on their full value.
    """
    listed = np.zeros(len(starts), dtype=bool)
    listed[b] = True
    kept = np.where(listed, lengths, 0)
    bits = np.uint64(max(len(starts) - 1, 1).bit_length())
    shift = np.uint64(64) - bits
    among = keys[ranges(starts, kept)]
    if not len(among):
        return np.zeros(len(a), dtype=np.int64)
    tagged = (np.repeat(np.arange(len(starts), dtype=np.uint64), kept) << shift) | (among >> bits)
    wanted = keys[ranges(starts[a], lengths[a])]
    sought = (np.repeat(b.astype(np.uint64), lengths[a]) << shift) | (wanted >> bits)
    at = np.minimum(np.searchsorted(tagged, sought), len(among) - 1)
    same = tagged[at] == sought
    found = same & (among[at] == wanted)
    # A key may lie further on, past keys equal to it in their high bits only: few, if any.
    later = np.flatnonzero(same & ~found)
    while len(later):
        at[later] += 1
        later = later[at[later] < len(among)]
        later = later[tagged[at[later]] == sought[later]]
        hit = among[at[later]] == wanted[later]
        found[later[hit]] = True
        later = later[~hit]
    pair = np.repeat(np.arange(len(a)), lengths[a])
    return np.bincount(pair[found], minlength=len(a))


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """starts[i], starts[i] + 1, ..., starts[i] + lengths[i] - 1, for every i, one after the other.

    >>> ranges(np.array([5, 0, 2]), np.array([2, 0, 3])).tolist()
    [5, 6, 2, 3, 4]
    """
    ends = np.cumsum(lengths, dtype=np.int64)
    total = int(ends[-1]) if len(ends) else 0
    return np.repeat(np.asarray(starts, np.int64) - ends + lengths, lengths) + np.arange(total)


def shingle_keys(words: Sequence[str]) -> np.ndarray:
    """The 64-bit keys of a text's word 5-grams, sorted, each once."""
    if len(words) < SHINGLE_WORDS:
        return np.zeros(0, dtype=np.uint64)
    return np.unique(mix(_combined(_word_hashes(words))))


def words(text: str) -> list[str]:
    """A text's words, lower-cased, as 5-grams are made of them."""
    return _TOKEN.findall(text.lower())


def _combined(word_hashes: np.ndarray, first: np.ndarray | None = None) -> np.ndarray:
    """The hash of each 5-gram from the hashes of its words: those starting at `first` (all
    by default)."""
    if first is None:
        first = np.arange(len(word_hashes) - SHINGLE_WORDS + 1)
    hashes = word_hashes[first] * _POSITION[0]
    for k in range(1, SHINGLE_WORDS):
        hashes = hashes + word_hashes[first + k] * _POSITION[k]
    return hashes


def _tuples(words: Sequence[str]) -> set[tuple[str, ...]]:
    return set(zip(*(words[k:] for k in range(SHINGLE_WORDS)), strict=False))


def hash64(text: str) -> int:
    """A 64-bit hash of a string, the same in every process (unlike hash())."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


# Words recur: their hashes are kept, up to so many words (then forgotten all at once).
_KEPT_WORD_HASHES = 1 << 16
_known_hashes: dict[str, int] = {}


def _word_hashes(words: Sequence[str]) -> np.ndarray:
    """hash64 of each word, through _known_hashes."""
    if len(_known_hashes) > _KEPT_WORD_HASHES:
        _known_hashes.clear()
    for word in set(words).difference(_known_hashes):
        _known_hashes[word] = hash64(word)
    return np.fromiter(map(_known_hashes.__getitem__, words), dtype=np.uint64, count=len(words))


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the bits of 64-bit integers (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


# One source.


def sketch(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, pa.ListArray]:
    """The distinct 5-gram counts of the texts, their MinHash values, (len(texts), BINS)
    uint32, and their `shingle_keys` (a list<uint64> array). The values and keys of texts
    under MIN_SHINGLES 5-grams are zero and empty, and are not to be used.

    5-grams are told apart by a 64-bit hash of their words: a count is exact unless two
    5-grams of a text share a hash (about one chance in 10**14 for a long text), and then only
    above MIN_SHINGLES, where a text is counted exactly.
    """
    lengths, w = _words_hashed(texts)
    counts = np.zeros(len(texts), dtype=np.int32)
    values = np.zeros((len(texts), BINS), dtype=np.uint32)
    spans = np.maximum(lengths - SHINGLE_WORDS + 1, 0)
    if not spans.any():
        return counts, values, _key_lists(np.zeros(0, np.uint64), np.zeros(0, np.int64), len(texts))
    # 5-grams of all texts at once: those starting at the first `span` words of each text.
    starts = np.cumsum(lengths) - lengths
    first = np.repeat(starts, spans) + np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
    hashes = _combined(w, first)
    owners = np.repeat(np.arange(len(texts)), spans)
    order = np.lexsort((hashes, owners))
    hashes, owners = hashes[order], owners[order]
    distinct = np.ones(len(hashes), dtype=bool)
    distinct[1:] = (hashes[1:] != hashes[:-1]) | (owners[1:] != owners[:-1])
    counts[:] = np.bincount(owners[distinct], minlength=len(texts))
    for i in np.flatnonzero(counts < MIN_SHINGLES):
        counts[i] = len(_tuples(words(texts[i])))
    sketched = counts >= MIN_SHINGLES
    if sketched.any():
        keep = distinct & sketched[owners]
        index = np.cumsum(sketched) - 1
        values[sketched] = _minhash(hashes[keep], index[owners[keep]], int(sketched.sum()))
        keys, key_owners = mix(hashes[keep]), owners[keep]
        order = np.lexsort((keys, key_owners))
        return counts, values, _key_lists(keys[order], key_owners[order], len(texts))
    return counts, values, _key_lists(np.zeros(0, np.uint64), np.zeros(0, np.int64), len(texts))


def _words_hashed(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The number of words of each text (int64), and the hash64 of every word of every
    text, in order (uint64): the words themselves are not kept."""
    texts_words = [words(text) for text in texts]
    lengths = np.fromiter(map(len, texts_words), dtype=np.int64, count=len(texts))
    return lengths, _word_hashes(list(chain.from_iterable(texts_words)))


def _key_lists(keys: np.ndarray, owners: np.ndarray, n: int) -> pa.ListArray:
    """A list<uint64> array of n rows from keys grouped by their (ascending) owner rows."""
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(owners, minlength=n), out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(keys, pa.uint64()))


def _minhash(hashes: np.ndarray, owners: np.ndarray, n: int) -> np.ndarray:
    """One-permutation MinHash: each 5-gram falls in one of BINS bins by the high half of its
    mixed hash; a record's value in a bin is the least low half among its 5-grams there.
    Empty bins borrow from the next filled bin on their right, shifted by the distance
    (densification, Shrivastava and Li 2014), so that short texts get comparable values."""
    mixed = mix(hashes)
    bins = ((mixed >> np.uint64(32)) * np.uint64(BINS)) >> np.uint64(32)
    values = np.full(n * BINS, _MASK32 + np.uint64(1), dtype=np.uint64)
    np.minimum.at(values, owners * BINS + bins.astype(np.int64), mixed & _MASK32)
    values = values.reshape(n, BINS)
    empty = values > _MASK32
    gappy = np.flatnonzero(empty.any(axis=1))
    if len(gappy):
        own, missing = values[gappy], empty[gappy]
        out, still = own.copy(), missing.copy()
        for distance in range(1, BINS):
            right = np.roll(own, -distance, axis=1)
            take = still & ~np.roll(missing, -distance, axis=1)
            shift = np.uint64(distance * int(_POSITION[0]) % 2**64)
            out[take] = mix(right[take] + shift) & _MASK32
            still &= ~take
            if not still.any():
                break
        values[gappy] = out
    return values.astype(np.uint32)


# The whole corpus.

Related = Callable[[np.ndarray, np.ndarray], np.ndarray]


class Values:
    """MinHash values by row (a (rows, BINS) array), read where they lie: in the buffers of
    the Arrow chunks of a fixed-size list column, without a copy of the whole."""

    def __init__(self, column: pa.ChunkedArray) -> None:
        self.parts: list[np.ndarray] = []
        starts = [0]
        for chunk in column.chunks:
            if len(chunk):
                child = chunk.values
                # Values under null rows are there, unspecified; they are never read.
                data = np.frombuffer(child.buffers()[1], dtype=np.uint32)
                begin = child.offset + chunk.offset * BINS
                self.parts.append(data[begin : begin + len(chunk) * BINS].reshape(-1, BINS))
                starts.append(starts[-1] + len(chunk))
        self.starts = np.array(starts, dtype=np.int64)

    def take(self, rows: np.ndarray, bin: int | None = None) -> np.ndarray:
        """The values of `rows` (all bins, or one)."""
        if len(self.parts) == 1:  # one chunk, as relate() gives them: no part to look for
            return self.parts[0][rows] if bin is None else self.parts[0][rows, bin]
        out = np.empty((len(rows), BINS) if bin is None else len(rows), dtype=np.uint32)
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        bounds = np.searchsorted(ordered, self.starts)
        for part, (start, end) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
            if start < end:
                local = ordered[start:end] - self.starts[part]
                out[order[start:end]] = (
                    self.parts[part][local] if bin is None else self.parts[part][local, bin]
                )
        return out


def originals(
    text_hash: np.ndarray,
    eligible: np.ndarray,
    age: np.ndarray,
    sizes: np.ndarray,
    minhash: Values,
    related_rows: Related,
) -> np.ndarray:
    """For each record, the row of the earliest record it republishes, else -1.

    `text_hash` groups identical texts; `age` orders records, earliest first (distinct
    values); only `eligible` records take part, and those of MIN_SHINGLES `sizes` (5-gram
    counts) or more are compared on their `minhash` values, then by `related_rows(a, b)`,
    which says for rows a[i], b[i] whether their texts are related.
    """
    out = np.full(len(text_hash), -1, dtype=np.int32)
    rows = np.flatnonzero(eligible).astype(np.int32)
    if not len(rows):
        return out
    order = rows[np.lexsort((age[rows], text_hash[rows]))]
    first = np.ones(len(order), dtype=bool)
    first[1:] = text_hash[order][1:] != text_hash[order][:-1]
    del text_hash, rows
    root = order[np.maximum.accumulate(np.where(first, np.arange(len(order), dtype=np.int32), 0))]
    # One record per text: the earliest copy stands for all of them.
    searched = np.sort(order[first])
    searched = searched[sizes[searched] >= MIN_SHINGLES]
    del first
    earliest = np.full(len(out), -1, dtype=np.int32)
    earliest[searched] = _earliest_related(searched, age, sizes, minhash, related_rows)
    found = earliest[root]
    out[order] = np.where(order == root, found, np.where(found >= 0, found, root))
    return out


def _earliest_related(
    rows: np.ndarray, age: np.ndarray, sizes: np.ndarray, minhash: Values, related_rows: Related
) -> np.ndarray:
    """For each of `rows`, the row of the earliest of its candidates among `rows` whose text is
    related, else -1 (`age`, `sizes`, `minhash` are by row)."""
    age, sizes = age[rows], sizes[rows]
    best = np.full(len(rows), -1, dtype=np.int32)
    for owner, candidate in _candidates(age, minhash, rows):
        equal = _equal_values(minhash, rows[owner], rows[candidate])
        small = np.minimum(sizes[owner], sizes[candidate]).astype(np.float64)
        large = np.maximum(sizes[owner], sizes[candidate]).astype(np.float64)
        # The least Jaccard similarity of two 5-gram sets of these sizes, the smaller contained
        # at CONTAINMENT in the larger; a pair is left out when a pair that similar would show
        # so few equal values with a chance under IMPLAUSIBLE.
        least = CONTAINMENT * small / (large + (1 - CONTAINMENT) * small)
        plausible = _plausible(equal, least)
        owner, candidate, equal = owner[plausible], candidate[plausible], equal[plausible]
        if not len(owner):
            continue
        small, large = small[plausible], large[plausible]
        jaccard = equal / BINS
        contained = jaccard * (small + large) / ((1 + jaccard) * small)
        # The earliest candidate of each record first, then the others, the most contained first
        # (candidates come grouped by record).
        starts = _run_starts(owner)
        earliest = np.minimum.reduceat(age[candidate], starts)
        later = age[candidate] != np.repeat(earliest, np.diff(np.append(starts, len(owner))))
        order = np.lexsort((age[candidate], -contained, later, owner))
        owner, candidate = owner[order], candidate[order]
        # A few records at a time, to the end: their texts are still at hand for each try.
        group = starts[::_OWNERS_AT_ONCE]
        for start, end in zip(group, np.append(group[1:], len(owner)), strict=True):
            _try_in_order(
                owner[start:end], candidate[start:end], age, best, lambda a, b: related_rows(rows[a], rows[b])
            )
    return np.where(best >= 0, rows[np.maximum(best, 0)], -1)


def _plausible(equal: np.ndarray, least: np.ndarray) -> np.ndarray:
    """Whether so many `equal` values of BINS have a chance of IMPLAUSIBLE or more for a pair
    of Jaccard similarity `least`: bdtr(equal, BINS, least) >= IMPLAUSIBLE, which falls as the
    similarity grows, so that a bound per count of equal values decides, and bdtr, which costs,
    is computed only next to the bound."""
    bound = _similarity_bounds()[equal]
    plausible = least <= bound
    near = np.flatnonzero(np.abs(least - bound) <= 1e-9)
    plausible[near] = bdtr(equal[near], BINS, least[near]) >= IMPLAUSIBLE
    return plausible


@cache
def _similarity_bounds() -> np.ndarray:
    """For each count of equal values (0 to BINS), the greatest similarity at which it has a
    chance of IMPLAUSIBLE or more, by bisection."""
    bounds = np.ones(BINS + 1)
    for equal in range(BINS + 1):
        low, high = 0.0, 1.0
        if bdtr(equal, BINS, high) >= IMPLAUSIBLE:
            continue
        while high - low > 1e-15:
            middle = (low + high) / 2
            low, high = (middle, high) if bdtr(equal, BINS, middle) >= IMPLAUSIBLE else (low, middle)
        bounds[equal] = low
    return bounds


def _equal_values(minhash: Values, owner: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    """How many MinHash values each (owner, candidate) pair has in common, a block at a time."""
    equal = np.empty(len(owner), dtype=np.int64)
    for at in range(0, len(owner), _PAIRS_COMPARED_AT_ONCE):
        block = slice(at, at + _PAIRS_COMPARED_AT_ONCE)
        equal[block] = np.count_nonzero(minhash.take(owner[block]) == minhash.take(candidate[block]), axis=1)
    return equal


def _try_in_order(
    owner: np.ndarray, candidate: np.ndarray, age: np.ndarray, best: np.ndarray, related_rows: Related
) -> None:
    """Compare each owner with its candidates in the order given (owners grouped), skipping
    those no earlier than the related one found (`best`), at most 1 + MAX_TRIES comparisons
    per owner; `best` is updated."""
    if not len(owner):
        return
    at = np.flatnonzero(np.concatenate([[True], owner[1:] != owner[:-1]]))
    end = np.append(at[1:], len(owner))
    tries = np.zeros(len(at), dtype=np.int64)
    while len(at):
        who = owner[at]
        current = best[who]
        useful = (current < 0) | (age[candidate[at]] < age[np.maximum(current, 0)])
        compare = np.flatnonzero(useful)
        ok = related_rows(who[compare], candidate[at[compare]])
        best[who[compare[ok]]] = candidate[at[compare[ok]]]
        tries[compare] += 1
        at = at + 1
        going = (at < end) & (tries <= MAX_TRIES)
        at, end, tries = at[going], end[going], tries[going]


def _value_order(
    by_age: np.ndarray, rank: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Records sorted by a MinHash value then age; for each record, where its candidates begin
    in that order and how many there are: every older record of its bucket (records sharing
    the value) up to SMALL_BUCKET records, the OLDEST_OF_LARGE earliest beyond. `by_age` lists
    the records by age, and `rank` is each one's place in that list."""
    # One sort of 64-bit keys, value then age, rather than an index sort on two keys.
    keys = (values.astype(np.uint64) << np.uint64(32)) | rank.astype(np.uint64)
    keys.sort()
    order = by_age[(keys & _MASK32).astype(np.int32)]
    keys >>= np.uint64(32)
    change = np.ones(len(keys), dtype=bool)
    change[1:] = keys[1:] != keys[:-1]
    del keys
    first = np.flatnonzero(change).astype(np.int32)
    sizes = np.diff(np.append(first, len(change))).astype(np.int32)
    start = np.repeat(first, sizes)
    older = np.arange(len(change), dtype=np.int32) - start
    count = np.where(np.repeat(sizes, sizes) <= SMALL_BUCKET, older, np.minimum(older, OLDEST_OF_LARGE))
    # By record: fewer than SMALL_BUCKET candidates each.
    start_of, count_of = np.empty_like(start), np.empty(len(count), dtype=np.uint8)
    start_of[order], count_of[order] = start, count
    return order, start_of, count_of


def _candidates(
    age: np.ndarray, minhash: Values, rows: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(record, candidate) pairs of the records of `rows` (by their index in `rows`; `age` is
    theirs, `minhash` by row), each once, sorted, all of a record's in one chunk of about
    _CANDIDATES_AT_ONCE pairs.

    Each bin's order is made once and kept (a few bytes a record), then read a chunk of
    records at a time: no work per chunk grows with the corpus."""
    n = len(age)
    by_age = np.argsort(age).astype(np.int32)
    rank = np.empty(n, dtype=np.int32)
    rank[by_age] = np.arange(n, dtype=np.int32)
    orders = [_value_order(by_age, rank, minhash.take(rows, b)) for b in range(BINS)]
    counts = np.sum([count for _, _, count in orders], axis=0, dtype=np.int64)
    chunk = np.cumsum(counts) // _CANDIDATES_AT_ONCE
    bounds = np.append(_run_starts(chunk), n)
    for begin, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        owners = np.arange(begin, end, dtype=np.int64)
        pairs = np.concatenate(
            [
                np.repeat(owners * n, count[begin:end]) + order[ranges(start[begin:end], count[begin:end])]
                for order, start, count in orders
            ]
        )
        if len(pairs):
            pairs.sort()
            unique = pairs[_run_starts(pairs)]
            yield unique // n, unique % n


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values begins.

    >>> _run_starts(np.array([3, 3, 5, 3])).tolist()
    [0, 2, 3]
    """
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))

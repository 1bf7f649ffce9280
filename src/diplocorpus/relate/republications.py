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
  group of near copies, then with the others, those sharing most values first, each only if
  earlier than the related record found so far, at most MAX_TRIES times.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterator, Sequence

import numpy as np

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
IMPLAUSIBLE = 1e-4
MAX_TRIES = 32
# Candidate pairs listed at once, at most.
_CANDIDATES_AT_ONCE = 2_000_000

_TOKEN = re.compile(r"\w+")
_MASK32 = np.uint64(0xFFFFFFFF)
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
    words = _TOKEN.findall(text.lower())
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def containment(part: set[str], whole: set[str]) -> float:
    return len(part & whole) / len(part) if part else 0.0


def related(a: set[str], b: set[str]) -> bool:
    """Whether one of two 5-gram sets is at least CONTAINMENT contained in the other."""
    return max(containment(a, b), containment(b, a)) >= CONTAINMENT


def hash64(text: str) -> int:
    """A 64-bit hash of a string, the same in every process (unlike hash())."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the bits of 64-bit integers (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


# One source.


def sketch(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct 5-gram counts of the texts and their MinHash values, (len(texts), BINS)
    uint32; the values of texts under MIN_SHINGLES 5-grams are zero and are not to be used.

    5-grams are told apart by a 64-bit hash of their words: a count is exact unless two
    5-grams of a text share a hash (about one chance in 10**14 for a long text), and then only
    above MIN_SHINGLES, where a text is counted exactly.
    """
    vocabulary: dict[str, int] = {}
    ids: list[int] = []
    lengths = np.zeros(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        words = [vocabulary.setdefault(w, len(vocabulary)) for w in _TOKEN.findall(text.lower())]
        ids.extend(words)
        lengths[i] = len(words)
    counts = np.zeros(len(texts), dtype=np.int32)
    values = np.zeros((len(texts), BINS), dtype=np.uint32)
    spans = np.maximum(lengths - SHINGLE_WORDS + 1, 0)
    if not spans.any():
        return counts, values
    word_hashes = np.fromiter((hash64(w) for w in vocabulary), dtype=np.uint64, count=len(vocabulary))
    w = word_hashes[np.asarray(ids, dtype=np.int64)]
    # 5-grams of all texts at once: those starting at the first `span` words of each text.
    starts = np.cumsum(lengths) - lengths
    first = np.repeat(starts, spans) + np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
    hashes = w[first] * _POSITION[0]
    for k in range(1, SHINGLE_WORDS):
        hashes = hashes + w[first + k] * _POSITION[k]
    owners = np.repeat(np.arange(len(texts)), spans)
    order = np.lexsort((hashes, owners))
    hashes, owners = hashes[order], owners[order]
    distinct = np.ones(len(hashes), dtype=bool)
    distinct[1:] = (hashes[1:] != hashes[:-1]) | (owners[1:] != owners[:-1])
    counts[:] = np.bincount(owners[distinct], minlength=len(texts))
    for i in np.flatnonzero(counts < MIN_SHINGLES):
        counts[i] = len(shingles(texts[i]))
    sketched = counts >= MIN_SHINGLES
    if sketched.any():
        keep = distinct & sketched[owners]
        index = np.cumsum(sketched) - 1
        values[sketched] = _minhash(hashes[keep], index[owners[keep]], int(sketched.sum()))
    return counts, values


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


def originals(
    text_hash: np.ndarray,
    eligible: np.ndarray,
    age: np.ndarray,
    sizes: np.ndarray,
    minhash: np.ndarray,
    related_rows: Related,
) -> np.ndarray:
    """For each record, the row of the earliest record it republishes, else -1.

    `text_hash` groups identical texts; `age` orders records, earliest first (distinct
    values); only `eligible` records take part, and those of MIN_SHINGLES `sizes` (5-gram
    counts) or more are compared on their `minhash` values, then by `related_rows(a, b)`,
    which says for rows a[i], b[i] whether their texts are related.
    """
    out = np.full(len(text_hash), -1, dtype=np.int64)
    rows = np.flatnonzero(eligible)
    if not len(rows):
        return out
    order = rows[np.lexsort((age[rows], text_hash[rows]))]
    first = np.ones(len(order), dtype=bool)
    first[1:] = text_hash[order][1:] != text_hash[order][:-1]
    root = order[np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))]
    # One record per text: the earliest copy stands for all of them.
    roots = order[first]
    searched = roots[sizes[roots] >= MIN_SHINGLES]
    earliest = np.full(len(text_hash), -1, dtype=np.int64)
    found = _earliest_related(age[searched], sizes[searched], minhash[searched], related_rows, searched)
    earliest[searched] = found
    found = earliest[root]
    out[order] = np.where(order == root, found, np.where(found >= 0, found, root))
    return out


def _earliest_related(
    age: np.ndarray, sizes: np.ndarray, minhash: np.ndarray, related_rows: Related, rows: np.ndarray
) -> np.ndarray:
    """For each record (given by its `age`, 5-gram count and MinHash values), the row of the
    earliest of its candidates whose text is related, else -1; `rows` are their rows."""
    best = np.full(len(age), -1, dtype=np.int64)
    for owner, candidate in _candidates(age, minhash):
        plausible = _plausible(minhash[owner], minhash[candidate], sizes[owner], sizes[candidate])
        owner, candidate = owner[plausible], candidate[plausible]
        shared = np.count_nonzero(minhash[owner] == minhash[candidate], axis=1)
        # The earliest candidate of each record first, then the others, most shared first.
        earliest = np.full(len(age), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(earliest, owner, age[candidate])
        not_earliest = age[candidate] != earliest[owner]
        order = np.lexsort((age[candidate], -shared, not_earliest, owner))
        _try_in_order(owner[order], candidate[order], age, best, lambda a, b: related_rows(rows[a], rows[b]))
    return np.where(best >= 0, rows[np.maximum(best, 0)], -1)


def _plausible(a: np.ndarray, b: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """Whether records with MinHash values a[i], b[i] and 5-gram counts could be related:
    the chance that a related pair of those sizes shows so few equal values is at least
    IMPLAUSIBLE."""
    small, large = np.minimum(size_a, size_b), np.maximum(size_a, size_b)
    # The least Jaccard similarity of two sets of these sizes, the smaller contained at
    # CONTAINMENT in the larger.
    least = CONTAINMENT * small / (large + (1 - CONTAINMENT) * small)
    equal = np.count_nonzero(a == b, axis=1)
    return _binomial_cdf(equal, BINS, least) >= IMPLAUSIBLE


def _binomial_cdf(k: np.ndarray, n: int, p: np.ndarray) -> np.ndarray:
    """P(X <= k) for X binomial (n, p), elementwise."""
    total = np.zeros(len(k))
    for i in range(n + 1):
        total += np.where(i <= k, math.comb(n, i) * p**i * (1 - p) ** (n - i), 0.0)
    return total


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


def _value_order(age: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Records sorted by a MinHash value then age; for each position, where its candidates
    begin in that order and how many there are: every older record of its bucket (records
    sharing the value) up to SMALL_BUCKET records, the OLDEST_OF_LARGE earliest beyond."""
    order = np.lexsort((age, values))
    sorted_values = values[order]
    change = np.ones(len(order), dtype=bool)
    change[1:] = sorted_values[1:] != sorted_values[:-1]
    start = np.maximum.accumulate(np.where(change, np.arange(len(order)), 0))
    size = np.bincount(start, minlength=len(order))[start]
    older = np.arange(len(order)) - start
    return order, start, np.where(size <= SMALL_BUCKET, older, np.minimum(older, OLDEST_OF_LARGE))


def _candidates(age: np.ndarray, minhash: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(record, candidate) pairs, each once, all of a record's in one chunk of about
    _CANDIDATES_AT_ONCE pairs."""
    n = len(age)
    counts = np.zeros(n, dtype=np.int64)
    for b in range(minhash.shape[1]):
        order, _, count = _value_order(age, minhash[:, b])
        counts[order] += count
    chunk = np.cumsum(counts) // _CANDIDATES_AT_ONCE
    for part in np.unique(chunk[counts > 0]):
        members = (chunk == part) & (counts > 0)
        pairs = []
        for b in range(minhash.shape[1]):
            order, start, count = _value_order(age, minhash[:, b])
            position = np.flatnonzero(members[order] & (count > 0))
            lengths = count[position]
            total = int(lengths.sum())
            offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            candidate = order[np.repeat(start[position], lengths) + offsets]
            pairs.append(order[np.repeat(position, lengths)] * n + candidate)
        unique = np.unique(np.concatenate(pairs))
        yield unique // n, unique % n

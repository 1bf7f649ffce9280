"""The same Telegram post read from two sources: the poorer record points to the richer one.

A text render of a channel and a saved t.me/s page or an export of the same channel give
two records of one post. Two Telegram records of different sources are the same post when
they belong to the same channel (the handle of their t.me link, or the source's handle in
sources.csv) and either have the same message id, or one has no id (a text render) and
their texts are equal once whitespace and case are set aside. A text shared by two posts of
one source decides nothing (a repost): such texts are not matched. Of each group of copies
the record that fills the most columns (then has the most reactions, then comes first by
post_id) is kept; the others point to it, so that counting posts (and their reactions) with
`duplicate_of IS NULL` counts each once.

Per source, `channel_of`, `comparable` and `filled` describe a record; `copies` then finds
the groups over the whole corpus from those columns alone.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from diplocorpus.rows import PostRow, SourceRow

_POST_URL = re.compile(r"^https://t\.me/(?P<handle>[A-Za-z0-9_]+)/\d+$")
# Columns that say nothing about how much a record tells: keys, positions, derived values
# (the publication-date interval is derived from published_at or from the text).
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
        "date_min",
        "date_max",
        "date_source",
    }
)
_CONTENT = tuple(f.name for f in dataclasses.fields(PostRow) if f.name not in _NOT_CONTENT)


def source_handle(source: SourceRow | None) -> str | None:
    """The channel a Telegram source's records belong to unless their link says otherwise;
    None for other sources."""
    if source is None or source.platform != "telegram":
        return None
    return (source.handle or "").lower() or None


def channel_of(post: PostRow, telegram: bool, handle: str | None) -> str | None:
    """The lower-cased handle of the channel a Telegram post belongs to, if known."""
    if not telegram or post.kind != "post":
        return None
    m = _POST_URL.match(post.url or "")
    return m["handle"].lower() if m else handle


def comparable(text: str | None) -> str:
    """A text with whitespace runs made single spaces and case folded.

    >>> comparable("VTLite\\n\\n0.5  Скачать") == comparable("vtlite 0.5\\nскачать")
    True
    """
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def filled(post: PostRow) -> int:
    """How many columns that tell something about the post the record fills."""
    return sum(getattr(post, name) is not None for name in _CONTENT)


def copies(
    channel: np.ndarray,
    has_channel: np.ndarray,
    message_id: np.ndarray,
    has_message_id: np.ndarray,
    text: np.ndarray,
    has_text: np.ndarray,
    source: np.ndarray,
    poorness: np.ndarray,
) -> np.ndarray:
    """For each record, the row of the richer copy it duplicates, else -1.

    Arrays are aligned by record: `channel` and `text` are 64-bit hashes (of the channel
    handle and of the comparable text), `source` a source number, `poorness` the rank of the
    record when sorted richest first (most filled columns, most reactions, post_id).
    """
    n = len(channel)
    edges = [
        _group_edges(np.flatnonzero(has_channel & has_message_id), channel, message_id.astype(np.uint64)),
        _text_edges(np.flatnonzero(has_channel & has_text), channel, text, source, has_message_id),
    ]
    a = np.concatenate([e[0] for e in edges])
    b = np.concatenate([e[1] for e in edges])
    out = np.full(n, -1, dtype=np.int32)
    if not len(a):
        return out
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    members = np.unique(np.concatenate([a, b]))
    # Richest first within each group of copies: the first member of each group is kept.
    order = members[np.lexsort((poorness[members], component[members]))]
    groups = component[order]
    first = np.concatenate([[True], groups[1:] != groups[:-1]])
    kept = order[np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))]
    out[order[~first]] = kept[~first]
    return out


def _runs(rows: np.ndarray, *keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`rows` sorted by the keys (first key most significant), and the start of each run of
    equal keys in that order."""
    order = rows[np.lexsort(tuple(k[rows] for k in reversed(keys)))]
    if not len(order):
        return order, np.zeros(0, dtype=np.int64)
    change = np.zeros(len(order), dtype=bool)
    change[0] = True
    for key in keys:
        values = key[order]
        change[1:] |= values[1:] != values[:-1]
    return order, np.flatnonzero(change)


def _group_edges(rows: np.ndarray, *keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges joining each record to the first of its run of equal keys: one per record, so
    a group of g records costs g, not g squared."""
    order, starts = _runs(rows, *keys)
    head = order[np.repeat(starts, np.diff(np.append(starts, len(order))))]
    joined = order != head
    return head[joined], order[joined]


def _text_edges(
    rows: np.ndarray,
    channel: np.ndarray,
    text: np.ndarray,
    source: np.ndarray,
    has_message_id: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Edges of the groups of equal (channel, text) that are copies of one post: in more
    than one source, at most once in each, and one of them without a message id."""
    order, starts = _runs(rows, channel, text, source)
    if not len(order):
        return order, order
    group_change = np.zeros(len(order), dtype=bool)
    group_change[0] = True
    group_change[1:] = (channel[order][1:] != channel[order][:-1]) | (text[order][1:] != text[order][:-1])
    group = np.cumsum(group_change) - 1
    # Within a group, records are sorted by source: a run of one source longer than one
    # record, or a group of one source only, disqualifies the group.
    run_length = np.diff(np.append(starts, len(order)))
    repeated = np.zeros(group[-1] + 1, dtype=bool)
    repeated[group[starts[run_length > 1]]] = True
    sources = np.bincount(group[starts], minlength=group[-1] + 1)
    unnumbered = np.bincount(group, weights=~has_message_id[order], minlength=group[-1] + 1) > 0
    qualifies = (sources > 1) & ~repeated & unnumbered
    kept = qualifies[group]
    heads = np.flatnonzero(group_change)
    head = order[heads[group]]
    joined = kept & (order != head)
    return head[joined], order[joined]

"""Relations between records of different raw files.

`mark_same_post_duplicates`: the same Telegram post read from two sources (a text render
and a saved t.me/s page or an export of the same channel) is one post: the richer record
stays, the poorer one points to it through `duplicate_of`, so that counting posts (and
their reactions) with `duplicate_of IS NULL` counts each once.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence

from diplocorpus.rows import PostRow, ReactionRow, SourceRow

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

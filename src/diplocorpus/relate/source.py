"""The per-source step: what one source's records contribute to the relations."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import pyarrow as pa

from diplocorpus.enrich import text_sha256
from diplocorpus.relate import republications, same_post
from diplocorpus.relate.republications import BINS, MIN_SHINGLES, hash64
from diplocorpus.relate.schemas import CANDIDATES, FEATURES, FREQUENT_ANCHORS, SHINGLE_KEYS, SourceRelations
from diplocorpus.relate.translations import (
    LANGUAGES,
    MAX_ANCHOR_POSTS,
    Profile,
    adjacent_pairs,
    anchors_of,
    profile,
)
from diplocorpus.rows import PostRow, ReactionRow, SourceRow


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
    counts, minhash, keys = republications.sketch(
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
    return SourceRelations(
        features,
        candidates,
        pa.table({"anchor": frequent}, schema=FREQUENT_ANCHORS),
        pa.table({"keys": keys}, schema=SHINGLE_KEYS),
    )


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

"""Relations between records: the same post read twice, republications, translation pairs.

They are computed in two steps, so that a corpus whose texts do not fit in memory can be
related:

- `source_relations(source, posts, reactions)` (source.py), one source at a time, where the
  source is parsed: a few fixed-size features per record (schemas.FEATURES), the translation
  candidates within the source, already scored (CANDIDATES), and the anchors too common in
  the source to pair anything (FREQUENT_ANCHORS), as Arrow tables;
- `relate(features, candidates, frequent_anchors, texts)` (corpus.py), once, from those
  tables of every source concatenated in source order: `duplicate_of` for every record, and
  the translation pairs. It asks `texts` for the full texts of just the records it must
  compare exactly, at most BATCH at a time, and `shingle_keys`, where given, for the 5-gram
  keys the first step kept (SHINGLE_KEYS), those of the records of many pairs at once.

`relate_all(posts, sources, reactions)` runs both steps on records held in memory.

Precedence: a poorer copy of a post read elsewhere (same_post.py) points to its richer copy,
and takes no part in the search for republications (republications.py); translation pairs
(translations.py) are looked for among all records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import pyarrow as pa

from diplocorpus.relate.corpus import BATCH, Relations, ShingleKeys, Texts, keys_in, relate
from diplocorpus.relate.schemas import CANDIDATES, FEATURES, FREQUENT_ANCHORS, SHINGLE_KEYS, SourceRelations
from diplocorpus.relate.source import source_relations
from diplocorpus.relate.translations import assess, hashtag_key, profile
from diplocorpus.rows import PostRow, ReactionRow, SourceRow

__all__ = [
    "BATCH",
    "CANDIDATES",
    "FEATURES",
    "FREQUENT_ANCHORS",
    "Relations",
    "SHINGLE_KEYS",
    "ShingleKeys",
    "SourceRelations",
    "Texts",
    "assess",
    "hashtag_key",
    "profile",
    "relate",
    "relate_all",
    "source_relations",
]


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
    # The features' rows: the records of each source together, as `grouped` holds them.
    texts = [p.text or "" for members in grouped.values() for p in members]
    relations = relate(
        *(
            pa.concat_tables([getattr(p, name) for p in parts]) if parts else schema.empty_table()
            for name, schema in (
                ("features", FEATURES), ("candidates", CANDIDATES), ("frequent_anchors", FREQUENT_ANCHORS)
            )
        ),
        lambda rows: [texts[row] for row in rows.tolist()],
        keys_in(pa.concat_tables([p.shingle_keys for p in parts])["keys"]) if parts else None,
    )  # fmt: skip
    given = {p.post_id: n for n, p in enumerate(posts)}
    relations.translations.sort(key=lambda t: (given[t.source_post_id], given[t.target_post_id]))
    return relations

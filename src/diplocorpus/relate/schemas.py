"""The tables the per-source step makes and the whole-corpus step reads.

They are internal, not published: the build keeps them beside a source's tables, to be read
back for the whole-corpus step. Each field says what it holds in its description.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from diplocorpus.relate.republications import BINS, MIN_SHINGLES
from diplocorpus.relate.translations import MAX_ANCHOR_POSTS


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


SHINGLE_KEYS = pa.schema(
    [
        _field(
            "keys",
            pa.list_(pa.uint64()),
            False,
            "republications.shingle_keys of the record's text, one row per row of FEATURES; empty under "
            f"{MIN_SHINGLES} 5-grams and for records that take no part in the search for republications.",
        )
    ]
)


@dataclass(frozen=True)
class SourceRelations:
    """What one source contributes to the relations: tables of schemas FEATURES (one row per
    record, in the order of the records), CANDIDATES and FREQUENT_ANCHORS, and SHINGLE_KEYS
    (one row per record too). The whole-corpus step holds the first three in memory for all
    sources at once, and reads the shingle keys of a few records at a time."""

    features: pa.Table
    candidates: pa.Table
    frequent_anchors: pa.Table
    shingle_keys: pa.Table

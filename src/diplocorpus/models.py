"""Pandera models of the tables: short declarative mirrors of schemas/*.schema.json.

A test holds each model equal to its Table Schema (names, order, nullability, enums,
bounds, patterns); the Frictionless schema stays the source of truth.
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

ID = r"^[a-z0-9][a-z0-9_-]*$"
LANG = r"^([a-z]{2}|und)$"
SHA = r"^[0-9a-f]{64}$"
UTC = Annotated[pd.DatetimeTZDtype, "us", "UTC"]
Int = pd.Int64Dtype


class _Strict(pa.DataFrameModel):
    class Config:
        strict = True
        ordered = True


class Sources(_Strict):
    source_id: Series[str] = pa.Field(unique=True, str_matches=ID)
    path: Series[str] = pa.Field(unique=True)
    format: Series[str] = pa.Field(
        isin=["telegram-text", "web-text", "telegram-html", "telegram-json", "web-html"]
    )
    platform: Series[str] = pa.Field(isin=["telegram", "web"])
    name: Series[str] = pa.Field(nullable=True)
    handle: Series[str] = pa.Field(nullable=True)
    url: Series[str] = pa.Field(nullable=True)
    language: Series[str] = pa.Field(str_matches=LANG)
    collected_at: Series[UTC] = pa.Field(nullable=True)
    sha256: Series[str] = pa.Field(str_matches=SHA)
    bytes: Series[Int] = pa.Field(ge=0)
    encoding: Series[str]
    notes: Series[str] = pa.Field(nullable=True)


class Posts(_Strict):
    post_id: Series[str] = pa.Field(unique=True, str_matches=r"^[a-z0-9][a-z0-9_-]*/L?[0-9]+$")
    source_id: Series[str] = pa.Field(str_matches=ID)
    ordinal: Series[Int] = pa.Field(ge=1)
    kind: Series[str] = pa.Field(isin=["post", "article", "service"])
    message_id: Series[Int] = pa.Field(nullable=True)
    url: Series[str] = pa.Field(nullable=True)
    published_at: Series[UTC] = pa.Field(nullable=True)
    edited: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    edited_at: Series[UTC] = pa.Field(nullable=True)
    scraped_at: Series[UTC] = pa.Field(nullable=True)
    date_min: Series[pa.DateTime] = pa.Field(nullable=True)
    date_max: Series[pa.DateTime] = pa.Field(nullable=True)
    date_source: Series[str] = pa.Field(nullable=True, isin=["native", "text", "neighbours"])
    publisher: Series[str] = pa.Field(nullable=True)
    forwarded_from: Series[str] = pa.Field(nullable=True)
    forwarded_from_handle: Series[str] = pa.Field(nullable=True)
    forwarded_from_id: Series[str] = pa.Field(nullable=True)
    forwarded_from_message_id: Series[Int] = pa.Field(nullable=True)
    reply_to_message_id: Series[Int] = pa.Field(nullable=True)
    author_signature: Series[str] = pa.Field(nullable=True)
    title: Series[str] = pa.Field(nullable=True)
    lede: Series[str] = pa.Field(nullable=True)
    text: Series[str] = pa.Field(nullable=True)
    language: Series[str] = pa.Field(nullable=True, str_matches=LANG)
    languages: Series[str] = pa.Field(nullable=True, str_matches=r"^[a-z]{2}(\|[a-z]{2})*$")
    media: Series[str] = pa.Field(
        nullable=True,
        isin=[
            "media_too_big",
            "open_in_telegram",
            "not_supported_in_browser",
            "photo",
            "video",
            "round_video",
            "animation",
            "sticker",
            "voice",
            "audio",
            "document",
            "poll",
            "location",
            "contact",
            "album",
            "other",
        ],
    )
    media_items: Series[str] = pa.Field(nullable=True)
    service_action: Series[str] = pa.Field(
        nullable=True,
        isin=[
            "channel_renamed",
            "channel_created",
            "channel_photo_updated",
            "channel_photo_removed",
            "message_pinned",
            "live_stream_started",
            "live_stream_ended",
            "group_created",
            "members_invited",
            "members_removed",
            "member_joined",
            "other",
        ],
    )
    byline: Series[str] = pa.Field(nullable=True)
    dateline: Series[str] = pa.Field(nullable=True)
    attribution: Series[str] = pa.Field(nullable=True)
    captions: Series[str] = pa.Field(nullable=True)
    links: Series[str] = pa.Field(nullable=True)
    views: Series[Int] = pa.Field(nullable=True, ge=0)
    views_raw: Series[str] = pa.Field(nullable=True)
    n_chars: Series[Int] = pa.Field(ge=0)
    raw_line_start: Series[Int] = pa.Field(ge=1)
    raw_line_end: Series[Int] = pa.Field(ge=1)
    text_sha256: Series[str] = pa.Field(nullable=True, str_matches=SHA)
    duplicate_of: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check
    def span_is_ordered(cls, df: pd.DataFrame) -> Series[bool]:
        return df["raw_line_start"] <= df["raw_line_end"]

    @pa.dataframe_check
    def edit_time_only_for_edited_posts(cls, df: pd.DataFrame) -> Series[bool]:
        return df["edited_at"].isna() | (df["edited"] == True)  # noqa: E712 (nullable booleans)

    @pa.dataframe_check
    def dates_are_ordered(cls, df: pd.DataFrame) -> Series[bool]:
        return df["date_min"].isna() | df["date_max"].isna() | (df["date_min"] <= df["date_max"])


class Reactions(_Strict):
    post_id: Series[str]
    rank: Series[Int] = pa.Field(ge=1)
    emoji: Series[str] = pa.Field(nullable=True)
    type: Series[str] = pa.Field(nullable=True, isin=["emoji", "custom_emoji", "paid"])
    custom_emoji_id: Series[str] = pa.Field(nullable=True)
    count: Series[Int] = pa.Field(ge=0)

    class Config:
        unique = ["post_id", "rank"]


class ParseIssues(_Strict):
    source_id: Series[str] = pa.Field(str_matches=ID)
    raw_line_start: Series[Int] = pa.Field(ge=1)
    raw_line_end: Series[Int] = pa.Field(ge=1)
    post_id: Series[str] = pa.Field(nullable=True)
    code: Series[str] = pa.Field(
        isin=[
            "page_chrome",
            "boilerplate",
            "read_more",
            "repeated_headline",
            "unplaced_line",
            "orphan_reactions",
            "orphan_marker",
            "boundary_inferred",
            "copies_differ",
            "approximate_count",
            "export_header",
            "local_time",
            "malformed_message",
            "duplicate_message_id",
            "unsupported_message",
            "unknown_service_action",
            "unknown_reaction",
            "no_main_text",
        ]
    )
    message: Series[str]

    class Config:
        unique = ["source_id", "raw_line_start", "code"]

    @pa.dataframe_check
    def span_is_ordered(cls, df: pd.DataFrame) -> Series[bool]:
        return df["raw_line_start"] <= df["raw_line_end"]


class Translations(_Strict):
    source_post_id: Series[str]
    target_post_id: Series[str] = pa.Field(unique=True)
    source_language: Series[str] = pa.Field(str_matches=r"^[a-z]{2}$")
    target_language: Series[str] = pa.Field(str_matches=r"^[a-z]{2}$")
    score: Series[float] = pa.Field(ge=0, le=1)
    method: Series[str] = pa.Field(isin=["features-adjacent", "features-cross-source"])
    evidence: Series[str]

    class Config:
        unique = ["source_post_id", "target_post_id"]

    @pa.dataframe_check
    def languages_differ(cls, df: pd.DataFrame) -> Series[bool]:
        return df["source_language"] != df["target_language"]


class Entities(_Strict):
    post_id: Series[str]
    start: Series[Int] = pa.Field(ge=0)
    end: Series[Int] = pa.Field(ge=1)
    surface: Series[str]
    type: Series[str] = pa.Field(
        isin=["PER", "ORG", "LOC", "MISC", "HASHTAG", "MENTION", "URL", "FLAG", "DATE"]
    )
    normalized: Series[str] = pa.Field(nullable=True)
    entity_id: Series[str] = pa.Field(nullable=True)
    method: Series[str] = pa.Field(isin=["telegram-export", "rule", "catalog", "spacy", "natasha"])

    class Config:
        unique = ["post_id", "start"]

    @pa.dataframe_check
    def span_is_ordered(cls, df: pd.DataFrame) -> Series[bool]:
        return df["start"] < df["end"]

    @pa.dataframe_check
    def surface_has_the_span_length(cls, df: pd.DataFrame) -> Series[bool]:
        return df["surface"].str.len() == df["end"] - df["start"]


class EntityCatalog(_Strict):
    entity_id: Series[str] = pa.Field(unique=True, str_matches=r"^[a-z0-9][a-z0-9-]*$")
    type: Series[str] = pa.Field(isin=["PER", "ORG", "LOC", "MISC"])
    label_fr: Series[str]
    label_ru: Series[str] = pa.Field(nullable=True)
    label_en: Series[str]
    wikidata: Series[str] = pa.Field(nullable=True, str_matches=r"^Q[1-9][0-9]*$")
    aliases: Series[str] = pa.Field(nullable=True)
    origin: Series[str] = pa.Field(isin=["curated", "babel"])


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "sources": Sources,
    "posts": Posts,
    "reactions": Reactions,
    "parse_issues": ParseIssues,
    "translations": Translations,
    "entities": Entities,
    "entity_catalog": EntityCatalog,
}

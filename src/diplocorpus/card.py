"""The numbers of the README's data card, computed from the Parquet files of a package.

Each function returns a Markdown block that the build writes between the README's markers
(see docs.py); a test holds the committed README equal to what the tables give, so no
number in the card is typed by hand. Every number is computed with Arrow from the few
columns it needs (see columns.py), so the card of a large corpus is made in bounded memory.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from diplocorpus.columns import counts, median, read_columns, row_count
from diplocorpus.schema import TABLES, table_schema

NO_LANGUAGE = "none (service record)"


def composition(data_dir: Path) -> str:
    """Counts per table, source, language and kind; dates; reactions; text lengths; issues,
    from the tables in `data_dir` (a package's data/ folder)."""
    parts = [
        _rows_per_table(data_dir),
        _records_per_source(data_dir),
        _records_per_language(data_dir),
        _dates(data_dir),
        _text_lengths(data_dir),
        _reactions(data_dir),
        _media_and_forwards(data_dir),
        _entities(data_dir),
        _translations(data_dir),
        _issues(data_dir),
    ]
    return "\n\n".join(parts)


PROVENANCE_COLUMNS = [
    "source_id",
    "path",
    "format",
    "platform",
    "name",
    "handle",
    "url",
    "language",
    "collected_at",
    "sha256",
    "bytes",
    "encoding",
    "notes",
]


def provenance(data_dir: Path) -> str:
    """One paragraph per raw file: what the manifest and the build know of it."""
    out = []
    for s in read_columns(data_dir, "sources", PROVENANCE_COLUMNS).to_pylist():
        known = [
            f"format `{s['format']}` ({s['platform']})",
            f"{s['bytes']} bytes, decoded as {s['encoding']}",
            f"SHA-256 `{s['sha256']}`",
            f"declared language `{s['language']}`",
            f"name: {s['name']}" if s["name"] else "name: not stated",
            f"handle: {s['handle']}" if s["handle"] else "handle: not stated",
            f"address: {s['url']}" if s["url"] else "address collected from: not recorded",
            "collected: "
            + (f"{s['collected_at']:%Y-%m-%dT%H:%M:%SZ}" if s["collected_at"] else "date not recorded"),
        ]
        out.append(f"- **`{s['source_id']}`** (`data/raw/{s['path']}`): {'; '.join(known)}.")
        if s["notes"]:
            out.append(f"  {s['notes']}")
    return "\n".join(out)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _table(header: list[str], body: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in body]
    return "\n".join(lines)


def _enum(table: str, column: str) -> list[str]:
    field = next(f for f in table_schema(table)["fields"] if f["name"] == column)
    return list(field["constraints"]["enum"])


def _rows_per_table(data_dir: Path) -> str:
    body = [[f"`{name}`", row_count(data_dir, name)] for name in TABLES]
    return "Rows per table:\n\n" + _table(["table", "rows"], body)


def _records_per_source(data_dir: Path) -> str:
    kinds = _enum("posts", "kind")
    posts = read_columns(data_dir, "posts", ["post_id", "source_id", "kind"])
    per_kind = counts(posts, ["source_id", "kind"])
    reactions = read_columns(data_dir, "reactions", ["post_id", "count"])
    per_source = (
        reactions.join(posts.select(["post_id", "source_id"]), "post_id")
        .group_by("source_id")
        .aggregate([([], "count_all"), ("count", "sum")])
        .to_pylist()
    )
    shown = {r["source_id"]: r["count_all"] for r in per_source}
    counted = {r["source_id"]: r["count_sum"] for r in per_source}
    issues = counts(read_columns(data_dir, "parse_issues", ["source_id"]), "source_id")
    header = [
        "source",
        "format",
        "language (declared)",
        *kinds,
        "reactions shown",
        "sum of reaction counts",
        "parse issues",
    ]
    body = [
        [
            f"`{s['source_id']}`",
            s["format"],
            s["language"],
            *(per_kind[s["source_id"], k] for k in kinds),
            shown.get(s["source_id"], 0),
            counted.get(s["source_id"], 0),
            issues[s["source_id"]],
        ]
        for s in read_columns(data_dir, "sources", ["source_id", "format", "language"]).to_pylist()
    ]
    return "Records per source, by kind:\n\n" + _table(header, body)


def _records_per_language(data_dir: Path) -> str:
    kinds = _enum("posts", "kind")
    per_language: Counter[tuple[str, str]] = Counter()
    for (language, kind), n in counts(
        read_columns(data_dir, "posts", ["language", "kind"]), ["language", "kind"]
    ).items():
        per_language[language or NO_LANGUAGE, kind] += n
    languages = sorted({lang for lang, _ in per_language}, key=lambda lang: (lang == NO_LANGUAGE, lang))
    body = [
        [f"`{lang}`" if lang != NO_LANGUAGE else lang, *(per_language[lang, k] for k in kinds)]
        for lang in languages
    ]
    return "Records per language (as detected from the text), by kind:\n\n" + _table(
        ["language", *kinds], body
    )


def _dates(data_dir: Path) -> str:
    posts = read_columns(data_dir, "posts", ["published_at", "date_min", "date_max", "date_source"])
    timed = pc.count(posts["published_at"]).as_py()
    lows = pc.count(posts["date_min"]).as_py()
    lines = [f"Dates: {timed} of {posts.num_rows} records carry a publication time"]
    if timed:
        first, last = pc.min_max(posts["published_at"]).values()
        lines[0] += f" ({first.as_py():%Y-%m-%d} to {last.as_py():%Y-%m-%d})"
    dated = f"{lows} {'carries' if lows == 1 else 'carry'} a publication date or date range"
    if lows:
        # Many intervals are open above (a date in a Telegram post is a lower bound): the
        # latest date known is the latest of both bounds.
        low = pc.min(posts["date_min"]).as_py()
        high = max(d for d in (pc.max(posts["date_min"]).as_py(), pc.max(posts["date_max"]).as_py()) if d)
        dated += f", the dates known spanning {low.isoformat()} to {high.isoformat()}"
    sources = _non_null_counts(posts, "date_source")
    if sources:
        dated += " (date taken from: " + ", ".join(f"{k} {v}" for k, v in sorted(sources.items())) + ")"
    return f"{lines[0]}; {dated}."


def _text_lengths(data_dir: Path) -> str:
    posts = read_columns(data_dir, "posts", ["kind", "n_chars"])
    body = []
    for kind in _enum("posts", "kind"):
        lengths = posts.filter(pc.equal(posts["kind"], kind))["n_chars"]
        if len(lengths):
            low, high = pc.min_max(lengths).values()
            body.append(
                [
                    kind,
                    len(lengths),
                    low.as_py(),
                    _number(median(lengths)),
                    high.as_py(),
                    pc.sum(lengths).as_py(),
                ]
            )
    header = ["kind", "records", "min", "median", "max", "total"]
    return "Length of the text in characters (`n_chars`), by kind:\n\n" + _table(header, body)


def _reactions(data_dir: Path) -> str:
    reactions = read_columns(data_dir, "reactions", ["post_id", "emoji", "count"])
    posts = read_columns(data_dir, "posts", ["post_id", "kind"])
    telegram_posts = posts.filter(pc.equal(posts["kind"], "post")).select(["post_id"])
    totals = reactions.group_by("post_id").aggregate([("count", "sum")])
    # Per post showing reactions: the sum of its counts (a post whose counts are all 0 shows them).
    with_reactions = totals.join(telegram_posts, "post_id", join_type="inner")["count_sum"]
    summary = (
        f"Reactions: {len(with_reactions)} of {telegram_posts.num_rows} Telegram posts show reactions "
        f"({reactions.num_rows} reaction rows, counts summing to {pc.sum(reactions['count']).as_py() or 0})"
    )
    if len(with_reactions):
        low, high = pc.min_max(with_reactions).values()
        summary += (
            f"; per post showing reactions, the sum of counts ranges from {low.as_py()} to "
            f"{high.as_py()}, median {_number(median(with_reactions))}"
        )
    by_emoji = reactions.group_by("emoji").aggregate([([], "count_all"), ("count", "sum")]).to_pylist()
    ranked = sorted(by_emoji, key=lambda r: (-r["count_sum"], r["emoji"] or ""))
    body = [
        [r["emoji"] or "(bare count: custom emoji or paid stars)", r["count_all"], r["count_sum"]]
        for r in ranked
    ]
    return summary + ".\n\n" + _table(["emoji", "rows", "sum of counts"], body)


def _entities(data_dir: Path) -> str:
    entities = read_columns(data_dir, "entities", ["post_id", "type", "entity_id"])
    by_type = (
        entities.group_by("type")
        .aggregate([([], "count_all"), ("entity_id", "count"), ("post_id", "count_distinct")])
        .to_pylist()
    )
    origins = counts(read_columns(data_dir, "entity_catalog", ["origin"]), "origin")
    summary = (
        f"Entities: {entities.num_rows} mentions, {pc.count(entities['entity_id']).as_py()} of them linked "
        f"to the catalogue of {row_count(data_dir, 'entity_catalog')} entries ({origins['curated']} curated, "
        f"{origins['babel']} countries from CLDR only)"
    )
    body = [
        [r["type"], r["count_all"], r["entity_id_count"], r["post_id_count_distinct"]]
        for r in sorted(by_type, key=lambda r: (-r["count_all"], r["type"]))
    ]
    return summary + ".\n\n" + _table(["type", "mentions", "linked", "posts"], body)


def _translations(data_dir: Path) -> str:
    pairs = read_columns(data_dir, "translations", ["source_post_id", "source_language", "target_language"])
    languages: Counter[str] = Counter()
    for (source, target), n in counts(pairs, ["source_language", "target_language"]).items():
        languages[f"{source} → {target}"] += n
    posts = read_columns(data_dir, "posts", ["post_id", "language"])
    russian = posts.filter(pc.equal(posts["language"], "ru"))["post_id"]
    paired = pc.sum(pc.is_in(russian, value_set=pc.unique(pairs["source_post_id"]))).as_py() or 0
    summary = (
        f"Translation pairs: {pairs.num_rows}; {paired} of the "
        f"{len(russian)} Russian posts have their translation in the corpus"
    )
    if not pairs.num_rows:
        return summary + "."
    body = [[pair, n] for pair, n in sorted(languages.items())]
    return summary + ".\n\n" + _table(["languages", "pairs"], body)


def _media_and_forwards(data_dir: Path) -> str:
    posts = read_columns(data_dir, "posts", ["media", "forwarded_from"])
    media = _non_null_counts(posts, "media")
    forwarded = _non_null_counts(posts, "forwarded_from")
    media_text = ", ".join(f"`{k}` {v}" for k, v in sorted(media.items())) or "none"
    forward_text = ", ".join(f"{k} ({v})" for k, v in sorted(forwarded.items())) or "none"
    return (
        f"Media markers in place of media: {media_text}. "
        f"Forwarded posts: {sum(forwarded.values())}, from {forward_text}."
    )


def _issues(data_dir: Path) -> str:
    per_code = counts(read_columns(data_dir, "parse_issues", ["code"]), "code")
    body = [[f"`{code}`", per_code[code]] for code in _enum("parse_issues", "code") if per_code[code]]
    return "Parse issues by code:\n\n" + _table(["code", "count"], body)


def _non_null_counts(table: pa.Table, column: str) -> dict[Any, int]:
    return {key: n for key, n in counts(table, column).items() if key is not None}

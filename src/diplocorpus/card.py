"""The numbers of the README's data card, computed from the built tables.

Each function returns a Markdown block that the build writes between the README's markers
(see docs.py); a test holds the committed README equal to what the tables give, so no
number in the card is typed by hand.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any

import pyarrow as pa

from diplocorpus.schema import TABLES, table_schema

Rows = list[dict[str, Any]]
NO_LANGUAGE = "none (service record)"


def composition(tables: dict[str, pa.Table]) -> str:
    """Counts per table, source, language and kind; dates; reactions; text lengths; issues."""
    rows = {name: tables[name].to_pylist() for name in TABLES}
    parts = [
        _rows_per_table(tables),
        _records_per_source(rows),
        _records_per_language(rows["posts"]),
        _dates(rows["posts"]),
        _text_lengths(rows["posts"]),
        _reactions(rows["posts"], rows["reactions"]),
        _media_and_forwards(rows["posts"]),
        _entities(rows["entities"], rows["entity_catalog"]),
        _translations(rows["posts"], rows["translations"]),
        _issues(rows["parse_issues"]),
    ]
    return "\n\n".join(parts)


def provenance(tables: dict[str, pa.Table]) -> str:
    """One paragraph per raw file: what the manifest and the build know of it."""
    out = []
    for s in tables["sources"].to_pylist():
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


def _rows_per_table(tables: dict[str, pa.Table]) -> str:
    body = [[f"`{name}`", tables[name].num_rows] for name in TABLES]
    return "Rows per table:\n\n" + _table(["table", "rows"], body)


def _records_per_source(rows: dict[str, Rows]) -> str:
    kinds = _enum("posts", "kind")
    per_kind: dict[str, Counter[str]] = defaultdict(Counter)
    post_source = {}
    for p in rows["posts"]:
        per_kind[p["source_id"]][p["kind"]] += 1
        post_source[p["post_id"]] = p["source_id"]
    shown: Counter[str] = Counter()
    counted: Counter[str] = Counter()
    for r in rows["reactions"]:
        shown[post_source[r["post_id"]]] += 1
        counted[post_source[r["post_id"]]] += r["count"]
    issues = Counter(i["source_id"] for i in rows["parse_issues"])
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
            *(per_kind[s["source_id"]][k] for k in kinds),
            shown[s["source_id"]],
            counted[s["source_id"]],
            issues[s["source_id"]],
        ]
        for s in rows["sources"]
    ]
    return "Records per source, by kind:\n\n" + _table(header, body)


def _records_per_language(posts: Rows) -> str:
    kinds = _enum("posts", "kind")
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for p in posts:
        counts[p["language"] or NO_LANGUAGE][p["kind"]] += 1
    languages = sorted(counts, key=lambda lang: (lang == NO_LANGUAGE, lang))
    body = [
        [f"`{lang}`" if lang != NO_LANGUAGE else lang, *(counts[lang][k] for k in kinds)]
        for lang in languages
    ]
    return "Records per language (as detected from the text), by kind:\n\n" + _table(
        ["language", *kinds], body
    )


def _dates(posts: Rows) -> str:
    timed = [p["published_at"] for p in posts if p["published_at"] is not None]
    lows = [p["date_min"] for p in posts if p["date_min"] is not None]
    highs = [p["date_max"] for p in posts if p["date_max"] is not None]
    lines = [f"Dates: {len(timed)} of {len(posts)} records carry a publication time"]
    if timed:
        lines[0] += f" ({min(timed):%Y-%m-%d} to {max(timed):%Y-%m-%d})"
    dated = f"{len(lows)} {'carries' if len(lows) == 1 else 'carry'} a publication date or date range"
    if lows:
        dated += f", spanning {min(lows).isoformat()} to {max(highs).isoformat()}"
    sources = Counter(p["date_source"] for p in posts if p["date_source"] is not None)
    if sources:
        dated += " (date taken from: " + ", ".join(f"{k} {v}" for k, v in sorted(sources.items())) + ")"
    return f"{lines[0]}; {dated}."


def _text_lengths(posts: Rows) -> str:
    body = []
    for kind in _enum("posts", "kind"):
        lengths = [p["n_chars"] for p in posts if p["kind"] == kind]
        if lengths:
            body.append(
                [
                    kind,
                    len(lengths),
                    min(lengths),
                    _number(statistics.median(lengths)),
                    max(lengths),
                    sum(lengths),
                ]
            )
    header = ["kind", "records", "min", "median", "max", "total"]
    return "Length of the text in characters (`n_chars`), by kind:\n\n" + _table(header, body)


def _reactions(posts: Rows, reactions: Rows) -> str:
    totals: Counter[str] = Counter()
    for r in reactions:
        totals[r["post_id"]] += r["count"]
    posts_shown = [p for p in posts if p["kind"] == "post"]
    with_reactions = [totals[p["post_id"]] for p in posts_shown if p["post_id"] in totals]
    summary = (
        f"Reactions: {len(with_reactions)} of {len(posts_shown)} Telegram posts show reactions "
        f"({len(reactions)} reaction rows, counts summing to {sum(totals.values())})"
    )
    if with_reactions:
        summary += (
            f"; per post showing reactions, the sum of counts ranges from {min(with_reactions)} to "
            f"{max(with_reactions)}, median {_number(statistics.median(with_reactions))}"
        )
    by_emoji: dict[str | None, list[int]] = defaultdict(list)
    for r in reactions:
        by_emoji[r["emoji"]].append(r["count"])
    ranked = sorted(by_emoji.items(), key=lambda item: (-sum(item[1]), item[0] or ""))
    body = [[emoji or "(bare count: custom emoji or paid stars)", len(c), sum(c)] for emoji, c in ranked]
    return summary + ".\n\n" + _table(["emoji", "rows", "sum of counts"], body)


def _entities(entities: Rows, catalog: Rows) -> str:
    by_type: dict[str, Rows] = defaultdict(list)
    for e in entities:
        by_type[e["type"]].append(e)
    linked = sum(e["entity_id"] is not None for e in entities)
    origins = Counter(c["origin"] for c in catalog)
    summary = (
        f"Entities: {len(entities)} mentions, {linked} of them linked to the catalogue of "
        f"{len(catalog)} entries ({origins['curated']} curated, {origins['babel']} countries from CLDR only)"
    )
    body = [
        [type_, len(rows), sum(e["entity_id"] is not None for e in rows), len({e["post_id"] for e in rows})]
        for type_, rows in sorted(by_type.items(), key=lambda item: (-len(item[1]), item[0]))
    ]
    return summary + ".\n\n" + _table(["type", "mentions", "linked", "posts"], body)


def _translations(posts: Rows, pairs: Rows) -> str:
    languages = Counter(f"{p['source_language']} → {p['target_language']}" for p in pairs)
    paired = {p["source_post_id"] for p in pairs}
    russian = [p for p in posts if p["language"] == "ru"]
    summary = (
        f"Translation pairs: {len(pairs)}; {sum(p['post_id'] in paired for p in russian)} of the "
        f"{len(russian)} Russian posts have their translation in the corpus"
    )
    if not pairs:
        return summary + "."
    body = [[pair, n] for pair, n in sorted(languages.items())]
    return summary + ".\n\n" + _table(["languages", "pairs"], body)


def _media_and_forwards(posts: Rows) -> str:
    media = Counter(p["media"] for p in posts if p["media"] is not None)
    forwarded = Counter(p["forwarded_from"] for p in posts if p["forwarded_from"] is not None)
    media_text = ", ".join(f"`{k}` {v}" for k, v in sorted(media.items())) or "none"
    forward_text = ", ".join(f"{k} ({v})" for k, v in sorted(forwarded.items())) or "none"
    return (
        f"Media markers in place of media: {media_text}. "
        f"Forwarded posts: {sum(forwarded.values())}, from {forward_text}."
    )


def _issues(issues: Rows) -> str:
    counts = Counter(i["code"] for i in issues)
    body = [[f"`{code}`", counts[code]] for code in _enum("parse_issues", "code") if counts[code]]
    return "Parse issues by code:\n\n" + _table(["code", "count"], body)

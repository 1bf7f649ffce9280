"""The build: raw files in, a validated data package out (all or nothing)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow.parquet as pq

from diplocorpus.catalog import read_catalog
from diplocorpus.dates import DatedInput, bound_dates
from diplocorpus.enrich import with_languages
from diplocorpus.entities import Recognizer
from diplocorpus.errors import FormatError, ValidationFailed
from diplocorpus.parsers import PARSERS, PLATFORMS, formats
from diplocorpus.read import ManifestEntry, read_manifest, read_raw
from diplocorpus.records import ParsedRecord, Span
from diplocorpus.relate import relate_all
from diplocorpus.rows import ParseIssueRow, PostRow, ReactionRow, SourceRow
from diplocorpus.schema import TABLES
from diplocorpus.tables import post_rows, source_row, to_table
from diplocorpus.validate import validate_tables
from diplocorpus.write import publish, staging, write_documents, write_tables


@dataclass
class BuildSummary:
    rows: dict[str, int] = field(default_factory=dict)
    issues_by_code: Counter[str] = field(default_factory=Counter)
    sources: int = 0
    duplicates: int = 0


Progress = Callable[[ManifestEntry], None]


def build(
    package_dir: Path, on_source: Progress | None = None, on_start: Callable[[int], None] | None = None
) -> BuildSummary:
    """Rebuild every table and datapackage.json of `package_dir` from data/raw/."""
    package_dir = package_dir.resolve()
    entries = read_manifest(package_dir, formats())
    if on_start:
        on_start(len(entries))
    sources: list[SourceRow] = []
    posts: list[PostRow] = []
    reactions: list[ReactionRow] = []
    issues: list[ParseIssueRow] = []
    marked: dict[str, tuple[Span, ...]] = {}  # what the input itself marks in a post's text
    for entry in sorted(entries, key=lambda e: e.source_id):
        raw = read_raw(package_dir, entry)
        platform = PLATFORMS[entry.format]
        declared = entry.fields.get("platform")
        if declared and declared != platform:
            raise FormatError(
                f"{package_dir / 'data/raw/sources.csv'}:{entry.line}: platform {declared!r} "
                f"does not match format {entry.format!r} ({platform})"
            )
        try:
            items = list(PARSERS[entry.format](raw.text))
        except FormatError as err:
            where = f"data/raw/{entry.path}" + (f":{err.line}" if err.line else "")
            raise FormatError(f"{where}: {err}") from None
        p, r, i = post_rows(entry.source_id, items)
        p = with_languages(p)
        records = [item for item in items if isinstance(item, ParsedRecord)]
        marked.update(
            (row.post_id, record.entities) for row, record in zip(p, records, strict=True) if record.entities
        )
        sources.append(source_row(raw, platform))
        posts.extend(p)
        reactions.extend(r)
        issues.extend(i)
        if on_source:
            on_source(entry)
    posts = date_channels(posts, sources)
    relations = relate_all(posts, sources, reactions)
    posts = [replace(p, duplicate_of=relations.duplicate_of.get(p.post_id)) for p in posts]
    catalog = read_catalog(package_dir)
    years = {p.post_id: p.date_min.year if p.date_min else None for p in posts}
    entities = Recognizer(catalog).rows(posts, years, marked)
    tables = {
        "sources": to_table("sources", sources),
        "posts": to_table("posts", posts),
        "reactions": to_table("reactions", reactions),
        "parse_issues": to_table("parse_issues", issues),
        "translations": to_table("translations", relations.translations),
        "entities": to_table("entities", entities),
        "entity_catalog": to_table("entity_catalog", catalog),
    }
    with staging(package_dir) as stage:
        write_tables(stage, tables, sources)
        written = {name: pq.read_table(stage / f"data/{name}.parquet") for name in TABLES}
        problems = validate_tables(written, package_dir)
        if problems:
            raise ValidationFailed(problems)
        write_documents(stage, package_dir, written)
        publish(stage, package_dir)
    return BuildSummary(
        rows={name: tables[name].num_rows for name in TABLES},
        issues_by_code=Counter(i.code for i in issues),
        sources=len(sources),
        duplicates=sum(p.duplicate_of is not None for p in posts),
    )


def date_channels(posts: list[PostRow], sources: list[SourceRow]) -> list[PostRow]:
    """Posts of Telegram sources with their publication-date intervals (see dates.py);
    the records of a web page are not in publication order and keep their own dates."""
    channels = {s.source_id: s for s in sources if s.platform == "telegram"}
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, post in enumerate(posts):
        if post.source_id in channels:
            by_source[post.source_id].append(i)
    dated = list(posts)
    for source_id, members in by_source.items():
        collected = channels[source_id].collected_at
        inputs = [DatedInput(posts[i].text, posts[i].kind, posts[i].published_at) for i in members]
        for i, bound in zip(
            members, bound_dates(inputs, collected.date() if collected else None), strict=True
        ):
            dated[i] = replace(
                posts[i], date_min=bound.date_min, date_max=bound.date_max, date_source=bound.date_source
            )
    return dated

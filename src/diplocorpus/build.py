"""The build: raw files in, a validated data package out (all or nothing)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from diplocorpus.errors import FormatError, ValidationFailed
from diplocorpus.parsers import PARSERS, PLATFORMS, formats
from diplocorpus.read import ManifestEntry, read_manifest, read_raw
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
            raise FormatError(f"data/raw/{entry.path}: {err}") from None
        p, r, i = post_rows(entry.source_id, items)
        sources.append(source_row(raw, platform))
        posts.extend(p)
        reactions.extend(r)
        issues.extend(i)
        if on_source:
            on_source(entry)
    tables = {
        "sources": to_table("sources", sources),
        "posts": to_table("posts", posts),
        "reactions": to_table("reactions", reactions),
        "parse_issues": to_table("parse_issues", issues),
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
    )

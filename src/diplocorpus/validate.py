"""Validation in two layers, collecting every problem: Pandera per table, then the package
(file hashes, keys across tables, spans against the raw files, the documents derived from
datapackage.json, Frictionless).

A package of the without-text flavour (see flavour.py) has no texts and no raw files: the
checks that need them are skipped, and `skipped_checks` says which."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.errors
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from diplocorpus.citation import zenodo_problems
from diplocorpus.enrich import text_sha256
from diplocorpus.flavour import FLAVOUR_KEY, FLAVOURS, FULL, WITHHELD, flavour_of
from diplocorpus.models import MODELS
from diplocorpus.read import decode
from diplocorpus.schema import TABLES

MAX_EXAMPLES = 3


def validate_tables(tables: dict[str, pa.Table], package_dir: Path, flavour: str = FULL) -> list[str]:
    """Every problem found in the tables: per-table models, then cross-table invariants."""
    problems: list[str] = []
    for name in TABLES:
        withheld = WITHHELD.get(name, ()) if flavour != FULL else ()
        problems.extend(_model_problems(name, tables[name], withheld))
        problems.extend(_withheld_problems(name, tables[name], withheld))
    rows = {n: tables[n].to_pylist() for n in TABLES}
    problems.extend(_cross_problems(rows, package_dir, with_text=flavour == FULL))
    return problems


def skipped_checks(flavour: str) -> list[str]:
    """The checks a package of this flavour cannot undergo, as sentences."""
    if flavour == FULL:
        return []
    withheld = ", ".join(f"{t}.{c}" for t, cs in WITHHELD.items() for c in cs)
    return [
        f"{flavour} flavour: {withheld} are withheld (checked to be null, not against a model)",
        f"{flavour} flavour: no raw files, so raw-line coverage and raw-file hashes are not checked",
        f"{flavour} flavour: no text, so n_chars and text_sha256 are not checked against it",
    ]


def package_flavour(package_dir: Path) -> str | None:
    """The flavour datapackage.json declares, or None when there is no readable descriptor."""
    try:
        return flavour_of(json.loads((package_dir / "datapackage.json").read_text("utf-8")))
    except (OSError, ValueError):
        return None


def validate_package(package_dir: Path, *, with_frictionless: bool = True) -> list[str]:
    """Validate a built package directory; an empty list means it is valid."""
    descriptor_path = package_dir / "datapackage.json"
    if not descriptor_path.is_file():
        return [f"{descriptor_path}: not found; run 'diplocorpus build' first"]
    descriptor = json.loads(descriptor_path.read_text("utf-8"))
    flavour = flavour_of(descriptor)
    if flavour not in FLAVOURS:
        return [f"datapackage.json: {FLAVOUR_KEY} {flavour!r} is not one of {', '.join(FLAVOURS)}"]
    problems = _file_problems(package_dir, descriptor)
    if problems:
        return problems
    tables = {name: pq.read_table(package_dir / f"data/{name}.parquet") for name in TABLES}
    problems.extend(validate_tables(tables, package_dir, flavour))
    problems.extend(document_problems(package_dir, descriptor))
    if with_frictionless:
        problems.extend(frictionless_problems(descriptor_path))
    return problems


def document_problems(package_dir: Path, descriptor: dict[str, Any]) -> list[str]:
    """croissant.json, .zenodo.json and CITATION.cff, where present, against datapackage.json
    and the files: same version and title, same file hashes, Zenodo's documented rules."""
    problems = []
    expected = {"version": descriptor["version"], "title": descriptor["title"]}
    croissant_path = package_dir / "croissant.json"
    if croissant_path.is_file():
        croissant = json.loads(croissant_path.read_text("utf-8"))
        if croissant.get("version") != expected["version"]:
            problems.append(
                f"croissant.json: version {croissant.get('version')!r} is not {expected['version']!r}"
            )
        for item in croissant.get("distribution", []):
            path = package_dir / item["contentUrl"]
            if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != item.get("sha256"):
                problems.append(
                    f"croissant.json: sha256 of {item['contentUrl']} differs from the file; rebuild"
                )
    zenodo_path = package_dir / ".zenodo.json"
    if zenodo_path.is_file():
        zenodo = json.loads(zenodo_path.read_text("utf-8"))
        problems.extend(zenodo_problems(zenodo))
        problems.extend(
            f".zenodo.json: {key} {zenodo.get(key)!r} is not {value!r}"
            for key, value in expected.items()
            if zenodo.get(key) != value
        )
    citation_path = package_dir / "CITATION.cff"
    if citation_path.is_file():
        citation = yaml.safe_load(citation_path.read_text("utf-8"))
        problems.extend(
            f"CITATION.cff: {key} {citation.get(key)!r} is not {value!r}"
            for key, value in expected.items()
            if citation.get(key) != value
        )
    return problems


def frictionless_problems(descriptor_path: Path) -> list[str]:
    """What `frictionless validate datapackage.json` reports, one line per error."""
    from frictionless import Package, system

    with system.use_context(trusted=True):
        report = Package(str(descriptor_path)).validate()
    problems = []
    for task in report.tasks:
        for error in task.errors:
            problems.append(f"frictionless: {task.name}: {error.message}")
    problems.extend(f"frictionless: {error.message}" for error in report.errors)
    return problems


def _file_problems(package_dir: Path, descriptor: dict[str, Any]) -> list[str]:
    problems = []
    names = {r["name"] for r in descriptor.get("resources", [])}
    for table in TABLES:
        if table not in names:
            problems.append(f"datapackage.json: no resource named {table!r}")
    for resource in descriptor.get("resources", []):
        path = package_dir / resource["path"]
        if not path.is_file():
            problems.append(f"{resource['path']}: listed in datapackage.json but missing")
            continue
        data = path.read_bytes()
        if resource.get("bytes") != len(data):
            problems.append(
                f"{resource['path']}: {len(data)} bytes, datapackage.json says {resource.get('bytes')}"
            )
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        if resource.get("hash") != digest:
            problems.append(
                f"{resource['path']}: sha256 differs from datapackage.json (file changed after the build?)"
            )
    return problems


def _withheld_problems(name: str, table: pa.Table, withheld: tuple[str, ...]) -> list[str]:
    return [
        f"{name}.{column}: withheld in this flavour but {table.num_rows - table.column(column).null_count} "
        "row(s) are not null"
        for column in withheld
        if table.column(column).null_count != table.num_rows
    ]


def _model_problems(name: str, table: pa.Table, withheld: tuple[str, ...] = ()) -> list[str]:
    # Categories are checked by value: decode dictionaries to plain strings first.
    plain = pa.schema(
        pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type, f.nullable)
        for f in table.schema
    )
    nullable = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
    frame = table.cast(plain).to_pandas(types_mapper=nullable.get, date_as_object=False)
    model = MODELS[name].to_schema()
    if withheld:
        model = model.update_columns({column: {"nullable": True} for column in withheld})
    try:
        model.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases
        out = []
        for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=True):
            examples = ", ".join(repr(v) for v in group["failure_case"].head(MAX_EXAMPLES))
            where = f".{column}" if isinstance(column, str) else ""
            out.append(f"{name}{where}: {check} failed for {len(group)} row(s), e.g. {examples}")
        return out
    return []


def _cross_problems(
    rows: dict[str, list[dict[str, Any]]], package_dir: Path, *, with_text: bool = True
) -> list[str]:
    problems: list[str] = []

    def report(check: str, bad: list[Any]) -> None:
        if bad:
            examples = ", ".join(repr(b) for b in bad[:MAX_EXAMPLES])
            problems.append(f"{check}: {len(bad)} row(s), e.g. {examples}")

    sources = {s["source_id"]: s for s in rows["sources"]}
    posts = {p["post_id"]: p for p in rows["posts"]}
    report(
        "posts.source_id not in sources",
        [p["post_id"] for p in rows["posts"] if p["source_id"] not in sources],
    )
    report(
        "posts.duplicate_of not in posts",
        [p["post_id"] for p in rows["posts"] if p["duplicate_of"] and p["duplicate_of"] not in posts],
    )
    report(
        "posts.duplicate_of points to the post itself",
        [p["post_id"] for p in rows["posts"] if p["duplicate_of"] == p["post_id"]],
    )
    report(
        "reactions.post_id not in posts",
        [r["post_id"] for r in rows["reactions"] if r["post_id"] not in posts],
    )
    report(
        "parse_issues.source_id not in sources",
        [i["source_id"] for i in rows["parse_issues"] if i["source_id"] not in sources],
    )
    report(
        "parse_issues.post_id not in posts",
        [i["post_id"] for i in rows["parse_issues"] if i["post_id"] and i["post_id"] not in posts],
    )
    report(
        "parse_issues outside the span of their post",
        [
            (i["source_id"], i["raw_line_start"])
            for i in rows["parse_issues"]
            if i["post_id"] in posts
            and not (
                posts[i["post_id"]]["raw_line_start"] <= i["raw_line_start"]
                and i["raw_line_end"] <= posts[i["post_id"]]["raw_line_end"]
            )
        ],
    )
    report(
        "posts.post_id does not point into its raw file",
        [
            p["post_id"]
            for p in rows["posts"]
            if p["post_id"] != f"{p['source_id']}/L{p['raw_line_start']}"
            and (p["message_id"] is None or p["post_id"] != f"{p['source_id']}/{p['message_id']}")
        ],
    )
    if with_text:
        report(
            "posts.n_chars differs from len(text)",
            [p["post_id"] for p in rows["posts"] if p["n_chars"] != len(p["text"] or "")],
        )
        report(
            "posts.text_sha256 differs from the text's hash",
            [p["post_id"] for p in rows["posts"] if p["text_sha256"] != text_sha256(p["text"])],
        )
    report(
        "posts.language must be null exactly for service records",
        [p["post_id"] for p in rows["posts"] if (p["language"] is None) != (p["kind"] == "service")],
    )

    for side in ("source", "target"):
        report(
            f"translations.{side}_post_id not in posts",
            [t[f"{side}_post_id"] for t in rows["translations"] if t[f"{side}_post_id"] not in posts],
        )
        report(
            f"translations.{side}_language differs from the post's language",
            [
                t[f"{side}_post_id"]
                for t in rows["translations"]
                if t[f"{side}_post_id"] in posts
                and posts[t[f"{side}_post_id"]]["language"] != t[f"{side}_language"]
            ],
        )

    catalog = {e["entity_id"] for e in rows["entity_catalog"]}
    report(
        "entities.post_id not in posts",
        [e["post_id"] for e in rows["entities"] if e["post_id"] not in posts],
    )
    report(
        "entities.entity_id not in entity_catalog",
        [e["entity_id"] for e in rows["entities"] if e["entity_id"] and e["entity_id"] not in catalog],
    )
    if with_text:
        report(
            "entities: text[start:end] differs from surface",
            [
                (e["post_id"], e["start"])
                for e in rows["entities"]
                if e["post_id"] in posts
                and (posts[e["post_id"]]["text"] or "")[e["start"] : e["end"]] != e["surface"]
            ],
        )
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for e in rows["entities"]:
        spans[e["post_id"]].append((e["start"], e["end"]))
    for ss in spans.values():
        ss.sort()
    report(
        "entities overlap within a post",
        [pid for pid, ss in spans.items() if any(a[1] > b[0] for a, b in zip(ss, ss[1:], strict=False))],
    )

    ranks: dict[str, list[int]] = defaultdict(list)
    for r in rows["reactions"]:
        ranks[r["post_id"]].append(r["rank"])
    report(
        "reactions.rank not 1..n under a post",
        [pid for pid, rs in ranks.items() if sorted(rs) != list(range(1, len(rs) + 1))],
    )

    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in rows["posts"]:
        by_source[p["source_id"]].append(p)
    issues_by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for i in rows["parse_issues"]:
        issues_by_source[i["source_id"]].append(i)
    for source_id, source in sources.items():
        records = sorted(by_source[source_id], key=lambda p: p["ordinal"])
        report(
            f"{source_id}: ordinals are not 1..n in raw order",
            [
                p["post_id"]
                for k, p in enumerate(records, start=1)
                if p["ordinal"] != k or (k > 1 and records[k - 2]["raw_line_end"] >= p["raw_line_start"])
            ],
        )
        if with_text:
            problems.extend(_raw_problems(package_dir, source, records, issues_by_source[source_id]))
    return problems


def _raw_problems(
    package_dir: Path, source: dict[str, Any], posts: list[dict[str, Any]], issues: list[dict[str, Any]]
) -> list[str]:
    """Nothing lost: every non-blank raw line lies in a record's span or an issue's span."""
    path = package_dir / "data/raw" / source["path"]
    where = f"data/raw/{source['path']}"
    if not path.is_file():
        return [f"{where}: raw file of source {source['source_id']!r} is missing"]
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != source["sha256"]:
        return [f"{where}: raw file changed since the build (sha256 differs); rebuild"]
    lines = decode(data, where, source["encoding"]).split("\n")
    covered = bytearray(len(lines) + 2)
    for span in (*posts, *issues):
        if span["raw_line_end"] > len(lines):
            return [
                f"{where}: a span ends at line {span['raw_line_end']}, past the file's {len(lines)} lines"
            ]
        for n in range(span["raw_line_start"], span["raw_line_end"] + 1):
            covered[n] = 1
    lost = [n for n, line in enumerate(lines, start=1) if line.strip() and not covered[n]]
    if lost:
        shown = ", ".join(str(n) for n in lost[:10])
        return [f"{where}: {len(lost)} non-blank line(s) in no record and no parse issue: {shown}"]
    return []

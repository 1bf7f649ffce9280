"""Write the package, all or nothing: data/<table>.parquet and .csv, datapackage.json, and
the documents derived from them (croissant.json, CITATION.cff, .zenodo.json, the figures
and the README's generated blocks).

Files are first written to a staging folder inside the package directory, checked
there, and only then moved over the previous output, one rename per file.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from diplocorpus import package
from diplocorpus.citation import citation_cff, zenodo_json
from diplocorpus.croissant import croissant_json
from diplocorpus.docs import render_readme
from diplocorpus.figures import draw_figures
from diplocorpus.rows import SourceRow
from diplocorpus.schema import TABLES, table_schema

PARQUET_MEDIATYPE = "application/vnd.apache.parquet"


@contextmanager
def staging(package_dir: Path) -> Iterator[Path]:
    """A temporary folder next to data/, removed whatever happens."""
    stage = Path(tempfile.mkdtemp(prefix=".build-", dir=package_dir))
    try:
        (stage / "data").mkdir()
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def write_tables(stage: Path, tables: dict[str, pa.Table], sources: list[SourceRow]) -> None:
    """Write every table as Parquet and CSV into the stage, then datapackage.json."""
    for name in TABLES:
        write_table_files(stage, name, tables[name])
    write_descriptor(stage, datapackage(stage, sources))


def write_documents(stage: Path, package_dir: Path) -> None:
    """Write what derives from the staged package (stage/datapackage.json and
    stage/data/<table>.parquet): croissant.json, the citation files, the figures, and
    README.md with its generated blocks (when `package_dir` has a README)."""
    descriptor = json.loads((stage / "datapackage.json").read_text("utf-8"))
    (stage / "croissant.json").write_text(croissant_json(descriptor), encoding="utf-8")
    (stage / "CITATION.cff").write_text(citation_cff(), encoding="utf-8")
    (stage / ".zenodo.json").write_text(zenodo_json(), encoding="utf-8")
    for path, png in draw_figures(stage / "data").items():
        (stage / path).parent.mkdir(parents=True, exist_ok=True)
        (stage / path).write_bytes(png)
    readme = package_dir / "README.md"
    if readme.is_file():
        text = readme.read_text("utf-8")
        rendered = render_readme(text, stage / "data")
        if rendered != text:
            (stage / "README.md").write_text(rendered, encoding="utf-8")


def write_table_files(stage: Path, name: str, table: pa.Table) -> None:
    """data/<name>.parquet and its CSV twin."""
    pq.write_table(table, stage / f"data/{name}.parquet", compression="zstd", row_group_size=100_000)
    (stage / f"data/{name}.csv").write_bytes(to_csv(table))


def write_descriptor(stage: Path, descriptor: dict[str, Any]) -> None:
    (stage / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def file_facts(path: Path) -> tuple[int, str]:
    """Size and 'sha256:<hex>' of a file, as datapackage.json records them."""
    data = path.read_bytes()
    return len(data), "sha256:" + hashlib.sha256(data).hexdigest()


def publish(stage: Path, package_dir: Path) -> None:
    """Move every staged file over the previous output, datapackage.json last."""
    staged = sorted(p.relative_to(stage) for p in stage.rglob("*") if p.is_file())
    for path in sorted(staged, key=lambda p: p == Path("datapackage.json")):
        (package_dir / path).parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage / path, package_dir / path)


def to_csv(table: pa.Table) -> bytes:
    """CSV as Frictionless reads it: header, UTF-8, '\\n' line ends, empty cell = null,
    timestamps in ISO 8601 with 'Z'."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.schema.names)
    formatters = [_formatter(field.type) for field in table.schema]
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    for values in zip(*columns, strict=True):
        writer.writerow(fmt(v) for fmt, v in zip(formatters, values, strict=True))
    return buffer.getvalue().encode("utf-8")


def _formatter(type_: pa.DataType) -> Callable[[Any], str]:
    if pa.types.is_timestamp(type_):
        return lambda v: "" if v is None else v.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if pa.types.is_date(type_):
        return lambda v: "" if v is None else v.isoformat()
    if pa.types.is_boolean(type_):
        return lambda v: "" if v is None else ("true" if v else "false")
    return lambda v: "" if v is None else str(v)


def datapackage(stage: Path, sources: list[SourceRow]) -> dict[str, Any]:
    """The Data Package (v2) descriptor, with bytes and sha256 of every file."""
    resources = []
    for name in TABLES:
        for suffix, resource_name, mediatype in (
            ("parquet", name, PARQUET_MEDIATYPE),
            ("csv", f"{name}-csv", "text/csv"),
        ):
            path = f"data/{name}.{suffix}"
            data = (stage / path).read_bytes()
            resource: dict[str, Any] = {
                "name": resource_name,
                # Frictionless reads Parquet through pandas, which turns null integers into
                # NaN: it checks the Parquet files' bytes and hash, and every row of their
                # CSV twins; `diplocorpus validate` checks the Parquet rows themselves.
                "type": "table" if suffix == "csv" else "file",
                "path": path,
                "format": suffix,
                "mediatype": mediatype,
                "encoding": "utf-8",
                "bytes": len(data),
                "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                "description": table_schema(name)["description"],
                "schema": _resource_schema(name, "" if suffix == "parquet" else "-csv"),
            }
            if suffix == "parquet":
                del resource["encoding"]
            resources.append(resource)
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": package.NAME,
        "title": package.TITLE,
        "description": package.DESCRIPTION,
        "version": package.VERSION,
        "created": package.CREATED,
        "keywords": package.KEYWORDS,
        "licenses": package.LICENSES,
        "contributors": package.CONTRIBUTORS,
        "sources": [{"title": s.name or s.path, "path": s.url or f"data/raw/{s.path}"} for s in sources],
        "resources": resources,
    }


def _resource_schema(table: str, suffix: str) -> dict[str, Any]:
    """The table's schema, inlined so the package stands alone; keys point at the
    resources of the same file format."""
    schema = json.loads(json.dumps(table_schema(table)))
    schema.pop("$schema", None)
    schema.pop("description", None)
    for key in schema.get("foreignKeys", []):
        target = key["reference"]["resource"]
        key["reference"]["resource"] = f"{target}{suffix}" if target else ""
    return schema

"""Write the package, all or nothing: data/<table>.parquet and .csv, datapackage.json, and
the documents derived from them (croissant.json, CITATION.cff, .zenodo.json, the figures
and the README's generated blocks).

Files are first written to a staging folder inside the package directory, checked
there, and only then moved over the previous output, one rename per file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from diplocorpus import package
from diplocorpus.citation import citation_cff, zenodo_json
from diplocorpus.croissant import croissant_json
from diplocorpus.docs import render_readme
from diplocorpus.figures import draw_figures
from diplocorpus.read import file_sha256
from diplocorpus.rows import SourceRow
from diplocorpus.schema import TABLES, arrow_schema, table_schema

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


# Rows per Parquet row group: readers can skip or stream groups of this size. A group is
# also what the writer holds in memory (twice, with its CSV): posts, whose texts run to
# kilobytes, go in smaller groups.
ROW_GROUP = 100_000
ROW_GROUPS = {"posts": 10_000}


class TableWriter:
    """data/<name>.parquet and its CSV twin, written a batch at a time, so a table never
    needs to be in memory whole. Batches are gathered into row groups of ROW_GROUP rows
    (ROW_GROUPS[name] where given; dictionaries unified across the group), so the files do
    not depend on how the rows were batched. Once closed, the size and sha256 of both files
    (as datapackage.json records them) are in `facts`, keyed by path in the package; the
    CSV's are taken as it is written, so that it is not read again to be hashed."""

    def __init__(
        self,
        stage: Path,
        name: str,
        schema: pa.Schema | None = None,
        facts: dict[str, tuple[int, str]] | None = None,
    ):
        self.name = name
        self.stage = stage
        self.facts = facts if facts is not None else {}
        self.schema = schema or arrow_schema(name)
        self.rows = 0
        self.row_group = ROW_GROUPS.get(name, ROW_GROUP)
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._parquet = pq.ParquetWriter(stage / f"data/{name}.parquet", self.schema, compression="zstd")
        self._csv = (stage / f"data/{name}.csv").open("wb")
        self._csv_hash = hashlib.sha256()
        self._csv_bytes = 0
        self._write_csv(csv_header(self.schema))

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, table: pa.Table) -> None:
        if table.schema != self.schema:
            raise AssertionError(f"{self.name}: batch schema {table.schema} differs from {self.schema}")
        self.rows += table.num_rows
        self._pending.append(table)
        self._pending_rows += table.num_rows
        while self._pending_rows >= self.row_group:
            whole = pa.concat_tables(self._pending)
            self._flush(whole.slice(0, self.row_group))
            rest = whole.slice(self.row_group)
            self._pending, self._pending_rows = [rest], rest.num_rows

    def close(self) -> None:
        if self._parquet is None:
            return
        if self._pending_rows or self.rows == 0:
            self._flush(pa.concat_tables(self._pending) if self._pending else self.schema.empty_table())
        self._parquet.close()
        self._csv.close()
        self._parquet = None
        path = f"data/{self.name}"
        self.facts[f"{path}.parquet"] = file_facts(self.stage / f"{path}.parquet")
        self.facts[f"{path}.csv"] = (self._csv_bytes, "sha256:" + self._csv_hash.hexdigest())

    def _flush(self, group: pa.Table) -> None:
        group = group.unify_dictionaries().combine_chunks()
        self._parquet.write_table(group, row_group_size=self.row_group)
        self._write_csv(csv_rows(group))
        self._pending, self._pending_rows = [], 0

    def _write_csv(self, data: bytes) -> None:
        self._csv.write(data)
        self._csv_hash.update(data)
        self._csv_bytes += len(data)


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


def write_descriptor(stage: Path, descriptor: dict[str, Any]) -> None:
    (stage / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def file_facts(path: Path) -> tuple[int, str]:
    """Size and 'sha256:<hex>' of a file, as datapackage.json records them."""
    return path.stat().st_size, "sha256:" + file_sha256(path)


def publish(stage: Path, package_dir: Path) -> None:
    """Move every staged file over the previous output, datapackage.json last."""
    staged = sorted(p.relative_to(stage) for p in stage.rglob("*") if p.is_file())
    for path in sorted(staged, key=lambda p: p == Path("datapackage.json")):
        (package_dir / path).parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage / path, package_dir / path)


def to_csv(table: pa.Table) -> bytes:
    """CSV as Frictionless reads it: header, UTF-8, '\\n' line ends, empty cell = null,
    timestamps in ISO 8601 with 'Z'."""
    return csv_header(table.schema) + csv_rows(table)


def csv_header(schema: pa.Schema) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(schema.names)
    return buffer.getvalue().encode("utf-8")


def csv_rows(table: pa.Table) -> bytes:
    """The rows of `table` as CSV lines, without the header (see to_csv), as Python's csv
    module writes them with minimal quoting: a value is quoted when it holds a comma, a
    quote or a line break (a carriage return too, which Python's module leaves bare), and
    its quotes are doubled. Formatted column by column in Arrow, and the lines taken from
    Arrow's buffer whole, so that a row group of a large table costs no Python call per value."""
    if table.num_rows == 0:
        return b""
    cells = [_csv_cells(table.column(i)) for i in range(table.num_columns)]
    # The line break goes after the last cell: the lines are then end to end in the buffer
    # of the one join of the cells, with no second join of whole lines.
    cells[-1] = pc.binary_join_element_wise(cells[-1], "\n", "")
    lines = pc.binary_join_element_wise(*cells, ",") if len(cells) > 1 else cells[0]
    return b"".join(_string_bytes(chunk) for chunk in lines.chunks)


def _string_bytes(array: pa.StringArray) -> bytes:
    """The values of a string array without nulls, end to end, as they lie in its buffer."""
    offsets = np.frombuffer(array.buffers()[1], np.int32, len(array) + 1, array.offset * 4)
    data = array.buffers()[2]
    return data[int(offsets[0]) : int(offsets[-1])].to_pybytes() if data is not None else b""


_NEEDS_QUOTES = r'[,"\r\n]'
_QUOTED_BYTES = (b",", b'"', b"\r", b"\n")


def _may_need_quotes(array: pa.StringArray) -> bool:
    """Whether any value of a string array may need quotes: a scan of its data buffer, a
    megabyte at a time, which costs far less than a match per value where the values are
    many and short (identifiers, names) and none holds a comma, a quote or a line break."""
    data = array.buffers()[2]
    view = memoryview(data) if data is not None else memoryview(b"")
    for at in range(0, len(view), 1 << 20):
        block = bytes(view[at : at + (1 << 20)])
        if any(char in block for char in _QUOTED_BYTES):
            return True
    return False


def _csv_cells(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """One column as CSV cells: formatted, quoted where needed, null as empty."""
    type_ = column.type
    if pa.types.is_dictionary(type_):
        # The few values of the dictionary formatted once, then taken by index.
        chunks = [
            pc.take(_csv_cells(pa.chunked_array([chunk.dictionary])).combine_chunks(), chunk.indices)
            for chunk in column.chunks
        ]
        return pc.fill_null(pa.chunked_array(chunks, pa.string()), "")
    if pa.types.is_timestamp(type_):
        seconds = pc.cast(column, pa.timestamp("s", tz="UTC"), safe=False)
        text = pc.strftime(seconds, format="%Y-%m-%dT%H:%M:%SZ")
    elif pa.types.is_floating(type_):
        # Python's repr of a float, which Arrow's cast does not always match.
        text = pa.chunked_array(
            [pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())]
        )
    else:
        text = pc.cast(column, pa.string())
    if pa.types.is_string(type_) and any(map(_may_need_quotes, text.chunks)):
        needs = pc.match_substring_regex(text, _NEEDS_QUOTES)
        if pc.any(needs).as_py():
            escaped = (
                pc.replace_substring(text, '"', '""')
                if pc.any(pc.match_substring_regex(text, '"')).as_py()
                else text
            )
            quoted = pc.binary_join_element_wise('"', escaped, '"', "")
            text = quoted if pc.all(needs).as_py() else pc.if_else(needs, quoted, text)
    return pc.fill_null(text, "")


def datapackage(
    stage: Path, sources: list[SourceRow], facts: dict[str, tuple[int, str]] | None = None
) -> dict[str, Any]:
    """The Data Package (v2) descriptor, with bytes and sha256 of every file: from `facts`
    (TableWriter.facts) where given, else read from the staged file."""
    resources = []
    for name in TABLES:
        for suffix, resource_name, mediatype in (
            ("parquet", name, PARQUET_MEDIATYPE),
            ("csv", f"{name}-csv", "text/csv"),
        ):
            path = f"data/{name}.{suffix}"
            size, digest = (facts or {}).get(path) or file_facts(stage / path)
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
                "bytes": size,
                "hash": digest,
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

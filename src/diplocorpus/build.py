"""The build: raw files in, a validated data package out (all or nothing).

Map: each raw file becomes a shard (shard.py) in a worker process, on every core by
default, or on a Dask cluster; shards are cached, so a raw file whose bytes, manifest row,
catalogue and the code that makes a shard did not change is not parsed again.
Reduce: the relations that need every file (copies of a post, republications,
translation pairs), then the shards streamed in source order into the package's files,
validated in the staging folder, and published at once.
"""

from __future__ import annotations

import mmap
import os
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import closing
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from diplocorpus.catalog import read_catalog
from diplocorpus.errors import CorpusError, ValidationFailed
from diplocorpus.parsers import formats
from diplocorpus.read import ManifestEntry, read_manifest
from diplocorpus.relate import CANDIDATES, FEATURES, FREQUENT_ANCHORS, Relations, relate
from diplocorpus.relate.republications import ranges
from diplocorpus.rows import PostRow, SourceRow
from diplocorpus.schema import TABLES
from diplocorpus.shard import (
    KEYS_FILE,
    RELATION_TABLES,
    SHARD_TABLES,
    Job,
    Shard,
    ShardCache,
    dated,
    make_shard,
    shard_key,
    timed,
)
from diplocorpus.tables import to_table, utf8_bounds
from diplocorpus.validate import validate_files
from diplocorpus.write import TableWriter, datapackage, publish, staging, write_descriptor, write_documents

CACHE = Path(".cache/shards")
ENGINES = ("local", "dask")


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How to build. `jobs`: worker processes of the local engine (None: every core);
    `models`: run the NER models (spaCy, natasha); `engine`/`scheduler`: run the per-file
    work on a Dask cluster at that address instead; `cache`: reuse unchanged shards."""

    jobs: int | None = None
    models: bool = True
    engine: str = "local"
    scheduler: str | None = None
    cache: bool = True


@dataclass
class BuildSummary:
    rows: dict[str, int] = field(default_factory=dict)
    issues_by_code: Counter[str] = field(default_factory=Counter)
    sources: int = 0
    duplicates: int = 0
    cached: int = 0
    jobs: int = 1
    raw_bytes: int = 0
    records: int = 0
    # Seconds per stage; the per-file stages (parse, enrich, tables) are summed over workers.
    seconds: dict[str, float] = field(default_factory=dict)
    wall: float = 0.0

    def timings(self) -> dict[str, object]:
        """What `diplocorpus build --timings FILE` writes."""
        return {
            "stages": self.seconds,
            "wall": self.wall,
            "raw_bytes": self.raw_bytes,
            "records": self.records,
            "sources": self.sources,
            "cached_sources": self.cached,
            "jobs": self.jobs,
            "rows": self.rows,
        }


Progress = Callable[[ManifestEntry], None]


def build(
    package_dir: Path,
    options: BuildOptions | None = None,
    on_source: Progress | None = None,
    on_start: Callable[[int], None] | None = None,
) -> BuildSummary:
    """Rebuild every table and datapackage.json of `package_dir` from data/raw/."""
    started = time.perf_counter()
    options = options or BuildOptions()
    package_dir = package_dir.resolve()
    entries = sorted(read_manifest(package_dir, formats()), key=lambda e: e.source_id)
    if on_start:
        on_start(len(entries))
    cache = ShardCache(package_dir / CACHE)
    jobs = [
        Job(str(package_dir), e, options.models, shard_key(package_dir, e, options.models)) for e in entries
    ]
    summary = BuildSummary(sources=len(entries), jobs=_workers(options))
    seconds: Counter[str] = Counter()
    todo = [job for job in jobs if not (options.cache and cache.has(job.key))]
    summary.cached = len(jobs) - len(todo)
    if on_source:
        made = {job.key for job in todo}
        for job in jobs:
            if job.key not in made:
                on_source(job.entry)
    for shard, job in _run(todo, options, cache):
        seconds.update(shard.seconds)
        if on_source:
            on_source(job.entry)
    keys = [job.key for job in jobs]
    with timed(seconds, "relate"):
        related = relations(cache, keys)
    catalog = read_catalog(package_dir)
    with staging(package_dir) as stage:
        with timed(seconds, "write"):
            facts: dict[str, tuple[int, str]] = {}  # size and sha256 of each file written
            sources = write_shards(stage, cache, keys, related, summary, facts)
            for name, rows in (("translations", related.translations), ("entity_catalog", catalog)):
                with TableWriter(stage, name, facts=facts) as writer:
                    writer.write(to_table(name, rows))
                summary.rows[name] = len(rows)
            write_descriptor(stage, datapackage(stage, sources, facts))
        with timed(seconds, "validate"):
            problems = validate_files(stage / "data", package_dir)
            if problems:
                raise ValidationFailed(problems)
        with timed(seconds, "documents"):
            write_documents(stage, package_dir)
        with timed(seconds, "write"):
            publish(stage, package_dir)
    if options.cache:
        cache.keep_only(set(keys))
    summary.rows = {name: summary.rows[name] for name in TABLES}
    summary.seconds = {stage: round(seconds[stage], 3) for stage in STAGES}
    summary.wall = round(time.perf_counter() - started, 3)
    return summary


# The stages a build times: the per-file ones (summed over workers), then the whole-corpus
# relations, the tables written, their validation, and the documents (data card, figures,
# Croissant and citation files) made from the written tables.
STAGES = ("parse", "enrich", "relate", "tables", "validate", "write", "documents")


def write_shards(
    stage: Path,
    cache: ShardCache,
    keys: list[str],
    related: Relations,
    summary: BuildSummary,
    facts: dict[str, tuple[int, str]] | None = None,
) -> list[SourceRow]:
    """Stream the shards' tables, in source order, into the staged Parquet and CSV files;
    the posts get their `duplicate_of` from `related` (the relations of the shards of
    `keys`, whose features are the shards' posts, in order). Returns the sources rows (for
    datapackage.json); the files' sizes and hashes go in `facts` (TableWriter)."""
    sources: list[SourceRow] = []
    writers = {name: TableWriter(stage, name, facts=facts) for name in SHARD_TABLES}
    start = 0  # the features' row of the shard's first post
    try:
        for key in keys:
            meta = cache.meta(key)
            summary.raw_bytes += int(meta["raw_bytes"])  # type: ignore[call-overload]
            summary.records += int(meta["records"])  # type: ignore[call-overload]
            for name in SHARD_TABLES:
                table = cache.table(key, name)
                if name == "posts":
                    stop = start + table.num_rows
                    if not table.column("post_id").equals(related.post_ids[start:stop]):
                        raise _inconsistent(cache)
                    table = with_duplicates(table, related.duplicate_column(start, stop))
                    summary.duplicates += table.num_rows - table.column("duplicate_of").null_count
                    start = stop
                elif name == "sources":
                    sources.extend(SourceRow(**row) for row in table.to_pylist())
                elif name == "parse_issues":
                    summary.issues_by_code.update(table.column("code").to_pylist())
                writers[name].write(table)
    finally:
        for writer in writers.values():
            writer.close()
    summary.rows.update({name: writer.rows for name, writer in writers.items()})
    return sources


def with_duplicates(posts: pa.Table, duplicate_of: pa.Array) -> pa.Table:
    """A shard's posts table with its `duplicate_of` column (Relations.duplicate_column)."""
    index = posts.schema.get_field_index("duplicate_of")
    return posts.set_column(index, posts.schema.field(index), duplicate_of)


def relations(cache: ShardCache, keys: list[str]) -> Relations:
    """The relations that need every source at once (`duplicate_of`: copies of a post
    across sources, then republications; the translation pairs), from the compact tables
    each shard holds for them; texts are read back from the shards only for the records
    that must be compared exactly."""
    tables = [
        pa.concat_tables([cache.table(key, name) for key in keys]) if keys else schema.empty_table()
        for name, schema in zip(RELATION_TABLES, (FEATURES, CANDIDATES, FREQUENT_ANCHORS), strict=True)
    ]
    with (
        closing(ShardKeys(cache, keys, MAPPED_KEYS)) as shingle_keys,
        closing(ShardTexts(cache, keys)) as texts,
    ):
        # The shards' files, read one after the other, must give the same rows.
        if not shingle_keys.rows == texts.rows == tables[0].num_rows:
            raise _inconsistent(cache)
        return relate(*tables, texts, shingle_keys)


def _inconsistent(cache: ShardCache) -> CorpusError:
    """The error of shard files that do not belong together."""
    return CorpusError(f"{cache.root}: shard cache is inconsistent; rebuild with --no-cache")


class FilePages:
    """A bound on the memory-mapped file pages kept resident. Pages of a map, once read, count
    in the process's resident memory until they are let go, though the kernel could drop them
    at any time; and a read may bring in many pages around the one read (the page cache holds
    large folios). `check()`, called as the map is read, calls `release` once the process's
    resident file pages (the shared pages of Linux's /proc/self/statm) grew by more than
    `limit` bytes since the last time. The kernel keeps the pages in its page cache while it
    can, so reading them again costs little. Where the kernel does not say (no /proc), nothing
    is let go."""

    STATM = Path("/proc/self/statm")

    def __init__(self, limit: int, release: Callable[[], None]):
        self.limit = limit
        self.release = release
        self._base = self.resident()

    def resident(self) -> int | None:
        try:
            return int(self.STATM.read_bytes().split()[2]) * mmap.PAGESIZE
        except (OSError, IndexError, ValueError):
            return None

    def check(self) -> None:
        if self._base is None:
            return
        now = self.resident()
        if now is not None and now - self._base > self.limit:
            self.release()
            self._base = self.resident()


# Mapped file pages of the 5-gram keys the whole-corpus step may keep resident.
MAPPED_KEYS = 128 << 20


class _Spilled:
    """Runs of bytes, one a row, the shards' one after the other, in a temporary file under
    the cache. `offsets[row]` is where a row's run begins (in items: bytes, or 8-byte keys),
    `offsets[row + 1]` where it ends; `rows` counts them once `_written()`."""

    def __init__(self, cache: ShardCache):
        cache.root.mkdir(parents=True, exist_ok=True)
        # Closed by close(), once the relations are made.
        self._file = tempfile.TemporaryFile(dir=cache.root)  # noqa: SIM115
        self._offsets: list[np.ndarray] = []
        self._end = 0

    def _add(self, ends: np.ndarray, data: bytes | np.ndarray) -> None:
        """A shard's rows: where each ends (from 0, in items), and their bytes."""
        self._offsets.append(np.concatenate([[0], ends]).astype(np.int64)[:-1] + self._end)
        self._end += int(ends[-1]) if len(ends) else 0
        self._file.write(data)

    def _written(self) -> None:
        self._file.flush()
        self.offsets = np.concatenate([*self._offsets, np.array([self._end], dtype=np.int64)])
        del self._offsets
        self.rows = len(self.offsets) - 1

    def close(self) -> None:
        self._file.close()


class ShardKeys(_Spilled):
    """The shingle keys of the features' rows asked for, from the shards' key files
    (shard.keys_file). The file is memory-mapped: the keys of rows asked together are one
    gather from the map, and only the pages they lie on are read, let go past `limit` bytes
    (FilePages)."""

    def __init__(self, cache: ShardCache, keys: list[str], limit: int):
        super().__init__(cache)
        for key in keys:
            with (cache.path(key) / KEYS_FILE).open("rb") as f:
                n = int(np.frombuffer(f.read(8), "<i8")[0])
                own = np.frombuffer(f.read(8 * (n + 1)), "<i8")
                self._add(own[1:], f.read())
        self._written()
        # An empty file cannot be mapped. A plain array over the map: a memmap's own indexing
        # costs more than the gather.
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) if self._end else None
        self._keys = np.frombuffer(self._map, "<u8") if self._map is not None else np.zeros(0, "<u8")
        self._pages = FilePages(limit, self._release)

    def _release(self) -> None:
        if self._map is not None and hasattr(mmap, "MADV_DONTNEED"):
            self._map.madvise(mmap.MADV_DONTNEED)

    def __call__(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self._pages.check()
        starts = self.offsets[rows]
        lengths = self.offsets[rows + 1] - starts
        return self._keys[ranges(starts, lengths)], np.concatenate([[0], np.cumsum(lengths)])

    def close(self) -> None:
        del self._keys
        if self._map is not None:
            self._map.close()
        super().close()


class ShardTexts(_Spilled):
    """posts.text of the features' rows asked for (a null text is empty), from the shards'
    posts tables, whose text columns are copied into the file: only the texts asked for are
    read from it and become Python strings, and the pages read stay in the kernel's page
    cache, out of the process's memory. (Read from the shards themselves, a text would cost
    reading its shard's column, and republications join records of any two shards.)"""

    def __init__(self, cache: ShardCache, keys: list[str]):
        super().__init__(cache)
        for key in keys:
            for chunk in cache.table(key, "posts", ["text"])["text"].chunks:
                ends, data = _utf8(chunk)
                self._add(ends, data)
        self._written()

    def __call__(self, rows: np.ndarray) -> list[str]:
        starts, ends = self.offsets[rows].tolist(), self.offsets[rows + 1].tolist()
        return [
            self._read(start, end - start).decode("utf-8") for start, end in zip(starts, ends, strict=True)
        ]

    def _read(self, at: int, size: int) -> bytes:
        if hasattr(os, "pread"):
            return os.pread(self._file.fileno(), size, at)
        self._file.seek(at)
        return self._file.read(size)


def _utf8(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Where each value of a string array ends in its UTF-8 bytes (from 0; a null is
    empty), and those bytes."""
    if not len(array):
        return np.zeros(0, dtype=np.int64), np.zeros(0, np.uint8)
    bounds, data = utf8_bounds(pc.fill_null(array, "") if array.null_count else array)
    return bounds[1:] - bounds[0], data[bounds[0] : bounds[-1]]


def date_channels(posts: Sequence[PostRow], sources: Sequence[SourceRow]) -> list[PostRow]:
    """Records of several sources held in memory, with the date bounds a build gives them
    (shard.dated on each Telegram source's records; web records keep their own dates)."""
    channels = {s.source_id: s for s in sources if s.platform == "telegram"}
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, post in enumerate(posts):
        if post.source_id in channels:
            by_source[post.source_id].append(i)
    out = list(posts)
    for source_id, members in by_source.items():
        collected = channels[source_id].collected_at
        bounded = dated([posts[i] for i in members], collected.date() if collected else None)
        for i, post in zip(members, bounded, strict=True):
            out[i] = post
    return out


def _workers(options: BuildOptions) -> int:
    if options.engine == "dask":
        return 0
    return options.jobs or len(os.sched_getaffinity(0))


def _run(jobs: list[Job], options: BuildOptions, cache: ShardCache) -> Iterator[tuple[Shard, Job]]:
    """Shards of `jobs`, as they are made (and put in `cache`), by the engine the options
    name. Worker processes put their shards in the cache themselves and send back only
    what the shards cost, so the calling process never holds more than one shard."""
    if not jobs:
        return
    if options.engine == "dask":
        yield from _run_dask(jobs, options.scheduler, cache)
        return
    workers = min(_workers(options), len(jobs))
    if workers <= 1:
        for job in jobs:
            yield made(job, str(cache.root)), job
        return
    # spawn: fresh workers, whatever threads or models the calling process holds.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        waiting = iter(jobs)
        running: dict[Future[Shard], Job] = {}

        def submit() -> None:
            job = next(waiting, None)
            if job is not None:
                running[pool.submit(made, job, str(cache.root))] = job

        for _ in range(2 * workers):  # a job ready for each worker when it is done
            submit()
        try:
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: running[f].entry.source_id):
                    job = running.pop(future)
                    yield future.result(), job
                    submit()
        finally:
            for future in running:
                future.cancel()


def made(job: Job, cache_root: str) -> Shard:
    """make_shard, the shard put in the cache at `cache_root`; what is returned has no tables
    and no keys."""
    shard = make_shard(job)
    ShardCache(Path(cache_root)).put(shard)
    return replace(shard, tables={}, keys=b"")


def _run_dask(jobs: list[Job], scheduler: str | None, cache: ShardCache) -> Iterator[tuple[Shard, Job]]:
    """The per-file work on a Dask cluster. Workers read the raw files at the package's
    path, so the package must be on a filesystem they share (as on a SLURM cluster)."""
    if not scheduler:
        raise CorpusError("--engine dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise CorpusError(
            "--engine dask needs the 'distributed' package: pip install 'diplocorpus[dask]'"
        ) from None
    try:
        client = Client(scheduler, timeout="10s")
    except OSError as err:
        raise CorpusError(f"no Dask scheduler at {scheduler}: {err}") from None
    with client:
        futures = client.map(made, jobs, cache_root=str(cache.root), pure=False)
        job_of = dict(zip(futures, jobs, strict=True))
        try:
            for future in as_completed(futures):
                yield future.result(), job_of.pop(future)
                future.release()
        finally:
            client.cancel(list(job_of))

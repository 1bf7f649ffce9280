"""Validation of a large package: the committed tables replicated, with their keys rewritten
so that they stay unique and every foreign key resolves, then checked by `validate_files`
(what the build runs on its staged tables) in a fresh process.

Each replica k of a source `tg000` is a source `tg000-r00042` whose raw file is a hard link
to the committed raw file (copied where links are not possible) under data/raw/r00042/:
the check reads, hashes and decodes every replica's raw file like any other. The letters
of each replica's post texts and entity surfaces are rotated by k (text_sha256 follows),
so that texts do not repeat. Tables are written in row groups of 100,000 rows, as the
build writes them. The entity catalogue is the committed one.

Prints the rows of each table, the raw and text sizes, then the validation's wall time,
rows per second (all tables), raw MB per second, and the validating process's peak RSS.

Run: .venv/bin/python benchmarks/validate.py [--posts 250000] [--dir DIR] [--keep]
     .venv/bin/python benchmarks/validate.py --package DIR   # again, on a kept package
"""

from __future__ import annotations

import argparse
import hashlib
import math
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from diplocorpus.schema import TABLES

ROOT = Path(__file__).resolve().parent.parent
ROW_GROUP = 100_000
# The columns holding a source id or a post id ('<source_id>/...'): the replica's suffix
# goes after the source id.
ID_COLUMNS = {
    "sources": ("source_id",),
    "posts": ("post_id", "source_id", "duplicate_of"),
    "reactions": ("post_id",),
    "entities": ("post_id",),
    "translations": ("source_post_id", "target_post_id"),
    "parse_issues": ("source_id", "post_id"),
}


def rotation(k: int) -> dict[int, int]:
    """A letter substitution of its own for replica k (one character for one, so offsets
    and lengths hold): replicas' texts differ, as a real corpus's do, and Parquet cannot
    shrink the tables by dictionary-encoding repeated texts."""
    table = {}
    for first, size in ((ord("a"), 26), (ord("A"), 26), (ord("а"), 32), (ord("А"), 32)):
        table.update({first + i: first + (i + k) % size for i in range(size)})
    return table


def rotated(column: pa.ChunkedArray, k: int) -> pa.Array:
    letters = rotation(k)
    return pa.array([None if v is None else v.translate(letters) for v in column.to_pylist()], pa.string())


def replica(name: str, table: pa.Table, k: int) -> pa.Table:
    """The table's rows as they would be in replica k."""
    suffix = f"-r{k:05d}"
    if name == "posts":
        text = rotated(table.column("text"), k)
        digests = pa.array(
            [None if t is None else hashlib.sha256(t.encode()).hexdigest() for t in text.to_pylist()]
        )
        table = table.set_column(table.schema.get_field_index("text"), table.schema.field("text"), text)
        index = table.schema.get_field_index("text_sha256")
        table = table.set_column(index, table.schema.field(index), digests)
    if name == "entities":
        index = table.schema.get_field_index("surface")
        table = table.set_column(index, table.schema.field(index), rotated(table.column("surface"), k))
    for column in ID_COLUMNS.get(name, ()):
        index = table.schema.get_field_index(column)
        renamed = pc.replace_substring_regex(
            table.column(column), pattern="^([^/]+)", replacement=rf"\1{suffix}"
        )
        table = table.set_column(index, table.schema.field(index), renamed)
    if name == "sources":
        paths = pc.binary_join_element_wise(f"r{k:05d}", table.column("path"), "/")
        table = table.set_column(table.schema.get_field_index("path"), table.schema.field("path"), paths)
    return table


def make_package(target: Path, posts: int) -> None:
    """Write the replicated package into `target`."""
    committed = {name: pq.read_table(ROOT / f"data/{name}.parquet") for name in TABLES}
    copies = math.ceil(posts / committed["posts"].num_rows)
    (target / "data/raw").mkdir(parents=True)
    for name in TABLES:
        table = committed[name]
        with pq.ParquetWriter(target / f"data/{name}.parquet", table.schema, compression="zstd") as writer:
            if name == "entity_catalog":
                writer.write_table(table, row_group_size=ROW_GROUP)
                continue
            pending: list[pa.Table] = []
            for k in range(1, copies + 1):
                pending.append(replica(name, table, k))
                if sum(t.num_rows for t in pending) >= ROW_GROUP:
                    writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP)
                    pending = []
            if pending:
                writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP)
    raw_files = [s["path"] for s in committed["sources"].select(["path"]).to_pylist()]
    for k in range(1, copies + 1):
        folder = target / f"data/raw/r{k:05d}"
        folder.mkdir()
        for path in raw_files:
            try:
                os.link(ROOT / "data/raw" / path, folder / path)
            except OSError:
                shutil.copyfile(ROOT / "data/raw" / path, folder / path)


def _validate(package: str, queue: multiprocessing.Queue) -> None:
    from documents import peak_rss_kb  # this folder's script: the peak of this process alone

    from diplocorpus.validate import validate_files

    started = time.perf_counter()
    problems = validate_files(Path(package) / "data", Path(package))
    queue.put((time.perf_counter() - started, problems, peak_rss_kb() / 1024))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=250_000, help="posts in the package (at least)")
    parser.add_argument("--dir", type=Path, help="where to write the package (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the package once measured")
    parser.add_argument("--package", type=Path, help="measure a package kept by an earlier run instead")
    args = parser.parse_args()
    target = args.package or Path(tempfile.mkdtemp(prefix="validate-bench-", dir=args.dir))
    try:
        if not args.package:
            started = time.perf_counter()
            make_package(target, args.posts)
            print(f"package: {target} (written in {time.perf_counter() - started:.1f} s)")
        measure(target)
    finally:
        if args.keep or args.package:
            print(f"kept {target}")
        else:
            shutil.rmtree(target, ignore_errors=True)


def measure(target: Path) -> None:
    """Print the package's size, then validate it in a fresh process and print the figures."""
    rows = {name: pq.ParquetFile(target / f"data/{name}.parquet").metadata.num_rows for name in TABLES}
    for name in TABLES:
        size = (target / f"data/{name}.parquet").stat().st_size / 1e6
        print(f"  {name:<15} {rows[name]:>10,} rows  {size:>8.1f} MB parquet")
    raw = sum(p.stat().st_size for p in (target / "data/raw").rglob("*") if p.is_file()) / 1e6
    text = pq.read_table(target / "data/posts.parquet", columns=["n_chars"]).column("n_chars")
    print(f"  raw files {raw:,.0f} MB; posts.text {pc.sum(text).as_py() / 1e6:,.0f} M characters")

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_validate, args=(str(target), queue))
    child.start()
    seconds, problems, peak = queue.get()
    child.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = sum(rows.values())
    print(
        f"validate_files: {seconds:.1f} s, {total / seconds:,.0f} rows/s ({total:,} rows), "
        f"{raw / seconds:,.0f} MB/s of raw files, peak RSS {peak:,.0f} MB"
    )
    # CPU seconds of the validating process (all its threads, with its imports): on a
    # machine shared with other work, the wall time above can be several times this.
    print(f"validate_files process: {usage.ru_utime + usage.ru_stime:.1f} s of CPU")
    print(f"problems: {len(problems)}")
    for problem in problems[:10]:
        print(f"  {problem}")


if __name__ == "__main__":
    main()

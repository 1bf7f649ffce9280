"""Time and memory of the documents the build derives from a package's tables (croissant.json,
the citation files, the figures, the README's generated blocks) on a large package.

    .venv/bin/python benchmarks/documents.py --posts 250000 --entities 1300000 --reactions 600000

Makes the package in a temporary folder (or in --keep DIR) by replicating the committed
tables with rewritten keys: copy k of the posts becomes `<source_id>-<s>/<rest>.<k>`, where s
is the copy of the sources it belongs to (one source copy per post copy unless --sources
says fewer), and every key pointing at it is rewritten the same way; each text starts with
its new post_id, so the texts are all different, as a corpus's are. Posts, parse issues and
translations come in whole copies; entities and reactions are replicated to the number of
rows asked for and spread over the post copies (reaction ranks shifted where a post gets
more than one copy, so keys stay unique); the catalogue is the committed one. Only what the
documents read is written: the Parquet files, datapackage.json (its Parquet resources'
sizes and hashes updated) and README.md.

Then `write_documents` runs in a fresh process, and the script prints the package's size,
the seconds the documents took and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from diplocorpus.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]
ROWS_PER_BATCH = 100_000

Rewrite = Callable[[pa.Table, np.ndarray], pa.Table]


def source_key(source_id: pa.ChunkedArray, source_copy: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(source_id, "-", _strings(source_copy), "")


def post_key(post_id: pa.ChunkedArray, source_copy: np.ndarray, post_copy: np.ndarray) -> pa.Array:
    """'tg000/L12' of copy k, in source copy s: 'tg000-s/L12.k' (null stays null)."""
    parts = pc.split_pattern(post_id, "/", max_splits=1)
    head, tail = pc.list_element(parts, 0), pc.list_element(parts, 1)
    return pc.binary_join_element_wise(
        head, "-", _strings(source_copy), "/", tail, ".", _strings(post_copy), ""
    )


def _strings(numbers: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(numbers), pa.string())


class Replicas:
    """How many copies of each table the package holds, and how a copy's keys are rewritten:
    copy k of a table belongs to a post copy (the same k for the tables that come in whole
    copies), which belongs to a source copy."""

    def __init__(
        self, base: dict[str, pa.Table], posts: int, rows: dict[str, int | None], sources: int | None
    ):
        self.post_copies = math.ceil(posts / base["posts"].num_rows)
        self.source_copies = min(sources or self.post_copies, self.post_copies)
        self.max_rank = pc.max(base["reactions"]["rank"]).as_py() or 0
        whole = {
            name: self.post_copies * base[name].num_rows for name in ("posts", "parse_issues", "translations")
        }
        self.rows = {
            "sources": self.source_copies * base["sources"].num_rows,
            "entity_catalog": base["entity_catalog"].num_rows,
            **whole,
            **{
                name: n if n is not None else self.post_copies * base[name].num_rows
                for name, n in rows.items()
            },
        }
        self.copies = {name: math.ceil(self.rows[name] / max(base[name].num_rows, 1)) for name in TABLES}

    def rewrite(self, name: str, t: pa.Table, copy: np.ndarray) -> pa.Table:
        if name == "entity_catalog":
            return t
        if name == "sources":
            return with_columns(t, source_id=source_key(t["source_id"], copy))
        post = self.post_of(copy, self.copies[name])
        source = post * self.source_copies // self.post_copies
        if name == "posts":
            post_id = post_key(t["post_id"], source, post)
            return with_columns(
                t,
                post_id=post_id,
                source_id=source_key(t["source_id"], source),
                duplicate_of=post_key(t["duplicate_of"], source, post),
                # Each copy's text made its own, so Parquet stores the texts as a corpus's would
                # be (not as a dictionary of a few values).
                text=pc.binary_join_element_wise(post_id, t["text"], "\n"),
            )
        if name == "translations":
            return with_columns(
                t,
                source_post_id=post_key(t["source_post_id"], source, post),
                target_post_id=post_key(t["target_post_id"], source, post),
            )
        t = with_columns(t, post_id=post_key(t["post_id"], source, post))
        if name == "parse_issues":
            return with_columns(t, source_id=source_key(t["source_id"], source))
        if name == "reactions" and self.copies[name] > self.post_copies:
            shift = pa.array((copy // self.post_copies) * self.max_rank)
            return with_columns(t, rank=pc.add(t["rank"], shift))
        return t

    def post_of(self, copy: np.ndarray, copies: int) -> np.ndarray:
        """The post copy of each table copy: spread evenly over the posts when the table has
        fewer copies than the posts, round and round when it has more."""
        return copy * self.post_copies // copies if copies <= self.post_copies else copy % self.post_copies


def with_columns(table: pa.Table, **columns: pa.Array) -> pa.Table:
    for name, values in columns.items():
        i = table.schema.get_field_index(name)
        table = table.set_column(i, table.schema.field(i), values)
    return table


def write_replicated(path: Path, base: pa.Table, rows: int, rewrite: Rewrite) -> None:
    """`rows` rows of copies of `base`, keys rewritten, in row groups of ROWS_PER_BATCH."""
    n = base.num_rows
    copies_per_batch = max(1, ROWS_PER_BATCH // max(n, 1))
    with pq.ParquetWriter(path, base.schema, compression="zstd") as writer:
        written = 0
        first = 0
        while written < rows:
            copy = np.repeat(np.arange(first, first + copies_per_batch), n)
            take = min(len(copy), rows - written)
            batch = rewrite(base.take(np.tile(np.arange(n), copies_per_batch)[:take]), copy[:take])
            writer.write_table(batch, row_group_size=ROWS_PER_BATCH)
            written += take
            first += copies_per_batch
        if rows == 0:
            writer.write_table(base.slice(0, 0))


def make_package(
    target: Path, posts: int, entities: int | None, reactions: int | None, sources: int | None
) -> None:
    base = {name: pq.read_table(ROOT / f"data/{name}.parquet") for name in TABLES}
    replicas = Replicas(base, posts, {"entities": entities, "reactions": reactions}, sources)
    (target / "data").mkdir(parents=True)
    for name in TABLES:
        write_replicated(
            target / f"data/{name}.parquet",
            base[name],
            replicas.rows[name],
            lambda t, copy, name=name: replicas.rewrite(name, t, copy),
        )
    write_descriptor(target)
    shutil.copy(ROOT / "README.md", target / "README.md")


def write_descriptor(target: Path) -> None:
    """The committed datapackage.json with the sizes and hashes of the new Parquet files."""
    descriptor = json.loads((ROOT / "datapackage.json").read_text("utf-8"))
    for resource_ in descriptor["resources"]:
        if resource_["format"] == "parquet":
            path = target / resource_["path"]
            digest = hashlib.sha256()
            with path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    digest.update(chunk)
            resource_["bytes"] = path.stat().st_size
            resource_["hash"] = "sha256:" + digest.hexdigest()
    (target / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", "utf-8"
    )


def describe(package_dir: Path) -> str:
    rows = {name: pq.ParquetFile(package_dir / f"data/{name}.parquet").metadata.num_rows for name in TABLES}
    characters = pc.sum(pq.read_table(package_dir / "data/posts.parquet", columns=["n_chars"])["n_chars"])
    parquet = sum((package_dir / f"data/{name}.parquet").stat().st_size for name in TABLES)
    return (
        f"package    {rows['posts']} posts ({characters.as_py() / 1e6:.0f} M characters of text), "
        f"{rows['entities']} entities, {rows['reactions']} reactions, {rows['sources']} sources, "
        f"{rows['parse_issues']} parse issues, {rows['translations']} translations; "
        f"Parquet {parquet / 1e6:.1f} MB"
    )


def peak_rss_kb() -> int:
    """Peak resident memory of this process since it started (Linux: VmHWM, which, unlike
    getrusage's maximum, does not carry over the parent's from before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(package_dir: Path) -> None:
    """Run the document step on `package_dir` (staged and read in place); print one JSON line."""
    from diplocorpus.write import write_documents

    before = peak_rss_kb()
    started = time.perf_counter()
    write_documents(package_dir, package_dir)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_rss_kb": peak_rss_kb(), "rss_before_kb": before}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=250_000, help="posts, rounded up to whole copies")
    parser.add_argument("--entities", type=int, help="entity rows (default: as many per post as committed)")
    parser.add_argument(
        "--reactions", type=int, help="reaction rows (default: as many per post as committed)"
    )
    parser.add_argument(
        "--sources", type=int, help="copies of the sources (default: one per copy of the posts)"
    )
    parser.add_argument("--keep", type=Path, help="make the package in this new folder and keep it")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return
    with tempfile.TemporaryDirectory(prefix="documents-") as tmp:
        package_dir = args.keep or Path(tmp) / "package"
        started = time.perf_counter()
        make_package(package_dir, args.posts, args.entities, args.reactions, args.sources)
        print(f"made in    {time.perf_counter() - started:.1f} s")
        print(describe(package_dir))
        run = subprocess.run(
            [sys.executable, __file__, "--measure", str(package_dir)],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(run.stdout.splitlines()[-1])
        print(
            f"documents  {figures['seconds']:.2f} s, peak RSS {figures['peak_rss_kb'] / 1024:.0f} MB "
            f"({figures['rss_before_kb'] / 1024:.0f} MB after the imports, before the step)"
        )


if __name__ == "__main__":
    main()

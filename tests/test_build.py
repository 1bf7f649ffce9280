"""The build's engines and its cache: parallel, incremental and Dask builds give the same
bytes as a plain one-process build."""

from __future__ import annotations

import json
import mmap
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import diplocorpus
from diplocorpus.build import CACHE, BuildOptions, FilePages, build
from diplocorpus.errors import CorpusError, FormatError
from diplocorpus.schema import TABLES
from diplocorpus.shard import fingerprint, keys_file, shard_sources

FAST = BuildOptions(jobs=1, models=False)


def outputs(package_dir: Path) -> dict[str, bytes]:
    """Every file the build writes into data/, with datapackage.json."""
    files = {f"data/{name}.{suffix}" for name in TABLES for suffix in ("parquet", "csv")}
    return {path: (package_dir / path).read_bytes() for path in sorted(files | {"datapackage.json"})}


def copy_package(package: Path, name: str) -> Path:
    target = package.parent / name
    shutil.copytree(package, target, ignore=shutil.ignore_patterns(".cache"))
    return target


def test_parallel_build_equals_one_process_build(package: Path) -> None:
    other = copy_package(package, "parallel")
    build(package, FAST)
    summary = build(other, BuildOptions(jobs=2, models=False))
    assert summary.jobs == 2
    assert outputs(package) == outputs(other)


def test_unchanged_raw_files_are_not_parsed_again(package: Path) -> None:
    first = build(package, FAST)
    assert first.cached == 0
    before = outputs(package)
    again = build(package, FAST)
    assert again.cached == again.sources == 5
    assert again.seconds["parse"] == 0
    assert outputs(package) == before


def test_incremental_rebuild_equals_full_rebuild(package: Path) -> None:
    build(package, FAST)
    raw = package / "data/raw/000_157a4bdd3038f2f4.txt"
    raw.chmod(0o644)
    raw.write_text(raw.read_text("utf-8") + "\nUn post ajouté.\n👍3\n")
    incremental = build(package, FAST)
    assert incremental.cached == 4
    fresh = copy_package(package, "fresh")
    build(fresh, BuildOptions(jobs=1, models=False, cache=False))
    assert outputs(package) == outputs(fresh)


def test_cache_holds_only_the_last_build(package: Path) -> None:
    build(package, FAST)
    (package / "data/raw/sources.csv").write_text(
        "\n".join((package / "data/raw/sources.csv").read_text("utf-8").splitlines()[:3]) + "\n"
    )
    build(package, FAST)
    assert len(list((package / CACHE).iterdir())) == 2


def test_a_bad_file_in_a_worker_fails_the_build_and_keeps_the_previous_output(package: Path) -> None:
    build(package, FAST)
    before = outputs(package)
    manifest = package / "data/raw/sources.csv"
    manifest.write_text(
        manifest.read_text("utf-8").replace(
            "004_e8a13e7e0055f3cb.txt,web-text,web,", "004_e8a13e7e0055f3cb.txt,telegram-json,telegram,"
        )
    )
    with pytest.raises(FormatError, match=r"data/raw/004_e8a13e7e0055f3cb\.txt"):
        build(package, BuildOptions(jobs=2, models=False))
    assert outputs(package) == before


def test_the_shards_sources_hold_every_module_a_worker_imports(package: Path) -> None:
    """A worker process that makes the shards of the seed files, with the models, imports
    only modules whose source the shards' key covers."""
    script = f"""
import json, sys
from pathlib import Path
from diplocorpus.read import read_manifest
from diplocorpus.parsers import formats
from diplocorpus.shard import Job, make_shard
package = Path({str(package)!r})
for entry in read_manifest(package, formats()):
    make_shard(Job(str(package), entry, True, "key"))
print(json.dumps(sorted(m.__file__ for n, m in sys.modules.items() if n.split(".")[0] == "diplocorpus")))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    imported = {Path(f).resolve() for f in json.loads(done.stdout)}
    root = Path(diplocorpus.__file__).resolve().parent
    sources = set(shard_sources(root))
    assert imported - sources == set()
    assert root / "parsers/telegram_text.py" in imported
    assert root / "write.py" not in sources and root / "validate.py" not in sources


def test_only_a_change_to_the_shards_sources_makes_the_shards_stale(tmp_path: Path) -> None:
    root = tmp_path / "diplocorpus"
    shutil.copytree(
        Path(diplocorpus.__file__).resolve().parent, root, ignore=shutil.ignore_patterns("__pycache__")
    )
    before = fingerprint(root)

    def touched(name: str) -> str:
        path = root / name
        text = path.read_text("utf-8")
        path.write_text(text + ("\n# changed\n" if name.endswith(".py") else " "), "utf-8")
        try:
            return fingerprint(root)
        finally:
            path.write_text(text, "utf-8")

    for name in ("write.py", "validate.py", "build.py", "cli.py", "release.py"):
        assert touched(name) == before, name
    for name in (
        "shard.py",
        "parsers/telegram_text.py",
        "relate/corpus.py",
        "ner.py",
        "schemas/posts.schema.json",
    ):
        assert touched(name) != before, name
    assert fingerprint(root) == before


def test_dask_engine_needs_a_reachable_scheduler(package: Path) -> None:
    with pytest.raises(CorpusError, match="no Dask scheduler"):
        build(package, BuildOptions(models=False, engine="dask", scheduler="tcp://127.0.0.1:9"))


def test_dask_build_on_a_local_cluster_equals_the_local_build(package: Path) -> None:
    distributed = pytest.importorskip("distributed")
    local = copy_package(package, "local")
    build(local, FAST)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        summary = build(
            package, BuildOptions(models=False, engine="dask", scheduler=cluster.scheduler_address)
        )
    assert summary.cached == 0
    assert outputs(package) == outputs(local)


def test_a_keys_file_gives_each_row_its_keys_even_from_a_slice() -> None:
    column = pa.array([[1, 2], [], [3], [4, 5, 6]], pa.list_(pa.uint64()))
    data = keys_file(pa.chunked_array([column.slice(1)]))
    n = int(np.frombuffer(data[:8], "<i8")[0])
    offsets = np.frombuffer(data[8 : 8 * (n + 2)], "<i8")
    values = np.frombuffer(data[8 * (n + 2) :], "<u8")
    assert [values[a:b].tolist() for a, b in zip(offsets[:-1], offsets[1:], strict=True)] == [
        [],
        [3],
        [4, 5, 6],
    ]


def test_file_pages_are_let_go_once_they_grow_beyond_the_limit(tmp_path: Path) -> None:
    released = []
    pages = FilePages(1 << 20, lambda: released.append(True))
    if pages.resident() is None:
        pytest.skip("the kernel does not report resident file pages")
    pages.check()
    assert not released
    data = tmp_path / "data.bin"
    data.write_bytes(bytes(8 << 20))
    with data.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        assert sum(mapped[at] for at in range(0, len(mapped), mmap.PAGESIZE)) == 0  # every page read
        pages.check()
        assert released == [True]

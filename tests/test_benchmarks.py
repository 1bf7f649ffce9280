"""The scale benchmark's tools: benchmarks/synth.py writes corpora that parse, build and
validate with exactly the records it says it wrote, lose no raw line and are the same for
the same seed and size; benchmarks/scale.py measures a whole process tree and refuses a
build that leaves no timings."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, parse_seed
from diplocorpus.build import (
    CACHE,
    BuildOptions,
    BuildSummary,
    FilePages,
    ShardTexts,
    _utf8,
    build,
    relations,
    write_shards,
)
from diplocorpus.errors import CorpusError
from diplocorpus.parsers import PARSERS, formats
from diplocorpus.read import read_manifest, read_raw
from diplocorpus.records import ParsedIssue, ParsedRecord
from diplocorpus.relate import Relations
from diplocorpus.shard import ShardCache, shard_key
from diplocorpus.validate import validate_package


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


synth = _load("synth")
scale = _load("scale")

BUILT_SIZE = 1_000_000


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> tuple[Path, dict]:
    package = tmp_path_factory.mktemp("synthetic") / "pkg"
    summary = synth.generate(package, BUILT_SIZE, seed=3)
    build(package, BuildOptions(models=False))
    return package, summary


def test_synthetic_package_builds_and_validates(synthetic) -> None:
    package, _ = synthetic
    assert validate_package(package) == []


def test_the_build_holds_the_records_the_generator_wrote(synthetic) -> None:
    package, summary = synthetic
    posts = pq.read_table(package / "data/posts.parquet", columns=["source_id", "kind"]).to_pylist()
    assert dict(Counter(p["source_id"] for p in posts)) == summary["records_by_source"]
    assert Counter(p["kind"] for p in posts)["article"] == summary["articles"]
    sources = pq.read_table(package / "data/sources.parquet").num_rows
    assert sources == summary["files"] == summary["channel_files"] + summary["web_pages"]
    assert summary["channel_files"] >= 2 and summary["web_pages"] >= 1


def test_no_raw_line_is_lost(synthetic) -> None:
    """Every non-blank raw line lies in exactly one post's span or in a parse issue's span."""
    package, _ = synthetic
    posts = pq.read_table(package / "data/posts.parquet").to_pylist()
    issues = pq.read_table(package / "data/parse_issues.parquet").to_pylist()
    for source in pq.read_table(package / "data/sources.parquet").to_pylist():
        lines = (package / "data/raw" / source["path"]).read_text("utf-8").split("\n")
        in_posts = [0] * (len(lines) + 2)
        in_issues = [False] * (len(lines) + 2)
        for p in (p for p in posts if p["source_id"] == source["source_id"]):
            for n in range(p["raw_line_start"], p["raw_line_end"] + 1):
                in_posts[n] += 1
        for i in (i for i in issues if i["source_id"] == source["source_id"]):
            for n in range(i["raw_line_start"], i["raw_line_end"] + 1):
                in_issues[n] = True
        for n, line in enumerate(lines, start=1):
            if line.strip():
                assert in_posts[n] == 1 or (in_posts[n] == 0 and in_issues[n]), (source["path"], n)


def test_translation_pairs_written_are_found_by_the_build(synthetic) -> None:
    package, summary = synthetic
    pairs = pq.read_table(package / "data/translations.parquet").to_pylist()
    written = summary["translation_pairs_written"]
    assert written >= 1
    found = [p for p in pairs if (p["source_language"], p["target_language"]) == ("ru", "fr")]
    assert len(found) >= written / 2


def test_relations_are_the_same_when_the_mapped_pages_are_let_go_at_every_read(
    synthetic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pages of the keys' map may be let go at any time: the relations are the same;
    the texts are those of the package."""
    package, _ = synthetic
    cache = ShardCache(package / CACHE)
    entries = sorted(read_manifest(package, formats()), key=lambda e: e.source_id)
    keys = [shard_key(package, e, False) for e in entries]
    kept = relations(cache, keys)
    released = []
    monkeypatch.setattr(FilePages, "check", lambda self: released.append(self.release()))
    let_go = relations(cache, keys)
    monkeypatch.undo()
    assert released
    assert kept.duplicate_of and let_go.duplicate_of == kept.duplicate_of
    assert kept.translations and let_go.translations == kept.translations

    posts = pq.read_table(package / "data/posts.parquet", columns=["post_id", "text"]).to_pylist()
    texts = ShardTexts(cache, keys)
    assert texts.rows == len(posts)
    for at in range(0, len(posts), 7):
        rows = np.arange(at, min(at + 7, len(posts)))
        assert texts(rows) == [posts[row]["text"] or "" for row in rows.tolist()]
    texts.close()


def test_posts_that_are_not_the_relations_records_are_not_written(synthetic, tmp_path: Path) -> None:
    """Each shard's posts take their `duplicate_of` from the rows of the relations that are
    theirs: a shard whose posts are not those records fails the build."""
    package, _ = synthetic
    cache = ShardCache(package / CACHE)
    entries = sorted(read_manifest(package, formats()), key=lambda e: e.source_id)
    keys = [shard_key(package, e, False) for e in entries]
    related = relations(cache, keys)
    (tmp_path / "right/data").mkdir(parents=True)
    summary = BuildSummary()
    write_shards(tmp_path / "right", cache, keys, related, summary)
    written = pq.read_table(tmp_path / "right/data/posts.parquet", columns=["post_id", "duplicate_of"])
    found = {p: d for p, d in zip(*written.to_pydict().values(), strict=True) if d is not None}
    assert found == related.duplicate_of and summary.duplicates == len(found) > 0
    shuffled = pa.chunked_array([related.post_ids.combine_chunks()[::-1]])
    (tmp_path / "wrong/data").mkdir(parents=True)
    with pytest.raises(CorpusError, match="shard cache is inconsistent"):
        write_shards(
            tmp_path / "wrong", cache, keys, Relations(shuffled, related.original, []), BuildSummary()
        )


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_texts_are_copied_from_a_sliced_column_with_nulls(kind: pa.DataType) -> None:
    values = ["x", None, "né", "", "абв", None]
    for start in range(len(values)):
        ends, data = _utf8(pa.array(values, kind).slice(start))
        texts = [
            bytes(data[a:b]).decode() for a, b in zip([0, *ends[:-1].tolist()], ends.tolist(), strict=True)
        ]
        assert texts == [v or "" for v in values[start:]]


def test_manifest_has_the_columns_of_the_real_one(synthetic) -> None:
    package, _ = synthetic
    with (ROOT / "data/raw/sources.csv").open(encoding="utf-8") as f:
        real = next(csv.reader(f))
    with (package / "data/raw/sources.csv").open(encoding="utf-8") as f:
        made = list(csv.DictReader(f))
    assert list(made[0]) == real
    assert all("not collected data" in row["notes"] for row in made)
    assert (package / "data/curated/entity_catalog.csv").read_bytes() == (
        ROOT / "data/curated/entity_catalog.csv"
    ).read_bytes()


def _digests(package: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((package / "data/raw").iterdir())
    }


def test_same_seed_and_size_give_the_same_bytes(tmp_path) -> None:
    first = synth.generate(tmp_path / "a", 60_000, seed=5)
    second = synth.generate(tmp_path / "b", 60_000, seed=5)
    synth.generate(tmp_path / "c", 60_000, seed=6)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert first["records_by_source"] == second["records_by_source"]
    assert _digests(tmp_path / "a") != _digests(tmp_path / "c")


@pytest.fixture(scope="module")
def larger(tmp_path_factory) -> tuple[Path, dict, dict[str, list]]:
    """A 3 MB corpus, read with the project's parsers only (no build)."""
    package = tmp_path_factory.mktemp("larger") / "pkg"
    summary = synth.generate(package, 3_000_000, seed=2)
    parsed = {}
    for entry in read_manifest(package, formats()):
        raw = read_raw(package, entry)
        parsed[entry.source_id] = (entry, raw, list(PARSERS[entry.format](raw.text)))
    return package, summary, parsed


def test_larger_corpus_parses_into_the_records_written_losing_no_line(larger) -> None:
    _, summary, parsed = larger
    assert 2_900_000 <= summary["raw_bytes"] <= 3_100_000
    for source_id, (_, raw, items) in parsed.items():
        records = [i for i in items if isinstance(i, ParsedRecord)]
        assert len(records) == summary["records_by_source"][source_id], source_id
        lines = raw.text.split("\n")
        in_records = [0] * (len(lines) + 2)
        in_issues = [False] * (len(lines) + 2)
        for item in items:
            for n in range(item.line_start, item.line_end + 1):
                if isinstance(item, ParsedRecord):
                    in_records[n] += 1
                else:
                    in_issues[n] = True
        lost = [
            n
            for n, line in enumerate(lines, start=1)
            if line.strip() and not (in_records[n] == 1 or (in_records[n] == 0 and in_issues[n]))
        ]
        assert lost == [], source_id


def test_larger_corpus_looks_like_the_seed_renders(larger) -> None:
    """What the seed renders show, the synthetic ones show too, and the parsers read it so."""
    _, summary, parsed = larger
    records = [i for _, _, items in parsed.values() for i in items if isinstance(i, ParsedRecord)]
    codes = Counter(i.code for _, _, items in parsed.values() for i in items if isinstance(i, ParsedIssue))
    posts = [r for r in records if r.kind == "post"]
    assert sum(bool(r.reactions) for r in posts) > 0.8 * len(posts)
    assert any(x.emoji is None for r in posts for x in r.reactions)  # a custom emoji's bare count
    assert {r.forwarded_from for r in posts} >= {"МИД России 🇷🇺", "DIPLOMATIE RUSSE"}
    assert {r.media for r in posts} >= {"media_too_big", "open_in_telegram"}
    assert any(r.kind == "service" for r in records)
    assert any(r.dateline for r in records if r.kind == "article")
    assert any(r.byline for r in records if r.kind == "article")
    assert any(line.startswith("📍") for r in posts for line in (r.text or "").split("\n"))
    # Doubled bodies whose copies differ, a translation after its original with no marker
    # between them, page chrome and site boilerplate dropped.
    assert {"copies_differ", "boundary_inferred", "page_chrome", "boilerplate"} <= set(codes)
    assert summary["forwards_written"] > 0 and summary["web_republications_written"] > 0
    assert summary["translation_pairs_written"] > 0


def test_most_texts_are_not_repeated_whole(larger) -> None:
    _, summary, parsed = larger
    texts = [
        i.text for _, _, items in parsed.values() for i in items if isinstance(i, ParsedRecord) and i.text
    ]
    repeated = sum(n for n in Counter(texts).values() if n > 1)
    # Forwards repeat an earlier post whole; little else does.
    assert repeated <= 2 * summary["forwards_written"] + 0.02 * len(texts)


def test_generator_pairs_are_the_translation_pairs_of_seed_001() -> None:
    pairs = {(ru.line_start, fr.line_start) for ru, fr in synth.seed_translation_pairs(parse_seed("tg001"))}
    with (ROOT / "data/translations.csv").open(encoding="utf-8") as f:
        committed = {
            (int(r["source_post_id"].split("/L")[1]), int(r["target_post_id"].split("/L")[1]))
            for r in csv.DictReader(f)
            if r["source_post_id"].startswith("tg001/") and r["target_post_id"].startswith("tg001/")
        }
    assert pairs == committed


@pytest.mark.parametrize(
    ("text", "size"), [("100MB", 10**8), ("1GB", 10**9), ("1.5GB", 1_500_000_000), ("250kb", 250_000)]
)
def test_sizes(text: str, size: int) -> None:
    assert synth.parse_size(text) == size


def test_command_line_errors_are_one_line(tmp_path, capsys) -> None:
    assert synth.main([str(tmp_path / "x"), "--size", "lots"]) == 1
    assert capsys.readouterr().err == "error: size 'lots' is not a size like 100MB, 1GB or 250KB\n"
    (tmp_path / "y/data/raw").mkdir(parents=True)
    (tmp_path / "y/data/raw/keep.txt").write_text("x")
    assert synth.main([str(tmp_path / "y"), "--size", "10KB"]) == 1
    assert (
        capsys.readouterr().err
        == f"error: {tmp_path / 'y/data/raw'}: not empty; choose a new folder or remove it\n"
    )


# benchmarks/scale.py


ALLOCATE = "import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}], check=True)"
CHILD = "import time; block = b'x' * 200_000_000; time.sleep(0.6)"


def test_peak_memory_counts_the_children_of_the_process() -> None:
    measured = scale.measure([sys.executable, "-c", ALLOCATE.format(child=CHILD)])
    assert measured.returncode == 0
    assert measured.peak_rss >= 200_000_000
    assert measured.wall >= 0.6


def test_the_host_probe_times_the_parse_of_the_first_files(synthetic, tmp_path) -> None:
    package, _ = synthetic
    assert scale.probe(package, budget=200_000) > 0
    empty = tmp_path / "empty"
    (empty / "data/raw").mkdir(parents=True)
    (empty / "data/raw/sources.csv").write_text(
        "source_id,path,format\ne,e.txt,telegram-text\n", encoding="utf-8"
    )
    (empty / "data/raw/e.txt").write_bytes(b"")
    with pytest.raises(scale.BenchmarkError, match="no raw file to probe the host with"):
        scale.probe(empty)


def test_a_build_that_leaves_no_timings_is_refused(tmp_path) -> None:
    measured = scale.measure([sys.executable, "-c", "pass"])
    with pytest.raises(scale.BenchmarkError, match="wrote no timings file .*does not support --timings"):
        scale.read_timings(tmp_path / "timings.json", measured)


def test_a_failed_build_is_refused_with_its_last_message(tmp_path) -> None:
    measured = scale.measure(
        [sys.executable, "-c", "import sys; sys.exit('Error: No such option: --no-ner')"]
    )
    with pytest.raises(scale.BenchmarkError, match=r"failed \(exit 1\): Error: No such option: --no-ner;"):
        scale.read_timings(tmp_path / "timings.json", measured)


def _timings(**changes) -> dict:
    timings = {
        "stages": {
            "parse": 4.0,
            "enrich": 1.0,
            "relate": 2.0,
            "tables": 3.0,
            "validate": 1.0,
            "write": 1.0,
            "documents": 1.0,
        },
        "wall": 9.0,
        "raw_bytes": 200_000_000,
        "records": 40_000,
        "sources": 80,
        "jobs": 2,
        "cached_sources": 0,
    }
    return timings | changes


def test_timings_are_read_and_checked(tmp_path) -> None:
    path = tmp_path / "timings.json"
    ok = scale.Measured(0, 10.0, 1, "")
    path.write_text(json.dumps(_timings()))
    assert scale.read_timings(path, ok)["records"] == 40_000
    path.write_text(json.dumps(_timings(cached_sources=3)))
    with pytest.raises(scale.BenchmarkError, match="took 3 source"):
        scale.read_timings(path, ok)
    partial = _timings()
    del partial["stages"]["relate"], partial["jobs"]
    path.write_text(json.dumps(partial))
    with pytest.raises(scale.BenchmarkError, match="timings lack jobs, stages.relate"):
        scale.read_timings(path, ok)


def test_stage_figures() -> None:
    rows = {name: rest for name, *rest in scale.stage_rows(_timings())}
    assert rows["parse"] == [4.0, 50.0, 10_000.0]
    assert rows["parse+tables+write"] == [8.0, 25.0, 5_000.0]
    assert scale.mb_per_core(_timings()) == 25.0


def test_summary_gives_ratios_and_targets() -> None:
    def run(size: int, peak: int, wall: float, validate: float) -> scale.Run:
        return scale.Run(
            size,
            size,
            10,
            1,
            scale.Measured(0, wall, peak, ""),
            _timings(wall=wall),
            scale.Measured(0, validate, 1, ""),
        )

    runs = [run(10**8, 1_000_000_000, 10.0, 5.0), run(5 * 10**8, 1_100_000_000, 40.0, 20.0)]
    runs.append(run(10**9, 1_200_000_000, 84.0, 61.0))
    lines = scale.summary_lines(runs, 5 * 10**8)
    assert "peak memory ratio 1GB/100MB: 1.20 (target <= 1.3 for 1GB/100MB: met)" in lines
    assert "time ratio 1GB/500MB (build's own wall): 2.10 (target <= 2.2: met)" in lines
    assert "validate at 1GB: 61.0 s (target < 60 s at 1GB: NOT met)" in lines
    assert "peak memory at 1GB: 1200 MB (target < 2000 MB at 1GB: met)" in lines

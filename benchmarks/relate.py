"""Relations at scale, on records synthesised from the seed posts.

    .venv/bin/python benchmarks/relate.py [RECORDS] [--datasketch RECORDS]

Makes RECORDS records (default 50000) in sources of 2500: for each channel, a saved page
(message ids, timestamps, reactions), an export overlapping it (the same messages by id), a
text render overlapping it (no ids, no dates: the same posts by text), and a web site
republishing its posts inside articles. A channel post is a seed post as published (a
quarter of them: large groups of identical texts), a near copy of one (a few words
changed), paragraphs of two or three seed posts, or a seed post rewritten (a third of its
words replaced, paragraphs shuffled: related to nothing); a Russian seed post with a French
translation in the seeds is followed by it. Texts are made again from their post_id when
asked for, so no step holds them all.

Prints the time of the per-source step (records/s and MB of text per second, on one core),
the size of the tables it makes, then, in a fresh process that reads those tables from
Parquet, the time of the whole-corpus step and how much its resident memory grew (peak RSS
over the RSS before the tables were read), per record.

--datasketch RECORDS instead indexes that many records' MinHashes (128 permutations) in
datasketch's MinHashLSHEnsemble as the in-memory relations did, and prints the memory it
took per record.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from diplocorpus.enrich import text_sha256
from diplocorpus.relate import relate, source_relations
from diplocorpus.rows import PostRow, ReactionRow, SourceRow

ROOT = Path(__file__).resolve().parents[1]
SOURCE_SIZE = 2500
ROLES = ("page", "export", "render", "web")
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Seed:
    post_id: str
    text: str
    language: str


class Corpus:
    """A synthetic corpus: its sources, and every record's text from its post_id alone."""

    def __init__(self, records: int) -> None:
        rows = pq.read_table(ROOT / "data/posts.parquet").to_pylist()
        self.seeds = [Seed(p["post_id"], p["text"], p["language"]) for p in rows if p["kind"] != "service"]
        translations = pq.read_table(ROOT / "data/translations.parquet").to_pylist()
        by_id = {s.post_id: s for s in self.seeds}
        self.translation = {t["source_post_id"]: by_id[t["target_post_id"]] for t in translations}
        self.vocabulary = sorted({w for s in self.seeds for w in s.text.split()})
        self.records = records
        self.sources = math.ceil(records / SOURCE_SIZE)

    def source(self, k: int) -> tuple[SourceRow, list[PostRow], list[ReactionRow]]:
        role, group = ROLES[k % 4], k // 4
        fmt = {
            "page": "telegram-html",
            "export": "telegram-json",
            "render": "telegram-text",
            "web": "web-html",
        }[role]
        source_id = f"{role}{group:04d}"
        source = SourceRow(
            source_id, f"{source_id}.x", fmt, "web" if role == "web" else "telegram", None,
            None if role == "web" else f"chan{group}", None, "und", None, "0" * 64, 0, "utf-8", None,
        )  # fmt: skip
        size = min(SOURCE_SIZE, self.records - k * SOURCE_SIZE)
        first = {"page": 1, "export": SOURCE_SIZE // 2 + 1, "render": SOURCE_SIZE // 4 + 1, "web": 1}[role]
        posts, reactions = [], []
        for n in range(first, first + size):
            post_id = f"{source_id}/L{n}" if role in ("render", "web") else f"{source_id}/{n}"
            text, language = self.text(post_id)
            post = _post(post_id, source_id, n - first + 1, text, language)
            if role in ("page", "export"):
                post = _replace(post, message_id=n, published_at=START + dt.timedelta(hours=n))
            if role == "page":
                post = _replace(post, url=f"https://t.me/chan{group}/{n}", views=n * 7)
                reactions += [ReactionRow(post_id, r + 1, "👍", None, None, n % 50) for r in range(n % 3)]
            if role == "web":
                post = _replace(post, kind="article", published_at=START + dt.timedelta(hours=n + 24))
            posts.append(post)
        return source, posts, reactions

    def text(self, post_id: str) -> tuple[str, str]:
        source_id, number = post_id.split("/")
        role, group, n = source_id[:-4], int(source_id[-4:]), int(number.lstrip("L"))
        if role == "web":
            return self.article(group, n)
        return self.channel_post(group, n)

    def channel_post(self, channel: int, n: int) -> tuple[str, str]:
        if n > 1:
            before = random.Random(f"chan{channel}/{n - 1}")
            seed = before.choice(self.seeds)
            if seed.post_id in self.translation and before.random() < 0.5:
                french = self.translation[seed.post_id]
                return french.text, french.language
        rng = random.Random(f"chan{channel}/{n}")
        seed = rng.choice(self.seeds)
        rng.random()  # drawn by the record before a translation, above
        mode = rng.random()
        if mode < 0.25:
            return seed.text, seed.language
        if mode < 0.5:
            return self.near_copy(seed.text, rng), seed.language
        if mode < 0.7:
            parts = [seed] + rng.sample(self.seeds, rng.randint(1, 2))
            paragraphs = [
                p for s in parts for p in rng.sample(s.text.split("\n"), max(1, s.text.count("\n") // 2))
            ]
            return "\n".join(paragraphs), seed.language
        return self.rewrite(seed.text, rng), seed.language

    def article(self, site: int, n: int) -> tuple[str, str]:
        rng = random.Random(f"site{site}/{n}")
        if rng.random() < 0.5:
            text, language = self.channel_post(site, rng.randint(1, 2 * SOURCE_SIZE))
            header = rng.choice(self.seeds).text.split("\n")[0]
            return f"{header}\n{text}\nSource : la chaîne chan{site}.", language
        seed = rng.choice(self.seeds)
        return self.rewrite(seed.text, rng), seed.language

    def near_copy(self, text: str, rng: random.Random) -> str:
        words = text.split(" ")
        for _ in range(rng.randint(1, 3)):
            words[rng.randrange(len(words))] = rng.choice(self.vocabulary)
        return " ".join(words)

    def rewrite(self, text: str, rng: random.Random) -> str:
        paragraphs = text.split("\n")
        rng.shuffle(paragraphs)
        words = "\n".join(paragraphs).split(" ")
        for i in range(len(words)):
            if rng.random() < 1 / 3:
                words[i] = rng.choice(self.vocabulary)
        return " ".join(words)

    def texts(self, post_ids: Sequence[str]) -> list[str]:
        return [self.text(post_id)[0] for post_id in post_ids]


def _post(post_id: str, source_id: str, ordinal: int, text: str, language: str) -> PostRow:
    values = dict.fromkeys((f.name for f in fields(PostRow)), None)
    values.update(
        post_id=post_id, source_id=source_id, ordinal=ordinal, kind="post", text=text, language=language,
        languages=language, n_chars=len(text), raw_line_start=ordinal, raw_line_end=ordinal,
        text_sha256=text_sha256(text),
    )  # fmt: skip
    return PostRow(**values)


def _replace(post: PostRow, **changes: object) -> PostRow:
    values = {f.name: getattr(post, f.name) for f in fields(PostRow)}
    values.update(changes)
    return PostRow(**values)


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _rss() -> int:
    return _status("VmRSS")


def _reset_peak_rss() -> None:
    """Make the peak resident size (VmHWM) the current one, so that it measures what follows."""
    Path("/proc/self/clear_refs").write_text("5")


def _peak_rss() -> int:
    return _status("VmHWM")


def per_source(corpus: Corpus, folder: Path) -> None:
    made = {"features": [], "candidates": [], "frequent_anchors": []}
    seconds = synthesis = 0.0
    text_bytes = 0
    for k in range(corpus.sources):
        started = time.perf_counter()
        source, posts, reactions = corpus.source(k)
        synthesis += time.perf_counter() - started
        text_bytes += sum(len(p.text.encode()) for p in posts)
        started = time.perf_counter()
        part = source_relations(source, posts, reactions)
        seconds += time.perf_counter() - started
        for name in made:
            made[name].append(getattr(part, name))
    n = corpus.records
    print(
        f"records            {n} in {corpus.sources} sources, {text_bytes / 1e6:.0f} MB of text ({synthesis:.0f} s to make)"
    )
    print(
        f"per-source step    {seconds:.1f} s: {n / seconds:.0f} records/s, {text_bytes / 1e6 / seconds:.2f} MB/s"
    )
    for name, tables in made.items():
        table = pa.concat_tables(tables)
        pq.write_table(table, folder / f"{name}.parquet")
        print(
            f"{name:<18} {table.num_rows} rows, {table.nbytes / 1e6:.1f} MB in memory ({table.nbytes / n:.0f} bytes/record)"
        )


def whole_corpus(records: int, folder: Path) -> None:
    corpus = Corpus(records)
    asked = []
    making = 0.0

    tables = [
        pq.read_table(folder / f"{name}.parquet") for name in ("features", "candidates", "frequent_anchors")
    ]

    def texts(rows: np.ndarray) -> list[str]:
        """The texts of the features' rows, made again from their post_ids."""
        nonlocal making
        started = time.perf_counter()
        asked.append(len(rows))
        found = corpus.texts(tables[0]["post_id"].take(pa.array(rows)).to_pylist())
        making += time.perf_counter() - started
        return found

    held = pa.total_allocated_bytes()
    pa.default_memory_pool().release_unused()
    before = _rss()
    _reset_peak_rss()
    started = time.perf_counter()
    relations = relate(*tables, texts)
    seconds = time.perf_counter() - started - making
    grown = _peak_rss() - before
    duplicates = relations.duplicate_of
    copies = sum(
        1 for k, v in duplicates.items() if k.startswith(("render", "export")) and v.startswith("page")
    )
    cross = sum(t.method == "features-cross-source" for t in relations.translations)
    print(f"whole-corpus step  {seconds:.1f} s: {records / seconds:.0f} records/s; texts asked for {sum(asked)} "
          f"({sum(asked) / records:.2f} per record, in {len(asked)} batches; {making:.1f} s to make them, "
          "not counted)")  # fmt: skip
    print(f"memory             the tables: {held / 1e6:.1f} MB of Arrow memory ({held / records:.0f} bytes/record); "
          f"the step: {grown / 1e6:.0f} MB more at its peak (resident, {grown / records:.0f} bytes/record); "
          f"in all {(held + grown) / records:.0f} bytes/record")  # fmt: skip
    print(f"relations          duplicate_of {len(duplicates)} (copies of a page post: {copies}); "
          f"translations {len(relations.translations)} ({cross} across sources)")  # fmt: skip


def datasketch_memory(records: int) -> None:
    from datasketch import MinHash, MinHashLSHEnsemble

    from diplocorpus.relate.republications import shingles

    corpus = Corpus(records)
    sketches = []
    for k in range(corpus.sources):
        for post in corpus.source(k)[1]:
            found = shingles(post.text)
            if len(found) >= 10:
                sketch = MinHash(num_perm=128, seed=1)
                sketch.update_batch([s.encode("utf-8") for s in sorted(found)])
                sketches.append((post.post_id, sketch, len(found)))
    before = _rss()
    _reset_peak_rss()
    index = MinHashLSHEnsemble(threshold=0.8, num_perm=128, num_part=8)
    index.index(sketches)
    grown = _peak_rss() - before
    print(f"datasketch         MinHashLSHEnsemble over {len(sketches)} records: {grown / 1e6:.0f} MB, "
          f"{grown / len(sketches):.0f} bytes/record; at 250000 records: {grown / len(sketches) * 250_000 / 1e9:.1f} GB")  # fmt: skip


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("records", nargs="?", type=int, default=50_000)
    parser.add_argument("--datasketch", type=int, metavar="RECORDS")
    parser.add_argument(
        "--tables", type=Path, metavar="FOLDER",
        help="keep the per-source tables in FOLDER; if they are there already, only run the whole-corpus step",
    )  # fmt: skip
    parser.add_argument("--whole-corpus", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    if args.datasketch:
        datasketch_memory(args.datasketch)
    elif args.whole_corpus:
        whole_corpus(args.records, args.whole_corpus)
    else:
        with tempfile.TemporaryDirectory() as temporary:
            folder = args.tables or Path(temporary)
            if not (folder / "features.parquet").exists():
                folder.mkdir(parents=True, exist_ok=True)
                per_source(Corpus(args.records), folder)
                sys.stdout.flush()
            command = [sys.executable, __file__, str(args.records), "--whole-corpus", str(folder)]
            subprocess.run(command, check=True)


if __name__ == "__main__":
    main(sys.argv[1:])

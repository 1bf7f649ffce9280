"""Throughput of the per-record path on one core: parsers, rows and languages.

    .venv/bin/python benchmarks/parsers.py [PACKAGE_DIR] [--repeat N]

Each figure is bytes of raw input (and records) over the best of N passes, timed in CPU
seconds of this one process (time.process_time), so other work on the machine inflates it
less than it would wall time. Printed, per input format:
- parse: decoded text to records (telegram-html, telegram-json and web-html on the golden
  inputs of tests/golden/; telegram-text and web-text on the seeds of data/raw/);
- parse+rows: the same, then `tables.post_rows` (posts, reactions and parse_issues rows);
and for the seeds as a whole:
- decode: raw bytes to text (`read.decode`), to add for read+parse figures;
- parse+rows, read+parse+rows: every seed;
- languages: `enrich.with_languages` on the seeds' post rows (lingua's models loaded first).
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from diplocorpus.enrich import with_languages
from diplocorpus.errors import FormatError
from diplocorpus.parsers import PARSERS, formats
from diplocorpus.read import decode, read_manifest
from diplocorpus.records import ParsedRecord
from diplocorpus.tables import post_rows

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests/golden"


@dataclass
class Input:
    source_id: str
    format: str
    name: str
    data: bytes
    text: str


def golden_inputs(fmt: str) -> list[Input]:
    return [
        Input(f"{fmt}/{p.parent.name}", fmt, p.name, p.read_bytes(), decode(p.read_bytes(), p.name))
        for p in sorted(GOLDEN.glob(f"{fmt}/*/input.*"))
    ]


def seed_inputs(package_dir: Path) -> list[Input]:
    inputs = []
    for entry in read_manifest(package_dir, formats()):
        data = (package_dir / "data/raw" / entry.path).read_bytes()
        text = decode(data, entry.path, entry.fields.get("encoding"))
        inputs.append(Input(entry.source_id, entry.format, entry.path, data, text))
    return inputs


def parse(item: Input) -> list:
    with contextlib.suppress(FormatError):  # the golden not-a-channel case
        return list(PARSERS[item.format](item.text))
    return []


def best_time(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best


def report(label: str, inputs: list[Input], records: int, seconds: float) -> None:
    size = sum(len(i.data) for i in inputs) / 1e6
    print(
        f"{label:<30} {len(inputs):>5} {size:>7.3f} {records:>8} {seconds * 1e3:>9.2f} "
        f"{size / seconds:>8.2f} {records / seconds:>10,.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("package_dir", nargs="?", type=Path, default=ROOT)
    parser.add_argument("--repeat", type=int, default=20, help="passes; the best is kept")
    args = parser.parse_args()
    repeat = args.repeat

    print(f"{'step':<30} {'files':>5} {'MB':>7} {'records':>8} {'best ms':>9} {'MB/s':>8} {'records/s':>10}")
    seeds = seed_inputs(args.package_dir)
    by_format = {fmt: [i for i in seeds if i.format == fmt] for fmt in ("telegram-text", "web-text")}
    by_format |= {fmt: golden_inputs(fmt) for fmt in ("telegram-html", "telegram-json", "web-html")}
    for fmt, inputs in by_format.items():
        records = sum(isinstance(r, ParsedRecord) for i in inputs for r in parse(i))
        report(
            f"{fmt} parse",
            inputs,
            records,
            best_time(lambda inputs=inputs: [parse(i) for i in inputs], repeat),
        )
        seconds = best_time(lambda inputs=inputs: [post_rows(i.source_id, parse(i)) for i in inputs], repeat)
        report(f"{fmt} parse+rows", inputs, records, seconds)

    records = sum(isinstance(r, ParsedRecord) for i in seeds for r in parse(i))
    decoding = best_time(lambda: [decode(i.data, i.name) for i in seeds], repeat)
    report("seeds decode", seeds, records, decoding)
    rows = best_time(lambda: [post_rows(i.source_id, parse(i)) for i in seeds], repeat)
    report("seeds parse+rows", seeds, records, rows)
    report("seeds read+parse+rows", seeds, records, decoding + rows)

    posts = [post_rows(i.source_id, parse(i))[0] for i in seeds]
    with_languages(posts[0][:1])  # lingua loads its models on first use
    report(
        "seeds languages",
        seeds,
        sum(map(len, posts)),
        best_time(lambda: [with_languages(p) for p in posts], repeat),
    )


if __name__ == "__main__":
    main()

"""Parser throughput on the golden inputs: prints, per format, bytes and records per second.

Run: .venv/bin/python benchmarks/parsers.py [REPEATS]
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

from diplocorpus.errors import FormatError
from diplocorpus.parsers import PARSERS
from diplocorpus.read import decode
from diplocorpus.records import ParsedRecord

GOLDEN = Path(__file__).resolve().parent.parent / "tests/golden"


def main(repeats: int) -> None:
    print(f"{'format':<14} {'files':>5} {'MB':>7} {'records':>8} {'best s':>8} {'MB/s':>7} {'records/s':>10}")
    for fmt in ("telegram-html", "telegram-json", "web-html"):
        texts = [decode(p.read_bytes(), p.name) for p in sorted(GOLDEN.glob(f"{fmt}/*/input.*"))]
        size = sum(len(t.encode()) for t in texts) / 1e6
        best = float("inf")
        records = 0
        for _ in range(repeats):
            started = time.perf_counter()
            records = 0
            for text in texts:
                with contextlib.suppress(FormatError):  # the not-a-channel case
                    records += sum(isinstance(i, ParsedRecord) for i in PARSERS[fmt](text))
            best = min(best, time.perf_counter() - started)
        print(
            f"{fmt:<14} {len(texts):>5} {size:>7.2f} {records:>8} {best:>8.3f} {size / best:>7.2f} {records / best:>10.0f}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)

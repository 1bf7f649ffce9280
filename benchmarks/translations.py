"""Precision and recall of translation pairing on the hand-built cases of tests/translations/.

    .venv/bin/python benchmarks/translations.py [PACKAGE_DIR]

Reads the posts of the built package (data/posts.parquet), runs the pairing on every case,
and prints each case's outcome, then precision, recall and F1 over all cases.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow.parquet as pq

from diplocorpus.evaluation import evaluate_translation_cases
from diplocorpus.relate.translations import THRESHOLD
from diplocorpus.rows import PostRow

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    package_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT
    posts = {
        p["post_id"]: PostRow(**p) for p in pq.read_table(package_dir / "data/posts.parquet").to_pylist()
    }
    counts, results = evaluate_translation_cases(ROOT / "tests/translations/cases.json", posts)
    for result in results:
        status = "ok" if result.found == result.expected else "WRONG"
        print(f"{status:5} {result.name}")
        for pair in sorted(result.found | result.expected):
            mark = "found" if pair in result.found else "missed"
            if pair in result.found and pair not in result.expected:
                mark = "false"
            print(f"        {mark:6} {pair[0]}->{pair[1]}  {result.evidence.get(pair, '')}")
    print()
    print(f"cases      {len(results)}")
    print(
        f"pairs      expected {counts.true_positives + counts.false_negatives}, found {counts.true_positives + counts.false_positives}"
    )
    pair_scores = [s for r in results for s in r.pair_scores]
    other_scores = [s for r in results for s in r.other_scores]
    print(
        f"scores     true pairs {min(pair_scores):.3f}..{max(pair_scores):.3f}; other candidates {min(other_scores):.3f}..{max(other_scores):.3f} (threshold {THRESHOLD})"
    )
    print(f"precision  {counts.precision:.3f}")
    print(f"recall     {counts.recall:.3f}")
    print(f"F1         {counts.f1:.3f}")


if __name__ == "__main__":
    main()

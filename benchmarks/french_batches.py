"""How the French recogniser's batches weigh on its time and memory.

    .venv/bin/python benchmarks/french_batches.py PACKAGE_DIR [--platform web|telegram] [--runs N] [--repeat N]

PACKAGE_DIR is a built package (a synthetic corpus of benchmarks/synth.py, built with the
models). The Latin-script runs of its posts from one platform (the first N) are tagged by
spaCy's French recogniser two ways, each in a process of its own:

- `spacy`: spaCy's own batches of 256 texts (`nlp.pipe` as published);
- `bounded`: the stage's batches of at most ner._FRENCH_BATCH_CHARACTERS characters.

For each it prints the CPU time (best of --repeat processes) and the peak resident memory
above the loaded model (its largest over them), and whether both ways found the same
entities.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from diplocorpus import ner

WAYS = ("spacy", "bounded")


def latin_runs(package_dir: Path, platform: str, limit: int) -> list[str]:
    sources = pq.read_table(package_dir / "data/sources.parquet", columns=["source_id", "platform"])
    chosen = {
        s
        for s, p in zip(*(sources.column(c).to_pylist() for c in sources.column_names), strict=True)
        if p == platform
    }
    posts = pq.read_table(package_dir / "data/posts.parquet", columns=["source_id", "text"])
    runs = []
    for source_id, text in zip(
        posts.column("source_id").to_pylist(), posts.column("text").to_pylist(), strict=True
    ):
        if source_id in chosen and text:
            runs.extend(ner.mask(text[a:b]) for a, b, script in ner.runs(text) if script != "cyrillic")
    return runs[:limit]


def child(package_dir: Path, platform: str, limit: int, way: str) -> None:
    """Tag the runs one way; print CPU seconds, peak memory above the loaded model, and a
    hash of the entities, as one JSON line."""
    runs = latin_runs(package_dir, platform, limit)
    nlp = ner._french()
    list(nlp.pipe(runs[:2]))  # the model loaded and warmed
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with ner.one_blas_thread():
        started = time.process_time()
        docs = list(nlp.pipe(runs) if way == "spacy" else ner.french_docs(runs))
        cpu = time.process_time() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    entities = json.dumps([[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in docs])
    print(
        json.dumps(
            {
                "cpu": cpu,
                "above_model_mb": (peak - loaded) / 1024,
                "entities": hashlib.sha256(entities.encode()).hexdigest(),
                "runs": len(runs),
                "characters": sum(map(len, runs)),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("package_dir", type=Path)
    parser.add_argument("--platform", choices=("web", "telegram"), default="web")
    parser.add_argument("--runs", type=int, default=600, help="how many runs to tag (the first ones)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=WAYS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.package_dir, args.platform, args.runs, args.child)
        return
    results: dict[str, list[dict[str, float | str]]] = {way: [] for way in WAYS}
    for _ in range(args.repeat):
        for way in WAYS:  # in turns, so that both meet much the same load
            out = subprocess.run(
                [sys.executable, __file__, str(args.package_dir), "--platform", args.platform,
                 "--runs", str(args.runs), "--child", way],
                check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
            results[way].append(json.loads(out.splitlines()[-1]))
    first = results[WAYS[0]][0]
    print(
        f"{first['runs']} {args.platform} runs, {int(first['characters']):,} characters; "
        f"batches of at most {ner._FRENCH_BATCH_CHARACTERS:,} characters against spaCy's 256 texts"
    )
    for way in WAYS:
        cpu = min(float(r["cpu"]) for r in results[way])
        memory = max(float(r["above_model_mb"]) for r in results[way])
        print(
            f"{way:8} CPU {cpu:6.2f} s (best of {args.repeat})   peak memory above the model {memory:7.0f} MB"
        )
    hashes = {str(r["entities"]) for rs in results.values() for r in rs}
    print("same entities both ways" if len(hashes) == 1 else "the entities DIFFER")


if __name__ == "__main__":
    main()

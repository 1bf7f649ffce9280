"""Measuring the enrichment against hand-made evaluation sets (tests/ and benchmarks/ use it)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diplocorpus.enrich import text_sha256
from diplocorpus.relate import adjacent_candidates, assess, profiles_of, translation_pairs
from diplocorpus.rows import PostRow


@dataclass
class Counts:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, found: set[Any], expected: set[Any]) -> None:
        self.true_positives += len(found & expected)
        self.false_positives += len(found - expected)
        self.false_negatives += len(expected - found)


@dataclass
class CaseResult:
    name: str
    found: set[tuple[int, int]]
    expected: set[tuple[int, int]]
    evidence: dict[tuple[int, int], str] = field(default_factory=dict)
    # Scores of every candidate the pairing looked at, true pairs and the others apart.
    pair_scores: list[float] = field(default_factory=list)
    other_scores: list[float] = field(default_factory=list)


def _drop_paragraphs(text: str, numbers: list[int]) -> str:
    paragraphs = text.split("\n")
    return "\n".join(p for n, p in enumerate(paragraphs, start=1) if n not in numbers)


def case_posts(items: list[Any], posts: Mapping[str, PostRow]) -> list[PostRow]:
    """The records of one hand-built case, as one source 'case' in the listed order."""
    out = []
    for position, item in enumerate(items, start=1):
        spec = {"post": item} if isinstance(item, str) else item
        post = posts[spec["post"]]
        text = post.text
        if text is not None and spec.get("drop_paragraphs"):
            text = _drop_paragraphs(text, spec["drop_paragraphs"])
        out.append(
            dataclasses.replace(
                post,
                post_id=f"case/L{position}",
                source_id="case",
                ordinal=position,
                text=text,
                n_chars=len(text or ""),
                text_sha256=text_sha256(text),
            )
        )
    return out


def evaluate_translation_cases(path: Path, posts: Mapping[str, PostRow]) -> tuple[Counts, list[CaseResult]]:
    """Run the pairing on every case of `path` and count pairs found against pairs expected."""
    spec = json.loads(path.read_text("utf-8"))
    counts = Counts()
    results = []
    for case in spec["cases"]:
        rows = case_posts(case["posts"], posts)
        index = {row.post_id: n for n, row in enumerate(rows)}
        pairs = translation_pairs(rows)
        found = {(index[p.source_post_id], index[p.target_post_id]) for p in pairs}
        expected = {(a, b) for a, b in case["pairs"]}
        counts.add(found, expected)
        evidence = {(index[p.source_post_id], index[p.target_post_id]): p.evidence for p in pairs}
        result = CaseResult(case["name"], found, expected, evidence)
        for source, target in adjacent_candidates(profiles_of(rows)):
            pair = (index[source.post_id], index[target.post_id])
            scores = result.pair_scores if pair in expected else result.other_scores
            scores.append(assess(source, target).score)
        results.append(result)
    return counts, results

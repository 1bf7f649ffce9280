"""Measuring the enrichment against hand-made evaluation sets (tests/ and benchmarks/ use it)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diplocorpus.enrich import text_sha256
from diplocorpus.relate import relate_all
from diplocorpus.relate.translations import adjacent_candidates, assess, profiles_of
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
        pairs = relate_all(rows).translations
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


# Entities, languages and dates against tests/eval/ (see its README).

NAMED = ("PER", "LOC", "ORG")


@dataclass
class EntityScores:
    by_type: dict[tuple[str, str], Counts] = field(default_factory=dict)  # (language, type)
    linked: int = 0  # gold mentions with an entity_id
    linked_found: int = 0  # ... whose span and type were found
    linked_right: int = 0  # ... and linked to the same entry
    stale: list[str] = field(default_factory=list)  # posts whose text changed since annotation

    def counts(self, language: str | None, types: tuple[str, ...]) -> Counts:
        total = Counts()
        for (lang, type_), c in self.by_type.items():
            if (language is None or lang == language) and type_ in types:
                total.true_positives += c.true_positives
                total.false_positives += c.false_positives
                total.false_negatives += c.false_negatives
        return total


def read_gold_entities(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def evaluate_entities(
    gold: list[dict[str, Any]], posts: Mapping[str, PostRow], found: Mapping[str, list[Any]]
) -> EntityScores:
    """Exact-match precision and recall per language and type, and linking accuracy.

    `found` maps a post_id to its mentions (anything with start, end, type, entity_id). A
    mention counts when its span and type equal the gold's; a link counts when, on top of
    that, its entity_id is the gold's.
    """
    scores = EntityScores()
    for annotated in gold:
        post = posts[annotated["post_id"]]
        if post.text_sha256 != annotated["text_sha256"]:
            scores.stale.append(post.post_id)
            continue
        language = annotated["language"]
        expected = {(e["start"], e["end"], e["type"]): e["entity_id"] for e in annotated["entities"]}
        predicted = {(m.start, m.end, m.type): m.entity_id for m in found.get(post.post_id, [])}
        for type_ in {k[2] for k in expected} | {k[2] for k in predicted}:
            counts = scores.by_type.setdefault((language, type_), Counts())
            counts.add({k for k in predicted if k[2] == type_}, {k for k in expected if k[2] == type_})
        for key, entity_id in expected.items():
            if entity_id and key[2] in NAMED:
                scores.linked += 1
                if key in predicted:
                    scores.linked_found += 1
                    scores.linked_right += predicted[key] == entity_id
    return scores


def read_gold_posts(path: Path) -> dict[str, dict[str, str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as f:
        return {row["post_id"]: row for row in csv.DictReader(f)}


# Telegram's own marks in a Desktop export's text_entities, as the rules' types.
_MARK_TYPES = {"link": "URL", "hashtag": "HASHTAG", "mention": "MENTION"}
Span3 = tuple[int, int, str]  # start, end, type


@dataclass
class MarkComparison:
    """The rules against the marks Telegram itself put on messages: counts per type, and
    the disagreements as (message id, type, surface, 'missed' or 'added')."""

    counts: dict[str, Counts] = field(
        default_factory=lambda: {kind: Counts() for kind in _MARK_TYPES.values()}
    )
    disagreements: list[tuple[Any, str, str, str]] = field(default_factory=list)

    def add(self, message_id: Any, text: str, found: set[Span3], marks: set[Span3]) -> None:
        """Count one message's finds against its marks, both as (start, end, type)."""
        for kind, counts in self.counts.items():
            counts.add({f for f in found if f[2] == kind}, {m for m in marks if m[2] == kind})
        for start, end, kind in sorted(marks - found):
            self.disagreements.append((message_id, kind, text[start:end], "missed"))
        for start, end, kind in sorted(found - marks):
            self.disagreements.append((message_id, kind, text[start:end], "added"))


def golden_telegram_files(golden: Path) -> tuple[list[Path], list[Path]]:
    """The real Telegram Desktop exports and saved t.me/s pages under `golden` (the golden
    tests' folder), the page without a channel left out: the inputs of the comparisons
    below."""
    exports = sorted(golden.glob("telegram-json/*/input.json"))
    pages = [
        p
        for p in sorted(golden.glob("telegram-html/*/input.html"))
        if (p.parent / "expected/posts.csv").is_file()
    ]
    return exports, pages


def compare_rules_with_telegram_marks(*exports: Path) -> MarkComparison:
    """Run the rules on each message's text in Telegram Desktop exports (`result.json`),
    and compare what they find with the links, hashtags and @mentions that Telegram marked
    (`text_entities` of type link, hashtag, mention: a link written as text, not a text link).

    The export keeps one mark per stretch of text: inside a bold or quoted stretch it keeps
    the formatting and drops any link or hashtag there. So a rule's find counts as added
    only where every character is plain or marked text; a mark is always counted.
    """
    from diplocorpus.rules import find_rule_entities

    comparison = MarkComparison()
    messages = (
        m for export in exports for m in json.loads(export.read_text(encoding="utf-8")).get("messages", [])
    )
    for message in messages:
        pieces = message.get("text_entities") or []
        text = "".join(piece["text"] for piece in pieces)
        marks: set[tuple[int, int, str]] = set()
        plain = bytearray(len(text))
        at = 0
        for piece in pieces:
            end = at + len(piece["text"])
            if piece["type"] in _MARK_TYPES:
                marks.add((at, end, _MARK_TYPES[piece["type"]]))
            if piece["type"] in _MARK_TYPES or piece["type"] == "plain":
                plain[at:end] = b"\x01" * (end - at)
            at = end
        found = {
            (m.start, m.end, m.type)
            for m in find_rule_entities(text)
            if m.type in comparison.counts
            and ((m.start, m.end, m.type) in marks or all(plain[m.start : m.end]))
        }
        comparison.add(message.get("id"), text, found, marks)
    return comparison


def compare_rules_with_page_marks(*pages: Path) -> MarkComparison:
    """Run the rules on the text of each post of saved t.me/s pages, and compare what
    they find with the links, hashtags and @mentions that Telegram marked there, as the
    telegram-html parser reads them. A link counts when its text is its own address
    ('vtosters.app' to http://vtosters.app/): a link under other words ('по ссылке') is
    none that a rule could find."""
    from diplocorpus.parsers.telegram_html import parse
    from diplocorpus.records import ParsedRecord
    from diplocorpus.rules import find_rule_entities

    comparison = MarkComparison()
    for record in (r for page in pages for r in parse(page.read_text(encoding="utf-8"))):
        if not isinstance(record, ParsedRecord) or not record.text:
            continue
        text = record.text
        marks = {
            (s.start, s.end, s.type)
            for s in record.entities
            if s.type != "URL" or _address(s.surface) == _address(s.url or "")
        }
        found = {(m.start, m.end, m.type) for m in find_rule_entities(text) if m.type in comparison.counts}
        comparison.add(record.message_id, text, found, marks)
    return comparison


def _address(url: str) -> str:
    """A link's address without its scheme or final '/', in lower case."""
    return url.partition("://")[2].rstrip("/").lower() if "://" in url else url.rstrip("/").lower()

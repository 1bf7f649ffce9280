"""DESIGN.md's invariants, on the seeds and on the committed package."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, SEEDS, parse_seed, seed_text
from diplocorpus.build import build
from diplocorpus.figures import FIGURES
from diplocorpus.records import ParsedIssue, ParsedRecord
from diplocorpus.schema import TABLES

CONTENT_ROLES = {
    "text",
    "copy",
    "title",
    "lede",
    "caption",
    "link",
    "byline",
    "attribution",
    "date",
    "dateline",
}


def _is_subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(c in it for c in needle)


@pytest.mark.parametrize("source_id", sorted(SEEDS))
def test_nothing_lost(source_id: str) -> None:
    """Every non-blank raw line lies in exactly one record's span or in an issue's span."""
    lines = seed_text(source_id).split("\n")
    items = parse_seed(source_id)
    in_records = [0] * (len(lines) + 1)
    in_issues = [False] * (len(lines) + 1)
    for item in items:
        for n in range(item.line_start, item.line_end + 1):
            if isinstance(item, ParsedRecord):
                in_records[n] += 1
            else:
                in_issues[n] = True
    for n, line in enumerate(lines, start=1):
        if line.strip():
            assert in_records[n] == 1 or (in_records[n] == 0 and in_issues[n]), n


@pytest.mark.parametrize("source_id", sorted(SEEDS))
def test_every_line_of_a_record_has_a_role_and_content_lines_reach_the_record(source_id: str) -> None:
    lines = seed_text(source_id).split("\n")
    items = parse_seed(source_id)
    dropped = {
        n
        for i in items
        if isinstance(i, ParsedIssue)
        and i.code in ("boilerplate", "read_more", "repeated_headline", "page_chrome")
        for n in range(i.line_start, i.line_end + 1)
    }
    for record in (r for r in items if isinstance(r, ParsedRecord)):
        text_lines = (record.text or "").split("\n")
        fields = [
            record.title,
            record.lede,
            record.byline,
            record.attribution,
            *record.captions,
            *record.links,
        ]
        for n in range(record.line_start, record.line_end + 1):
            line = lines[n - 1].strip()
            if not line or n in dropped:
                continue
            role = record.roles.get(n)
            assert role is not None, (source_id, n)
            if role in ("text", "copy"):
                # The doubled copy is the only thing removed: each copy is within the merge.
                assert any(_is_subsequence(line, t) for t in text_lines), (source_id, n)
            elif role == "dateline":
                assert line.startswith(record.dateline)
                assert line[len(record.dateline) :].strip() in text_lines
            elif role == "date":
                assert record.date_min is not None
            elif role in CONTENT_ROLES:
                assert line in fields, (source_id, n, role)
            else:
                assert role in ("forwarded", "marker", "reactions"), role


DOCUMENTS = ("datapackage.json", "croissant.json", "CITATION.cff", ".zenodo.json", "README.md")


def _digests(directory) -> dict[str, str]:
    files = sorted(
        [
            *directory.glob("data/*.parquet"),
            *directory.glob("data/*.csv"),
            *directory.glob("docs/figures/*.png"),
            *(directory / name for name in DOCUMENTS),
        ]
    )
    return {str(f.relative_to(directory)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


@pytest.fixture
def package_with_readme(package):
    shutil.copy(ROOT / "README.md", package / "README.md")
    return package


def test_rebuild_is_byte_identical(package_with_readme) -> None:
    build(package_with_readme)
    first = _digests(package_with_readme)
    build(package_with_readme)
    assert _digests(package_with_readme) == first
    assert len(first) == 2 * len(TABLES) + len(FIGURES) + len(DOCUMENTS)


def test_committed_package_is_what_the_build_makes(package_with_readme) -> None:
    build(package_with_readme)
    assert _digests(package_with_readme) == _digests(ROOT)


def test_frictionless_validate_passes_on_the_committed_package() -> None:
    frictionless = [sys.executable, "-m", "frictionless", "validate", "--trusted", "datapackage.json"]
    done = subprocess.run(frictionless, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]

"""Golden tests of the telegram-html, telegram-json and web-html parsers on real files.

Each case is tests/golden/<format>/<case>/input.*; its expected rows are in expected/
(posts.csv, reactions.csv, parse_issues.csv, spans.csv, or error.txt for an input that
is not of its format). Rewrite them with `pytest --update-golden` and read the diff.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import lxml.html
import pytest

from conftest import GOLDEN
from diplocorpus.enrich import with_languages
from diplocorpus.errors import FormatError
from diplocorpus.parsers import PARSERS
from diplocorpus.read import decode
from diplocorpus.records import ParsedRecord
from diplocorpus.tables import post_ids, post_rows, to_table
from diplocorpus.write import to_csv

FORMATS = ("telegram-html", "telegram-json", "web-html")
CASES = sorted((fmt, case.name) for fmt in FORMATS for case in (GOLDEN / fmt).iterdir() if case.is_dir())


def case_dir(fmt: str, case: str) -> Path:
    return GOLDEN / fmt / case


def case_input(fmt: str, case: str) -> str:
    path = next(case_dir(fmt, case).glob("input.*"))
    return decode(path.read_bytes(), path.name)


def parse_case(fmt: str, case: str) -> list:
    return list(PARSERS[fmt](case_input(fmt, case)))


def spans_csv(source_id: str, items: list) -> bytes:
    records = [i for i in items if isinstance(i, ParsedRecord)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["post_id", "start", "end", "type", "surface", "url", "source_type"])
    for post_id, record in zip(post_ids(source_id, records), records, strict=True):
        for s in record.entities:
            writer.writerow([post_id, s.start, s.end, s.type, s.surface, s.url or "", s.source_type])
    return out.getvalue().encode("utf-8")


def golden_files(fmt: str, case: str) -> dict[str, bytes]:
    """What the parser makes of a case, as the files of its expected/ folder."""
    try:
        items = parse_case(fmt, case)
    except FormatError as err:
        return {"error.txt": f"line {err.line}: {err}\n".encode()}
    posts, reactions, issues = post_rows(case, items)
    posts = with_languages(posts)
    return {
        "posts.csv": to_csv(to_table("posts", posts)),
        "reactions.csv": to_csv(to_table("reactions", reactions)),
        "parse_issues.csv": to_csv(to_table("parse_issues", issues)),
        "spans.csv": spans_csv(case, items),
    }


@pytest.mark.parametrize(("fmt", "case"), CASES)
def test_case_equals_its_golden_files(fmt: str, case: str, update_golden: bool) -> None:
    made = golden_files(fmt, case)
    expected_dir = case_dir(fmt, case) / "expected"
    if update_golden:
        expected_dir.mkdir(exist_ok=True)
        for stale in expected_dir.iterdir():
            stale.unlink()
        for name, data in made.items():
            (expected_dir / name).write_bytes(data)
    expected = {p.name: p.read_bytes() for p in sorted(expected_dir.iterdir())}
    assert sorted(made) == sorted(expected)
    for name in expected:
        assert made[name].decode() == expected[name].decode(), name


def messages_in_file(fmt: str, case: str) -> int:
    """Messages counted straight from the file, without the parser."""
    text = case_input(fmt, case)
    if fmt == "telegram-json":
        return len(json.loads(text)["messages"])
    root = lxml.html.document_fromstring(text.encode(), parser=lxml.html.HTMLParser(encoding="utf-8"))
    return len(
        root.xpath("//div[contains(concat(' ', normalize-space(@class), ' '), ' tgme_widget_message ')]")
    )


@pytest.mark.parametrize(
    ("fmt", "case"), [(f, c) for f, c in CASES if f != "web-html" and c != "not-a-channel"]
)
def test_one_record_per_message_of_the_file(fmt: str, case: str) -> None:
    records = [i for i in parse_case(fmt, case) if isinstance(i, ParsedRecord)]
    assert len(records) == messages_in_file(fmt, case)


@pytest.mark.parametrize(("fmt", "case"), [(f, c) for f, c in CASES if c != "not-a-channel"])
def test_spans_point_into_the_record_text(fmt: str, case: str) -> None:
    for record in (i for i in parse_case(fmt, case) if isinstance(i, ParsedRecord)):
        for span in record.entities:
            assert record.text is not None and record.text[span.start : span.end] == span.surface
            assert span.surface == span.surface.strip() and span.type in ("HASHTAG", "MENTION", "URL")


@pytest.mark.parametrize(("fmt", "case"), [(f, c) for f, c in CASES if c != "not-a-channel"])
def test_every_non_blank_line_is_in_one_record_or_an_issue(fmt: str, case: str) -> None:
    lines = case_input(fmt, case).split("\n")
    items = parse_case(fmt, case)
    in_records = [0] * (len(lines) + 2)
    in_issues = [False] * (len(lines) + 2)
    for item in items:
        for n in range(item.line_start, item.line_end + 1):
            if isinstance(item, ParsedRecord):
                in_records[n] += 1
            else:
                in_issues[n] = True
    for n, line in enumerate(lines, start=1):
        if line.strip():
            assert in_records[n] == 1 or (in_records[n] == 0 and in_issues[n]), (case, n)

"""DESIGN.md's invariants, on the seeds and on the committed package."""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from conftest import ROOT, SEEDS, parse_seed, seed_text
from diplocorpus.build import build
from diplocorpus.figures import FIGURES
from diplocorpus.records import ParsedIssue, ParsedRecord
from diplocorpus.schema import TABLES
from diplocorpus.validate import validate_package
from test_golden_formats import case_dir, case_input, messages_in_file

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
        assert list(record.roles) == sorted(record.roles), (source_id, record.line_start)  # in line order
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
            *(directory / name for name in DOCUMENTS if (directory / name).exists()),
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


# The richer formats, on packages built in temporary folders from the golden inputs
# (real files of unrelated channels and sites: they never enter the corpus itself).
FORMAT_SOURCES = [
    ("telegram-json", "salaf-2025"),
    ("telegram-json", "trantor-reactions"),
    ("telegram-json", "tg2md-2020-integer-ids"),
    ("telegram-json", "private-group-2022"),
    ("telegram-html", "antichristone"),
    ("telegram-html", "excelhackru"),
    ("telegram-html", "topwar-full"),
    ("telegram-html", "video-fragment"),
    ("web-html", "fivethirtyeight-manchin"),
    ("web-html", "ultimahora-infanta"),
]


def make_package(root, sources: list[tuple[str, str, str, str]]):
    """A package directory whose raw files are (source_id, file name, format, text)."""
    raw = root / "data/raw"
    raw.mkdir(parents=True)
    rows = ["source_id,path,format,handle"]
    for source_id, name, fmt, text in sources:
        (raw / name).write_text(text, encoding="utf-8")
        handle = "vtosters" if source_id.startswith("vt") else ""
        rows.append(f"{source_id},{name},{fmt},{handle}")
    (raw / "sources.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def formats_package(tmp_path_factory):
    sources = []
    for fmt, case in FORMAT_SOURCES:
        path = next(case_dir(fmt, case).glob("input.*"))
        sources.append((case.replace("-", "_"), f"{case}{path.suffix}", fmt, path.read_text("utf-8")))
    package = make_package(tmp_path_factory.mktemp("formats"), sources)
    build(package)
    return package


def test_new_formats_build_into_a_valid_package(formats_package) -> None:
    """Keys, spans against the raw files (nothing lost), schemas and Frictionless all hold."""
    assert validate_package(formats_package) == []


def test_new_formats_make_one_post_per_message(formats_package) -> None:
    posts = pq.read_table(formats_package / "data/posts.parquet").to_pylist()
    for fmt, case in FORMAT_SOURCES:
        made = sum(p["source_id"] == case.replace("-", "_") for p in posts)
        assert made == (1 if fmt == "web-html" else messages_in_file(fmt, case)), case


@pytest.mark.parametrize("which", ["committed", "formats"])
def test_entities_are_written_by_post_then_start(which, request) -> None:
    """The order in which validation checks the entities as they are read, holding none."""
    package = ROOT if which == "committed" else request.getfixturevalue("formats_package")
    post_ids = pq.read_table(package / "data/posts.parquet", columns=["post_id"]).column("post_id")
    row = {post_id: i for i, post_id in enumerate(post_ids.to_pylist())}
    mentions = pq.read_table(package / "data/entities.parquet", columns=["post_id", "start"]).to_pylist()
    keys = [(row[m["post_id"]], m["start"]) for m in mentions]
    assert len(keys) > 10
    assert keys == sorted(set(keys))


def test_new_formats_rebuild_byte_identical(formats_package) -> None:
    first = _digests(formats_package)
    build(formats_package)
    assert _digests(formats_package) == first


# A text render of two posts of the vtosters channel, built for this test from the texts
# of the saved page tests/golden/telegram-html/vtosters (its post 1434 laid out as renders
# lay out a multi-line post: first line and body, then the body again). The page shows no
# reactions; the reaction lines here only close each post, as in renders.
VTOSTERS_RENDER = """VTLite
0.4.22
Скачать обновление
Список изменений:
[+] Добавлена поддержка архитектуры arm64-v8a
[~] Стала возможной работа приложения на устройствах только с 64-битной архитектурой (например, Pixel 7/Pixel 7 Pro)
[~] Улучшена производительность клиента, сторис и telegram-стикеров на устройствах с 64-битной архитектурой
0.4.22
Скачать обновление
Список изменений:
[+] Добавлена поддержка архитектуры arm64-v8a
[~] Стала возможной работа приложения на устройствах только с 64-битной архитектурой (например, Pixel 7/Pixel 7 Pro)
[~] Улучшена производительность клиента, сторис и telegram-стикеров на устройствах с 64-битной архитектурой
👍1
Скоро 🎉
❤1
Un message que la page n'a pas
👍1
"""


def test_a_post_read_twice_points_to_its_richer_copy(tmp_path) -> None:
    page = case_input("telegram-html", "vtosters")
    package = make_package(
        tmp_path,
        [
            ("vt_page", "vtosters.html", "telegram-html", page),
            ("vt_render", "vtosters.txt", "telegram-text", VTOSTERS_RENDER),
        ],
    )
    summary = build(package)
    posts = pq.read_table(package / "data/posts.parquet").to_pylist()
    render = [(p["raw_line_start"], p["duplicate_of"]) for p in posts if p["source_id"] == "vt_render"]
    assert render == [(1, "vt_page/1434"), (15, "vt_page/1440"), (17, None)]
    # The page's only duplicate is the channel posting the same advertisement twice.
    page = {
        p["post_id"]: p["duplicate_of"] for p in posts if p["source_id"] == "vt_page" and p["duplicate_of"]
    }
    assert page == {"vt_page/1458": "vt_page/1443"}
    assert summary.duplicates == 3
    distinct = [p for p in posts if p["duplicate_of"] is None]
    assert len(distinct) == 16 - 1 + 1


def test_what_the_input_marks_becomes_entity_rows(formats_package) -> None:
    """Every hashtag, mention and link a Desktop export or a t.me/s page marks is an entity
    row of method telegram-export, at the span the parser read."""
    entities = pq.read_table(formats_package / "data/entities.parquet").to_pylist()
    found = {
        (e["post_id"], e["start"], e["end"], e["type"]) for e in entities if e["method"] == "telegram-export"
    }
    expected = set()
    for fmt, case in FORMAT_SOURCES:
        spans = case_dir(fmt, case) / "expected/spans.csv"
        if spans.exists():
            with spans.open(encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    post_id = row["post_id"].replace(case, case.replace("-", "_"), 1)
                    expected.add((post_id, int(row["start"]), int(row["end"]), row["type"]))
    assert expected and found == expected

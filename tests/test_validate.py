"""Validation on small hand-made packages: a valid one passes, and each kind of broken row
gives a problem that names the file, the row and what is wrong."""

from __future__ import annotations

import codecs
import datetime as dt
import doctest
import hashlib
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diplocorpus import models, validate
from diplocorpus.enrich import text_sha256
from diplocorpus.flavour import WITHOUT_TEXT
from diplocorpus.rows import TABLE_ROWS
from diplocorpus.schema import TABLES, arrow_schema
from diplocorpus.validate import (
    _HeldMentions,
    _MemoryTable,
    _StreamedMentions,
    _SurfaceCheck,
    validate_files,
    validate_tables,
)

RAW = (
    "Заявление МИД России\n"  # 1  post tg/L1
    "👍5❤2\n"  # 2
    "\n"  # 3
    "Déclaration du MID de Russie\n"  # 4  post tg/L4
    "👍3\n"  # 5
    "\n"  # 6
    "3.45K subscribers\n"  # 7  parse issue
)
RU, FR = "Заявление МИД России", "Déclaration du MID de Russie"

Rows = dict[str, list[dict[str, Any]]]


def row(table: str, **values: Any) -> dict[str, Any]:
    """A row of `table` with every field not given null."""
    return {name: values.get(name) for name in TABLE_ROWS[table].__dataclass_fields__}


def post(line_start: int, line_end: int, text: str, language: str) -> dict[str, Any]:
    return row(
        "posts",
        post_id=f"tg/L{line_start}",
        source_id="tg",
        ordinal=1 if line_start == 1 else 2,
        kind="post",
        text=text,
        language=language,
        languages=language,
        n_chars=len(text),
        raw_line_start=line_start,
        raw_line_end=line_end,
        text_sha256=text_sha256(text),
    )


def tiny_rows(raw: bytes = RAW.encode(), encoding: str = "utf-8") -> Rows:
    """Two posts of one channel, a Russian statement and its French translation, with
    reactions, entities (one ending its text), a catalogue and a parse issue."""
    return {
        "sources": [
            row(
                "sources",
                source_id="tg",
                path="tg.txt",
                format="telegram-text",
                platform="telegram",
                url="https://t.me/s/tg",
                language="ru",
                sha256=hashlib.sha256(raw).hexdigest(),
                bytes=len(raw),
                encoding=encoding,
            )
        ],
        "posts": [post(1, 2, RU, "ru"), post(4, 5, FR, "fr")],
        "reactions": [
            row("reactions", post_id="tg/L1", rank=1, emoji="👍", type="emoji", count=5),
            row("reactions", post_id="tg/L1", rank=2, emoji="❤", type="emoji", count=2),
            row("reactions", post_id="tg/L4", rank=1, emoji="👍", type="emoji", count=3),
        ],
        "entities": [
            row("entities", post_id="tg/L1", start=10, end=13, surface="МИД", type="ORG", method="rule"),
            row(
                "entities",
                post_id="tg/L1",
                start=14,
                end=20,
                surface="России",
                type="LOC",
                entity_id="russia",
                method="catalog",
            ),
            row("entities", post_id="tg/L4", start=22, end=28, surface="Russie", type="LOC", method="rule"),
        ],
        "translations": [
            row(
                "translations",
                source_post_id="tg/L1",
                target_post_id="tg/L4",
                source_language="ru",
                target_language="fr",
                score=0.9,
                method="features-adjacent",
                evidence="adjacent, same names",
            )
        ],
        "entity_catalog": [
            row(
                "entity_catalog",
                entity_id="russia",
                type="LOC",
                label_fr="Russie",
                label_ru="Россия",
                label_en="Russia",
                origin="curated",
            )
        ],
        "parse_issues": [
            row(
                "parse_issues",
                source_id="tg",
                raw_line_start=7,
                raw_line_end=7,
                code="page_chrome",
                message="3.45K subscribers",
            )
        ],
    }


def to_tables(rows: Rows) -> dict[str, pa.Table]:
    # Nullable fields, so that a test can put a null where the schema forbids one.
    return {
        name: pa.Table.from_pylist(
            rows[name], schema=pa.schema(f.with_nullable(True) for f in arrow_schema(name))
        )
        for name in TABLES
    }


def write_package(root: Path, rows: Rows, raw: bytes = RAW.encode()) -> Path:
    (root / "data/raw").mkdir(parents=True)
    (root / "data/raw/tg.txt").write_bytes(raw)
    for name, table in to_tables(rows).items():
        pq.write_table(table, root / f"data/{name}.parquet")
    return root


def problems_of(tmp_path: Path, rows: Rows, raw: bytes = RAW.encode()) -> list[str]:
    package = write_package(tmp_path / "pkg", rows, raw)
    return validate_files(package / "data", package)


def test_the_tiny_package_is_valid(tmp_path: Path) -> None:
    assert problems_of(tmp_path, tiny_rows()) == []
    assert validate_tables(to_tables(tiny_rows()), write_package(tmp_path / "again", tiny_rows())) == []


def test_row_order_does_not_matter(tmp_path: Path) -> None:
    rows = tiny_rows()
    for name in TABLES:
        rows[name].reverse()
    assert problems_of(tmp_path, rows) == []


def test_empty_tables_are_valid(tmp_path: Path) -> None:
    rows = tiny_rows()
    for name in ("reactions", "entities", "translations", "entity_catalog"):
        rows[name] = []
    assert problems_of(tmp_path, rows) == []


def test_without_posts_every_reference_to_them_is_a_problem(tmp_path: Path) -> None:
    rows = tiny_rows()
    rows["posts"] = []
    problems = problems_of(tmp_path, rows)
    for where in ("reactions", "entities"):
        assert f"data/{where}.parquet: post_id not found in posts.post_id in 3 row(s)" in " ".join(problems)
    assert "data/raw/tg.txt: 4 non-blank line(s) in no record and no parse issue: 1, 2, 4, 5" in problems


def change(table: str, index: int, **values: Any) -> Callable[[Rows], None]:
    def apply(rows: Rows) -> None:
        rows[table][index].update(values)

    return apply


def append(table: str, index: int, **values: Any) -> Callable[[Rows], None]:
    def apply(rows: Rows) -> None:
        rows[table].append({**rows[table][index], **values})

    return apply


def drop(table: str, index: int) -> Callable[[Rows], None]:
    return lambda rows: rows[table].pop(index)


P = "data/posts.parquet: "
E = "data/entities.parquet: "
R = "data/reactions.parquet: "
T = "data/translations.parquet: "
I = "data/parse_issues.parquet: "  # noqa: E741
S = "data/sources.parquet: "

BROKEN = {
    # The Table Schemas' constraints.
    "required": (
        change("posts", 1, kind=None),
        P + "kind is null but required in 1 row(s), e.g. row 2 (post_id='tg/L4', kind=None)",
    ),
    "empty string": (
        change("posts", 0, url=""),
        P
        + "url is an empty string (missing values are null) in 1 row(s), e.g. row 1 (post_id='tg/L1', url='')",
    ),
    "enum": (
        change("reactions", 2, type="sticker"),
        R
        + "type is not one of the schema's values in 1 row(s), e.g. row 3 (post_id='tg/L4', rank=1, type='sticker')",
    ),
    "minimum": (
        change("reactions", 1, count=-1),
        R + "count is below the minimum 0 in 1 row(s), e.g. row 2 (post_id='tg/L1', rank=2, count=-1)",
    ),
    "maximum": (
        change("translations", 0, score=1.5),
        T + "score is above the maximum 1 in 1 row(s), e.g. row 1 (source_post_id='tg/L1', "
        "target_post_id='tg/L4', score=1.5)",
    ),
    "not a number": (
        change("translations", 0, score=math.nan),
        T + "score is not a number (NaN) in 1 row(s)",
    ),
    "pattern": (
        change("sources", 0, language="russian"),
        S
        + "language does not match ^([a-z]{2}|und)$ in 1 row(s), e.g. row 1 (source_id='tg', language='russian')",
    ),
    "uri": (change("sources", 0, url="t.me/s/tg"), S + "url is not a URI with a scheme in 1 row(s)"),
    # Row rules.
    "span order": (
        change("parse_issues", 0, raw_line_end=6),
        I
        + "breaks raw_line_start <= raw_line_end in 1 row(s), e.g. row 1 (source_id='tg', raw_line_start=7, "
        "code='page_chrome', raw_line_end=6)",
    ),
    "post id": (
        change("posts", 1, raw_line_start=3),
        P + "breaks post_id is <source_id>/L<raw_line_start> or <source_id>/<message_id> in 1 row(s)",
    ),
    "edited": (
        change("posts", 0, edited_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)),
        P + "breaks edited_at only where edited is true in 1 row(s)",
    ),
    "dates": (
        change("posts", 0, date_min=dt.date(2025, 2, 1), date_max=dt.date(2025, 1, 1)),
        P + "breaks date_min <= date_max in 1 row(s), e.g. row 1 (post_id='tg/L1', date_min=2025-02-01, "
        "date_max=2025-01-01)",
    ),
    "language": (
        change("posts", 1, language=None),
        P + "breaks language is null exactly for service records",
    ),
    "duplicate of itself": (
        change("posts", 1, duplicate_of="tg/L4"),
        P + "breaks duplicate_of is not the post itself in 1 row(s)",
    ),
    "n_chars": (
        change("posts", 0, n_chars=3),
        P + "breaks n_chars == len(text) in 1 row(s), e.g. row 1 (post_id='tg/L1', n_chars=3)",
    ),
    "same languages": (
        change("translations", 0, target_language="ru"),
        T + "breaks source_language != target_language in 1 row(s)",
    ),
    "empty span": (change("entities", 0, end=10, surface="М"), E + "breaks start < end in 1 row(s)"),
    "surface length": (
        change("entities", 0, surface="МИДа"),
        E + "breaks len(surface) == end - start in 1 row(s), e.g. row 1 (post_id='tg/L1', start=10, end=13, "
        "surface='МИДа')",
    ),
    # The texts.
    "text hash": (
        change("posts", 1, text_sha256="0" * 64),
        P + "text_sha256 differs from the hash of text in 1 row(s), e.g. row 2 (post_id='tg/L4', "
        "text_sha256='00000000",
    ),
    "surface": (
        change("entities", 1, surface="Россия"),
        E + "text[start:end] of its post differs from surface in 1 row(s), e.g. row 2 (post_id='tg/L1', "
        "start=14, end=20, surface='Россия'): the text has 'России'",
    ),
    "surface past the text": (
        change("entities", 2, start=23, end=29, surface="ussie."),
        E + "text[start:end] of its post differs from surface in 1 row(s), e.g. row 3 (post_id='tg/L4', "
        "start=23, end=29, surface='ussie.'): the text has 'ussie'",
    ),
    # Keys.
    "primary key": (
        append("reactions", 0, count=7),
        R
        + "(post_id, rank) is not unique: 2 row(s) share a value, e.g. post_id='tg/L1', rank=1 in rows 1, 4",
    ),
    "table twice": (
        lambda rows: rows["reactions"].extend([dict(r) for r in rows["reactions"]]),
        R
        + "(post_id, rank) is not unique: 6 row(s) share a value, e.g. post_id='tg/L1', rank=1 in rows 1, 4; "
        "post_id='tg/L1', rank=2 in rows 2, 5; post_id='tg/L4', rank=1 in rows 3, 6",
    ),
    "unique": (
        append("translations", 0, source_post_id="tg/L4", source_language="fr", target_language="fr"),
        T + "target_post_id is not unique: 2 row(s) share a value, e.g. target_post_id='tg/L4' in rows 1, 2",
    ),
    "foreign key": (
        change("reactions", 2, post_id="tg/L9"),
        R + "post_id not found in posts.post_id in 1 row(s), e.g. row 3 (post_id='tg/L9', rank=1)",
    ),
    "foreign key to itself": (
        change("posts", 1, duplicate_of="tg/L2"),
        P
        + "duplicate_of not found in posts.post_id in 1 row(s), e.g. row 2 (post_id='tg/L4', duplicate_of='tg/L2')",
    ),
    "foreign key to the catalogue": (
        change("entities", 1, entity_id="moscow"),
        E + "entity_id not found in entity_catalog.entity_id in 1 row(s)",
    ),
    "foreign key to sources": (
        change("parse_issues", 0, source_id="tv"),
        I + "source_id not found in sources.source_id in 1 row(s)",
    ),
    # Across tables.
    "issue outside its post": (
        change("parse_issues", 0, post_id="tg/L4"),
        I
        + "raw lines outside the span of its post in 1 row(s), e.g. row 1 (source_id='tg', raw_line_start=7, "
        "code='page_chrome', raw_line_end=7, post_id='tg/L4')",
    ),
    "translation language": (
        change("posts", 1, language="en", languages="en"),
        T + "target_language differs from the language of its post in 1 row(s)",
    ),
    "overlap": (
        append("entities", 0, start=11, end=13, surface="ИД"),
        E
        + "span overlaps the previous mention of its post in 1 row(s), e.g. row 4 (post_id='tg/L1', start=11, "
        "end=13) overlaps row 1 (start=10, end=13)",
    ),
    "overlap in post order": (
        lambda rows: rows["entities"].insert(1, {**rows["entities"][0], "start": 11, "surface": "ИД"}),
        E
        + "span overlaps the previous mention of its post in 1 row(s), e.g. row 2 (post_id='tg/L1', start=11, "
        "end=13) overlaps row 1 (start=10, end=13)",
    ),
    "ranks": (
        change("reactions", 1, rank=3),
        R + "ranks are not 1..n under 1 post(s), e.g. post_id='tg/L1' has ranks [1, 3]",
    ),
    "ordinals": (
        change("posts", 1, ordinal=3),
        P + "ordinal is not its place in its source, in raw-line order in 1 row(s)",
    ),
    "ordinals against the raw lines": (
        lambda rows: [rows["posts"][0].update(ordinal=2), rows["posts"][1].update(ordinal=1)],
        P
        + "ordinal is not its place in its source, in raw-line order in 1 row(s), e.g. row 1 (post_id='tg/L1', "
        "source_id='tg', ordinal=2, raw_line_start=1, raw_line_end=2)",
    ),
    # The raw files.
    "lost line": (
        drop("parse_issues", 0),
        "data/raw/tg.txt: 1 non-blank line(s) in no record and no parse issue: 7",
    ),
    "span past the file": (
        change("parse_issues", 0, raw_line_end=9),
        "data/raw/tg.txt: a span ends at line 9, past the file's 8 lines",
    ),
    "bytes": (
        change("sources", 0, bytes=1),
        S + f"bytes of source 'tg' is 1, the file has {len(RAW.encode())}",
    ),
    "raw changed": (
        change("sources", 0, sha256="0" * 64),
        "data/raw/tg.txt: raw file changed since the build (sha256 differs); rebuild",
    ),
    "raw missing": (
        change("sources", 0, path="gone.txt"),
        "data/raw/gone.txt: raw file of source 'tg' is missing",
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_each_check_names_what_is_wrong(tmp_path: Path, case: str) -> None:
    breaks, expected = BROKEN[case]
    rows = tiny_rows()
    breaks(rows)
    problems = problems_of(tmp_path, rows)
    assert any(p.startswith(expected) for p in problems), "\n".join(problems)


@pytest.mark.parametrize("batch_rows", [1, validate.BATCH_ROWS])
@pytest.mark.parametrize("case", BROKEN)
def test_mentions_streamed_or_held_give_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, batch_rows: int
) -> None:
    """Entities in post order are checked as they are read (in batches of any size, one
    row making every mention cross a batch boundary); the same checks on their held keys,
    as entities in any other order get, report the same problems."""
    rows = tiny_rows()
    BROKEN[case][0](rows)
    package = write_package(tmp_path / "pkg", rows)
    monkeypatch.setattr(validate, "BATCH_ROWS", batch_rows)
    streamed = validate_files(package / "data", package)
    assert any(p.startswith(BROKEN[case][1]) for p in streamed), "\n".join(streamed)
    monkeypatch.setattr(validate._MentionOrder, "_follow", lambda self, batch, offset: False)
    assert validate_files(package / "data", package) == streamed


@pytest.fixture(scope="module")
def tiny_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_package(tmp_path_factory.mktemp("tiny") / "pkg", tiny_rows())


MENTION = st.tuples(
    st.sampled_from(["tg/L1", "tg/L4", "tg/L9"]),  # tg/L9 is no post
    st.integers(0, 30),
    st.integers(0, 30),
    st.booleans(),
    st.sampled_from([None, "russia", "moscow"]),  # moscow is not in the catalogue
)


@settings(max_examples=150, deadline=None)
@given(st.lists(MENTION, max_size=12), st.sampled_from([1, 2, 3, validate.BATCH_ROWS]), st.booleans())
def test_any_mentions_streamed_or_held_give_the_same_report(
    tiny_package: Path,
    mentions: list[tuple[str, int, int, bool, str | None]],
    batch_rows: int,
    in_order: bool,
) -> None:
    """Any mentions (overlapping, repeated, past their text, of no post, linked nowhere), in
    post order or not, read in batches of any size: the same problems, streamed or held."""
    texts = {"tg/L1": RU, "tg/L4": FR}
    if in_order:
        mentions = sorted(mentions, key=lambda m: (list(texts).index(m[0]) if m[0] in texts else 9, m[1]))
    rows = tiny_rows()
    rows["entities"] = [
        row(
            "entities",
            post_id=post_id,
            start=start,
            end=end,
            surface=texts.get(post_id, "")[start:end] + ("" if right else "x"),
            type="LOC",
            entity_id=entity_id,
            method="rule",
        )
        for post_id, start, end, right, entity_id in mentions
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate, "BATCH_ROWS", batch_rows)
        streamed = validate_tables(to_tables(rows), tiny_package)
        patch.setattr(validate._MentionOrder, "_follow", lambda self, batch, offset: False)
        assert validate_tables(to_tables(rows), tiny_package) == streamed


@pytest.mark.parametrize("batch_rows", [1, 2, validate.BATCH_ROWS])
def test_mentions_in_post_order_are_not_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_rows: int
) -> None:
    monkeypatch.setattr(validate, "BATCH_ROWS", batch_rows)
    held: list[list[str]] = []
    keep = validate._held
    monkeypatch.setattr(
        validate, "_held", lambda stored, columns: held.append(columns) or keep(stored, columns)
    )
    assert problems_of(tmp_path / "in order", tiny_rows()) == []
    assert held == []
    rows = tiny_rows()
    rows["entities"].reverse()
    assert problems_of(tmp_path / "reversed", rows) == []
    assert held == [["post_id", "start", "end"]]


def test_in_memory_tables_are_named_by_table(tmp_path: Path) -> None:
    rows = tiny_rows()
    rows["reactions"][1]["count"] = -1
    package = write_package(tmp_path / "pkg", tiny_rows())
    assert validate_tables(to_tables(rows), package) == [
        "reactions: count is below the minimum 0 in 1 row(s), e.g. row 2 (post_id='tg/L1', rank=2, count=-1)"
    ]


def test_without_text_withheld_columns_must_be_null(tmp_path: Path) -> None:
    rows = tiny_rows()
    rows["parse_issues"][0]["message"] = None
    for p in rows["posts"]:
        p["text"] = None
    assert validate_tables(to_tables(rows), tmp_path, WITHOUT_TEXT) == []  # no raw files needed
    rows["posts"][1]["text"] = FR
    assert validate_tables(to_tables(rows), tmp_path, WITHOUT_TEXT) == [
        "posts: text is withheld in this flavour but not null in 1 row(s), e.g. row 2 (post_id='tg/L4')"
    ]


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    package = write_package(tmp_path / "pkg", tiny_rows())
    (package / "data/reactions.parquet").unlink()
    (package / "data/entities.parquet").write_text("not parquet", encoding="utf-8")
    problems = validate_files(package / "data", package)
    assert problems[0] == "data/reactions.parquet: missing"
    assert problems[1].startswith("data/entities.parquet: not a readable Parquet file (")
    assert len(problems) == 2


def test_columns_and_types_against_the_schema(tmp_path: Path) -> None:
    package = write_package(tmp_path / "pkg", tiny_rows())
    reactions = pq.read_table(package / "data/reactions.parquet")
    changed = reactions.drop_columns(["emoji"]).append_column("likes", pa.array([1, 2, 3]))
    changed = changed.set_column(changed.schema.get_field_index("count"), "count", pa.array(["5", "2", "3"]))
    pq.write_table(changed, package / "data/reactions.parquet")
    pq.write_table(
        pq.read_table(package / "data/sources.parquet").select(
            ["path", "source_id", *arrow_schema("sources").names[2:]]
        ),
        package / "data/sources.parquet",
    )
    assert validate_files(package / "data", package) == [
        "data/sources.parquet: columns are not in the schema's order ("
        + ", ".join(arrow_schema("sources").names)
        + ")",
        "data/reactions.parquet: no column emoji",
        "data/reactions.parquet: column(s) likes not in schemas/reactions.schema.json",
        "data/reactions.parquet: count is string, the schema says int64",
    ]


@pytest.mark.parametrize(
    ("encoding", "raw"),
    [
        ("utf-8-sig", codecs.BOM_UTF8 + RAW.replace("\n", "\r\n").encode()),
        ("cp1251", RAW.replace("👍5❤2", "5 2").replace("👍3", "3").replace("é", "e").encode("cp1251")),
        ("utf-16", RAW.encode("utf-16")),
    ],
)
def test_raw_lines_are_read_as_the_build_reads_them(tmp_path: Path, encoding: str, raw: bytes) -> None:
    """Byte order marks, CRLF newlines and other encodings give the same lines."""
    rows = tiny_rows(raw, encoding)
    assert problems_of(tmp_path / "valid", rows, raw) == []
    rows["parse_issues"].pop()
    assert problems_of(tmp_path / "lost", rows, raw) == [
        "data/raw/tg.txt: 1 non-blank line(s) in no record and no parse issue: 7"
    ]


def test_a_raw_file_that_does_not_decode(tmp_path: Path) -> None:
    raw = RAW.encode("cp1251", errors="replace")
    problems = problems_of(tmp_path, tiny_rows(raw), raw)
    assert problems == [
        "data/raw/tg.txt:1: bytes are not valid utf-8 (invalid continuation byte at byte 0); "
        "declare the file's encoding in the encoding column of sources.csv"
    ]


def test_blank_lines_may_hold_any_unicode_space(tmp_path: Path) -> None:
    raw = RAW.replace("\n\n3.45K", "\n\u00a0\u2003\t\n3.45K").encode()
    assert problems_of(tmp_path, tiny_rows(raw), raw) == []


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(TEXT, st.integers(0, 32), st.integers(0, 32), st.booleans()), min_size=1, max_size=8),
    st.booleans(),
)
def test_surfaces_are_compared_as_python_slices_them(
    mentions: list[tuple[str, int, int, bool]], streamed: bool
) -> None:
    """One post per mention: the byte-wise comparison agrees with text[start:end] == surface,
    for any text, any offsets (inside the text or not) and right or wrong surfaces, with
    the mentions held or read alongside the posts."""
    texts = [text for text, *_ in mentions]
    ids = [f"p/{i}" for i in range(len(mentions))]
    surfaces = []
    for text, start, end, right in mentions:
        surfaces.append(text[start:end] if right else text[start:end] + "x")
    entities = pa.table(
        {
            "post_id": ids,
            "start": [start for _, start, _, _ in mentions],
            "end": [end for _, _, end, _ in mentions],
            "surface": surfaces,
        }
    )
    if streamed:
        found = _StreamedMentions(_MemoryTable("entities", "entities", entities))
    else:
        found = _HeldMentions(entities, np.arange(len(mentions)), entities.column("surface").combine_chunks())
    check = _SurfaceCheck("entities", found)
    check.check(pa.array(texts), pa.array(ids), 0)
    found.finish()
    expected = sum(
        text[start:end] != surface for (text, start, end, _), surface in zip(mentions, surfaces, strict=True)
    )
    assert check.tally.count == expected


def test_docstring_examples() -> None:
    assert doctest.testmod(models).failed == 0

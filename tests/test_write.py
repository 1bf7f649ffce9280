"""The table files: row groups whatever the batches, and CSV twins as Python's csv module writes them."""

from __future__ import annotations

import csv
import datetime as dt
import doctest
import hashlib
import io
from dataclasses import fields

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diplocorpus import tables, write
from diplocorpus.records import ParsedRecord
from diplocorpus.rows import PostRow, ReactionRow
from diplocorpus.tables import to_table
from diplocorpus.write import TableWriter, csv_rows, file_facts


def python_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


TEXT = st.text(st.characters(blacklist_characters="\r", blacklist_categories=("Cs",)))


@settings(deadline=None)
@given(st.lists(st.tuples(TEXT, st.none() | TEXT), min_size=1, max_size=20))
def test_string_cells_are_quoted_as_python_csv_quotes_them(rows: list[tuple[str, str | None]]) -> None:
    table = pa.table({"a": [a for a, _ in rows], "b": pa.array([b for _, b in rows]).dictionary_encode()})
    assert csv_rows(table) == python_csv([[a, b or ""] for a, b in rows])


def test_typed_cells() -> None:
    when = dt.datetime(2025, 2, 18, 9, 30, 5, 123456, tzinfo=dt.UTC)
    table = pa.table(
        {
            "at": pa.array([when, None], pa.timestamp("us", tz="UTC")),
            "day": pa.array([dt.date(2025, 2, 18), None]),
            "flag": pa.array([True, False]),
            "n": pa.array([3, None], pa.int64()),
            "score": pa.array([0.638, 0.1 + 0.2]),
        }
    )
    assert csv_rows(table) == b"2025-02-18T09:30:05Z,2025-02-18,true,3,0.638\n,,false,,0.30000000000000004\n"


def test_a_carriage_return_is_quoted_so_no_reader_takes_it_for_a_line_end() -> None:
    # Python's csv module leaves it bare when the line terminator is "\n".
    assert csv_rows(pa.table({"a": ["x\ry", "z"]})) == b'"x\ry"\nz\n'


def test_cells_of_a_sliced_table_of_several_chunks() -> None:
    rows = [["a,1", "x"], ["b", None], ['c"', "y"], ["d", "x"], ["e\nf", None]]
    part = pa.table({"a": [r[0] for r in rows], "b": pa.array([r[1] for r in rows]).dictionary_encode()})
    table = pa.concat_tables([part.slice(0, 2), part.slice(2)]).slice(1, 3)
    assert table.column("a").num_chunks == 2
    assert csv_rows(table) == python_csv([[a, b or ""] for a, b in rows[1:4]])


@pytest.mark.parametrize("batches", [[7], [2, 4, 1], [1] * 7, [3, 0, 4]])
def test_row_groups_are_the_same_whatever_the_batches(tmp_path, monkeypatch, batches: list[int]) -> None:
    monkeypatch.setattr(write, "ROW_GROUPS", {"reactions": 3})
    rows = [ReactionRow(f"tg/L{i}", 1, "👍", None, None, i) for i in range(7)]
    (tmp_path / "data").mkdir()
    with TableWriter(tmp_path, "reactions") as writer:
        at = 0
        for n in batches:
            writer.write(to_table("reactions", rows[at : at + n]))
            at += n
    written = pq.ParquetFile(tmp_path / "data/reactions.parquet")
    assert [written.metadata.row_group(i).num_rows for i in range(written.num_row_groups)] == [3, 3, 1]
    assert written.read().equals(to_table("reactions", rows))
    assert (tmp_path / "data/reactions.csv").read_bytes().count(b"\n") == 8


def test_a_writer_gives_the_size_and_hash_of_the_files_it_wrote(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(write, "ROW_GROUPS", {"reactions": 2})
    rows = [ReactionRow(f"tg/L{i}", 1, "👍", None, None, i) for i in range(5)]
    (tmp_path / "data").mkdir()
    facts: dict[str, tuple[int, str]] = {}
    with TableWriter(tmp_path, "reactions", facts=facts) as writer:
        writer.write(to_table("reactions", rows))
    assert facts == {
        path: file_facts(tmp_path / path) for path in ("data/reactions.parquet", "data/reactions.csv")
    }
    assert facts["data/reactions.csv"][0] == len((tmp_path / "data/reactions.csv").read_bytes()) > 0


@given(st.lists(st.sampled_from(["emoji", "paid", "custom_emoji", None]), max_size=20))
def test_a_dictionary_column_lists_its_values_as_they_first_appear(types: list[str | None]) -> None:
    rows = [ReactionRow(f"tg/{i}", 1, "👍", t, None, 1) for i, t in enumerate(types)]
    column = to_table("reactions", rows).column("type").combine_chunks()
    assert column.equals(pa.array(types, pa.string()).dictionary_encode())
    assert column.dictionary.to_pylist() == list(dict.fromkeys(t for t in types if t is not None))


def test_tables_docstring_examples() -> None:
    assert doctest.testmod(tables).failed == 0


def test_a_post_row_takes_each_field_from_the_record_attribute_of_its_name() -> None:
    # Every attribute a distinct value, so a value passed to the wrong field shows.
    record = ParsedRecord(kind="post", line_start=3, line_end=9, text="Texte é")
    for number, f in enumerate(fields(ParsedRecord), start=1):
        if f.name not in ("kind", "line_start", "line_end", "text", "roles", "entities"):
            setattr(record, f.name, (f"v{number}",) if isinstance(f.default, tuple) else f"v{number}")
    row = tables.post_row("src", 7, "src/L3", record)
    from_record = {f.name for f in fields(ParsedRecord)} & {f.name for f in fields(PostRow)}
    assert {name: getattr(row, name) for name in from_record} == {
        name: "\n".join(value) if isinstance(value, tuple) else value
        for name in from_record
        for value in [getattr(record, name)]
    }
    assert (row.post_id, row.source_id, row.ordinal, row.n_chars) == ("src/L3", "src", 7, 7)
    assert (row.raw_line_start, row.raw_line_end) == (3, 9)
    assert row.text_sha256 == hashlib.sha256("Texte é".encode()).hexdigest()
    assert (row.language, row.languages, row.duplicate_of) == (None, None, None)

"""The documents derived from a package's Parquet files: what they read, the statistics they
compute, and figures that stay drawable when a corpus has many sources and posts."""

from __future__ import annotations

import doctest
import shutil
import statistics
import struct
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT
from diplocorpus import columns, figures
from diplocorpus.columns import median
from diplocorpus.figures import FIGURES_DIR, MOST_BARS, MOST_POST_BARS, MOST_SERIES, draw_figures
from diplocorpus.rows import PostRow, ReactionRow, SourceRow
from diplocorpus.schema import TABLES
from diplocorpus.tables import to_table
from diplocorpus.write import write_documents

# Columns holding texts or long strings: the documents never need them.
TEXT_COLUMNS = {"text", "title", "lede", "captions", "links", "media_items", "evidence", "surface", "message"}
DOCUMENTS = ("croissant.json", "CITATION.cff", ".zenodo.json")


def test_docstring_examples() -> None:
    for module in (columns, figures):
        assert doctest.testmod(module).failed == 0


@given(st.lists(st.integers(min_value=-(2**40), max_value=2**40), min_size=1))
def test_median_is_what_statistics_gives(values: list[int]) -> None:
    assert median(pa.array(values, pa.int64())) == statistics.median(values)


def test_median_of_a_chunked_column() -> None:
    assert median(pa.chunked_array([[5, 1], [4], [2]])) == 3.0


@pytest.fixture
def staged(tmp_path: Path) -> tuple[Path, Path]:
    """A stage holding the committed tables and datapackage.json, and a package directory
    holding the committed README."""
    stage, package_dir = tmp_path / "stage", tmp_path / "package"
    (stage / "data").mkdir(parents=True)
    package_dir.mkdir()
    for name in TABLES:
        shutil.copy(ROOT / f"data/{name}.parquet", stage / f"data/{name}.parquet")
    shutil.copy(ROOT / "datapackage.json", stage / "datapackage.json")
    shutil.copy(ROOT / "README.md", package_dir / "README.md")
    return stage, package_dir


def test_documents_of_the_committed_tables_are_the_committed_documents(staged) -> None:
    stage, package_dir = staged
    write_documents(stage, package_dir)
    assert not (stage / "README.md").exists()  # written only when its blocks change
    for name in (*DOCUMENTS, *(f"{FIGURES_DIR}/{figure}" for figure in figures.FIGURES)):
        assert (stage / name).read_bytes() == (ROOT / name).read_bytes(), name


def test_documents_read_named_columns_and_no_text(staged, monkeypatch: pytest.MonkeyPatch) -> None:
    stage, package_dir = staged
    read: list[tuple[str, list[str] | None]] = []
    read_table = pq.read_table

    def recording(source, *args, columns=None, **kwargs):
        read.append((Path(source).name, columns))
        return read_table(source, *args, columns=columns, **kwargs)

    monkeypatch.setattr(pq, "read_table", recording)
    write_documents(stage, package_dir)
    assert read, "the documents read no table"
    assert all(wanted is not None for _, wanted in read), read
    assert not {c for _, wanted in read for c in wanted or ()} & TEXT_COLUMNS


# A package with more sources and posts than the figures show one by one.


def _source(source_id: str) -> SourceRow:
    fields = dict.fromkeys(SourceRow.__slots__)
    fields.update(
        source_id=source_id,
        path=f"{source_id}.txt",
        format="telegram-text",
        platform="telegram",
        language="und",
        sha256="0" * 64,
        bytes=1,
        encoding="utf-8",
    )
    return SourceRow(**fields)


def _post(source_id: str, ordinal: int) -> PostRow:
    fields = dict.fromkeys(PostRow.__slots__)
    fields.update(
        post_id=f"{source_id}/L{ordinal}",
        source_id=source_id,
        ordinal=ordinal,
        kind="post",
        language="fr" if ordinal % 3 else "ru",
        n_chars=ordinal,
        raw_line_start=ordinal,
        raw_line_end=ordinal,
    )
    return PostRow(**fields)


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", png[16:24])


def test_figures_of_many_sources_show_the_largest(tmp_path: Path) -> None:
    n_sources = MOST_BARS + 10
    sources = [_source(f"s{i:02d}") for i in range(n_sources)]
    # Source i has 260 + i posts: the largest sources, which the reactions figure shows, have
    # more posts than it draws as bars.
    posts = [_post(s.source_id, k) for i, s in enumerate(sources) for k in range(1, 261 + i)]
    assert sum(260 + i for i in range(n_sources - MOST_SERIES, n_sources)) > MOST_POST_BARS
    reactions = [ReactionRow(p.post_id, 1, "👍", "emoji", None, p.ordinal) for p in posts]
    tables = {name: to_table(name, []) for name in TABLES}
    tables |= {
        "sources": to_table("sources", sources),
        "posts": to_table("posts", posts),
        "reactions": to_table("reactions", reactions),
    }
    for name, table in tables.items():
        pq.write_table(table, tmp_path / f"{name}.parquet")
    drawn = draw_figures(tmp_path)
    # One bar per source would make the figure 0.5 inch per source taller (at 100 dpi).
    width, height = _png_size(drawn[f"{FIGURES_DIR}/records_per_source_language.png"])
    assert (width, height) == (700, int(100 * (0.5 * MOST_BARS + 1.6)))
    assert _png_size(drawn[f"{FIGURES_DIR}/translation_coverage.png"])[1] == int(
        100 * (0.4 * MOST_BARS + 1.6)
    )
    assert _png_size(drawn[f"{FIGURES_DIR}/reactions_per_post.png"]) == (700, 320)

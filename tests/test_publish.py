"""Publication metadata: one source of truth (package.py), generated files that agree with
it and with the data, and the validators each format has."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from conftest import ROOT
from diplocorpus import __version__, card, package
from diplocorpus.card import composition
from diplocorpus.citation import citation_cff, zenodo_json, zenodo_metadata, zenodo_problems
from diplocorpus.croissant import croissant_json
from diplocorpus.docs import BLOCKS, block
from diplocorpus.figures import draw_figures
from diplocorpus.flavour import KEPT_STRINGS, WITHHELD
from diplocorpus.rows import ParseIssueRow, PostRow, ReactionRow, SourceRow
from diplocorpus.schema import TABLES, table_schema
from diplocorpus.tables import to_table

BIN = Path(sys.executable).parent


def load(name: str):
    text = (ROOT / name).read_text("utf-8")
    return yaml.safe_load(text) if name.endswith(".cff") else json.loads(text)


def test_version_title_license_and_description_agree_everywhere() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["version"] == package.VERSION == __version__
    assert project["description"] == package.SUMMARY and package.DESCRIPTION.startswith(package.SUMMARY)
    assert project["license"] == package.CODE_LICENSE
    assert (ROOT / "LICENSE").read_text("utf-8").startswith("MIT License")
    datapackage, citation, zenodo, croissant = (
        load(n) for n in ("datapackage.json", "CITATION.cff", ".zenodo.json", "croissant.json")
    )
    assert datapackage["version"] == citation["version"] == zenodo["version"] == croissant["version"]
    assert datapackage["version"] == package.VERSION
    assert datapackage["title"] == citation["title"] == zenodo["title"] == croissant["alternateName"]
    assert datapackage["title"] == package.TITLE
    assert datapackage["description"] == croissant["description"] == package.DESCRIPTION
    assert citation["abstract"].startswith(package.DESCRIPTION)
    assert zenodo["description"].startswith(f"<p>{package.DESCRIPTION}</p>")
    assert datapackage["licenses"][0]["name"] == citation["license"] == package.DATA_LICENSE
    assert zenodo["license"] == package.DATA_LICENSE.lower()
    assert croissant["license"] == datapackage["licenses"][0]["path"]
    assert citation["date-released"] == zenodo["publication_date"] == package.CREATED[:10]
    assert citation["type"] == "dataset" and zenodo["upload_type"] == "dataset"
    for text in (citation["abstract"], zenodo["notes"], croissant["usageInfo"]):
        assert "belong to their publishers" in text and package.CODE_LICENSE in text


def test_committed_metadata_files_are_the_generated_ones() -> None:
    assert (ROOT / "CITATION.cff").read_text("utf-8") == citation_cff()
    assert (ROOT / ".zenodo.json").read_text("utf-8") == zenodo_json()
    descriptor = load("datapackage.json")
    assert (ROOT / "croissant.json").read_text("utf-8") == croissant_json(descriptor)


def test_languages_of_the_records_are_declared() -> None:
    languages = set(pq.read_table(ROOT / "data/posts.parquet", columns=["language"]).column(0).to_pylist())
    assert languages - {None, "und"} <= set(package.LANGUAGES)


def test_zenodo_json_follows_the_documented_rules() -> None:
    assert zenodo_problems(load(".zenodo.json")) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"upload_type": "data"}, "upload_type: 'data' is not one of"),
        ({"creators": []}, "creators: [] should be non-empty"),
        (
            {"creators": [{"name": "X", "type": "Editor"}]},
            "creators/0: Additional properties are not allowed",
        ),
        ({"language": "fr"}, "language: 'fr' does not match"),
        ({"publication_date": "23/11/2026"}, "publication_date: '23/11/2026' does not match"),
        (
            {"related_identifiers": [{"identifier": "x", "relation": "isAbout"}]},
            "relation: 'isAbout' is not one of",
        ),
        ({"upload_type": "publication"}, "(top): 'publication_type' is a required property"),
        ({"license": None}, "(top): 'license' is a required property"),
        ({"funding": "x"}, "(top): Additional properties are not allowed ('funding' was unexpected)"),
    ],
)
def test_zenodo_check_catches_each_broken_rule(change: dict, problem: str) -> None:
    metadata = {**zenodo_metadata(), **change}
    metadata = {k: v for k, v in metadata.items() if v is not None}
    problems = zenodo_problems(metadata)
    assert len(problems) == 1 and problem in problems[0], problems


def _tool(path: Path) -> Path:
    """A validator's executable; missing is a failure in CI, a skip on a workstation."""
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: `make test` installs it")
        pytest.skip(f"{path} not installed (run `make test` once)")
    return path


def test_cffconvert_validates_citation_cff() -> None:
    cffconvert = _tool(ROOT / ".venv-cff/bin/cffconvert")
    done = subprocess.run(
        [cffconvert, "--validate", "-i", "CITATION.cff"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_citation_cff_against_the_vendored_cff_schema() -> None:
    check = _tool(BIN / "check-jsonschema")
    args = [check, "--builtin-schema", "vendor.citation-file-format", "CITATION.cff"]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ci_workflow_against_the_vendored_github_schema() -> None:
    check = _tool(BIN / "check-jsonschema")
    args = [check, "--builtin-schema", "vendor.github-workflows", ".github/workflows/ci.yml"]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "bash .ci/run" in (ROOT / ".github/workflows/ci.yml").read_text("utf-8")


def test_mlcroissant_validates_croissant_json() -> None:
    mlcroissant = _tool(BIN / "mlcroissant")
    done = subprocess.run(
        [mlcroissant, "validate", "--jsonld", "croissant.json"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_mlcroissant_loads_every_record_set_whole() -> None:
    import mlcroissant

    dataset = mlcroissant.Dataset(jsonld=str(ROOT / "croissant.json"))
    names = [rs.name for rs in dataset.metadata.record_sets]
    assert names == list(TABLES)
    for record_set in dataset.metadata.record_sets:
        table = pq.read_table(ROOT / f"data/{record_set.name}.parquet")
        records = list(dataset.records(record_set=record_set.uuid))
        assert len(records) == table.num_rows, record_set.name
        assert set(records[0]) == {f"{record_set.name}/{f}" for f in table.schema.names}
        key = table_schema(record_set.name)["primaryKey"][0]
        loaded = [r[f"{record_set.name}/{key}"] for r in records]
        assert [v.decode() if isinstance(v, bytes) else v for v in loaded] == table.column(key).to_pylist()


@pytest.mark.parametrize("name", list(BLOCKS))
def test_readme_blocks_are_what_the_tables_give(name: str) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    expected = BLOCKS[name][2](ROOT / "data")
    assert block(readme, name) == expected.strip("\n"), "run: make build"


def test_committed_figures_are_what_the_tables_give() -> None:
    for path, png in draw_figures(ROOT / "data").items():
        assert (ROOT / path).read_bytes() == png, path
        assert f"]({path})" in (ROOT / "README.md").read_text("utf-8")


def test_every_string_column_is_declared_withheld_or_kept() -> None:
    for table in TABLES:
        strings = {f["name"] for f in table_schema(table)["fields"] if f["type"] == "string"}
        withheld, kept = set(WITHHELD.get(table, ())), set(KEPT_STRINGS.get(table, ()))
        assert not withheld & kept, table
        assert strings == withheld | kept, f"{table}: declare {strings ^ (withheld | kept)} in flavour.py"


def _post(
    post_id: str, source_id: str, ordinal: int, kind: str, language: str | None, n_chars: int
) -> PostRow:
    fields = dict.fromkeys(PostRow.__slots__)
    fields.update(
        post_id=post_id,
        source_id=source_id,
        ordinal=ordinal,
        kind=kind,
        language=language,
        n_chars=n_chars,
        raw_line_start=ordinal,
        raw_line_end=ordinal,
    )
    return PostRow(**fields)


def test_data_card_numbers_come_from_the_tables(tmp_path: Path) -> None:
    source = dict.fromkeys(SourceRow.__slots__)
    sources = [
        SourceRow(
            **{
                **source,
                "source_id": s,
                "path": f"{s}.txt",
                "format": "telegram-text",
                "platform": "telegram",
                "language": "und",
                "sha256": "0" * 64,
                "bytes": 1,
                "encoding": "utf-8",
            }
        )
        for s in ("a", "b")
    ]
    posts = [
        _post("a/L1", "a", 1, "post", "fr", 10),
        _post("a/L2", "a", 2, "post", "ru", 30),
        _post("a/L3", "a", 3, "service", None, 5),
        _post("b/L1", "b", 1, "post", "fr", 20),
    ]
    reactions = [
        ReactionRow("a/L1", 1, "👍", "emoji", None, 7),
        ReactionRow("a/L1", 2, None, "custom_emoji", None, 2),
        ReactionRow("b/L1", 1, "👍", "emoji", None, 4),
    ]
    issues = [ParseIssueRow("b", 2, 2, None, "page_chrome", "chrome")]
    tables = {
        "sources": to_table("sources", sources),
        "posts": to_table("posts", posts),
        "reactions": to_table("reactions", reactions),
        "parse_issues": to_table("parse_issues", issues),
        "entities": to_table("entities", []),
        "translations": to_table("translations", []),
        "entity_catalog": to_table("entity_catalog", []),
    }
    for name, table in tables.items():
        pq.write_table(table, tmp_path / f"{name}.parquet")
    card = composition(tmp_path)
    assert "| `posts` | 4 |" in card and "| `reactions` | 3 |" in card
    assert "| `a` | telegram-text | und | 2 | 0 | 1 | 2 | 9 | 0 |" in card
    assert "| `b` | telegram-text | und | 1 | 0 | 0 | 1 | 4 | 1 |" in card
    assert "| `fr` | 2 | 0 | 0 |" in card and "| `ru` | 1 | 0 | 0 |" in card
    assert "| none (service record) | 0 | 0 | 1 |" in card
    assert "| post | 3 | 10 | 20 | 30 | 60 |" in card
    assert "Reactions: 2 of 3 Telegram posts show reactions (3 reaction rows, counts summing to 13)" in card
    assert "ranges from 4 to 9, median 6.5" in card
    assert "| 👍 | 2 | 11 |" in card and "| (bare count: custom emoji or paid stars) | 1 | 2 |" in card
    assert "Dates: 0 of 4 records carry a publication time; 0 carry a publication date" in card
    assert "| `page_chrome` | 1 |" in card


def test_data_card_dates_span_to_the_latest_bound_known(tmp_path: Path) -> None:
    """Telegram intervals are often open above: the span ends at the latest date of either bound."""
    day = datetime.date.fromisoformat
    pq.write_table(
        pa.table(
            {
                "published_at": pa.array([None, None, None], pa.timestamp("s", tz="UTC")),
                "date_min": [day("2022-07-31"), day("2025-02-18"), None],
                "date_max": [day("2022-07-31"), None, None],
                "date_source": ["native", "text", None],
            }
        ),
        tmp_path / "posts.parquet",
    )
    assert card._dates(tmp_path) == (
        "Dates: 0 of 3 records carry a publication time; 2 carry a publication date or date range, "
        "the dates known spanning 2022-07-31 to 2025-02-18 (date taken from: native 1, text 1)."
    )

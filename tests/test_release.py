"""Release bundles: byte-identical, complete, and valid once unpacked, with and without text."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from conftest import ROOT
from diplocorpus.build import build
from diplocorpus.cli import main
from diplocorpus.flavour import FLAVOUR_KEY, WITHHELD, WITHOUT_TEXT
from diplocorpus.release import CHECKSUMS, bundle_name, release
from diplocorpus.schema import TABLES
from diplocorpus.validate import document_problems, validate_package, validate_tables


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    package = tmp_path_factory.mktemp("release") / "pkg"
    shutil.copytree(ROOT / "data/raw", package / "data/raw")
    shutil.copy(ROOT / "README.md", package / "README.md")
    build(package)
    return package


def unpack(bundle: Path, into: Path) -> Path:
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(into)
    return into / bundle.name.removesuffix(".zip")


@pytest.mark.parametrize("without_text", [False, True])
def test_release_twice_gives_the_same_bytes(built: Path, tmp_path: Path, without_text: bool) -> None:
    first = release(built, tmp_path / "one", without_text=without_text)
    second = release(built, tmp_path / "two", without_text=without_text)
    assert first.path.name == f"{bundle_name(without_text)}.zip"
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256 == hashlib.sha256(first.path.read_bytes()).hexdigest()


def test_full_bundle_unpacks_to_a_valid_package_with_its_raw_files(built: Path, tmp_path: Path) -> None:
    bundle = release(built, tmp_path / "dist")
    folder = unpack(bundle.path, tmp_path / "out")
    names = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert {
        "datapackage.json",
        "README.md",
        "CITATION.cff",
        ".zenodo.json",
        "croissant.json",
        CHECKSUMS,
    } <= names
    assert {f"data/{t}.{s}" for t in TABLES for s in ("parquet", "csv")} <= names
    assert {f"data/raw/{p.name}" for p in (ROOT / "data/raw").iterdir()} <= names
    assert len(names) == bundle.files
    for name in names - {CHECKSUMS}:
        assert (folder / name).read_bytes() == (built / name).read_bytes(), name
    assert validate_package(folder) == []


def test_checksums_list_every_other_file(built: Path, tmp_path: Path) -> None:
    folder = unpack(release(built, tmp_path / "dist").path, tmp_path / "out")
    listed = {}
    for line in (folder / CHECKSUMS).read_text("utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} - {CHECKSUMS}
    assert set(listed) == files
    assert all(hashlib.sha256((folder / n).read_bytes()).hexdigest() == d for n, d in listed.items())


def test_without_text_bundle_keeps_everything_but_the_text(built: Path, tmp_path: Path) -> None:
    folder = unpack(release(built, tmp_path / "dist", without_text=True).path, tmp_path / "out")
    assert not (folder / "data/raw").exists()
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    assert descriptor[FLAVOUR_KEY] == WITHOUT_TEXT
    for table in TABLES:
        full = pq.read_table(built / f"data/{table}.parquet")
        stripped = pq.read_table(folder / f"data/{table}.parquet")
        assert stripped.num_rows == full.num_rows
        for column in full.schema.names:
            if column in WITHHELD.get(table, ()):
                assert stripped.column(column).null_count == stripped.num_rows, column
            else:
                assert stripped.column(column).to_pylist() == full.column(column).to_pylist(), column
    assert "text_sha256" not in WITHHELD["posts"] and "n_chars" not in WITHHELD["posts"]
    assert validate_package(folder) == []
    result = run("validate", str(folder))
    assert result.exit_code == 0, result.stderr
    assert "skipped: without-text flavour: no raw files" in result.stderr
    assert result.stderr.strip().endswith(f"{folder}: valid")


def test_text_in_a_without_text_package_is_a_problem(built: Path) -> None:
    tables = {t: pq.read_table(built / f"data/{t}.parquet") for t in TABLES}
    problems = validate_tables(tables, built, WITHOUT_TEXT)
    posts = pq.read_table(built / "data/posts.parquet")
    texts = posts.num_rows - posts.column("text").null_count
    assert any(
        p.startswith(f"posts: text is withheld in this flavour but not null in {texts} row(s)")
        for p in problems
    )
    assert any(
        p.startswith("parse_issues: message is withheld in this flavour but not null") for p in problems
    )


def test_unknown_flavour_is_refused(built: Path, tmp_path: Path) -> None:
    folder = unpack(release(built, tmp_path / "dist").path, tmp_path / "out")
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    descriptor[FLAVOUR_KEY] = "abridged"
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert validate_package(folder) == [
        f"datapackage.json: {FLAVOUR_KEY} 'abridged' is not one of full, without-text"
    ]


def test_validate_catches_stale_derived_documents(built: Path, tmp_path: Path) -> None:
    folder = unpack(release(built, tmp_path / "dist").path, tmp_path / "out")
    croissant = json.loads((folder / "croissant.json").read_text("utf-8"))
    croissant["distribution"][0]["sha256"] = "0" * 64
    (folder / "croissant.json").write_text(json.dumps(croissant), encoding="utf-8")
    zenodo = json.loads((folder / ".zenodo.json").read_text("utf-8"))
    zenodo["version"] = "9.9.9"
    (folder / ".zenodo.json").write_text(json.dumps(zenodo), encoding="utf-8")
    problems = validate_package(folder, with_frictionless=False)
    assert problems == [
        "croissant.json: sha256 of data/sources.parquet differs from the file; rebuild",
        ".zenodo.json: version '9.9.9' is not '0.1.0'",
    ]
    # Without the hashes validation took of the files, the documents' check reads them.
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    assert document_problems(folder, descriptor) == problems


def test_release_command(built: Path, tmp_path: Path) -> None:
    result = run("release", str(built), "--out", str(tmp_path / "dist"), "--without-text")
    assert result.exit_code == 0, result.stderr
    assert f"wrote {tmp_path / 'dist' / bundle_name(True)}.zip" in result.stderr
    assert result.stderr.strip().endswith(f"it unpacks to {bundle_name(True)}/")


def test_release_refuses_an_invalid_package(built: Path, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(built, package)
    with (package / "data/reactions.csv").open("a", encoding="utf-8") as handle:
        handle.write("tg000/L1,99,👍,1\n")
    result = run("release", str(package), "--out", str(tmp_path / "dist"))
    assert result.exit_code == 1
    assert "data/reactions.csv: sha256 differs from datapackage.json" in result.stderr
    assert result.stderr.strip().endswith(f"error: {package}: not released, 2 problem(s)")
    assert not (tmp_path / "dist").exists()


def test_release_needs_the_documents(built: Path, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(built, package)
    (package / "CITATION.cff").unlink()
    result = run("release", str(package), "--out", str(tmp_path / "dist"))
    assert result.exit_code == 1
    assert (
        result.stderr.strip() == f"error: {package / 'CITATION.cff'}: missing; run 'diplocorpus build' first"
    )


def test_mlcroissant_loads_the_without_text_bundle(built: Path, tmp_path: Path) -> None:
    import mlcroissant

    folder = unpack(release(built, tmp_path / "dist", without_text=True).path, tmp_path / "out")
    dataset = mlcroissant.Dataset(jsonld=str(folder / "croissant.json"))
    for record_set in dataset.metadata.record_sets:
        records = list(dataset.records(record_set=record_set.uuid))
        assert len(records) == pq.read_metadata(folder / f"data/{record_set.name}.parquet").num_rows
        if record_set.name == "posts":
            assert {r["posts/text"] for r in records} == {None}

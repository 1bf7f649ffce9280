"""The command line: exit codes and one-line errors, asserted exactly."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from diplocorpus.cli import main

MANIFEST = "data/raw/sources.csv"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def digests(package: Path) -> dict[str, str]:
    files = [*package.glob("data/*.parquet"), *package.glob("data/*.csv"), package / "datapackage.json"]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


@pytest.fixture
def built(package: Path) -> Path:
    result = run("build", "--quiet", str(package))
    assert result.exit_code == 0, result.stderr
    return package


def test_build_prints_a_summary_and_validate_passes(package: Path) -> None:
    result = run("build", str(package))
    assert result.exit_code == 0, result.stderr
    assert "built" in result.stderr and "posts" in result.stderr and "boilerplate" in result.stderr
    result = run("validate", str(package))
    assert (result.exit_code, result.stderr.strip()) == (0, f"{package}: valid")


def append_row(package: Path, row: str) -> None:
    with (package / MANIFEST).open("a", encoding="utf-8") as handle:
        handle.write(row + "\n")


def error_line(result) -> str:
    lines = result.stderr.strip().split("\n")
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("extra,missing.txt,telegram-text,,,,,fr,,", "data/raw/missing.txt not found"),
        (
            "tg000,000_157a4bdd3038f2f4.txt,telegram-text,,,,,fr,,",
            "duplicate source_id 'tg000' (first on line 2)",
        ),
        ("extra,000_157a4bdd3038f2f4.txt,rss,,,,,fr,,", "unknown format 'rss'"),
        ("extra,../../outside.txt,telegram-text,,,,,fr,,", "path '../../outside.txt' is outside data/raw/"),
    ],
)
def test_bad_manifest_rows_fail_with_file_and_line(built: Path, row: str, message: str) -> None:
    before = digests(built)
    append_row(built, row)
    result = run("build", str(built))
    assert result.exit_code == 1
    line = error_line(result)
    assert line.startswith(f"error: {built / MANIFEST}:7: ")
    assert message in line
    assert digests(built) == before


def test_undecodable_bytes_name_file_and_line(built: Path) -> None:
    before = digests(built)
    (built / "data/raw/bad.txt").write_bytes("Первая строка\n".encode() + b"\xff\xfe broken\n")
    append_row(built, "bad,bad.txt,telegram-text,,,,,ru,,")
    result = run("build", str(built))
    assert result.exit_code == 1
    assert error_line(result).startswith("error: data/raw/bad.txt:2: bytes are not valid utf-8")
    assert digests(built) == before


def test_declared_encoding_is_used(built: Path) -> None:
    (built / "data/raw/win.txt").write_bytes("Заявление МИД России\n".encode("cp1251"))
    append_row(built, "win,win.txt,telegram-text,,,,,ru,,")
    with (built / MANIFEST).open(encoding="utf-8") as handle:
        header, *rows = handle.read().splitlines()
    (built / MANIFEST).write_text(
        "\n".join(
            [header + ",encoding", *(r + ("," if not r.startswith("win,") else ",cp1251") for r in rows)]
        )
        + "\n",
        encoding="utf-8",
    )
    result = run("build", "--quiet", str(built))
    assert result.exit_code == 0, result.stderr
    import pyarrow.parquet as pq

    posts = pq.read_table(built / "data/posts.parquet").to_pylist()
    assert [p["text"] for p in posts if p["source_id"] == "win"] == ["Заявление МИД России"]


def test_missing_manifest(tmp_path: Path) -> None:
    result = run("build", str(tmp_path))
    assert result.exit_code == 1
    assert error_line(result) == (
        f"error: {tmp_path / MANIFEST}: not found; add one row per raw file (source_id,path,format)"
    )


def test_validate_catches_a_changed_file(built: Path) -> None:
    with (built / "data/reactions.csv").open("a", encoding="utf-8") as handle:
        handle.write("tg000/L1,99,👍,1\n")
    result = run("validate", "--no-frictionless", str(built))
    assert result.exit_code == 1
    assert "data/reactions.csv: sha256 differs from datapackage.json" in result.stderr


def test_validate_catches_a_changed_raw_file(built: Path) -> None:
    raw = built / "data/raw/000_157a4bdd3038f2f4.txt"
    raw.write_bytes(raw.read_bytes() + b"\nnew line")
    result = run("validate", "--no-frictionless", str(built))
    assert result.exit_code == 1
    assert "raw file changed since the build (sha256 differs); rebuild" in result.stderr


def test_validate_without_a_package(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path))
    assert result.exit_code == 1
    assert "datapackage.json: not found; run 'diplocorpus build' first" in result.stderr


@pytest.mark.parametrize(
    ("name", "fmt", "data", "message"),
    [
        (
            "page.html",
            "telegram-html",
            (Path(__file__).parent / "golden/telegram-html/not-a-channel/input.html").read_bytes(),
            "error: data/raw/page.html:73: a t.me page with no message list (not a t.me/s/NAME channel page: "
            "the channel may not exist or not be public)",
        ),
        (
            "result.json",
            "telegram-json",
            b'{\n "name": "C",\n "messages": [\n  {"id": 1,}\n ]\n}\n',
            "error: data/raw/result.json:4: not valid JSON: Expecting property name enclosed in double quotes "
            "(column 12)",
        ),
    ],
)
def test_a_file_not_in_its_declared_format_names_file_and_line(
    built: Path, name: str, fmt: str, data: bytes, message: str
) -> None:
    before = digests(built)
    (built / "data/raw" / name).write_bytes(data)
    append_row(built, f"extra,{name},{fmt},,,,,und,,")
    result = run("build", str(built))
    assert result.exit_code == 1
    assert error_line(result) == message
    assert digests(built) == before

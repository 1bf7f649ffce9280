from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from diplocorpus.parsers import PARSERS
from diplocorpus.read import decode

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data/raw"
GOLDEN = Path(__file__).resolve().parent / "golden"

SEEDS = {
    "tg000": ("000_157a4bdd3038f2f4.txt", "telegram-text"),
    "tg001": ("001_ab87fb36bafc6c2e.txt", "telegram-text"),
    "web002": ("002_038f62e97bf21c8a.txt", "web-text"),
    "web003": ("003_0c0fb8767ec2acfd.txt", "web-text"),
    "web004": ("004_e8a13e7e0055f3cb.txt", "web-text"),
}


def seed_text(source_id: str) -> str:
    name, _ = SEEDS[source_id]
    return decode((RAW / name).read_bytes(), name)


def parse_seed(source_id: str) -> list:
    _, fmt = SEEDS[source_id]
    return list(PARSERS[fmt](seed_text(source_id)))


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A fresh copy of the corpus's inputs (raw files, curated catalogue), as a package
    directory to build."""
    target = tmp_path / "pkg"
    shutil.copytree(RAW, target / "data/raw")
    shutil.copytree(ROOT / "data/curated", target / "data/curated")
    return target


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/<format>/<case>/expected/ from the parsers (read the diff before committing)",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))

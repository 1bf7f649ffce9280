"""The hand-annotated evaluation set (tests/eval/) and the curated catalogue hold together.

They are checked against the committed posts table: a changed text, a shifted offset, a
link to an unknown entity or a malformed date makes these tests fail.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests/eval"
CATALOG = ROOT / "data/curated/entity_catalog.csv"
ANNOTATED_SOURCES = ("tg000", "tg001")
NAMED_TYPES = {"PER", "LOC", "ORG"}
RULE_TYPES = {"HASHTAG", "MENTION", "URL", "FLAG", "DATE"}
CATALOG_COLUMNS = ["entity_id", "type", "label_fr", "label_ru", "label_en", "wikidata", "aliases"]
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
COUNTRY_ID = re.compile(r"country-([a-z]{2})")
DAY = r"\d{4}-\d{2}-\d{2}"
DATE_VALUE = re.compile(rf"{DAY}(?:/{DAY})?|--\d{{2}}-\d{{2}}")


def read_csv(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def posts() -> dict[str, dict[str, str]]:
    return {row["post_id"]: row for row in read_csv(ROOT / "data/posts.csv")}


@pytest.fixture(scope="module")
def annotations() -> list[dict]:
    lines = (EVAL / "entities.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def catalog() -> dict[str, dict[str, str]]:
    return {row["entity_id"]: row for row in read_csv(CATALOG)}


def flag_code(emoji: str) -> str:
    """'🇷🇺' -> 'RU'."""
    return "".join(chr(ord(char) - 0x1F1E6 + ord("A")) for char in emoji)


def parse_day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def test_every_non_service_post_of_the_annotated_sources_is_annotated_once(posts, annotations):
    expected = [
        pid
        for pid, row in posts.items()
        if row["source_id"] in ANNOTATED_SOURCES and row["kind"] != "service"
    ]
    assert [a["post_id"] for a in annotations] == expected


def test_annotated_texts_are_the_texts_of_the_table(posts, annotations):
    for annotation in annotations:
        text = posts[annotation["post_id"]]["text"]
        assert annotation["text_sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest(), annotation[
            "post_id"
        ]


def test_offsets_give_the_surface_in_order_without_overlap(posts, annotations):
    for annotation in annotations:
        text = posts[annotation["post_id"]]["text"]
        previous_end = 0
        for entity in annotation["entities"]:
            where = (annotation["post_id"], entity["surface"], entity["start"])
            assert text[entity["start"] : entity["end"]] == entity["surface"], where
            assert entity["start"] >= previous_end, where
            previous_end = entity["end"]


def test_named_mentions_link_to_the_catalogue_or_a_country(annotations, catalog):
    for annotation in annotations:
        for entity in annotation["entities"]:
            if entity["type"] not in NAMED_TYPES:
                continue
            where = (annotation["post_id"], entity["surface"])
            assert entity["normalized"] is None, where
            linked = entity["entity_id"]
            if linked is None:
                continue
            if COUNTRY_ID.fullmatch(linked):
                assert entity["type"] == "LOC", where
            else:
                assert linked in catalog, where
                assert catalog[linked]["type"] == entity["type"], where


def test_rule_mentions_are_normalised_by_their_rule(annotations):
    for annotation in annotations:
        for entity in annotation["entities"]:
            kind, surface, where = (
                entity["type"],
                entity["surface"],
                (annotation["post_id"], entity["surface"]),
            )
            if kind in NAMED_TYPES:
                continue
            assert kind in RULE_TYPES, where
            if kind == "FLAG":
                code = flag_code(surface)
                assert re.fullmatch(r"[A-Z]{2}", code) and len(surface) == 2, where
                assert (entity["normalized"], entity["entity_id"]) == (code, f"country-{code.lower()}"), where
                continue
            assert entity["entity_id"] is None, where
            if kind in ("HASHTAG", "MENTION"):
                assert entity["normalized"] == surface[1:] and surface[0] in "#@", where
            elif kind == "DATE":
                value = entity["normalized"]
                assert DATE_VALUE.fullmatch(value), where
                if not value.startswith("--"):
                    days = [parse_day(part) for part in value.split("/")]
                    assert days == sorted(days), where


def test_country_ids_are_iso_codes(annotations):
    babel = pytest.importorskip("babel")
    territories = {code.lower() for code in babel.Locale("en").territories if re.fullmatch(r"[A-Z]{2}", code)}
    used = {
        COUNTRY_ID.fullmatch(e["entity_id"]).group(1)
        for a in annotations
        for e in a["entities"]
        if e["entity_id"] and COUNTRY_ID.fullmatch(e["entity_id"])
    }
    assert used <= territories, used - territories


def test_catalogue_is_well_formed(catalog):
    with CATALOG.open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == CATALOG_COLUMNS
    ids = [row["entity_id"] for row in read_csv(CATALOG)]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    for entity_id, row in catalog.items():
        assert SLUG.fullmatch(entity_id), entity_id
        assert row["type"] in {"PER", "ORG", "LOC", "MISC"}, entity_id
        if COUNTRY_ID.fullmatch(entity_id):
            # A country row only adds names to CLDR's; the labels come from CLDR.
            assert row["type"] == "LOC" and not (row["label_fr"] or row["label_ru"] or row["label_en"])
        else:
            assert row["label_fr"] and row["label_en"], entity_id
        assert row["wikidata"] == "", entity_id  # only filled once verified against Wikidata
        aliases = row["aliases"].split(" | ")
        assert all(alias.strip() == alias and alias for alias in aliases), entity_id
        assert len(aliases) == len(set(aliases)), entity_id


def test_eval_posts_cover_the_table_with_valid_languages_and_dates(posts):
    rows = read_csv(EVAL / "posts.csv")
    assert [row["post_id"] for row in rows] == list(posts)
    for row in rows:
        where = row["post_id"]
        languages = row["languages"].split("|")
        assert row["language"] in {"fr", "ru", "en", "und"}, where
        assert all(re.fullmatch(r"[a-z]{2}", lang) for lang in languages), where
        assert row["language"] == "und" or languages[0] == row["language"], where
        bounds = [parse_day(row[key]) for key in ("date_min", "date_max") if row[key]]
        assert bounds == sorted(bounds), where
        assert row["date_note"], where


def test_annotation_languages_agree_with_the_eval_posts(annotations):
    language_of = {row["post_id"]: row["language"] for row in read_csv(EVAL / "posts.csv")}
    for annotation in annotations:
        assert annotation["language"] == language_of[annotation["post_id"]], annotation["post_id"]

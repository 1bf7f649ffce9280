"""The committed entities, languages and dates against the hand-annotated set of tests/eval/."""

from __future__ import annotations

from collections import defaultdict

import pyarrow.parquet as pq
import pytest

from conftest import ROOT
from diplocorpus.enrich import detect_languages
from diplocorpus.evaluation import NAMED, evaluate_entities, read_gold_entities, read_gold_posts
from diplocorpus.ner import clean, mask
from diplocorpus.rows import EntityRow, PostRow

EVAL = ROOT / "tests/eval"


@pytest.fixture(scope="module")
def posts() -> dict[str, PostRow]:
    return {p["post_id"]: PostRow(**p) for p in pq.read_table(ROOT / "data/posts.parquet").to_pylist()}


@pytest.fixture(scope="module")
def scores(posts):
    found = defaultdict(list)
    for row in pq.read_table(ROOT / "data/entities.parquet").to_pylist():
        found[row["post_id"]].append(EntityRow(**row))
    return evaluate_entities(read_gold_entities(EVAL / "entities.jsonl"), posts, found)


def test_the_annotated_texts_are_the_committed_ones(scores) -> None:
    assert scores.stale == []


@pytest.mark.parametrize(("language", "least"), [("fr", 0.85), ("ru", 0.80)])
def test_named_entities_f1(scores, language, least) -> None:
    for type_ in NAMED:
        assert scores.counts(language, (type_,)).f1 >= least, type_


@pytest.mark.parametrize("type_", ["HASHTAG", "FLAG", "DATE"])
def test_rule_types_are_exact(scores, type_) -> None:
    counts = scores.counts(None, (type_,))
    assert counts.true_positives > 0 and counts.f1 == 1.0


def test_linking_accuracy(scores) -> None:
    assert scores.linked_right / scores.linked_found >= 0.9
    assert scores.linked_right / scores.linked >= 0.9


def test_every_post_language_is_right(posts) -> None:
    gold = read_gold_posts(EVAL / "posts.csv")
    wrong = [pid for pid, row in gold.items() if (posts[pid].language or "und") != row["language"]]
    assert wrong == []


def test_date_bounds_never_contradict_the_hand_read_ones(posts) -> None:
    gold = read_gold_posts(EVAL / "posts.csv")
    for post_id, row in gold.items():
        ours = posts[post_id].date_min
        if post_id.startswith("tg") and ours is not None:
            # A lower bound later than the one the text allows could exclude the true date.
            assert row["date_min"] and ours.isoformat() <= row["date_min"], post_id


def test_mixed_posts_name_both_languages() -> None:
    text = "Заявление Министра иностранных дел России\nDéclaration du Ministre russe des Affaires étrangères"
    assert detect_languages(text) == ("ru", "ru|fr") or detect_languages(text) == ("fr", "fr|ru")
    assert detect_languages("The Minister of Foreign Affairs met his counterpart in Riyadh") == ("en", "en")


def test_masking_keeps_offsets_and_hides_what_models_misread() -> None:
    text = "🇷🇺 Lavrov n’a pas parlé #G20 @mid_rf https://mid.ru"
    masked = mask(text)
    assert len(masked) == len(text)
    assert "’" not in masked and "#G20" not in masked and "🇷🇺" not in masked and "https" not in masked


@pytest.mark.parametrize(
    ("text", "type_", "kept"),
    [
        ("le Président Vladimir Poutine", "PER", "Vladimir Poutine"),
        ("le Ministre russe des Affaires étrangères", "ORG", None),
        ("les États africains", "LOC", None),
        ("Ukrainiens", "LOC", None),
        ("« Barkhane »", "MISC", "Barkhane"),
        ("n'", "PER", None),
    ],
)
def test_clean_cuts_titles_and_drops_non_names(text, type_, kept) -> None:
    span = clean(text, 0, len(text), type_)
    assert (text[span[0] : span[1]] if span else None) == kept

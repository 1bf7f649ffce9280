"""Translation pairs and republications: the seeds, the hand-built cases, the rules."""

from __future__ import annotations

import dataclasses
import doctest

import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT
from diplocorpus import names, relate
from diplocorpus.enrich import text_sha256
from diplocorpus.evaluation import evaluate_translation_cases
from diplocorpus.names import name_key
from diplocorpus.relate import assess, duplicate_of, hashtag_key, profile, translation_pairs
from diplocorpus.rows import PostRow


@pytest.fixture(scope="module")
def posts() -> dict[str, PostRow]:
    rows = pq.read_table(ROOT / "data/posts.parquet").to_pylist()
    return {p["post_id"]: PostRow(**p) for p in rows}


def _post(post_id: str, text: str, language: str = "fr", **changes) -> PostRow:
    source_id, line = post_id.split("/L")
    values = dict.fromkeys((f.name for f in dataclasses.fields(PostRow)), None)
    values.update(
        post_id=post_id, source_id=source_id, ordinal=int(line), kind="post", text=text, language=language,
        languages=language, n_chars=len(text), raw_line_start=int(line), raw_line_end=int(line),
        text_sha256=text_sha256(text),
    )  # fmt: skip
    values.update(changes)
    return PostRow(**values)


def _ordinal_pairs(posts: dict[str, PostRow], source_id: str) -> set[tuple[int, int]]:
    pairs = translation_pairs([p for p in posts.values() if p.source_id == source_id])
    return {(posts[p.source_post_id].ordinal, posts[p.target_post_id].ordinal) for p in pairs}


def test_seed_001_yields_exactly_its_six_pairs(posts) -> None:
    assert _ordinal_pairs(posts, "tg001") == {(2, 3), (4, 5), (6, 7), (8, 9), (10, 11), (13, 14)}


def test_seed_000_yields_none(posts) -> None:
    assert _ordinal_pairs(posts, "tg000") == set()


def test_the_committed_table_holds_the_pairs_russian_first(posts) -> None:
    table = pq.read_table(ROOT / "data/translations.parquet").to_pylist()
    assert [(posts[t["source_post_id"]].ordinal, posts[t["target_post_id"]].ordinal) for t in table] == [
        (2, 3), (4, 5), (6, 7), (8, 9), (10, 11), (13, 14),
    ]  # fmt: skip
    assert {(t["source_language"], t["target_language"]) for t in table} == {("ru", "fr")}


def test_hand_built_cases_precision_and_recall(posts) -> None:
    counts, results = evaluate_translation_cases(ROOT / "tests/translations/cases.json", posts)
    wrong = [r.name for r in results if r.found != r.expected]
    assert counts.precision == 1.0, wrong
    assert counts.recall >= 0.95, wrong


def test_evidence_names_what_was_matched(posts) -> None:
    found = assess(profile(posts["tg001/L278"], 1), profile(posts["tg001/L295"], 2))
    assert found.evidence == (
        "numbers 5/5 (29, 2025, 28, ...); names 3/10 (Министра=Ministre, Лаврова=Lavrov, "
        "Президента=Président); emoji skeleton 0.86; paragraphs 8:7; length ratio 1.11"
    )
    assert found.anchors == 8


def test_a_translation_is_paired_with_one_original_only(posts) -> None:
    russian = posts["tg001/L278"]
    copy = dataclasses.replace(russian, post_id="tg001/L290", ordinal=11)
    french = dataclasses.replace(posts["tg001/L295"], ordinal=12)
    pairs = translation_pairs([russian, copy, french])
    assert [p.target_post_id for p in pairs] == ["tg001/L295"]


def test_posts_of_one_language_are_never_paired(posts) -> None:
    french = [p for p in posts.values() if p.language == "fr"]
    assert translation_pairs(french) == []


def test_hashtags_match_by_their_country_parts() -> None:
    assert hashtag_key("РоссияМали") == hashtag_key("RussieMali") == {"RU", "ML"}
    assert hashtag_key("РоссияАфрика") == hashtag_key("RussieAfrique")
    assert hashtag_key("RussieÉtatsUnis") == {"RU", "US"}
    assert hashtag_key("Итоги2025") & hashtag_key("Bilan2025") == {"2025"}


@pytest.mark.parametrize(
    ("russian", "latin"),
    [("Лавров", "Lavrov"), ("Громыко", "Gromyko"), ("Ушакову", "Ouchakov"), ("Путиным", "Poutine"),
     ("Трампом", "Trump"), ("Зеленскому", "Zelensky"), ("Захаровой", "Zakharova"), ("Бамако", "Bamako")],
)  # fmt: skip
def test_name_key_meets_across_scripts(russian: str, latin: str) -> None:
    assert name_key(russian) == name_key(latin)


def test_name_key_keeps_different_names_apart() -> None:
    assert name_key("Лавров") != name_key("Путин")
    assert name_key("Ouchakov") != name_key("Gromyko")


@given(st.text())
def test_name_key_never_raises(word: str) -> None:
    assert isinstance(name_key(word), str)


def test_docstring_examples() -> None:
    for module in (names, relate):
        assert doctest.testmod(module).failed == 0


# Republications.

ARTICLE = (
    "Le Ministre russe des Affaires étrangères Sergueï Lavrov s'est entretenu avec son homologue "
    "turc Hakan Fidan en marge de la réunion ministérielle du G20 à Johannesburg. Les ministres ont "
    "discuté de la situation au Proche-Orient, du règlement du conflit en Ukraine et de la coopération "
    "bilatérale dans les domaines de l'énergie et du tourisme."
)


def test_a_web_page_quoting_a_post_whole_points_to_it() -> None:
    post = _post("tg900/L1", ARTICLE)
    page = _post(
        "web900/L1", "Selon la diplomatie russe :\n" + ARTICLE + "\nUn commentaire suit.", kind="article"
    )
    assert duplicate_of([page, post]) == {"web900/L1": "tg900/L1"}


def test_a_near_verbatim_copy_points_to_the_earlier_record() -> None:
    edited = ARTICLE.replace("du tourisme", "des transports")
    first = _post("tg900/L1", ARTICLE)
    second = _post("tg900/L9", edited)
    assert duplicate_of([first, second]) == {"tg900/L9": "tg900/L1"}


def test_dates_decide_which_record_is_earliest() -> None:
    import datetime as dt

    late = _post("tg900/L1", ARTICLE, date_min=dt.date(2025, 3, 1), date_max=dt.date(2025, 3, 1))
    early = _post("tg901/L1", ARTICLE, date_min=dt.date(2025, 2, 1), date_max=dt.date(2025, 2, 1))
    assert duplicate_of([late, early]) == {"tg900/L1": "tg901/L1"}


def test_an_excerpt_of_half_a_post_is_not_a_republication() -> None:
    half = ARTICLE[: len(ARTICLE) // 2]
    assert duplicate_of([_post("tg900/L1", ARTICLE), _post("tg900/L9", half + " Et autre chose encore, "
                         "sans aucun rapport avec ce qui précède, sur un tout autre sujet du jour.")]) == {}  # fmt: skip


def test_identical_short_posts_are_duplicates() -> None:
    text = "🇷🇺 Sergueï Lavrov arrive à Riyad"
    assert duplicate_of([_post("tg900/L1", text), _post("tg900/L5", text)]) == {"tg900/L5": "tg900/L1"}


def test_posts_sharing_one_paragraph_are_not_duplicates(posts) -> None:
    # Both briefing excerpts quote the same paragraph on the liberation of Paris.
    assert duplicate_of([posts["tg000/L99"], posts["tg000/L147"]]) == {}


def test_no_republication_among_the_seeds(posts) -> None:
    assert duplicate_of(list(posts.values())) == {}

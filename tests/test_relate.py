"""Translation pairs, republications and copies of one post: the seeds, the hand-built cases,
the rules, and the per-source and whole-corpus steps against the in-memory specification
(relate_reference.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import doctest

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import bdtr

import relate_reference
from conftest import ROOT, SEEDS, seed_text
from diplocorpus import names, relate
from diplocorpus.build import date_channels
from diplocorpus.enrich import text_sha256, with_languages
from diplocorpus.errors import FormatError
from diplocorpus.evaluation import case_posts, evaluate_translation_cases
from diplocorpus.names import name_key
from diplocorpus.parsers import PARSERS, PLATFORMS
from diplocorpus.relate import (
    BATCH,
    CANDIDATES,
    FEATURES,
    FREQUENT_ANCHORS,
    assess,
    corpus,
    hashtag_key,
    profile,
    relate_all,
    republications,
    same_post,
    source,
    source_relations,
    translations,
)
from diplocorpus.relate.corpus import keys_in
from diplocorpus.rows import PostRow, ReactionRow, SourceRow, TranslationRow
from diplocorpus.tables import post_rows
from test_golden_formats import CASES, case_input
from test_invariants import VTOSTERS_RENDER


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


def _source(source_id: str, fmt: str = "telegram-text", handle: str | None = None) -> SourceRow:
    return SourceRow(
        source_id,
        f"{source_id}.txt",
        fmt,
        PLATFORMS[fmt],
        None,
        handle,
        None,
        "und",
        None,
        "0" * 64,
        0,
        "utf-8",
        None,
    )


def _duplicates(posts: list[PostRow], sources: list[SourceRow] = ()) -> dict[str, str]:
    return relate_all(posts, sources).duplicate_of


def _translations(posts: list[PostRow]) -> list[TranslationRow]:
    return relate_all(posts).translations


# The per-source and whole-corpus steps give what the in-memory functions gave.


def _corpus(inputs: list[tuple[str, str, str, str | None]]):
    """Records, sources and reactions of raw texts (source_id, format, text, handle), as the
    build makes them before relating: languages detected, dates not yet bounded."""
    posts, sources, reactions = [], [], []
    for source_id, fmt, text, handle in inputs:
        try:
            items = list(PARSERS[fmt](text))
        except FormatError:
            continue  # a golden input that is not of its format
        p, r, _ = post_rows(source_id, items)
        posts += with_languages(p)
        reactions += r
        sources.append(_source(source_id, fmt, handle))
    return posts, sources, reactions


def _before(posts, sources, reactions) -> tuple[dict[str, str], list[TranslationRow]]:
    """duplicate_of and translations as the build computed them with relate_reference."""
    marked = relate_reference.mark_same_post_duplicates(posts, sources, reactions)
    dated = date_channels(marked, sources)
    duplicates = {p.post_id: p.duplicate_of for p in dated if p.duplicate_of}
    duplicates |= relate_reference.duplicate_of([p for p in dated if p.duplicate_of is None])
    return duplicates, relate_reference.translation_pairs(dated)


def _now(posts, sources, reactions) -> tuple[dict[str, str], list[TranslationRow]]:
    relations = relate_all(date_channels(posts, sources), sources, reactions)
    return relations.duplicate_of, relations.translations


def _seeds() -> list[tuple[str, str, str, None]]:
    return [(source_id, SEEDS[source_id][1], seed_text(source_id), None) for source_id in SEEDS]


@pytest.fixture(scope="module")
def everything():
    """The seeds, every golden input, and a text render of the vtosters channel whose page
    is a golden input, in one corpus."""
    golden = [(f"{fmt}-{case}".replace("-", "_"), fmt, case_input(fmt, case), None) for fmt, case in CASES]
    render = [("vt_render", "telegram-text", VTOSTERS_RENDER, "vtosters")]
    return _corpus(_seeds() + golden + render)


def test_same_relations_as_before_on_the_seeds() -> None:
    corpus = _corpus(_seeds())
    duplicates, pairs = _now(*corpus)
    assert (duplicates, pairs) == _before(*corpus)
    assert len(pairs) == 6


def test_same_relations_as_before_on_every_golden_input_together(everything) -> None:
    duplicates, pairs = _now(*everything)
    assert (duplicates, pairs) == _before(*everything)
    # Copies of one post across sources, channels posting a text twice, a near-verbatim repost.
    assert duplicates["vt_render/L1"] == "telegram_html_vtosters/1434"
    assert duplicates["telegram_json_tg2md_2021_string_ids/10"] == "telegram_json_tg2md_2020_integer_ids/10"
    assert duplicates["telegram_json_salaf_2025/137"] == "telegram_json_salaf_2025/12"
    assert len(duplicates) == 15


def test_same_pairs_as_before_on_the_translation_cases(posts) -> None:
    import json

    spec = json.loads((ROOT / "tests/translations/cases.json").read_text("utf-8"))
    for case in spec["cases"]:
        rows = case_posts(case["posts"], posts)
        assert _translations(rows) == relate_reference.translation_pairs(rows), case["name"]


# Hand-made corpora: each is compared with the specification, and with what it should give.

ARTICLE = (
    "Le Ministre russe des Affaires étrangères Sergueï Lavrov s'est entretenu avec son homologue "
    "turc Hakan Fidan en marge de la réunion ministérielle du G20 à Johannesburg. Les ministres ont "
    "discuté de la situation au Proche-Orient, du règlement du conflit en Ukraine et de la coopération "
    "bilatérale dans les domaines de l'énergie et du tourisme."
)


def _as_before(posts: list[PostRow], sources: list[SourceRow] = (), reactions: list[ReactionRow] = ()):
    """Relations now, checked equal to the specification's on records already dated."""
    relations = relate_all(posts, sources, reactions)
    marked = relate_reference.mark_same_post_duplicates(posts, sources, reactions)
    expected = {p.post_id: p.duplicate_of for p in marked if p.duplicate_of}
    expected |= relate_reference.duplicate_of([p for p in marked if p.duplicate_of is None])
    assert relations.duplicate_of == expected
    assert relations.translations == relate_reference.translation_pairs(posts)
    return relations


def test_the_same_post_read_from_two_sources() -> None:
    sources = [_source("page", "telegram-html", "chan"), _source("render", "telegram-text", "chan")]
    url = "https://t.me/chan/{}".format
    page = [
        _post("page/L1", ARTICLE, message_id=7, url=url(7), views=120),
        _post("page/L9", "Un autre message", message_id=8, url=url(8)),
    ]
    render = [
        _post("render/L1", ARTICLE.replace(" ", "\n", 3).upper()),  # same text, other layout and case
        _post("render/L5", "Un autre message, qui n'est pas le même"),
    ]
    reactions = [ReactionRow("render/L1", 1, "👍", None, None, 3)]
    relations = _as_before(page + render, sources, reactions)
    assert relations.duplicate_of == {"render/L1": "page/L1"}


def test_a_text_twice_in_one_source_is_a_repost_not_a_copy() -> None:
    sources = [_source("page", "telegram-html", "chan"), _source("render", "telegram-text", "chan")]
    page = [_post("page/L1", "Texte court", message_id=7)]
    render = [_post("render/L1", "Texte court"), _post("render/L5", "Texte court")]
    relations = _as_before(page + render, sources)
    # Not copies of one post; all three republish the same short text, the earliest first.
    assert relations.duplicate_of == {"render/L1": "page/L1", "render/L5": "page/L1"}


def test_copies_with_the_same_message_id_in_three_sources() -> None:
    sources = [_source(s, "telegram-json", "chan") for s in ("a", "b", "c")]
    copies = [
        _post("a/L1", ARTICLE, message_id=3),
        _post("b/L1", ARTICLE, message_id=3, views=9, media="photo"),
        _post("c/L1", ARTICLE + " Fin.", message_id=3, views=9),
    ]
    assert _as_before(copies, sources).duplicate_of == {"a/L1": "b/L1", "c/L1": "b/L1"}


def test_a_web_page_quoting_a_post_whole_points_to_it() -> None:
    post = _post("tg900/L1", ARTICLE)
    page = _post(
        "web900/L1", "Selon la diplomatie russe :\n" + ARTICLE + "\nUn commentaire suit.", kind="article"
    )
    assert _as_before([page, post]).duplicate_of == {"web900/L1": "tg900/L1"}


def test_a_post_inside_an_article_twice_its_length_points_to_it(posts) -> None:
    post = _post("tg900/L1", ARTICLE)
    around = posts["web002/L29"].text
    page = _post("web900/L1", around[:400] + "\n" + ARTICLE + "\n" + around[400:800], kind="article")
    assert _as_before([page, post]).duplicate_of == {"web900/L1": "tg900/L1"}


def test_a_near_verbatim_copy_points_to_the_earlier_record() -> None:
    edited = ARTICLE.replace("du tourisme", "des transports")
    assert _as_before([_post("tg900/L1", ARTICLE), _post("tg900/L9", edited)]).duplicate_of == {
        "tg900/L9": "tg900/L1"
    }


def test_dates_decide_which_record_is_earliest() -> None:
    late = _post("tg900/L1", ARTICLE, date_min=dt.date(2025, 3, 1), date_max=dt.date(2025, 3, 1))
    early = _post("tg901/L1", ARTICLE, date_min=dt.date(2025, 2, 1), date_max=dt.date(2025, 2, 1))
    undated = _post("tg899/L1", ARTICLE)
    stamped = _post(
        "web900/L1", ARTICLE, kind="article", published_at=dt.datetime(2025, 2, 1, 23, tzinfo=dt.UTC)
    )
    assert _as_before([late, early, undated, stamped]).duplicate_of == {
        "tg900/L1": "tg901/L1",
        "tg899/L1": "tg901/L1",
        "web900/L1": "tg901/L1",
    }


def test_an_excerpt_of_half_a_post_is_not_a_republication() -> None:
    half = ARTICLE[: len(ARTICLE) // 2]
    other = " Et autre chose encore, sans aucun rapport avec ce qui précède, sur un tout autre sujet du jour."
    assert _as_before([_post("tg900/L1", ARTICLE), _post("tg900/L9", half + other)]).duplicate_of == {}


def test_identical_short_posts_are_duplicates() -> None:
    text = "🇷🇺 Sergueï Lavrov arrive à Riyad"
    assert _as_before([_post("tg900/L1", text), _post("tg900/L5", text)]).duplicate_of == {
        "tg900/L5": "tg900/L1"
    }


def test_posts_sharing_one_paragraph_are_not_duplicates(posts) -> None:
    # Both briefing excerpts quote the same paragraph on the liberation of Paris.
    assert _as_before([posts["tg000/L99"], posts["tg000/L147"]]).duplicate_of == {}


def test_service_records_and_empty_texts_relate_to_nothing() -> None:
    assert relate_all([]).duplicate_of == {}
    records = [
        _post("tg900/L1", "Channel photo updated", kind="service"),
        _post("tg900/L2", "Channel photo updated", kind="service"),
        _post("tg900/L3", ""),
        _post("tg901/L3", ""),
    ]
    assert _as_before(records).duplicate_of == {}


def test_no_republication_among_the_seeds(posts) -> None:
    assert _as_before(list(posts.values())).duplicate_of == {}


def _near_copies(n: int) -> list[PostRow]:
    """n near-verbatim copies of ARTICLE over five sources, each with one word of its own."""
    words = ARTICLE.split()
    copies = []
    for i in range(n):
        text = " ".join(words[: 10 + i % 20] + [f"mot{i}"] + words[10 + i % 20 :])
        copies.append(_post(f"tg{900 + i % 5}/L{i + 1}", text))
    return copies


class _CountingTexts:
    """texts() for relate(), counting what is asked: the texts of `posts` by row."""

    def __init__(self, posts: list[PostRow]) -> None:
        self.texts = [p.text or "" for p in posts]
        self.asked = 0

    def __call__(self, rows):
        assert 0 < len(rows) <= BATCH and list(rows) == sorted(set(rows))
        self.asked += len(rows)
        return [self.texts[row] for row in rows]


def _relate_in_steps(posts: list[PostRow], texts=None, kept_keys: bool = False):
    by_source: dict[str, list[PostRow]] = {}
    for p in posts:
        by_source.setdefault(p.source_id, []).append(p)
    parts = [source_relations(None, members, []) for members in by_source.values()]
    texts = texts or _CountingTexts([p for members in by_source.values() for p in members])
    relations = relate.relate(
        pa.concat_tables([p.features for p in parts]),
        pa.concat_tables([p.candidates for p in parts]),
        pa.concat_tables([p.frequent_anchors for p in parts]),
        texts,
        keys_in(pa.concat_tables([p.shingle_keys for p in parts])["keys"]) if kept_keys else None,
    )
    return relations, texts


def test_the_kept_shingle_keys_give_the_same_relations() -> None:
    copies = _near_copies(300) + [_post(f"tg91{i % 3}/L{i + 1}", ARTICLE) for i in range(30)]
    made, from_texts = _relate_in_steps(copies)
    kept, from_keys = _relate_in_steps(copies, kept_keys=True)
    assert kept.duplicate_of == made.duplicate_of
    assert len(kept.duplicate_of) == len(copies) - 1
    assert from_keys.asked <= from_texts.asked


def test_a_large_group_of_identical_texts_needs_no_text_at_all() -> None:
    copies = [_post(f"tg{900 + i % 7}/L{i + 1}", ARTICLE) for i in range(600)]
    relations, texts = _relate_in_steps(copies)
    earliest = min(copies, key=lambda p: p.post_id).post_id
    assert relations.duplicate_of == {p.post_id: earliest for p in copies if p.post_id != earliest}
    assert texts.asked == 0


def test_a_large_group_of_near_copies_is_compared_once_per_record() -> None:
    copies = _near_copies(400)
    relations, texts = _relate_in_steps(copies)
    earliest = min(copies, key=lambda p: p.post_id).post_id
    assert relations.duplicate_of == {p.post_id: earliest for p in copies if p.post_id != earliest}
    assert texts.asked <= len(copies) + BATCH


def test_groups_of_copies_and_near_copies_as_before() -> None:
    copies = _near_copies(60) + [_post(f"tg91{i % 3}/L{i + 1}", ARTICLE) for i in range(30)]
    assert len(_as_before(copies).duplicate_of) == 89


def test_what_is_reported_is_decided_on_the_texts_not_the_sketch() -> None:
    first, second = (
        _post("tg900/L1", ARTICLE),
        _post("tg901/L1", ARTICLE.replace("Lavrov", "Lavrov, ministre,")),
    )
    parts = [source_relations(None, [p], []) for p in (first, second)]
    features = pa.concat_tables([p.features for p in parts])
    same = [ARTICLE, ARTICLE]  # the texts of the features' rows
    unrelated = [ARTICLE, VTOSTERS_RENDER]
    empty = (
        pa.concat_tables([p.candidates for p in parts]),
        pa.concat_tables([p.frequent_anchors for p in parts]),
    )
    assert relate.relate(features, *empty, lambda rows: [unrelated[r] for r in rows]).duplicate_of == {}
    assert relate.relate(features, *empty, lambda rows: [same[r] for r in rows]).duplicate_of == {
        "tg901/L1": "tg900/L1"
    }


def test_a_translation_in_another_source_is_paired(posts) -> None:
    russian = dataclasses.replace(posts["tg001/L278"], post_id="mfa/L1", source_id="mfa")
    french = dataclasses.replace(posts["tg001/L295"], post_id="embassy/L7", source_id="embassy")
    other = dataclasses.replace(posts["tg000/L1"], post_id="embassy/L1", source_id="embassy")
    relations = _as_before([other, french, russian])
    assert [(t.source_post_id, t.target_post_id, t.method) for t in relations.translations] == [
        ("mfa/L1", "embassy/L7", "features-cross-source")
    ]
    assert relations.translations[0].evidence.startswith("other source; numbers 5/5")


def test_anchors_common_in_one_source_pair_nothing_across_sources(posts) -> None:
    """A name in more than MAX_ANCHOR_POSTS records of one source is not rare, even where
    another source has it once: the source's frequent anchors say so."""
    russian, french = posts["tg001/L278"], posts["tg001/L295"]
    named = profile(french, 1)
    shared = translations.anchors_of(profile(russian, 1)) & translations.anchors_of(named)
    words = [named.names.get(anchor, anchor) for anchor in sorted(shared)]
    filler = [
        _post(f"big/L{i + 1}", f"Note : avec {' '.join(words)} et le reste.")
        for i in range(translations.MAX_ANCHOR_POSTS + 1)
    ]
    pair = [dataclasses.replace(russian, source_id="mfa", post_id="mfa/L1"),
            dataclasses.replace(french, source_id="emb", post_id="emb/L1")]  # fmt: skip
    alone = _as_before(pair)
    crowded = _as_before(filler + pair)
    assert [t.method for t in alone.translations] == ["features-cross-source"]
    assert crowded.translations == []
    assert source_relations(None, filler, []).frequent_anchors.num_rows > 0


def test_the_tables_keep_their_schemas_through_parquet(tmp_path, everything) -> None:
    dated = date_channels(everything[0], everything[1])
    by_id = {s.source_id: s for s in everything[1]}
    parts = []
    for source_id in by_id:
        members = [p for p in dated if p.source_id == source_id]
        reactions = [r for r in everything[2] if r.post_id.startswith(source_id + "/")]
        part = source_relations(by_id[source_id], members, reactions)
        assert (part.features.schema, part.candidates.schema) == (FEATURES, CANDIDATES)
        assert part.frequent_anchors.schema == FREQUENT_ANCHORS
        assert part.features.num_rows == len(members)
        read = []
        for name in ("features", "candidates", "frequent_anchors"):
            pq.write_table(getattr(part, name), tmp_path / f"{source_id}.{name}.parquet")
            read.append(pq.read_table(tmp_path / f"{source_id}.{name}.parquet"))
        parts.append(read)
    tables = [pa.concat_tables([p[k] for p in parts]) for k in range(3)]
    text_of = {p.post_id: p.text or "" for p in dated}
    texts = [text_of[post_id] for post_id in tables[0]["post_id"].to_pylist()]
    relations = relate.relate(*tables, lambda rows: [texts[r] for r in rows])
    assert (relations.duplicate_of, relations.translations) == _now(*everything)
    column = relations.duplicate_column()
    assert column.to_pylist() == [relations.duplicate_of.get(p.post_id) for p in dated]


def test_minhash_values_are_read_in_place_from_chunks_and_slices() -> None:
    texts = [ARTICLE, "court", ARTICLE.replace("Lavrov", "Choïgou"), ARTICLE[:200], ARTICLE[100:]]
    parts = [source_relations(None, [_post(f"tg{900 + i}/L1", t)], []).features for i, t in enumerate(texts)]
    column = pa.concat_tables([parts[0], pa.concat_tables(parts[1:]).slice(1)])["minhash"]
    expected = column.to_pylist()
    values = republications.Values(column)
    rows = np.array([3, 0, 2, 3, 1])
    taken = values.take(rows)
    for row, got in zip(rows, taken, strict=True):
        if expected[row] is not None:
            assert got.tolist() == expected[row]
    assert values.take(rows, 5).tolist() == [taken[i][5] for i in range(len(rows))]


# Translation pairs.


def _ordinal_pairs(posts: dict[str, PostRow], source_id: str) -> set[tuple[int, int]]:
    pairs = _translations([p for p in posts.values() if p.source_id == source_id])
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
    pairs = _as_before([russian, copy, french]).translations
    assert [p.target_post_id for p in pairs] == ["tg001/L295"]


def test_posts_of_one_language_are_never_paired(posts) -> None:
    french = [p for p in posts.values() if p.language == "fr"]
    assert _translations(french) == []


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


_WORDS = st.lists(
    st.sampled_from(["un", "Deux", "trois", "quatre", "cinq", "Лавров", "2025", "«", "🇷🇺"]), max_size=80
)


@given(st.lists(st.one_of(st.text(max_size=80), _WORDS.map(" ".join)), max_size=6))
def test_sketch_never_raises_counts_exactly_and_depends_on_the_text_only(texts: list[str]) -> None:
    counts, values, keys = republications.sketch(texts)
    assert counts.tolist() == [len(republications.shingles(t)) for t in texts]
    assert values.shape == (len(texts), republications.BINS)
    alone = [republications.sketch([t])[1][0] for t in texts]
    assert all((v == a).all() for v, a in zip(values, alone, strict=True))
    # The keys kept are those the whole-corpus step would make again from the text.
    assert keys.to_pylist() == [
        republications.shingle_keys(republications.words(t)).tolist()
        if n >= republications.MIN_SHINGLES
        else []
        for t, n in zip(texts, counts.tolist(), strict=True)
    ]


_LINE_CHARACTERS = "aZéÉßçЁёЛлvМ Ç_2²½ .!?…:«»(),-\t\u00a0\u2009🇷🇺"


@given(st.lists(st.text(alphabet=_LINE_CHARACTERS, max_size=60), max_size=4))
def test_name_candidates_as_before_on_any_line(lines: list[str]) -> None:
    assert list(translations.name_candidates(lines)) == list(relate_reference.name_candidates(lines))


def test_name_candidates_as_before_on_every_text(everything) -> None:
    for post in everything[0]:
        lines = [line.strip() for line in (post.text or "").split("\n") if line.strip()]
        assert list(translations.name_candidates(lines)) == list(relate_reference.name_candidates(lines))


def test_docstring_examples() -> None:
    for module in (names, relate, corpus, republications, same_post, source, translations):
        assert doctest.testmod(module).failed == 0


_KEYS = st.lists(st.integers(0, 40), max_size=30).map(lambda v: np.unique(np.array(v, dtype=np.uint64)))


@given(_KEYS, _KEYS)
def test_may_be_related_counts_the_keys_two_texts_share(a: np.ndarray, b: np.ndarray) -> None:
    common = len(np.intersect1d(a, b, assume_unique=True))
    expected = bool(len(a) and len(b)) and common >= republications.CONTAINMENT * min(len(a), len(b))
    assert republications.may_be_related(a, b) == expected


_RECORDS = st.lists(
    st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 40), max_size=40).map(
        lambda v: np.unique(np.array(v, dtype=np.uint64))
    ),
    min_size=1,
    max_size=12,
)


@given(
    _RECORDS,
    st.lists(st.booleans()),
    st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=40),
)
def test_keys_of_many_pairs_compared_at_once_as_pair_by_pair(records, cuts, pairs) -> None:
    # Small values share their high bits, which the count must see through; a record cut from
    # the one before it, nine tenths of its keys, is related to it.
    for i, cut in enumerate(cuts[1 : len(records)], start=1):
        if cut:
            records[i] = records[i - 1][: len(records[i - 1]) * 9 // 10]
    keys = np.concatenate([np.zeros(0, np.uint64), *records])
    offsets = np.cumsum([0, *map(len, records)])
    a = np.array([x % len(records) for x, _ in pairs], dtype=np.int64)
    b = np.array([y % len(records) for _, y in pairs], dtype=np.int64)
    shared = republications.shared_keys(keys, offsets[:-1], np.diff(offsets), a, b)
    allowed = republications.pairs_may_be_related(keys, offsets, a, b)
    for i, (x, y) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        common = len(np.intersect1d(records[x], records[y], assume_unique=True))
        assert shared[i] == common
        smaller = min(len(records[x]), len(records[y]))
        assert allowed[i] == (smaller > 0 and common >= republications.CONTAINMENT * smaller)


def test_plausible_pairs_as_the_binomial_distribution_says() -> None:
    rng = np.random.default_rng(0)
    equal = rng.integers(0, republications.BINS + 1, 200_000)
    least = rng.random(len(equal))
    # Half of them at the bound, give or take the last few bits.
    bound = republications._similarity_bounds()[equal[::2]]
    least[::2] = bound + rng.integers(-4, 5, len(bound)) * np.spacing(bound)
    expected = bdtr(equal, republications.BINS, least) >= republications.IMPLAUSIBLE
    assert (republications._plausible(equal, least) == expected).all()

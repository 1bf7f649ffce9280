"""Entities found by rule: each type on hand-written cases, the seeds' posts, and properties."""

from __future__ import annotations

import datetime as dt
import doctest
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import GOLDEN, parse_seed
from diplocorpus import rules
from diplocorpus.evaluation import (
    compare_rules_with_page_marks,
    compare_rules_with_telegram_marks,
    golden_telegram_files,
)
from diplocorpus.records import ParsedRecord
from diplocorpus.rules import RULE_PRIORITY, date_years, find_dates, find_rule_entities


def found(text: str, year: int | None = None) -> list[tuple[str, str, str]]:
    return [(m.type, m.surface, m.normalized) for m in find_rule_entities(text, year)]


def dates(text: str, year: int | None = None) -> list[tuple[str, str]]:
    return [(m.surface, m.normalized) for m in find_rule_entities(text, year) if m.type == "DATE"]


@pytest.mark.parametrize(
    ("text", "surface", "normalized"),
    [
        ("se sont entretenus à Riyad le 18 février avec", "18 février", "--02-18"),
        ("Le Caire, le 20 décembre 2025", "20 décembre 2025", "2025-12-20"),
        ("le 1er mars 2024", "1er mars 2024", "2024-03-01"),
        ("en Normandie le 6 juin 1944 est", "6 juin 1944", "1944-06-06"),
        ("tenue les 19–20 décembre 2025 au Caire", "19–20 décembre 2025", "2025-12-19/2025-12-20"),
        ("les 19-20 décembre", "19-20 décembre", "--12-19/--12-20"),
        ("Dans la nuit du 28 au 29 décembre, le régime", "28 au 29 décembre", "--12-28/--12-29"),
        ("(Москва, 29 декабря 2025 года)", "29 декабря 2025 года", "2025-12-29"),
        ("26 декабря 2025 г. состоялась", "26 декабря 2025 г.", "2025-12-26"),
        ("состоявшаяся 19–20 декабря 2025 года в Каире", "19–20 декабря 2025 года", "2025-12-19/2025-12-20"),
        ("на календаре 20 декабря и", "20 декабря", "--12-20"),
        ("В ночь с 28 на 29 декабря киевский режим", "28 на 29 декабря", "--12-28/--12-29"),
        ("(Сочи, 23-24 октября 2019 года)", "23-24 октября 2019 года", "2019-10-23/2019-10-24"),
        ("on February 20, 2025 in", "February 20, 2025", "2025-02-20"),
        ("on 20 February 2025 in", "20 February 2025", "2025-02-20"),
        ("February 20–21 in Johannesburg", "February 20–21", "--02-20/--02-21"),
        ("sans accents : 3 fevrier et", "3 fevrier", "--02-03"),
        ("le 15 aout", "15 aout", "--08-15"),
        ("LE 18 FÉVRIER 2025", "18 FÉVRIER 2025", "2025-02-18"),
        ("du 28 février au 2 mars 2025", "28 février au 2 mars 2025", "2025-02-28/2025-03-02"),
        ("du 28 décembre au 3 janvier 2026", "28 décembre au 3 janvier 2026", "2025-12-28/2026-01-03"),
        ("le 29 février 2024", "29 février 2024", "2024-02-29"),
        ("le 29 février", "29 février", "--02-29"),
        ("1514 (XV) du 14 décembre 1960 et", "14 décembre 1960", "1960-12-14"),
        ("20 декабря 2025г. в", "20 декабря 2025г.", "2025-12-20"),
    ],
)
def test_a_date_is_found_with_its_span_and_iso_form(text: str, surface: str, normalized: str) -> None:
    assert dates(text) == [(surface, normalized)]


@pytest.mark.parametrize(
    "text",
    [
        "la tenue en 2026 du prochain sommet",  # a bare year
        "le Plan d'action pour 2023–2026",
        "à Moscou (mai) et Pékin (septembre)",  # months without a day
        "en juin également commençait",
        "à 18:30 heure de Moscou, 24 heures",  # times
        "les résolutions 1514 (XV) et 79/115",  # numbers
        "le 31 février",  # no such day
        "le 30 février 2024, le 29 février 2023",
        "le 32 mars, le 0 mai",
        "they may 5 times",  # 'may' lower-case is a verb
        "в 2011 году, образца XIX века",
        "123 mars",
        "Март 2025 года",
    ],
)
def test_what_is_not_a_date(text: str) -> None:
    assert dates(text) == []


def test_a_yearless_date_takes_the_given_year_and_keeps_its_own() -> None:
    text = "le 20 février et le 18 février 2024, du 28 décembre au 3 janvier"
    assert dates(text, 2025) == [
        ("20 février", "2025-02-20"),
        ("18 février 2024", "2024-02-18"),
        ("28 décembre au 3 janvier", "2024-12-28/2025-01-03"),  # the year is the last day's
    ]


def test_29_february_in_an_assumed_year_without_it_stays_yearless() -> None:
    assert dates("le 29 février", 2025) == [("29 février", "--02-29")]
    assert dates("le 29 février", 2024) == [("29 février", "2024-02-29")]


def test_a_backward_range_is_the_second_day_alone() -> None:
    assert dates("les 20-19 décembre") == [("19 décembre", "--12-19")]
    # 'на' joins two days only in 'с 28 на 29': 'перенесли 28 на 29' is a move to the 29th
    assert dates("перенесли 28 на 29 декабря") == [("29 декабря", "--12-29")]


def test_date_mention_fields() -> None:
    [single, night] = find_dates("(Москва, 29 декабря 2025 года) В ночь с 28 на 29 декабря")
    assert (single.first, single.last, single.month, single.day, single.year_given) == (
        dt.date(2025, 12, 29),
        dt.date(2025, 12, 29),
        12,
        29,
        True,
    )
    assert not single.is_range
    assert (night.first, night.last, night.year_given, night.is_range) == (None, None, False, True)
    assert (night.month, night.day, night.last_month, night.last_day) == (12, 28, 12, 29)
    assert night.resolve(2025) == (dt.date(2025, 12, 28), dt.date(2025, 12, 29))
    assert find_dates("le 29 février")[0].resolve(2025) is None


def test_date_years_lists_the_years_written_with_a_day() -> None:
    assert date_years(
        "le 6 juin 1944, le 18 février 2025, le 20 février, en 2026, 19-20 декабря 2025 года"
    ) == [1944, 2025]
    assert date_years("rien") == []


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("#RussieMali #G20. #Итоги2025, #EnDirect:", ["RussieMali", "G20", "Итоги2025", "EnDirect"]),
        ("#RussieÉtatsUnis", ["RussieÉtatsUnis"]),
        ("n°#1, C#, a#b, &#39;", []),
        # As Telegram reads them: no hashtag when a '#' follows; '#tag@channel' is one.
        ("#CO#_p #UT#VI #fin", ["fin"]),
        ("#Side_Benefits@madrasatunaa\n#a@abc", ["Side_Benefits@madrasatunaa", "a"]),
    ],
)
def test_hashtags(text: str, tags: list[str]) -> None:
    assert [m.normalized for m in find_rule_entities(text) if m.type == "HASHTAG"] == tags
    assert all(m.surface == "#" + m.normalized for m in find_rule_entities(text) if m.type == "HASHTAG")


def test_mentions_are_handles_not_email_addresses() -> None:
    text = "Suivez @MID_Russia et @mfa_russia_fr; écrivez à presse@ambrusse.fr, pas @abc ni @" + "a" * 33
    assert found(text) == [
        ("MENTION", "@MID_Russia", "mid_russia"),
        ("MENTION", "@mfa_russia_fr", "mfa_russia_fr"),
    ]
    assert found("@ambrusse.fr") == []


@pytest.mark.parametrize(
    ("text", "surface", "normalized"),
    [
        (
            "Voir https://mid.ru/fr/foreign_policy/news/1999999/.",
            "https://mid.ru/fr/foreign_policy/news/1999999/",
            "https://mid.ru/fr/foreign_policy/news/1999999/",
        ),
        ("(http://example.org/a?b=1&c=2)", "http://example.org/a?b=1&c=2", "http://example.org/a?b=1&c=2"),
        ("«https://x.org/p»", "https://x.org/p", "https://x.org/p"),
        ("lien : www.mid.ru!", "www.mid.ru", "https://www.mid.ru"),
        ("t.me/MID_Russia/12345, puis", "t.me/MID_Russia/12345", "https://t.me/MID_Russia/12345"),
        (
            "https://fr.wikipedia.org/wiki/Paris_(France).",
            "https://fr.wikipedia.org/wiki/Paris_(France)",
            "https://fr.wikipedia.org/wiki/Paris_(France)",
        ),
        (
            "https://mid.ru/page#RussieMali?",
            "https://mid.ru/page#RussieMali",
            "https://mid.ru/page#RussieMali",
        ),
    ],
)
def test_urls_leave_out_the_trailing_punctuation(text: str, surface: str, normalized: str) -> None:
    assert found(text) == [("URL", surface, normalized)]


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("Le site mid.ru.", "mid.ru"),
        ("sur mid.ru»", "mid.ru"),
        ("(voir ria.ru)", "ria.ru"),
        ("lire francais.rt.com/international/1 !", "francais.rt.com/international/1"),
        ("Сайт кремль.рф, и всё", "кремль.рф"),
        ("GitLab.com/x/y?z=1: ici", "GitLab.com/x/y?z=1"),
        ("[happytogether.com.cn]", "happytogether.com.cn"),
    ],
)
def test_bare_domain_names_are_links(text: str, surface: str) -> None:
    assert found(text) == [("URL", surface, "https://" + surface)]


@pytest.mark.parametrize(
    "text",
    [
        "presse@mid.ru",  # an e-mail address
        "mid.ruи",  # the name goes on: Telegram reads another top-level domain
        "example.com（注）",
        "Moscou.Le ministre",  # a missing space
        "le pays.la Russie",  # a top-level domain that is also a French word
        "etc...com, -a.com, a-.com, café.com, x_y.com, /mid.ru, #mid.ru",
        "c.-à-d., J.-C., M.Lavrov, 3.5 ml",
    ],
)
def test_what_is_not_a_bare_domain_name(text: str) -> None:
    assert [m for m in find_rule_entities(text) if m.type == "URL"] == []


def test_a_url_leaves_out_a_closing_bracket_it_did_not_open() -> None:
    assert found("[https://t.me/ruqyachannel/59].") == [
        ("URL", "https://t.me/ruqyachannel/59", "https://t.me/ruqyachannel/59")
    ]
    assert found("https://fr.wikipedia.org/wiki/A_[b]") == [
        ("URL", "https://fr.wikipedia.org/wiki/A_[b]", "https://fr.wikipedia.org/wiki/A_[b]")
    ]
    assert found("{mid.ru/x}") == [("URL", "mid.ru/x", "https://mid.ru/x")]


def test_a_url_swallows_the_hashtag_and_handle_inside_it() -> None:
    assert found("https://t.me/s/MID_Russia?q=@MID_Russia#Итоги2025") == [
        (
            "URL",
            "https://t.me/s/MID_Russia?q=@MID_Russia#Итоги2025",
            "https://t.me/s/MID_Russia?q=@MID_Russia#Итоги2025",
        )
    ]
    assert found("https:// et www. seuls") == []


def test_flags_are_pairs_of_regional_indicators() -> None:
    assert found("Посольство 🇷🇺 России в 🇲🇱 Мали 🇷🇺🇺🇸") == [
        ("FLAG", "🇷🇺", "RU"),
        ("FLAG", "🇲🇱", "ML"),
        ("FLAG", "🇷🇺", "RU"),
        ("FLAG", "🇺🇸", "US"),
    ]
    assert found("\U0001f1f7 seul") == []


def test_subdivision_flags_are_iso_3166_2_codes() -> None:
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    assert found(f"drapeau {scotland}.") == [("FLAG", scotland, "GB-SCT")]
    assert found("\U0001f3f4 noir") == []


def test_a_hashtag_with_a_number_is_not_a_date() -> None:
    assert found("#Bilan2025 #G20 20 février") == [
        ("HASHTAG", "#Bilan2025", "Bilan2025"),
        ("HASHTAG", "#G20", "G20"),
        ("DATE", "20 février", "--02-20"),
    ]


# Every date, URL and handle of the seeds' Telegram posts, read by hand in the texts.
SEED_DATES = {
    "tg000/L1": ["18 février"],
    "tg000/L21": ["18 février 2025"],
    "tg000/L69": ["20 février"],
    "tg000/L75": ["20 février"],
    "tg000/L81": ["20 février"],
    "tg000/L87": ["20 février"],
    "tg000/L93": ["20 février"],
    "tg000/L99": ["6 juin 1944", "18 février 2025"],
    "tg000/L135": ["21 février"],
    "tg000/L147": ["18 février 2025"],
    "tg001/L17": ["20 декабря 2025 года"],
    "tg001/L57": ["20 décembre 2025"],
    "tg001/L91": [
        "20 декабря 2025 года",
        "23-24 октября 2019 года",
        "27-28 июля 2023 года",
        "14 декабря 1960 года",
        "4 декабря 2024 года",
    ],
    "tg001/L128": [
        "20 décembre 2025",
        "23-24 octobre 2019",
        "27-28 juillet 2023",
        "14 décembre 1960",
        "4 décembre 2024",
    ],
    "tg001/L163": ["26 декабря 2025 г.", "19–20 декабря 2025 года"],
    "tg001/L192": ["26 décembre 2025", "19–20 décembre 2025"],
    "tg001/L213": ["15 августа", "14 декабря", "4 декабря"],
    "tg001/L249": ["15 août", "14 décembre", "4 décembre"],
    "tg001/L278": ["29 декабря 2025 года", "28 на 29 декабря"],
    "tg001/L295": ["29 décembre 2025", "28 au 29 décembre"],
    "tg001/L311": ["29 декабря 2025 года", "29 декабря"],
    "tg001/L335": ["29 décembre 2025"],
}
SEED_TAGS_AND_FLAGS = {
    "tg000/L1": ["RU", "US", "SA", "RussieÉtatsUnis"],
    "tg000/L15": ["EnDirect"],
    "tg000/L75": ["RU", "ZA", "G20", "RussieAfriqueDuSud"],
    "tg000/L141": ["EnDirect", "G20"],
    "tg001/L128": ["RussieAfrique", "BRICS"],
    "tg001/L163": ["РоссияМали", "РоссияАфрика"],
    "tg001/L213": ["RU", "Итоги2025"],
    "tg001/L249": ["RU", "Bilan2025"],
    "tg001/L310": ["RU", "ML"],
}


def seed_posts() -> dict[str, str]:
    return {
        f"{source}/L{r.line_start}": r.text or ""
        for source in ("tg000", "tg001")
        for r in parse_seed(source)
        if isinstance(r, ParsedRecord)
    }


def test_seed_posts_dates_hashtags_and_flags() -> None:
    for post_id, text in seed_posts().items():
        mentions = find_rule_entities(text)
        assert [m.surface for m in mentions if m.type == "DATE"] == SEED_DATES.get(post_id, []), post_id
        assert not [m for m in mentions if m.type in ("URL", "MENTION")], post_id  # the render kept no links
        if post_id in SEED_TAGS_AND_FLAGS:
            assert [m.normalized for m in mentions if m.type in ("HASHTAG", "FLAG")] == SEED_TAGS_AND_FLAGS[
                post_id
            ]


def test_seed_dates_normalized_with_the_channel_year() -> None:
    texts = seed_posts()
    assert [m.normalized for m in find_rule_entities(texts["tg001/L278"], 2025) if m.type == "DATE"] == [
        "2025-12-29",
        "2025-12-28/2025-12-29",
    ]
    assert [m.normalized for m in find_rule_entities(texts["tg001/L91"]) if m.type == "DATE"] == [
        "2025-12-20",
        "2019-10-23/2019-10-24",
        "2023-07-27/2023-07-28",
        "1960-12-14",
        "2024-12-04",
    ]


_ISO = re.compile(r"(?:\d{4}|-)-\d{2}-\d{2}(?:/(?:\d{4}|-)-\d{2}-\d{2})?")
_PIECES = st.sampled_from(
    [
        "18 février",
        "2025",
        " ",
        "\n",
        "#G20",
        "@MID_Russia",
        "https://t.me/x#y",
        "www.",
        "t.me/",
        "🇷🇺",
        "🇲",
        "–",
        "-",
        "au",
        "на",
        "с",
        "29",
        "31",
        "1er",
        "декабря",
        "года",
        "г.",
        ",",
        ")",
        "(",
        "February",
        "#",
        "@",
        "\U0001f3f4\U000e0067\U000e0062",
        "\U000e007f",
        "e@mail.org",
        "mid.ru",
        ".com",
        "кремль.рф",
        "/",
        "[",
        "]",
        ".",
        "@channel",
    ]
)


@given(st.lists(_PIECES | st.text(max_size=8), max_size=40).map("".join), st.none() | st.integers(1000, 2199))
def test_rule_entities_hold_their_invariants_on_any_text(text: str, year: int | None) -> None:
    mentions = find_rule_entities(text, year)
    assert mentions == sorted(mentions, key=lambda m: (m.start, m.end))
    for m in mentions:
        assert text[m.start : m.end] == m.surface and m.surface
        assert m.type in RULE_PRIORITY
        if m.type == "DATE":
            assert _ISO.fullmatch(m.normalized)
    for before, after in zip(mentions, mentions[1:], strict=False):
        assert before.end <= after.start
    assert find_rule_entities(text, year) == mentions


@given(st.lists(_PIECES, max_size=60).map("".join), st.none() | st.integers(1000, 2199))
def test_overlaps_are_settled_as_by_the_first_claim(text: str, year: int | None) -> None:
    """find_rule_entities keeps each candidate, in RULE_PRIORITY order, that overlaps none
    kept before it: as this plain reference does, comparing with every kept mention."""
    candidates = [
        *rules._find_urls(text),
        *rules._find_mentions(text),
        *rules._find_hashtags(text),
        *rules._find_flags(text),
        *(rules._date_as_mention(d) for d in find_dates(text, year)),
    ]
    kept: list[rules.Mention] = []
    for m in candidates:
        if not any(m.start < other.end and other.start < m.end for other in kept):
            kept.append(m)
    assert find_rule_entities(text, year) == sorted(kept, key=lambda m: (m.start, m.end))


@given(st.text(max_size=200))
def test_find_dates_never_raises_and_dates_are_ordered(text: str) -> None:
    for date in find_dates(text, 2025):
        assert text[date.start : date.end] == date.surface
        if date.first is not None:
            assert date.last is not None and date.first <= date.last


def test_docstring_examples() -> None:
    result = doctest.testmod(rules)
    assert result.attempted > 0 and result.failed == 0


EXPORTS, PAGES = golden_telegram_files(GOLDEN)


@pytest.mark.parametrize("export", EXPORTS, ids=lambda p: p.parent.name)
def test_the_rules_find_what_telegram_marked_in_real_exports(export: Path) -> None:
    """Every link, hashtag and @mention that Telegram marked in a real Desktop export is
    found, and nothing else in its plain text."""
    comparison = compare_rules_with_telegram_marks(export)
    assert comparison.disagreements == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.parent.name)
def test_the_rules_find_what_telegram_marked_in_real_pages(page: Path) -> None:
    comparison = compare_rules_with_page_marks(page)
    assert comparison.disagreements == []


def test_the_real_telegram_files_hold_marks_of_every_type() -> None:
    """So that the two tests above compare something."""
    exports, pages = compare_rules_with_telegram_marks(*EXPORTS), compare_rules_with_page_marks(*PAGES)
    marked = {
        kind: sum(c.counts[kind].true_positives + c.counts[kind].false_negatives for c in (exports, pages))
        for kind in ("URL", "HASHTAG", "MENTION")
    }
    assert marked["URL"] >= 50 and marked["HASHTAG"] >= 400 and marked["MENTION"] >= 5

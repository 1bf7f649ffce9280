"""Publication-date intervals: every seed Telegram post against the dates read in it, rules, properties."""

from __future__ import annotations

import datetime as dt
import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import parse_seed
from diplocorpus import dates
from diplocorpus.dates import DateBound, DatedInput, bound_dates, event_dates
from diplocorpus.records import ParsedRecord

D = dt.date
UTC = dt.UTC


def seed_inputs(source: str) -> tuple[list[str], list[DatedInput]]:
    records = [r for r in parse_seed(source) if isinstance(r, ParsedRecord)]
    return [f"{source}/L{r.line_start}" for r in records], [DatedInput(r.text, r.kind) for r in records]


def bounded(source: str, collected_at: dt.date | None = None) -> dict[str, DateBound]:
    ids, inputs = seed_inputs(source)
    return dict(zip(ids, bound_dates(inputs, collected_at), strict=True))


# Read in the texts: (date_min, source, event dates the text gives). No record has a
# timestamp, so date_max is None throughout without collected_at.
TG000 = {
    # '⚡️ Sur les consultations russo-américaines', then '… se sont entretenus à Riyad le 18
    # février avec une délégation américaine …': a reported event, year from L21 '18 février 2025'.
    "tg000/L1": (D(2025, 2, 18), "text", ("2025-02-18",)),
    "tg000/L15": (D(2025, 2, 18), "neighbours", ()),  # #EnDirect, Lavrov at the Duma: no date, after L1
    "tg000/L21": (D(2025, 2, 18), "text", ("2025-02-18",)),  # '📍 Riyad, 18 février 2025'
    "tg000/L53": (D(2025, 2, 18), "neighbours", ()),  # arrival in Johannesburg, after Riyadh
    "tg000/L55": (D(2025, 2, 18), "neighbours", ()),  # Lavrov and Wang Yi at the G20
    "tg000/L57": (D(2025, 2, 18), "neighbours", ()),  # SVR statement
    "tg000/L69": (D(2025, 2, 20), "text", ("2025-02-20",)),  # '📍 Johannesburg, 20 février', year from Riyadh
    "tg000/L75": (D(2025, 2, 20), "text", ("2025-02-20",)),  # Ramaphosa
    "tg000/L81": (D(2025, 2, 20), "text", ("2025-02-20",)),  # Jaishankar
    "tg000/L87": (D(2025, 2, 20), "text", ("2025-02-20",)),  # Attaf
    "tg000/L93": (D(2025, 2, 20), "text", ("2025-02-20",)),  # Fidan
    # Zakharova: '(Extrait du point de presse … du 18 février 2025)' is earlier than the 20th
    # before it; '6 juin 1944' in the body does not count.
    "tg000/L99": (D(2025, 2, 20), "neighbours", ("2025-02-18",)),
    "tg000/L135": (D(2025, 2, 21), "text", ("2025-02-21",)),  # '📍 Johannesburg, 21 février'
    "tg000/L141": (D(2025, 2, 21), "neighbours", ()),  # Lavrov's press conference after the G20
    "tg000/L147": (D(2025, 2, 21), "neighbours", ("2025-02-18",)),  # same briefing extract as L99
}
TG001 = {
    "tg001/L1": (None, None, ()),  # Putin's message to the conference: no date in it
    "tg001/L17": (D(2025, 12, 20), "text", ("2025-12-20",)),  # '(Каир, 20 декабря 2025 года)'
    "tg001/L57": (D(2025, 12, 20), "text", ("2025-12-20",)),  # '…, Le Caire, le 20 décembre 2025'
    # Joint statement: the headline date; the summits of 2019 and 2023 and the resolutions of
    # 1960 and 2024 are in the body and do not count.
    "tg001/L91": (D(2025, 12, 20), "text", ("2025-12-20",)),
    "tg001/L128": (D(2025, 12, 20), "text", ("2025-12-20",)),  # '(Le Caire, 20 décembre 2025)'
    "tg001/L163": (D(2025, 12, 26), "text", ("2025-12-26",)),  # '26 декабря 2025 г. состоялась'
    "tg001/L192": (D(2025, 12, 26), "text", ("2025-12-26",)),  # 'Le 26 décembre 2025, une conférence'
    # The year's review: '15 августа', '14 декабря' (a proclaimed international day) are body dates.
    "tg001/L213": (D(2025, 12, 26), "neighbours", ()),
    "tg001/L249": (D(2025, 12, 26), "neighbours", ()),
    "tg001/L278": (D(2025, 12, 29), "text", ("2025-12-29",)),  # '(Москва, 29 декабря 2025 года)'
    "tg001/L295": (D(2025, 12, 29), "text", ("2025-12-29",)),  # '(Moscou, 29 décembre 2025)'
    "tg001/L310": (D(2025, 12, 29), "neighbours", ()),  # the rename: a service record, no text dates
    "tg001/L311": (D(2025, 12, 29), "text", ("2025-12-29",)),  # Ushakov '(29 декабря 2025 года)'
    "tg001/L335": (D(2025, 12, 29), "text", ("2025-12-29",)),  # '(29 décembre 2025)'
}


@pytest.mark.parametrize(("source", "expected"), [("tg000", TG000), ("tg001", TG001)])
def test_every_seed_post_against_the_dates_in_its_text(source: str, expected: dict) -> None:
    bounds = bounded(source)
    assert list(bounds) == list(expected)
    for post_id, (date_min, date_source, text_dates) in expected.items():
        bound = bounds[post_id]
        assert (bound.date_min, bound.date_max, bound.date_source, bound.text_dates) == (
            date_min,
            None,
            date_source,
            text_dates,
        ), post_id
        assert bound.ignored == (), post_id


def test_seed_with_collected_at_bounds_every_post_from_above() -> None:
    bounds = bounded("tg000", collected_at=D(2025, 2, 22))
    assert {b.date_max for b in bounds.values()} == {D(2025, 2, 22)}
    assert {b.max_from for b in bounds.values()} == {None}
    assert (bounds["tg000/L1"].date_min, bounds["tg000/L1"].date_source) == (D(2025, 2, 18), "text")
    assert bounds["tg000/L69"].date_min == D(2025, 2, 20)


def test_seed_collected_before_a_dateline_ignores_it() -> None:
    # A collection date before the 21st contradicts '📍 Johannesburg, 21 février': the text date goes.
    bounds = bounded("tg000", collected_at=D(2025, 2, 20))
    assert bounds["tg000/L135"].date_min == D(2025, 2, 20)
    assert bounds["tg000/L135"].date_source == "neighbours"
    assert bounds["tg000/L135"].ignored == ("21 février: after 2025-02-20",)


def post(text: str | None, published_at: dt.datetime | None = None, kind: str = "post") -> DatedInput:
    return DatedInput(text, kind, published_at)


def summary(bounds: list[DateBound]) -> list[tuple[str | None, str | None, str | None]]:
    return [
        (b.date_min and b.date_min.isoformat(), b.date_max and b.date_max.isoformat(), b.date_source)
        for b in bounds
    ]


def test_a_native_timestamp_is_both_bounds_and_bounds_the_posts_before_it() -> None:
    bounds = bound_dates(
        [
            post("📍 Riyad, 18 février 2025"),
            post("sans date"),
            post("daté", dt.datetime(2025, 2, 19, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-3)))),
            post("après"),
        ]
    )
    assert summary(bounds) == [
        ("2025-02-18", "2025-02-20", "text"),
        ("2025-02-18", "2025-02-20", "neighbours"),
        ("2025-02-20", "2025-02-20", "native"),  # 23:30 at UTC-3 is the 20th in UTC
        ("2025-02-20", None, "neighbours"),
    ]
    assert [(b.min_from, b.max_from) for b in bounds] == [(0, 2), (0, 2), (2, 2), (2, None)]


def test_a_text_date_after_a_later_timestamp_is_ignored() -> None:
    bounds = bound_dates(
        [post("📍 Moscou, 25 février 2025"), post("x", dt.datetime(2025, 2, 20, tzinfo=UTC))]
    )
    assert summary(bounds) == [(None, "2025-02-20", "neighbours"), ("2025-02-20", "2025-02-20", "native")]
    assert bounds[0].ignored == ("25 février 2025: after 2025-02-20",)


def test_a_yearless_date_after_new_year() -> None:
    bounds = bound_dates([post("(Moscou, 29 décembre 2025)"), post("📍 Minsk, 3 janvier")])
    assert summary(bounds) == [("2025-12-29", None, "text"), ("2026-01-03", None, "text")]
    assert bounds[1].text_dates == ("2026-01-03",)


def test_a_yearless_date_takes_the_year_of_the_next_dated_post_when_none_comes_before() -> None:
    bounds = bound_dates([post("📍 Johannesburg, 20 février"), post("x"), post("(Moscou, 22 février 2025)")])
    assert summary(bounds) == [
        ("2025-02-20", None, "text"),
        ("2025-02-20", None, "neighbours"),
        ("2025-02-22", None, "text"),
    ]


def test_a_yearless_date_with_only_collected_at_takes_the_latest_year_before_it() -> None:
    bounds = bound_dates([post("📍 Johannesburg, 20 février")], collected_at=D(2026, 1, 10))
    assert summary(bounds) == [("2025-02-20", "2026-01-10", "text")]


def test_a_yearless_date_with_nothing_to_place_it_bounds_nothing() -> None:
    bounds = bound_dates([post("📍 Johannesburg, 20 février")])
    assert summary(bounds) == [(None, None, None)]
    assert bounds[0].ignored == ("20 février: no year",)


def test_an_earlier_event_reported_later_keeps_the_bound_from_before() -> None:
    bounds = bound_dates([post("📍 Riyad, 18 février 2025"), post("📍 Riyad, 17 février")])
    assert summary(bounds) == [("2025-02-18", None, "text"), ("2025-02-18", None, "neighbours")]
    assert bounds[1].text_dates == ("2025-02-17",)  # the closest year, not 2026


def test_a_range_bounds_from_its_first_day() -> None:
    bounds = bound_dates([post("26 декабря 2025 г."), post("Конференция (Каир, 19–20 декабря 2025 года)")])
    assert bounds[1].text_dates == ("2025-12-19/2025-12-20",)
    assert summary(bounds)[1] == ("2025-12-26", None, "neighbours")


def test_service_records_give_no_text_dates_but_take_the_neighbours() -> None:
    bounds = bound_dates(
        [
            post("(Moscou, 29 décembre 2025)"),
            post("Channel name was changed to «20 декабря 2027 года»", kind="service"),
        ]
    )
    assert summary(bounds)[1] == ("2025-12-29", None, "neighbours")


@pytest.mark.parametrize(
    ("text", "surfaces"),
    [
        ("🎙 Allocution\n📍 Riyad, 18 février 2025\n💬 texte", ["18 février 2025"]),
        ("Texte\n📍 Le Caire, le 20 décembre", ["20 décembre"]),
        ("Заявление (Москва, 29 декабря 2025 года)\nтекст", ["29 декабря 2025 года"]),
        ("Allocution de Lavrov, Le Caire, le 20 décembre 2025\ntexte", ["20 décembre 2025"]),
        (
            "🎙 Zakharova :\ntexte\n(Extrait du point de presse du 18 février 2025)\n#RussieFrance",
            ["18 février 2025"],
        ),
        ("26 декабря 2025 г. состоялась пресс-конференция.", ["26 декабря 2025 г."]),
        ("Le 26 décembre 2025, une conférence", ["26 décembre 2025"]),
        ("Le 20 février, Lavrov a rencontré", ["20 février"]),
        # not the post's own event:
        ("Titre\nle prochain sommet se tiendra le 15 mars 2026.", []),  # body date
        ("Le 15 mars 2026 se tiendra le sommet.", []),  # future
        ("Анонс: брифинг М.В.Захаровой (Москва, 15 января 2026 года)", []),
        ("14 декабря – Международный день борьбы против колониализма", []),  # neither comma nor year
        ("Le 14 décembre, Journée internationale de lutte contre le colonialisme", []),  # recurring day
        ("Titre\nles sommets (Sochi, 23-24 octobre 2019) et suite", []),  # parenthesis inside a body line
        ("Titre\nse sont entretenus à Riyad le 18 février avec", ["18 février"]),  # reported event
        ("Titre\nTexte.\nse sont entretenus à Riyad le 18 février avec", []),  # third line: body
        ("Titre\nTexte. Ils se sont entretenus à Riyad le 18 février.", []),  # second sentence: body
        ("Le 20 février Lavrov", []),  # an opening date needs a comma or a year
        ("Titre\nParis, 14 juillet 1789 fut prise la Bastille", []),  # a dateline is a line of its own
    ],
)
def test_event_dates(text: str, surfaces: list[str]) -> None:
    dates = event_dates(text)
    assert [d.surface for d in dates] == surfaces
    assert all(text[d.start : d.end] == d.surface for d in dates)


def test_a_future_date_in_the_body_does_not_bound() -> None:
    bounds = bound_dates(
        [
            post("(Moscou, 29 décembre 2025)"),
            post("Bilan\nLe prochain sommet se tiendra le 15 mars 2026 à Moscou."),
        ]
    )
    assert summary(bounds)[1] == ("2025-12-29", None, "neighbours")


@pytest.mark.parametrize(
    ("text", "surfaces"),
    [
        # A completed past verb with the date as its adverbial, in the headline or the line after it:
        ("⚡️ Titre\nLavrov et Rubio se sont entretenus à Riyad le 18 février avec Rubio.", ["18 février"]),
        ("Sergueï Lavrov a rencontré le 18 février son homologue.", ["18 février"]),
        ("Titre\nLes ministres ont également signé le 18 février un accord.", ["18 février"]),
        ("Titre\nLavrov s’est rendu au Caire le 20 décembre.", ["20 décembre"]),
        ("Titre\nLa délégation est arrivée à Moscou le 3 mars.", ["3 mars"]),
        ("Заголовок\nС.В.Лавров провёл 18 февраля переговоры с М.Рубио.", ["18 февраля"]),
        ("Заголовок\n18 февраля в Эр-Рияде состоялись переговоры.", ["18 февраля"]),
        ("Заголовок\nПереговоры состоялись в Эр-Рияде 18 февраля.", ["18 февраля"]),
        ("Le 18 février s'est tenue à Riyad une rencontre.", ["18 février"]),
        # the present: a scheduled day as often as the day itself
        ("Titre\nLavrov se rend à Paris le 15 mars.", []),
        ("Titre\nLe sommet a lieu le 15 mars.", []),
        ("Titre\nLavrov est attendu à Paris le 15 mars.", []),  # être + participle: a present passive
        ("Titre\nNous sommes invités à Moscou le 15 mars.", []),
        # future, conditional, negation
        ("Titre\nIls auront rencontré Rubio le 18 février.", []),
        ("Titre\nIls se seraient entretenus à Riyad le 18 février.", []),
        ("Titre\nLavrov n'a pas rencontré Rubio le 18 février.", []),
        ("Titre\nIls se sont entretenus à Riyad le 18 février prochain.", []),
        # a past decision about a later day, or a reported future plan
        ("Titre\nLes ministres ont fixé le 15 mars pour leur réunion.", []),
        ("Titre\nLa réunion a été reportée au 15 mars.", []),
        ("Titre\nLes ministres ont convenu de se retrouver à Genève le 15 mars.", []),
        ("Titre\nLavrov a annoncé que le sommet se tiendra le 15 mars.", []),
        ("Titre\nLavrov a déclaré que les parties se sont engagées à se revoir le 15 mars.", []),
        ("Titre\nRubio a indiqué : « nous nous reverrons à Genève le 15 mars ».", []),
        ("Заголовок\nСтороны договорились 15 марта провести новую встречу.", []),
        ("Заголовок\nСтороны условились провести встречу 15 марта.", []),
        ("Заголовок\nЛавров предложил, чтобы стороны провели 15 марта новую встречу.", []),
        ("Заголовок\nРоссийский посол 18 февраля вручит верительные грамоты.", []),  # 'посол' is no verb
        # recurring days and anniversaries
        ("Titre\nL'ONU a proclamé le 14 décembre Journée internationale contre le colonialisme.", []),
        ("Заголовок\nГенассамблея провозгласила 14 декабря Международным днём борьбы с колониализмом.", []),
        ("Titre\nNous avons célébré le 9 mai le 80e anniversaire de la Victoire.", []),
        # not next to the verb: the date may belong to something else
        ("Titre\nLes parties ont discuté de la réunion du 15 mars.", []),
        ("Titre\nLes parties ont évoqué une rencontre le 15 mars.", []),
    ],
)
def test_reported_event_dates(text: str, surfaces: list[str]) -> None:
    assert [d.surface for d in event_dates(text)] == surfaces


def test_a_reported_event_is_a_lower_bound_carried_to_the_posts_after_it() -> None:
    bounds = bound_dates(
        [
            post("⚡️ Sur les consultations\nLavrov et Rubio se sont entretenus à Riyad le 18 février."),
            post("🔴 #EnDirect : Discours de Lavrov à la Douma."),
            post("📍 Riyad, 18 février 2025"),
        ]
    )
    assert summary(bounds) == [
        ("2025-02-18", None, "text"),  # year from the dated post after it
        ("2025-02-18", None, "neighbours"),
        ("2025-02-18", None, "text"),
    ]


def test_a_reported_event_after_a_later_timestamp_is_ignored() -> None:
    # Reporting an event does not date the post to it: a timestamp after it bounds from above,
    # and a reported day later than that timestamp cannot be right.
    bounds = bound_dates(
        [
            post("Titre\nLavrov a rencontré le 25 février 2025 son homologue."),
            post("x", dt.datetime(2025, 2, 20, tzinfo=UTC)),
        ]
    )
    assert summary(bounds)[0] == (None, "2025-02-20", "neighbours")
    assert bounds[0].ignored == ("25 février 2025: after 2025-02-20",)


def test_datetime_collected_at_is_taken_in_utc() -> None:
    moment = dt.datetime(2025, 2, 22, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    assert bound_dates([post("x")], moment)[0].date_max == D(2025, 2, 21)


def test_no_records() -> None:
    assert bound_dates([]) == []


# --- properties ----------------------------------------------------------------------------------

_TEXTS = st.sampled_from(
    [
        "📍 Riyad, 18 février 2025",
        "📍 Johannesburg, 20 février",
        "(Moscou, 29 décembre 2025)",
        "📍 Minsk, 3 janvier",
        "Le 26 décembre 2025, x",
        "26 декабря 2025 г. состоялась",
        "29 февраля",
        "📍 Moscou, 29 février",
        "(Каир, 19–20 декабря 2025 года)",
        "x\nle 15 mars 2026",
        "",
        "texte",
        "📍 Paris, 1er mars 2024",
        "📍 Paris, 31 décembre",
        "(Moscou, 1 janvier 2026)",
        "Titre\nIls se sont entretenus à Riyad le 18 février.",
        "18 декабря в Москве состоялись переговоры.",
    ]
) | st.text(max_size=30)
_MOMENTS = st.datetimes(dt.datetime(2023, 1, 1), dt.datetime(2027, 12, 31), timezones=st.just(UTC))
_RECORDS = st.lists(
    st.tuples(_TEXTS, st.sampled_from(["post", "post", "service"]), st.none() | _MOMENTS), max_size=12
)


def _inputs(records: list) -> list[DatedInput]:
    return [DatedInput(text, kind, moment) for text, kind, moment in records]


@given(_RECORDS, st.none() | st.dates(D(2023, 1, 1), D(2027, 12, 31)))
def test_never_raises_and_every_interval_is_ordered(records: list, collected_at: dt.date | None) -> None:
    bounds = bound_dates(_inputs(records), collected_at)
    assert len(bounds) == len(records)
    for (_, _, moment), bound in zip(records, bounds, strict=True):
        if bound.date_min is not None and bound.date_max is not None:
            assert bound.date_min <= bound.date_max
        if moment is not None:
            assert (bound.date_min, bound.date_max, bound.date_source) == (
                moment.date(),
                moment.date(),
                "native",
            )
        assert bound.date_source in ("native", "text", "neighbours", None)
        assert (bound.date_source is None) == (bound.date_min is None and bound.date_max is None)


@given(_RECORDS, st.none() | st.integers(0, 400))
def test_channel_order_is_kept_when_timestamps_are_in_order(
    records: list, collected_after: int | None
) -> None:
    moments = iter(sorted(m for _, _, m in records if m is not None))
    records = [(text, kind, next(moments) if m is not None else None) for text, kind, m in records]
    natives = [m.date() for _, _, m in records if m is not None]
    collected_at = None
    if collected_after is not None:
        collected_at = max(natives, default=D(2027, 12, 31)) + dt.timedelta(days=collected_after)
    bounds = bound_dates(_inputs(records), collected_at)
    for i, earlier in enumerate(bounds):
        for later in bounds[i + 1 :]:
            if earlier.date_min is not None:
                assert later.date_min is not None and later.date_min >= earlier.date_min
            if later.date_max is not None:
                assert earlier.date_max is not None and earlier.date_max <= later.date_max
    for k, (_, _, moment) in enumerate(records):
        if moment is not None:
            assert all(b.date_min is None or b.date_min <= moment.date() for b in bounds[:k])
    for bound in bounds:
        assert collected_at is None or (bound.date_max is not None and bound.date_max <= collected_at)
        assert all(text.split("/")[0] <= bound.date_min.isoformat() for text in bound.text_dates)


def test_docstring_examples() -> None:
    result = doctest.testmod(dates)
    assert result.attempted > 0 and result.failed == 0

"""The web-text rules, one at a time, on small strings."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from diplocorpus.parsers.web_text import parse
from diplocorpus.records import ParsedIssue, ParsedRecord

BODY = "Le ministre a déclaré jeudi que les discussions se poursuivraient la semaine prochaine."
BODY2 = "Selon lui, aucune décision n’a encore été prise sur le calendrier des rencontres."


def articles(text: str) -> list[ParsedRecord]:
    return [r for r in parse(text) if isinstance(r, ParsedRecord)]


def issues(text: str) -> list[ParsedIssue]:
    return [r for r in parse(text) if isinstance(r, ParsedIssue)]


def page(*lines: str) -> str:
    return "\n\n".join(lines)


def test_headline_lede_caption_credit_and_dateline_are_kept_apart() -> None:
    text = page(
        "Lavrov rencontre son homologue turc à Ankara",
        "Les deux ministres ont évoqué la situation en Ukraine",
        "Sergueï Lavrov et Mevlut Cavusoglu",
        "© Alexandre Shcherbak/TASS",
        "ANKARA, 10 février. /TASS/. " + BODY,
        BODY2,
    )
    [a] = articles(text)
    assert a.title == "Lavrov rencontre son homologue turc à Ankara"
    assert a.lede == "Les deux ministres ont évoqué la situation en Ukraine"
    assert a.captions == ("Sergueï Lavrov et Mevlut Cavusoglu", "© Alexandre Shcherbak/TASS")
    assert a.dateline == "ANKARA, 10 février. /TASS/."
    assert a.text == BODY + "\n" + BODY2


def test_byline_closes_an_article_and_the_next_line_is_a_headline() -> None:
    text = page("Premier titre de la page ici", BODY, "Layla Guest", "Second titre de la page", BODY2)
    first, second = articles(text)
    assert (first.byline, first.text, first.line_end) == ("Layla Guest", BODY, 5)
    assert (second.title, second.line_start, second.text) == ("Second titre de la page", 7, BODY2)


def test_subhead_stays_in_the_body() -> None:
    [a] = articles(page("Un titre assez long pour la page", BODY, "Jeu de guerre", BODY2))
    assert a.text == "\n".join([BODY, "Jeu de guerre", BODY2])


def test_headline_followed_by_a_credited_photo_opens_a_new_article() -> None:
    text = page(
        "Titre un de la page d’actualité",
        BODY,
        "La Russie teste un nouveau radar",
        "Image from Telegram / @rostecru",
        BODY2,
    )
    first, second = articles(text)
    assert (second.title, second.captions) == (
        "La Russie teste un nouveau radar",
        ("Image from Telegram / @rostecru",),
    )


def test_boilerplate_read_more_and_urls() -> None:
    text = page(
        "Nouvelles",
        "Un titre pour cet article ici",
        "Publié sur :",
        "3 minutes",
        BODY,
        "https://example.org/video/1",
        "LIRE LA SUITE : Un autre article",
        BODY2,
        "Bouton retour en haut de la page",
    )
    [a] = articles(text)
    assert a.text == BODY + "\n" + BODY2
    assert a.links == ("https://example.org/video/1",)
    assert [(i.line_start, i.code, i.record) for i in issues(text)] == [
        (1, "boilerplate", None),
        (5, "boilerplate", 1),
        (7, "boilerplate", 1),
        (13, "read_more", 1),
        (17, "boilerplate", None),
    ]


def test_published_date_and_repeated_headline() -> None:
    text = page(
        "Russie : Un accord est trouvé entre les parties",
        "Un accord est trouvé entre les parties",
        "Publié le 31.7.2022",
        BODY,
    )
    [a] = articles(text)
    assert (a.date_min.isoformat(), a.date_source, a.text) == ("2022-07-31", "native", BODY)
    assert [i.code for i in issues(text)] == ["repeated_headline"]


def test_long_headline_like_last_line_stays_in_the_article() -> None:
    # A long line that could be a headline starts an article only between two paragraphs;
    # at the page's end it is the article's last paragraph.
    last = "Le ministre russe des Affaires étrangères à Johannesburg pour le G20"
    [a] = articles(page("Un accord est trouvé entre les parties", BODY, last))
    assert a.text == "\n".join([BODY, last])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                BODY,
                BODY2,
                "",
                "Layla Guest",
                "© TASS",
                "Un titre de page ici",
                "Source",
                "https://x.org/a",
                "LIRE AUSSI : x",
                "Publié le 1.2.2020",
            ]
        )
        | st.text(max_size=40).map(lambda s: s.replace("\n", " ")),
        max_size=25,
    )
)
def test_any_page_parses_and_every_line_is_accounted_for(lines: list[str]) -> None:
    text = "\n".join(lines)
    items = list(parse(text))
    covered = set()
    for item in items:
        covered.update(range(item.line_start, item.line_end + 1))
    for n, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            assert n in covered

"""The telegram-text rules, one at a time, on small strings."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from diplocorpus.parsers.telegram_text import parse, parse_reactions
from diplocorpus.records import ParsedIssue, ParsedRecord

LONG_A = "Le Ministre a rencontré son homologue à Moscou pour discuter de la coopération."
LONG_B = "Les deux parties ont souligné l'importance du dialogue et de la confiance mutuelle."
RU_A = "Министр провёл переговоры со своим коллегой в Москве о сотрудничестве двух стран."
RU_B = "Стороны подчеркнули важность диалога и взаимного доверия в отношениях между ними."


def posts(text: str) -> list[ParsedRecord]:
    return [r for r in parse(text) if isinstance(r, ParsedRecord)]


def issues(text: str) -> list[ParsedIssue]:
    return [r for r in parse(text) if isinstance(r, ParsedIssue)]


def test_doubled_body_is_merged_once() -> None:
    [post] = posts("\n".join(["Titre", LONG_A, LONG_B, LONG_A, LONG_B, "👍3"]))
    assert post.text == "\n".join(["Titre", LONG_A, LONG_B])
    assert (post.line_start, post.line_end) == (1, 6)
    assert [r for n, r in sorted(post.roles.items())] == ["text"] * 3 + ["copy"] * 2 + ["reactions"]


def test_copies_that_differ_lose_nothing() -> None:
    cut = LONG_A[:40]  # the second copy lost a link's text and what followed
    quote = "« Une citation que seule la seconde copie montre. »"
    text = "\n".join(["Titre", LONG_A, LONG_B, cut, quote, LONG_B, "❤2"])
    [post] = posts(text)
    assert post.text == "\n".join(["Titre", LONG_A, quote, LONG_B])
    [issue] = issues(text)
    assert (issue.code, issue.line_start, issue.line_end, issue.record) == ("copies_differ", 4, 5, 1)


def test_post_without_reactions_followed_by_its_translation() -> None:
    text = "\n".join(
        [
            "Forwarded from МИД России",
            "Заявление",
            RU_A,
            RU_B,
            RU_A,
            RU_B,
            "Déclaration",
            LONG_A,
            LONG_B,
            LONG_A,
            LONG_B,
            "❤1",
        ]
    )
    ru, fr = posts(text)
    assert (ru.line_start, ru.line_end, ru.forwarded_from, ru.reactions) == (1, 6, "МИД России", ())
    assert (fr.line_start, fr.line_end, fr.forwarded_from) == (7, 12, None)
    assert fr.text.split("\n")[0] == "Déclaration"
    assert [i.code for i in issues(text)] == ["boundary_inferred"]


def test_undoubled_posts_split_where_the_script_changes() -> None:
    ru, fr = posts("\n".join([RU_A, RU_B, LONG_A, LONG_B, "👍1"]))
    assert (ru.line_start, ru.line_end, fr.line_start, fr.line_end) == (1, 2, 3, 5)


def test_reactions_line_that_is_only_a_number() -> None:
    [post] = posts("Un message court\n42")
    assert [(r.emoji, r.count) for r in post.reactions] == [(None, 42)]
    assert [(r.emoji, r.count) for r in parse_reactions("👍12 7")] == [("👍", 12), (None, 7)]


def test_abbreviated_counts_are_expanded_and_noted() -> None:
    text = "Un message\n👍1.2K❤15"
    [post] = posts(text)
    assert [(r.emoji, r.count) for r in post.reactions] == [("👍", 1200), ("❤", 15)]
    assert [i.code for i in issues(text)] == ["approximate_count"]


def test_line_that_starts_with_an_emoji_is_text() -> None:
    [post] = posts("🔥 Sergueï Lavrov à Riyad\n👍 Merci à tous pour vos 100 messages\n👍5")
    assert post.text.split("\n")[1] == "👍 Merci à tous pour vos 100 messages"
    assert parse_reactions("🇷🇺 2025 🇫🇷") is None


def test_page_chrome_is_dropped_as_issues() -> None:
    text = "\n".join(["DIPLOMATIE RUSSE", "3.45K subscribers", "Un message", "👍2", "Download Telegram"])
    [post] = posts(text)
    assert (post.line_start, post.text) == (3, "Un message")
    assert [(i.line_start, i.code) for i in issues(text)] == [
        (1, "page_chrome"),
        (2, "page_chrome"),
        (5, "page_chrome"),
    ]


def test_media_markers_lead_or_trail() -> None:
    text = "\n".join(
        [
            "Media is too big",
            "VIEW IN TELEGRAM",
            "Vidéo du jour",
            "👍1",
            "🔴 En direct",
            "Please open Telegram to view this post",
            "VIEW IN TELEGRAM",
            "❤2",
        ]
    )
    video, live = posts(text)
    assert (video.media, video.line_start, video.text) == ("media_too_big", 1, "Vidéo du jour")
    assert (live.media, live.line_start, live.line_end) == ("open_in_telegram", 5, 8)


def test_leading_marker_after_content_opens_a_new_post() -> None:
    first, second = posts("Premier message\nMedia is too big\nVIEW IN TELEGRAM\nSecond message\n👍1")
    assert (first.line_end, second.line_start, second.media) == (1, 2, "media_too_big")


def test_service_line_is_a_record_of_its_own() -> None:
    [post, service] = posts("Un message\n👍1\nChannel name was changed to «Nouveau nom»")
    assert (service.kind, service.service_action, service.title) == (
        "service",
        "channel_renamed",
        "Nouveau nom",
    )


def test_orphan_reactions_and_markers_are_issues() -> None:
    text = "👍3\nVIEW IN TELEGRAM"
    assert posts(text) == []
    assert [i.code for i in issues(text)] == ["orphan_reactions", "orphan_marker"]


LINES = st.sampled_from(
    [
        LONG_A,
        LONG_B,
        RU_A,
        RU_B,
        "Titre",
        "👍3",
        "42",
        "❤1.5K",
        "Forwarded from X",
        "Media is too big",
        "VIEW IN TELEGRAM",
        "Please open Telegram to view this post",
        "",
        "Channel created",
        "3 subscribers",
        "Download Telegram",
        "#Hashtag",
    ]
) | st.text(max_size=30).map(lambda s: s.replace("\n", " "))


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=30))
def test_any_text_parses_and_every_line_is_accounted_for(lines: list[str]) -> None:
    text = "\n".join(lines)
    items = list(parse(text))
    covered = [0] * (len(lines) + 2)
    issue_lines = set()
    for item in items:
        for n in range(item.line_start, item.line_end + 1):
            if isinstance(item, ParsedRecord):
                covered[n] += 1
            else:
                issue_lines.add(n)
    for n, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            assert covered[n] == 1 or (covered[n] == 0 and n in issue_lines)
    assert list(parse(text)) == items  # deterministic


def test_trailing_marker_closes_the_post_it_follows() -> None:
    first, second = posts(
        "\n".join([LONG_A, "Please open Telegram to view this post", "VIEW IN TELEGRAM", RU_A])
    )
    assert (first.line_start, first.line_end, first.media) == (1, 3, "open_in_telegram")
    assert (second.line_start, second.line_end, second.media) == (4, 4, None)

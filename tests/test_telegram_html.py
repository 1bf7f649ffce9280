"""The telegram-html rules, one at a time, on small pages.

The saved pages of tests/golden/telegram-html/ show no reactions and no reply preview;
the markup used here for those follows what t.me/s pages serve (one `span.tgme_reaction`
per reaction: `<i class="emoji"><b>👍</b></i>47`, a `<tg-emoji emoji-id>` for a custom
emoji, the class `tgme_reaction_paid` for Telegram Stars; `a.tgme_widget_message_reply`
linking to the quoted message).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diplocorpus.errors import FormatError
from diplocorpus.parsers.telegram_html import parse
from diplocorpus.records import ParsedIssue, ParsedRecord


def message(post: str, inner: str, classes: str = "", view: str = "") -> str:
    data_view = f' data-view="{view}"' if view else ""
    return (
        '<div class="tgme_widget_message_wrap js-widget_message_wrap">'
        f'<div class="tgme_widget_message {classes} js-widget_message" data-post="{post}"{data_view}>\n'
        f'<div class="tgme_widget_message_bubble">\n{inner}\n'
        '<div class="tgme_widget_message_footer"><span class="tgme_widget_message_meta">'
        f'<a class="tgme_widget_message_date" href="https://t.me/{post}">'
        '<time datetime="2025-02-20T15:30:00+03:00" class="time">15:30</time></a></span></div>\n'
        "</div></div></div>"
    )


def page(*messages: str) -> str:
    head = '<html><head><title>DIPLOMATIE RUSSE – Telegram</title></head><body>\n<section class="tgme_channel_history">'
    return "\n".join([head, *messages, "</section></body></html>"])


def text_div(html: str) -> str:
    return f'<div class="tgme_widget_message_text js-message_text" dir="auto">{html}</div>'


def records(text: str) -> list[ParsedRecord]:
    return [i for i in parse(text) if isinstance(i, ParsedRecord)]


def issues(text: str) -> list[ParsedIssue]:
    return [i for i in parse(text) if isinstance(i, ParsedIssue)]


def test_id_time_url_and_text_with_line_breaks() -> None:
    [post] = records(page(message("mid_rus_fr/42", text_div("Sergueï Lavrov<br/><br/>à Riyad"))))
    assert (post.message_id, post.url) == (42, "https://t.me/mid_rus_fr/42")
    assert post.published_at == dt.datetime(2025, 2, 20, 12, 30, tzinfo=dt.UTC)
    assert post.text == "Sergueï Lavrov\n\nà Riyad"
    assert (post.line_start, post.line_end) == (3, 7)


def test_chrome_around_the_messages_is_an_issue() -> None:
    text = page(message("c/1", text_div("a")), message("c/2", text_div("b")))
    assert [(i.code, i.line_start, i.line_end) for i in issues(text)] == [
        ("page_chrome", 1, 2),
        ("page_chrome", 13, 13),
    ]


def test_reactions_emoji_custom_and_paid() -> None:
    reactions = (
        '<div class="tgme_widget_message_reactions js-message_reactions">'
        '<span class="tgme_reaction"><i class="emoji" style="x"><b>👍</b></i>1.2K</span>'
        '<span class="tgme_reaction"><tg-emoji emoji-id="5368324170671202286"></tg-emoji>57</span>'
        '<span class="tgme_reaction tgme_reaction_paid"><i class="icon icon-telegram-stars"></i>3</span>'
        "</div>"
    )
    text = page(message("c/5", text_div("x") + reactions))
    [post] = records(text)
    assert [(r.type, r.emoji, r.custom_emoji_id, r.count, r.shown) for r in post.reactions] == [
        ("emoji", "👍", None, 1200, "1.2K"),
        ("custom_emoji", None, "5368324170671202286", 57, "57"),
        ("paid", None, None, 3, "3"),
    ]
    assert [i.code for i in issues(text) if i.record == 1] == ["approximate_count"]


def test_reply_preview_gives_the_replied_id_and_stays_out_of_the_text() -> None:
    reply = (
        '<a class="tgme_widget_message_reply" href="https://t.me/c/41">'
        '<div class="tgme_widget_message_author"><span class="tgme_widget_message_author_name">C</span></div>'
        '<div class="tgme_widget_message_text js-message_reply_text">Texte cité</div></a>'
    )
    [post] = records(page(message("c/42", reply + text_div("Réponse"))))
    assert (post.reply_to_message_id, post.text) == (41, "Réponse")


def test_forwarded_from_name_handle_and_id() -> None:
    forwarded = (
        '<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from&nbsp;'
        '<a class="tgme_widget_message_forwarded_from_name" href="https://t.me/MID_Russia/50123">'
        '<span dir="auto">МИД России</span></a></div>'
    )
    [post] = records(page(message("c/7", forwarded + text_div("x"))))
    assert (post.forwarded_from, post.forwarded_from_handle, post.forwarded_from_message_id) == (
        "МИД России",
        "MID_Russia",
        50123,
    )


def test_views_edited_flag_and_served_time() -> None:
    footer = '<span class="tgme_widget_message_views">28.0K</span><span class="tgme_widget_message_meta">edited</span>'
    view = "eyJjIjotMTQ0MzAwMjIxMCwicCI6NDgzLCJ0IjoxNjgzMzU4Nzc5LCJoIjoiMTM5OGZhYjQ2YjdlZTE0NjRkIn0"
    [post] = records(page(message("c/483", text_div("x") + footer, view=view)))
    assert (post.views, post.views_raw, post.edited) == (28000, "28.0K", True)
    assert post.scraped_at == dt.datetime(2023, 5, 6, 7, 39, 39, tzinfo=dt.UTC)


def test_album_is_one_post_with_several_media_and_placeholders_are_kept() -> None:
    album = (
        '<div class="tgme_widget_message_grouped_wrap"><a class="tgme_widget_message_photo_wrap"></a>'
        '<a class="tgme_widget_message_photo_wrap"></a><a class="tgme_widget_message_video_player">'
        '<div class="message_media_not_supported_label">Media is too big</div></a></div>'
    )
    hidden = '<div class="message_media_not_supported_label">Please open Telegram to view this post</div>'
    first, second = records(page(message("c/1", album + text_div("x")), message("c/2", hidden)))
    assert (first.media, first.media_items) == ("media_too_big", ("photo", "photo", "video"))
    assert (second.media, second.media_items, second.text) == ("open_in_telegram", (), None)


def test_service_message_rename() -> None:
    rename = text_div("Channel name was changed to «Ambassade de Russie au Mali»")
    [service] = records(page(message("c/9", rename, classes="service_message")))
    assert (service.kind, service.service_action, service.title) == (
        "service",
        "channel_renamed",
        "Ambassade de Russie au Mali",
    )


def test_links_hashtags_and_mentions_are_spans_of_the_text() -> None:
    html = 'Voir <a href="?q=%23ONU">#ONU</a> et <a href="https://t.me/MID_Russia">@MID_Russia</a>, <a href="https://mid.ru/">mid.ru</a>'
    [post] = records(page(message("c/3", text_div(html))))
    assert [(s.type, s.surface, s.url) for s in post.entities] == [
        ("HASHTAG", "#ONU", None),
        ("MENTION", "@MID_Russia", "https://t.me/MID_Russia"),
        ("URL", "mid.ru", "https://mid.ru/"),
    ]
    assert all(post.text[s.start : s.end] == s.surface for s in post.entities)


def test_message_without_data_post_takes_its_id_from_the_date_link() -> None:
    block = message("c/521", text_div("x")).replace(' data-post="c/521"', "")
    [post] = records(page(block))
    assert (post.message_id, post.url) == (521, "https://t.me/c/521")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('<html><body><div class="tgme_page"><div class="tgme_page_title">x</div></div></body></html>', "no message list"),
        ("<html><body><p>Un article</p></body></html>", "not a t.me/s page"),
        ("   \n", "empty file"),
    ],
)  # fmt: skip
def test_pages_that_are_not_channel_pages_are_format_errors(text: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        list(parse(text))


PIECES = st.sampled_from(
    [
        message("c/1", text_div("a<br/>b")),
        message("c/1", text_div("même id")),
        message("c/2", text_div("x"), classes="service_message"),
        '<div class="tgme_widget_message" data-post="c/3">non fermé',
        "</div>",
        "<p>chrome</p>",
        "",
        "   ",
        '<span class="tgme_widget_message_views">1K</span>',
    ]
) | st.text(max_size=20).map(lambda s: s.replace("\n", " "))


@settings(max_examples=150, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=8))
def test_any_page_parses_or_fails_cleanly_and_every_line_is_accounted_for(pieces: list[str]) -> None:
    text = page(*pieces)
    try:
        items = list(parse(text))
    except FormatError:
        return
    covered = [0] * (text.count("\n") + 3)
    issue_lines = set()
    for item in items:
        for n in range(item.line_start, item.line_end + 1):
            if isinstance(item, ParsedRecord):
                covered[n] += 1
            else:
                issue_lines.add(n)
    for n, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            assert covered[n] == 1 or (covered[n] == 0 and n in issue_lines), n


def test_a_page_on_one_line_is_refused_with_the_line() -> None:
    one_line = page(message("c/1", text_div("a")), message("c/2", text_div("b"))).replace("\n", " ")
    with pytest.raises(FormatError, match="two messages open on the same line") as err:
        list(parse(one_line))
    assert err.value.line == 1

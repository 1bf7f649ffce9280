"""The telegram-json rules, one at a time, on small exports written as Telegram Desktop
writes them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diplocorpus.errors import FormatError
from diplocorpus.parsers.telegram_json import parse
from diplocorpus.records import ParsedIssue, ParsedRecord
from diplocorpus.tables import post_rows
from test_golden_formats import parse_case


def export(*messages: dict) -> str:
    """An export laid out as Telegram Desktop lays it out (one key per line)."""
    chat = {"name": "DIPLOMATIE RUSSE", "type": "public_channel", "id": 1234, "messages": list(messages)}
    return json.dumps(chat, ensure_ascii=False, indent=1)


def message(id_: int, **fields) -> dict:
    return {
        "id": id_,
        "type": "message",
        "date": "2025-02-20T12:00:00",
        "date_unixtime": "1740052800",
        **fields,
    }


def records(text: str) -> list[ParsedRecord]:
    return [i for i in parse(text) if isinstance(i, ParsedRecord)]


def issues(text: str) -> list[ParsedIssue]:
    return [i for i in parse(text) if isinstance(i, ParsedIssue)]


def test_utc_time_from_date_unixtime_not_the_local_date() -> None:
    [post] = records(export(message(5, date="2025-02-20T15:00:00", text="Bonjour")))
    assert post.published_at == dt.datetime(2025, 2, 20, 12, 0, tzinfo=dt.UTC)
    assert (post.date_min, post.date_max) == (dt.date(2025, 2, 20), dt.date(2025, 2, 20))
    assert [i.code for i in issues(export(message(5, text="Bonjour")))] == ["export_header", "export_header"]


def test_naive_local_date_is_a_flagged_fallback_with_a_date_range() -> None:
    old = {"id": 2, "type": "message", "date": "2020-11-12T01:30:00", "text": "x"}
    [post] = records(export(old))
    assert post.published_at == dt.datetime(2020, 11, 12, 1, 30, tzinfo=dt.UTC)
    assert (post.date_min, post.date_max) == (dt.date(2020, 11, 11), dt.date(2020, 11, 12))
    assert "local_time" in [i.code for i in issues(export(old))]


def test_text_parts_become_text_and_spans_with_offsets() -> None:
    parts = [
        {"type": "bold", "text": "Lavrov"},
        " à ",
        {"type": "text_link", "text": "Riyad\n\n", "href": "https://mid.ru/x"},
        {"type": "hashtag", "text": "#Russie"},
        " ",
        {"type": "mention", "text": "@MID_Russia"},
        " ",
        {"type": "link", "text": "mid.ru"},
    ]
    [post] = records(export(message(7, text=parts)))
    assert post.text == "Lavrov à Riyad\n\n#Russie @MID_Russia mid.ru"
    assert [(s.type, s.surface, s.url, s.source_type) for s in post.entities] == [
        ("URL", "Riyad", "https://mid.ru/x", "text_link"),
        ("HASHTAG", "#Russie", None, "hashtag"),
        ("MENTION", "@MID_Russia", None, "mention"),
        ("URL", "mid.ru", "mid.ru", "link"),
    ]
    assert all(post.text[s.start : s.end] == s.surface for s in post.entities)


def test_text_entities_are_preferred_to_the_text_list() -> None:
    entities = [{"type": "plain", "text": "Voir "}, {"type": "hashtag", "text": "#ONU"}]
    [post] = records(export(message(8, text="Voir #ONU", text_entities=entities)))
    assert [(s.start, s.end, s.surface) for s in post.entities] == [(5, 9, "#ONU")]


def test_reactions_emoji_custom_and_paid() -> None:
    reactions = [
        {"type": "emoji", "count": 47, "emoji": "👍"},
        {"type": "custom_emoji", "count": 5, "document_id": "5368324170671202286"},
        {"type": "paid", "count": 12},
        {"type": "empty", "count": 1},
    ]
    text = export(message(9, text="x", reactions=reactions))
    [post] = records(text)
    assert [(r.type, r.emoji, r.custom_emoji_id, r.count) for r in post.reactions] == [
        ("emoji", "👍", None, 47),
        ("custom_emoji", None, "5368324170671202286", 5),
        ("paid", None, None, 12),
    ]
    assert [i.code for i in issues(text) if i.record] == ["unknown_reaction"]


def test_rename_pin_and_unknown_service_actions() -> None:
    rename = {"id": 3, "type": "service", "date_unixtime": "1740052800", "actor": "C", "action": "edit_group_title",
              "title": "Ambassade de Russie au Mali", "text": ""}  # fmt: skip
    pin = {"id": 4, "type": "service", "date_unixtime": "1740052800", "action": "pin_message", "message_id": 2,
           "text": ""}  # fmt: skip
    odd = {
        "id": 5,
        "type": "service",
        "date_unixtime": "1740052800",
        "action": "set_chat_wallpaper",
        "text": "",
    }
    text = export(rename, pin, odd)
    got = [(r.kind, r.service_action, r.title, r.reply_to_message_id, r.text) for r in records(text)]
    assert got == [
        ("service", "channel_renamed", "Ambassade de Russie au Mali", None, None),
        ("service", "message_pinned", None, 2, None),
        ("service", "other", None, None, None),
    ]
    assert "unknown_service_action" in [i.code for i in issues(text)]


def test_forward_reply_signature_media_and_edit() -> None:
    msg = message(
        10,
        text="",
        forwarded_from="МИД России",
        forwarded_from_id="channel1112223334",
        reply_to_message_id=9,
        author="M. Zakharova",
        file="(File not included. Change data exporting settings to download.)",
        media_type="video_file",
        edited="2025-02-20T16:00:00",
        edited_unixtime="1740067200",
    )
    [post] = records(export(msg))
    assert (post.forwarded_from, post.forwarded_from_id, post.reply_to_message_id) == (
        "МИД России",
        "channel1112223334",
        9,
    )
    assert (post.author_signature, post.media, post.media_items, post.text) == (
        "M. Zakharova",
        "video",
        ("video",),
        None,
    )
    assert (post.edited, post.edited_at) == (True, dt.datetime(2025, 2, 20, 16, 0, tzinfo=dt.UTC))


def test_both_id_generations_read_alike() -> None:
    """The same channel exported before and after ids became strings gives the same posts."""
    old = {
        r.message_id: r
        for r in parse_case("telegram-json", "tg2md-2020-integer-ids")
        if isinstance(r, ParsedRecord)
    }
    new = {
        r.message_id: r
        for r in parse_case("telegram-json", "tg2md-2021-string-ids")
        if isinstance(r, ParsedRecord)
    }
    assert set(old) <= set(new)
    for message_id, record in old.items():
        assert dataclasses.replace(record, line_start=0, line_end=0) == dataclasses.replace(
            new[message_id], line_start=0, line_end=0
        )


def test_malformed_and_repeated_messages_are_issues_with_their_lines() -> None:
    text = export(message(1, text="a"), {"type": "message", "text": "no id"}, message(1, text="again"))
    items = list(parse(text))
    codes = [(i.code, i.line_start) for i in items if isinstance(i, ParsedIssue)]
    assert ("malformed_message", 13) in codes and ("duplicate_message_id", 17) in codes
    posts, _, rows = post_rows("x", items)
    assert [p.post_id for p in posts] == ["x/1", "x/L17"]
    assert [r.post_id for r in rows if r.code == "duplicate_message_id"] == ["x/L17"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('{\n "name": "C",\n "messages": [\n  {"id": 1,}\n ]\n}', 4, "not valid JSON"),
        ("[1, 2]", 1, "not a Telegram Desktop export"),
        ('{"about": "x", "chats": {"list": []}}', 1, "full-account export"),
    ],
)
def test_not_an_export_is_a_format_error_with_a_line(text: str, line: int, message: str) -> None:
    with pytest.raises(FormatError, match=message) as err:
        list(parse(text))
    assert err.value.line == line


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {"id": st.integers(0, 5) | st.text(max_size=3), "type": st.sampled_from(["message", "service", "x"])},
            optional={
                "text": st.text(max_size=20) | st.lists(st.text(max_size=5) | st.fixed_dictionaries(
                    {"type": st.sampled_from(["hashtag", "link", "plain"]), "text": st.text(max_size=6)})),
                "date_unixtime": st.sampled_from(["1740052800", "x", ""]),
                "date": st.sampled_from(["2020-11-12T01:30:00", "bad"]),
                "reactions": st.lists(st.fixed_dictionaries(
                    {"type": st.sampled_from(["emoji", "paid", "custom_emoji", "?"]), "count": st.integers(-1, 9)})),
                "action": st.sampled_from(["pin_message", "edit_group_title", "x"]),
            },
        ),
        max_size=6,
    )
)  # fmt: skip
def test_any_export_parses_and_every_line_is_accounted_for(messages: list[dict]) -> None:
    text = export(*messages)
    items = list(parse(text))
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
            assert covered[n] == 1 or (covered[n] == 0 and n in issue_lines)
    for record in (i for i in items if isinstance(i, ParsedRecord)):
        assert all(record.text[s.start : s.end] == s.surface for s in record.entities)


def test_a_minified_export_is_refused_with_the_line() -> None:
    minified = json.dumps({"name": "C", "messages": [message(1, text="a"), message(2, text="b")]})
    with pytest.raises(FormatError, match="two messages share a line") as err:
        list(parse(minified))
    assert err.value.line == 1

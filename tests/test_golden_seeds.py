"""The parsers against the hand-read gold of the seed files."""

from __future__ import annotations

import json

import pytest

from conftest import GOLDEN, SEEDS, parse_seed, seed_text
from diplocorpus.enrich import detect_language
from diplocorpus.records import ParsedIssue, ParsedRecord

TELEGRAM = json.loads((GOLDEN / "telegram-seeds.json").read_text("utf-8"))
WEB = json.loads((GOLDEN / "web-seeds.json").read_text("utf-8"))
BY_FILE = {name: sid for sid, (name, _) in SEEDS.items()}


def records(source_id: str) -> list[ParsedRecord]:
    return [r for r in parse_seed(source_id) if isinstance(r, ParsedRecord)]


@pytest.mark.parametrize("name", sorted(TELEGRAM))
def test_telegram_seed_records_equal_gold(name: str) -> None:
    gold = TELEGRAM[name]
    got = records(BY_FILE[name])
    expected = [
        (
            p["ordinal"],
            p["raw_line_start"],
            p["raw_line_end"],
            p["kind"],
            p["forwarded_from"],
            p["language"],
            p["media"],
            p["first_line"],
            [tuple(x) for x in p["reactions"]],
        )
        for p in gold["posts"]
    ]
    actual = [
        (
            k,
            r.line_start,
            r.line_end,
            r.kind,
            r.forwarded_from,
            None if r.kind == "service" else detect_language(r.text),
            r.media,
            (r.text or "").split("\n")[0],
            [(x.emoji, x.count) for x in r.reactions],
        )
        for k, r in enumerate(got, start=1)
    ]
    assert actual == expected


def test_telegram_seed_totals() -> None:
    tg000, tg001 = records("tg000"), records("tg001")
    assert len(tg000) == 15
    assert sum(len(r.reactions) for r in tg000) == 61
    assert sum(x.count for r in tg000 for x in r.reactions) == 780
    assert [r.kind for r in tg001].count("post") == 13
    assert sum(len(r.reactions) for r in tg001) == 15
    assert sum(x.count for r in tg001 for x in r.reactions) == 39


def test_channel_rename_is_a_service_record_with_its_new_title() -> None:
    gold = TELEGRAM["001_ab87fb36bafc6c2e.txt"]["service"]
    service = records("tg001")[gold["ordinal"] - 1]
    assert (service.kind, service.service_action, service.title) == (
        "service",
        gold["service_action"],
        gold["new_title"],
    )


def _articles(name: str) -> list[ParsedRecord]:
    return records(BY_FILE[name])


@pytest.mark.parametrize("name", sorted(WEB))
def test_web_seed_headlines_equal_gold(name: str) -> None:
    gold = WEB[name]["articles"]
    got = _articles(name)
    assert [(r.line_start, r.title) for r in got] == [(a["headline_line"], a["headline"]) for a in gold]


@pytest.mark.parametrize("name", sorted(WEB))
def test_web_seed_article_parts_equal_gold(name: str) -> None:
    lines = seed_text(BY_FILE[name]).split("\n")
    for article, gold in zip(_articles(name), WEB[name]["articles"], strict=True):
        assert article.byline == gold.get("byline")
        lede = gold.get("lede_line")
        assert article.lede == (lines[lede - 1].strip() if lede else None)
        assert list(article.captions) == [lines[n - 1].strip() for n in gold["captions"]]
        assert [n for n, role in article.roles.items() if role == "dateline"] == gold.get("datelines", [])
        assert list(article.links) == [lines[n - 1].strip() for n in gold.get("embedded_urls", [])]
        for n in gold.get("subheads", []):  # subheads stay in the body, as lines of their own
            assert lines[n - 1].strip() in (article.text or "").split("\n")
        if "published" in gold:
            assert article.date_min.isoformat() == article.date_max.isoformat() == gold["published"]
        if "attribution_line" in gold:
            assert article.attribution == lines[gold["attribution_line"] - 1].strip()


@pytest.mark.parametrize("name", sorted(WEB))
def test_web_seed_keeps_captions_bylines_datelines_boilerplate_out_of_bodies(name: str) -> None:
    source_id = BY_FILE[name]
    lines = seed_text(source_id).split("\n")
    items = parse_seed(source_id)
    bodies = "\n".join(r.text or "" for r in items if isinstance(r, ParsedRecord))
    gold = WEB[name]
    kept_out = [n for a in gold["articles"] for n in a["captions"] + a.get("read_more", [])]
    kept_out += [a["byline_line"] for a in gold["articles"] if "byline_line" in a]
    kept_out += gold.get("boilerplate_lines", [])
    for n in kept_out:
        assert lines[n - 1].strip() not in bodies, n
    for a in gold["articles"]:
        for n in a.get("datelines", []):
            dateline = next(
                r.dateline
                for r in items
                if isinstance(r, ParsedRecord) and r.line_start == a["headline_line"]
            )
            assert dateline and dateline not in bodies and lines[n - 1].startswith(dateline)
    dropped = {n for i in items if isinstance(i, ParsedIssue) for n in range(i.line_start, i.line_end + 1)}
    assert set(gold.get("boilerplate_lines", [])) <= dropped

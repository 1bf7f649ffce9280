"""Enrichment: what is derived from a record's text (languages, hash)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from typing import Any

from diplocorpus.parsers.lines import letter_counts
from diplocorpus.rows import PostRow

# What is not prose in any language: hashtags, mentions, links, and anything not a letter.
_NOT_PROSE = re.compile(r"[#@]\w+|https?://\S+|www\.\S+|[^\w\s]|\d|_")
# A share of a post's letters below this does not make a language of the post.
MIN_SHARE = 0.15
# Latin-script lines shorter than this are told apart as part of the whole post only.
MIN_LINE_LETTERS = 40


@cache
def _latin_detector() -> Any:
    # French and English are the Latin-script languages of this corpus; restricting the
    # detector to them keeps short texts from being read as, say, Catalan or Latin.
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH).build()


def _latin_language(text: str) -> str:
    found = _latin_detector().detect_language_of(text)
    return found.iso_code_639_1.name.lower() if found else "und"


def language_shares(text: str | None) -> dict[str, int]:
    """Letters of a text per language (ru, fr, en), hashtags, links and mentions left out.

    Cyrillic letters are Russian; Latin-script lines are told apart by lingua restricted to
    French and English, line by line where a line is long enough to tell, else as a whole.
    """
    if not text:
        return {}
    shares: dict[str, int] = {}
    short: list[str] = []
    for line in text.split("\n"):
        prose = _NOT_PROSE.sub(" ", line)
        cyrillic, latin = letter_counts(prose)
        if cyrillic:
            shares["ru"] = shares.get("ru", 0) + cyrillic
        if latin >= MIN_LINE_LETTERS:
            language = _latin_language(prose)
            shares[language] = shares.get(language, 0) + latin
        elif latin:
            short.append(prose)
    if short:
        rest = " ".join(short)
        _, latin = letter_counts(rest)
        majority = max((k for k in shares if k != "ru"), key=shares.__getitem__, default=None)
        language = majority or _latin_language(rest)
        shares[language] = shares.get(language, 0) + latin
    shares.pop("und", None)
    return shares


def detect_languages(text: str | None) -> tuple[str, str | None]:
    """The main language of a text and every language with a meaningful share, main first.

    >>> detect_languages("Заявление Министра иностранных дел")
    ('ru', 'ru')
    >>> detect_languages("Le Président a reçu le Ministre des Affaires étrangères")
    ('fr', 'fr')
    >>> detect_languages("🇷🇺 2025 #G20")
    ('und', None)
    """
    shares = language_shares(text)
    total = sum(shares.values())
    if total < 3:
        return "und", None
    ranked = sorted(shares, key=lambda k: (-shares[k], k))
    present = [k for k in ranked if shares[k] / total >= MIN_SHARE]
    return ranked[0], "|".join(present)


def detect_language(text: str | None) -> str:
    """ISO 639-1 code of a text's main language among ru, fr, en; 'und' when it cannot be told."""
    return detect_languages(text)[0]


def text_sha256(text: str | None) -> str | None:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else None


def with_languages(posts: Sequence[PostRow]) -> list[PostRow]:
    """`posts` with `language` and `languages` filled; service records have neither."""
    out = []
    for post in posts:
        if post.kind == "service":
            out.append(post)
            continue
        language, languages = detect_languages(post.text)
        out.append(replace(post, language=language, languages=languages))
    return out

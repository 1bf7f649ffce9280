"""Enrichment: what is derived from a record's text (languages, hash)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import cache
from typing import Any

from diplocorpus.parsers.lines import letter_counts
from diplocorpus.rows import PostRow

# What is not prose in any language: hashtags, mentions, links, and anything not a letter.
_NOT_PROSE = re.compile(r"[#@]\w+|https?://\S+|www\.\S+|[^\w\s]|\d|_")
# The same in passes that the regular expression engine runs several times faster: it tries
# a pattern that opens with a category (like _NOT_PROSE) at every position, and skips to the
# candidates of one that opens with literal characters or a set of them. Marks first, then the
# non-letters of the blocks this corpus writes in, then, only where some other character is
# left, anything not a letter (see blank_non_prose).
_MARKS = re.compile(r"#\w+|@\w+|https?://\S+|www\.\S+")
_NOT_LETTER = re.compile(r"[^\w\s]|\d|_")
# A share of a post's letters below this does not make a language of the post.
MIN_SHARE = 0.15
# Latin-script lines shorter than this are told apart as part of the whole post only.
MIN_LINE_LETTERS = 40
# Lingua costs about a microsecond per character; most Latin-script lines of this corpus are
# plainly French and are told so by their function words. FRENCH_WORDS are French words that
# are not words of English, nor of Spanish, Catalan, Italian or Portuguese, which lingua
# restricted to French and English reads as either; ROMANCE_WORDS are French words that those
# languages share. A line with FRENCH_WORDS_NEEDED different words of both lists, one at
# least French only, and none of ENGLISH_WORDS is French; lingua tells the others apart.
FRENCH_WORDS = frozenset(
    {
        *("une", "et", "est", "dans", "pour", "avec", "aux", "au", "du", "été", "sont", "ont", "nous"),
        *("vous", "cette", "ces", "leur", "leurs", "elle", "elles", "ils", "avait", "était", "être"),
        *("notre", "votre", "selon", "depuis", "aussi", "très", "contre", "lors", "ainsi", "chez"),
        *("alors", "cela", "même", "où", "déjà", "après", "qu", "sera", "seront"),
    }
)
ROMANCE_WORDS = frozenset({"le", "la", "les", "de", "des", "que", "qui", "sur", "par"})
ENGLISH_WORDS = frozenset(
    {
        *("the", "and", "with", "that", "this", "from", "which", "were", "their", "have", "has"),
        *("been", "would", "they", "there", "about", "what", "when", "who"),
    }
)
FRENCH_WORDS_NEEDED = 3


def _char_class(codes: Iterable[int]) -> str:
    """The body of a regular expression character class holding `codes`, as ranges."""
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


# ASCII and Latin-1; punctuation, symbols, arrows and dingbats; emoji and their selectors.
_BLOCKS = ((0, 0xFF), (0x2000, 0x2BFF), (0xFE00, 0xFE0F), (0x1F000, 0x1FAFF))
_BLOCK_NON_LETTERS = re.compile(
    "[" + _char_class(c for a, b in _BLOCKS for c in range(a, b + 1) if _NOT_LETTER.match(chr(c))) + "]"
)
# Anything but the letters and whitespace below U+0500 (Latin and Cyrillic): where a text holds
# nothing else once the passes above ran, no character is left that _NOT_LETTER would replace.
_LEFT_ALONE = re.compile("[^" + _char_class(c for c in range(0x500) if not _NOT_LETTER.match(chr(c))) + "]")


def blank_non_prose(text: str) -> str:
    """`text` with hashtags, mentions, links and every character not a letter replaced by a
    space each: `_NOT_PROSE.sub(" ", text)`, in passes that run faster.

    >>> blank_non_prose("Lavrov à Riyad, le 18.02 #G20 https://mid.ru l’État").split()
    ['Lavrov', 'à', 'Riyad', 'le', 'l', 'État']

    Marks first: the other passes replace one character at a time, and a space is left as it
    is, so each character ends as _NOT_PROSE leaves it.
    """
    text = _BLOCK_NON_LETTERS.sub(" ", _MARKS.sub(" ", text))
    return _NOT_LETTER.sub(" ", text) if _LEFT_ALONE.search(text) else text


@cache
def _latin_detector() -> Any:
    # French and English are the Latin-script languages of this corpus; restricting the
    # detector to them keeps short texts from being read as, say, Catalan or Latin.
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH).build()


def _latin_language(text: str) -> str:
    found = _latin_detector().detect_language_of(text)
    return found.iso_code_639_1.name.lower() if found else "und"


def _function_word_language(line: str, latin: int) -> str | None:
    """'fr' where a line's function words leave no doubt that it is French, else None.

    Only for a line of prose all of whose letters are the `latin` Latin-script letters: a
    line with words in other scripts is left to lingua, which weighs the scripts first.
    """
    words = line.lower().split()
    # Lowercasing keeps each Latin letter one character (İ aside, which only makes this fail).
    if latin != sum(map(len, words)) or not ENGLISH_WORDS.isdisjoint(words):
        return None
    french = FRENCH_WORDS.intersection(words)
    if french and len(french) + len(ROMANCE_WORDS.intersection(words)) >= FRENCH_WORDS_NEEDED:
        return "fr"
    return None


def language_shares(text: str | None) -> dict[str, int]:
    """Letters of a text per language (ru, fr, en), hashtags, links and mentions left out.

    Cyrillic letters are Russian; Latin-script lines are told apart by lingua restricted to
    French and English (plainly French lines by their function words: see FRENCH_WORDS), line
    by line where a line is long enough to tell, else as a whole.
    """
    return _prose_shares(blank_non_prose(text)) if text else {}


def _prose_shares(prose: str) -> dict[str, int]:
    """`language_shares` of a text whose non-prose is already blanked out (see _NOT_PROSE,
    which never spans a newline: blanking the whole text blanks each line alike)."""
    shares: dict[str, int] = {}
    short: list[str] = []
    for line in prose.split("\n"):
        cyrillic, latin = letter_counts(line)
        if cyrillic:
            shares["ru"] = shares.get("ru", 0) + cyrillic
        if latin >= MIN_LINE_LETTERS:
            language = _function_word_language(line, latin) or _latin_language(line)
            shares[language] = shares.get(language, 0) + latin
        elif latin:
            short.append(line)
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
    if not text:
        return "und", None
    prose = blank_non_prose(text)
    cyrillic, latin = letter_counts(prose)
    if latin == 0 or latin / (cyrillic + latin) < MIN_SHARE:
        # Whatever languages the Latin letters are found in, none reaches MIN_SHARE of the
        # letters left once those found in no language are dropped, and Russian stays first:
        # the answer is known without telling the Latin lines apart.
        return ("ru", "ru") if cyrillic >= 3 else ("und", None)
    shares = _prose_shares(prose)
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

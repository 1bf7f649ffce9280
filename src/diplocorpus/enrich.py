"""Enrichment: what is derived from a record's text (language, length, hash)."""

from __future__ import annotations

import hashlib
import re

from diplocorpus.parsers.lines import letter_counts

_WORD = re.compile(r"[a-zà-ÿ]+")
# Frequent function words; each set is written as one string to stay readable.
_FRENCH = frozenset(
    "le la les de des du et est un une en pour que qui dans sur avec au aux par pas ne se "  # noqa: SIM905
    "sont à il elle nous vous ils leur cette ce ces été être".split()
)
_ENGLISH = frozenset(
    "the and of to in is that for with on was are by it as be this from have has not "  # noqa: SIM905
    "which were will at an".split()
)


def detect_language(text: str | None) -> str:
    """ISO 639-1 code of a text among ru, fr, en; 'und' when it cannot be told.

    Cyrillic letters outnumbering Latin ones make Russian; otherwise French and English
    are told apart by their most frequent function words.

    >>> detect_language("Заявление Министра"), detect_language("Le Président a dit")
    ('ru', 'fr')
    >>> detect_language("🇷🇺 2025")
    'und'
    """
    if not text:
        return "und"
    cyrillic, latin = letter_counts(text)
    if cyrillic == latin == 0:
        return "und"
    if cyrillic > latin:
        return "ru"
    words = _WORD.findall(text.lower())
    french = sum(w in _FRENCH for w in words)
    english = sum(w in _ENGLISH for w in words)
    if french == english == 0:
        return "und"
    return "fr" if french >= english else "en"


def text_sha256(text: str | None) -> str | None:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else None

"""Language detection: the shortcuts taken before lingua give lingua's answers."""

from __future__ import annotations

import contextlib
import doctest

from hypothesis import given
from hypothesis import strategies as st

from conftest import GOLDEN, SEEDS, parse_seed
from diplocorpus import enrich
from diplocorpus.enrich import (
    _NOT_PROSE,
    MIN_LINE_LETTERS,
    MIN_SHARE,
    _function_word_language,
    _latin_language,
    detect_languages,
    language_shares,
)
from diplocorpus.errors import FormatError
from diplocorpus.parsers import PARSERS
from diplocorpus.parsers.lines import letter_counts
from diplocorpus.read import decode
from diplocorpus.records import ParsedRecord


def _texts() -> list[str]:
    """The texts of every record of the seeds and of the golden inputs of every format."""
    items = [item for source_id in SEEDS for item in parse_seed(source_id)]
    for path in sorted(GOLDEN.glob("*/*/input.*")):
        with contextlib.suppress(FormatError):  # the not-a-channel case
            items.extend(PARSERS[path.parent.parent.name](decode(path.read_bytes(), path.name)))
    return [item.text for item in items if isinstance(item, ParsedRecord) and item.text]


def test_function_words_agree_with_lingua_on_every_line_of_the_inputs() -> None:
    decided = 0
    for text in _texts():
        for line in _NOT_PROSE.sub(" ", text).split("\n"):
            latin = letter_counts(line)[1]
            if latin < MIN_LINE_LETTERS:
                continue
            told = _function_word_language(line, latin)
            if told is not None:
                decided += 1
                assert told == _latin_language(line), line
    assert decided > 100  # the seeds' French lines, most of them


def test_function_words_leave_other_lines_to_lingua() -> None:
    english = "The Minister said that the talks with his counterpart were useful and that they would go on"
    spanish = "El ministro dijo que las conversaciones entre las dos partes fueron útiles para la región"
    mixed = "Nous avons été reçus par le Ministre avec une délégation du МИД России"
    for line in (english, spanish, mixed):
        assert _function_word_language(line, letter_counts(line)[1]) is None
    french = "Nous avons été reçus par le Ministre avec une délégation"
    assert _function_word_language(french, letter_counts(french)[1]) == "fr"


def _ranked(text: str) -> tuple[str, str | None]:
    """detect_languages as the shares rank languages, every line told apart."""
    shares = language_shares(text)
    total = sum(shares.values())
    if total < 3:
        return "und", None
    ranked = sorted(shares, key=lambda k: (-shares[k], k))
    return ranked[0], "|".join(k for k in ranked if shares[k] / total >= MIN_SHARE)


def test_seed_and_golden_languages_are_those_of_the_shares() -> None:
    for text in _texts():
        assert detect_languages(text) == _ranked(text)


LINES = st.sampled_from(
    [
        "Заявление Министра иностранных дел России",
        "Посольство России в Мали",
        "Déclaration du Ministre russe des Affaires étrangères à la presse",
        "Le Président a reçu le Ministre",
        "The Minister met his counterpart in Riyadh",
        "Mali",
        "#Россия #Mali https://t.me/mid_rf",
        "🇷🇺🇲🇱 2025",
        "",
    ]
) | st.text(alphabet="abcéЖжя #1.\u00d7", max_size=60)


@given(st.lists(LINES, max_size=8).map("\n".join))
def test_a_post_with_few_latin_letters_is_russian_whatever_they_are(text: str) -> None:
    # detect_languages decides such posts without lingua; the shares must agree.
    assert detect_languages(text) == _ranked(text)


def test_docstring_examples() -> None:
    assert doctest.testmod(enrich).failed == 0

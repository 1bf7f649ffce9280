"""Names across scripts: a transcription-neutral key for Latin and Cyrillic spellings.

Russian names reach French text through several transcriptions (Ушаков: Ouchakov,
Ushakov; Путин: Poutine, Putin; Громыко: Gromyko). Folding both sides to the same
rough phonetic key, its consonant skeleton, lets a French name be matched to a Russian
one without a dictionary:

>>> name_key("Ушакову"), name_key("Ouchakov"), name_key("Ushakov")
('shkv', 'shkv', 'shkv')
>>> name_key("Путиным"), name_key("Poutine")
('ptn', 'ptn')

The key ignores vowels, so it is coarse: it is evidence that two names may be the same,
not proof (Lavrova and Lavrov share a key).
"""

from __future__ import annotations

import re
import unicodedata

_CYRILLIC_TO_LATIN = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya",
    }
)  # fmt: skip

# Case endings of Russian nouns and surnames that carry a consonant (vowel-only endings
# vanish with the vowels): Лавровым -> Лавров, Зеленскому -> Зеленск.
_RUSSIAN_ENDING = re.compile(r"(?:ыми|ами|ями|ому|ему|ого|его|ым|им|ом|ем|ой|ей|ою|ах|ях)$")

# French (and English) spellings of Russian sounds, mapped to the transliteration above;
# order matters: 'tch' before 'ch', 'ch' before 'c'.
_LATIN_RULES = (
    (re.compile(r"tch"), "ch"),
    (re.compile(r"ch"), "sh"),
    (re.compile(r"j"), "zh"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"qu"), "k"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"w"), "v"),
)
_VOWELS = re.compile(r"[aeiouy]+")
_REPEATS = re.compile(r"(.)\1+")


def fold_word(word: str) -> str:
    """A word lower-cased, ё as е, accents removed: 'Sergueï' -> 'serguei', 'Ёлка' -> 'елка'."""
    if word.isascii():  # most words: nothing to decompose
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.lower().replace("ё", "е"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_latin(text: str) -> str:
    """Lowercase ASCII letters of a Latin-script word, accents removed: 'Sergueï' -> 'serguei'."""
    return "".join(c for c in fold_word(text) if "a" <= c <= "z")


def transliterate(word: str) -> str:
    """A Cyrillic word in plain Latin letters (a simplified scientific transliteration)."""
    return word.lower().translate(_CYRILLIC_TO_LATIN)


def name_key(word: str) -> str:
    """The consonant skeleton of a name, the same for its Cyrillic and Latin spellings."""
    lower = word.lower()
    if any("а" <= c <= "я" or c == "ё" for c in lower):
        latin = transliterate(_RUSSIAN_ENDING.sub("", lower))
    else:
        latin = fold_latin(lower)
        for pattern, replacement in _LATIN_RULES:
            latin = pattern.sub(replacement, latin)
    latin = latin.replace("zh", "j").replace("kh", "h")
    # Voicing of s/z differs between the transcriptions (Президент, Président).
    latin = _REPEATS.sub(r"\1", latin.replace("z", "s"))
    return _VOWELS.sub("", latin)

"""The entity catalogue, and linking mentions to it.

The catalogue is the curated CSV `data/curated/entity_catalog.csv` (people, institutions,
places) plus every country of babel's locale data (CLDR) as `country-<iso code>`, with its
French, Russian and English names.

A mention links to an entry when, after folding case, accents and punctuation, its
surface (or, for Russian, its lemmatised form) equals one of the entry's aliases. A person
named differently from every alias (Lavrov alone, Лаврова in the genitive, Ouchakov for
Ushakov) links through a transcription-neutral key of the surname, and only if the first
name (or initial) and the grammatical gender agree, and exactly one person is left.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from diplocorpus.errors import ManifestError
from diplocorpus.names import fold_word, name_key
from diplocorpus.rows import EntityCatalogRow

CATALOG_PATH = "data/curated/entity_catalog.csv"
COLUMNS = ["entity_id", "type", "label_fr", "label_ru", "label_en", "wikidata", "aliases"]
ALIAS_SEPARATOR = " | "
# Territory codes of CLDR that are not countries.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
_ARTICLE = re.compile(r"^(?:l['’]|la |le |les |du |de la |de l['’]|des |d['’])", re.IGNORECASE)
# [^\W_] is exactly str.isalnum(): letters and digits of every script.
_NOT_ALNUM = re.compile(r"[\W_]+")
_INITIAL = re.compile(r"^\w\.?$")
_FEMININE = re.compile(r"(?:ova|eva|yova|ina|ya|aya|kaia|kaïa)$|(?:ова|ева|ёва|ина|ая|ская|цкая)$")
_MASCULINE = re.compile(r"(?:ov|ev|yov|in|sky|skiy|ski|skii)$|(?:ов|ев|ёв|ин|ский|цкий|ой)$")


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lowercase letters and digits only, accents and leading articles removed.

    >>> fold("l’ONU") == fold("ONU"), fold("С.В. Лавров") == fold("С.В.Лавров")
    (True, True)
    """
    return _NOT_ALNUM.sub("", fold_word(_ARTICLE.sub("", text.strip())))


def names_of(row: EntityCatalogRow) -> list[str]:
    """Every name of an entry: its labels and its aliases."""
    names = [row.label_fr, row.label_ru or "", row.label_en, *(row.aliases or "").split(ALIAS_SEPARATOR)]
    return [n for n in (n.strip() for n in names) if n]


def read_catalog(package_dir: Path) -> list[EntityCatalogRow]:
    """The curated entries of the package, then the countries; sorted by entity_id."""
    path = package_dir / CATALOG_PATH
    rows: list[EntityCatalogRow] = []
    if path.is_file():
        rows.extend(_curated(path))
    curated = {row.entity_id: row for row in rows}
    for country in countries():
        extra = curated.pop(country.entity_id, None)
        if extra:
            # A curated row for a country adds names (official names, acronyms) to CLDR's.
            aliases = [*country.aliases.split(ALIAS_SEPARATOR), *(extra.aliases or "").split(ALIAS_SEPARATOR)]
            country = dataclasses.replace(
                country,
                wikidata=extra.wikidata,
                aliases=ALIAS_SEPARATOR.join(dict.fromkeys(a.strip() for a in aliases if a.strip())),
                origin="curated",
            )
        curated[country.entity_id] = country
    return sorted(curated.values(), key=lambda r: r.entity_id)


def _curated(path: Path) -> Iterable[EntityCatalogRow]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != COLUMNS:
            raise ManifestError(f"{CATALOG_PATH}:1: columns must be {','.join(COLUMNS)}")
        seen: set[str] = set()
        for line, row in enumerate(reader, start=2):
            values = {k: (v.strip() or None) for k, v in row.items()}
            entity_id = values["entity_id"]
            if not entity_id or entity_id in seen:
                raise ManifestError(f"{CATALOG_PATH}:{line}: entity_id {entity_id!r} missing or repeated")
            seen.add(entity_id)
            yield EntityCatalogRow(
                entity_id=entity_id,
                type=values["type"] or "LOC",
                label_fr=values["label_fr"] or "",
                label_ru=values["label_ru"],
                label_en=values["label_en"] or "",
                wikidata=values["wikidata"],
                aliases=values["aliases"],
                origin="curated",
            )


def countries() -> list[EntityCatalogRow]:
    """Every country of CLDR, named in French, Russian and English."""
    from babel import Locale

    names = {language: Locale.parse(language).territories for language in ("fr", "ru", "en")}
    rows = []
    for code in sorted(names["en"]):
        if len(code) != 2 or not code.isalpha() or code in _NOT_COUNTRIES:
            continue
        labels = [names[language].get(code) or names["en"][code] for language in ("fr", "ru", "en")]
        rows.append(
            EntityCatalogRow(
                entity_id=f"country-{code.lower()}",
                type="LOC",
                label_fr=labels[0],
                label_ru=labels[1],
                label_en=labels[2],
                wikidata=None,
                aliases=ALIAS_SEPARATOR.join(dict.fromkeys(labels)),
                origin="babel",
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class _Person:
    entity_id: str
    first_keys: frozenset[str]
    initials: frozenset[str]
    gender: str | None


def gender_of(surname: str) -> str | None:
    """'F' or 'M' for a Russian-style surname (Захарова, Lavrov), None for any other."""
    lower = surname.lower()
    if _FEMININE.search(lower):
        return "F"
    if _MASCULINE.search(lower):
        return "M"
    return None


class Linker:
    """Links mentions to catalogue entries; see the module docstring for the rules.

    `keys_of` gives the keys of a name's words (for Russian their lemmas, see
    ner.phrase_keys), so that aliases and inflected mentions meet: Совете Безопасности
    ООН, Совет Безопасности ООН.
    """

    def __init__(
        self, rows: Sequence[EntityCatalogRow], keys_of: Callable[[str], tuple[str, ...]] | None = None
    ):
        self.types = {row.entity_id: row.type for row in rows}
        self._keys_of = keys_of
        self._aliases: dict[str, set[str]] = defaultdict(set)
        self._surnames: dict[str, list[_Person]] = defaultdict(list)
        for row in rows:
            names = names_of(row)
            for name in names:
                for key in self._keys(name):
                    self._aliases[key].add(row.entity_id)
            if row.type == "PER":
                self._index_person(row, names)

    def _keys(self, name: str) -> set[str]:
        keys = {fold(name)}
        if self._keys_of and _is_cyrillic(name):
            keys.add("".join(self._keys_of(name)))
        keys.discard("")
        return keys

    def _index_person(self, row: EntityCatalogRow, names: list[str]) -> None:
        surnames: set[str] = set()
        first_keys: set[str] = set()
        initials: set[str] = set()
        for name in names:
            words = _words(name)
            if not words:
                continue
            surnames.add(name_key(words[-1]))
            if len(words) > 1:
                first_keys.add(name_key(words[0]))
                initials.add(words[0][0].lower())
        russian = _words(row.label_ru or "")
        gender = gender_of(russian[-1]) if russian else None
        person = _Person(row.entity_id, frozenset(first_keys), frozenset(initials), gender)
        for key in surnames:
            if len(key) >= 2:
                self._surnames[key].append(person)

    def link(
        self, surface: str, lemma: str | None = None, type_: str | None = None, word_lemmas: str | None = None
    ) -> str | None:
        """The entity_id a mention refers to, or None when none (or several) fit.

        `lemma` is the mention's normal form, `word_lemmas` the lemmas of its words (for
        Russian: what the aliases are lemmatised to).
        """
        found: set[str] = set()
        for text in filter(None, (surface, lemma, word_lemmas)):
            found |= self._aliases.get(fold(text), set())
        if type_ and len(found) > 1:
            found = {e for e in found if self.types[e] == type_} or found
        if len(found) == 1:
            return next(iter(found))
        if found or type_ not in (None, "PER"):
            return None
        return self._link_person(lemma or surface)

    def _link_person(self, name: str) -> str | None:
        words = [w for w in re.split(r"[\s.]+", name) if w]
        if not words:
            return None
        surname = words[-1]
        given = [w for w in words[:-1] if not _INITIAL.match(w)]
        initials = [w[0].lower() for w in words[:-1]]
        candidates = self._surnames.get(name_key(surname), [])
        gender = gender_of(surname)
        fits = []
        for person in candidates:
            if gender and person.gender and gender != person.gender:
                continue
            if given and person.first_keys and name_key(given[0]) not in person.first_keys:
                continue
            if initials and person.initials and initials[0] not in person.initials:
                continue
            fits.append(person.entity_id)
        return fits[0] if len(set(fits)) == 1 else None


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[\s.]+", name) if w and not _INITIAL.match(w)]


def _is_cyrillic(text: str) -> bool:
    return any("а" <= c <= "я" or c == "ё" for c in text.lower())


# What may stand between the words of one name in a text.
_NAME_GAP = re.compile(r"[ \u00a0'’.\-–—]*")


class Gazetteer:
    """Catalogue names found in a text word by word: the longest alias whose words' keys
    (folded; lemmas for Russian) match the text's from a capitalised word on, if it names
    one entry.

    `keys_of` gives the keys of an alias's words, `word_key` the key of one word of a text
    (ner.phrase_keys and ner.word_key: the same keys for the same words). A text word is
    keyed only where a name could start (a capitalised word) or go on: most words never are.
    """

    def __init__(
        self,
        rows: Sequence[EntityCatalogRow],
        keys_of: Callable[[str], tuple[str, ...]],
        word_key: Callable[[str], str],
    ):
        self._word_key = word_key
        # A trie of the aliases' keys: word key -> node; under _IDS, the entries named there.
        self._trie: dict[str | None, Any] = {}
        # Names written in capitals (UN, AES, МИД) match only capitals: 'Un' opens sentences.
        self._acronyms: set[str] = set()
        for row in rows:
            for name in names_of(row):
                key = keys_of(name)
                if key and (len(key) > 1 or len(key[0]) > 2 or name.isupper()):
                    node = self._trie
                    for word in key:
                        node = node.setdefault(word, {})
                    node.setdefault(_IDS, set()).add(row.entity_id)
                    if len(key) == 1 and name.isupper():
                        self._acronyms.add(key[0])

    def find(self, text: str, words: Sequence[tuple[int, int]]) -> list[tuple[int, int, str]]:
        """(start, end, entity_id) of the catalogue names in `text`, given its words' offsets."""
        found = []
        after = 0  # the first word not yet in a name found
        for i in [i for i, (start, _) in enumerate(words) if text[start].isupper()]:
            if i < after:
                continue
            n = self._longest_name(text, words, i)
            if n is not None:
                length, entity_id = n
                found.append((words[i][0], words[i + length - 1][1], entity_id))
                after = i + length
        return found

    def _longest_name(self, text: str, words: Sequence[tuple[int, int]], i: int) -> tuple[int, str] | None:
        """(number of words, entity_id) of the longest alias naming one entry at word i."""
        best = None
        node = self._trie
        j = i
        while True:
            key = self._word_key(text[words[j][0] : words[j][1]])
            node = node.get(key)
            if node is None:
                break
            ids = node.get(_IDS)
            if (
                ids
                and len(ids) == 1
                and (j > i or key not in self._acronyms or text[words[i][0] : words[j][1]].isupper())
            ):
                best = (j - i + 1, next(iter(ids)))
            j += 1
            # Stop where no alias goes on, or the next word is not joined to this one.
            if j == len(words) or len(node) == (_IDS in node):
                break
            if not _NAME_GAP.fullmatch(text, words[j - 1][1], words[j][0]):
                break
        return best


_IDS = None  # where a trie node keeps the entries named by the words that lead to it

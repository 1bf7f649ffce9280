"""The entity catalogue and linking to it."""

from __future__ import annotations

import shutil

import pytest

from conftest import ROOT
from diplocorpus import ner
from diplocorpus.catalog import CATALOG_PATH, Gazetteer, Linker, fold, gender_of, read_catalog
from diplocorpus.errors import ManifestError


@pytest.fixture(scope="module")
def catalog():
    return read_catalog(ROOT)


@pytest.fixture(scope="module")
def linker(catalog):
    return Linker(catalog, ner.phrase_keys)


@pytest.fixture(scope="module")
def gazetteer(catalog):
    return Gazetteer(catalog, ner.phrase_keys, ner.word_key)


def test_countries_come_from_cldr_with_curated_names_added(catalog) -> None:
    by_id = {row.entity_id: row for row in catalog}
    assert sum(row.origin == "babel" for row in catalog) > 190
    russia = by_id["country-ru"]
    assert (russia.label_fr, russia.label_ru, russia.label_en) == ("Russie", "Россия", "Russia")
    assert "Fédération de Russie" in russia.aliases and russia.origin == "curated"
    assert by_id["country-ml"].type == "LOC"


def test_wikidata_is_never_filled_unverified(catalog) -> None:
    assert all(row.wikidata is None for row in catalog)


@pytest.mark.parametrize(
    ("surface", "lemma", "type_", "entity_id"),
    [
        ("Sergueï Lavrov", None, "PER", "sergey-lavrov"),
        ("С.В.Лаврова", "С.В.Лавров", "PER", "sergey-lavrov"),
        ("Лаврова", "Лавров", "PER", "sergey-lavrov"),
        ("Iouri Ouchakov", None, "PER", "yuri-ushakov"),
        ("Юрия Ушакова", "Юрий Ушаков", "PER", "yuri-ushakov"),
        ("Ouchakov", None, "PER", "yuri-ushakov"),
        ("Игорем Громыко", "Игорь Громыко", "PER", "igor-gromyko"),
        ("Мали", "Мали", "LOC", "country-ml"),
        ("Российской Федерации", "Российская Федерация", "LOC", "country-ru"),
        ("l’ONU", None, "ORG", "un"),
        ("МИД России", "МИД Россия", "ORG", "russian-mfa"),
    ],
)
def test_mentions_link_through_aliases_lemmas_and_name_keys(linker, surface, lemma, type_, entity_id) -> None:
    assert linker.link(surface, lemma, type_) == entity_id


@pytest.mark.parametrize(
    "surface",
    ["Lavrova", "Sergueïa Lavrova", "Igor Lavrov", "Peskova", "Ivan Ouchakov", "Vladimir"],
)
def test_a_different_first_name_or_gender_is_not_linked(linker, surface) -> None:
    assert linker.link(surface, None, "PER") is None


def test_gender_of_russian_surnames() -> None:
    assert [gender_of(s) for s in ("Захарова", "Lavrov", "Zakharova", "Trump")] == ["F", "M", "F", None]


def test_fold_ignores_case_accents_articles_and_punctuation() -> None:
    assert fold("l’ONU") == fold("ONU") == "onu"
    assert fold("Forum de partenariat Russie–Afrique") == fold("forum de partenariat russie-afrique")


def _found(gazetteer, text):
    analysis = ner.tag([text])[0]
    return [(text[a:b], e) for a, b, e in gazetteer.find(text, analysis.words)]


def test_gazetteer_finds_the_longest_name_in_either_script(gazetteer) -> None:
    text = "Выступление в Совете Безопасности ООН и в МИД России."
    assert _found(gazetteer, text) == [
        ("Совете Безопасности ООН", "un-security-council"),
        ("МИД России", "russian-mfa"),
    ]
    text = "la deuxième conférence du Forum de partenariat Russie–Afrique au Caire"
    assert ("Forum de partenariat Russie–Afrique", "russia-africa-partnership-forum") in _found(
        gazetteer, text
    )


def test_gazetteer_keys_only_the_words_where_a_name_can_be(catalog) -> None:
    keyed = []

    def word_key(word: str) -> str:
        keyed.append(word)
        return ner.word_key(word)

    gazetteer = Gazetteer(catalog, ner.phrase_keys, word_key)
    text = "la deuxième conférence du Forum de partenariat Russie–Afrique au Caire, selon l'ONU"
    found = [(text[a:b], e) for a, b, e in gazetteer.find(text, ner.latin_words(text))]
    assert found == [
        ("Forum de partenariat Russie–Afrique", "russia-africa-partnership-forum"),
        ("Caire", "cairo"),
        ("ONU", "un"),
    ]
    # Capitalised words, and the words that go on a name begun there; no other.
    assert keyed == ["Forum", "de", "partenariat", "Russie", "Afrique", "Caire", "ONU"]


def test_gazetteer_matches_acronyms_in_capitals_only(gazetteer) -> None:
    assert _found(gazetteer, "Un accord a été conclu à l'ONU.") == [("ONU", "un")]


def test_a_bad_catalogue_row_names_its_line(tmp_path) -> None:
    (tmp_path / "data/curated").mkdir(parents=True)
    shutil.copy(ROOT / CATALOG_PATH, tmp_path / CATALOG_PATH)
    with (tmp_path / CATALOG_PATH).open("a", encoding="utf-8") as f:
        f.write("sergey-lavrov,PER,Lavrov,Лавров,Lavrov,,Lavrov\n")
    lines = (tmp_path / CATALOG_PATH).read_text("utf-8").count("\n")
    with pytest.raises(
        ManifestError, match=rf"^data/curated/entity_catalog.csv:{lines}: entity_id 'sergey-lavrov'"
    ):
        read_catalog(tmp_path)

"""The models' side of the entity stage: Russian normal forms, word keys, BLAS threads."""

from __future__ import annotations

import re
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from conftest import ROOT
from diplocorpus import ner


def _names(text: str) -> list[tuple[str, str, str | None]]:
    found, _ = ner.tag_russian(text)
    return [(text[t.start : t.end], t.type, t.normal) for t in found]


def test_russian_names_are_put_in_the_nominative() -> None:
    text = "Помощник Президента России Юрий Ушаков провёл встречу в Сахеле с представителями Совета Безопасности ООН."
    assert _names(text) == [
        ("России", "LOC", "Россия"),
        ("Юрий Ушаков", "PER", "Юрий Ушаков"),
        ("Сахеле", "LOC", "Сахель"),
        # natasha inflects every word of an organisation's name (it has no syntax here).
        ("Совета Безопасности", "ORG", "Совет Безопасность"),
        ("ООН", "ORG", "ООН"),
    ]
    text = "Министр иностранных дел Российской Федерации С.В.Лавров встретился с Марией Захаровой."
    assert _names(text) == [
        ("Российской Федерации", "LOC", "Российская Федерация"),
        ("С.В.Лавров", "PER", "С.В.Лавров"),
        ("Марией Захаровой", "PER", "Мария Захарова"),
    ]


def _natasha_whole_text_normals(text: str) -> list[tuple[int, int, str]]:
    """natasha's own way: the morphology tagger over the whole text, then each span normalised."""
    from natasha import Doc

    segmenter, tagger, morph, vocab = ner._russian()
    doc = Doc(ner.mask(text))
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    doc.tag_morph(morph)
    normals = []
    for span in doc.spans:
        if ner.clean(text, span.start, span.stop, span.type) == (span.start, span.stop):
            span.normalize(vocab)
            normals.append((span.start, span.stop, span.normal))
    return normals


def test_normal_forms_are_natashas_own_on_the_seed_posts() -> None:
    """Tagging only the names whose case is open, in a window of their sentence, gives
    the normal forms of tagging whole texts (ner._nominatives)."""
    posts = pq.read_table(ROOT / "data/posts.parquet", columns=["text"]).to_pylist()
    runs = [
        p["text"][start:end]
        for p in posts
        if p["text"]
        for start, end, script in ner.runs(p["text"])
        if script == "cyrillic"
    ]
    compared = 0
    for run in runs:
        expected = _natasha_whole_text_normals(run)
        found, _ = ner.tag_russian(run)
        ours = {(t.start, t.end): t.normal for t in found}
        for start, end, normal in expected:
            assert ours[(start, end)] == normal, run[start:end]
        compared += len(expected)
    assert compared > 100


def _seed_runs(cyrillic: bool) -> list[str]:
    posts = pq.read_table(ROOT / "data/posts.parquet", columns=["text"]).to_pylist()
    return [
        p["text"][start:end]
        for p in posts
        if p["text"]
        for start, end, script in ner.runs(p["text"])
        if (script == "cyrillic") == cyrillic
    ]


def test_the_french_recogniser_finds_what_the_published_pipeline_finds() -> None:
    """The stage runs the recogniser's matrix products through numpy's BLAS rather than
    blis: on the seed posts it finds the same entities, at the same characters."""
    import spacy
    from thinc.api import NumpyOps

    staged = ner._french()
    published = spacy.load(ner.FRENCH_MODEL, exclude=list(ner.FRENCH_LEFT_OUT))
    assert staged.pipe_names == published.pipe_names == ["ner"]
    ops = staged.get_pipe("ner").model.ops
    assert isinstance(ops, NumpyOps) and not ops.use_blis
    assert published.get_pipe("ner").model.ops.use_blis  # so the comparison compares something
    runs = [ner.mask(run) for run in _seed_runs(cyrillic=False)]
    assert len(runs) > 30

    def entities(nlp: spacy.language.Language) -> list[list[tuple[int, int, str]]]:
        with ner.one_blas_thread():
            return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(runs)]

    expected = entities(published)
    assert sum(map(len, expected)) > 300
    assert entities(staged) == expected


def test_french_runs_tagged_in_batches_are_tagged_as_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The recogniser's batches (ner._french_batches) change no mention."""
    runs = _seed_runs(cyrillic=False)
    one_by_one = [ner.tag_french([run])[0] for run in runs]
    assert sum(map(len, one_by_one)) > 300
    monkeypatch.setattr(ner, "_FRENCH_BATCH_CHARACTERS", 5_000)
    assert len(list(ner._french_batches(runs))) > 5
    assert ner.tag_french(runs) == one_by_one
    monkeypatch.setattr(ner, "_FRENCH_BATCH_CHARACTERS", 10**9)
    assert len(list(ner._french_batches(runs))) == 1
    assert ner.tag_french(runs) == one_by_one


def test_french_batches_keep_the_order_and_a_long_text_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ner, "_FRENCH_BATCH_CHARACTERS", 10)
    texts = ["aaaa", "bbbb", "cc", "d" * 30, "e", "ffffffffff"]
    assert list(ner._french_batches(texts)) == [["aaaa", "bbbb", "cc"], ["d" * 30], ["e"], ["ffffffffff"]]
    assert list(ner._french_batches([])) == []


def test_the_batches_benchmark_compares_both_ways_on_the_seed_posts() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/french_batches.py"), str(ROOT), "--platform", "telegram",
         "--runs", "12", "--repeat", "1"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert "12 telegram runs" in out
    assert re.search(r"^spacy +CPU .* MB$", out, re.MULTILINE)
    assert re.search(r"^bounded +CPU .* MB$", out, re.MULTILINE)
    assert out.rstrip().endswith("same entities both ways")


def test_runs_tagged_together_are_tagged_as_one_by_one() -> None:
    """Batching the runs (NER by length, the morphology windows of all runs at once)
    changes no mention, normal form or word."""
    runs = _seed_runs(cyrillic=True)
    assert len(runs) > 3
    assert ner.tag_russian_runs(runs) == [ner.tag_russian(run) for run in runs]
    # The same runs in another order, so in other batches.
    assert ner.tag_russian_runs(runs[::-1]) == [ner.tag_russian(run) for run in runs[::-1]]


def test_a_run_with_nothing_left_after_masking_has_no_mention() -> None:
    """natasha's tagger fails on a text without a token: a line of hashtags is one."""
    found = ner.tag_russian_runs(["#Россия #Москва", "Министр иностранных дел России Сергей Лавров"])
    assert found[0] == ([], [])
    assert [(t.type, t.normal) for t in found[1][0]] == [("LOC", "Россия"), ("PER", "Сергей Лавров")]
    assert ner.tag(["#Россия\nLavrov"])[0].words == [(8, 14)]


def test_word_keys_are_lemmas_in_cyrillic_and_folded_words_otherwise() -> None:
    assert [ner.word_key(w) for w in ("Совете", "Безопасности", "России", "Sergueï", "ONU")] == [
        "совет",
        "безопасность",
        "россия",
        "serguei",
        "onu",
    ]
    assert ner.phrase_keys("Совете Безопасности ООН") == ner.phrase_keys("Совет Безопасности ООН")
    assert ner.phrase_keys("Forum de partenariat Russie–Afrique") == (
        "forum",
        "de",
        "partenariat",
        "russie",
        "afrique",
    )


def test_forgetting_words_empties_the_caches() -> None:
    ner.word_key("Совете")
    ner.forget_words()
    assert ner.word_key.cache_info().currsize == 0


def test_the_models_run_on_one_blas_thread() -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with ner.one_blas_thread():
        blas = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
        assert blas and all(p["num_threads"] == 1 for p in blas)

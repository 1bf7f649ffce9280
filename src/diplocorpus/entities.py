"""Entity rows of the posts: mentions by rule and by model, linked to the catalogue.

Rules (hashtags, @mentions, links, flags, dates) come first; a model's mention that
overlaps one of them is dropped (a flag is not a place, #G20 is not an organisation). A
mention that links to the catalogue takes the catalogue's type (Moyen-Orient, which the
French model calls MISC, is a place).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from diplocorpus import ner
from diplocorpus.catalog import Gazetteer, Linker, fold
from diplocorpus.names import fold_word
from diplocorpus.records import Span
from diplocorpus.rows import EntityCatalogRow, PostRow
from diplocorpus.rules import find_rule_entities

MARKED = "telegram-export"


def _marked_normal(span: Span) -> str:
    """Normal form of a span the input marks, as the rules give it."""
    if span.type == "HASHTAG":
        return span.surface.lstrip("#")
    if span.type == "MENTION":
        return span.surface.lstrip("@").lower()
    target = span.url or span.surface
    return target if "://" in target else f"https://{target}"


_WORD = re.compile(r"\w+")


def _has_word(text: str, word: str) -> bool:
    """Whether `word` is one of the words (runs of \\w) of `text`.

    >>> _has_word("la coopération, Coopération", "coopération"), _has_word("coopérations", "coopération")
    (True, False)
    """
    if not _WORD.fullmatch(word):
        return False
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        if not (start and _is_word_character(text[start - 1])) and not (
            end < len(text) and _is_word_character(text[end])
        ):
            return True
        start = text.find(word, start + 1)
    return False


def _is_word_character(c: str) -> bool:
    """Whether `c` matches \\w."""
    return c.isalnum() or c == "_"


def forget_words() -> None:
    """Empty the caches of words, names and parses that the stage fills as it goes, so
    that the next texts are met as new (benchmarks time the stage on unseen text)."""
    ner.forget_words()
    fold.cache_clear()


@dataclass(slots=True)
class Candidate:
    start: int
    end: int
    type: str
    normalized: str | None
    entity_id: str | None
    method: str


# Words recur: their folded forms are kept (the models' word_key keeps its own).
_folded = lru_cache(maxsize=1 << 17)(fold_word)


class Recognizer:
    """Finds and links the mentions of posts' texts, with the catalogue it was given."""

    def __init__(self, catalog: Sequence[EntityCatalogRow], models: bool = True):
        """`models`: run spaCy and natasha (NER), and match Russian words by their lemmas
        (pymorphy); without them, mentions come from the input's marks, the rules and the
        catalogue's names, matched on folded words."""
        self.models = models
        keys_of = ner.phrase_keys if models else ner.word_keys
        self.word_key = ner.word_key if models else _folded
        self.linker = Linker(catalog, keys_of)
        self.gazetteer = Gazetteer(catalog, keys_of, self.word_key)

    def columns(
        self,
        posts: Sequence[PostRow],
        years: Mapping[str, int | None],
        marked: Mapping[str, Sequence[Span]] | None = None,
    ) -> dict[str, list[object]]:
        """Every mention in the text of `posts`, sorted by post and offset, as the columns of
        the entities table (rows.EntityRow's fields): a build makes millions of
        mentions, and the table is built from columns.

        `years` gives, per post_id, the year in which to read a date written without one;
        `marked`, per post_id, the hashtags, mentions and links the input itself marks
        (Telegram exports' text entities, the links of a t.me/s page).
        """
        marked = marked or {}
        texts = [p for p in posts if p.kind != "service" and p.text]
        analyses = ner.tag([p.text or "" for p in texts], self.models)
        post_ids: list[object] = []
        starts: list[object] = []
        ends: list[object] = []
        surfaces: list[object] = []
        types: list[object] = []
        normals: list[object] = []
        entity_ids: list[object] = []
        methods: list[object] = []
        for post, analysis in zip(texts, analyses, strict=True):
            text = post.text or ""
            for c in self.mentions(text, analysis, years.get(post.post_id), marked.get(post.post_id, ())):
                post_ids.append(post.post_id)
                starts.append(c.start)
                ends.append(c.end)
                surfaces.append(text[c.start : c.end])
                types.append(c.type)
                normals.append(c.normalized)
                entity_ids.append(c.entity_id)
                methods.append(c.method)
        return {
            "post_id": post_ids,
            "start": starts,
            "end": ends,
            "surface": surfaces,
            "type": types,
            "normalized": normals,
            "entity_id": entity_ids,
            "method": methods,
        }

    def mentions(
        self, text: str, analysis: ner.Analysis, year: int | None, marked: Sequence[Span] = ()
    ) -> list[Candidate]:
        """Non-overlapping mentions of one text: what the input marks first, then rules,
        then linked names (longest first), then the models' unlinked names."""
        candidates = [
            Candidate(s.start, s.end, s.type, _marked_normal(s), None, MARKED)
            for s in marked
            if text[s.start : s.end] == s.surface
        ]
        for m in find_rule_entities(text, year):
            entity_id = f"country-{m.normalized.lower()}" if m.type == "FLAG" and m.normalized else None
            candidates.append(
                Candidate(
                    m.start,
                    m.end,
                    m.type,
                    m.normalized,
                    entity_id if entity_id in self.linker.types else None,
                    "rule",
                )
            )
        for start, end, entity_id in self.gazetteer.find(text, analysis.words):
            candidates.append(Candidate(start, end, self.linker.types[entity_id], None, entity_id, "catalog"))
        for t in analysis.tagged:
            surface = text[t.start : t.end]
            lemmas = " ".join(self._keys_within(text, analysis.words, t.start, t.end))
            entity_id = self.linker.link(surface, t.normal, t.type, lemmas)
            # One capitalised word that the same text also writes in lower case is a
            # common noun opening a heading or a sentence ("Coopération dans ...").
            if (
                entity_id is None
                and t.type != "PER"
                and " " not in surface
                and _has_word(text, surface.lower())
            ):
                continue
            type_ = self.linker.types[entity_id] if entity_id else t.type
            candidates.append(Candidate(t.start, t.end, type_, t.normal, entity_id, t.method))
        # The input's marks win, then rules; then linked before unlinked, longer before
        # shorter, catalogue before model.
        candidates.sort(
            key=lambda c: (
                c.method not in (MARKED, "rule"),
                c.method != MARKED,
                c.entity_id is None,
                c.start - c.end,
                c.method != "catalog",
            )
        )
        taken = bytearray(len(text))
        chosen = []
        for c in candidates:
            if not any(taken[c.start : c.end]):
                taken[c.start : c.end] = b"\x01" * (c.end - c.start)
                chosen.append(c)
        return sorted(chosen, key=lambda c: c.start)

    def _keys_within(self, text: str, words: Sequence[ner.Word], start: int, end: int) -> Iterator[str]:
        """The keys of the words that lie within text[start:end] (`words` sorted by start)."""
        # (start,) sorts before every word (start, end): the first word starting at `start` or after.
        for i in range(bisect_left(words, (start,)), len(words)):
            a, b = words[i]
            if a >= end:
                break
            if b <= end:
                yield self.word_key(text[a:b])

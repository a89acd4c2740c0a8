"""Offline person-name recognizer: name lexicons + capitalisation + cue words.

No NER model is available at run time, so names are found the way a careful
human skims a text:

1. Capitalised words ("David", "O'Neil", "McDonald", "Jean-Luc", "JOHN") and
   initials ("J.") next to each other form a *segment*; lower-case name
   particles ("van", "de la") may sit inside one. Stop words, titles and a list
   of never-name words ("Thanks", "Street", "Monday") end a segment.
2. Each word is classified with small lexicons shipped in `data/`: given names
   (US Census 1990 + common non-US names), surnames (Census top 5,000 + non-US),
   and given names that are also ordinary words or places ("Will", "May",
   "Jordan"), which are never a name on their own.
3. A segment is a name when
   * a strong cue precedes it ("my name is", "Dear", "Mr.", "Dr.", a sign-off
     line "Regards,\\n"): any capitalised words, score 0.85;
   * it starts with a given name followed by more name-like words ("David
     Haber", "Will Smith"): 0.85 if the last word is a known name, else 0.7;
   * capitalised words joined by a name particle ("Ludwig van Beethoven"): 0.7;
   * a lone given name ("ask Priya"): 0.5; with a weak cue ("hi", "I'm",
     "this is", "contact"), a lone ambiguous name or surname also counts (0.7).
4. Lower-case names are taken only right after "my name is" / "I am" / "call
   me" and only when the lexicons know them ("my name is david haber").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import regex as re
from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from streams.pii import entities
from streams.pii.name_cues import TITLES, cue_before, lowercase_name_matches

# Word classes.
FIRST, AMBIGUOUS, LAST, UNKNOWN, INITIAL, PARTICLE, BREAK = range(7)

PARTICLES = frozenset("van von der den de del della di da du la le bin ibn al dos das".split())

# Scores (see module doc). A lone given name stays below a street line (0.55)
# so "12 John Street" is masked as one address, not as "12 <NAME> Street".
STRONG_CUE_SCORE = 0.85
FULL_NAME_SCORE = 0.85
PARTIAL_NAME_SCORE = 0.7
WEAK_CUE_SCORE = 0.7
LONE_FIRST_NAME_SCORE = 0.5
LOWERCASE_NAME_SCORE = 0.7
MAX_NAME_WORDS = 4

# Candidate words: capitalised words (with ' ’ - inside), initials, and particles
# that are followed by a capitalised word.
_PARTICLE_PATTERN = "|".join(sorted(PARTICLES, key=len, reverse=True))
_CANDIDATE = re.compile(
    r"\b(?:\p{Lu}\.(?=\s)"  # initial
    r"|\p{Lu}[\p{L}'’-]*\p{L}"  # capitalised or all-caps word
    rf"|(?:{_PARTICLE_PATTERN})(?=(?:\s+(?:{_PARTICLE_PATTERN}))*\s+\p{{Lu}}))"  # particle before a name
)
# "St. Louis", "San Jose", "Fort Worth": a given name that is part of a place name.
PLACE_PREFIXES = frozenset("st ste saint san santa fort ft mount mt lake port cape".split())
_PLACE_PREFIX = re.compile(r"\b(?:St|Ste|Saint|San|Santa|Fort|Ft|Mount|Mt|Lake|Port|Cape)\.?\s$")
_POSSESSIVE_ENDINGS = ("'s", "’s")
_MAX_REMEMBERED_WORDS = 100_000  # bounds the classification memo in long-running workers


def _looks_like_code(text: str, start: int, end: int) -> bool:
    """Identifiers in code or markup: `Len(3)`, `Annotated[int]`, `types.Len`, `$Name`."""
    before = text[start - 1] if start else ""
    after = text[end : end + 2]
    return (
        before in (".", "_", "/", "\\", "`", "$", "<")
        or after[:1] in ("(", "[", "{", "<", "_", "=")
        or (after[:1] == "." and after[1:2].isalpha() and after[1:2].islower())
    )


def _read_words(filename: str) -> frozenset[str]:
    text = resources.files("streams.pii").joinpath("data", filename).read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


@dataclass(frozen=True, slots=True)
class NameLexicon:
    """Word lists deciding what a capitalised word is. Loaded once (see `load_lexicon`)."""

    first: frozenset[str]
    last: frozenset[str]
    ambiguous: frozenset[str]
    never: frozenset[str]

    def classify(self, word: str) -> int:
        """FIRST / AMBIGUOUS / LAST / UNKNOWN / BREAK for a capitalised or all-caps word."""
        key = word.lower().replace("’", "'")
        if key in TITLES or key in self.never or key in PLACE_PREFIXES or (len(word) <= 2 and word.isupper()):
            return BREAK  # two capitals are an acronym ("AI", "IT"), not "Ai"
        plain = key.replace("'", "")
        for candidate in (key, plain):
            if candidate in self.ambiguous:
                return AMBIGUOUS
            if candidate in self.first:
                # Two-letter given names ("Le", "Al", "Ed") are also particles,
                # abbreviations and code identifiers: only with a surname or cue.
                return AMBIGUOUS if len(candidate) <= 2 else FIRST
            if candidate in self.last:
                return LAST
        parts = word.split("-")
        if len(parts) > 1 and all(part[:1].isupper() for part in parts):
            # Jean-Luc, Smith-Jones: the parts decide ("AI-drafted" is no name).
            kinds = [self.classify(part) for part in parts]
            for wanted in (FIRST, LAST, AMBIGUOUS):
                if wanted in kinds:
                    return wanted
        # Unknown all-caps words are acronyms (API, NASA), not names.
        return BREAK if word.isupper() else UNKNOWN


@lru_cache(maxsize=1)
def load_lexicon() -> NameLexicon:
    never = _read_words("not_names.txt") | frozenset(STOP_WORDS)
    ambiguous = _read_words("ambiguous_names.txt")
    return NameLexicon(
        first=_read_words("first_names.txt") - never,
        last=_read_words("surnames.txt") - never,
        ambiguous=ambiguous - (never - {"may", "will"}),
        never=never - ambiguous,
    )


class _Word(NamedTuple):  # a tuple: built for every capitalised word, so cheap to create
    start: int
    end: int
    kind: int
    shouted: bool = False  # ALL CAPS: a lone known name is then more likely a word


class LexiconNameRecognizer(LocalRecognizer):
    """Finds person names (`PERSON`) without a model; see the module doc."""

    def __init__(self, lexicon: NameLexicon | None = None) -> None:
        self.lexicon = lexicon or load_lexicon()
        self._kinds: dict[str, int] = {}  # word -> lexicon.classify(word), see _kind
        super().__init__(
            supported_entities=[entities.PERSON],
            # Presidio's context enhancer may still raise a lone-name score when
            # one of these words is among the preceding tokens.
            context=["name", "named", "signed", "patient", "customer", "employee", "contact"],
        )

    def load(self) -> None:  # lexicons are loaded in __init__
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        spans: list[tuple[int, int, float, bool]] = []
        for segment in self._segments(text):
            spans.extend(self._names_in_segment(text, segment))
        spans.extend(self._lowercase_names(text))
        return [self._result(start, end, score, cued) for start, end, score, cued in spans]

    # -- segmentation ---------------------------------------------------------------

    def _words(self, text: str) -> list[_Word]:
        words = []
        for match in _CANDIDATE.finditer(text):
            token = match.group()
            start, end = match.span()
            if token[0].islower():
                words.append(_Word(start, end, PARTICLE))
            elif len(token) == 2 and token[1] == ".":
                words.append(_Word(start, end, INITIAL))
            else:
                if token.endswith(_POSSESSIVE_ENDINGS):
                    end -= 2
                    token = token[:-2]
                words.append(_Word(start, end, self._kind(token), token.isupper()))
        return words

    def _kind(self, word: str) -> int:
        """`lexicon.classify(word)`, remembered: the same capitalised words recur."""
        kind = self._kinds.get(word)
        if kind is None:
            kind = self.lexicon.classify(word)
            if len(self._kinds) < _MAX_REMEMBERED_WORDS:
                self._kinds[word] = kind
        return kind

    def _segments(self, text: str) -> list[list[_Word]]:
        """Runs of name-like words separated by exactly one space."""
        segments: list[list[_Word]] = []
        current: list[_Word] = []
        for word in self._words(text):
            if word.kind == BREAK:
                if current:
                    segments.append(current)
                current = []
                continue
            if current and text[current[-1].end : word.start] not in (" ", "\u00a0"):
                segments.append(current)
                current = []
            current.append(word)
        if current:
            segments.append(current)
        # Particles and initials cannot open or close a name.
        trimmed = []
        for segment in segments:
            while segment and segment[0].kind in (PARTICLE, INITIAL):
                segment = segment[1:]
            while segment and segment[-1].kind in (PARTICLE, INITIAL):
                segment = segment[:-1]
            if segment:
                trimmed.append(segment)
        return trimmed

    # -- decisions --------------------------------------------------------------------

    def _names_in_segment(self, text: str, segment: list[_Word]) -> list[tuple[int, int, float, bool]]:
        found: list[tuple[int, int, float, bool]] = []
        i = 0
        if _looks_like_code(text, segment[0].start, segment[-1].end):
            return found
        while i < len(segment):
            if i == 0 and _PLACE_PREFIX.search(text, max(0, segment[0].start - 8), segment[0].start):
                i += 1  # part of a place name
                continue
            cue = cue_before(text, segment[i].start)
            span = self._name_at(segment, i, cue)
            if span is None:
                i += 1
                continue
            j, score, cued = span
            found.append((segment[i].start, segment[j - 1].end, score, cued))
            i = j
        return found

    @staticmethod
    def _name_at(segment: list[_Word], i: int, cue: str | None) -> tuple[int, float, bool] | None:
        """(end index, score, cue used) of a name starting at segment[i], or None."""
        head = segment[i]
        if head.kind in (PARTICLE, INITIAL):
            return None
        # Take up to MAX_NAME_WORDS name words (particles/initials ride along).
        j, words = i, 0
        while j < len(segment) and words < MAX_NAME_WORDS:
            if segment[j].kind not in (PARTICLE, INITIAL):
                words += 1
            j += 1
        while j > i + 1 and segment[j - 1].kind in (PARTICLE, INITIAL):
            j -= 1
        tail = segment[j - 1]
        if cue == "strong":
            return j, STRONG_CUE_SCORE, True
        if words >= 2:
            known_tail = tail.kind in (FIRST, LAST, AMBIGUOUS)
            if head.kind == FIRST:
                return j, FULL_NAME_SCORE if known_tail else PARTIAL_NAME_SCORE, False
            if head.kind == AMBIGUOUS and tail.kind in (FIRST, LAST):
                return j, PARTIAL_NAME_SCORE, False
            if cue == "weak" and head.kind in (LAST, UNKNOWN, AMBIGUOUS):
                return j, WEAK_CUE_SCORE, True
            if any(word.kind == PARTICLE for word in segment[i:j]):
                # "Ludwig van Beethoven", "Maria de la Cruz": a particle between
                # capitalised words is itself a strong sign of a name.
                return j, PARTIAL_NAME_SCORE, False
            return None
        if head.kind == FIRST and (cue or not head.shouted):
            return i + 1, WEAK_CUE_SCORE if cue else LONE_FIRST_NAME_SCORE, cue is not None
        if cue == "weak" and head.kind in (AMBIGUOUS, LAST):
            return i + 1, WEAK_CUE_SCORE, True
        return None

    def _lowercase_names(self, text: str) -> list[tuple[int, int, float, bool]]:
        found: list[tuple[int, int, float, bool]] = []
        lex = self.lexicon
        for match in lowercase_name_matches(text):
            explicit, first, second = match.group(1, 2, 3)
            if not first.islower():
                continue  # capitalised names are handled by the segment logic
            # "i am young" is not a name; "my name is will" is.
            known = bool(explicit) if first in lex.ambiguous else first in lex.first
            if not known:
                continue
            end = match.end(2)
            if second and second.islower() and (second in lex.last or second in lex.first):
                end = match.end(3)
            found.append((match.start(2), end, LOWERCASE_NAME_SCORE, True))
        return found

    def _result(self, start: int, end: int, score: float, cued: bool) -> RecognizerResult:
        metadata = {
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            # Our own cue already raised the score; Presidio must not add again.
            RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY: cued,
        }
        return RecognizerResult(
            entity_type=entities.PERSON,
            start=start,
            end=end,
            score=score,
            analysis_explanation=AnalysisExplanation(
                recognizer=self.name,
                original_score=score,
                textual_explanation="name lexicon + capitalisation" + (" + cue" if cued else ""),
            ),
            recognition_metadata=metadata,
        )

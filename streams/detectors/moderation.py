"""Moderated-content detector: crime, hate, profanity, sexual, violence, weapons.

Per category a score from the evidence kinds of moderation_lexicon.py:
- explicit evidence (slur, strong swear word, explicit sexual term, threat)   -> 3.0 (l1)
- a harmful topic *with* intent (how to make / where to buy / without getting
  caught / announcing the act)                                                 -> 3.0 (l1)
- a topic with a weaker request, or a borderline phrase                        -> 1.5-2.0 (l2-l3)
- a topic alone ("the history of the atomic bomb", "penalty for shoplifting")  -> <= 1.0 (l4-l5)
Context that shows the message is about news, history, law, prevention, education or the
word itself multiplies the score by 0.3 unless the message also wants to evade detection.

All views from normalise.py are searched (so `sh1t` or `f u c k` count), context only in
the message as written. Pure and deterministic.
"""

from __future__ import annotations

from collections.abc import Callable

from schemas.screening import ConfidenceLevel
from streams.detectors import moderation_lexicon as lex
from streams.detectors.anchored import AnchoredPattern, PatternIndex
from streams.detectors.normalise import TextView, screening_views

CATEGORIES = ("crime", "hate", "profanity", "sexual", "violence", "weapons")
MODERATION_DETECTOR_TYPES = tuple(f"moderated_content/{category}" for category in CATEGORIES)

# Every anchored pattern of the lexicon behind one start-word index (anchored.PatternIndex).
_INDEX = PatternIndex(
    [
        *lex.crime_act, *lex.crime_making, *lex.weapon_topic, *lex.weapon_making, *lex.weapon_buying,
        *lex.violence_threat, *lex.violence_howto, *lex.graphic_violence, *lex.hate_statement,
        *lex.sexual_explicit, *lex.sexual_topic, *lex.mild_profanity_phrase, *lex.how_to, *lex.evasion,
    ]
)
_EXPLICIT = 3.0
_CONTEXT_FACTOR = 0.3
_LEVELS: tuple[tuple[float, ConfidenceLevel], ...] = (
    (3.0, ConfidenceLevel.L1_CONFIDENT),
    (2.0, ConfidenceLevel.L2_VERY_LIKELY),
    (1.2, ConfidenceLevel.L3_LIKELY),
    (0.5, ConfidenceLevel.L4_LESS_LIKELY),
)


class _Evidence:
    """Lazily evaluated facts about one message, shared by the category scorers."""

    def __init__(self, views: list[TextView]) -> None:
        self.views = views
        self.plain = views[0].text
        self.words = views[0].words.union(*(v.words for v in views[1:])) if len(views) > 1 else views[0].words
        self._cache: dict[str, bool] = {}
        # Every pattern that matched in some view: one scan per view, then set tests.
        self.matched: frozenset[AnchoredPattern] = frozenset().union(*(_INDEX.scan(view) for view in views))

    def found(self, patterns: tuple[AnchoredPattern, ...]) -> bool:
        return not self.matched.isdisjoint(patterns)

    def flag(self, name: str, test: Callable[[], object]) -> bool:
        if name not in self._cache:
            self._cache[name] = bool(test())
        return self._cache[name]

    @property
    def evasion(self) -> bool:
        return self.flag("evasion", lambda: self.found(lex.evasion))

    @property
    def how_to(self) -> bool:
        return self.flag("how_to", lambda: self.found(lex.how_to))

    def context(self, cue: lex.WordCue) -> bool:
        """Context is read in the message as written (first view) only."""
        return cue.found(self.views[0].words, self.plain)


def _damped(score: float, context: bool, keep: bool = False) -> float:
    return score * _CONTEXT_FACTOR if context and not keep else score


def _crime(ev: _Evidence) -> float:
    if ev.found(lex.crime_making):
        score = _EXPLICIT
    elif ev.found(lex.crime_act):
        score = _EXPLICIT if ev.evasion or ev.how_to else 1.0
    elif ev.evasion and ev.found(lex.weapon_buying):
        score = _EXPLICIT  # buying a weapon around the law is an illegal purchase
    else:
        return 0.0
    return _damped(score, ev.context(lex.crime_context), keep=ev.evasion)


def _weapons(ev: _Evidence) -> float:
    if not ev.found(lex.weapon_topic):
        return 0.0
    if ev.found(lex.weapon_making):
        score = _EXPLICIT
    elif ev.found(lex.weapon_buying):
        score = _EXPLICIT if ev.evasion else 2.0
    else:
        score = 1.0 if ev.how_to else 0.6
    return _damped(score, ev.context(lex.weapon_context), keep=ev.evasion)


def _violence(ev: _Evidence) -> float:
    score = 0.0
    threat = ev.found(lex.violence_threat)
    if threat:
        score = _EXPLICIT
    elif ev.found(lex.violence_howto):
        score = _EXPLICIT if ev.how_to else 1.0
    if ev.found(lex.graphic_violence):
        score = max(score, _EXPLICIT if ev.context(lex.graphic_request) else 1.5)
    if not score:
        return 0.0
    return _damped(score, ev.context(lex.violence_context), keep=threat)


def _hate(ev: _Evidence) -> float:
    if not lex.SLURS.isdisjoint(ev.words) or ev.found(lex.hate_statement):
        score = _EXPLICIT
    else:
        return 0.0
    return _damped(score, ev.context(lex.hate_context))


def _sexual(ev: _Evidence) -> float:
    if not lex.EXPLICIT_SEXUAL_WORDS.isdisjoint(ev.words) or ev.found(lex.sexual_explicit):
        score = _EXPLICIT
    elif ev.found(lex.sexual_topic):
        score = _EXPLICIT if ev.context(lex.sexual_request) else 1.5
    else:
        return 0.0
    return _damped(score, ev.context(lex.sexual_context))


def _profanity(ev: _Evidence) -> float:
    if not lex.STRONG_PROFANITY.isdisjoint(ev.words):
        score = _EXPLICIT
    elif ("*" in ev.plain or "#" in ev.plain or "@" in ev.plain) and lex.masked_profanity.search(ev.plain):
        score = 2.5
    elif ev.found(lex.mild_profanity_phrase):
        score = 1.5
    elif not lex.MILD_PROFANITY.isdisjoint(ev.words):
        score = 0.8
    else:
        return 0.0
    return _damped(score, ev.context(lex.profanity_context))


_SCORERS: dict[str, Callable[[_Evidence], float]] = {
    "crime": _crime,
    "hate": _hate,
    "profanity": _profanity,
    "sexual": _sexual,
    "violence": _violence,
    "weapons": _weapons,
}


def _level(score: float) -> ConfidenceLevel:
    for floor, level in _LEVELS:
        if score >= floor:
            return level
    return ConfidenceLevel.L5_UNLIKELY


def moderation_scores(views: list[TextView]) -> dict[str, float]:
    """Raw score per category (no prefix) for already-normalised views."""
    evidence = _Evidence(views)
    return {category: scorer(evidence) for category, scorer in _SCORERS.items()}


def moderation_levels(views: list[TextView]) -> dict[str, ConfidenceLevel]:
    """Levels keyed by detector type, for already-normalised views (see detect_all)."""
    return {f"moderated_content/{category}": _level(score) for category, score in moderation_scores(views).items()}


def detect_moderated_content(text: str) -> dict[str, ConfidenceLevel]:
    """Confidence per moderation category, keyed `moderated_content/<category>`."""
    if not text or not text.strip():
        return dict.fromkeys(MODERATION_DETECTOR_TYPES, ConfidenceLevel.L5_UNLIKELY)
    return moderation_levels(screening_views(text))

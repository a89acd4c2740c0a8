"""Per-pattern gates for Presidio PatternRecognizers: run only the patterns that can match.

A PatternRecognizer runs every one of its patterns over the whole text. Each pattern here
may declare a *shape*: a cheap regex that every match of the pattern contains (a superset,
e.g. "three digits, a separator, four digits"). Patterns whose shape does not occur in the
text cannot match and are left out; the others run exactly as Presidio runs them, in the
same order, so the results are the same objects Presidio would return. The unit tests run
every pattern on the labelled set and generated texts and check that no match lacks its
pattern's shape.
"""

from __future__ import annotations

import copy

import regex as re
from presidio_analyzer import PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts


class ShapeGatedPatterns(PatternRecognizer):
    """A PatternRecognizer whose patterns run only when their shape occurs in the text.

    `PATTERN_SHAPES` maps a pattern name to its shape; a pattern without one always runs.
    """

    PATTERN_SHAPES: dict[str, re.Pattern[str]] = {}

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        present = tuple(
            pattern.name
            for pattern in self.patterns
            if (shape := self.PATTERN_SHAPES.get(pattern.name)) is None or shape.search(text)
        )
        if not present:
            return []
        runner = self if len(present) == len(self.patterns) else self._with_patterns(present)
        return PatternRecognizer.analyze(runner, text, entities, nlp_artifacts, regex_flags)

    def _with_patterns(self, names: tuple[str, ...]) -> PatternRecognizer:
        """This recognizer (same name, id, context, validation) with only `names`' patterns."""
        twins: dict[tuple[str, ...], PatternRecognizer] = self.__dict__.setdefault("_twins", {})
        twin = twins.get(names)
        if twin is None:
            twin = copy.copy(self)
            twin.patterns = [pattern for pattern in self.patterns if pattern.name in names]
            twins[names] = twin
        return twin

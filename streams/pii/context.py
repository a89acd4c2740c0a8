"""Presidio's lemma context enhancement, done in place and only where it can matter.

`LemmaContextAwareEnhancer.enhance_using_context` deep-copies every result
(with its explanation) before looking at context words, and looks even at
results that already score 1.0. Our results are created fresh for each call and
owned by it, so we boost them in place, and skip results that cannot go higher
(which also means a text whose findings are all checksum-validated never needs
the NLP artifacts: see nlp.LazyNlpArtifacts). Presidio also finds each
result's token by scanning from the first token (quadratic on long texts with
many findings); we bisect token end offsets. The rule itself is Presidio's:
a recognizer context word among the preceding lemmas (substring match) raises
the score by `context_similarity_factor`, to at least
`min_score_with_context_similarity`, capped at 1.0.
"""

from __future__ import annotations

import bisect

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts

from streams.pii.nlp import TokenWords
from streams.pii.token_windows import TokenWindows

_RECOGNIZER_ID = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY
_ALREADY_ENHANCED = RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY


class InPlaceContextEnhancer(LemmaContextAwareEnhancer):
    """LemmaContextAwareEnhancer without the deep copy; see the module doc."""

    def _extract_surrounding_words(self, nlp_artifacts: NlpArtifacts, word: str, start: int) -> list[str]:
        token_words = getattr(nlp_artifacts, "token_words", None)
        if token_words is not None:
            return self._surrounding_keywords(token_words, start)
        token_ends = getattr(nlp_artifacts, "token_ends", None)
        if token_ends is None or not nlp_artifacts.tokens:
            return super()._extract_surrounding_words(nlp_artifacts, word, start)
        # Presidio scans tokens from the first one for every result (quadratic in
        # long texts); the first token ending after `start` is the same token.
        index = bisect.bisect_right(token_ends, start)
        if index >= len(token_ends):
            raise ValueError(f"no token at offset {start}")
        keywords = nlp_artifacts.keywords
        lemmas = nlp_artifacts.lemmas
        words = self._add_n_words_backward(index, self.context_prefix_count, lemmas, keywords)
        words += self._add_n_words_forward(index, self.context_suffix_count, lemmas, keywords)
        return list(set(words))

    def _surrounding_keywords(self, tokens: TokenWords | TokenWindows, start: int) -> list[str]:
        """Presidio's backward/forward keyword walk (`_add_n_words`) over lazily read
        lemmas: the same words as over the full lemma and keyword lists."""
        found = tokens.keywords_around_offset(start, self.context_prefix_count, self.context_suffix_count)
        return [""] if found is None else list(found)  # [""]: Presidio's answer without tokens

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts | None,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        if nlp_artifacts is None:
            return raw_results
        by_id = {recognizer.id: recognizer for recognizer in recognizers}
        extra_words = [word.lower() for word in context or []]
        for result in raw_results:
            metadata = result.recognition_metadata or {}
            recognizer = by_id.get(metadata.get(_RECOGNIZER_ID))
            if (
                recognizer is None
                or not recognizer.context
                or metadata.get(_ALREADY_ENHANCED)
                or result.score >= self.MAX_SCORE
            ):
                continue
            words = self._extract_surrounding_words(
                nlp_artifacts=nlp_artifacts, word=text[result.start : result.end], start=result.start
            )
            words.extend(extra_words)
            supportive = self._find_supportive_word_in_context(words, recognizer.context, self.context_matching_mode)
            if not supportive:
                continue
            result.score = min(
                max(result.score + self.context_similarity_factor, self.min_score_with_context_similarity),
                self.MAX_SCORE,
            )
            if result.analysis_explanation is not None:
                result.analysis_explanation.set_supportive_context_word(supportive)
                result.analysis_explanation.set_improved_score(result.score)
        return raw_results

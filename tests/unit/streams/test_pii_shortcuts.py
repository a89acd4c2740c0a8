"""streams.pii shortcuts: every gate, window and memo gives what the long way gives.

Each shortcut skips work only where it provably finds nothing (a superset "shape" every
match contains, a cue word every cue ends with, a tokenizer window that holds the same
tokens). These tests run the long way next to the shortcut on the labelled set, on the
benchmark's generated texts and on hand-written edge cases.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import regex
import spacy
from presidio_analyzer import AnalyzerEngine, PatternRecognizer, RecognizerRegistry
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import IpRecognizer

from streams.pii import entities
from streams.pii.address import StreetAddressRecognizer, may_hold_address
from streams.pii.analyzer import LANGUAGE, FixedRecognizerRegistry, default_analyzer
from streams.pii.name_cues import LOWERCASE_NAME, STRONG_CUE, WEAK_CUE, cue_before, lowercase_name_matches
from streams.pii.names import _CANDIDATE
from streams.pii.nlp import OfflineSpacyNlpEngine, TokenWords, is_keyword_word
from streams.pii.phone import FormattedPhoneRecognizer
from streams.pii.pattern_gates import ShapeGatedPatterns
from streams.pii.recognizers import IPV6_SHAPE, IpAddressRecognizer, StrictUsSsnRecognizer
from streams.pii.token_windows import (
    TokenWindows,
    edge_at_or_after,
    edge_at_or_before,
    is_window_edge,
    window_edges,
    windows_are_exact,
)
from tests.bench.bench_screening import make_texts

LABELLED = Path(__file__).resolve().parents[2] / "data" / "labelled_texts.jsonl"

ADDRESSES = [
    "Ship to 1600 Pennsylvania Avenue NW, Washington, DC 20500 asap.",
    "I live at 42 Main St, Springfield, IL 62701.",
    "Send it to 42 W. 5th St. Apt 3B please",
    "We met at 221B Baker Street, London NW1 6XE.",
    "Adresse: Hauptstraße 5, 10115 Berlin",
    "Berliner Straße 12a, Keizersgracht 123 and Drottningvägen 3",
    "Bureau au 12 rue de la Paix, 75002 Paris. Or 3bis avenue Foch, 8 ter, place Vendôme",
    "Via Roma 10, Piazza del Duomo, 1, Calle Mayor 5, Rua Augusta 15, Carrer de Mallorca 401",
    "Mail P.O. Box 1234, Springfield, IL 62701 or PO Box 77 or Postfach 1234",
    "Apartment 7, 10 N Main Street, and 12-3 Oak Road",
]
# One shape each, with nothing else the gate could pass on.
LONE_STREET_LINES = [
    "Write to PO Box 77.", "Postfach 1234.", "It is Keizersgracht 123.", "See Hauptstraße 5.",
    "Meet at Via Roma 10.", "At Calle Mayor 5.", "It is 12 rue de la Paix.", "Go to 42 Main St.",
]  # fmt: skip
PHONES = [
    "Call (212) 555-0187, 212.555.0187, +1 212 555 0187 or 212-555-0187.",
    "Ring +44 20 7946 0958, +49-30-1234567, +33 1 42 68 53 00, +4930123456.",
    "Mobile 612 34 56 78, fax (06) 12 34 56, 0612-34-56 or 12.34.56.78.90.",
]
SSNS = ["SSN 078-05-1121, 07805 1121, 078.05.1121, 078 05 1121, 078051121, 12345-6789, 123-456789, 536-90-4399."]
IPV6 = "Hosts ::1, fe80::1%eth0, 2001:db8::ff00:42:8329, ::ffff:192.0.2.128, 1:2:3:4:5:6:7:8, 64:ff9b::192.0.2.33."
CUES = [
    "My name is Smith", "my name's Jones", "Name: Lee", "name : Kim", "named Ada", "Call me Ishmael",
    "Signed by Bo", "Dear Ann", "Dr. Who", "Mrs Robinson", "Regards,\nTom", "Thanks,\t\nAl", "Hi Priya",
    "I'm Lena", "I’m Lena", "It's Tom", "this is Maria", "ask Noah", "my colleague Grace", "CEO: Rahul",
    "DEAR  Ann", "Mr.\u00a0Bean", "hello\u2003Tom", "Cheers\n\nJo", "Prof.-Who", "dear\nAnn",
]  # fmt: skip
LOWERCASE = [
    "my name is david haber", "I   am john", "i\nam maria lopez", "call me ishmael", "I'm lena", "name: tom",
    "myname is x", "I am I am bob", "my name is name: bob", "I AM SAM", "i’m ana", "Im am i am ok",
]  # fmt: skip


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    texts = [json.loads(line)["text"] for line in LABELLED.read_text().splitlines() if line.strip()]
    texts += make_texts(150, 1000, seed=11)[0] + make_texts(4, 10_000, seed=12)[0]
    return texts + ADDRESSES + PHONES + [IPV6] + CUES + LOWERCASE


def _spans(results: list) -> list[tuple[str, int, int, float]]:
    return sorted((r.entity_type, r.start, r.end, r.score) for r in results)


def test_the_address_gate_never_skips_a_street_line(corpus: list[str]) -> None:
    recognizer = StreetAddressRecognizer()
    patterns = [regex.compile(p.regex, recognizer.global_regex_flags) for p in recognizer.patterns]
    variants = [a.replace(" ", sep) for a in ADDRESSES for sep in ("\n", "\t", "  ", "\u00a0")]
    gated = 0
    for text in corpus + variants:
        if any(p.search(text) for p in patterns):
            assert may_hold_address(text), text[:120]
        gated += not may_hold_address(text)
    for text in LONE_STREET_LINES:
        assert any(p.search(text) for p in patterns) and may_hold_address(text), text
    assert gated > len(corpus) // 3  # and it does skip ordinary prose
    assert not may_hold_address("We upgraded from version 3.2.1 to 3.4.0; 12 failed jobs since 8:15.")


@pytest.mark.parametrize("recognizer", [FormattedPhoneRecognizer(), StrictUsSsnRecognizer()], ids=lambda r: r.name)
def test_patterns_run_only_where_their_shape_is(corpus: list[str], recognizer: ShapeGatedPatterns) -> None:
    assert {p.name for p in recognizer.patterns} == set(recognizer.PATTERN_SHAPES)
    texts = corpus + SSNS
    for pattern in recognizer.patterns:
        compiled = regex.compile(pattern.regex, recognizer.global_regex_flags)
        shape = recognizer.PATTERN_SHAPES[pattern.name]
        for text in texts:
            for match in compiled.finditer(text):
                assert shape.search(match.group()), (pattern.name, match.group())
    wanted = recognizer.supported_entities
    for text in texts:  # the same results as running every pattern
        assert _spans(recognizer.analyze(text, wanted)) == _spans(PatternRecognizer.analyze(recognizer, text, wanted))


def test_ipv6_patterns_run_only_where_two_colons_are_close(corpus: list[str]) -> None:
    recognizer, everything = IpAddressRecognizer(), IpRecognizer(supported_entity=entities.IP_ADDRESS)
    everything.patterns = [p for p in everything.patterns if p.name != "IPv6_unspecified"]
    colon_patterns = [regex.compile(p.regex, everything.global_regex_flags) for p in everything.patterns if p.name != "IPv4"]
    assert len(colon_patterns) == 3
    for text in corpus:
        for pattern in colon_patterns:
            for match in pattern.finditer(text):
                assert IPV6_SHAPE.search(match.group()), match.group()
        found = recognizer.analyze(text, [entities.IP_ADDRESS])
        assert _spans(found) == _spans(everything.analyze(text, [entities.IP_ADDRESS]))
    assert len(recognizer.analyze(IPV6, [entities.IP_ADDRESS])) >= 6


def _cue_by_regex(text: str, start: int) -> str | None:
    before = text[max(0, start - 40) : start]
    return "strong" if STRONG_CUE.search(before) else "weak" if WEAK_CUE.search(before) else None


def test_cue_words_are_read_like_the_cue_regexes(corpus: list[str]) -> None:
    cues = 0
    for text in corpus:
        for match in _CANDIDATE.finditer(text):
            expected = _cue_by_regex(text, match.start())
            assert cue_before(text, match.start()) == expected, (text[max(0, match.start() - 40) : match.end()], expected)
            cues += expected is not None
    hand_written = 0
    for text in CUES:  # at the last word; "Mr.\u00a0", "Prof.-", "hello\u2003" are no cue to the regexes either
        start = len(text) - len(text.split()[-1])
        assert cue_before(text, start) == _cue_by_regex(text, start), text
        hand_written += cue_before(text, start) is not None
    assert cues > 50 and hand_written >= len(CUES) - 4


def test_lowercase_names_are_matched_where_the_regex_finds_them(corpus: list[str]) -> None:
    for text in corpus:
        expected = [m.span() for m in LOWERCASE_NAME.finditer(text)]
        assert [m.span() for m in lowercase_name_matches(text)] == expected, text[:120]
    assert [m.group(2) for m in lowercase_name_matches("Hi, my name is david and I am bob")] == ["david", "bob"]


def _presidio_walk(engine: OfflineSpacyNlpEngine, text: str, start: int) -> set[str]:
    """Presidio's own context walk over the full NlpArtifacts of the whole text."""
    fields = engine.compute_artifacts(text, LANGUAGE)
    artifacts = NlpArtifacts(
        entities=[], tokens=fields["tokens"], tokens_indices=fields["tokens_indices"],
        lemmas=fields["lemmas"], nlp_engine=engine, language=LANGUAGE,
    )  # fmt: skip
    return set(LemmaContextAwareEnhancer()._extract_surrounding_words(artifacts, text[start : start + 1], start))


def test_context_walks_are_presidio_walks(corpus: list[str]) -> None:
    """Whole-text tokens (TokenWords) and windows (TokenWindows) walk to the same context
    words as Presidio over its full lemma and keyword lists, at every finding and at a
    sample of other offsets; including texts with ":" (Presidio's keyword split) and with
    runs of spaces and line breaks (whitespace tokens)."""
    analyzer = default_analyzer()
    engine = analyzer.engine.nlp_engine
    enhancer = LemmaContextAwareEnhancer()
    before, after = enhancer.context_prefix_count, enhancer.context_suffix_count
    # Walks longer than a first window: stop words and punctuation are no keywords.
    far = "phone " + "and the of, to a; in it " * 40
    extra = [
        "Name:  John   Smith\n\ncall me: 555 0187", "the of and: to a:b in\n\n\nphone", "x", " lead", "a  b",
        far + "212 555 0187 (", "Card 4111 1111 1111 1111 " + "and the of, to a; " * 40 + "phone",
    ]  # fmt: skip
    checked = colons = 0
    for text in corpus[::3] + extra:
        results = analyzer.engine.analyze(text=text, language=LANGUAGE, entities=list(entities.ENTITY_TO_DETECTOR))
        offsets = sorted({r.start for r in results} | set(range(0, len(text), 97)))
        fields = engine.compute_artifacts(text, LANGUAGE)
        whole = TokenWords(text, fields["tokens_indices"], fields["token_ends"])
        windows = TokenWindows(text, lambda low, high, text=text: engine._offsets(text, low, high, LANGUAGE), is_keyword_word)
        for start in offsets:
            if start >= fields["token_ends"][-1]:
                continue
            expected = _presidio_walk(engine, text, start)
            assert set(whole.keywords_around_offset(start, before, after)) == expected, (text[:60], start)
            assert set(windows.keywords_around_offset(start, before, after)) == expected, (text[:60], start)
            checked += 1
            colons += ":" in text
    assert checked > 1000 and colons > 100


def test_windows_hold_the_tokens_the_whole_text_has(corpus: list[str]) -> None:
    engine = default_analyzer().engine.nlp_engine
    assert windows_are_exact(spacy.blank("en").tokenizer) and engine.windows_exact
    for text in corpus + ["a b", "ab  cd ef\tgh ij,kl mn\x1cop qr", "x"]:  # the regex finds every edge
        assert window_edges(text) == [e for e in range(len(text) + 1) if is_window_edge(text, e)], text[:80]
    for text in corpus[::5]:
        starts, ends = engine._offsets(text, 0, len(text), LANGUAGE)
        edges = window_edges(text)
        for reach in (30, 100, 300):
            for middle in range(0, len(text), 250):
                low, high = edge_at_or_before(edges, middle - reach), edge_at_or_after(edges, middle + reach, len(text))
                inside = [(s, e) for s, e in zip(starts, ends) if low <= s and e <= high]
                assert list(zip(*engine._offsets(text, low, high, LANGUAGE))) == inside, (text[low:high][:80], low, high)


def test_the_blank_pipeline_tokenizes_like_spacy_blank_english(corpus: list[str]) -> None:
    """Lexical attributes are not computed for new words; the tokens are the same."""
    engine, reference = default_analyzer().engine.nlp_engine, spacy.blank("en")
    for text in corpus[::4]:
        expected = [(t.idx, t.idx + len(t)) for t in reference(text)]
        assert list(zip(*engine._offsets(text, 0, len(text), LANGUAGE))) == expected


def test_the_registry_serves_what_presidio_would() -> None:
    recognizers = default_analyzer().engine.registry.recognizers
    fixed = FixedRecognizerRegistry(recognizers=list(recognizers), supported_languages=[LANGUAGE])
    plain = RecognizerRegistry(recognizers=list(recognizers), supported_languages=[LANGUAGE])
    for wanted in (["PERSON"], ["PHONE_NUMBER"], ["PERSON", "EMAIL_ADDRESS", "ADDRESS"], list(entities.ENTITY_TO_DETECTOR)):
        for _ in range(2):  # computed, then remembered
            assert set(fixed.get_recognizers(LANGUAGE, wanted)) == set(plain.get_recognizers(LANGUAGE, wanted))
    extra = IpRecognizer(supported_entity="EXTRA")
    fixed.add_recognizer(extra)  # a changed registry is not answered from memory
    assert extra in fixed.get_recognizers(LANGUAGE, ["EXTRA"])


def test_the_engine_finds_what_presidios_engine_finds(corpus: list[str]) -> None:
    """Handing results straight to the context enhancer (no per-recognizer regrouping)
    changes no finding or score."""
    engine = default_analyzer().engine
    plain = AnalyzerEngine(
        registry=engine.registry, nlp_engine=engine.nlp_engine, supported_languages=[LANGUAGE],
        context_aware_enhancer=engine.context_aware_enhancer,
    )  # fmt: skip
    everything = list(entities.ENTITY_TO_DETECTOR)
    for text in corpus[::2]:
        ours = engine.analyze(text=text, language=LANGUAGE, entities=everything)
        assert _spans(ours) == _spans(plain.analyze(text=text, language=LANGUAGE, entities=everything)), text[:80]

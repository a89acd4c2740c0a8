"""One offline Presidio AnalyzerEngine, built once, plus the per-text recognizer gate.

`build_analyzer()` wires our recognizers into a plain Presidio `AnalyzerEngine`
(registry, NLP engine, lemma context enhancer), so scoring and context
enhancement are Presidio's. What keeps it fast:

* only our eight entity types are registered (vanilla loads ~25 recognizers and
  a large spaCy NER model), and spaCy runs only when a context word can matter;
* a gate picks, per text, the entity types that can possibly occur: no "@" means
  no e-mail, fewer than 13 digits means no card, no house number before a capital
  or street word means no address (address.may_hold_address), ... Gated
  recognizers do not run, and within a recognizer patterns whose shape is absent
  do not run either (pattern_gates.py);
* phone numbers, the costliest type, are searched in a second pass that skips
  digits the first pass already explained (cards, IBANs, IPs, SSNs);
* context words are read from a tokenized window around each finding
  (token_windows.py), and Presidio's per-recognizer regrouping before the context
  step is skipped (DirectContextAnalyzerEngine); which recognizers serve a request
  is remembered (FixedRecognizerRegistry).

Every shortcut has a test running the long way next to it
(tests/unit/streams/test_pii_shortcuts.py).

Everything here is CPU-only and deterministic; nothing does I/O after the engine
is built (`_preload` loads what libraries would otherwise load lazily).
"""

from __future__ import annotations

import threading

import phonenumbers
import phonenumbers.re_util
import regex as re
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import SpacyRecognizer
from presidio_analyzer.predefined_recognizers.generic import iban_patterns

from streams.pii import entities
from streams.pii.address import StreetAddressRecognizer, may_hold_address
from streams.pii.context import InPlaceContextEnhancer
from streams.pii.masking import MaskedText, PiiFinding, apply_masks, resolve_overlaps
from streams.pii.names import LexiconNameRecognizer
from streams.pii.nlp import OfflineSpacyNlpEngine
from streams.pii.phone import FormattedPhoneRecognizer, WindowedPhoneRecognizer
from streams.pii.recognizers import (
    IPV6_SHAPE,
    CreditCardNumberRecognizer,
    IpAddressRecognizer,
    OfflineEmailRecognizer,
    StrictUsSsnRecognizer,
    iban_recognizer,
)

LANGUAGE = "en"
# Presidio's score for a delimited SSN ("SSN5 (medium)"); bare 9-digit runs score less.
SSN_FORMATTED_SCORE = 0.5

_NON_DIGITS = re.compile(r"\D+")
# Two capitals + two digits: how every IBAN starts (country code, check digits).
_IBAN_START = re.compile(r"[A-Z]{2}\d{2}")
# Shapes every match of a recognizer contains (supersets of their patterns), so a text without
# one skips the recognizer: most prose with numbers and dates has none of them.
_CARD_SHAPE = re.compile(r"\d{4}[ -]?\d{4}")  # all card patterns start 4 digits, then 4+
_SSN_SHAPE = re.compile(r"\d{3}[- .]?\d{2}[- .]?\d{4}")  # 3-2-4, 5-4, 3-6 and 9 plain digits
_IPV4_SHAPE = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
# Exercised once at build time so regex compilation and lazy loading do not land
# on the first real message.
_WARM_UP_TEXT = (
    "Dear Mr. John Smith, my name is Jane Doe. Email jane.doe@example.com, call +1 212 555 0187, "
    "card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, SSN 234-56-7890, IP 10.0.0.1, "
    "address 1600 Pennsylvania Avenue NW, Washington, DC 20500."
)


class FixedRecognizerRegistry(RecognizerRegistry):
    """Presidio's registry, remembering which recognizers serve a request.

    `get_recognizers` filters every recognizer on every call (twice per text here); the
    answer only depends on the request and on the registered recognizers, so it is kept
    per (language, entities, all_fields, recognizers registered). Requests with ad-hoc
    recognizers are not remembered."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._served: dict[tuple[object, ...], list[EntityRecognizer]] = {}

    def get_recognizers(
        self,
        language: str,
        entities: list[str] | None = None,
        all_fields: bool = False,
        ad_hoc_recognizers: list[EntityRecognizer] | None = None,
    ) -> list[EntityRecognizer]:
        if ad_hoc_recognizers:
            return super().get_recognizers(language, entities, all_fields, ad_hoc_recognizers)
        key = (language, tuple(entities) if entities is not None else None, all_fields, tuple(map(id, self.recognizers)))
        served = self._served.get(key)
        if served is None:
            served = self._served[key] = super().get_recognizers(language, entities, all_fields)
        return list(served)


class DirectContextAnalyzerEngine(AnalyzerEngine):
    """Presidio's AnalyzerEngine, handing results straight to the context enhancer.

    Presidio first regroups the results per recognizer (two passes over all results for
    every recognizer) to call each recognizer's own `enhance_using_context`; ours all keep
    Presidio's no-op one, so that step only reorders results, which nothing downstream
    depends on (duplicates removal sorts them). A recognizer with its own hook gets
    Presidio's path."""

    def _enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        if any(type(r).enhance_using_context is not EntityRecognizer.enhance_using_context for r in recognizers):
            return super()._enhance_using_context(text, raw_results, nlp_artifacts, recognizers, context)
        return self.context_aware_enhancer.enhance_using_context(
            text=text, raw_results=raw_results, nlp_artifacts=nlp_artifacts, recognizers=recognizers, context=context
        )


def _explains_digits(result: RecognizerResult) -> bool:
    """Whether a finding settles its digits (see PiiAnalyzer.find)."""
    if result.score >= 1.0 or result.entity_type == entities.IP_ADDRESS:
        return True
    return result.entity_type == entities.US_SSN and result.score >= SSN_FORMATTED_SCORE


class PiiAnalyzer:
    """Presidio engine + gate + mask policy. Thread-safe for concurrent calls."""

    def __init__(self, engine: AnalyzerEngine, min_phone_digits: int) -> None:
        self.engine = engine
        self.min_phone_digits = min_phone_digits

    def entities_for(self, text: str) -> list[str]:
        """Entity types whose trigger characters occur in `text` (the gate)."""
        wanted = [entities.PERSON]
        if "@" in text:
            wanted.append(entities.EMAIL_ADDRESS)
        digits = len(_NON_DIGITS.sub("", text))
        if digits:
            if may_hold_address(text):
                wanted.append(entities.ADDRESS)
            if _IPV4_SHAPE.search(text) or IPV6_SHAPE.search(text):
                wanted.append(entities.IP_ADDRESS)
            if digits >= self.min_phone_digits:
                wanted.append(entities.PHONE_NUMBER)
            if digits >= 9 and _SSN_SHAPE.search(text):
                wanted.append(entities.US_SSN)
            if digits >= 13 and _CARD_SHAPE.search(text):
                wanted.append(entities.CREDIT_CARD)
            if _IBAN_START.search(text):
                wanted.append(entities.IBAN_CODE)
        return wanted

    def find(self, text: str) -> list[PiiFinding]:
        """Non-overlapping findings in raw `text`, sorted by start (see find_pii)."""
        if not text or text.isspace():
            return []
        wanted = self.entities_for(text)
        # Lazy: spaCy only runs if the context enhancer needs tokens (see nlp.py).
        artifacts = self.engine.nlp_engine.process_text(text, LANGUAGE)
        first = [entity for entity in wanted if entity != entities.PHONE_NUMBER]
        results = self.engine.analyze(text=text, language=LANGUAGE, entities=first, nlp_artifacts=artifacts)
        if entities.PHONE_NUMBER in wanted:
            # Phone parsing is the slowest step, so digit runs already explained are
            # skipped: inside a checksum-validated card / IBAN / e-mail (score 1.0)
            # a phone match would lose the overlap anyway; an IP address (checked
            # by `ipaddress`) or a formatted SSN (3-2-4 digits, valid area) would
            # at most be relabelled as a phone number, the same characters masked.
            artifacts.certain_spans = tuple((r.start, r.end) for r in results if _explains_digits(r))
            results += self.engine.analyze(
                text=text, language=LANGUAGE, entities=[entities.PHONE_NUMBER], nlp_artifacts=artifacts
            )
        findings = [
            PiiFinding(
                detector_type=entities.ENTITY_TO_DETECTOR[result.entity_type],
                start=result.start,
                end=result.end,
                score=round(float(result.score), 4),
            )
            for result in results
            if result.score >= entities.MASK_SCORE_THRESHOLD
            and result.entity_type in entities.ENTITY_TO_DETECTOR
            and result.end > result.start
        ]
        return resolve_overlaps(findings)

    def mask(self, text: str, message_index: int = 0) -> MaskedText:
        """`text` with every finding replaced by its mask (see mask_pii)."""
        return apply_masks(text, self.find(text), message_index=message_index)


def build_analyzer(spacy_model: str | None = None) -> PiiAnalyzer:
    """Build a fresh analyzer (~0.2 s with the blank pipeline). Never downloads.

    `spacy_model`: an installed spaCy package name, "blank", or None to use
    $GUARD_PII_SPACY_MODEL / en_core_web_sm if installed / blank.
    """
    nlp_engine = OfflineSpacyNlpEngine(spacy_model)
    nlp_engine.load()
    phone = WindowedPhoneRecognizer()
    recognizers = [
        LexiconNameRecognizer(),
        OfflineEmailRecognizer(),
        phone,
        FormattedPhoneRecognizer(),
        CreditCardNumberRecognizer(),
        iban_recognizer(),
        IpAddressRecognizer(),
        StrictUsSsnRecognizer(),
        StreetAddressRecognizer(),
    ]
    if nlp_engine.is_trained:
        # A trained pipeline's NER adds names the lexicons do not know.
        recognizers.append(SpacyRecognizer(supported_entities=[entities.PERSON]))
    registry = FixedRecognizerRegistry(recognizers=recognizers, supported_languages=[LANGUAGE])
    engine = DirectContextAnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=[LANGUAGE],
        context_aware_enhancer=InPlaceContextEnhancer(),
    )
    analyzer = PiiAnalyzer(engine, min_phone_digits=phone.min_digits)
    _preload()
    analyzer.find(_WARM_UP_TEXT)
    return analyzer


_PHONE_DESCS = (
    "general_desc", "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost",
    "personal_number", "voip", "pager", "uan", "voicemail", "no_international_dialling",
)  # fmt: skip


def _preload() -> None:
    """Load what libraries otherwise load lazily on first sight of a new country.

    phonenumbers imports a metadata module per region the first time a number
    from that country code is parsed, and compiles its patterns through Python's
    `re` cache (512 entries), which its ~2,000 patterns keep evicting, so they
    were recompiled mid-message (~10% of all time). Its own pattern cache is
    switched on (process-wide) and filled here. Presidio's IBAN check compiles a
    per-country regex on first use. All together: ~250 ms and a few MB, once.
    """
    phonenumbers.re_util.enable_pattern_cache()
    metadata = [phonenumbers.PhoneMetadata.metadata_for_region(region) for region in phonenumbers.SUPPORTED_REGIONS]
    for country_code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        metadata.append(phonenumbers.PhoneMetadata.metadata_for_nongeo_region(country_code))
    for region_metadata in metadata:
        if region_metadata is None:
            continue
        patterns = [getattr(region_metadata, name, None) for name in ("national_prefix_for_parsing", "leading_digits")]
        patterns += [getattr(getattr(region_metadata, desc, None), "national_number_pattern", None) for desc in _PHONE_DESCS]
        for number_format in [*region_metadata.number_format, *region_metadata.intl_number_format]:
            patterns += [number_format.pattern, *number_format.leading_digits_pattern]
        for pattern in filter(None, patterns):
            phonenumbers.re_util.re_compile(pattern)
    for country_regex in iban_patterns.regex_per_country.values():
        re.compile(country_regex, flags=re.DOTALL | re.MULTILINE)


_default: PiiAnalyzer | None = None
_default_lock = threading.Lock()


def default_analyzer() -> PiiAnalyzer:
    """The process-wide analyzer, built on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = build_analyzer()
    return _default


def find_pii(text: str) -> list[PiiFinding]:
    """PII in raw `text`: non-overlapping findings sorted by start.

    Overlaps are resolved by higher score, then longer span; only findings at or
    above MASK_SCORE_THRESHOLD are returned, i.e. exactly what mask_pii masks.
    """
    return default_analyzer().find(text)


def mask_pii(text: str, message_index: int = 0) -> MaskedText:
    """Mask every PII finding in `text` (regardless of policy).

    Returns the masked text and one `PiiSpan` per mask whose offsets index the
    masked text; `message_index` is copied onto each span.
    """
    return default_analyzer().mask(text, message_index=message_index)

"""Phone-number recognizers (Presidio), offline and fast.

Presidio's PhoneRecognizer runs `phonenumbers.PhoneNumberMatcher` over the whole
text once per region (8 passes, ~13 ms per KB that contains digits).
`WindowedPhoneRecognizer` finds the same numbers (checked against Presidio's on
generated texts, see the unit tests) by running the matcher only on small
windows around digit runs, only for regions whose shortest number fits the run,
and stopping once a region has read the whole run as one number.
`FormattedPhoneRecognizer` adds phone-shaped numbers libphonenumber rejects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import phonenumbers
import regex as re
from presidio_analyzer import EntityRecognizer, Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from streams.pii import entities
from streams.pii.pattern_gates import ShapeGatedPatterns

# Presidio's phone context words plus common abbreviations and verbs.
PHONE_CONTEXT = [*PhoneRecognizer.CONTEXT, "tel", "fax", "whatsapp", "sms", "text", "dial", "reach"]

# A maximal run of digits and the punctuation phone numbers use; every candidate
# phonenumbers' own matcher finds lies inside one run (plus an "ext. 12" tail).
_DIGIT_RUN = re.compile(r"\+?\(?\d[\d\s().\-/\u2010-\u2015]*")
_RUN_PUNCTUATION = "\t\n\r\f\v ().-/\u2010\u2011\u2012\u2013\u2014\u2015"
# Characters kept on each side of a digit run so the matcher sees the same
# neighbours it would see in the full text (letters before/after, "ext. 123",
# timestamps "12:30") and therefore accepts or rejects exactly the same numbers.
_WINDOW_PAD = 24


class _Window(NamedTuple):
    start: int  # slice of the text handed to PhoneNumberMatcher
    end: int
    digits: int  # digits in the run
    international: bool  # run starts with "+" and holds one E.164 number at most
    first_digit: int  # offsets of the run's first digit and just after its last
    last_digit: int


class WindowedPhoneRecognizer(PhoneRecognizer):
    """Presidio's phonenumbers-based recognizer, run only where digits are.

    Regions are Presidio's defaults minus CA: CA shares +1 metadata with US, so a
    number valid in CA is found (and validated against CA) from region US too.
    """

    REGIONS = ("US", "GB", "DE", "FR", "IL", "IN", "BR")

    def __init__(self, regions: Sequence[str] = REGIONS) -> None:
        # Shortest national number each region can have: a digit run shorter than
        # that cannot hold a valid number of that region, so the region is skipped.
        self._region_min_digits = {
            region: min(phonenumbers.PhoneMetadata.metadata_for_region(region).general_desc.possible_length)
            for region in regions
        }
        self.min_digits = min(self._region_min_digits.values())
        super().__init__(
            context=list(PHONE_CONTEXT), supported_entity=entities.PHONE_NUMBER, supported_regions=tuple(regions)
        )

    def windows(self, text: str, certain: Sequence[tuple[int, int]] = ()) -> list[_Window]:
        """One window per digit run that could hold a phone number.

        Each window reaches _WINDOW_PAD characters around its run but stops at the
        neighbouring long runs, so no run is parsed twice and a region is only
        tried on runs long enough for it. Runs are maximal, so a window edge falls
        between runs (widened if it would cut a short number in two).
        """
        runs = []
        for match in _DIGIT_RUN.finditer(text):
            run = match.group()
            if len(run) < self.min_digits:
                continue  # fewer characters than the digits a number needs ("12 ", "3.2.1")
            digits = sum(map(str.isdigit, run))
            if digits >= self.min_digits:
                # End at the last digit: trailing "( " may open the next number.
                last_digit = match.start() + len(match.group().rstrip(_RUN_PUNCTUATION))
                first_digit = match.start() + next(i for i, c in enumerate(match.group()) if c.isdigit())
                if any(start <= first_digit and last_digit <= end for start, end in certain):
                    # Already found as a validated entity (see PiiAnalyzer.find).
                    continue
                # One E.164 number at most (<= 15 digits) written with its "+" prefix.
                international = match.group().startswith("+") and digits <= 15
                runs.append((match.start(), last_digit, digits, international, first_digit))
        windows = []
        for index, (start, end, digits, international, first_digit) in enumerate(runs):
            low = runs[index - 1][1] if index else 0
            high = runs[index + 1][0] if index + 1 < len(runs) else len(text)
            low, high = max(low, start - _WINDOW_PAD), min(high, end + _WINDOW_PAD)
            # Do not cut a short number in the pad ("ext. 1|23" would end the match early).
            while low > 0 and text[low - 1].isdigit():
                low -= 1
            while high < len(text) and text[high].isdigit():
                high += 1
            windows.append(_Window(low, high, digits, international, first_digit, end))
        return windows

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Phone numbers in `text`. `nlp_artifacts.certain_spans` (set by PiiAnalyzer)
        lists spans already found as validated entities; digit runs inside them are
        skipped."""
        results: list[RecognizerResult] = []
        certain = getattr(nlp_artifacts, "certain_spans", ())
        for window in self.windows(text, certain):
            chunk = text[window.start : window.end]
            for region in self.supported_regions:
                if window.digits < self._region_min_digits[region]:
                    continue
                whole_run = False
                for match in phonenumbers.PhoneNumberMatcher(chunk, region, leniency=self.leniency):
                    found_region = phonenumbers.region_code_for_number(match.number) or region
                    match.start += window.start
                    match.end += window.start
                    results.append(self._get_recognizer_result(match, text, found_region, nlp_artifacts))
                    whole_run |= match.start <= window.first_digit and match.end >= window.last_digit
                if window.international or whole_run:
                    # "+44 20 ...": the country code, not the region, drives parsing,
                    # so every region finds the same. And once one region read the
                    # whole run as a number, others can only add spans inside it,
                    # which Presidio's de-duplication drops (same score, contained).
                    break
        return EntityRecognizer.remove_duplicates(results)


# What every match of each FormattedPhoneRecognizer pattern contains (see pattern_gates.py):
# 3 + 4 digits after a separator (NANP), a "+" and a digit (international), three digit
# groups of which the first and last have two digits or more (grouped).
_NANP_SHAPE = re.compile(r"\d{3}[ .-]\d{4}")
_INTERNATIONAL_SHAPE = re.compile(r"\+\d")
_GROUPED_SHAPE = re.compile(r"\d\d\)?[ .-]\d{2,4}[ .-]\d\d")
_DATE_SHAPE = re.compile(r"\d{4}([-./ ])\d{1,2}\1\d{1,2}|\d{1,2}([-./ ])\d{1,2}\2\d{2,4}")


class FormattedPhoneRecognizer(ShapeGatedPatterns):
    """Phone-shaped numbers that libphonenumber rejects (e.g. fictional 555 numbers).

    A number written like one is still someone's number as far as masking goes;
    the separators make the shape specific enough to score it like Presidio's
    phone matches (0.4, raised by "call", "phone", ... nearby).
    """

    PATTERNS = [
        # NANP: (212) 555-0187, 212-555-0187, 212.555.0187, +1 212 555 0187
        Pattern(
            "NANP formatted",
            r"(?<![\w+])(?:\+?1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w])",
            0.4,
        ),
        # International with a leading +: +44 20 7946 0958, +49-30-1234567
        Pattern(
            "international formatted",
            r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){2,6}(?![\w])",
            0.4,
        ),
        # Digit groups such as "612 34 56 78" (regions libphonenumber is not asked
        # about): too generic alone, so 0.1, masked only next to "call", "phone", ...
        Pattern(
            "grouped digits (needs context)",
            r"(?<![\w+.,/:-])\(?\d{2,4}\)?(?:[ .-]\d{2,4}){2,5}(?![\w]|[.,/:-]\d)",
            0.1,
        ),
    ]
    CONTEXT = PHONE_CONTEXT
    PATTERN_SHAPES = {
        "NANP formatted": _NANP_SHAPE,
        "international formatted": _INTERNATIONAL_SHAPE,
        "grouped digits (needs context)": _GROUPED_SHAPE,
    }

    def __init__(self) -> None:
        super().__init__(
            supported_entity=entities.PHONE_NUMBER,
            patterns=list(self.PATTERNS),
            context=list(self.CONTEXT),
            global_regex_flags=re.MULTILINE,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = sum(1 for c in pattern_text if c.isdigit())
        # None keeps the base score; False drops the match (too short/long for
        # E.164, or a date such as 2024-01-15 / 15.01.2024).
        if not 8 <= digits <= 15 or _DATE_SHAPE.fullmatch(pattern_text):
            return False
        return None

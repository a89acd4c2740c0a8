"""Offline Presidio recognizers for the structured PII types.

Presidio's predefined recognizers are reused where they are already offline and
strict (IBAN mod-97 + country format, IP via `ipaddress`), and subclassed where
they are not:

* e-mail: Presidio validates the domain with `tldextract.extract`, whose
  module-level extractor may fetch the Public Suffix List over HTTP. We validate
  with an extractor that only ever reads tldextract's bundled snapshot.
* phone: Presidio runs `phonenumbers.PhoneNumberMatcher` over the whole text once
  per region (8 passes, ~13 ms per KB with digits). We run it only on small
  windows around digit runs and skip regions whose shortest possible number is
  longer than any digit run there, which finds the same numbers far faster.
* credit card: Presidio's pattern misses 2-series Mastercard and 19-digit cards;
  ours covers them, still requiring Luhn and a plausible issuer prefix.
* SSN: Presidio's rules plus the SSA's never-issued 900-999 areas.
"""

from __future__ import annotations

from collections.abc import Sequence

import phonenumbers
import regex as re
import tldextract
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    UsSsnRecognizer,
)

from streams.pii import entities

# --------------------------------------------------------------------------- e-mail

# Domains that are not on the Public Suffix List but are real mail domains inside
# organisations; an address there is still personal data.
PRIVATE_MAIL_TLDS = frozenset({"local", "internal", "corp", "lan", "home", "localdomain", "intranet"})


def offline_tld_extractor() -> tldextract.TLDExtract:
    """A TLDExtract that never touches the network or the disk cache.

    `suffix_list_urls=()` disables HTTP, `cache_dir=None` disables the on-disk
    cache (no writes under $HOME), and `fallback_to_snapshot=True` makes it use the
    Public Suffix List snapshot shipped inside the tldextract wheel.
    """
    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail pattern, validated against the bundled suffix snapshot."""

    def __init__(self, extractor: tldextract.TLDExtract | None = None) -> None:
        # Set before super().__init__, which calls load().
        self._extractor = extractor or offline_tld_extractor()
        super().__init__(supported_entity=entities.EMAIL_ADDRESS)

    def load(self) -> None:
        # Parse the snapshot now (~50 ms) rather than inside the first message.
        self._extractor("example.com")

    def validate_result(self, pattern_text: str) -> bool | None:
        domain = pattern_text.rpartition("@")[2]
        if self._extractor(domain).fqdn:
            return True
        # None keeps the pattern's base score (0.5): still masked, less certain.
        return None if domain.rpartition(".")[2].lower() in PRIVATE_MAIL_TLDS else False


# ---------------------------------------------------------------------- credit card


def luhn_valid(digits: str) -> bool:
    """Luhn mod-10 check over a string of ASCII digits."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


class CreditCardNumberRecognizer(PatternRecognizer):
    """13-19 digit card numbers, plain or in 4-4-4-4(-3) / 4-6-5 / 4-6-4 groups."""

    # Separate patterns so a failing 19-digit reading does not hide a valid
    # 16-digit card followed by another number; the longer valid one wins.
    PATTERNS = [
        Pattern("card 4-4-4-4 (weak)", r"\b\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{1,4}\b", 0.3),
        Pattern("card 19 digits (weak)", r"\b\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{1,3}\b", 0.3),
        Pattern("card 4-6-5 (weak)", r"\b\d{4}[ -]?\d{6}[ -]?\d{4,5}\b", 0.3),
    ]
    CONTEXT = ["credit", "card", "visa", "mastercard", "amex", "discover", "jcb", "diners", "maestro", "cc"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity=entities.CREDIT_CARD,
            patterns=list(self.PATTERNS),
            context=list(self.CONTEXT),
            global_regex_flags=re.MULTILINE,
        )

    def validate_result(self, pattern_text: str) -> bool:
        digits = pattern_text.replace(" ", "").replace("-", "")
        if not 13 <= len(digits) <= 19 or not digits.isdigit():
            return False
        # Issuer prefixes: 1 (UATP), 2221-2720 (Mastercard), 3 (Amex, JCB, Diners),
        # 4 (Visa), 5 (Mastercard, Maestro), 6 (Discover, UnionPay, Maestro).
        first = digits[0]
        if first not in "123456" or (first == "2" and not 2221 <= int(digits[:4]) <= 2720):
            return False
        return luhn_valid(digits)


# ------------------------------------------------------------------------------ SSN


class StrictUsSsnRecognizer(UsSsnRecognizer):
    """Presidio's SSN patterns; also rejects the never-issued 900-999 area numbers."""

    def __init__(self) -> None:
        super().__init__(supported_entity=entities.US_SSN)

    def invalidate_result(self, pattern_text: str) -> bool:
        if super().invalidate_result(pattern_text):
            return True
        digits = "".join(c for c in pattern_text if c.isdigit())
        return digits[:1] == "9"


# ---------------------------------------------------------------------------- phone

# Presidio's phone context words plus common abbreviations and verbs.
PHONE_CONTEXT = [*PhoneRecognizer.CONTEXT, "tel", "fax", "whatsapp", "sms", "text", "dial", "reach"]

# A maximal run of digits and the punctuation phone numbers use; every candidate
# phonenumbers' own matcher finds lies inside one run (plus an "ext. 12" tail).
_DIGIT_RUN = re.compile(r"\+?\(?\d[\d\s().\-/\u2010-\u2015]*")
# Characters kept on each side of a digit run so the matcher sees the same
# neighbours it would see in the full text (letters before/after, "ext. 123",
# timestamps "12:30") and therefore accepts or rejects exactly the same numbers.
_WINDOW_PAD = 24


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

    def windows(self, text: str, certain: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int, int, bool]]:
        """(start, end, digits, international) windows, one per digit run that could hold a number.

        Each window reaches _WINDOW_PAD characters around its run but stops at the
        neighbouring significant runs, so no run is parsed twice and a region is
        only tried on runs long enough for it. Runs are maximal, so a window edge
        falls between runs or is widened to
        keep a short number whole.
        """
        runs = []
        for match in _DIGIT_RUN.finditer(text):
            digits = sum(1 for c in match.group() if c.isdigit())
            if digits >= self.min_digits:
                # End at the last digit: trailing "( " may open the next number.
                last_digit = match.start() + len(match.group().rstrip("\t\n\r\f\v ().-/\u2010\u2011\u2012\u2013\u2014\u2015"))
                first_digit = match.start() + next(i for i, c in enumerate(match.group()) if c.isdigit())
                if any(start <= first_digit and last_digit <= end for start, end in certain):
                    # Inside a checksum-validated card/IBAN/e-mail (score 1.0): any
                    # phone match here overlaps it and loses (phone scores <= 0.75).
                    continue
                # One E.164 number at most (<= 15 digits) written with its "+" prefix.
                international = match.group().startswith("+") and digits <= 15
                runs.append((match.start(), last_digit, digits, international))
        windows = []
        for index, (start, end, digits, international) in enumerate(runs):
            low = runs[index - 1][1] if index else 0
            high = runs[index + 1][0] if index + 1 < len(runs) else len(text)
            low, high = max(low, start - _WINDOW_PAD), min(high, end + _WINDOW_PAD)
            # Do not cut a short number in the pad ("ext. 1|23" would end the match early).
            while low > 0 and text[low - 1].isdigit():
                low -= 1
            while high < len(text) and text[high].isdigit():
                high += 1
            windows.append((low, high, digits, international))
        return windows

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Phone numbers in `text`. `nlp_artifacts.certain_spans` (set by PiiAnalyzer)
        lists spans already found with score 1.0; digit runs inside them are skipped."""
        results: list[RecognizerResult] = []
        certain = getattr(nlp_artifacts, "certain_spans", ())
        for start, end, digits, international in self.windows(text, certain):
            chunk = text[start:end]
            for region in self.supported_regions:
                if digits < self._region_min_digits[region]:
                    continue
                for match in phonenumbers.PhoneNumberMatcher(chunk, region, leniency=self.leniency):
                    found_region = phonenumbers.region_code_for_number(match.number) or region
                    match.start += start
                    match.end += start
                    results.append(self._get_recognizer_result(match, text, found_region, nlp_artifacts))
                if international:
                    # "+44 20 ...": the country code, not the region, drives parsing
                    # and validation, so every other region would find the same.
                    break
        return EntityRecognizer.remove_duplicates(results)


_DATE_SHAPE = re.compile(r"\d{4}([-./ ])\d{1,2}\1\d{1,2}|\d{1,2}([-./ ])\d{1,2}\2\d{2,4}")


class FormattedPhoneRecognizer(PatternRecognizer):
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


# ---------------------------------------------------------------------- reuse as-is


def iban_recognizer() -> IbanRecognizer:
    """Presidio's IBAN recognizer: mod-97 checksum plus the per-country format."""
    return IbanRecognizer(supported_entity=entities.IBAN_CODE)


def ip_recognizer() -> IpRecognizer:
    """Presidio's IPv4/IPv6 recognizer, each match re-checked by `ipaddress`."""
    return IpRecognizer(supported_entity=entities.IP_ADDRESS)

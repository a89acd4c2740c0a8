"""Offline Presidio recognizers for the structured PII types.

Presidio's predefined recognizers are reused where they are already offline and
strict (IBAN mod-97 + country format, IP via `ipaddress`), and subclassed where
they are not:

* e-mail: Presidio validates the domain with `tldextract.extract`, whose
  module-level extractor may fetch the Public Suffix List over HTTP. We validate
  with an extractor that only ever reads tldextract's bundled snapshot, and run
  the pattern only around each "@" (it is quadratic on long runs otherwise).
* credit card: Presidio's pattern misses 2-series Mastercard and 19-digit cards;
  ours covers them, still requiring Luhn and a plausible issuer prefix.
* SSN: Presidio's rules plus the SSA's never-issued 900-999 areas; each pattern
  runs only where its digit shape is (pattern_gates.py).
* IP: Presidio's patterns, the IPv6 ones only when two colons are close (IPV6_SHAPE).

Phone numbers live in phone.py.
"""

from __future__ import annotations

import regex as re
import tldextract
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    UsSsnRecognizer,
)

from streams.pii import entities
from streams.pii.pattern_gates import ShapeGatedPatterns

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


# Longest local part / domain looked at around an "@" (RFC 5321 allows 64 / 253;
# real domains are far shorter, and the pattern costs grow with the square).
_LOCAL_REACH = 128
_DOMAIN_REACH = 128
_LOCAL_PUNCT = frozenset("!#$%&'*+-/=?^_`{|}~.")


def _email_windows(text: str) -> list[tuple[int, int]]:
    """One [start, end) window per "@": the characters an address around it can use.

    Each window spans the local-part characters before the "@" and the domain
    characters after it (plus one boundary character each side, which the
    pattern's \b needs), so the pattern never scans across unrelated text.
    """
    windows = []
    position = text.find("@")
    while position != -1:
        start = position
        while start > 0 and position - start < _LOCAL_REACH and (
            text[start - 1].isalnum() or text[start - 1] in _LOCAL_PUNCT
        ):
            start -= 1
        end = position + 1
        while end < len(text) and end - position < _DOMAIN_REACH and (text[end].isalnum() or text[end] in "-._"):
            end += 1
        # Keep a boundary character unless the reach cut a longer run short.
        if start > 0 and position - start < _LOCAL_REACH:
            start -= 1
        windows.append((start, min(len(text), end + 1)))
        position = text.find("@", position + 1)
    return windows


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail pattern, validated against the bundled suffix snapshot."""

    def __init__(self, extractor: tldextract.TLDExtract | None = None) -> None:
        # Set before super().__init__, which calls load().
        self._extractor = extractor or offline_tld_extractor()
        super().__init__(supported_entity=entities.EMAIL_ADDRESS)

    def load(self) -> None:
        # Parse the snapshot now (~50 ms) rather than inside the first message.
        self._extractor("example.com")

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Run Presidio's pattern only on the characters around each "@".

        The pattern backtracks quadratically on long runs of local-part
        characters ("a.a.a.…@" of 10 KB takes ~9 s on the whole text); on
        per-"@" windows (see _email_windows) it finds the same addresses in
        bounded time.
        """
        results: list[RecognizerResult] = []
        for start, end in _email_windows(text):
            for result in super().analyze(text[start:end], entities, nlp_artifacts, regex_flags):
                result.start += start
                result.end += start
                results.append(result)
        return EntityRecognizer.remove_duplicates(results)

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
        return digits.isdigit() and _plausible_card_number(digits) and luhn_valid(digits)


def _plausible_card_number(digits: str) -> bool:
    """Issuer prefix and length plausible for a payment card (Luhn checked apart).

    Up to 17 digits this accepts what Presidio's pattern does (leading 1, 3, 4, 5
    or 6) plus 2-series Mastercard (2221-2720). 18-19 digits are only issued by
    Visa, JCB, Discover, UnionPay and Maestro; other 19-digit runs are far more
    often IDs (one random number in ten passes Luhn).
    """
    length, first = len(digits), digits[0]
    if not 13 <= length <= 19:
        return False
    if first == "2":
        return length == 16 and 2221 <= int(digits[:4]) <= 2720
    if first not in "13456":
        return False
    if length <= 17:
        return True
    two, three, four = int(digits[:2]), int(digits[:3]), int(digits[:4])
    return (
        first == "4"  # Visa
        or 3528 <= four <= 3589  # JCB
        or four == 6011 or 644 <= three <= 649 or two in (62, 65)  # Discover, UnionPay
        or two in (50, 56, 57, 58, 63, 67)  # Maestro
    )


# ------------------------------------------------------------------------------ SSN


class StrictUsSsnRecognizer(ShapeGatedPatterns, UsSsnRecognizer):
    """Presidio's SSN patterns; also rejects the never-issued 900-999 area numbers.

    Each pattern runs only where its shape is (see pattern_gates.py): 5-4 / 3-6 / 3-2-4
    digits with "-", 9 digits in a row, 3-2-4 digits with "-", " " or ".".
    """

    PATTERN_SHAPES = {
        "SSN1 (very weak)": re.compile(r"\d{5}-\d{4}"),
        "SSN2 (very weak)": re.compile(r"\d{3}-\d{6}"),
        "SSN3 (very weak)": re.compile(r"\d{3}-\d{2}-\d{4}"),
        "SSN4 (very weak)": re.compile(r"\d{9}"),
        "SSN5 (medium)": re.compile(r"\d{3}[- .]\d{2}[- .]\d{4}"),
    }

    def __init__(self) -> None:
        super().__init__(supported_entity=entities.US_SSN)

    def invalidate_result(self, pattern_text: str) -> bool:
        if super().invalidate_result(pattern_text):
            return True
        digits = "".join(c for c in pattern_text if c.isdigit())
        return digits[:1] == "9"


# ---------------------------------------------------------------------- reuse as-is


def iban_recognizer() -> IbanRecognizer:
    """Presidio's IBAN recognizer: mod-97 checksum plus the per-country format."""
    return IbanRecognizer(supported_entity=entities.IBAN_CODE)


# Every IPv6 form has two colons with at most four hex digits between them ("::", ":db8:"),
# and so does every match of Presidio's IPv6 / IPv4-mapped / IPv4-embedded patterns.
IPV6_SHAPE = re.compile(r":[0-9A-Fa-f]{0,4}:")


class IpAddressRecognizer(IpRecognizer):
    """Presidio's IPv4/IPv6 recognizer (each match re-checked by `ipaddress`).

    Every pattern but plain IPv4 needs IPV6_SHAPE; the IPv6 one alone costs ~0.1 ms
    per KB, so texts without that shape (times like "8:15" have one colon) run only
    the IPv4 pattern. Presidio's "::"
    pattern (the unspecified address, score 0.1) is left out: it is no one's
    address, and its "ip" context word matches inside "pip", "zip", "script".
    """

    def __init__(self) -> None:
        patterns = [pattern for pattern in IpRecognizer.PATTERNS if pattern.name != "IPv6_unspecified"]
        super().__init__(patterns=patterns, supported_entity=entities.IP_ADDRESS)
        ipv4 = [pattern for pattern in self.patterns if pattern.name == "IPv4"]
        self._ipv4_only = IpRecognizer(patterns=ipv4, supported_entity=entities.IP_ADDRESS)

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        if IPV6_SHAPE.search(text):
            return super().analyze(text, entities, nlp_artifacts, regex_flags)
        results = self._ipv4_only.analyze(text, entities, nlp_artifacts, regex_flags)
        for result in results:  # attribute them to this recognizer (context words)
            result.recognition_metadata[RecognizerResult.RECOGNIZER_IDENTIFIER_KEY] = self.id
            result.recognition_metadata[RecognizerResult.RECOGNIZER_NAME_KEY] = self.name
        return results

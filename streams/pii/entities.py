"""PII entity vocabulary: Presidio entity names, Lakera detector types and masks.

Presidio recognizers speak in entity names (`EMAIL_ADDRESS`); the contract
(DESIGN.md) speaks in detector types (`pii/email`) and masks (`<EMAIL>`). This
module is the single place that maps one onto the other.
"""

from __future__ import annotations

from types import MappingProxyType

# Presidio entity names emitted by our recognizers (see recognizers.py, names.py).
PERSON = "PERSON"
EMAIL_ADDRESS = "EMAIL_ADDRESS"
PHONE_NUMBER = "PHONE_NUMBER"
CREDIT_CARD = "CREDIT_CARD"
IBAN_CODE = "IBAN_CODE"
IP_ADDRESS = "IP_ADDRESS"
US_SSN = "US_SSN"
ADDRESS = "ADDRESS"

# Presidio entity -> contract detector type.
ENTITY_TO_DETECTOR: MappingProxyType[str, str] = MappingProxyType(
    {
        PERSON: "pii/name",
        EMAIL_ADDRESS: "pii/email",
        PHONE_NUMBER: "pii/phone_number",
        CREDIT_CARD: "pii/credit_card",
        IBAN_CODE: "pii/iban_code",
        IP_ADDRESS: "pii/ip_address",
        US_SSN: "pii/us_social_security_number",
        ADDRESS: "pii/address",
    }
)

# Contract: detector type -> mask written into the text. A plain dict because
# callers (e.g. streams.screening) iterate and sort it.
PII_MASKS: dict[str, str] = {
    "pii/name": "<NAME>",
    "pii/email": "<EMAIL>",
    "pii/phone_number": "<PHONE_NUMBER>",
    "pii/credit_card": "<CREDIT_CARD>",
    "pii/iban_code": "<IBAN_CODE>",
    "pii/ip_address": "<IP_ADDRESS>",
    "pii/us_social_security_number": "<US_SSN>",
    "pii/address": "<ADDRESS>",
}

# A finding is masked when its (context-enhanced) score reaches this. 0.4 is
# Presidio's own floor for a context-supported match
# (LemmaContextAwareEnhancer.min_score_with_context_similarity): a "very weak"
# pattern such as a bare 9-digit SSN only counts once a cue word ("ssn",
# "social security") is near, while checksum-validated entities score 1.0.
MASK_SCORE_THRESHOLD = 0.4

# Detector-type order used to break exact ties deterministically.
DETECTOR_ORDER: MappingProxyType[str, int] = MappingProxyType(
    {detector: rank for rank, detector in enumerate(PII_MASKS)}
)

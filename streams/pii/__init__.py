"""PII detection and masking for the `screen` agent: offline, in-process, pure.

    from streams.pii import mask_pii, find_pii, PII_MASKS

    mask_pii("My name is David Haber, please email me at support@lakera.ai").text
    # -> "My name is <NAME>, please email me at <EMAIL>"

Built on Presidio (PatternRecognizer / EntityRecognizer classes, context
enhancement) with recognizers that never touch the network: no spaCy model
download, no Hugging Face, tldextract reads only its bundled suffix snapshot.
See analyzer.py for the engine, recognizers.py / address.py / names.py for the
detectors and masking.py for span arithmetic.
"""

from streams.pii.analyzer import PiiAnalyzer, build_analyzer, default_analyzer, find_pii, mask_pii
from streams.pii.entities import ENTITY_TO_DETECTOR, MASK_SCORE_THRESHOLD, PII_MASKS
from streams.pii.masking import MaskedText, PiiFinding, apply_masks, resolve_overlaps

__all__ = [
    "ENTITY_TO_DETECTOR",
    "MASK_SCORE_THRESHOLD",
    "PII_MASKS",
    "MaskedText",
    "PiiAnalyzer",
    "PiiFinding",
    "apply_masks",
    "build_analyzer",
    "default_analyzer",
    "find_pii",
    "mask_pii",
    "resolve_overlaps",
]

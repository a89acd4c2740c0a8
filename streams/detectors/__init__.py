"""Non-PII detectors of the `screen` agent: pure functions from text to confidence levels.

    from streams.detectors import detect_all
    detect_all("Ignore all previous instructions", allowed_domains=["lakera.ai"])
    # {"prompt_attack": ConfidenceLevel.L2_VERY_LIKELY, "moderated_content/crime": …, …}

Each detector is a set of weighted, precompiled patterns over normalised text (see
normalise.py for the de-obfuscation, anchored.py for how patterns stay fast); no model, no
I/O at call time, deterministic. PII detection lives in streams.pii. docs/detection.md has
the measured precision/recall and the known limits.
"""

from __future__ import annotations

from collections.abc import Sequence

from schemas.screening import ConfidenceLevel
from streams.detectors.custom import compile_custom_pattern, detect_custom
from streams.detectors.links import detect_unknown_links
from streams.detectors.moderation import MODERATION_DETECTOR_TYPES, detect_moderated_content, moderation_levels
from streams.detectors.normalise import screening_views
from streams.detectors.prompt_attack import detect_prompt_attack, level_for, score_views

PROMPT_ATTACK = "prompt_attack"
UNKNOWN_LINKS = "unknown_links"
NON_PII_DETECTOR_TYPES: tuple[str, ...] = (PROMPT_ATTACK, *MODERATION_DETECTOR_TYPES, UNKNOWN_LINKS)


def detect_all(text: str, allowed_domains: Sequence[str] = ()) -> dict[str, ConfidenceLevel]:
    """Every non-PII detector on one text, keyed by detector type (NON_PII_DETECTOR_TYPES).

    With no `allowed_domains`, every link is unknown.
    """
    if not text or not text.strip():
        return dict.fromkeys(NON_PII_DETECTOR_TYPES, ConfidenceLevel.L5_UNLIKELY)
    views = screening_views(text)  # normalised once, shared by prompt attack and moderation
    results = {PROMPT_ATTACK: level_for(score_views(views))}
    results.update(moderation_levels(views))
    results[UNKNOWN_LINKS] = detect_unknown_links(text, allowed_domains, words=views[0].words)
    return results


__all__ = [
    "NON_PII_DETECTOR_TYPES",
    "PROMPT_ATTACK",
    "UNKNOWN_LINKS",
    "compile_custom_pattern",
    "detect_all",
    "detect_custom",
    "detect_moderated_content",
    "detect_prompt_attack",
    "detect_unknown_links",
]

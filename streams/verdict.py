"""Policy verdicts (pure): every enabled detector of a policy over the messages it applies
to, the most confident level per detector, and whether that level reaches the threshold.

Detectors see the raw text here, inside the `screen` agent; only masked text leaves it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from schemas.config import Policy, PolicyRules, Side, default_detectors
from schemas.screening import ConfidenceLevel, DetectorResult, Message
from streams.detectors import NON_PII_DETECTOR_TYPES, compile_custom_pattern, detect_all, detect_custom
from streams.pii import PiiFinding

OUTPUT_ROLES = frozenset({"assistant"})

# A policy-less screening (no project, no org default) is judged by the built-in defaults.
BUILTIN_RULES = PolicyRules(name="Built-in defaults", detectors=default_detectors())


def pii_level(score: float) -> ConfidenceLevel:
    """Presidio scores → Lakera levels: validated patterns (checksums, context) score high."""
    if score >= 0.85:
        return ConfidenceLevel.L1_CONFIDENT
    if score >= 0.6:
        return ConfidenceLevel.L2_VERY_LIKELY
    if score >= 0.4:
        return ConfidenceLevel.L3_LIKELY
    return ConfidenceLevel.L4_LESS_LIKELY


@dataclass(frozen=True)
class MessageLevels:
    """What every detector saw in one message (raw text), by detector type."""

    index: int
    role: str
    levels: dict[str, ConfidenceLevel] = field(default_factory=dict)


@lru_cache(maxsize=1024)
def _custom_pattern(pattern: str) -> re.Pattern[str] | None:
    try:
        return compile_custom_pattern(pattern)
    except ValueError:
        return None  # refused at policy save time already; never fail a screening over it


def message_levels(
    index: int, message: Message, findings: Sequence[PiiFinding], rules: PolicyRules
) -> MessageLevels:
    text = message.content or ""
    levels = dict(detect_all(text, rules.allowed_domains)) if text else dict.fromkeys(
        NON_PII_DETECTOR_TYPES, ConfidenceLevel.L5_UNLIKELY
    )
    for finding in findings:
        level = pii_level(finding.score)
        known = levels.get(finding.detector_type, ConfidenceLevel.L5_UNLIKELY)
        levels[finding.detector_type] = level if level.rank < known.rank else known
    for custom in rules.custom_detectors:
        pattern = _custom_pattern(custom.pattern) if custom.enabled else None
        if pattern is not None:
            levels[custom.detector_type] = detect_custom(text, pattern)
    return MessageLevels(index=index, role=message.role, levels=levels)


def applies(side: Side, mode: str, role: str) -> bool:
    """Unified policies screen every message; input/output policies split by role."""
    if mode == "unified" or side == "both":
        return True
    return (role in OUTPUT_ROLES) == (side == "output")


def decide(rules: PolicyRules, scanned: Sequence[MessageLevels]) -> list[tuple[DetectorResult, int]]:
    """One result per enabled detector: its most confident level over the messages it
    applies to, `detected` when that reaches the policy's threshold, and the index of the
    message that level came from (the guard response's `message_id`)."""
    settings: list[tuple[str, Side, ConfidenceLevel]] = [
        (d.type, d.applies_to, d.threshold) for d in rules.detectors if d.enabled
    ]
    settings += [
        (c.detector_type, c.applies_to, ConfidenceLevel.L1_CONFIDENT)
        for c in rules.custom_detectors
        if c.enabled and _custom_pattern(c.pattern) is not None
    ]
    results = []
    for detector_type, side, threshold in settings:
        best, where = ConfidenceLevel.L5_UNLIKELY, 0
        for message in scanned:
            if applies(side, rules.mode, message.role):
                level = message.levels.get(detector_type, ConfidenceLevel.L5_UNLIKELY)
                if level.rank < best.rank:
                    best, where = level, message.index
        result = DetectorResult(
            detector_type=detector_type,
            detector_id=detector_id(detector_type),
            result=best,
            detected=best.rank <= threshold.rank,
        )
        results.append((result, where))
    return results


def detector_id(detector_type: str) -> str:
    return "detector-" + detector_type.replace("/", "-")


def rules_of(policy: Policy | None) -> PolicyRules:
    return policy.rules if policy is not None else BUILTIN_RULES

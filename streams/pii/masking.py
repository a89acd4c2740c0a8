"""Pure span arithmetic: pick non-overlapping findings, write masks, recompute offsets.

Nothing here knows about Presidio; it works on `PiiFinding`s whose offsets index
the raw text and produces `PiiSpan`s whose offsets index the masked text, which
is what the `screening.screened` contract stores.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from schemas.screening import PiiSpan
from streams.pii.entities import DETECTOR_ORDER, PII_MASKS


@dataclass(frozen=True, slots=True)
class PiiFinding:
    """One PII entity in the RAW text: `text[start:end]` is the sensitive value."""

    detector_type: str
    start: int
    end: int
    score: float

    def __post_init__(self) -> None:
        if self.detector_type not in PII_MASKS:
            raise ValueError(f"unknown PII detector type {self.detector_type!r}")
        if not 0 <= self.start < self.end:
            raise ValueError(f"empty or negative span {self.start}..{self.end}")

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class MaskedText:
    """A message with every finding replaced by its mask; spans index `text`."""

    text: str
    spans: list[PiiSpan] = field(default_factory=list)


def _priority(finding: PiiFinding) -> tuple[float, int, int, int]:
    # Higher score first, then the longer span, then the earlier one, then a fixed
    # detector order, so the outcome never depends on recognizer execution order.
    return (
        -finding.score,
        -finding.length,
        finding.start,
        DETECTOR_ORDER.get(finding.detector_type, len(DETECTOR_ORDER)),
    )


def resolve_overlaps(findings: Iterable[PiiFinding]) -> list[PiiFinding]:
    """Keep a deterministic, non-overlapping subset of `findings`, sorted by start.

    Greedy by priority: the best finding is kept, every finding overlapping a kept
    one is dropped. Touching spans (`a.end == b.start`) do not overlap.
    """
    kept: list[PiiFinding] = []
    for candidate in sorted(set(findings), key=_priority):
        if all(candidate.end <= k.start or candidate.start >= k.end for k in kept):
            kept.append(candidate)
    kept.sort(key=lambda f: (f.start, f.end))
    return kept


def apply_masks(text: str, findings: Iterable[PiiFinding], message_index: int = 0) -> MaskedText:
    """Replace each finding by its mask; findings must not overlap (see resolve_overlaps).

    Returns the masked text and one `PiiSpan` per mask, with offsets into the
    masked text (so `masked.text[s.start:s.end]` is exactly the mask).
    """
    ordered = sorted(findings, key=lambda f: (f.start, f.end))
    pieces: list[str] = []
    spans: list[PiiSpan] = []
    cursor = 0  # position in the raw text
    out_len = 0  # length of the masked text written so far
    for finding in ordered:
        if finding.start < cursor or finding.end > len(text):
            raise ValueError(f"overlapping or out-of-range finding {finding}")
        kept = text[cursor : finding.start]
        mask = PII_MASKS[finding.detector_type]
        pieces.append(kept)
        pieces.append(mask)
        start = out_len + len(kept)
        spans.append(
            PiiSpan(
                detector_type=finding.detector_type,
                start=start,
                end=start + len(mask),
                message_index=message_index,
            )
        )
        out_len = start + len(mask)
        cursor = finding.end
    pieces.append(text[cursor:])
    return MaskedText(text="".join(pieces), spans=spans)

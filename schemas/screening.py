"""Payloads of the screening events (DESIGN.md contract).

`screening.received` holds raw text and lives only on `guard.screenings`;
`screening.screened` is the masked event of record on `guard.screened`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.guard import GuardResponse

SCREENING_RECEIVED = "screening.received"
SCREENING_SCREENED = "screening.screened"

Role = Literal["user", "assistant", "system", "tool", "developer"]
Kind = Literal["prompt", "output", "conversation"]


class ConfidenceLevel(StrEnum):
    """Lakera's confidence levels, most confident first."""

    L1_CONFIDENT = "l1_confident"
    L2_VERY_LIKELY = "l2_very_likely"
    L3_LIKELY = "l3_likely"
    L4_LESS_LIKELY = "l4_less_likely"
    L5_UNLIKELY = "l5_unlikely"

    @property
    def rank(self) -> int:
        """1 for l1_confident … 5 for l5_unlikely: lower is more confident."""
        return int(self.value[1])


class Message(BaseModel):
    """One chat message in OpenAI format. `content` is None once prompt logging is off."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    content: str | None


class ScreeningReceived(BaseModel):
    """`data` of `screening.received`: exactly what the guard client posted."""

    model_config = ConfigDict(extra="forbid")

    request_id: str = Field(min_length=1, max_length=200)
    messages: list[Message] = Field(min_length=1)
    metadata: dict[str, str] = Field(default_factory=dict)
    latency_ms: float | None = Field(default=None, ge=0)
    region: str | None = Field(default=None, max_length=64)
    client: str | None = Field(default=None, max_length=200)


class PiiSpan(BaseModel):
    """A masked PII entity; offsets index the masked text of message `message_index`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    detector_type: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    message_index: int = Field(default=0, ge=0)


class DetectorResult(BaseModel):
    """One detector that ran: its level and whether it reached the policy's threshold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    detector_type: str
    detector_id: str
    result: ConfidenceLevel
    detected: bool


class ScreeningScreened(BaseModel):
    """`data` of `screening.screened`: masked messages plus the verdict."""

    model_config = ConfigDict(extra="forbid")

    request_id: str
    kind: Kind
    messages: list[Message]
    content_logged: bool
    pii: list[PiiSpan] = Field(default_factory=list)
    results: list[DetectorResult] = Field(default_factory=list)
    flagged: bool
    policy_id: str | None = None
    policy_version: int | None = None
    latency_ms: float | None = None
    pipeline_ms: float
    region: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    api_response: GuardResponse

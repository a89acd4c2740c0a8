"""The guard API's response body, Lakera v2 shape (DESIGN.md contract).

The same body is returned inline by `/v2/guard` and stored as `api_response` on every
screened event, so the requests page can show "the exact API response".
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class BreakdownItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    project_id: str | None
    policy_id: str | None
    detector_id: str
    detector_type: str
    detected: bool
    message_id: int


class PayloadItem(BaseModel):
    """A detected span; it never carries the raw text, only where and what."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: int
    end: int
    detector_type: str
    labels: list[str]
    message_id: int = 0


class GuardResponseMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    request_uuid: str


class GuardResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flagged: bool
    breakdown: list[BreakdownItem]
    payload: list[PayloadItem]
    metadata: GuardResponseMetadata


"""HTTP bodies of ingest and query_api, defined once for both the services and the tests."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.guard import GuardResponse
from schemas.screening import DetectorResult, Kind, Message

MAX_BATCH_SCREENINGS = 1000


# --- ingest ---------------------------------------------------------------------------


class ScreeningRequest(BaseModel):
    """Body of `POST /v1/screenings`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "messages": [
                        {
                            "role": "user",
                            "content": "My name is David Haber, please email me at support@lakera.ai",
                        }
                    ],
                    "project_id": "project-demo",
                    "metadata": {"user_id": "u-123"},
                    "latency_ms": 41.5,
                    "region": "eu-west-1",
                }
            ]
        },
    )

    messages: list[Message] = Field(min_length=1, max_length=1000)
    project_id: str | None = Field(default=None, max_length=200)
    request_id: str | None = Field(default=None, min_length=1, max_length=200)
    metadata: dict[str, str] = Field(default_factory=dict)
    latency_ms: float | None = Field(default=None, ge=0)
    region: str | None = Field(default=None, max_length=64)
    client: str | None = Field(default=None, max_length=200)


class ScreeningBatchRequest(BaseModel):
    """Body of `POST /v1/screenings/batch`."""

    model_config = ConfigDict(extra="forbid")

    screenings: list[ScreeningRequest] = Field(min_length=1, max_length=MAX_BATCH_SCREENINGS)


class ScreeningAccepted(BaseModel):
    """202 body: the write is acknowledged by Kafka (acks=all)."""

    event_id: str
    request_id: str


class ScreeningBatchAccepted(BaseModel):
    accepted: list[ScreeningAccepted]


# --- query_api ------------------------------------------------------------------------


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class LoginResponse(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class RequestSummary(BaseModel):
    """One row of the requests list: no full contents, a masked preview."""

    event_id: str
    request_id: str
    org_id: str
    project_id: str | None
    received_at: datetime
    kind: Kind
    flagged: bool
    detected: list[str]
    latency_ms: float | None
    region: str | None
    metadata: dict[str, str]
    preview: str | None


class RequestDetail(RequestSummary):
    """Request details: full masked messages, every check, the exact API response."""

    messages: list[Message]
    content_logged: bool
    pii_types: list[str]
    results: list[DetectorResult]
    policy_id: str | None
    policy_version: int | None
    pipeline_ms: float
    api_response: GuardResponse


class RequestsPage(BaseModel):
    items: list[RequestSummary]
    next_cursor: str | None

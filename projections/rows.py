"""Event → row mapping for `guard.screenings` (pure, like Snuba's message processors)."""

from __future__ import annotations

import uuid
from typing import Any

from schemas.envelope import Envelope
from schemas.screening import ScreeningScreened

PREVIEW_CHARS = 200

SCREENING_COLUMNS: tuple[str, ...] = (
    "event_id",
    "request_id",
    "org_id",
    "project_id",
    "received_at",
    "kind",
    "flagged",
    "detected",
    "results.detector_type",
    "results.detector_id",
    "results.result",
    "results.detected",
    "content_logged",
    "message_roles",
    "message_contents",
    "preview",
    "pii_types",
    "latency_ms",
    "pipeline_ms",
    "region",
    "metadata",
    "policy_id",
    "policy_version",
    "api_response",
    "kafka_partition",
    "kafka_offset",
)


def content_preview(screened: ScreeningScreened) -> str:
    """The first input message (else the first message), masked, cut to PREVIEW_CHARS."""
    if not screened.content_logged:
        return ""
    ordered = sorted(screened.messages, key=lambda m: m.role == "system")
    texts = [m.content for m in ordered if m.content]
    return texts[0][:PREVIEW_CHARS] if texts else ""


def screening_row(event: Envelope[ScreeningScreened], partition: int, offset: int) -> list[Any]:
    """One row in SCREENING_COLUMNS order for one screened event."""
    data = event.data
    results = data.results
    return [
        uuid.UUID(event.event_id),
        data.request_id,
        event.org_id,
        event.project_id or "",
        event.occurred_at,
        data.kind,
        data.flagged,
        sorted({r.detector_type for r in results if r.detected}),
        [r.detector_type for r in results],
        [r.detector_id for r in results],
        [r.result.value for r in results],
        [r.detected for r in results],
        data.content_logged,
        [m.role for m in data.messages],
        [m.content or "" for m in data.messages] if data.content_logged else [],
        content_preview(data),
        sorted({s.detector_type for s in data.pii}),
        data.latency_ms,
        data.pipeline_ms,
        data.region or "",
        data.metadata,
        data.policy_id or "",
        data.policy_version or 0,
        data.api_response.model_dump_json(),
        partition,
        offset,
    ]

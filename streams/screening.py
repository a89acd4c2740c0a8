"""The pure core of the `screen` agent: `screening.received` in, `screening.screened` out.

No I/O here: the Faust agent feeds envelopes in and sends what comes back, so every
rule of screening is testable without a broker. Raw text never leaves this function
unmasked: messages are rebuilt from `mask_pii` output only.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from schemas.envelope import Envelope
from schemas.guard import BreakdownItem, GuardResponse, GuardResponseMetadata, PayloadItem
from schemas.screening import (
    SCREENING_SCREENED,
    ConfidenceLevel,
    DetectorResult,
    Kind,
    Message,
    PiiSpan,
    ScreeningReceived,
    ScreeningScreened,
)
from streams.pii import PII_MASKS, mask_pii


def classify_kind(messages: Sequence[Message]) -> Kind:
    """prompt: only input roles; output: only the model's; conversation: both."""
    roles = {m.role for m in messages}
    has_output = "assistant" in roles
    has_input = bool(roles & {"user", "tool", "developer"})
    if has_output and has_input:
        return "conversation"
    return "output" if has_output else "prompt"


def mask_messages(messages: Sequence[Message]) -> tuple[list[Message], list[PiiSpan]]:
    masked: list[Message] = []
    spans: list[PiiSpan] = []
    for index, message in enumerate(messages):
        if message.content is None:
            masked.append(message)
            continue
        result = mask_pii(message.content, message_index=index)
        masked.append(Message(role=message.role, content=result.text))
        spans.extend(result.spans)
    return masked, spans


def pii_results(spans: Sequence[PiiSpan]) -> list[DetectorResult]:
    """One result per PII detector: l1 where an entity was found, l5 otherwise."""
    found = {span.detector_type for span in spans}
    return [
        DetectorResult(
            detector_type=detector_type,
            detector_id=f"detector-{detector_type.replace('/', '-')}",
            result=ConfidenceLevel.L1_CONFIDENT if detector_type in found else ConfidenceLevel.L5_UNLIKELY,
            detected=detector_type in found,
        )
        for detector_type in sorted(PII_MASKS)
    ]


def guard_response(
    envelope_project: str | None,
    policy_id: str | None,
    results: Sequence[DetectorResult],
    spans: Sequence[PiiSpan],
    request_uuid: str,
) -> GuardResponse:
    """The Lakera v2 body for this screening; spans carry positions, never text."""
    return GuardResponse(
        flagged=any(r.detected for r in results),
        breakdown=[
            BreakdownItem(
                project_id=envelope_project,
                policy_id=policy_id,
                detector_id=r.detector_id,
                detector_type=r.detector_type,
                detected=r.detected,
                message_id=0,
            )
            for r in results
        ],
        payload=[
            PayloadItem(
                start=s.start,
                end=s.end,
                detector_type=s.detector_type,
                labels=[s.detector_type],
                message_id=s.message_index,
            )
            for s in spans
        ],
        metadata=GuardResponseMetadata(request_uuid=request_uuid),
    )


def screen_received(
    received: Envelope[ScreeningReceived], started: float | None = None
) -> Envelope[ScreeningScreened]:
    """Mask, detect and decide; keeps the event_id so every sink can deduplicate."""
    started = time.perf_counter() if started is None else started
    data = received.data
    masked, spans = mask_messages(data.messages)
    results = pii_results(spans)
    response = guard_response(received.project_id, None, results, spans, received.event_id)
    screened = ScreeningScreened(
        request_id=data.request_id,
        kind=classify_kind(data.messages),
        messages=masked,
        content_logged=True,
        pii=spans,
        results=results,
        flagged=response.flagged,
        policy_id=None,
        policy_version=None,
        latency_ms=data.latency_ms,
        pipeline_ms=round((time.perf_counter() - started) * 1000, 3),
        region=data.region,
        metadata=data.metadata,
        api_response=response,
    )
    return Envelope[ScreeningScreened](
        event_id=received.event_id,
        type=SCREENING_SCREENED,
        occurred_at=received.occurred_at,
        org_id=received.org_id,
        project_id=received.project_id,
        data=screened,
    )

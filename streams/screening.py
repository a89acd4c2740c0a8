"""The pure core of the `screen` agent: `screening.received` in, `screening.screened` out.

No I/O here: the Faust agent looks up the policy and org settings and feeds them in, so
every rule of screening is testable without a broker. Raw text never leaves this module
unmasked: messages are rebuilt from masked text only, and dropped entirely when the org
turned prompt logging off.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from schemas.config import Organization, Policy
from schemas.envelope import Envelope
from schemas.guard import BreakdownItem, GuardResponse, GuardResponseMetadata, PayloadItem
from schemas.screening import (
    SCREENING_SCREENED,
    DetectorResult,
    Kind,
    Message,
    PiiSpan,
    ScreeningReceived,
    ScreeningScreened,
)
from streams.config.state import ConfigState
from streams.pii import apply_masks, find_pii
from streams.verdict import MessageLevels, decide, message_levels, rules_of


def classify_kind(messages: Sequence[Message]) -> Kind:
    """prompt: only input roles; output: only the model's; conversation: both."""
    roles = {m.role for m in messages}
    has_output = "assistant" in roles
    has_input = bool(roles & {"user", "tool", "developer"})
    if has_output and has_input:
        return "conversation"
    return "output" if has_output else "prompt"


def guard_response(
    project_id: str | None,
    policy_id: str | None,
    decided: Sequence[tuple[DetectorResult, int]],
    spans: Sequence[PiiSpan],
    request_uuid: str,
) -> GuardResponse:
    """The Lakera v2 body for this screening; spans carry positions, never text."""
    return GuardResponse(
        flagged=any(r.detected for r, _ in decided),
        breakdown=[
            BreakdownItem(
                project_id=project_id,
                policy_id=policy_id,
                detector_id=r.detector_id,
                detector_type=r.detector_type,
                detected=r.detected,
                message_id=message_id,
            )
            for r, message_id in decided
        ],
        payload=[
            PayloadItem(
                start=s.start, end=s.end, detector_type=s.detector_type, labels=[s.detector_type], message_id=s.message_index
            )
            for s in spans
        ],
        metadata=GuardResponseMetadata(request_uuid=request_uuid),
    )


def scan_messages(
    messages: Sequence[Message], policy: Policy | None
) -> tuple[list[Message], list[PiiSpan], list[MessageLevels]]:
    """Masked messages, their PII spans (masked offsets) and every detector's levels."""
    rules = rules_of(policy)
    masked: list[Message] = []
    spans: list[PiiSpan] = []
    scanned: list[MessageLevels] = []
    for index, message in enumerate(messages):
        if message.content is None:
            masked.append(message)
            scanned.append(MessageLevels(index=index, role=message.role))
            continue
        findings = find_pii(message.content)
        result = apply_masks(message.content, findings, index)
        masked.append(Message(role=message.role, content=result.text))
        spans.extend(result.spans)
        scanned.append(message_levels(index, message, findings, rules))
    return masked, spans, scanned


def screen_received(
    received: Envelope[ScreeningReceived],
    policy: Policy | None = None,
    prompt_logging: bool = True,
    started: float | None = None,
) -> Envelope[ScreeningScreened]:
    """Mask, detect and decide; keeps the event_id so every sink can deduplicate."""
    started = time.perf_counter() if started is None else started
    data = received.data
    masked, spans, scanned = scan_messages(data.messages, policy)
    decided = decide(rules_of(policy), scanned)
    policy_id = policy.id if policy is not None else None
    response = guard_response(received.project_id, policy_id, decided, spans, received.event_id)
    screened = ScreeningScreened(
        request_id=data.request_id,
        kind=classify_kind(data.messages),
        messages=masked if prompt_logging else [Message(role=m.role, content=None) for m in masked],
        content_logged=prompt_logging,
        pii=spans,
        results=[r for r, _ in decided],
        flagged=response.flagged,
        policy_id=policy_id,
        policy_version=policy.version if policy is not None else None,
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


def screening_config(state: ConfigState, org_id: str, project_id: str | None) -> tuple[Policy | None, bool]:
    """The policy and prompt-logging setting a screening is judged by: the project's policy,
    else the org's default policy; logging as the org set it (on when the org is unknown)."""
    org: Organization | None = state.organization(org_id)
    if project_id is not None:
        policy = state.policy_of_project(project_id)
    else:
        policy = state.policy(org.default_policy_id) if org and org.default_policy_id else None
    return policy, (org.prompt_logging if org else True)

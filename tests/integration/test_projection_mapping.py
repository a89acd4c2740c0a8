"""The event → row mapping (a materialized view, projections/mapping.py) on the real engine,
against an oracle written here from the pydantic contract: every column of every row."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from projections.batches import landing_record, rowbinary
from projections.clickhouse import connect
from projections.mapping import PREVIEW_CHARS
from projections.migrate import migrate
from projections.writer import LANDING_COLUMNS
from schemas.envelope import Envelope, new_event_id
from schemas.guard import GuardResponse, GuardResponseMetadata
from schemas.screening import ConfidenceLevel, DetectorResult, Message, PiiSpan, ScreeningScreened
from tests.integration.screened_traffic import screened_events

pytestmark = pytest.mark.integration


def oracle_row(event: Envelope[ScreeningScreened], partition: int, offset: int) -> dict:
    data = event.data
    ordered = sorted(data.messages, key=lambda m: m.role == "system")  # input first, system prompts last
    texts = [m.content for m in ordered if m.content]
    return {
        "event_id": uuid.UUID(event.event_id),
        "request_id": data.request_id,
        "org_id": event.org_id,
        "project_id": event.project_id or "",
        "received_at": event.occurred_at.replace(tzinfo=None),
        "kind": data.kind,
        "flagged": data.flagged,
        "detected": sorted({r.detector_type for r in data.results if r.detected}),
        "results.detector_type": [r.detector_type for r in data.results],
        "results.detector_id": [r.detector_id for r in data.results],
        "results.result": [r.result.value for r in data.results],
        "results.detected": [r.detected for r in data.results],
        "content_logged": data.content_logged,
        "message_roles": [m.role for m in data.messages],
        "message_contents": [m.content or "" for m in data.messages] if data.content_logged else [],
        "preview": texts[0][:PREVIEW_CHARS] if data.content_logged and texts else "",
        "pii_types": sorted({s.detector_type for s in data.pii}),
        "latency_ms": data.latency_ms,
        "pipeline_ms": data.pipeline_ms,
        "region": data.region or "",
        "metadata": data.metadata,
        "policy_id": data.policy_id or "",
        "policy_version": data.policy_version or 0,
        "api_response": data.api_response.model_dump_json(),
        "retention_days": 0,
        "kafka_partition": partition,
        "kafka_offset": offset,
    }


def edge_cases() -> list[Envelope[ScreeningScreened]]:
    at = datetime(2026, 3, 1, 23, 59, 59, 999000, tzinfo=UTC)
    event_id = new_event_id(int(at.timestamp() * 1000))
    base = dict(
        request_id="r-edge",
        kind="conversation",
        content_logged=True,
        flagged=True,
        pipeline_ms=2.5,
        api_response=GuardResponse(flagged=True, breakdown=[], payload=[], metadata=GuardResponseMetadata(request_uuid=event_id)),
    )
    long_unicode = "Zürich ☃ " * 60  # preview cut counts code points, not bytes
    return [
        Envelope[ScreeningScreened](
            event_id=event_id, type="screening.screened", occurred_at=at, org_id="org-map", project_id=None,
            data=ScreeningScreened(
                **base,
                messages=[Message(role="system", content="be nice"), Message(role="user", content=long_unicode), Message(role="assistant", content="")],
                pii=[PiiSpan(detector_type="pii/name", start=0, end=6, message_index=1), PiiSpan(detector_type="pii/email", start=9, end=16, message_index=1)],
                results=[
                    DetectorResult(detector_type="pii/name", detector_id="d1", result=ConfidenceLevel.L1_CONFIDENT, detected=True),
                    DetectorResult(detector_type="pii/name", detector_id="d2", result=ConfidenceLevel.L2_VERY_LIKELY, detected=True),
                    DetectorResult(detector_type="custom/acme", detector_id="d3", result=ConfidenceLevel.L5_UNLIKELY, detected=False),
                ],
                metadata={"quote": 'he said "hi"', "unicode": "é"},
            ),
        ),
        Envelope[ScreeningScreened](
            event_id=new_event_id(), type="screening.screened", occurred_at=at + timedelta(milliseconds=1), org_id="org-map",
            project_id="project-x",
            data=ScreeningScreened(**{**base, "content_logged": False, "kind": "prompt"}, messages=[Message(role="user", content=None)], latency_ms=12.0),
        ),
    ]


def test_mapping_matches_the_contract_column_by_column(guard_ready) -> None:
    _, clickhouse_url = guard_ready
    database = f"map_{uuid.uuid4().hex[:8]}"
    client = connect(clickhouse_url)
    migrate(client, database)
    now = datetime.now(UTC)
    events = edge_cases() + screened_events(300, "org-map", ["p1", None], now - timedelta(hours=2), now, seed=9)
    records = [landing_record(0, offset, e.event_id.encode(), e.to_bytes()) for offset, e in enumerate(events)]
    client.raw_insert(f"{database}.screened_landing", LANDING_COLUMNS, insert_block=rowbinary(records), fmt="RowBinary")

    columns = list(oracle_row(events[0], 0, 0))
    quoted = ", ".join(f"`{c}`" for c in columns)
    stored = {
        row[0]: dict(zip(columns, row))
        for row in client.query(f"SELECT {quoted} FROM {database}.screenings").result_rows
    }
    assert len(stored) == len(events)
    for offset, event in enumerate(events):
        row = stored[uuid.UUID(event.event_id)]
        row["received_at"] = row["received_at"].replace(tzinfo=None)
        assert row == oracle_row(event, 0, offset), event.event_id

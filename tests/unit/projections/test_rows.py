import uuid
from datetime import UTC, datetime

from projections.migrate import load_migrations
from projections.rows import PREVIEW_CHARS, SCREENING_COLUMNS, screening_row
from schemas.envelope import Envelope, new_event_id
from schemas.guard import GuardResponse, GuardResponseMetadata
from schemas.screening import ConfidenceLevel, DetectorResult, Message, PiiSpan, ScreeningScreened


def screened(content_logged: bool = True, messages: list[Message] | None = None) -> Envelope[ScreeningScreened]:
    event_id = new_event_id()
    return Envelope[ScreeningScreened](
        event_id=event_id,
        type="screening.screened",
        occurred_at=datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        org_id="org-1",
        project_id=None,
        data=ScreeningScreened(
            request_id="r-1",
            kind="conversation",
            messages=messages
            or [Message(role="system", content="be nice"), Message(role="user", content="mail <EMAIL>")],
            content_logged=content_logged,
            pii=[PiiSpan(detector_type="pii/email", start=5, end=12, message_index=1)],
            results=[
                DetectorResult(detector_type="pii/email", detector_id="d-e", result=ConfidenceLevel.L1_CONFIDENT, detected=True),
                DetectorResult(detector_type="prompt_attack", detector_id="d-p", result=ConfidenceLevel.L5_UNLIKELY, detected=False),
            ],
            flagged=True,
            pipeline_ms=1.5,
            metadata={"k": "v"},
            api_response=GuardResponse(flagged=True, breakdown=[], payload=[], metadata=GuardResponseMetadata(request_uuid=event_id)),
        ),
    )


def test_row_matches_columns_and_event() -> None:
    event = screened()
    row = dict(zip(SCREENING_COLUMNS, screening_row(event, partition=3, offset=99)))
    assert len(row) == len(SCREENING_COLUMNS)
    assert row["event_id"] == uuid.UUID(event.event_id)
    assert row["project_id"] == ""  # no project: the org's default policy applied
    assert row["detected"] == ["pii/email"]
    assert row["results.detector_type"] == ["pii/email", "prompt_attack"]
    assert row["results.result"] == ["l1_confident", "l5_unlikely"]
    assert row["message_roles"] == ["system", "user"]
    assert row["preview"] == "mail <EMAIL>"  # the user's message, not the system prompt
    assert row["pii_types"] == ["pii/email"]
    assert (row["kafka_partition"], row["kafka_offset"]) == (3, 99)
    assert GuardResponse.model_validate_json(row["api_response"]).metadata.request_uuid == event.event_id


def test_no_content_is_stored_when_prompt_logging_is_off() -> None:
    event = screened(content_logged=False, messages=[Message(role="user", content=None)])
    row = dict(zip(SCREENING_COLUMNS, screening_row(event, 0, 0)))
    assert row["message_contents"] == [] and row["preview"] == ""
    assert row["message_roles"] == ["user"]


def test_preview_is_cut() -> None:
    event = screened(messages=[Message(role="user", content="x" * 1000)])
    row = dict(zip(SCREENING_COLUMNS, screening_row(event, 0, 0)))
    assert len(row["preview"]) == PREVIEW_CHARS


def test_migrations_are_ordered_and_parametrised_by_database() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == sorted({m.version for m in migrations})
    statements = migrations[0].statements("guard_test")
    assert statements and all("{db}" not in s for s in statements)
    assert any("guard_test.screenings" in s for s in statements)
    assert not any(s.lstrip().startswith("--") for s in statements)

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas.envelope import Envelope, format_rfc3339_ms, new_event_id
from schemas.screening import Message, ScreeningReceived


def test_event_ids_are_uuid7_and_time_ordered() -> None:
    first = new_event_id(now_ms=1_700_000_000_000)
    later = new_event_id(now_ms=1_700_000_000_001)
    assert uuid.UUID(first).version == 7
    assert uuid.UUID(first).variant == uuid.RFC_4122
    assert first < later
    assert int(uuid.UUID(first).hex[:12], 16) == 1_700_000_000_000


def test_event_ids_are_unique() -> None:
    ids = {new_event_id(now_ms=1) for _ in range(10_000)}
    assert len(ids) == 10_000


def test_envelope_serializes_the_contract_shape() -> None:
    envelope = Envelope[ScreeningReceived](
        event_id=new_event_id(),
        type="screening.received",
        occurred_at=datetime(2024, 1, 31, 16, 36, 0, 123456, tzinfo=UTC),
        org_id="org-1",
        data=ScreeningReceived(request_id="r-1", messages=[Message(role="user", content="hi")]),
    )
    body = envelope.model_dump(mode="json")
    assert set(body) == {"event_id", "type", "version", "occurred_at", "org_id", "project_id", "data"}
    assert body["occurred_at"] == "2024-01-31T16:36:00.123Z"
    assert body["version"] == 1
    again = Envelope[ScreeningReceived].model_validate_json(envelope.to_bytes())
    assert again == envelope


def test_envelope_rejects_unknown_fields_and_roles() -> None:
    with pytest.raises(ValidationError):
        ScreeningReceived.model_validate({"request_id": "r", "messages": [{"role": "robot", "content": "x"}]})
    with pytest.raises(ValidationError):
        ScreeningReceived.model_validate({"request_id": "r", "messages": [], "extra": 1})


def test_rfc3339_ms_converts_to_utc() -> None:
    from datetime import timedelta, timezone

    moment = datetime(2024, 1, 31, 18, 0, 0, 5000, tzinfo=timezone(timedelta(hours=2)))
    assert format_rfc3339_ms(moment) == "2024-01-31T16:00:00.005Z"

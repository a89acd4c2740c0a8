"""The pure core of the `screen` agent, without any service."""

from datetime import UTC, datetime

import pytest

from schemas.envelope import Envelope, new_event_id
from schemas.screening import Message, ScreeningReceived
from streams.screening import classify_kind, screen_received

SEED = "My name is David Haber, please email me at support@lakera.ai"


def received(*messages: Message, project_id: str | None = "project-demo") -> Envelope[ScreeningReceived]:
    return Envelope[ScreeningReceived](
        event_id=new_event_id(),
        type="screening.received",
        occurred_at=datetime(2026, 11, 24, 6, 0, tzinfo=UTC),
        org_id="org-1",
        project_id=project_id,
        data=ScreeningReceived(request_id="req-1", messages=list(messages), metadata={"k": "v"}, region="eu"),
    )


@pytest.mark.parametrize(
    ("roles", "kind"),
    [
        (["user"], "prompt"),
        (["system", "user"], "prompt"),
        (["assistant"], "output"),
        (["system", "assistant"], "output"),
        (["user", "assistant"], "conversation"),
        (["tool", "assistant"], "conversation"),
    ],
)
def test_kind_follows_the_roles(roles: list[str], kind: str) -> None:
    assert classify_kind([Message(role=r, content="x") for r in roles]) == kind


def test_seed_example_is_masked_and_keeps_its_ids() -> None:
    event = received(Message(role="user", content=SEED))
    out = screen_received(event)
    assert out.event_id == event.event_id and out.type == "screening.screened"
    assert (out.org_id, out.project_id, out.occurred_at) == (event.org_id, event.project_id, event.occurred_at)
    assert out.data.messages[0].content == "My name is <NAME>, please email me at <EMAIL>"
    assert "support@lakera.ai" not in out.model_dump_json()
    assert "David Haber" not in out.model_dump_json()


def test_pii_offsets_point_at_masks_in_the_masked_text() -> None:
    out = screen_received(
        received(Message(role="system", content="be helpful"), Message(role="user", content=SEED))
    )
    assert out.data.pii, "no PII span reported"
    for span in out.data.pii:
        text = out.data.messages[span.message_index].content
        assert text is not None and text[span.start : span.end].startswith("<")


def test_results_and_api_response_agree() -> None:
    out = screen_received(received(Message(role="user", content="card 4111 1111 1111 1111 please")))
    detected = {r.detector_type for r in out.data.results if r.detected}
    assert "pii/credit_card" in detected
    response = out.data.api_response
    assert response.flagged == out.data.flagged
    assert {b.detector_type for b in response.breakdown if b.detected} == detected
    assert response.metadata.request_uuid == out.event_id
    assert all("4111" not in str(p) for p in response.payload)


def test_benign_text_passes_unchanged() -> None:
    out = screen_received(received(Message(role="user", content="What are your opening hours?")))
    assert out.data.messages[0].content == "What are your opening hours?"
    assert not out.data.flagged and not out.data.pii
    assert out.data.metadata == {"k": "v"} and out.data.region == "eu"

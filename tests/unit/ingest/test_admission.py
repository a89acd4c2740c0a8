"""API-key authentication and project scope over a config state built from config events."""

from datetime import UTC, datetime

import pytest

from ingest.admission import authenticate, check_projects
from ingest.app import build_received
from schemas.api import ScreeningRequest
from schemas.config import ApiKey, Organization, Project, api_key_sha256
from schemas.config_events import (
    API_KEY_CREATED,
    API_KEY_REVOKED,
    ORGANIZATION_UPSERTED,
    PROJECT_UPSERTED,
    ApiKeyUpserted,
    OrganizationUpserted,
    ProjectUpserted,
    config_event,
)
from schemas.errors import ApiError
from streams.config.state import ConfigState

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def org(org_id: str) -> Organization:
    return Organization(id=org_id, name=org_id, plan="community", monthly_quota=10_000, created_at=NOW)


def key(key_id: str, org_id: str, secret: str, projects: list[str] | None = None, revoked: bool = False) -> ApiKey:
    return ApiKey(
        id=key_id, org_id=org_id, name=key_id, prefix=secret[:7], sha256=api_key_sha256(secret),
        project_ids=projects, created_by="system", created_at=NOW, revoked=revoked,
    )


@pytest.fixture
def state() -> ConfigState:
    events = [
        config_event(ORGANIZATION_UPSERTED, "org-a", OrganizationUpserted(actor="system", organization=org("org-a"))),
        config_event(ORGANIZATION_UPSERTED, "org-b", OrganizationUpserted(actor="system", organization=org("org-b"))),
        config_event(PROJECT_UPSERTED, "org-a", ProjectUpserted(actor="system", project=Project(id="pa", org_id="org-a", name="A", created_at=NOW))),
        config_event(PROJECT_UPSERTED, "org-a", ProjectUpserted(actor="system", project=Project(id="pa2", org_id="org-a", name="A2", created_at=NOW))),
        config_event(PROJECT_UPSERTED, "org-b", ProjectUpserted(actor="system", project=Project(id="pb", org_id="org-b", name="B", created_at=NOW))),
        config_event(API_KEY_CREATED, "org-a", ApiKeyUpserted(actor="system", api_key=key("k-a", "org-a", "gs_secret_a"))),
        config_event(API_KEY_CREATED, "org-a", ApiKeyUpserted(actor="system", api_key=key("k-scoped", "org-a", "gs_scoped", ["pa"]))),
        config_event(API_KEY_CREATED, "org-b", ApiKeyUpserted(actor="system", api_key=key("k-b", "org-b", "gs_secret_b"))),
        config_event(API_KEY_REVOKED, "org-b", ApiKeyUpserted(actor="system", api_key=key("k-old", "org-b", "gs_old", revoked=True))),
    ]
    result = ConfigState()
    for event in events:
        result = result.apply(event)
    return result


def test_a_known_key_acts_for_its_org(state: ConfigState) -> None:
    grant = authenticate(state, "Bearer gs_secret_b")
    assert (grant.org_id, grant.key.id) == ("org-b", "k-b")
    assert authenticate(state, "bearer gs_secret_a").organization.monthly_quota == 10_000


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer  ", "Basic gs_secret_a", "Bearer gs_secret_", "Bearer gs_old"])
def test_unknown_malformed_or_revoked_keys_are_401(state: ConfigState, header: str | None) -> None:
    with pytest.raises(ApiError) as raised:
        authenticate(state, header)
    assert raised.value.status == 401


def test_projects_must_belong_to_the_keys_org_and_scope(state: ConfigState) -> None:
    grant = authenticate(state, "Bearer gs_secret_a")
    check_projects(state, grant, ["pa", "pa2", None])  # None: the org's default policy
    for outside in (["pb"], ["nope"], ["pa", "pb"]):
        with pytest.raises(ApiError) as raised:
            check_projects(state, grant, outside)
        assert raised.value.status == 403
    scoped = authenticate(state, "Bearer gs_scoped")
    check_projects(state, scoped, ["pa"])
    for outside in (["pa2"], [None]):
        with pytest.raises(ApiError) as raised:
            check_projects(state, scoped, outside)
        assert raised.value.status == 403 and raised.value.body.error.field is not None


def test_request_id_defaults_to_the_event_id() -> None:
    request = ScreeningRequest.model_validate({"messages": [{"role": "user", "content": "hi"}], "project_id": "p"})
    envelope = build_received(request, "org-1")
    assert envelope.data.request_id == envelope.event_id
    assert (envelope.org_id, envelope.project_id, envelope.type) == ("org-1", "p", "screening.received")
    explicit = build_received(request.model_copy(update={"request_id": "client-42"}), "org-1")
    assert explicit.data.request_id == "client-42"

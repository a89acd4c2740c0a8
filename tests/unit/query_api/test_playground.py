"""The Playground's pure core: its derived API key and the example bot."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from query_api.permissions import may, route_permission
from query_api.playground import (
    PLAYGROUND_KEY_PREFIX,
    bot_reply,
    ensure_playground_key,
    live_playground_key,
    playground_key_secret,
)
from query_api.playground_routes import IngestGuard
from schemas.config import Organization, api_key_sha256
from schemas.config_events import ORGANIZATION_UPSERTED, OrganizationUpserted, config_event
from schemas.errors import ApiError
from schemas.playground import PlaygroundChat
from streams.config import ConfigState
from streams.config.commands import api_keys

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _org_state(*org_ids: str) -> ConfigState:
    state = ConfigState()
    for org_id in org_ids:
        org = Organization(id=org_id, name=org_id, plan="enterprise", created_at=NOW)
        state = state.apply(config_event(ORGANIZATION_UPSERTED, org_id, OrganizationUpserted(actor="system", organization=org)))
    return state


def _run(state: ConfigState, events) -> ConfigState:
    for event in events:
        state = state.apply(event)
    return state


def test_the_secret_is_derived_from_the_key_id_and_the_deployment_secret() -> None:
    secret = playground_key_secret("k1", "key-playground-aa")
    assert secret == playground_key_secret("k1", "key-playground-aa")
    assert secret.startswith("gs_") and len(secret) >= 40
    assert secret != playground_key_secret("k2", "key-playground-aa")
    assert secret != playground_key_secret("k1", "key-playground-bb")


def test_first_use_creates_one_key_whose_hash_matches_the_derived_secret() -> None:
    state = _org_state("org-1", "org-2")
    events = ensure_playground_key(state, "org-1", "k1", PLAYGROUND_KEY_PREFIX + "aa")
    state = _run(state, events)
    key = live_playground_key(state, "org-1")
    assert key is not None and key.created_by == "system" and key.project_ids is None
    assert key.sha256 == api_key_sha256(playground_key_secret("k1", key.id))
    assert state.api_key_by_hash(key.sha256) == state.api_key(key.id)
    # once there, nothing more is written, and other orgs are untouched
    assert ensure_playground_key(state, "org-1", "k1", PLAYGROUND_KEY_PREFIX + "bb") == []
    assert live_playground_key(state, "org-2") is None


def test_a_revoked_playground_key_is_replaced_by_a_new_one() -> None:
    state = _org_state("org-1")
    state = _run(state, ensure_playground_key(state, "org-1", "k1", PLAYGROUND_KEY_PREFIX + "aa"))
    state = _run(state, api_keys.revoke_api_key(state, "user-x", "org-1", PLAYGROUND_KEY_PREFIX + "aa", NOW))
    assert live_playground_key(state, "org-1") is None
    state = _run(state, ensure_playground_key(state, "org-1", "k1", PLAYGROUND_KEY_PREFIX + "bb"))
    assert live_playground_key(state, "org-1").id == PLAYGROUND_KEY_PREFIX + "bb"


def test_an_unknown_org_gets_no_key() -> None:
    with pytest.raises(ApiError) as refused:
        ensure_playground_key(ConfigState(), "org-missing", "k1", PLAYGROUND_KEY_PREFIX + "aa")
    assert refused.value.status == 404


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Hello there", "Orbit Travel assistant"),
        ("How heavy can my luggage be?", "23 kg"),
        ("I want to cancel my trip", "refunded"),
        ("How do I reach a human?", "help@orbit-travel.com"),
        ("Where is your website?", "https://orbit-travel.com"),
        ("Tell me a joke", "only know about"),
    ],
)
def test_the_bot_answers_by_rule(message: str, expected: str) -> None:
    assert expected in bot_reply(message)
    assert bot_reply(message) == bot_reply(message)


def test_only_those_who_manage_api_keys_use_the_playground() -> None:
    permission = route_permission("POST", "/v1/playground/chat")
    assert (may("admin", permission), may("user", permission), may("no_access", permission)) == (True, False, False)


def test_a_message_must_not_be_empty_or_huge() -> None:
    with pytest.raises(ValueError):
        PlaygroundChat(project_id="p", message="")
    with pytest.raises(ValueError):
        PlaygroundChat(project_id="p", message="x" * 5000)


def test_ingest_refusals_become_contract_errors() -> None:
    assert IngestGuard._answer(httpx.Response(200, json={"flagged": False})) == {"flagged": False}
    quota = {"error": {"code": "quota_exceeded", "message": "monthly quota of 10000 screenings reached", "field": None}}
    with pytest.raises(ApiError) as over:
        IngestGuard._answer(httpx.Response(429, json=quota))
    assert (over.value.status, over.value.body.error.code) == (429, "quota_exceeded")
    with pytest.raises(ApiError) as broken:
        IngestGuard._answer(httpx.Response(502, text="<html>bad gateway</html>"))
    assert (broken.value.status, broken.value.body.error.code) == (503, "unavailable")

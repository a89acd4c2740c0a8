"""The export settings commands (streams/config/commands/export.py): secrets sealed, kept or required."""

from datetime import UTC, datetime

import pytest

from schemas.config import Organization
from schemas.errors import ApiError
from schemas.export import ExportSettingsUpdate, ExportTarget
from schemas.sealed_secret import seal, unseal
from streams.config.commands.export import candidate_target, put_target
from streams.config.state import ConfigState

KEY = "test-secret-key"
NOW = datetime(2026, 1, 6, tzinfo=UTC)


def stored(**changes) -> ExportTarget:
    fields = {"org_id": "org-a", "bucket": "acme-logs", "access_key_id": "AKIA1", "secret_access_key_sealed": seal("s1", KEY), "updated_at": NOW}
    return ExportTarget(**(fields | changes))


def test_a_new_secret_is_sealed() -> None:
    update = ExportSettingsUpdate(bucket="acme-logs", access_key_id="AKIA1", secret_access_key="s2")
    made = candidate_target(stored(), "org-a", update, KEY, NOW)
    assert made.secret_access_key_sealed is not None and "s2" not in made.secret_access_key_sealed
    assert unseal(made.secret_access_key_sealed, KEY) == "s2"
    assert made.tested_at is None and made.updated_at == NOW


def test_an_omitted_secret_keeps_the_stored_one_for_the_same_key_id() -> None:
    current = stored()
    made = candidate_target(current, "org-a", ExportSettingsUpdate(bucket="other-bucket", access_key_id="AKIA1"), KEY, NOW)
    assert made.secret_access_key_sealed == current.secret_access_key_sealed and made.bucket == "other-bucket"


def test_a_new_key_id_needs_its_secret() -> None:
    with pytest.raises(ApiError) as caught:
        candidate_target(stored(), "org-a", ExportSettingsUpdate(bucket="acme-logs", access_key_id="AKIA2"), KEY, NOW)
    assert caught.value.status == 422 and caught.value.body.error.field == "secret_access_key"


def test_the_default_target_needs_no_credentials() -> None:
    made = candidate_target(None, "org-a", ExportSettingsUpdate(prefix="guard"), KEY, NOW)
    assert made.kind == "default" and made.prefix == "guard" and made.secret_access_key_sealed is None


def test_put_target_needs_the_org() -> None:
    with pytest.raises(ApiError):
        put_target(ConfigState(), "user-1", stored())
    org = Organization(id="org-a", name="A", plan="enterprise", created_at=NOW)
    state = ConfigState(organizations={"org-a": org})
    target = stored()
    (event,) = put_target(state, "user-1", target)
    assert event.data.actor == "user-1" and state.apply(event).export_target("org-a") == target

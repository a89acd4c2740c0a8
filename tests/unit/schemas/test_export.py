"""SIEM export entities, their config events and API bodies (schemas/export.py)."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas.config_events import config_event, config_records, parse_config_event
from schemas.export import (
    EXPORT_ALERT_UPSERTED,
    EXPORT_TARGET_UPSERTED,
    ExportAlert,
    ExportAlertUpserted,
    ExportAlertView,
    ExportSettingsUpdate,
    ExportSettingsView,
    ExportTarget,
    ExportTargetUpserted,
)
from streams.config.state import ConfigState

NOW = datetime(2026, 1, 6, 14, 30, tzinfo=UTC)


def target(**changes) -> ExportTarget:
    fields = {
        "org_id": "org-a",
        "bucket": "acme-logs",
        "endpoint_url": "http://127.0.0.1:9000",
        "access_key_id": "AKIAEXAMPLE",
        "secret_access_key_sealed": "v1:sealed-bytes",
        "updated_at": NOW,
    }
    return ExportTarget(**(fields | changes))


def alert(**changes) -> ExportAlert:
    fields = {"org_id": "org-a", "reason": "access_denied", "message": "denied", "since": NOW, "last_seen": NOW, "held_events": 5}
    return ExportAlert(**(fields | changes))


@pytest.mark.parametrize(("given", "stored"), [("", ""), ("/logs/guard/", "logs/guard"), (" a/b ", "a/b")])
def test_prefix_is_a_clean_relative_path(given: str, stored: str) -> None:
    assert target(prefix=given).prefix == stored


@pytest.mark.parametrize("prefix", ["a/../b", "a//b", "./a", "logs/*", "a\\b"])
def test_prefix_cannot_escape_or_glob(prefix: str) -> None:
    with pytest.raises(ValidationError):
        ExportSettingsUpdate(prefix=prefix)


@pytest.mark.parametrize("bucket", ["Upper", "a", "has_underscore", "-leading", "x" * 64])
def test_bucket_names_follow_s3_rules(bucket: str) -> None:
    with pytest.raises(ValidationError):
        ExportSettingsUpdate(bucket=bucket)


@pytest.mark.parametrize("url", ["ftp://host", "http://", "not a url", "http://host/?q=1"])
def test_endpoint_is_an_http_url(url: str) -> None:
    with pytest.raises(ValidationError):
        ExportSettingsUpdate(endpoint_url=url)


def test_the_sealed_secret_stays_out_of_repr_and_views() -> None:
    stored = target()
    assert "sealed-bytes" not in repr(stored) and "sealed-bytes" not in str(stored)
    view = ExportSettingsView.of(stored)
    assert view.secret_set is True and view.target == "s3"
    assert "sealed" not in view.model_dump_json()
    assert ExportSettingsView.of(target(secret_access_key_sealed=None)).secret_set is False


def test_an_update_hides_its_plain_secret() -> None:
    update = ExportSettingsUpdate(bucket="acme-logs", access_key_id="AKIAEXAMPLE", secret_access_key="very-secret")
    assert "very-secret" not in repr(update) and "very-secret" not in update.model_dump_json()
    assert update.secret_access_key is not None and update.secret_access_key.get_secret_value() == "very-secret"


def test_defaults_without_a_target() -> None:
    view = ExportSettingsView.of(None)
    assert (view.enabled, view.target, view.bucket, view.secret_set, view.updated_at) == (True, "default", None, False, None)
    assert target(bucket=None).kind == "default"


def test_target_event_round_trip_and_state() -> None:
    event = config_event(EXPORT_TARGET_UPSERTED, "org-a", ExportTargetUpserted(actor="user-1", target=target()))
    keys = [key for key, _ in config_records(event)]
    assert keys == ["export_target/org-a", f"audit/{event.event_id}"]  # an admin action: audited
    decoded = parse_config_event(event.to_bytes())
    state = ConfigState().apply(decoded)
    assert state.export_target("org-a") == target()
    assert state.export_target("org-b") is None


def test_alert_events_replace_the_orgs_alert_and_are_not_audited() -> None:
    opened = config_event(EXPORT_ALERT_UPSERTED, "org-a", ExportAlertUpserted(actor="system", alert=alert()))
    assert [key for key, _ in config_records(opened)] == ["export_alert/org-a"]
    resolved_alert = alert(resolved_at=NOW, held_events=0)
    resolved = config_event(EXPORT_ALERT_UPSERTED, "org-a", ExportAlertUpserted(actor="system", alert=resolved_alert))
    state = ConfigState().apply(parse_config_event(opened.to_bytes()))
    assert state.export_alerts("org-a") == [alert()]
    state = state.apply(resolved)
    assert state.export_alerts("org-a") == [resolved_alert]
    assert state.export_alerts("org-b") == [] and state.history == ()
    assert ExportAlertView.of(resolved_alert).open is False and ExportAlertView.of(alert()).open is True


def test_alert_reasons_are_the_contracts() -> None:
    with pytest.raises(ValidationError):
        alert(reason="disk_on_fire")

"""Export alerts and their emails (streams/archiver/alerts.py, mail.py), target health
(writes.py) — the pure decisions, on the small config world of tests/unit/streams/conftest.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.export import EXPORT_TARGET_UPSERTED, ExportTarget, ExportTargetUpserted
from schemas.config_events import config_event
from streams.archiver.alerts import alert_event, decide_alert, open_alert
from streams.archiver.mail import admin_emails, alert_email
from streams.archiver.writes import OrgHealth, export_enabled

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def failing(reason: str = "no_such_bucket") -> OrgHealth:
    health = OrgHealth()
    assert health.failed(reason, "NoSuchBucket: the bucket does not exist", NOW.timestamp(), 100.0, 30)
    return health


def test_backoff_grows_and_is_capped_and_success_ends_the_streak() -> None:
    health = OrgHealth()
    assert health.may_try(0)
    assert health.failed("bad_credentials", "m", 1.0, 100.0, retry_max_s=5) is True
    assert not health.may_try(100.4) and health.may_try(100.5)
    waits = []
    for _ in range(6):
        assert health.failed("bad_credentials", "m", 1.0, 100.0, retry_max_s=5) is False
        waits.append(health.retry_at - 100.0)
    assert waits == sorted(waits) and waits[-1] == 5
    assert health.failing and health.failing_since == 1.0
    assert health.succeeded() is True and not health.failing and health.may_try(0)
    assert health.succeeded() is False


def test_a_failure_opens_one_alert_then_updates_it_then_success_resolves_it(world) -> None:
    state = world.state
    decision = decide_alert(state, "org-a", failing(), 120, NOW, update_every_s=30)
    assert decision is not None and decision.opened
    assert decision.alert.reason == "no_such_bucket" and decision.alert.held_events == 120
    assert decision.alert.resolved_at is None and decision.alert.since == NOW
    state = world.run([alert_event(decision.alert)])
    assert open_alert(state, "org-a") == decision.alert

    # while open: no new opening (no second email); updates at most every 30 s
    assert decide_alert(state, "org-a", failing(), 150, NOW + timedelta(seconds=10), 30) is None
    later = decide_alert(state, "org-a", failing(), 400, NOW + timedelta(seconds=31), 30)
    assert later is not None and not later.opened and later.alert.held_events == 400
    assert later.alert.since == NOW
    changed = decide_alert(state, "org-a", failing("bad_credentials"), 150, NOW + timedelta(seconds=5), 30)
    assert changed is not None and not changed.opened and changed.alert.reason == "bad_credentials"

    resolved = decide_alert(state, "org-a", OrgHealth(), 0, NOW + timedelta(minutes=5), 30)
    assert resolved is not None and resolved.alert.resolved_at == NOW + timedelta(minutes=5)
    state = world.run([alert_event(resolved.alert)])
    assert open_alert(state, "org-a") is None
    assert decide_alert(state, "org-a", OrgHealth(), 0, NOW, 30) is None  # nothing to resolve
    # a new failure after the resolution is a new opening
    again = decide_alert(state, "org-a", failing(), 1, NOW + timedelta(minutes=6), 30)
    assert again is not None and again.opened
    assert open_alert(state, "org-b") is None


def test_the_email_goes_to_the_admins_only_and_carries_no_secret(world) -> None:
    assert admin_emails(world.state, "org-a") == ["admin@a.example.com"]
    email = alert_email(world.state, "org-a", "bad_credentials", "InvalidAccessKeyId: rejected", NOW, 42, "guard@x.test")
    assert email is not None
    assert email["To"] == "admin@a.example.com" and email["From"] == "guard@x.test"
    assert "Org A" in email["Subject"] and "bad_credentials" in email["Subject"]
    body = email.get_content()
    assert "42 events" in body and "2026-03-01 12:00:00 UTC" in body and "Test authentication" in body
    assert alert_email(world.state, "org-unknown", "bad_credentials", "m", NOW, 1, "g@x.test") is None


def test_export_is_on_by_default_and_off_when_the_target_says_so(world) -> None:
    assert export_enabled(world.state, "org-a")
    target = ExportTarget(org_id="org-a", enabled=False, updated_at=NOW)
    state = world.run([config_event(EXPORT_TARGET_UPSERTED, "org-a", ExportTargetUpserted(actor="system", target=target))])
    assert not export_enabled(state, "org-a") and export_enabled(state, "org-b")


def test_local_writes_replace_the_object_whole_and_leave_no_temp_files(tmp_path, world) -> None:
    from schemas.environment import GuardEnvironment
    from streams.archiver.chunks import PlannedObject
    from streams.archiver.lines import decode_record
    from streams.archiver.writes import ObjectStore, object_bytes
    from tests.unit.streams.archiver.test_chunks import envelope

    occurred = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
    records = tuple(decode_record(i, 0, envelope("org-a", occurred, "project-a")) for i in range(3))
    obj = PlannedObject("org-a", "2026/03/01/10/2026-03-01T10:05:00+00:00.jsonl", records)
    settings = GuardEnvironment(archive_url=str(tmp_path / "archive"))
    store = ObjectStore(settings)
    location = store.location(world.state, "org-a")  # no target set: the default one, under <org_id>/
    assert location is store.location(world.state, "org-a") and location.kind == "default"
    data = object_bytes(obj, world.state)
    assert data.count(b"\n") == 3 and b'"project_name":"app"' in data
    path = store.write(location, obj, data)
    store.write(location, obj, data)  # the idempotent overwrite
    assert path == str(tmp_path / "archive" / "org-a" / obj.key)
    assert (tmp_path / "archive" / "org-a" / obj.key).read_bytes() == data
    assert [p.name for p in (tmp_path / "archive").rglob("*") if p.is_file()] == [obj.key.rsplit("/", 1)[1]]

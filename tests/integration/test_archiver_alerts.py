"""Credentials going bad (issue 6 item 4): one org's bucket is gone while another's works. The
archiver keeps the broken org's events (its offsets are not committed past them) while the
other org's keep flowing, records an `ExportAlert` on guard.config, and emails the org's admins
once through a real SMTP server (aiosmtpd on loopback). Once the bucket exists again every
held event arrives exactly once and the alert is resolved."""

from __future__ import annotations

import asyncio
import signal
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from deploy.ports import free_port
from tests.integration.test_archiver_exactly_once import (
    archiver_env,
    commit_lag,
    create_screened_topic,
    event_ids,
    fully_consumed,
    produce_gradually,
    read_objects_boto3,
    s3_client,
    s3_target,
    set_target,
    start_archiver,
    traffic,
    wait_until,
)

pytestmark = pytest.mark.integration


class Mailbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802 - aiosmtpd's hook
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def test_a_bucket_gone_alerts_and_holds_its_events_until_it_is_back(
    guard_ready, config_writer, seed_org, s3_endpoint: str, tmp_path: Path
) -> None:
    bootstrap, _ = guard_ready
    run = uuid.uuid4().hex[:8]
    topic, group = f"guard.screened.al-{run}", f"guard.archiver.al-{run}"
    good_bucket, gone_bucket = f"good-{run}", f"gone-{run}"
    asyncio.run(create_screened_topic(bootstrap, topic))
    s3 = s3_client(s3_endpoint)
    s3.create_bucket(Bucket=good_bucket)
    broken, healthy = seed_org(), seed_org()
    set_target(config_writer, s3_target(broken.org_id, s3_endpoint, gone_bucket, "guard"))
    set_target(config_writer, s3_target(healthy.org_id, s3_endpoint, good_bucket, "guard"))

    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = archiver_env(bootstrap, topic, group, GUARD_SMTP_HOST="127.0.0.1", GUARD_SMTP_PORT=str(smtp.port),
                       GUARD_SMTP_FROM="alerts@guard.test", GUARD_ARCHIVE_RETRY_MAX_S="1",
                       GUARD_ARCHIVE_ALERT_UPDATE_S="1")
    batches, expected = traffic({broken.org_id: broken.project_id, healthy.org_id: healthy.project_id}, 400, batches=4, seed=9)
    archiver = start_archiver(env, tmp_path / "archiver.log")
    try:
        produce_gradually(bootstrap, topic, batches, pause_s=1.0).join()

        # the healthy org's events all arrive while the broken org's are held
        wait_until(lambda: set(event_ids(read_objects_boto3(s3_endpoint, good_bucket, "guard"))) == expected[healthy.org_id],
                   90, "the healthy org's events")

        def alert_open() -> bool:
            alerts = config_writer.sync().export_alerts(broken.org_id)
            return bool(alerts) and alerts[0].resolved_at is None and alerts[0].held_events > 0

        wait_until(alert_open, 60, "an open export alert")
        alert = config_writer.sync().export_alerts(broken.org_id)[0]
        assert alert.reason == "no_such_bucket", alert
        assert "testing" not in alert.message  # no credentials in the alert
        assert config_writer.sync().export_alerts(healthy.org_id) == []
        lag = asyncio.run(commit_lag(bootstrap, topic, group))
        assert all(lag.values()), f"offsets were committed past held events: {lag}"
        wait_until(lambda: bool(mailbox.messages), 30, "the alert email")
        recipients, body = mailbox.messages[0]
        assert recipients == [broken.emails["admin"]]
        assert "no_such_bucket" in body and broken.org_id in body and "testing" not in body

        # the bucket is back: everything held arrives, exactly once, and the alert resolves
        s3.create_bucket(Bucket=gone_bucket)
        wait_until(lambda: asyncio.run(fully_consumed(bootstrap, topic, group)), 90, "the held events to be committed")
        ids = event_ids(read_objects_boto3(s3_endpoint, gone_bucket, "guard"))
        assert set(ids) == expected[broken.org_id] and max(ids.values()) == 1
        healthy_ids = event_ids(read_objects_boto3(s3_endpoint, good_bucket, "guard"))
        assert set(healthy_ids) == expected[healthy.org_id] and max(healthy_ids.values()) == 1
        wait_until(lambda: config_writer.sync().export_alerts(broken.org_id)[0].resolved_at is not None, 30,
                   "the alert to resolve")
        assert len(mailbox.messages) == 1, "one email per opening, not per retry"
    finally:
        archiver.send_signal(signal.SIGTERM)
        archiver.wait(30)
        smtp.stop()

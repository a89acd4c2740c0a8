"""The `screen` agent on the real pipeline: prompt logging off leaves no content anywhere past it."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from deploy.topics import SCREENED_TOPIC
from projections.clickhouse import connect
from schemas.config_api import SettingsUpdate
from streams.config.commands import organization
from tests.integration.kafka_reading import read_topic
from tests.integration.polling import wait_for

pytestmark = pytest.mark.integration


def clickhouse_rows(url: str, marker: str) -> int:
    client = connect(url)
    return client.query(
        "SELECT count() FROM guard.screenings WHERE metadata['run'] = {run:String}", parameters={"run": marker}
    ).result_rows[0][0]


def test_prompt_logging_off_leaves_no_content_in_screened_or_clickhouse(running_stack, seed_org, config_writer) -> None:
    import httpx

    org = seed_org()
    config_writer.execute(
        lambda state: organization.update_settings(state, "test", org.org_id, SettingsUpdate(prompt_logging=False))
    )
    run = uuid.uuid4().hex[:10]
    secrets = [f"zebra{run}", f"quokka{run}@example.com", "4111 1111 1111 1111"]
    ingest = httpx.Client(base_url=running_stack.creds.ingest_url, headers={"Authorization": f"Bearer {org.key_secret}"})
    body = {
        "messages": [
            {"role": "user", "content": f"The word is {secrets[0]}; mail {secrets[1]}, card {secrets[2]}"},
            {"role": "assistant", "content": f"Noted {secrets[0]}."},
        ],
        "project_id": org.project_id,
        "metadata": {"run": run},
    }
    for _ in range(5):
        assert ingest.post("/v1/screenings", json=body).status_code == 202
    assert ingest.post("/v2/guard", json={**body, "metadata": {"run": run}}).status_code == 200

    assert wait_for(lambda: clickhouse_rows(running_stack.clickhouse_url, run) >= 6), "screenings never arrived"
    screened = asyncio.run(read_topic(running_stack.stack.bootstrap, SCREENED_TOPIC, run.encode()))
    assert len(screened) == 6
    dump = connect(running_stack.clickhouse_url).raw_query(
        "SELECT * FROM guard.screenings WHERE org_id = {org:String} FORMAT JSONEachRow", parameters={"org": org.org_id}
    ).decode()
    assert dump.count(run) == 6  # the org's rows, and only them, are scanned
    for secret in secrets + ["The word is", "Noted", "<EMAIL>"]:
        assert not any(secret.encode() in record for record in screened), f"{secret!r} in guard.screened"
        assert secret not in dump, f"{secret!r} in ClickHouse"
    assert all(b'"content_logged":false' in record for record in screened)

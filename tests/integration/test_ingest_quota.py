"""Monthly quota on the real broker with two ingest processes sharing the load: the
community org's 10,001st screening gets 429, nothing past the quota reaches Kafka, and a
restarted ingest process counts the month the same way."""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from deploy.ports import free_port
from deploy.processes import ServiceProcess
from deploy.topics import SCREENINGS_TOPIC
from schemas.config import ApiKey, Organization, Project, api_key_sha256
from schemas.config_events import (
    API_KEY_CREATED,
    ORGANIZATION_UPSERTED,
    PROJECT_UPSERTED,
    ApiKeyUpserted,
    OrganizationUpserted,
    ProjectUpserted,
    config_event,
)
from streams.config.log import ConfigLog
from streams.config.replica import ConfigReplica
from tests.integration.kafka_reading import read_topic

pytestmark = pytest.mark.integration

QUOTA = 10_000


async def create_community_org(bootstrap: str, org_id: str, secret: str) -> None:
    now = datetime.now(UTC)
    replica = ConfigReplica(bootstrap)
    await replica.start()
    config_log = ConfigLog(bootstrap, replica)
    await config_log.start()
    try:
        await config_log.append(
            [
                config_event(ORGANIZATION_UPSERTED, org_id, OrganizationUpserted(
                    actor="test", organization=Organization(id=org_id, name=org_id, plan="community", monthly_quota=QUOTA, created_at=now))),
                config_event(PROJECT_UPSERTED, org_id, ProjectUpserted(
                    actor="test", project=Project(id=f"{org_id}-p", org_id=org_id, name="quota", created_at=now))),
                config_event(API_KEY_CREATED, org_id, ApiKeyUpserted(actor="test", api_key=ApiKey(
                    id=f"{org_id}-key", org_id=org_id, name="quota", prefix=secret[:7], sha256=api_key_sha256(secret),
                    created_by="test", created_at=now))),
            ]
        )
    finally:
        await config_log.stop()
        await replica.stop()


def start_ingest(bootstrap: str, data_dir: Path) -> tuple[ServiceProcess, str]:
    port = free_port()
    env = dict(os.environ, GUARD_KAFKA_BOOTSTRAP=bootstrap, GUARD_DATA_DIR=str(data_dir), GUARD_INGEST_PORT=str(port))
    service = ServiceProcess(f"ingest-{port}", [sys.executable, "-m", "deploy.cli", "serve", "ingest"], env)
    service.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert service.exit_code() is None, "ingest exited"
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return service, url
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError("ingest did not start")


@pytest.fixture
def two_ingests(guard_ready: tuple[str, str], tmp_path: Path) -> Iterator[tuple[str, list[ServiceProcess], list[str]]]:
    bootstrap, _ = guard_ready
    services, urls = [], []
    try:
        for _ in range(2):
            service, url = start_ingest(bootstrap, tmp_path)
            services.append(service)
            urls.append(url)
        yield bootstrap, services, urls
    finally:
        for service in services:
            service.stop()


def test_the_10001st_screening_of_a_community_org_is_refused(two_ingests, tmp_path: Path) -> None:
    bootstrap, services, urls = two_ingests
    org_id, secret = f"org-quota-{uuid.uuid4().hex[:8]}", "gs_" + uuid.uuid4().hex
    asyncio.run(create_community_org(bootstrap, org_id, secret))
    headers = {"Authorization": f"Bearer {secret}"}
    batch = {"screenings": [{"messages": [{"role": "user", "content": "hello"}], "project_id": f"{org_id}-p"}] * 100}

    async def fill() -> list[int]:
        async with httpx.AsyncClient(headers=headers, timeout=60) as client:
            limit = asyncio.Semaphore(8)

            async def post(i: int) -> int:
                async with limit:
                    return (await client.post(urls[i % 2] + "/v1/screenings/batch", json=batch)).status_code

            # 101 batches of 100 race through both processes: exactly 100 fit in the month.
            return await asyncio.gather(*(post(i) for i in range(101)))

    statuses = asyncio.run(fill())
    assert statuses.count(202) == 100 and statuses.count(429) == 1, statuses

    single = {"messages": [{"role": "user", "content": "one more"}], "project_id": f"{org_id}-p"}
    for url in urls:
        refused = httpx.post(url + "/v1/screenings", json=single, headers=headers)
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"]["code"] == "quota_exceeded"
        assert 0 < int(refused.headers["Retry-After"]) <= 31 * 24 * 3600

    services[0].stop()  # a restarted process re-counts the month from guard.quota
    restarted, url = start_ingest(bootstrap, tmp_path)
    services[0] = restarted
    assert httpx.post(url + "/v1/screenings", json=single, headers=headers).status_code == 429

    written = asyncio.run(read_topic(bootstrap, SCREENINGS_TOPIC, f'"org_id":"{org_id}"'.encode()))
    assert len(written) == QUOTA

"""Session fixtures: the real components on free loopback ports in temp dirs.

Kafka (a KRaft broker from Maven Central jars, or GUARD_KAFKA_BOOTSTRAP), the embedded
ClickHouse endpoint (or GUARD_CLICKHOUSE_URL), moto's standalone S3 server, and the
guardstream services themselves as real processes. Nothing here is a mock.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from deploy.clickhouse_endpoint import ClickHouseEndpoint
from deploy.kafka_broker import KafkaBroker
from deploy.ports import free_port
from deploy.supervisor import Stack
from deploy.topics import ensure_topics
from projections.clickhouse import connect
from projections.migrate import migrate
from schemas.bootstrap import BootstrapCredentials
from schemas.environment import GuardEnvironment


def external_or_started(variable: str, start: Callable[[], str], stop: Callable[[], None]) -> Iterator[str]:
    """The service named by an environment variable, else one started for this session."""
    external = os.environ.get(variable)
    if external:
        yield external
        return
    try:
        yield start()
    finally:
        stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    broker = KafkaBroker(tmp_path_factory.mktemp("kafka"))
    yield from external_or_started("GUARD_KAFKA_BOOTSTRAP", broker.start, broker.stop)


@pytest.fixture(scope="session")
def clickhouse_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    endpoint = ClickHouseEndpoint(tmp_path_factory.mktemp("clickhouse"))
    yield from external_or_started("GUARD_CLICKHOUSE_URL", endpoint.start, endpoint.stop)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's standalone S3 server on loopback, as s3fs's own test suite uses it."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def guard_ready(kafka_bootstrap: str, clickhouse_url: str) -> tuple[str, str]:
    """Topics created and migrations applied, as `guardstream up` does."""
    asyncio.run(ensure_topics(kafka_bootstrap))
    migrate(connect(clickhouse_url))
    return kafka_bootstrap, clickhouse_url


class RunningStack:
    def __init__(self, stack: Stack, creds: BootstrapCredentials, clickhouse_url: str) -> None:
        self.stack = stack
        self.creds = creds
        self.clickhouse_url = clickhouse_url
        self.ingest = httpx.Client(
            base_url=creds.ingest_url, headers={"Authorization": f"Bearer {creds.api_key}"}, timeout=30
        )
        login = httpx.post(
            creds.query_url + "/v1/auth/login",
            json={"email": creds.admin_email, "password": creds.admin_password},
            timeout=10,
        )
        login.raise_for_status()
        self.query = httpx.Client(
            base_url=creds.query_url,
            headers={"Authorization": f"Bearer {login.json()['token']}"},
            timeout=30,
        )


@pytest.fixture(scope="session")
def running_stack(guard_ready: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """ingest, the Faust worker, the projection writer and the query API as real processes,
    supervised by the same `Stack` that `guardstream up` uses, on the session's Kafka and ClickHouse."""
    bootstrap, clickhouse_url = guard_ready
    data_dir: Path = tmp_path_factory.mktemp("stack")
    env = GuardEnvironment(
        kafka_bootstrap=bootstrap, clickhouse_url=clickhouse_url, data_dir=data_dir, secret_key="test-secret"
    )
    stack = Stack(env, ingest_port=free_port(), query_port=free_port())
    try:
        creds = stack.start()
        yield RunningStack(stack, creds, clickhouse_url)
    finally:
        stack.stop()

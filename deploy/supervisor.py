"""`guardstream up`: the whole stack under one supervisor.

Starts Kafka and the ClickHouse endpoint unless the environment names external ones,
applies migrations, creates topics, bootstraps the config (deploy/bootstrap.py) and writes
credentials.json, then runs ingest, the Faust worker, the projection writer, the SIEM
archiver and the query API as children with prefixed output. On Ctrl-C or SIGTERM it stops
them in data-flow order — ingest first, so nothing new is acknowledged, then the consumers, which commit
what they finished — and the infrastructure last. Every child is tied to our lifetime by PR_SET_PDEATHSIG.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
import time
from pathlib import Path

import httpx
import structlog

from deploy.bootstrap import bootstrap_config
from deploy.clickhouse_endpoint import ClickHouseEndpoint
from deploy.kafka_broker import KafkaBroker
from deploy.ports import port_is_free
from deploy.processes import ServiceProcess
from deploy.topics import ensure_topics
from projections.clickhouse import connect
from projections.migrate import migrate
from schemas.bootstrap import BootstrapCredentials
from schemas.environment import GuardEnvironment

log = structlog.get_logger(__name__)

SERVICES = ("ingest", "worker", "writer", "archiver", "query-api")


class StackError(RuntimeError):
    """A start-up failure with a message meant for the operator, in one line."""


def persistent_secret(data_dir: Path) -> str:
    """GUARD_SECRET_KEY's embedded default: generated once, kept owner-only in the data dir."""
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Stack:
    def __init__(self, env: GuardEnvironment, ingest_port: int = 8080, query_port: int = 8000) -> None:
        self.env = env
        self.data_dir = env.data_dir.resolve()
        self.ingest_port = ingest_port
        self.query_port = query_port
        self.kafka: KafkaBroker | None = None
        self.clickhouse: ClickHouseEndpoint | None = None
        self.services: list[ServiceProcess] = []
        self.credentials: BootstrapCredentials | None = None
        self.bootstrap: str | None = None

    def start(self) -> BootstrapCredentials:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for port in (self.ingest_port, self.query_port):
            if not port_is_free("127.0.0.1", port):
                raise StackError(f"port {port} is in use; pick another with --ingest-port/--query-port")
        bootstrap = self.bootstrap = self.env.kafka_bootstrap or self._start_kafka()
        clickhouse_url = self.env.clickhouse_url or self._start_clickhouse()
        migrate(connect(clickhouse_url))
        asyncio.run(ensure_topics(bootstrap))
        self.credentials = self._bootstrap_config(bootstrap)
        child_env = self._child_env(bootstrap, clickhouse_url)
        for name in SERVICES:
            service = ServiceProcess(name, [sys.executable, "-m", "deploy.cli", "serve", name], child_env)
            service.start()
            self.services.append(service)
        self._wait_healthy()
        return self.credentials

    def _start_kafka(self) -> str:
        log.info("starting_kafka", data_dir=str(self.data_dir / "kafka"))
        self.kafka = KafkaBroker(self.data_dir / "kafka", log_file=self.data_dir / "kafka.log")
        return self.kafka.start()

    def _start_clickhouse(self) -> str:
        log.info("starting_clickhouse_endpoint", data_dir=str(self.data_dir / "clickhouse"))
        # Its per-query access log would drown the services' output: it goes to a file.
        self.clickhouse = ClickHouseEndpoint(self.data_dir / "clickhouse", log_file=self.data_dir / "clickhouse.log")
        return self.clickhouse.start()

    def _bootstrap_config(self, bootstrap: str) -> BootstrapCredentials:
        """The first org, admin, policy, projects and API key as config events (only what is
        missing), then credentials.json: see deploy/bootstrap.py."""
        ingest_url = f"http://127.0.0.1:{self.ingest_port}"
        query_url = f"http://127.0.0.1:{self.query_port}"
        path = self.env.credentials_path.resolve()
        return asyncio.run(bootstrap_config(bootstrap, path, ingest_url, query_url))

    def _child_env(self, bootstrap: str, clickhouse_url: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            GUARD_KAFKA_BOOTSTRAP=bootstrap,
            GUARD_CLICKHOUSE_URL=clickhouse_url,
            GUARD_DATA_DIR=str(self.data_dir),
            GUARD_SECRET_KEY=self.env.secret_key or persistent_secret(self.data_dir),
            GUARD_INGEST_PORT=str(self.ingest_port),
            GUARD_QUERY_PORT=str(self.query_port),
            GUARD_INGEST_URL=f"http://127.0.0.1:{self.ingest_port}",  # the Playground screens through it
        )
        env.setdefault("GUARD_ARCHIVE_URL", str(self.data_dir / "archive"))
        return env

    def _wait_healthy(self, timeout: float = 120) -> None:
        assert self.credentials is not None
        urls = [self.credentials.ingest_url + "/healthz", self.credentials.query_url + "/healthz"]
        deadline = time.monotonic() + timeout
        while urls:
            self.check_children()
            if time.monotonic() > deadline:
                raise StackError(f"services not healthy after {timeout:.0f}s: {', '.join(urls)}")
            try:
                if httpx.get(urls[0], timeout=1).status_code == 200:
                    urls.pop(0)
                    continue
            except httpx.HTTPError:
                pass
            time.sleep(0.3)

    def check_children(self) -> None:
        for service in self.services:
            code = service.exit_code()
            if code is not None:
                raise StackError(f"service `{service.name}` exited with code {code}; see its output above")

    def stop(self) -> None:
        for service in self.services:  # data-flow order: ingest stops accepting first
            service.stop()
        if self.clickhouse is not None:
            self.clickhouse.stop()
        if self.kafka is not None:
            self.kafka.stop()


def run_stack(env: GuardEnvironment, demo: bool, ingest_port: int, query_port: int) -> int:
    """Run until Ctrl-C/SIGTERM; returns the exit code."""
    stack = Stack(env, ingest_port, query_port)
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    demo_thread = None
    try:
        creds = stack.start()
        print_welcome(creds, env.credentials_path.resolve())
        if demo:
            from deploy.demo_traffic import start_demo_thread

            demo_thread = start_demo_thread(creds)
        while True:
            stack.check_children()
            time.sleep(0.5)
    except KeyboardInterrupt:
        log.info("stopping_stack", signal="SIGTERM" if stopping else "SIGINT")
        return 0
    except StackError as exc:
        log.error("stack_failed", reason=str(exc))
        return 1
    finally:
        if demo_thread is not None:
            demo_thread.stop()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the shutdown short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stack.stop()
        log.info("stack_stopped")


def print_welcome(creds: BootstrapCredentials, credentials_path: Path) -> None:
    print(
        "\nguardstream is running\n"
        f"  ingest     {creds.ingest_url}   (POST /v1/screenings, Bearer {creds.api_key[:7]}…)\n"
        f"  dashboard  {creds.query_url}/   (log in as {creds.admin_email}; password in the secrets file)\n"
        f"  query API  {creds.query_url}   (OpenAPI docs at {creds.query_url}/docs)\n"
        f"  secrets    {credentials_path}  (API key, project, admin password)\n"
        f"  SIEM logs  {credentials_path.parent / 'archive'}/<org>/YYYY/MM/DD/hh/*.jsonl (unless GUARD_ARCHIVE_URL)\n"
        "  Ctrl-C stops everything; state stays in the data dir for the next run.\n",
        flush=True,
    )

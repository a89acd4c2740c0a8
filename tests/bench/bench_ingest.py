"""Ingest throughput: `POST /v1/screenings/batch` (1 KB screenings, 100 per batch, several
concurrent clients) against the raw aiokafka producer writing the same records to the same
broker with the same guarantees (acks=all, idempotent), in one run.

    make bench            # or: .venv/bin/python -m tests.bench ingest
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx
from aiokafka import AIOKafkaProducer

from deploy.bootstrap import bootstrap_config
from deploy.kafka_broker import KafkaBroker
from deploy.ports import free_port
from deploy.processes import ServiceProcess
from deploy.topics import SCREENINGS_TOPIC, ensure_topics
from ingest.app import build_received
from schemas.api import ScreeningBatchRequest, ScreeningRequest
from schemas.bootstrap import BootstrapCredentials
from tests.bench.report import machine_line, write_section

CLIENTS = 4
BATCH = 100
WARMUP_S = 3.0
MEASURE_S = 20.0
FILLER = "Please review the attached onboarding checklist and tell me which steps still need sign-off. "


def one_kb_screening(i: int) -> ScreeningRequest:
    content = (f"Request {i}: " + FILLER * 12)[:900]
    return ScreeningRequest.model_validate(
        {
            "messages": [{"role": "user", "content": content}],
            "project_id": "project-demo",
            "metadata": {"user_id": f"u-{i % 97}", "session": f"s-{i % 13}"},
            "latency_ms": 42.0,
            "region": "eu-west-1",
        }
    )


SCREENINGS = [one_kb_screening(i) for i in range(BATCH)]


async def timed_clients(send_batch) -> float:
    """Events/s over MEASURE_S after WARMUP_S, with CLIENTS concurrent senders of BATCH each."""
    counted = 0
    measuring = False

    async def client() -> None:
        nonlocal counted
        while not stop.is_set():
            await send_batch()
            if measuring:
                counted += BATCH

    stop = asyncio.Event()
    tasks = [asyncio.create_task(client()) for _ in range(CLIENTS)]
    await asyncio.sleep(WARMUP_S)
    measuring, started = True, time.perf_counter()
    await asyncio.sleep(MEASURE_S)
    measuring = False
    elapsed = time.perf_counter() - started
    stop.set()
    await asyncio.gather(*tasks)
    return counted / elapsed


async def raw_producer_rate(bootstrap: str) -> float:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5,
        max_batch_size=1_048_576, max_request_size=4_194_304,
    )
    await producer.start()

    async def send_batch() -> None:
        envelopes = [build_received(s, "org-bench") for s in SCREENINGS]
        futures = [
            await producer.send(SCREENINGS_TOPIC, value=e.to_bytes(), key=e.event_id.encode()) for e in envelopes
        ]
        await asyncio.gather(*futures)

    try:
        return await timed_clients(send_batch)
    finally:
        await producer.stop()


async def ingest_rate(creds: BootstrapCredentials) -> float:
    body = ScreeningBatchRequest(screenings=SCREENINGS).model_dump_json(exclude_none=True).encode()
    headers = {"Authorization": f"Bearer {creds.api_key}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=creds.ingest_url, headers=headers, timeout=30) as client:

        async def send_batch() -> None:
            response = await client.post("/v1/screenings/batch", content=body)
            response.raise_for_status()

        return await timed_clients(send_batch)


def start_ingest(bootstrap: str, data_dir: Path) -> tuple[ServiceProcess, BootstrapCredentials]:
    port = free_port()
    # The enterprise bootstrap org has no monthly quota, so the benchmark measures the write path.
    creds = asyncio.run(
        bootstrap_config(bootstrap, data_dir / "credentials.json", f"http://127.0.0.1:{port}", "http://127.0.0.1:0")
    )
    env = dict(os.environ, GUARD_KAFKA_BOOTSTRAP=bootstrap, GUARD_DATA_DIR=str(data_dir), GUARD_INGEST_PORT=str(port))
    service = ServiceProcess("ingest", [sys.executable, "-m", "deploy.cli", "serve", "ingest"], env)
    service.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(creds.ingest_url + "/healthz", timeout=1).status_code == 200:
                return service, creds
        except httpx.HTTPError:
            time.sleep(0.3)
    service.stop()
    raise RuntimeError("ingest did not start")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="guard-bench-") as tmp:
        broker = KafkaBroker(Path(tmp) / "kafka")
        bootstrap = broker.start()
        service = None
        try:
            asyncio.run(ensure_topics(bootstrap))
            service, creds = start_ingest(bootstrap, Path(tmp))
            raw = asyncio.run(raw_producer_rate(bootstrap))
            ingest = asyncio.run(ingest_rate(creds))
        finally:
            if service is not None:
                service.stop()
            broker.stop()
    record_size = len(build_received(SCREENINGS[0], "org-bench").to_bytes())
    body = f"""## Ingest throughput

`make bench` → `python -m tests.bench ingest` · {machine_line()}

Local single-node Kafka 3.9 (KRaft) broker, `guard.screenings` with 12 partitions; {CLIENTS}
concurrent clients each sending batches of {BATCH} screenings of ~1 KB ({record_size} B per
envelope), {WARMUP_S:.0f} s warm-up then {MEASURE_S:.0f} s measured. Both paths use acks=all and an
idempotent producer; the client, one ingest process and the broker share the 2 cores.

| path | events/s |
| --- | ---: |
| raw aiokafka producer (baseline) | {raw:,.0f} |
| `POST /v1/screenings/batch` (auth, validation, envelope, produce, wait for acks) | {ingest:,.0f} |
| ratio ingest / raw | {ingest / raw:.2f} |
"""
    write_section("ingest", body)
    print(body)

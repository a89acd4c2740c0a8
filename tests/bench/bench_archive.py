"""SIEM archive throughput and end-of-hour completion delay (streams/archiver).

    make bench            # or: .venv/bin/python -m tests.bench archive

1. **Throughput**: a 12-partition screened topic holding EVENTS realistic events spread over
   30 minutes of (record) time; the archiver — the real service class, in this process, with
   its Kafka consumer, config replica and exactly-once commits — archives all of it into a
   local directory, then into moto's S3 server. Events/s from start to the last commit.
2. **End-of-hour delay**: live traffic across an hour boundary. The topic uses CreateTime and the
   records are stamped, like the archiver's clock, with the wall clock shifted so that the hour
   ends ~20 s into the run (the only artifice: nobody waits for a real hour to end). Traffic stops
   at the hour; measured is when the hour's last object of every partition is written, counted
   from the end of the hour, with the default window (60 s) and grace (20 s).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from deploy.kafka_broker import KafkaBroker
from deploy.ports import free_port
from deploy.topics import ensure_topics
from projections.screened_log import topic_partitions
from schemas.config_events import config_event
from schemas.envelope import utc_now
from schemas.export import EXPORT_TARGET_UPSERTED, ExportTarget, ExportTargetUpserted
from schemas.sealed_secret import seal
from streams.archiver.layout import HOUR_MS, KEY_PATTERN
from streams.archiver.service import Archiver
from streams.archiver.settings import ArchiverSettings
from streams.config import ConfigLog, ConfigReplica
from tests.bench.report import machine_line, write_section
from tests.integration.screened_traffic import screened_events

EVENTS = int(os.environ.get("GUARD_BENCH_ARCHIVE_EVENTS", "100000"))
PARTITIONS = 12
SPAN = timedelta(minutes=30)
SECRET_KEY = "bench-secret"
ORG_LOCAL, ORG_S3 = "org-bench-local", "org-bench-s3"


async def create_topic(bootstrap: str, name: str, configs: dict[str, str] | None = None) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, PARTITIONS, 1, topic_configs=configs or {})])
        while True:
            described = await admin.describe_topics([name])
            if described[0]["partitions"] and all(p["leader"] >= 0 for p in described[0]["partitions"]):
                return
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


async def produce_stamped(bootstrap: str, topic: str, records: list[tuple[bytes, bytes, int]]) -> None:
    """(key, value, timestamp ms) records, CreateTime as given."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_batch_size=1_048_576,
                                max_request_size=8_388_608)
    await producer.start()
    try:
        futures = [await producer.send(topic, value=v, key=k, timestamp_ms=ts) for k, v, ts in records]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def fill(bootstrap: str, topic: str, org_id: str) -> int:
    """EVENTS events over SPAN of record time ending 5 minutes ago; returns their bytes."""
    await create_topic(bootstrap, topic)
    end = datetime.now(UTC) - timedelta(minutes=5)
    size, chunk = 0, 50_000
    for first in range(0, EVENTS, chunk):
        count = min(chunk, EVENTS - first)
        start = end - SPAN + SPAN * first / EVENTS
        stop = end - SPAN + SPAN * (first + count) / EVENTS
        events = screened_events(count, org_id, [f"project-{i:02d}" for i in range(20)], start, stop, seed=first)
        records = [(e.event_id.encode(), e.to_bytes(), int(e.occurred_at.timestamp() * 1000) + 40) for e in events]
        size += sum(len(v) for _, v, _ in records)
        await produce_stamped(bootstrap, topic, records)
    return size


async def archive_all(settings: ArchiverSettings, topic: str) -> float:
    """Run the archiver until it committed every partition's end; events/s."""
    archiver = Archiver(settings)
    task = asyncio.create_task(archiver.run())
    started = time.perf_counter()
    ends = await end_offsets(settings.require_kafka(), topic)
    while not all(p in archiver.partitions and archiver.partitions[p].committed == end for p, end in ends.items()):
        if task.done():
            await task
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    archiver.stop()
    await task
    return EVENTS / elapsed


async def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in await topic_partitions(bootstrap, topic)]
        ends = {tp.partition: offset for tp, offset in (await consumer.end_offsets(tps)).items()}
    finally:
        await consumer.stop()
    assert len(ends) == PARTITIONS and sum(ends.values()) == EVENTS, ends
    return ends


async def set_target(bootstrap: str, target: ExportTarget) -> None:
    replica = ConfigReplica(bootstrap, keep_history=False)
    await replica.start()
    config = ConfigLog(bootstrap, replica)
    await config.start()
    try:
        await config.append([config_event(EXPORT_TARGET_UPSERTED, target.org_id, ExportTargetUpserted(actor="system", target=target))])
    finally:
        await config.stop()
        await replica.stop()


async def end_of_hour_delay(settings: ArchiverSettings, topic: str, archive: Path) -> list[float]:
    """Seconds after the (shifted) hour until each partition's last object of that hour exists."""
    await create_topic(settings.require_kafka(), topic)
    now = time.time()
    shift = (now // 3600 + 1) * 3600 - now - 20  # the shifted clock reaches the hour in 20 s
    clock = lambda: time.time() + shift  # noqa: E731
    archiver = Archiver(settings, clock=clock)
    task = asyncio.create_task(archiver.run())
    hour_end_ms = int((now + shift + 20) * 1000)
    hour_end_ms -= hour_end_ms % HOUR_MS
    last_hour = datetime.fromtimestamp((hour_end_ms - HOUR_MS) / 1000, UTC)
    folder = archive / ORG_LOCAL / last_hour.strftime("%Y/%m/%d/%H")
    written: dict[int, float] = {}
    try:
        while clock() * 1000 < hour_end_ms:  # traffic on every partition until the hour ends
            moment = datetime.fromtimestamp(clock(), UTC)
            events = screened_events(PARTITIONS * 10, ORG_LOCAL, ["project-00"], moment, moment, seed=int(clock()))
            stamp = int(clock() * 1000)
            records = [(e.event_id.encode(), e.to_bytes(), stamp) for e in events]
            await produce_stamped(settings.require_kafka(), topic, records)
            await asyncio.sleep(0.5)
        deadline = time.monotonic() + 180
        while len(written) < PARTITIONS and time.monotonic() < deadline:
            for path in folder.glob("*:59:*.jsonl") if folder.exists() else ():
                assert KEY_PATTERN.fullmatch(str(path.relative_to(archive / ORG_LOCAL)))
                written.setdefault(int(path.name[17:19]), clock() - hour_end_ms / 1000)
            await asyncio.sleep(0.2)
    finally:
        archiver.stop()
        await task
    return sorted(written.values())


def main() -> None:
    from moto.server import ThreadedMotoServer

    with tempfile.TemporaryDirectory(prefix="guard-bench-archive-") as tmp:
        broker = KafkaBroker(Path(tmp) / "kafka")
        port = free_port()
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        bootstrap = broker.start()
        moto.start()
        endpoint = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(ensure_topics(bootstrap, 1))
            archive = Path(tmp) / "archive"
            base = dict(kafka_bootstrap=bootstrap, archive_url=str(archive), data_dir=Path(tmp), secret_key=SECRET_KEY)
            size = asyncio.run(fill(bootstrap, "bench.local", ORG_LOCAL))
            local_rate = asyncio.run(archive_all(ArchiverSettings(**base, topic="bench.local", consumer_group="bench.local"), "bench.local"))
            local_objects = sum(1 for _ in archive.rglob("*.jsonl"))
            boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="k", aws_secret_access_key="s",
                         region_name="us-east-1").create_bucket(Bucket="bench")
            asyncio.run(set_target(bootstrap, ExportTarget(
                org_id=ORG_S3, endpoint_url=endpoint, region="us-east-1", bucket="bench", prefix="siem",
                access_key_id="k", secret_access_key_sealed=seal("s", SECRET_KEY), updated_at=utc_now())))
            asyncio.run(fill(bootstrap, "bench.s3", ORG_S3))
            s3_rate = asyncio.run(archive_all(ArchiverSettings(**base, topic="bench.s3", consumer_group="bench.s3"), "bench.s3"))
            delays = asyncio.run(end_of_hour_delay(ArchiverSettings(**base, topic="bench.hour", consumer_group="bench.hour"), "bench.hour", archive))
        finally:
            moto.stop()
            broker.stop()
    assert len(delays) == PARTITIONS, delays
    body = f"""## SIEM archive

`make bench` → `python -m tests.bench archive` · {machine_line()}

The archiver (streams/archiver/service.py, one process, default 60 s windows) over {EVENTS:,} realistic
screened events ({size / EVENTS:,.0f} B each, {SPAN.total_seconds() / 60:.0f} min of record time) on a 12-partition
topic of the local Kafka 3.9 broker: fetch, decode, chunk planning, one JSONL object per partition, minute and
org ({local_objects:,} objects), project enrichment, writes, and the per-partition commits — from start to
the last commit. Kafka, moto and the archiver share the 2 cores.

| measure | value | target |
| --- | ---: | ---: |
| into a local directory (the default target) | **{local_rate:,.0f} events/s** | |
| into moto's S3 server (s3fs, one PUT per object) | **{s3_rate:,.0f} events/s** | |
| end-of-hour completion delay: the hour's last object, per partition, after the hour ends | **{delays[0]:.1f}–{delays[-1]:.1f} s** | ≤ 120 s |

The end-of-hour delay is the hour's last window (its last minute plus the next hour's first, so that
events screened just after the hour still land in it) + the grace (20 s) + the write: about 80 s by design.
"""
    write_section("archive", body)
    print(body)

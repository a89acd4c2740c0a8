"""SIEM export exactly once (issue 6): screened traffic keeps arriving on a 6-partition
topic while archivers — real processes — die by SIGKILL right after an object write (before
its commit) and at random moments while two of them share the partitions (rebalances), and
are restarted. Then every object is read back with three independent clients (boto3, s3fs,
ClickHouse's s3() table function) and compared with the produced events: none missing, none
twice, every key in the seed's exact format. Finally the group is reset to the earliest offset
(a replay), then into the middle of the log: the archiver rewrites the very same objects, byte
for byte."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import boto3
import clickhouse_connect
import pytest
import s3fs
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from deploy.processes import die_with_parent_hook
from schemas.config_events import config_event
from schemas.envelope import utc_now
from schemas.export import EXPORT_TARGET_UPSERTED, ExportTarget, ExportTargetUpserted
from schemas.sealed_secret import seal
from streams.archiver.layout import KEY_PATTERN
from tests.integration.screened_traffic import create_topic, keyed, produce, screened_events

pytestmark = pytest.mark.integration

SECRET_KEY = "archiver-test-secret"
S3_KEY, S3_SECRET, REGION = "testing", "testing", "us-east-1"
PARTITIONS = 6
WINDOW_S = 10  # 6 partitions x 6 windows a minute fill the seconds field exactly
EVENTS_PER_ORG = 1500


# --- helpers shared with test_archiver_alerts.py ------------------------------------------------


async def create_screened_topic(bootstrap: str, name: str, partitions: int = PARTITIONS) -> None:
    """A screened topic configured like guard.screened (LogAppendTime)."""
    await create_topic(bootstrap, name, partitions, {"message.timestamp.type": "LogAppendTime"})


def archiver_env(bootstrap: str, topic: str, group: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUARD_")}
    env.update(
        GUARD_KAFKA_BOOTSTRAP=bootstrap,
        GUARD_SECRET_KEY=SECRET_KEY,
        GUARD_ARCHIVER_TOPIC=topic,
        GUARD_ARCHIVER_GROUP=group,
        GUARD_ARCHIVE_WINDOW_S=str(WINDOW_S),
        GUARD_ARCHIVE_GRACE_S="1",
        GUARD_ARCHIVER_SESSION_TIMEOUT_MS="6000",
        GUARD_LOG_LEVEL="INFO",
        **extra,
    )
    return env


def start_archiver(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen([sys.executable, "-m", "streams.archiver"], env=env, stdin=subprocess.DEVNULL,
                                stdout=sink, stderr=subprocess.STDOUT, preexec_fn=die_with_parent_hook())


async def commit_lag(bootstrap: str, topic: str, group: str) -> dict[int, int]:
    """Per partition, how many offsets the group's commit is behind the log end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await consumer.start()
    await admin.start()
    try:
        partitions = await topic_partitions(admin, topic)
        ends = await consumer.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
        return {tp.partition: ends[tp] - (committed[tp].offset if committed.get(tp) and committed[tp].offset >= 0 else 0)
                for tp in partitions}
    finally:
        await admin.close()
        await consumer.stop()


async def fully_consumed(bootstrap: str, topic: str, group: str) -> bool:
    """Has the group committed the end of the log of every partition?"""
    return not any((await commit_lag(bootstrap, topic, group)).values())


async def topic_partitions(admin: AIOKafkaAdminClient, topic: str) -> list[TopicPartition]:
    described = await admin.describe_topics([topic])
    partitions = [TopicPartition(topic, p["partition"]) for p in described[0]["partitions"]]
    assert len(partitions) == PARTITIONS
    return partitions


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def s3_client(endpoint: str):  # noqa: ANN201 - boto3's client type is generated
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=S3_KEY, aws_secret_access_key=S3_SECRET,
                        region_name=REGION)


def s3_target(org_id: str, endpoint: str, bucket: str, prefix: str) -> ExportTarget:
    return ExportTarget(org_id=org_id, enabled=True, endpoint_url=endpoint, region=REGION, bucket=bucket, prefix=prefix,
                        access_key_id=S3_KEY, secret_access_key_sealed=seal(S3_SECRET, SECRET_KEY), updated_at=utc_now())


def set_target(config_writer, target: ExportTarget) -> None:  # noqa: ANN001 - the conftest's ConfigWriter
    event = config_event(EXPORT_TARGET_UPSERTED, target.org_id, ExportTargetUpserted(actor="system", target=target))
    config_writer.execute(lambda _state: [event])


def read_objects_boto3(endpoint: str, bucket: str, prefix: str) -> dict[str, bytes]:
    client = s3_client(endpoint)
    objects: dict[str, bytes] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/"):
        for item in page.get("Contents", []):
            objects[item["Key"]] = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return objects


def event_ids(objects: dict[str, bytes]) -> Counter[str]:
    return Counter(json.loads(line)["event_id"] for body in objects.values() for line in body.splitlines())


def produce_gradually(bootstrap: str, topic: str, batches: list[list[tuple[bytes, bytes]]], pause_s: float) -> threading.Thread:
    def run() -> None:
        for batch in batches:
            asyncio.run(produce(bootstrap, topic, batch))
            time.sleep(pause_s)

    thread = threading.Thread(target=run, name="screened-traffic")
    thread.start()
    return thread


def traffic(orgs: dict[str, str], per_org: int, batches: int, seed: int) -> tuple[list[list[tuple[bytes, bytes]]], dict[str, set[str]]]:
    """`batches` batches of events of each org (org → project id), stamped with the time they are produced at."""
    rng = random.Random(seed)
    expected: dict[str, set[str]] = {org: set() for org in orgs}
    out = []
    for b in range(batches):
        now = datetime.now(UTC)
        batch = []
        for org, project in orgs.items():
            events = screened_events(per_org // batches, org, [project], now, now, seed=seed * 1000 + b)
            expected[org] |= {e.event_id for e in events}
            batch += keyed(events)
        rng.shuffle(batch)
        out.append(batch)
    return out, expected


def reset_group(bootstrap: str, topic: str, group: str, fraction: float = 0.0) -> None:
    """Commit, for every partition, the offset `fraction` of the way from its start to its end
    (0: earliest, a replay; 0.5: the middle of the log, most likely inside a window)."""

    async def reset() -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await consumer.start()
        await admin.start()
        try:
            tps = await topic_partitions(admin, topic)
            consumer.assign(tps)  # a manual member commits for an empty group
            starts, ends = await consumer.beginning_offsets(tps), await consumer.end_offsets(tps)
            targets = {tp: starts[tp] + int((ends[tp] - starts[tp]) * fraction) for tp in tps}
            await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in targets.items()})
        finally:
            await admin.close()
            await consumer.stop()
        assert all((await commit_lag(bootstrap, topic, group)).values()), "the reset did not take"

    asyncio.run(reset())


# --- the test -----------------------------------------------------------------------------------


def test_archivers_killed_repeatedly_export_every_event_exactly_once(
    guard_ready, config_writer, seed_org, s3_endpoint: str, clickhouse_url: str, tmp_path: Path
) -> None:
    bootstrap, _ = guard_ready
    run = uuid.uuid4().hex[:8]
    topic, group, bucket = f"guard.screened.ar-{run}", f"guard.archiver.ar-{run}", f"siem-{run}"
    asyncio.run(create_screened_topic(bootstrap, topic))
    s3_client(s3_endpoint).create_bucket(Bucket=bucket)
    orgs = [seed_org(), seed_org()]
    prefixes = {org.org_id: f"exports/{org.org_id}" for org in orgs}
    for org in orgs:
        set_target(config_writer, s3_target(org.org_id, s3_endpoint, bucket, prefixes[org.org_id]))

    batches, expected = traffic({o.org_id: o.project_id for o in orgs}, EVENTS_PER_ORG, batches=15, seed=5)
    producer = produce_gradually(bootstrap, topic, batches, pause_s=2.5)  # ~40 s of traffic
    log = tmp_path / "archivers.log"
    env = lambda **extra: archiver_env(bootstrap, topic, group, **extra)  # noqa: E731
    rng = random.Random(17)
    alive: list[subprocess.Popen[bytes]] = []
    deaths = 0
    try:
        # 1. dies right after its 4th object write, before committing it
        first = start_archiver(env(GUARD_ARCHIVE_CRASH_AT="write:4"), log)
        assert first.wait(90) == -signal.SIGKILL
        deaths += 1
        # 2. two archivers share the partitions; one of them killed at random moments
        alive += [start_archiver(env(), log), start_archiver(env(), log)]
        for delay in (5.0, 7.0, 6.0, 8.0):
            time.sleep(delay)
            victim = alive.pop(rng.randrange(len(alive)))
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
            deaths += 1
            alive.append(start_archiver(env(), log))
        producer.join()
        wait_until(lambda: asyncio.run(fully_consumed(bootstrap, topic, group)), 120, "archivers to commit the whole topic")
    finally:
        producer.join()
        for process in alive:
            process.send_signal(signal.SIGTERM)
        for process in alive:
            process.wait(30)
    output = log.read_text()
    assert deaths == 5 and output.count('"fault_injected"') == 1

    pattern = re.compile(r"exports/(?P<org>org-[0-9a-f]+)/" + KEY_PATTERN.pattern)
    client = clickhouse_connect.get_client(dsn=clickhouse_url)
    fs = s3fs.S3FileSystem(key=S3_KEY, secret=S3_SECRET, client_kwargs={"endpoint_url": s3_endpoint, "region_name": REGION})
    snapshot: dict[str, bytes] = {}
    for org in orgs:
        prefix = prefixes[org.org_id]
        objects = read_objects_boto3(s3_endpoint, bucket, prefix)
        snapshot.update(objects)
        assert objects, "nothing exported"
        bad = [key for key in objects if not (m := pattern.fullmatch(key)) or m["org"] != org.org_id]
        assert not bad, f"keys outside the seed's format: {bad[:5]}"
        ids = event_ids(objects)
        assert set(ids) == expected[org.org_id], f"missing {len(expected[org.org_id] - set(ids))}, foreign {len(set(ids) - expected[org.org_id])}"
        assert [i for i, n in ids.items() if n > 1] == [], "duplicated lines"
        lines = [json.loads(line) for body in objects.values() for line in body.splitlines()]
        assert {(line["org_id"], line["project_id"], line["project_name"]) for line in lines} == {(org.org_id, org.project_id, "app")}
        # every line's hour is its folder's hour
        for key, body in objects.items():
            folder = "".join(key.split("/")[2:6])
            assert all(json.loads(line)["occurred_at"][:13].replace("-", "").replace("T", "") == folder
                       for line in body.splitlines()), key
        # an independent S3 client: s3fs
        paths = fs.glob(f"{bucket}/{prefix}/**/*.jsonl")
        assert sorted(p.split("/", 1)[1] for p in paths) == sorted(objects)
        via_s3fs = Counter(json.loads(line)["event_id"] for p in paths for line in fs.cat_file(p).splitlines())
        assert via_s3fs == ids
        # and the ClickHouse engine over the same endpoint
        url = f"{s3_endpoint}/{bucket}/{prefix}/**/*.jsonl"
        count, unique = client.query(
            "SELECT count(), uniqExact(event_id) FROM s3({url:String}, {key:String}, {secret:String}, 'JSONEachRow')",
            parameters={"url": url, "key": S3_KEY, "secret": S3_SECRET},
        ).result_rows[0]
        assert (count, unique) == (EVENTS_PER_ORG, EVENTS_PER_ORG)

    # a replay of the whole topic, then a reset into the middle of windows, rewrite exactly
    # the same objects (the latter after rewinding to the windows' first offsets)
    for fraction in (0.0, 0.5):
        reset_group(bootstrap, topic, group, fraction)
        replayer = start_archiver(env(), log)
        try:
            wait_until(lambda: asyncio.run(fully_consumed(bootstrap, topic, group)), 120, "the replay to commit the whole topic")
        finally:
            replayer.send_signal(signal.SIGTERM)
            replayer.wait(30)
        after: dict[str, bytes] = {}
        for org in orgs:
            after.update(read_objects_boto3(s3_endpoint, bucket, prefixes[org.org_id]))
        assert after == snapshot
    assert '"archiver_rewinding_to_window_start"' in log.read_text()

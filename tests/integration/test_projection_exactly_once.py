"""Exactly once through crashes: 20,000 screened events (plus upstream duplicates and poison)
on a 12-partition topic, projection writers run as real processes and SIGKILLed again and
again — right after an intent commit, right between an INSERT and its offset commit, and at
random moments while a second writer shares the partitions (rebalances) — then restarted.
`screenings`, the rejects and every aggregate table must reflect exactly the 20,000 events,
checked against an oracle computed here from the events themselves."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from projections.clickhouse import connect
from projections.migrate import migrate
from projections.schema import LATENCY_BUCKETS_MS, LATENCY_WHOLE_MS, QUANTILES_FUNCTION
from tests.integration.screened_traffic import create_topic, keyed, produce, screened_events

pytestmark = pytest.mark.integration

EVENTS = 20_000
DUPLICATES = 600
POISON = [(b"not-a-uuid", b"{not json"), (None, b'{"type": "screening.received"}'), (b"x", b"")]


def writer_env(bootstrap: str, clickhouse_url: str, database: str, topic: str, group: str, crash_at: str | None) -> dict[str, str]:
    env = dict(
        os.environ,
        GUARD_KAFKA_BOOTSTRAP=bootstrap,
        GUARD_CLICKHOUSE_URL=clickhouse_url,
        GUARD_CLICKHOUSE_DATABASE=database,
        GUARD_PROJECTION_TOPIC=topic,
        GUARD_CONSUMER_GROUP=group,
        GUARD_SESSION_TIMEOUT_MS="6000",
        GUARD_BATCH_MAX_EVENTS="800",  # many batches, so kills land inside the work
        GUARD_BATCH_MAX_WAIT_MS="100",
        GUARD_LOG_LEVEL="INFO",
        GUARD_RETENTION_APPLIER="false",  # exactly once is the subject here (test_retention.py covers it)
    )
    env.pop("GUARD_PROJECTION_CRASH_AT", None)
    if crash_at:
        env["GUARD_PROJECTION_CRASH_AT"] = crash_at
    return env


def start_writer(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen([sys.executable, "-m", "projections.service"], env=env, stdin=subprocess.DEVNULL,
                                stdout=sink, stderr=subprocess.STDOUT)


async def fully_consumed(bootstrap: str, topic: str, group: str) -> bool:
    """Has the group committed, for every partition, the end of the log?"""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await consumer.start()
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
        partitions = [TopicPartition(topic, p["partition"]) for p in described[0]["partitions"]]
        assert len(partitions) == 12
        ends = await consumer.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
        return all(committed.get(tp) is not None and committed[tp].offset >= ends[tp] for tp in partitions)
    finally:
        await admin.close()
        await consumer.stop()


def histogram_slot(latency: float) -> int:
    return sum(1 for bound in LATENCY_BUCKETS_MS if latency > bound)


def expected_aggregates(events) -> tuple[dict, dict]:
    """Oracle: per (project, period, kind) → [requests, flagged, histogram]; and detections."""
    stats: dict = {}
    detections: Counter = Counter()
    for grain in ("minute", "hour"):
        for e in events:
            at = e.occurred_at.replace(second=0, microsecond=0)
            period = at if grain == "minute" else at.replace(minute=0)
            key = (grain, e.project_id or "", period.replace(tzinfo=None), e.data.kind)
            entry = stats.setdefault(key, [0, 0, [0] * (len(LATENCY_BUCKETS_MS) + 1)])
            entry[0] += 1
            entry[1] += int(e.data.flagged)
            latency = e.data.latency_ms if e.data.latency_ms is not None else e.data.pipeline_ms
            entry[2][histogram_slot(latency)] += 1
            for detector_type in {r.detector_type for r in e.data.results if r.detected}:
                detections[key + (detector_type,)] += 1
    return stats, dict(detections)


def actual_aggregates(client, database: str) -> tuple[dict, dict]:
    stats, detections = {}, {}
    for grain in ("minute", "hour"):
        rows = client.query(
            f"SELECT project_id, period_start, kind, sum(requests), sum(flagged), sumForEachMerge(latency_histogram) "
            f"FROM {database}.screening_{grain}s GROUP BY project_id, period_start, kind"
        ).result_rows
        for project, period, kind, requests, flagged, histogram in rows:
            stats[(grain, project, period.replace(tzinfo=None), kind)] = [requests, flagged, list(histogram)]
        rows = client.query(
            f"SELECT project_id, period_start, kind, detector_type, sum(detections) "
            f"FROM {database}.detection_{grain}s GROUP BY project_id, period_start, kind, detector_type"
        ).result_rows
        for project, period, kind, detector_type, count in rows:
            detections[(grain, project, period.replace(tzinfo=None), kind, detector_type)] = count
    return stats, detections


def test_writers_killed_repeatedly_leave_every_table_exact(guard_ready, tmp_path: Path) -> None:
    bootstrap, clickhouse_url = guard_ready
    run = uuid.uuid4().hex[:8]
    topic, database, group = f"guard.screened.eo-{run}", f"eo_{run}", f"guard.projections.eo-{run}"
    client = connect(clickhouse_url)
    migrate(client, database)
    asyncio.run(create_topic(bootstrap, topic))

    now = datetime.now(UTC)
    events = screened_events(EVENTS, "org-eo", [f"project-{i}" for i in range(5)] + [None], now - timedelta(hours=30), now)
    rng = random.Random(11)
    records = keyed(events) + keyed(rng.sample(events, DUPLICATES)) + POISON
    rng.shuffle(records)  # duplicates and poison anywhere in the log, not only at the end

    def produce_gradually() -> None:  # data keeps arriving while writers die and come back
        for start in range(0, len(records), 2000):
            asyncio.run(produce(bootstrap, topic, records[start : start + 2000]))
            time.sleep(0.8)

    producer = threading.Thread(target=produce_gradually)
    producer.start()
    log = tmp_path / "writers.log"
    env = lambda crash_at=None: writer_env(bootstrap, clickhouse_url, database, topic, group, crash_at)  # noqa: E731
    deaths: list[str] = []
    alive: list[subprocess.Popen[bytes]] = []
    try:
        # 1. dies right after committing the intent of its 2nd flush (before the INSERT)
        first = start_writer(env("intent:2"), log)
        assert first.wait(90) == -signal.SIGKILL
        deaths.append("after intent commit")
        # 2. dies between its 3rd INSERT and the offset commit
        second = start_writer(env("insert:3"), log)
        assert second.wait(90) == -signal.SIGKILL
        deaths.append("between insert and commit")
        # 3. two writers share the partitions (rebalances), killed at random moments
        alive += [start_writer(env(), log), start_writer(env(), log)]
        for delay in (5.0, 4.0, 6.0):
            time.sleep(delay)
            victim = alive.pop(rng.randrange(len(alive)))
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
            deaths.append("random, two writers")
            alive.append(start_writer(env(), log))
        producer.join()
        deadline = time.monotonic() + 120
        while not asyncio.run(fully_consumed(bootstrap, topic, group)):
            assert time.monotonic() < deadline, "writers did not consume the whole topic"
            time.sleep(1)
        time.sleep(1)
    finally:
        producer.join()
        for process in alive:
            process.send_signal(signal.SIGTERM)
            process.wait(20)
    assert len(deaths) == 5
    output = log.read_text()
    assert output.count('"fault_injected"') == 2
    # The writer after the first death re-formed the batches whose intent was committed.
    assert '"resuming_recorded_batch"' in output

    rows, unique = client.query(f"SELECT count(), uniqExact(event_id) FROM {database}.screenings").result_rows[0]
    assert (rows, unique) == (EVENTS, EVENTS)
    stored = {str(r[0]) for r in client.query(f"SELECT event_id FROM {database}.screenings").result_rows}
    assert stored == {e.event_id for e in events}
    rejects = client.query(f"SELECT count(), uniqExact(kafka_partition, kafka_offset) FROM {database}.screened_rejects").result_rows[0]
    assert rejects == (len(POISON), len(POISON))

    expected_stats, expected_detections = expected_aggregates(events)
    actual_stats, actual_detections = actual_aggregates(client, database)
    assert actual_stats == expected_stats
    assert actual_detections == expected_detections
    # Quantile states: merged per hour they equal the sketch of the stored rows (no row counted twice).
    for grain in ("minute", "hour"):
        mismatched = client.query(
            f"""SELECT count() FROM
            (SELECT project_id, period_start, kind, {QUANTILES_FUNCTION.replace("(", "Merge(", 1)}(latency_quantiles) AS q
             FROM {database}.screening_{grain}s GROUP BY project_id, period_start, kind) AS a
            FULL OUTER JOIN
            (SELECT project_id, toStartOf{grain.capitalize()}(received_at) AS period_start, kind,
                    {QUANTILES_FUNCTION}({LATENCY_WHOLE_MS}) AS q
             FROM {database}.screenings GROUP BY project_id, period_start, kind) AS b
            USING (project_id, period_start, kind) WHERE a.q != b.q"""
        ).result_rows[0][0]
        assert mismatched == 0, f"{mismatched} {grain} latency sketches differ from the stored rows"

"""Replay under traffic: the live writer (a real process) keeps projecting while
`guardstream replay` rebuilds — first the aggregates, interrupted and resumed, then
everything from a point in time — and hands over. Afterwards the read models must equal,
row for row, a straight projection of the same log into a fresh database."""

from __future__ import annotations

import asyncio
import io
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from projections.clickhouse import connect
from projections.migrate import migrate
from projections.replay import Replay
from projections.schema import AGGREGATE_TABLES, QUANTILES_FUNCTION
from projections.topology import Topology
from projections.screened_log import topic_partitions
from projections.writer import ProjectionWriter
from tests.integration.screened_traffic import create_topic, keyed, produce, screened_events
from tests.integration.test_projection_exactly_once import fully_consumed, writer_env

pytestmark = pytest.mark.integration

POISON = [(b"bad", b"{not json"), (None, b'{"type": "other"}')]


def rows_by_key(client, sql: str) -> dict:
    return {row[0]: row[1:] for row in client.query(sql).result_rows}


def table_contents(client, database: str) -> dict[str, dict]:
    """Everything a reader can see, keyed; aggregate states finalized."""
    merge = QUANTILES_FUNCTION.replace("(", "Merge(", 1)
    contents = {
        "screenings": rows_by_key(
            client, f"SELECT event_id, toString(tuple(* EXCEPT (inserted_at))) FROM {database}.screenings"
        ),
        "rejects": rows_by_key(
            client, f"SELECT (kafka_partition, kafka_offset), reason FROM {database}.screened_rejects"
        ),
    }
    for table in AGGREGATE_TABLES:
        if table.startswith("screening_"):
            sql = (
                f"SELECT (org_id, project_id, period_start, kind), sum(requests), sum(flagged), "
                f"{merge}(latency_quantiles), sumForEachMerge(latency_histogram) FROM {database}.{table} "
                "GROUP BY org_id, project_id, period_start, kind"
            )
        else:
            sql = (
                f"SELECT (org_id, project_id, period_start, kind, detector_type), sum(detections) FROM {database}.{table} "
                "GROUP BY org_id, project_id, period_start, kind, detector_type"
            )
        contents[table] = rows_by_key(client, sql)
    return contents


async def straight_projection(bootstrap: str, clickhouse_url: str, database: str, topic: str) -> None:
    """The whole log into a fresh database by one writer that never crashed or replayed."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in await topic_partitions(bootstrap, topic)]
        ends = await consumer.end_offsets(tps)
    finally:
        await consumer.stop()
    writer = ProjectionWriter(bootstrap, connect(clickhouse_url), database, f"straight-{database}", 2000, 0, topic=topic)
    await writer.start(assign_all=True)
    try:
        assert await writer.run_until({tp.partition: ends[tp] - 1 for tp in tps})
    finally:
        await writer.close()


def test_replay_under_traffic_equals_a_straight_projection(guard_ready) -> None:
    bootstrap, clickhouse_url = guard_ready
    run = uuid.uuid4().hex[:8]
    topic, database, straight, group = f"guard.screened.rp-{run}", f"rp_{run}", f"rps_{run}", f"guard.projections.rp-{run}"
    client = connect(clickhouse_url)
    migrate(client, database)
    migrate(client, straight)
    asyncio.run(create_topic(bootstrap, topic))
    now = datetime.now(UTC)
    events = screened_events(9000, "org-rp", ["project-a", "project-b", "project-c", None], now - timedelta(hours=30), now, seed=3)
    rng = random.Random(5)
    first, during, after = events[:5000], events[5000:8500], events[8500:]
    asyncio.run(produce(bootstrap, topic, keyed(first) + keyed(rng.sample(first, 200)) + POISON))

    def produce_during(batch) -> threading.Thread:  # the live writer gets new events during the replay
        def send() -> None:
            for start in range(0, len(batch), 250):
                asyncio.run(produce(bootstrap, topic, keyed(batch[start : start + 250]) + keyed(rng.sample(first, 10))))
                time.sleep(0.3)

        thread = threading.Thread(target=send)
        thread.start()
        return thread

    live = subprocess.Popen(
        [sys.executable, "-m", "projections.service"], env=writer_env(bootstrap, clickhouse_url, database, topic, group, None),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not asyncio.run(fully_consumed(bootstrap, topic, group)):
            assert time.monotonic() < deadline and live.poll() is None
            time.sleep(0.5)

        replay = Replay(client, bootstrap, Topology(database), topic=topic, live_group=group, stream=io.StringIO(), batch_max_events=150)

        async def interrupted_then_resumed() -> tuple:
            task = asyncio.create_task(replay.run("aggregates", None))
            rebuild = f"{database}.screenings__rebuild"
            while True:  # interrupt once a part of the log is rebuilt
                await asyncio.sleep(0.05)
                exists = client.query(f"EXISTS TABLE {rebuild}").result_rows[0][0]
                if exists and client.query(f"SELECT count() FROM {rebuild}").result_rows[0][0] >= 1000:
                    replay.stop()
                    break
            interrupted = await task
            resumed = await Replay(client, bootstrap, Topology(database), topic=topic, live_group=group,
                                   stream=io.StringIO(), batch_max_events=500).run("aggregates", None)
            return interrupted, resumed

        traffic = produce_during(during[:1500])
        interrupted, resumed = asyncio.run(interrupted_then_resumed())
        traffic.join()
        assert interrupted is None
        assert resumed is not None and resumed.resumed and resumed.swapped == AGGREGATE_TABLES

        traffic = produce_during(during[1500:])
        since = now - timedelta(hours=10)
        result = asyncio.run(Replay(client, bootstrap, Topology(database), topic=topic, live_group=group, stream=io.StringIO()).run("all", since))
        traffic.join()
        assert result is not None and not result.resumed and "screenings" in result.swapped

        asyncio.run(produce(bootstrap, topic, keyed(after)))  # the live writer carries on after the hand-over
        deadline = time.monotonic() + 60
        while not asyncio.run(fully_consumed(bootstrap, topic, group)):
            assert time.monotonic() < deadline and live.poll() is None
            time.sleep(0.5)
        time.sleep(0.5)
    finally:
        live.send_signal(signal.SIGTERM)
        live.wait(20)

    assert not client.query(f"SHOW TABLES FROM {database} LIKE '%rebuild%'").result_rows  # cleaned up
    replayed = table_contents(client, database)
    asyncio.run(straight_projection(bootstrap, clickhouse_url, straight, topic))
    expected = table_contents(client, straight)
    assert len(replayed["screenings"]) == len(events)
    assert {str(k) for k in replayed["screenings"]} == {e.event_id for e in events}
    for table, rows in expected.items():
        assert replayed[table] == rows, f"{table} differs from a straight projection"

"""What the projection writer and the replay read from Kafka besides their own fetches: the
topic's partitions, a group's commits with their metadata, and a range of one partition read
straight from the log (a flush re-formed by the owner of its leader, projections/intents.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.structs import OffsetAndMetadata

from projections.batches import LandingRecord, landing_record


async def topic_partitions(bootstrap: str, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(p["partition"] for p in described[0]["partitions"])


async def committed_offsets(
    bootstrap: str, group_id: str, partitions: Sequence[TopicPartition], timeout_s: float = 60.0
) -> dict[TopicPartition, OffsetAndMetadata]:
    """The group's commits (with their metadata); retried while the broker's group
    coordinator is still loading (a fresh broker has no offsets topic yet)."""
    deadline = time.monotonic() + timeout_s
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        try:
            await admin.start()
            return await admin.list_consumer_group_offsets(group_id, partitions=list(partitions))
        except KafkaError as exc:
            if not exc.retriable or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)
        finally:
            await admin.close()


async def read_range(bootstrap: str, topic: str, partition: int, first: int, last: int) -> list[LandingRecord]:
    """Records `first`..`last` of one partition, as committed (read_committed), by a
    group-less consumer. Offsets the log no longer holds (retention) or never will (control
    records) are simply absent; the read ends at `last` or at the partition's end."""
    tp = TopicPartition(topic, partition)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, isolation_level="read_committed",
        auto_offset_reset="earliest", client_id="guardstream-flush-reform",
    )
    await consumer.start()
    try:
        consumer.assign([tp])
        consumer.seek(tp, first)
        end = min(last + 1, (await consumer.end_offsets([tp]))[tp])
        records: list[LandingRecord] = []
        while await consumer.position(tp) < end:
            for record in (await consumer.getmany(tp, timeout_ms=1000)).get(tp, []):
                if first <= record.offset <= last:
                    records.append(landing_record(partition, record.offset, record.key, record.value))
        return records
    finally:
        await consumer.stop()

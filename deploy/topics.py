"""The contract Kafka topics, with their deliberate configs, and their idempotent creation.

The table below is the one place that says how each topic is kept; `guardstream up`, the test
fixtures and operators (`guardstream topics`) all create topics through `ensure_topics`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

log = structlog.get_logger(__name__)

SCREENINGS_TOPIC = "guard.screenings"
SCREENED_TOPIC = "guard.screened"
CONFIG_TOPIC = "guard.config"
DEADLETTER_TOPIC = "guard.deadletter"
# An extension of the contract topics: the sequencer of monthly quota reservations (ingest/quota.py).
QUOTA_TOPIC = "guard.quota"

DEFAULT_PARTITIONS = 12
_HOUR_MS = 60 * 60 * 1000
_DAY_MS = 24 * _HOUR_MS


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    configs: Mapping[str, str] = field(default_factory=dict)


def topic_specs(partitions: int = DEFAULT_PARTITIONS) -> tuple[TopicSpec, ...]:
    """The contract topics; ``partitions`` sizes the two high-volume ones (the unit of scale-out)."""
    return (
        # Raw screenings hold raw prompts and PII (invariant 2): short retention. Retention deletes
        # whole segments only, so segments roll every 6 h to keep data at most ~7.25 days instead
        # of up to 14 with the 7-day default segment. LogAppendTime makes retention count from
        # when the broker received a record, not from a client-supplied timestamp.
        TopicSpec(SCREENINGS_TOPIC, partitions, {
            "cleanup.policy": "delete",
            "retention.ms": str(7 * _DAY_MS),
            "segment.ms": str(6 * _HOUR_MS),
            "message.timestamp.type": "LogAppendTime",
        }),
        # The event log of record (masked + verdict): kept forever, replays rebuild read models.
        # LogAppendTime: the broker's clock stamps records, monotone per partition, which the
        # SIEM archiver's deterministic time windows are cut on (streams/archiver/layout.py).
        TopicSpec(SCREENED_TOPIC, partitions, {
            "cleanup.policy": "delete",
            "retention.ms": "-1",
            "retention.bytes": "-1",
            "message.timestamp.type": "LogAppendTime",
        }),
        # Admin config events keyed by entity id: one partition gives every reader the same total
        # order; compaction keeps the latest state per entity forever. The lag lets a replica
        # that is behind by less than an hour still see every intermediate change; daily
        # segments let the compactor reach records (the active segment is never compacted).
        TopicSpec(CONFIG_TOPIC, 1, {
            "cleanup.policy": "compact",
            "min.compaction.lag.ms": str(_HOUR_MS),
            "segment.ms": str(_DAY_MS),
            "delete.retention.ms": str(_DAY_MS),
        }),
        # Poison events with the reason and the original bytes, for an operator to inspect and
        # replay. Those bytes may be a raw screening, so the topic is kept no longer than
        # guard.screenings (invariant 2: raw PII only where retention is short).
        TopicSpec(DEADLETTER_TOPIC, 3, {
            "cleanup.policy": "delete",
            "retention.ms": str(7 * _DAY_MS),
            "segment.ms": str(6 * _HOUR_MS),
        }),
        # Quota reservations of every ingest process, in one total order, so all of them count an
        # org's month identically; kept past a month so a restart can re-count the current one.
        TopicSpec(QUOTA_TOPIC, 1, {
            "cleanup.policy": "delete",
            "retention.ms": str(40 * _DAY_MS),
            "segment.ms": str(_DAY_MS),
        }),
    )


TOPIC_SPECS: tuple[TopicSpec, ...] = topic_specs()


async def ensure_topics(bootstrap: str, partitions: int = DEFAULT_PARTITIONS, *,
                        timeout: float = 60) -> None:
    """Create the contract topics that are missing; safe to run any number of times, concurrently.

    Existing topics are left as they are (partitions are never changed here: adding partitions
    re-keys records); one with fewer partitions than the table says gets a warning.
    """
    specs = topic_specs(partitions)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="guardstream-topics")
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
        # Up to 3 replicas where the cluster has them (the local broker has one); with 3, acks=all
        # then means at least 2 copies before ingest answers 202.
        replication = min(3, len(cluster["brokers"]))
        durability = {"min.insync.replicas": "2"} if replication >= 3 else {}
        existing = await _partition_counts(admin, [spec.name for spec in specs])
        for spec in specs:
            have = existing.get(spec.name)
            if have is not None and have < spec.partitions:
                log.warning("kafka topic has fewer partitions than declared; left unchanged",
                            topic=spec.name, partitions=have, declared=spec.partitions)
        missing = [spec for spec in specs if spec.name not in existing]
        if missing:
            response = await admin.create_topics([
                NewTopic(spec.name, spec.partitions, replication,
                         topic_configs={**durability, **spec.configs}) for spec in missing])
            for topic, error_code, *rest in response.topic_errors:
                if error_code == TopicAlreadyExistsError.errno:  # created by a concurrent caller
                    continue
                if error_code != 0:
                    message = rest[0] if rest else ""
                    raise RuntimeError(f"creating Kafka topic {topic} failed: "
                                       f"error {error_code} {message}")
                log.info("kafka topic created", topic=topic, replication=replication)
        deadline = time.monotonic() + timeout
        await _wait_for_leaders(admin, [spec.name for spec in specs], deadline)
        await _wait_for_group_coordinator(admin, deadline)
    finally:
        await admin.close()


async def _wait_for_group_coordinator(admin: AIOKafkaAdminClient, deadline: float) -> None:
    """The first FindCoordinator makes the broker create __consumer_offsets; waiting for it here
    spares every consumer group a round of 'coordinator not available' errors at start-up."""
    while True:
        try:
            await admin.find_coordinator("guardstream-warmup")
            return
        except Exception:  # noqa: BLE001 - any error here means "not yet"; the deadline bounds it
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def _partition_counts(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    """Partition count of each of ``names`` that exists."""
    present = set(await admin.list_topics())
    wanted = [name for name in names if name in present]
    if not wanted:
        return {}
    return {topic["topic"]: len(topic["partitions"])
            for topic in await admin.describe_topics(wanted) if topic["error_code"] == 0}


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str], deadline: float) -> None:
    # CreateTopics returns once the controller committed the topic; a producer or consumer
    # started right after still needs every partition to have a leader in the metadata.
    while True:
        topics = await admin.describe_topics(names)
        if all(topic["error_code"] == 0 and topic["partitions"]
               and all(partition["leader"] >= 0 for partition in topic["partitions"])
               for topic in topics):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"Kafka topics {names} have no leaders yet")
        await asyncio.sleep(0.2)

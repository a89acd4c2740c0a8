"""The projection writer: `guard.screened` → ClickHouse, exactly once (see batches.py).

A thin adapter: it buffers Kafka records per partition, and for each batch commits the intent,
asks ClickHouse which event_ids it already holds, inserts the new raw records into
`screened_landing` (the mapping and every aggregate are materialized views behind it) one
day per INSERT with its deduplication token, and commits the offset after. A failed INSERT
is retried with the same rows and token until it succeeds — including while a replay holds
the landing table fenced for its swap (projections/replay.py).

The live writer subscribes with its consumer group; the replay runs the same class on the
rebuild tables with its own group, assigned every partition, up to given offsets.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC
from typing import TypeVar

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.structs import OffsetAndMetadata
from clickhouse_connect.driver.client import Client

from deploy.topics import SCREENED_TOPIC
from projections.batches import (
    InsertGroup,
    LandingRecord,
    PartitionBuffer,
    earliest_time,
    insert_groups,
    intent_metadata,
    known_events_lookup,
    landing_record,
    pending_intent,
    rowbinary,
)
from projections.schema import LANDING, SCREENINGS

log = structlog.get_logger(__name__)

LANDING_COLUMNS = ["kafka_partition", "kafka_offset", "raw"]
# Per INSERT: synchronous (async inserts would batch tokens differently), deduplicated by the
# token in the table and in every view behind it.
INSERT_SETTINGS = {
    "async_insert": 0,
    "insert_deduplicate": 1,
    "deduplicate_blocks_in_dependent_materialized_views": 1,
    "parallel_view_processing": 1,  # the views of one INSERT on several cores
}
RETRY_MAX_S = 2.0

T = TypeVar("T")
Progress = Callable[[int, int], None]  # (partition, next offset) after each committed batch


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


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, writer: ProjectionWriter) -> None:
        self._writer = writer

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        # The batch in flight finishes and commits before another writer may take its partition.
        async with self._writer.flush_lock:
            for tp in revoked:
                self._writer.buffers.pop(tp.partition, None)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        await self._writer.load_intents(assigned)


class ProjectionWriter:
    def __init__(
        self,
        bootstrap: str,
        client: Client,
        database: str = "guard",
        group_id: str = "guard.projections.screenings",
        batch_max_events: int = 5000,
        batch_max_wait_ms: int = 100,
        *,
        landing: str = LANDING,
        screenings: str = SCREENINGS,
        topic: str = SCREENED_TOPIC,
        fetch_max_bytes: int = 52_428_800,
        partition_fetch_bytes: int = 1_048_576,
        session_timeout_ms: int = 10000,
        crash_at: str | None = None,
        insert_concurrency: int = 3,  # partitions written at once; the embedded engine serves 4 connections
    ) -> None:
        self._client = client
        self._bootstrap = bootstrap
        self._group_id = group_id
        self._topic = topic
        self._landing = f"{database}.{landing}"
        self._screenings = f"{database}.{screenings}"
        self._max_events = batch_max_events
        self._linger_s = batch_max_wait_ms / 1000
        self._consumer_config = dict(
            bootstrap_servers=bootstrap,
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            fetch_max_bytes=fetch_max_bytes,
            max_partition_fetch_bytes=partition_fetch_bytes,
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=max(1000, session_timeout_ms // 3),
        )
        self._consumer: AIOKafkaConsumer | None = None
        self._stopping = asyncio.Event()
        self.flush_lock = asyncio.Lock()
        self.buffers: dict[int, PartitionBuffer] = {}
        self.positions: dict[int, int] = {}  # next offset per partition, once a batch committed
        self._crash_at = crash_at
        self._flush_task: asyncio.Task[None] | None = None
        self._flushing: set[int] = set()
        self._insert_concurrency = insert_concurrency
        self._stage_counts: dict[str, int] = {}

    # --- lifecycle ----------------------------------------------------------------------

    def stop(self) -> None:
        self._stopping.set()

    async def start(self, assign_all: bool = False) -> AIOKafkaConsumer:
        """Subscribe with the group (live), or take every partition (replay: one member)."""
        # aiokafka binds to the running loop, so the consumer is made here, not in __init__.
        self._consumer = AIOKafkaConsumer(**self._consumer_config)
        await self._consumer.start()
        if assign_all:
            partitions = [TopicPartition(self._topic, p) for p in await self.partitions()]
            self._consumer.assign(partitions)
            await self.load_intents(partitions)
        else:
            self._consumer.subscribe([self._topic], listener=_Rebalance(self))
        log.info("projection_writer_started", landing=self._landing, group=self._group_id)
        return self._consumer

    async def partitions(self) -> list[int]:
        return await topic_partitions(self._bootstrap, self._topic)

    async def close(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def run(self) -> None:
        """The live writer: consume until stop()."""
        await self.start()
        try:
            while not self._stopping.is_set():
                await self.step()
            await self._settle()
        finally:
            await self.close()

    async def run_until(self, last_offsets: Mapping[int, int], progress: Progress | None = None) -> bool:
        """Replay: write every record up to and including `last_offsets[p]` (-1: none), then
        return True; False if stop() came first. Records past the target are not written."""
        assert self._consumer is not None
        while not self._stopping.is_set():
            pending = [p for p, last in last_offsets.items() if not await self._reached(p, last)]
            for p in last_offsets:
                tp = TopicPartition(self._topic, p)
                (self._consumer.resume if p in pending else self._consumer.pause)(tp)
            if not pending:
                await self._settle()
                return True
            await self.step(last_offsets, progress)
        await self._settle()
        return False

    async def _reached(self, partition: int, last: int) -> bool:
        """Nothing buffered or being written, and everything up to `last` consumed (control
        records and aborted transactions leave gaps, so the consumer's position decides)."""
        assert self._consumer is not None
        if partition in self._flushing or self.buffers.get(partition, PartitionBuffer()).records:
            return False
        if self.positions.get(partition, 0) > last:
            return True
        return await self._consumer.position(TopicPartition(self._topic, partition)) > last

    # --- one poll -----------------------------------------------------------------------

    async def step(self, last_offsets: Mapping[int, int] | None = None, progress: Progress | None = None) -> None:
        """Fetch and buffer; start writing what is ready. Writing runs as a task of its own, so
        the next records are fetched and read while ClickHouse inserts the previous ones."""
        assert self._consumer is not None
        fetched = await self._consumer.getmany(timeout_ms=max(10, int(self._linger_s * 500)), max_records=self._max_events * 4)
        now = time.monotonic()
        for tp, records in fetched.items():
            if tp not in self._consumer.assignment():
                continue  # revoked while we were fetching
            limit = last_offsets.get(tp.partition, -1) if last_offsets is not None else None
            if limit is not None and records[-1].offset > limit:
                beyond = next(r.offset for r in records if r.offset > limit)
                records = [r for r in records if r.offset <= limit]
                self._consumer.seek(tp, beyond)  # a later, higher target reads them again
            buffer = self.buffers.setdefault(tp.partition, PartitionBuffer())
            buffer.add((landing_record(r.partition, r.offset, r.key, r.value) for r in records), now)
        if self._flush_task is not None:
            buffered = sum(len(b.records) for b in self.buffers.values())
            if not self._flush_task.done() and buffered < self._max_events * 4:
                return  # keep reading ahead while the write is in flight
            await self._settle()  # back-pressure: at most one write in flight
        targets = last_offsets or {}
        ready = [p for p, b in self.buffers.items() if b.ready(now, self._linger_s, self._max_events, targets.get(p))]
        if ready:
            self._flush_task = asyncio.create_task(self._flush(ready, now, progress))

    async def _settle(self) -> None:
        """Wait for the write in flight, if any, and raise what it raised."""
        task, self._flush_task = self._flush_task, None
        if task is not None:
            await task

    async def _flush(self, partitions: list[int], now: float, progress: Progress | None) -> None:
        async with self.flush_lock:  # a rebalance waits for it (on_partitions_revoked)
            assert self._consumer is not None
            batches = {p: self.buffers[p].take(self._max_events, now) for p in partitions if p in self.buffers}
            batches = {p: b for p, b in batches.items() if b}
            self._flushing = set(batches)
            try:
                await self._write(batches, progress)
            finally:
                self._flushing = set()

    async def _write(self, batches: dict[int, list[LandingRecord]], progress: Progress | None) -> None:
        assert self._consumer is not None
        tps = {p: TopicPartition(self._topic, p) for p in batches}
        try:
            await self._consumer.commit(
                {tps[p]: OffsetAndMetadata(b[0].offset, intent_metadata(b[0].offset, b[-1].offset)) for p, b in batches.items()}
            )
        except KafkaError as exc:  # lost the partitions: their next owner starts from the last commit
            log.warning("intent_commit_failed", error=type(exc).__name__, partitions=sorted(batches))
            for p in batches:
                self.buffers.pop(p, None)
            return
        self._fault_point("intent")
        started = time.monotonic()
        known = await self._until_done("known_events_lookup", self._known_event_ids, list(batches.values()))
        looked_up = time.monotonic()
        slots = asyncio.Semaphore(self._insert_concurrency)

        async def write(batch: Sequence[LandingRecord]) -> None:
            async with slots:  # partitions in parallel, each partition's days in order
                for group in insert_groups(batch, known):
                    await self._until_done("insert", self._insert, group)
                    self._fault_point("insert")

        await asyncio.gather(*(write(batch) for batch in batches.values()))
        try:
            await self._consumer.commit({tps[p]: OffsetAndMetadata(b[-1].offset + 1, "") for p, b in batches.items()})
        except KafkaError as exc:  # written and deduplicable: the next owner's retry is a no-op
            log.warning("offset_commit_failed", error=type(exc).__name__, partitions=sorted(batches))
            return
        for p, batch in batches.items():
            self.positions[p] = batch[-1].offset + 1
            if progress is not None:
                progress(p, batch[-1].offset + 1)
        log.debug("batches_written", partitions=len(batches), records=sum(map(len, batches.values())),
                  lookup_ms=round((looked_up - started) * 1000), write_ms=round((time.monotonic() - looked_up) * 1000))

    # --- ClickHouse ---------------------------------------------------------------------

    def _known_event_ids(self, batches: Sequence[Sequence[LandingRecord]]) -> set:
        earliest = earliest_time(batches)
        newest = None
        if earliest is not None:  # one cheap query narrows the ids to ask about (batches.py)
            rows = self._client.query(
                f"SELECT kafka_partition, max(received_at) FROM {self._screenings} "
                "WHERE received_at >= {start:DateTime64(3)} AND kafka_partition IN {partitions:Array(UInt16)} "
                "GROUP BY kafka_partition",
                parameters={"start": earliest, "partitions": sorted({b[0].partition for b in batches if b})},
            ).result_rows
            newest = {int(p): at.replace(tzinfo=UTC) for p, at in rows}
        lookup = known_events_lookup(batches, newest)
        if lookup is None:
            return set()
        where = ["event_id IN {ids:Array(UUID)}"]
        params: dict[str, object] = {"ids": lookup.event_ids}
        if lookup.start is not None and lookup.end is not None:
            where += ["received_at >= {start:DateTime64(3)}", "received_at <= {end:DateTime64(3)}"]
            params.update(start=lookup.start, end=lookup.end)
        sql = f"SELECT event_id FROM {self._screenings} WHERE {' AND '.join(where)}"
        return {row[0] for row in self._client.query(sql, parameters=params).result_rows}

    def _insert(self, group: InsertGroup) -> None:
        settings = {**INSERT_SETTINGS, "insert_deduplication_token": group.token(self._topic)}
        self._client.raw_insert(
            self._landing, LANDING_COLUMNS, insert_block=rowbinary(group.records), settings=settings, fmt="RowBinary"
        )

    async def _until_done(self, what: str, call: Callable[..., T], *args: object) -> T:
        """Run a ClickHouse call in a thread until it succeeds: the same call is always safe to
        repeat (a read, or an INSERT with the same rows and token)."""
        attempt = 0
        while True:
            try:
                return await asyncio.to_thread(call, *args)
            except Exception as exc:  # noqa: BLE001 - ClickHouse away, or the landing table fenced
                if self._stopping.is_set():
                    raise
                attempt += 1
                fenced = "UNKNOWN_TABLE" in str(exc) or "does not exist" in str(exc)
                log.warning(f"{what}_retry", error=type(exc).__name__, attempt=attempt,
                            hint="a replay holds the landing table for its swap" if fenced else None)
                await asyncio.sleep(min(RETRY_MAX_S, 0.05 * 2**attempt))

    def _fault_point(self, stage: str) -> None:
        """Fault injection for the exactly-once test (`GUARD_PROJECTION_CRASH_AT=insert:3`): die
        by SIGKILL right after the Nth intent commit or INSERT, before the offset commit."""
        if not self._crash_at:
            return
        self._stage_counts[stage] = self._stage_counts.get(stage, 0) + 1
        if self._crash_at == f"{stage}:{self._stage_counts[stage]}":
            log.warning("fault_injected", stage=stage, count=self._stage_counts[stage])
            os.kill(os.getpid(), signal.SIGKILL)

    # --- intents ------------------------------------------------------------------------

    async def load_intents(self, assigned: Sequence[TopicPartition]) -> None:
        """Pin the first batch of each newly owned partition to its recorded intent."""
        self.buffers = {p: b for p, b in self.buffers.items() if TopicPartition(self._topic, p) in set(assigned)}
        if not assigned:
            return
        committed = await committed_offsets(self._bootstrap, self._group_id, assigned)
        for tp in assigned:
            entry = committed.get(tp)
            last = pending_intent(entry.offset if entry and entry.offset >= 0 else None, entry.metadata if entry else None)
            self.buffers[tp.partition] = PartitionBuffer(intent_last=last)
            if entry is not None and entry.offset >= 0:
                self.positions[tp.partition] = entry.offset
            if last is not None:
                log.info("resuming_recorded_batch", partition=tp.partition, first=entry.offset, last=last)

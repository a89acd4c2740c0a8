"""The projection writer: `guard.screened` → ClickHouse, exactly once (see batches.py).

A thin adapter: it buffers Kafka records per partition; each flush takes the ready records
of all its partitions, commits the flush's intent (projections/intents.py), asks ClickHouse
which event_ids it already holds, inserts the new raw records into `screened_landing` (the
mapping and every aggregate are materialized views behind it) in one INSERT per UTC day with
its deduplication token, and commits the offsets after. A failed INSERT is retried with the
same rows and token until it succeeds — including while a replay holds the landing table
fenced for its swap (projections/replay.py).

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
from aiokafka.errors import KafkaError
from aiokafka.structs import OffsetAndMetadata
from clickhouse_connect.driver.client import Client

from deploy.topics import SCREENED_TOPIC
from projections.batches import (
    InsertGroup,
    LandingRecord,
    PartitionBuffer,
    earliest_time,
    flush_partitions,
    insert_groups,
    known_events_lookup,
    landing_record,
    rowbinary,
)
from projections.intents import Committed, FlushIntent, PinnedFlush, plan_takeover, still_pending
from projections.schema import LANDING, SCREENINGS
from projections.screened_log import committed_offsets, read_range, topic_partitions

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
WAITING_CHECK_S = 0.5  # how often a partition waiting for another writer's flush asks whether it is written

T = TypeVar("T")
Progress = Callable[[int, int], None]  # (partition, next offset) after each committed batch


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, writer: ProjectionWriter) -> None:
        self._writer = writer

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        # The batch in flight finishes and commits before another writer may take its partition.
        async with self._writer.flush_lock:
            for tp in revoked:
                self._writer.buffers.pop(tp.partition, None)
            self._writer.pinned.clear()  # the next owners of their leaders re-form them
            self._writer.waiting.clear()

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
        fetch_min_bytes: int = 262_144,
        session_timeout_ms: int = 10000,
        crash_at: str | None = None,
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
            # A fetch answers once this much is there or the linger is up: one fetch per
            # flush, not one per batch the broker appends.
            fetch_min_bytes=fetch_min_bytes,
            fetch_max_wait_ms=max(10, batch_max_wait_ms),
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=max(1000, session_timeout_ms // 3),
        )
        self._consumer: AIOKafkaConsumer | None = None
        self._stopping = asyncio.Event()
        self.flush_lock = asyncio.Lock()
        self.buffers: dict[int, PartitionBuffer] = {}
        self.pinned: list[PinnedFlush] = []  # flushes a dead owner left pending: re-formed first, in order
        self.waiting: dict[int, FlushIntent] = {}  # partitions paused until another writer wrote this flush
        self._waiting_checked = 0.0
        self.positions: dict[int, int] = {}  # next offset per partition, once a batch committed
        self._crash_at = crash_at
        self._flush_task: asyncio.Task[None] | None = None
        self._flushing: set[int] = set()
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
        if self.waiting and time.monotonic() - self._waiting_checked >= WAITING_CHECK_S:
            await self._check_waiting()
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
        if self._flush_due(now, last_offsets or {}):
            self._flush_task = asyncio.create_task(self._flush(now, progress))

    def _flush_due(self, now: float, targets: Mapping[int, int]) -> bool:
        if self.pinned:  # all of the pending flush's records from our own partitions are here
            pinned = self.pinned[0]
            return all(self.buffers.get(p, PartitionBuffer()).ready(now, self._linger_s, self._max_events) for p in pinned.from_buffers)
        writable = self._writable()
        buffered = sum(len(b.records) for b in writable.values())
        return buffered >= self._max_events or any(
            b.ready(now, self._linger_s, self._max_events, targets.get(p)) for p, b in writable.items()
        )

    def _writable(self) -> dict[int, PartitionBuffer]:
        """The buffers a normal flush may take from: not those waiting for another writer."""
        return {p: b for p, b in self.buffers.items() if p not in self.waiting}

    async def _settle(self) -> None:
        """Wait for the write in flight, if any, and raise what it raised."""
        task, self._flush_task = self._flush_task, None
        if task is not None:
            await task

    async def _flush(self, now: float, progress: Progress | None) -> None:
        async with self.flush_lock:  # a rebalance waits for it (on_partitions_revoked)
            assert self._consumer is not None
            if self.pinned:
                pinned = self.pinned.pop(0)
                batches = {p: self.buffers[p].take(self._max_events, now) for p in pinned.from_buffers if p in self.buffers}
                intent, from_log = pinned.intent, pinned.from_log
            else:
                chosen = flush_partitions(self._writable(), self._max_events)
                batches = {p: self.buffers[p].take(n, now) for p, n in chosen.items()}
                intent = FlushIntent(tuple((p, b[0].offset, b[-1].offset) for p, b in sorted(batches.items()) if b))
                from_log = ()
            batches = {p: b for p, b in batches.items() if b}
            if not batches:
                return
            self._flushing = set(batches)
            try:
                await self._write(intent, batches, from_log, progress)
            finally:
                self._flushing = set()

    async def _write(
        self, intent: FlushIntent, batches: dict[int, list[LandingRecord]], from_log: Sequence[int], progress: Progress | None
    ) -> None:
        """One flush: `batches` from this writer's partitions, plus (re-forming a dead owner's
        flush) the ranges of `from_log` read from the log. Commits only for its own partitions."""
        assert self._consumer is not None
        tps = {p: TopicPartition(self._topic, p) for p in batches}
        metadata = intent.metadata()
        try:
            await self._consumer.commit({tps[p]: OffsetAndMetadata(intent.range_of(p)[0], metadata) for p in batches})  # type: ignore[index]
        except KafkaError as exc:  # lost the partitions: their next owner starts from the last commit
            log.warning("intent_commit_failed", error=type(exc).__name__, partitions=sorted(batches))
            for p in batches:
                self.buffers.pop(p, None)
            return
        self._fault_point("intent")
        started = time.monotonic()
        records = dict(batches)
        for p in from_log:
            records[p] = await read_range(self._bootstrap, self._topic, p, *intent.range_of(p))  # type: ignore[misc]
        known = await self._until_done("known_events_lookup", self._known_event_ids, list(records.values()))
        looked_up = time.monotonic()
        groups = insert_groups(intent, records, known)
        for group in groups:
            await self._until_done("insert", self._insert, group)
            self._fault_point("insert")
        try:
            await self._consumer.commit({tps[p]: OffsetAndMetadata(intent.range_of(p)[1] + 1, "") for p in batches})  # type: ignore[index]
        except KafkaError as exc:  # written and deduplicable: the next owner's retry is a no-op
            log.warning("offset_commit_failed", error=type(exc).__name__, partitions=sorted(batches))
            return
        for p in batches:
            self.positions[p] = intent.range_of(p)[1] + 1  # type: ignore[index]
            if progress is not None:
                progress(p, self.positions[p])
        log.debug("flush_written", flush=metadata, known=len(known), inserted=sum(len(g.records) for g in groups), partitions=len(records), records=sum(map(len, records.values())),
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
        """Before reading newly owned partitions: pin the pending flushes whose leader they
        include, and skip the parts of other pending or written flushes (intents.py).

        The consumer starts fetching the new partitions while this runs, so they are paused
        until the plan is in place, and records already fetched are kept (they start at the
        committed offset), not replaced by an empty buffer."""
        assert self._consumer is not None
        owned = {tp.partition for tp in assigned}
        self.buffers = {p: self.buffers.get(p) or PartitionBuffer() for p in owned}
        self.pinned, self.waiting = [], {}
        if not assigned:
            return
        self._consumer.pause(*assigned)
        try:
            everything = [TopicPartition(self._topic, p) for p in await self.partitions()]
            entries = await committed_offsets(self._bootstrap, self._group_id, everything)
            committed = {
                tp.partition: (entry.offset if entry.offset >= 0 else None, entry.metadata) for tp, entry in entries.items()
            }
            self._apply_takeover(assigned, committed)
        finally:
            assignment = self._consumer.assignment()
            self._consumer.resume(*[tp for tp in assigned if tp in assignment and tp.partition not in self.waiting])

    async def _check_waiting(self) -> None:
        """Resume the partitions whose flush the owner of its leader has written."""
        assert self._consumer is not None
        self._waiting_checked = time.monotonic()
        leaders = sorted({intent.leader for intent in self.waiting.values()})
        entries = await committed_offsets(self._bootstrap, self._group_id, [TopicPartition(self._topic, p) for p in leaders])
        committed = {tp.partition: (e.offset if e.offset >= 0 else None, e.metadata) for tp, e in entries.items()}
        for partition, intent in list(self.waiting.items()):
            if not still_pending(intent, committed) and self.waiting.pop(partition, None) is not None:
                tp = TopicPartition(self._topic, partition)
                if tp in self._consumer.assignment():
                    self._consumer.resume(tp)
                log.info("flush_of_another_owner_written", partition=partition, flush=intent.metadata())

    def _apply_takeover(self, assigned: Sequence[TopicPartition], committed: Committed) -> None:
        assert self._consumer is not None
        plan = plan_takeover(sorted(tp.partition for tp in assigned), committed)
        self.pinned = plan.pinned
        self.waiting = plan.waiting_on
        for pinned in plan.pinned:
            for p in pinned.from_buffers:
                self.buffers[p].intent_last = pinned.intent.range_of(p)[1]  # type: ignore[index]
            log.info("resuming_recorded_batch", flush=pinned.intent.metadata(), from_log=list(pinned.from_log))
        for tp in assigned:
            offset = committed.get(tp.partition, (None, None))[0]
            if tp.partition in plan.skip_to:
                offset = plan.skip_to[tp.partition]
                buffer = self.buffers[tp.partition]
                buffer.records = [r for r in buffer.records if r.offset >= offset]
                self._consumer.seek(tp, max(offset, buffer.records[-1].offset + 1) if buffer.records else offset)
                log.info("skipping_flush_of_another_owner", partition=tp.partition, resume_at=offset)
            if offset is not None:
                self.positions[tp.partition] = offset

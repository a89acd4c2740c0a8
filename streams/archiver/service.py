"""The archiver process: `guard.screened` → each org's export target, exactly once.

A thin edge around the pure chunk planning (chunks.py): an aiokafka consumer in its own group
feeds each owned partition's records to a `PartitionChunks`, writes closed windows' objects
per organization (one task per org, so a failing target never slows the others), and commits
per partition the offset `PartitionChunks.commit_offset()` says is safe.

**Anchoring.** Chunks must start at a window's first offset. When a partition is taken (or
re-read after a regress), the first record's window start is looked up with
`offsets_for_times` and the consumer seeks there if that is earlier — so a group reset to any
offset (`--to-datetime`, `--to-latest`), or a commit made after an idle window closed, still
rebuilds whole windows. Records re-read that way only rewrite objects with the same events.

`python -m streams.archiver` (or `guardstream serve archiver`) runs it until SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord, OffsetAndMetadata

from streams.archiver.alerts import Alerts, open_alert
from streams.archiver.chunks import ClosedWindow, PartitionChunks, PlannedObject, Regress
from streams.archiver.layout import Grid, LayoutError
from streams.archiver.lines import NotAScreenedEvent, decode_record
from streams.archiver.settings import ArchiverSettings
from streams.archiver.target import classify_error
from streams.archiver.writes import ObjectStore, OrgHealth, export_enabled, object_bytes
from streams.config import ConfigLog, ConfigReplica

log = structlog.get_logger(__name__)

COMMIT_EVERY_S = 0.5
OBJECTS_PER_TASK = 64


@dataclass
class PartitionState:
    chunks: PartitionChunks
    anchored: bool = False
    committed: int | None = None
    paused: bool = False


WriteItem = tuple[PartitionChunks, ClosedWindow, str, PlannedObject]


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, archiver: Archiver) -> None:
        self._archiver = archiver

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        # Writes in flight finish and what they completed is committed before another
        # archiver may take the partitions.
        await self._archiver.settle_writes()
        await self._archiver.commit(force=True)
        for tp in revoked:
            self._archiver.partitions.pop(tp.partition, None)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        for tp in assigned:
            if tp.partition not in self._archiver.partitions:
                self._archiver.partitions[tp.partition] = PartitionState(PartitionChunks(tp.partition, self._archiver.grid))
        log.info("archiver_partitions_assigned", partitions=sorted(tp.partition for tp in assigned))


class Archiver:
    def __init__(
        self, settings: ArchiverSettings, crash_at: str | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self._clock = clock  # wall clock (s) that closes idle windows; the benchmark shifts it
        self.grid = Grid(settings.window_s)
        self.partitions: dict[int, PartitionState] = {}
        self.health: dict[str, OrgHealth] = {}
        self.written_objects = 0
        self.skipped_records = 0
        self._crash_at = crash_at or os.environ.get("GUARD_ARCHIVE_CRASH_AT")
        self._stopping = asyncio.Event()
        self._org_tasks: dict[str, asyncio.Task[None]] = {}
        self._last_commit = 0.0
        self._consumer: AIOKafkaConsumer | None = None
        self._replica: ConfigReplica | None = None
        self._config: ConfigLog | None = None
        self._store = ObjectStore(settings)
        self._alerts: Alerts | None = None
        self._slots: asyncio.Semaphore | None = None

    def stop(self) -> None:
        self._stopping.set()

    def _tp(self, partition: int) -> TopicPartition:
        return TopicPartition(self.settings.topic, partition)

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        bootstrap = self.settings.require_kafka()
        self._slots = asyncio.Semaphore(self.settings.write_concurrency)
        self._replica = ConfigReplica(bootstrap, keep_history=False, client_id="guardstream-archiver")
        await self._replica.start()
        self._config = ConfigLog(bootstrap, self._replica)
        await self._config.start()
        self._alerts = Alerts(self._config, self.settings, self.settings.alert_update_s)
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=self.settings.consumer_group,
            client_id="guardstream-archiver",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            session_timeout_ms=self.settings.session_timeout_ms,
            heartbeat_interval_ms=max(1000, self.settings.session_timeout_ms // 3),
            max_partition_fetch_bytes=4 * 1_048_576,
            # Windows are a minute long: fetching in bulk (up to 0.5 s late) spares the broker
            # a fetch per appended batch.
            fetch_min_bytes=1_048_576,
            fetch_max_wait_ms=500,
        )
        await self._consumer.start()
        await self._check_partitions(bootstrap)
        self._consumer.subscribe([self.settings.topic], listener=_Rebalance(self))
        log.info("archiver_started", topic=self.settings.topic, group=self.settings.consumer_group,
                 window_s=self.settings.window_s, grace_s=self.settings.grace_s)

    async def _check_partitions(self, bootstrap: str) -> None:
        """Refuse to start on a topic whose partitions the object names cannot tell apart."""
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="guardstream-archiver")
        await admin.start()
        try:
            described = await admin.describe_topics([self.settings.topic])
        finally:
            await admin.close()
        count = len(described[0]["partitions"]) if described and described[0]["error_code"] == 0 else 0
        if count > self.grid.max_partitions:
            raise LayoutError(
                f"{self.settings.topic} has {count} partitions; with {self.settings.window_s}s windows object "
                f"names can tell at most {self.grid.max_partitions} apart (GUARD_ARCHIVE_WINDOW_S ≥ {count})"
            )

    async def run(self) -> None:
        try:
            await self.start()
            while not self._stopping.is_set():
                await self.step()
            await self.settle_writes()
            await self.commit(force=True)
        finally:
            await self.close()

    async def close(self) -> None:
        for task in self._org_tasks.values():
            task.cancel()
        if self._consumer is not None:
            await self._consumer.stop()
        if self._config is not None:
            await self._config.stop()
        if self._replica is not None:
            await self._replica.stop()
        log.info("archiver_stopped", written_objects=self.written_objects, skipped_records=self.skipped_records)

    # --- one poll -----------------------------------------------------------------------

    async def step(self) -> None:
        assert self._consumer is not None
        fetched = await self._consumer.getmany(timeout_ms=200, max_records=5000)
        assignment = self._consumer.assignment()
        for tp, records in fetched.items():
            part = self.partitions.get(tp.partition)
            if part is not None and tp in assignment and records:
                await self._take(tp, part, records)
        now_ms = int(self._clock() * 1000)
        grace_ms = int(self.settings.grace_s * 1000)
        for partition, part in list(self.partitions.items()):
            if part.anchored and part.chunks.open is not None:
                part.chunks.close_idle(now_ms, grace_ms, await self._caught_up(self._tp(partition), part))
        self._schedule_writes()
        self._flow_control()
        await self.commit()

    async def _take(self, tp: TopicPartition, part: PartitionState, records: list[ConsumerRecord]) -> None:
        assert self._consumer is not None
        if not part.anchored:
            start = await self._window_start_offset(tp, records[0])
            if tp not in self._consumer.assignment():
                return  # revoked while we looked: its next owner anchors it
            if start < records[0].offset:
                log.info("archiver_rewinding_to_window_start", partition=tp.partition, offset=records[0].offset, to=start)
                self._consumer.seek(tp, start)
                return
            part.anchored = True
        for message in records:
            try:
                record = decode_record(message.offset, message.timestamp, message.value)
            except NotAScreenedEvent as exc:
                record = None
                self.skipped_records += 1
                log.warning("archive_record_skipped", partition=tp.partition, offset=message.offset, reason=str(exc))
            result = part.chunks.add(message.offset, message.timestamp, record)
            if isinstance(result, Regress):
                log.warning("archiver_window_reopened", partition=tp.partition, offset=message.offset, rewind_to=result.seek_to)
                self._consumer.seek(tp, result.seek_to)
                part.anchored = False
                return

    async def _window_start_offset(self, tp: TopicPartition, first: ConsumerRecord) -> int:
        """The first offset of the window of `first` (the earliest record at or after its start)."""
        assert self._consumer is not None
        found = await self._consumer.offsets_for_times({tp: self.grid.window_of(first.timestamp)})
        entry = found.get(tp)
        return min(first.offset, entry.offset) if entry is not None else first.offset

    async def _caught_up(self, tp: TopicPartition, part: PartitionState) -> bool:
        assert self._consumer is not None
        if part.paused:
            return False
        end = self._consumer.last_stable_offset(tp)
        if end is None:
            end = self._consumer.highwater(tp)
        return end is not None and await self._consumer.position(tp) >= end

    def _flow_control(self) -> None:
        """Pause a partition whose unwritten events pass the limit (a failing target), resume it
        once half of them are written."""
        assert self._consumer is not None
        limit = self.settings.max_held_events
        for partition, part in self.partitions.items():
            held = part.chunks.held_events()
            tp = self._tp(partition)
            if not part.paused and held > limit and tp in self._consumer.assignment():
                self._consumer.pause(tp)
                part.paused = True
                log.warning("archiver_partition_paused", partition=partition, held_events=held)
            elif part.paused and held <= limit // 2:
                if tp in self._consumer.assignment():
                    self._consumer.resume(tp)
                part.paused = False
                log.info("archiver_partition_resumed", partition=partition, held_events=held)

    # --- writing ------------------------------------------------------------------------

    def _schedule_writes(self) -> None:
        due: dict[str, list[WriteItem]] = {}
        for part in self.partitions.values():
            for window in part.chunks.closed:
                for ref, obj in window.pending():
                    due.setdefault(obj.org_id, []).append((part.chunks, window, ref, obj))
        now = time.monotonic()
        for org_id, items in due.items():
            task = self._org_tasks.get(org_id)
            if task is not None and not task.done():
                continue
            health = self.health.setdefault(org_id, OrgHealth())
            if not health.may_try(now):
                continue
            batch = items[:1] if health.failing else items[:OBJECTS_PER_TASK]  # one probe while failing
            self._org_tasks[org_id] = asyncio.create_task(self._write_org(org_id, batch), name=f"archive-{org_id}")

    async def settle_writes(self) -> None:
        tasks = [t for t in self._org_tasks.values() if not t.done()]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _write_org(self, org_id: str, items: list[WriteItem]) -> None:
        assert self._replica is not None and self._slots is not None and self._alerts is not None
        state = self._replica.state
        if not export_enabled(state, org_id):
            for chunks, window, ref, _ in items:
                chunks.mark_done(window, ref)  # export off: nothing to write, nothing to hold
            return
        health = self.health.setdefault(org_id, OrgHealth())
        slots = self._slots

        def write(obj: PlannedObject) -> None:
            location = self._store.location(state, org_id)
            self._store.write(location, obj, object_bytes(obj, state))

        async def one(item: WriteItem) -> BaseException | None:
            async with slots:
                try:
                    await asyncio.to_thread(write, item[3])
                except Exception as exc:  # noqa: BLE001 - classified below, retried with backoff
                    return exc
            item[0].mark_done(item[1], item[2])
            self.written_objects += 1
            self._fault_point()
            return None

        results = await asyncio.gather(*(one(item) for item in items))
        failures = [r for r in results if r is not None]
        if failures:
            reason, message = classify_error(failures[0])
            held = sum(p.chunks.held_by_org().get(org_id, 0) for p in self.partitions.values())
            opened = health.failed(reason, message, time.time(), time.monotonic(), self.settings.retry_max_s)
            log.warning("archive_write_failed", org_id=org_id, reason=reason, failures=health.failures,
                        held_events=held, streak_opened=opened)
            await self._alerts.report(org_id, health, held)
            return
        recovered = health.succeeded()
        if recovered or open_alert(self._replica.state, org_id) is not None:
            log.info("archive_target_recovered", org_id=org_id)
            await self._alerts.report(org_id, health, 0)

    def _fault_point(self) -> None:
        """Fault injection for the exactly-once test: `GUARD_ARCHIVE_CRASH_AT=write:N` dies by
        SIGKILL right after the Nth object write, before any commit that would follow it."""
        if self._crash_at and self._crash_at == f"write:{self.written_objects}":
            log.warning("fault_injected", stage="write", count=self.written_objects)
            os.kill(os.getpid(), signal.SIGKILL)

    # --- committing ---------------------------------------------------------------------

    async def commit(self, force: bool = False) -> None:
        """Commit, per partition, the offset its chunks say is safe (only when it changed)."""
        if self._consumer is None or (not force and time.monotonic() - self._last_commit < COMMIT_EVERY_S):
            return
        self._last_commit = time.monotonic()
        assignment = self._consumer.assignment()
        offsets: dict[TopicPartition, int] = {}
        for partition, part in self.partitions.items():
            offset = part.chunks.commit_offset()
            tp = self._tp(partition)
            if offset is not None and offset != part.committed and tp in assignment:
                offsets[tp] = offset
        if not offsets:
            return
        try:
            await self._consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in offsets.items()})
        except KafkaError as exc:  # lost the partitions: the next owner resumes from the last commit
            log.warning("archiver_commit_failed", error=type(exc).__name__, partitions=sorted(tp.partition for tp in offsets))
            return
        for tp, offset in offsets.items():
            if tp.partition in self.partitions:
                self.partitions[tp.partition].committed = offset


def serve(settings: ArchiverSettings) -> None:
    archiver = Archiver(settings)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, archiver.stop)
        await archiver.run()

    asyncio.run(main())

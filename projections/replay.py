"""`guardstream replay`: rebuild read models from `guard.screened` while the live ones serve.

1. *Prepare.* A second pipeline is created under `<name>__rebuild` (projections/schema.py) and
   a consumer group of its own is pointed at the start: the beginning of the log, or for
   `--from T` the offsets of T minus a clock-skew margin; events before T are carried over
   from the live `screenings` instead (and reach the rebuilt aggregates through its views).
2. *Catch up.* The projection writer — the same exactly-once code as the live one — writes
   the log into the rebuild pipeline, up to where the live writer's group has committed,
   round after round until the difference is small. A progress bar shows events/s and ETA.
3. *Hand over.* The live landing table is renamed away (the fence): the live writer's
   INSERTs now fail and it retries the same batch with the same token, nothing lost. Once
   in-flight INSERTs are done, the freeze point is the highest offset per partition in the
   live tables; the replay writes exactly up to it, so the rebuilt tables hold exactly the
   events the live ones hold. Then EXCHANGE TABLES swaps the rebuilt tables in (views bind
   to table names, so the live views now feed the new tables) and the fence is lifted: the
   live writer's retried batch lands in the new tables, which start where it left off.
4. *Clean up.* The old tables (now under the rebuild names) and the rebuild views are dropped.

Interrupting (Ctrl-C) during 1-2 keeps what was built: re-running with the same arguments
resumes from the rebuild group's last commit. The hand-over defers Ctrl-C until the fence is
lifted; a fence left by a killed replay is lifted by the next `guardstream replay`.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, TextIO

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from clickhouse_connect.driver.client import Client

from deploy.topics import SCREENED_TOPIC
from projections.progress import ProgressBar
from projections.schema import (
    AGGREGATE_TABLES,
    LANDING,
    REBUILD_SUFFIX,
    REJECTS,
    REPLAY_RUNS,
    SCREENINGS,
    pipeline_ddl,
    pipeline_tables,
    pipeline_views,
)
from projections.topology import Topology
from projections.screened_log import committed_offsets, topic_partitions
from projections.writer import ProjectionWriter

log = structlog.get_logger(__name__)

Projection = Literal["screenings", "aggregates", "all"]
SWAPPED: dict[str, tuple[str, ...]] = {
    "screenings": (SCREENINGS, REJECTS),
    "aggregates": AGGREGATE_TABLES,
    "all": (SCREENINGS, REJECTS, *AGGREGATE_TABLES),
}
FENCED_SUFFIX = "__fenced"
GROUP_PREFIX = "guard.projections.replay."
SKEW_MARGIN = timedelta(minutes=5)  # events are on the log at most this long before their time
HANDOVER_LAG = 5000  # events behind the live writer at which the hand-over starts
CARRY_MARGIN = timedelta(minutes=5)  # on inserted_at, around the carry-over's snapshot


@dataclass(frozen=True)
class ReplayRun:
    run_id: str
    projection: str
    since: datetime | None
    consumer_group: str
    carried_at: datetime | None = None  # server time of the carry-over snapshot (`--from`)


@dataclass(frozen=True)
class ReplayResult:
    run_id: str
    resumed: bool
    events: int  # log records written by this invocation
    seconds: float
    swapped: tuple[str, ...]

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def parse_since(text: str) -> datetime | None:
    """`earliest` → None; otherwise an RFC 3339 time with its UTC offset."""
    if text == "earliest":
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("--from needs a UTC offset, e.g. 2026-01-05T00:00:00Z")
    return moment


class Replay:
    def __init__(
        self,
        client: Client,
        bootstrap: str,
        topology: Topology,
        *,
        topic: str = SCREENED_TOPIC,
        live_group: str = "guard.projections.screenings",
        stream: TextIO | None = None,
        batch_max_events: int = 20000,
    ) -> None:
        self._client = client
        self._bootstrap = bootstrap
        self._topology = topology
        self._topic = topic
        self._live_group = live_group
        self._stream = stream
        self._batch_max_events = batch_max_events
        self._writer: ProjectionWriter | None = None
        self._stop_requested = False
        self._in_handover = False

    def stop(self) -> None:
        """Ctrl-C: stop after the current batch; deferred while the fence is up."""
        self._stop_requested = True
        if self._writer is not None and not self._in_handover:
            self._writer.stop()

    # --- the run ------------------------------------------------------------------------

    async def run(self, projection: Projection, since: datetime | None, restart: bool = False) -> ReplayResult | None:
        """Returns None if interrupted before the swap (re-run to resume)."""
        started = time.monotonic()
        self._lift_stale_fence()
        run = None if restart else self._resumable(projection, since)
        resumed = run is not None
        if run is None:
            run = await self._prepare(projection, since)
        else:
            log.info("replay_resumed", run_id=run.run_id, projection=projection)
        db = self._topology.database
        writer = self._writer = ProjectionWriter(
            self._bootstrap, self._client, db, run.consumer_group, self._batch_max_events, 500,
            landing=LANDING + REBUILD_SUFFIX, screenings=SCREENINGS + REBUILD_SUFFIX, topic=self._topic,
            fetch_max_bytes=64 * 1024 * 1024, partition_fetch_bytes=8 * 1024 * 1024,
        )
        await writer.start(assign_all=True)
        written = 0

        def on_progress(partition: int, next_offset: int) -> None:
            nonlocal written
            step = next_offset - last_seen.get(partition, next_offset)
            last_seen[partition] = next_offset
            written += step
            bar.advance(step)

        try:
            last_seen = dict(writer.positions)
            targets = await self._live_targets()
            bar = ProgressBar("replay", self._remaining(targets, last_seen), **({"stream": self._stream} if self._stream else {}))
            while True:
                if self._stop_requested or not await writer.run_until(targets, on_progress):
                    bar.finish()
                    log.info("replay_interrupted", run_id=run.run_id, hint="run the same command again to resume")
                    return None
                targets = await self._live_targets()
                behind = self._remaining(targets, writer.positions)
                if behind <= HANDOVER_LAG:
                    break
                bar.total = bar.done + behind
            bar.total = bar.done + behind
            swapped = await self._handover(writer, run, on_progress)
            bar.finish()
        finally:
            await writer.close()
            self._writer = None
        self._record(run, "swapped")
        self._drop_rebuild()
        self._record(run, "done")
        result = ReplayResult(run.run_id, resumed, written, time.monotonic() - started, swapped)
        log.info("replay_done", run_id=run.run_id, events=written, events_per_s=round(result.rate), swapped=list(swapped))
        return result

    @staticmethod
    def _remaining(targets: dict[int, int], positions: dict[int, int]) -> int:
        return sum(max(0, last + 1 - positions.get(p, 0)) for p, last in targets.items())

    # --- prepare / resume ---------------------------------------------------------------

    def _resumable(self, projection: str, since: datetime | None) -> ReplayRun | None:
        rows = self._client.query(
            f"SELECT run_id, projection_name, since, carried_at, consumer_group, status "
            f"FROM {self._topology.table(REPLAY_RUNS)} ORDER BY updated_at DESC LIMIT 1"
        ).result_rows
        if not rows:
            return None
        run_id, name, run_since, carried_at, group, status = rows[0]
        run_since, carried_at = _utc(run_since), _utc(carried_at)
        same_since = run_since == since if since is None or run_since is None else abs((run_since - since).total_seconds()) < 0.001
        if status != "building" or name != projection or not same_since:
            return None
        if not self._exists(self._topology.storage(SCREENINGS + REBUILD_SUFFIX)):
            return None
        return ReplayRun(run_id, name, since, group, carried_at)

    async def _prepare(self, projection: str, since: datetime | None) -> ReplayRun:
        run_id = uuid.uuid4().hex[:12]
        self._drop_rebuild()
        for statement in pipeline_ddl(self._topology, REBUILD_SUFFIX, since):
            self._client.command(statement)
        starts = await self._start_offsets(since)
        carried_at = None
        if since is not None:
            carried_at = _utc(self._client.query("SELECT now64(3)").result_rows[0][0])
            self._carry_over(since, None)
        run = ReplayRun(run_id, projection, since, GROUP_PREFIX + run_id, carried_at)
        await self._commit(run.consumer_group, starts)
        self._record(run, "building")  # from here on, a re-run resumes this run
        log.info("replay_prepared", run_id=run_id, projection=projection, since=since.isoformat() if since else "earliest")
        return run

    async def _start_offsets(self, since: datetime | None) -> dict[int, int]:
        consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap)
        await consumer.start()
        try:
            tps = [TopicPartition(self._topic, p) for p in await topic_partitions(self._bootstrap, self._topic)]
            if since is None:
                found = await consumer.beginning_offsets(tps)
                return {tp.partition: offset for tp, offset in found.items()}
            at_ms = int((since - SKEW_MARGIN).timestamp() * 1000)
            found_times = await consumer.offsets_for_times({tp: at_ms for tp in tps})
            ends = await consumer.end_offsets(tps)
            return {tp.partition: (found_times[tp].offset if found_times.get(tp) else ends[tp]) for tp in tps}
        finally:
            await consumer.stop()

    async def _commit(self, group: str, offsets: dict[int, int]) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, group_id=group, enable_auto_commit=False)
        await consumer.start()
        try:
            tps = {p: TopicPartition(self._topic, p) for p in offsets}
            consumer.assign(list(tps.values()))
            await consumer.commit({tps[p]: OffsetAndMetadata(o, "") for p, o in offsets.items()})
        finally:
            await consumer.stop()

    def _carry_over(self, since: datetime, inserted_after: datetime | None) -> None:
        """Live screenings before `since` into the rebuild (its views build their aggregates).
        With `inserted_after`, only rows the live writer added since the first carry-over."""
        live, rebuild = self._topology.table(SCREENINGS), self._topology.table(SCREENINGS + REBUILD_SUFFIX)
        where = "received_at < {since:DateTime64(3)}"
        params: dict[str, object] = {"since": since}
        if inserted_after is not None:
            where += " AND inserted_at >= {after:DateTime64(3)}"
            params["after"] = inserted_after
            where += f" AND event_id NOT IN (SELECT event_id FROM {rebuild} WHERE {where})"
        self._client.command(f"INSERT INTO {rebuild} SELECT * FROM {live} WHERE {where}", parameters=params)

    # --- hand-over ----------------------------------------------------------------------

    async def _live_targets(self) -> dict[int, int]:
        """Per partition, the last offset the live writer has committed (-1: none)."""
        partitions = [TopicPartition(self._topic, p) for p in await topic_partitions(self._bootstrap, self._topic)]
        committed = await committed_offsets(self._bootstrap, self._live_group, partitions)
        return {tp.partition: (committed[tp].offset - 1 if tp in committed and committed[tp].offset > 0 else -1) for tp in partitions}

    async def _handover(self, writer: ProjectionWriter, run: ReplayRun, on_progress) -> tuple[str, ...]:  # noqa: ANN001
        self._in_handover = True
        landing = self._topology.storage(LANDING)
        fenced = landing + FENCED_SUFFIX
        swapped: list[str] = []
        self._client.command(f"RENAME TABLE {landing} TO {fenced}{self._topology.on_cluster}")
        log.info("replay_fence_up", landing=landing)
        try:
            await asyncio.to_thread(self._wait_for_live_inserts, landing)
            freeze = self._freeze_point()
            if not await writer.run_until(freeze, on_progress):
                raise RuntimeError("the replay writer stopped during the hand-over")
            if run.since is not None:
                self._carry_over(run.since, (run.carried_at or datetime.fromtimestamp(0, UTC)) - CARRY_MARGIN)
                self._carry_rejects(await self._start_offsets(run.since))
            for table in SWAPPED[run.projection]:
                self._client.command(
                    f"EXCHANGE TABLES {self._topology.storage(table)} AND "
                    f"{self._topology.storage(table + REBUILD_SUFFIX)}{self._topology.on_cluster}"
                )
                swapped.append(table)
        finally:
            self._client.command(f"RENAME TABLE {fenced} TO {landing}{self._topology.on_cluster}")
            self._in_handover = False
            log.info("replay_fence_down", landing=landing, swapped=swapped)
            if self._stop_requested:
                writer.stop()
        return tuple(swapped)

    def _wait_for_live_inserts(self, landing: str, timeout_s: float = 30.0) -> None:
        """INSERTs that resolved the landing table before the rename still land in the live
        tables; the freeze point must come after them."""
        deadline = time.monotonic() + timeout_s
        sql = (
            "SELECT count() FROM system.processes WHERE query_kind = 'Insert' "
            "AND position(query, {landing:String}) > 0 AND position(query, {rebuild:String}) = 0"
        )
        while time.monotonic() < deadline:
            running = self._client.query(sql, parameters={"landing": landing, "rebuild": REBUILD_SUFFIX}).result_rows[0][0]
            if not running:
                return
            time.sleep(0.05)
        raise TimeoutError(f"live INSERTs into {landing} still running after {timeout_s:.0f} s")

    def _freeze_point(self) -> dict[int, int]:
        """The highest offset per partition that reached the live tables (-1: none)."""
        live_screenings, live_rejects = self._topology.table(SCREENINGS), self._topology.table(REJECTS)
        rows = self._client.query(
            f"SELECT kafka_partition, max(kafka_offset) FROM (SELECT kafka_partition, kafka_offset FROM {live_screenings} "
            f"UNION ALL SELECT kafka_partition, kafka_offset FROM {live_rejects}) GROUP BY kafka_partition"
        ).result_rows
        found = {int(p): int(o) for p, o in rows}
        assert self._writer is not None
        return {p: found.get(p, -1) for p in set(found) | set(self._writer.positions)}

    def _carry_rejects(self, starts: dict[int, int]) -> None:
        if not starts:
            return
        live, rebuild = self._topology.table(REJECTS), self._topology.table(REJECTS + REBUILD_SUFFIX)
        size = max(starts) + 1
        firsts = [starts.get(p, 0) for p in range(size)]
        self._client.command(
            f"INSERT INTO {rebuild} SELECT * FROM {live} WHERE kafka_partition < {{size:UInt16}} "
            "AND kafka_offset < arrayElement({firsts:Array(UInt64)}, kafka_partition + 1)",
            parameters={"size": size, "firsts": firsts},
        )

    # --- bookkeeping ----------------------------------------------------------------------

    def _exists(self, qualified_name: str) -> bool:
        return bool(self._client.query(f"EXISTS TABLE {qualified_name}").result_rows[0][0])

    def _lift_stale_fence(self) -> None:
        landing = self._topology.storage(LANDING)
        if self._exists(landing + FENCED_SUFFIX) and not self._exists(landing):
            log.warning("replay_stale_fence_lifted", landing=landing)
            self._client.command(f"RENAME TABLE {landing}{FENCED_SUFFIX} TO {landing}{self._topology.on_cluster}")

    def _record(self, run: ReplayRun, status: str) -> None:
        self._client.insert(
            self._topology.table(REPLAY_RUNS),
            [[run.run_id, run.projection, run.since, run.carried_at, run.consumer_group, status]],
            column_names=["run_id", "projection_name", "since", "carried_at", "consumer_group", "status"],
        )

    def _drop_rebuild(self) -> None:
        on_cluster = self._topology.on_cluster
        for view in pipeline_views(REBUILD_SUFFIX):
            self._client.command(f"DROP VIEW IF EXISTS {self._topology.table(view)}{on_cluster} SYNC")
        for table in pipeline_tables(REBUILD_SUFFIX):
            for name in dict.fromkeys((self._topology.table(table), self._topology.storage(table))):
                self._client.command(f"DROP TABLE IF EXISTS {name}{on_cluster} SYNC")

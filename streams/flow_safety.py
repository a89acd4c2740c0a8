"""The worker's Faust consumer: two faust-streaming 0.15 races that lose fetched records,
fixed, and fetches that wait for a batch.

Both left the `screen` agent idle after "Worker ready" in about one start in three to six
(docs/control-plane.md has the evidence): the screenings' offsets had advanced in the
consumer, so they were never fetched again, and never acked, so nothing was committed. A
partition without a committed offset (a fresh consumer group, as a replay uses) is not
rewound by Faust's seek-to-committed, so nothing brought them back.

1. *Queues emptied after a fetch* (`FlowSafeRecovery`). Faust's
   `Recovery.on_recovery_completed` resumes the stream partitions and then awaits a seek
   while the consumer's flow is running, so screenings fetched during that await land in the
   agent's queue, which the `flow_control.resume()` right after empties. Here the seek runs
   while the partitions are still paused, and resuming them, emptying the queues and
   restarting the flow is one step with no `await` in between.

2. *A live set handed to another thread* (`SnapshotFetchConsumer`). Faust passes its live
   set of active partitions to aiokafka's `fetched_records`, which runs on the consumer's
   own thread and waits up to a second for data. When recovery pauses the changelog
   partition during that wait, the set becomes empty, and aiokafka reads an empty set as
   "every partition": it hands back (and moves past) the screenings, which Faust then drops
   because they are not in the set. Here aiokafka gets a frozen copy, and every record it
   returns for that copy is delivered: a partition paused meanwhile still gets the records
   already taken from the fetcher (its queue applies back-pressure), instead of losing them.

Batched fetches (`BatchedFetchThread`): Faust leaves aiokafka's `fetch_min_bytes` at 1, so a
steady stream comes back about one record per fetch, and each fetch is a hand-over between the
consumer's thread and the agent's loop. Waiting for 64 KiB or 20 ms cut the worker's CPU at a
paced 500 screenings/s from 66% to 35% of a core (backlog throughput unchanged, ~1,250/s).
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from faust.tables import TableManager
from faust.tables.recovery import Recovery
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

from streams.config.table import ConfigTable


class BatchedFetchThread(faust_aiokafka.AIOKafkaConsumerThread):
    """Faust's consumer thread, with fetches that wait for a batch (`fetch_min_bytes`, at most
    `fetch_max_wait_ms`). Faust leaves fetch_min_bytes at 1, so a paced stream came back one
    record per fetch, each a hand-over between the consumer's thread and the agent's."""

    fetch_min_bytes = 64 * 1024
    fetch_max_wait_ms = 20

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka reads these when it starts its fetcher; Faust passes no setting for them.
        consumer._fetch_min_bytes = self.fetch_min_bytes
        consumer._fetch_max_wait_ms = self.fetch_max_wait_ms
        return consumer


class SnapshotFetchConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer, fetching for a snapshot of the active partitions and
    delivering every record fetched for it (race 2 above), in batches (`BatchedFetchThread`)."""

    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return BatchedFetchThread(self, loop=self.loop, beacon=self.beacon)

    async def _getmany(self, active_partitions: set[TP] | None, timeout: float) -> Any:
        # Taken in the same step as Faust's "any active partitions?" check, so never empty.
        snapshot = None if active_partitions is None else frozenset(active_partitions)
        return await super()._getmany(cast(Any, snapshot), timeout)

    async def _wait_next_records(self, timeout: float) -> tuple[Any, set[TP] | None]:
        records, active_partitions = await super()._wait_next_records(timeout)
        # None tells Faust's getmany to deliver every record: they were all fetched for
        # partitions active when the fetch began, and their offsets are already consumed.
        return records, (None if records else active_partitions)


class FlowSafeRecovery(Recovery):
    """Faust's `Recovery` with `on_recovery_completed` in a safe order (race 1 above); then
    the config table's partition is rewound to the table's own position, so config records
    the emptying dropped are read again (Faust skips offsets it already applied)."""

    async def on_recovery_completed(self, generation_id: int = 0) -> None:
        app = cast(Any, self.app)
        consumer = app.consumer
        self.log.info("Restore complete!")
        await app.on_rebalance_complete.send()
        self._set_recovery_ended()
        callbacks = [
            asyncio.ensure_future(table.on_recovery_completed(self.actives_for_table[table], self.standbys_for_table[table]))
            for table in self.tables.values()
        ]
        if callbacks:
            await asyncio.wait(callbacks)
        if app.consumer_generation_id != generation_id:
            self.log.warning(f"Recovery rebalancing again app id {app.consumer_generation_id} param {generation_id}")
            return
        assignment = consumer.assignment()
        if assignment:
            self.log.info("Seek stream partitions to committed offsets.")
            await self._wait(consumer.perform_seek(), timeout=app.conf.broker_request_timeout)
        self.completed.set()
        # One step, no await in between: nothing is fetched for the stream partitions before
        # the queues are emptied, and everything fetched for them after is delivered.
        consumer.resume_partitions({tp for tp in assignment if not self._is_changelog_tp(tp)})
        app.flow_control.resume()
        consumer.resume_flow()
        await app._fetcher.maybe_start()
        for table in self.tables.values():
            if isinstance(table, ConfigTable):
                tp = TP(table.changelog_topic.get_topic_name(), 0)
                if tp in assignment:
                    await consumer.seek(tp, table.position)
        self.tables.on_actives_ready()
        if not app.assignor.assigned_standbys():
            self.tables.on_standbys_ready()
        app.on_rebalance_end()
        self.log.info("Worker ready")


class FlowSafeTableManager(TableManager):
    """Faust's TableManager (the `TableManager` app setting) with `FlowSafeRecovery`."""

    @property
    def recovery(self) -> Recovery:
        if self._recovery is None:
            self._recovery = FlowSafeRecovery(self.app, self, beacon=self.beacon, loop=self.loop)
        return self._recovery

"""The worker's Faust GlobalTable over `guard.config`, folded into a `ConfigState`.

`ConfigTable` is a GlobalTable whose changelog *is* `guard.config` (written by query_api
and bootstrap, outside the worker's consumer group). Faust recovers it from the beginning
before the agent takes its first event, then tails it; every batch Faust applies to the
table is also folded into an immutable `ConfigState`, so screening reads the same state
type as ingest's replica.

Faust's recovery races that made the worker idle are fixed in streams/flow_safety.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any

import faust
import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition

from deploy.topics import CONFIG_TOPIC
from schemas.config_events import ConfigEventError, ConfigRecord, decode_config_record
from streams.config.state import ConfigState

log = structlog.get_logger(__name__)


def config_record(key: bytes | None, value: bytes | None) -> ConfigRecord | None:
    """The record a table entry stands for, or None for one the worker does not use: no
    entity key, an audit record (the worker never reads the audit trail), or undecodable."""
    try:
        return decode_config_record(key, value, keep_history=False)
    except ConfigEventError:
        return None


def fold_entries(state: ConfigState, entries: Iterable[tuple[bytes | None, bytes | None]]) -> ConfigState:
    """`state` after the (key, value) entries in log order; a None value deletes the key."""
    records = [r for r in (config_record(k, v) for k, v in entries) if r is not None]
    return state.apply_records(records, keep_history=False) if records else state


class ConfigTable(faust.GlobalTable):
    """A GlobalTable over guard.config that also keeps the folded `ConfigState` (`config`).

    Faust's partition assignor names a global table's changelog `<app id>-<table>-changelog`
    whatever topic the table was given: `_changelog_topic_name` makes it the table's own topic.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config = ConfigState()
        self.position = 0  # offset of the next record to apply: every record below it is in `config`
        self._advanced = asyncio.Event()

    def _changelog_topic_name(self) -> str:
        return self.changelog_topic.get_topic_name()

    def apply_changelog_batch(self, batch: Iterable[Any]) -> None:
        events = list(batch)
        if not events:
            return
        super().apply_changelog_batch(events)
        self.config = fold_entries(self.config, ((e.message.key, e.message.value) for e in events))
        self.position = max(self.position, max(e.message.offset for e in events) + 1)
        self._advanced.set()

    async def wait_until(self, end: int, timeout: float) -> bool:
        """Wait until every record below offset `end` is applied; False after `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.position < end:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self._advanced.clear()
            try:
                await asyncio.wait_for(self._advanced.wait(), remaining)
            except TimeoutError:
                return self.position >= end
        return True


class ConfigFreshness:
    """`state_as_of(moment)`: the table's state including every guard.config record appended
    before wall-clock `moment`, as `ConfigReplica.sync_since` gives a replica: one ListOffsets
    round trip (on a connection of its own, not behind Faust's long-poll fetches) and a wait
    until the table applied everything below that end, unless a sync that began after
    `moment` already finished. Assumes the appending and the worker hosts' clocks agree."""

    def __init__(self, bootstrap: str, table: ConfigTable, client_id: str = "guardstream-screen-config") -> None:
        self._bootstrap = bootstrap
        self._table = table
        self._client_id = client_id
        self._tp = TopicPartition(CONFIG_TOPIC, 0)
        self._offsets: AIOKafkaConsumer | None = None
        self._synced_at = 0.0

    async def start(self) -> None:
        self._offsets = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, client_id=self._client_id, group_id=None)
        await self._offsets.start()

    async def stop(self) -> None:
        if self._offsets is not None:
            await self._offsets.stop()

    async def state_as_of(self, moment: float, timeout: float = 5) -> ConfigState:
        if self._synced_at >= moment:
            return self._table.config
        assert self._offsets is not None, "start() first"
        started = time.time()
        try:
            end = (await asyncio.wait_for(self._offsets.end_offsets([self._tp]), timeout))[self._tp]
        except TimeoutError:
            log.warning("config_end_offset_unavailable", position=self._table.position)
            return self._table.config
        if not await self._table.wait_until(end, timeout):
            log.warning("config_table_behind", position=self._table.position, end=end)
            return self._table.config
        self._synced_at = max(self._synced_at, started)
        return self._table.config

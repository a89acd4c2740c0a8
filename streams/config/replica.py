"""`ConfigReplica`: an in-memory `ConfigState` kept up to date from `guard.config`.

No consumer group: every process reads the whole single-partition topic from the beginning,
applies everything up to the end offset before `start()` returns, then tails it. The single
partition gives every replica the same total order, so all of them converge to the same
state, and a restarted process rebuilds exactly the state it had.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from deploy.topics import CONFIG_TOPIC
from schemas.config_events import ConfigEventError, ConfigRecord, decode_config_record
from streams.config.state import ConfigState

log = structlog.get_logger(__name__)


class ReplicaUnavailable(RuntimeError):
    """The replica could not reach the requested offset in time (Kafka down or lagging)."""


class ConfigReplica:
    """Usage (ingest, query_api, bootstrap)::

        replica = ConfigReplica(bootstrap_servers)
        await replica.start()           # returns once everything on the topic is applied
        state = replica.state           # an immutable ConfigState snapshot; re-read per request
        await replica.wait_for(offset)  # until the record at `offset` is applied
        state = await replica.sync()    # until everything appended before this call is applied
        await replica.stop()

    `keep_history=False` skips audit records (no audit trail, no policy version history):
    for processes that only need current state, such as ingest.
    """

    def __init__(
        self, bootstrap: str, *, keep_history: bool = True, client_id: str = "guardstream-config"
    ) -> None:
        self._bootstrap = bootstrap
        self._keep_history = keep_history
        self._client_id = client_id
        self._tp = TopicPartition(CONFIG_TOPIC, 0)
        self._consumer: AIOKafkaConsumer | None = None
        # End offsets come through a connection of their own: Kafka answers the requests of one
        # connection in order, so on the tailing consumer's connection a ListOffsets would wait
        # behind the pending long-poll fetch.
        self._offsets: AIOKafkaConsumer | None = None
        self._state = ConfigState()
        self._position = 0  # offset of the next record to apply
        self._advanced: asyncio.Condition | None = None
        self._tail: asyncio.Task[None] | None = None
        self._synced_at = 0.0  # wall-clock start of the last completed sync()
        self.skipped_records = 0

    @property
    def state(self) -> ConfigState:
        return self._state

    @property
    def position(self) -> int:
        """Offset of the next record to apply: every record below it is in `state`."""
        return self._position

    @property
    def synced_at(self) -> float:
        """Wall-clock start of the last completed `sync()` (0 before any)."""
        return self._synced_at

    @property
    def ready(self) -> bool:
        return self._tail is not None and not self._tail.done()

    async def start(self, timeout: float = 60) -> None:
        """Connect, read the topic from its beginning to its current end, then tail it."""
        self._advanced = asyncio.Condition()
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=200,
        )
        self._offsets = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap, client_id=self._client_id + "-offsets", group_id=None
        )
        await self._consumer.start()
        await self._offsets.start()
        try:
            await self._wait_for_partition(time.monotonic() + timeout)
            self._consumer.assign([self._tp])
            await self._consumer.seek_to_beginning(self._tp)
            end = await self._end_offset()
            deadline = time.monotonic() + timeout
            while self._position < end:
                if time.monotonic() > deadline:
                    raise ReplicaUnavailable(f"{CONFIG_TOPIC}: loaded {self._position} of {end} in {timeout:.0f}s")
                await self._fetch_and_apply(timeout_ms=500)
        except BaseException:
            await self._consumer.stop()
            await self._offsets.stop()
            raise
        log.info("config_replica_ready", offset=self._position, organizations=len(self._state.organizations))
        self._tail = asyncio.create_task(self._tail_forever(), name="config-replica-tail")

    async def stop(self) -> None:
        if self._tail is not None:
            self._tail.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._tail
        if self._consumer is not None:
            await self._consumer.stop()
        if self._offsets is not None:
            await self._offsets.stop()

    async def wait_for(self, offset: int, timeout: float = 10) -> ConfigState:
        """The state once the record at `offset` is applied (read-your-writes)."""
        assert self._advanced is not None, "start() first"
        if self._position > offset:
            return self._state
        try:
            async with self._advanced:
                await asyncio.wait_for(self._advanced.wait_for(lambda: self._position > offset), timeout)
        except TimeoutError:
            raise ReplicaUnavailable(
                f"{CONFIG_TOPIC}: offset {offset} not applied within {timeout:.0f}s (at {self._position})"
            ) from None
        return self._state

    async def sync(self, timeout: float = 10) -> ConfigState:
        """The state including every record appended before this call, in any process.

        One ListOffsets round trip to the partition leader, then `wait_for` the end offset:
        a linearizable read of the config, for commands and for cross-process consistency.
        """
        try:
            end = await asyncio.wait_for(self._end_offset(), timeout)
        except TimeoutError:
            raise ReplicaUnavailable(f"{CONFIG_TOPIC}: no end offset from Kafka within {timeout:.0f}s") from None
        return await self.wait_for(end - 1, timeout) if end > 0 else self._state

    async def sync_since(self, moment: float, timeout: float = 10) -> ConfigState:
        """The state including every record appended before wall-clock time `moment`
        (`time.time()` seconds): a `sync()`, unless one that began after `moment` already
        finished. A stream of screenings received after a config change is judged by it,
        for one round trip per batch of fresh events, none while working through a backlog.
        Assumes the clocks of the appending and the calling hosts agree (NTP)."""
        if self._synced_at >= moment:
            return self._state
        started = time.time()
        state = await self.sync(timeout)
        self._synced_at = max(self._synced_at, started)
        return state

    async def _end_offset(self) -> int:
        assert self._offsets is not None
        return (await self._offsets.end_offsets([self._tp]))[self._tp]

    async def _wait_for_partition(self, deadline: float) -> None:
        assert self._consumer is not None
        while CONFIG_TOPIC not in await self._consumer.topics():
            if time.monotonic() > deadline:
                raise ReplicaUnavailable(f"topic {CONFIG_TOPIC} does not exist (run `guardstream topics`)")
            await asyncio.sleep(0.2)

    async def _tail_forever(self) -> None:
        while True:
            try:
                await self._fetch_and_apply(timeout_ms=1000)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the consumer reconnects by itself; keep tailing
                log.error("config_replica_fetch_failed", error_type=type(exc).__name__, offset=self._position)
                await asyncio.sleep(1)

    async def _fetch_and_apply(self, timeout_ms: int) -> None:
        assert self._consumer is not None and self._advanced is not None
        fetched = await self._consumer.getmany(self._tp, timeout_ms=timeout_ms, max_records=2000)
        raw = fetched.get(self._tp, [])
        if raw:
            records = [r for r in (self._decode(m) for m in raw) if r is not None]
            self._state = self._state.apply_records(records, keep_history=self._keep_history)
        position = await self._consumer.position(self._tp)
        if position != self._position:
            async with self._advanced:
                self._position = position
                self._advanced.notify_all()

    def _decode(self, message: ConsumerRecord[bytes, bytes]) -> ConfigRecord | None:
        """A record, or None for one no replica can use (every replica skips the same ones)."""
        try:
            return decode_config_record(message.key, message.value, keep_history=self._keep_history)
        except ConfigEventError as exc:
            self._skip(message.offset, str(exc)[:200])
            return None

    def _skip(self, offset: int, reason: str) -> None:
        self.skipped_records += 1
        log.error("config_record_skipped", offset=offset, reason=reason)

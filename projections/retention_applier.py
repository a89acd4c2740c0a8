"""Keeps the read models' retention in step with the control plane: a task of the writer
process (projections/service.py) that tails `guard.config` with its own ConfigReplica.

- When an org's `retention_days` differs from what `org_retention` records (a `PUT
  /v1/settings`, a new org, or the first start), it applies it at once (projections/retention.py):
  recorded for new rows, rewritten on existing ones, older rows deleted from `screenings` and
  every aggregate.
- Every `sweep_s` it re-applies every org's retention: rows that aged past it since, and rows
  written with the old value while a change was being recorded, are dealt with then (each
  mutation runs only where a probe finds rows to touch). Merges apply the TTL too, later.

Several writer processes each run one; applying a retention twice is harmless. The reads do
not wait for any of this: they cut at the org's retention from their own replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping

import structlog
from clickhouse_connect.driver.client import Client

from projections.retention import enforce_retention, record_retention, recorded_retention, retention_changes
from projections.topology import Topology
from streams.config import ConfigReplica, ConfigState

log = structlog.get_logger(__name__)


def wanted_retention(state: ConfigState) -> dict[str, int]:
    """Each org's retention as the control plane has it."""
    return {org.id: org.retention_days for org in state.organizations.values()}


class RetentionApplier:
    def __init__(
        self, bootstrap: str, client: Client, topology: Topology, *, poll_s: float = 0.5, sweep_s: float = 600.0
    ) -> None:
        self._bootstrap = bootstrap
        self._client = client
        self._topology = topology
        self._poll_s = poll_s
        self._sweep_s = sweep_s
        self._recorded: dict[str, int] | None = None  # org_retention, once read

    async def run(self, stopping: asyncio.Event) -> None:
        replica = await self._start_replica(stopping)
        if replica is None:
            return
        try:
            seen, last_sweep = -1, time.monotonic()
            while not stopping.is_set():
                sweep = time.monotonic() - last_sweep >= self._sweep_s
                if replica.position != seen or sweep:
                    position, wanted = replica.position, wanted_retention(replica.state)
                    if await self._apply(wanted, sweep):
                        seen = position  # else: try again at the next poll
                    if sweep:
                        last_sweep = time.monotonic()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), self._poll_s)
        finally:
            await replica.stop()

    async def _start_replica(self, stopping: asyncio.Event) -> ConfigReplica | None:
        """The config replica, retried until Kafka has the topic (None: stopped first)."""
        while not stopping.is_set():
            replica = ConfigReplica(self._bootstrap, keep_history=False, client_id="guardstream-retention")
            try:
                await replica.start(timeout=30)
                return replica
            except Exception as exc:  # noqa: BLE001 - Kafka away or the topic not created yet
                log.warning("retention_replica_unavailable", error=type(exc).__name__)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), 5)
        return None

    async def _apply(self, wanted: Mapping[str, int], sweep: bool) -> bool:
        """Apply what changed (every org on a sweep); True when it all succeeded."""
        try:
            if self._recorded is None:
                self._recorded = await asyncio.to_thread(recorded_retention, self._client, self._topology)
        except Exception as exc:  # noqa: BLE001 - ClickHouse away: the next poll retries
            log.warning("retention_read_failed", error=type(exc).__name__)
            return False
        changed = retention_changes(self._recorded, wanted)
        try:
            await asyncio.to_thread(record_retention, self._client, self._topology, changed)
            todo = wanted if sweep else changed
            mutations = await asyncio.to_thread(enforce_retention, self._client, self._topology, todo)
            self._recorded.update(changed)  # only now: a failed pass is retried whole (recording twice is harmless)
        except Exception as exc:  # noqa: BLE001 - ClickHouse away: the next poll retries
            log.warning("retention_apply_failed", error=type(exc).__name__)
            return False
        if changed or mutations:
            log.info("retention_applied", orgs_changed=len(changed), sweep=sweep, mutations=mutations)
        return True

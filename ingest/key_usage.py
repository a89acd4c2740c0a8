"""`last used` of API keys, reported to guard.config at most once per key per interval.

Approximate by design: writing a config event per screening would flood the config log;
one per key every few minutes is what the API Access page needs.
"""

from __future__ import annotations

import asyncio
import time

import structlog

from schemas.config import ApiKey
from schemas.config_events import API_KEY_USED, ApiKeyUsed, config_event
from schemas.envelope import utc_now
from streams.config.log import ConfigLog

log = structlog.get_logger(__name__)


class KeyUsageReporter:
    def __init__(self, config_log: ConfigLog, interval_s: float = 300) -> None:
        self._log = config_log
        self._interval_s = interval_s
        self._reported: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def saw(self, key: ApiKey) -> None:
        now = time.monotonic()
        if now - self._reported.get(key.id, -self._interval_s) < self._interval_s:
            return
        self._reported[key.id] = now
        task = asyncio.create_task(self._report(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _report(self, key: ApiKey) -> None:
        event = config_event(API_KEY_USED, key.org_id, ApiKeyUsed(actor="system", key_id=key.id, last_used_at=utc_now()))
        try:
            await self._log.append([event])
        except Exception as exc:  # a missed usage report must never fail a screening
            log.warning("key_usage_report_failed", key_prefix=key.prefix, error_type=type(exc).__name__)

    async def flush(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

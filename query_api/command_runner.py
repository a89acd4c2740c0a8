"""Runs a control-plane command for a route: validation errors pass through as they are
(ApiError), an unreachable Kafka becomes a 503 with nothing written."""

from __future__ import annotations

import structlog
from aiokafka.errors import KafkaError

from schemas.errors import ApiError
from streams.config import ConfigLog, ConfigState, ReplicaUnavailable
from streams.config.log import Decision

log = structlog.get_logger(__name__)


async def run_command(config: ConfigLog, decide: Decision) -> ConfigState:
    try:
        return await config.execute(decide)
    except (KafkaError, ReplicaUnavailable) as exc:
        log.error("config_write_failed", error_type=type(exc).__name__)
        raise ApiError(503, "the config log is unavailable; retry", "unavailable") from exc

"""The event envelope (DESIGN.md contract): one per Kafka record, UTF-8 JSON.

`event_id` is a UUIDv7 minted by ingest and kept by every later stage, so it is the
idempotency key end to end: the screened event of a received event has the same id,
and every sink stores each id once.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

PayloadT = TypeVar("PayloadT", bound=BaseModel)


def new_event_id(now_ms: int | None = None) -> str:
    """A UUIDv7 (RFC 9562): 48-bit Unix ms timestamp, then random bits.

    Time-ordered ids keep ClickHouse parts and Kafka keys roughly sorted by arrival.
    """
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version 7
    value |= ((rand >> 68) & 0xFFF) << 64  # rand_a
    value |= 0b10 << 62  # RFC 4122 variant
    value |= rand & ((1 << 62) - 1)  # rand_b
    return str(uuid.UUID(int=value))


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_rfc3339_ms(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds, e.g. `2026-11-24T06:38:28.123Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Envelope(BaseModel, Generic[PayloadT]):
    """`{"event_id", "type", "version", "occurred_at", "org_id", "project_id", "data"}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: str = Field(min_length=36, max_length=36)
    type: str
    version: int = 1
    occurred_at: datetime
    org_id: str = Field(min_length=1)
    project_id: str | None = None
    data: PayloadT

    @field_validator("occurred_at")
    @classmethod
    def _occurred_at_utc_ms(cls, value: datetime) -> datetime:
        """The contract's precision is ms in UTC: truncate once, so every sink agrees."""
        if value.tzinfo is None:
            raise ValueError("occurred_at needs a UTC offset")
        return value.astimezone(UTC).replace(microsecond=value.microsecond // 1000 * 1000)

    @field_serializer("occurred_at")
    def _occurred_at_rfc3339(self, value: datetime) -> str:
        return format_rfc3339_ms(value)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode("utf-8")


def envelope_type(raw: dict[str, Any]) -> str | None:
    """The `type` of an undecoded envelope, for routing before full validation."""
    value = raw.get("type") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None

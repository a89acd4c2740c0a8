"""A record the pipeline could not process, parked on `guard.deadletter` with the reason.

`original` keeps the undecodable bytes for an operator to inspect and replay; since they
may hold raw text, the topic has the short retention of `guard.screenings`.
"""

from __future__ import annotations

import base64
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class DeadLetter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str
    stage: str
    source_topic: str
    partition: int
    offset: int
    failed_at: datetime
    original_b64: str

    @staticmethod
    def encode_original(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

"""`ConfigChange`: the `data` of every config event (schemas/config_events.py).

Its own module so that entity modules with their own events (schemas/export.py) can define
their payloads without importing the event registry, which imports them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

ACTOR_SYSTEM = "system"


class ConfigChange(BaseModel):
    """`data` of every config event: who made the change (`system` for bootstrap and ingest)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    actor: str = Field(min_length=1)

    @property
    def entity_id(self) -> str:
        raise NotImplementedError

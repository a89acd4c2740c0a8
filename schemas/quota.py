"""A monthly-quota reservation, as ingest appends it to `guard.quota`.

Every ingest process folds the same single-partition log in the same order, so each
reservation gets the same verdict everywhere: the count per org and month is exact with
any number of ingest processes and survives restarts. The reserving process writes the
month and the limit it saw, so the fold never depends on a reader's clock or config.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class QuotaReservation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reservation_id: str
    org_id: str
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    events: int = Field(description="screenings to admit; negative releases an unused grant")
    limit: int = Field(ge=0)
    reserved_at: datetime

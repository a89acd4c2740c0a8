"""One screened event → one JSONL line of the SIEM export. Pure.

A line is the masked `screening.screened` event of `guard.screened` as the pipeline wrote it,
flattened for SIEM tools (DESIGN.md: "same fields as screening.screened plus ids"; the
contract of a line is schemas/export.SiemLogLine, which the tests validate these lines against)::

    {"event_id", "type", "occurred_at", "org_id", "project_id",
     "project_name", "project_metadata",          # from the project's current config
     "request_id", "kind", "messages", ..., "api_response"}   # `data`, untouched

Events are decoded as plain JSON (pydantic-core's parser, no model validation on the hot
path): the pipeline validated them before writing, and the line carries `data` as decoded. A record
that is not a screened event is skipped, counted and logged by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_core import from_json, to_json

from schemas.config import Project
from schemas.screening import SCREENING_SCREENED

from streams.archiver.layout import hour_of


@dataclass(frozen=True)
class ScreenedRecord:
    """A decoded record of guard.screened: where it is, when, whose, and the event itself."""

    offset: int
    timestamp_ms: int  # the Kafka timestamp (LogAppendTime)
    event_id: str
    org_id: str
    project_id: str | None
    event_hour_ms: int  # start of the UTC hour of occurred_at
    event: dict[str, Any]


class NotAScreenedEvent(ValueError):
    """The record cannot be archived (not JSON, or not a screening.screened envelope)."""


def decode_record(offset: int, timestamp_ms: int, value: bytes | None) -> ScreenedRecord:
    try:
        event = from_json(value) if value else None
    except ValueError:
        raise NotAScreenedEvent("not JSON") from None
    if not isinstance(event, dict) or event.get("type") != SCREENING_SCREENED:
        raise NotAScreenedEvent("not a screening.screened envelope")
    event_id, org_id, occurred = event.get("event_id"), event.get("org_id"), event.get("occurred_at")
    project_id = event.get("project_id")
    if not (isinstance(event_id, str) and isinstance(org_id, str) and org_id and isinstance(occurred, str)):
        raise NotAScreenedEvent("envelope without event_id, org_id or occurred_at")
    if not isinstance(event.get("data"), dict) or not (project_id is None or isinstance(project_id, str)):
        raise NotAScreenedEvent("envelope without a data object")
    try:
        moment = datetime.fromisoformat(occurred)
    except ValueError:
        raise NotAScreenedEvent("occurred_at is not RFC 3339") from None
    if moment.tzinfo is None:
        raise NotAScreenedEvent("occurred_at has no UTC offset")
    return ScreenedRecord(offset, timestamp_ms, event_id, org_id, project_id, hour_of(moment), event)


def archive_line(record: ScreenedRecord, project: Project | None) -> bytes:
    """The JSONL line (with its newline) of one event; `project` from the config, if it exists."""
    event = record.event
    line = {
        "event_id": record.event_id,
        "type": event["type"],
        "occurred_at": event["occurred_at"],
        "org_id": record.org_id,
        "project_id": record.project_id,
        "project_name": project.name if project is not None else None,
        "project_metadata": dict(project.metadata) if project is not None else {},
        **event["data"],
    }
    return to_json(line) + b"\n"  # compact, UTF-8, keys in this order: the same bytes every time

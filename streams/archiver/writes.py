"""Writing planned objects to each organization's export target, and the health of each target.

An object is written whole in one request (S3 PUT, or a local temp file renamed into place),
so a reader never sees half an object and an overwrite replaces it atomically. Writes run in
threads (fsspec's sync API); the bytes are built there too.

`OrgHealth` is the pure part: failures back off exponentially per organization, so a target
whose credentials went bad costs one attempt per backoff period while other orgs keep flowing.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

from schemas.config import Project
from schemas.environment import GuardEnvironment
from streams.archiver.chunks import PlannedObject
from streams.archiver.lines import archive_line
from streams.archiver.target import ExportLocation, open_target
from streams.config.state import ConfigState

@dataclass
class OrgHealth:
    """An org's target as the archiver sees it: healthy, or failing since a moment with a reason."""

    failures: int = 0
    failing_since: float | None = None  # wall clock (s) of the first failure of this streak
    retry_at: float = 0.0  # monotonic (s): no attempt before
    reason: str | None = None
    message: str = ""

    @property
    def failing(self) -> bool:
        return self.failing_since is not None

    def failed(self, reason: str, message: str, now_wall: float, now_mono: float, retry_max_s: float) -> bool:
        """Record a failed write; True if this opens a failure streak."""
        opened = self.failing_since is None
        if opened:
            self.failing_since = now_wall
        self.failures += 1
        self.reason, self.message = reason, message
        self.retry_at = now_mono + min(retry_max_s, 0.5 * 2 ** min(self.failures - 1, 16))
        return opened

    def succeeded(self) -> bool:
        """Record a successful write; True if this closes a failure streak."""
        closed = self.failing_since is not None
        self.failures, self.failing_since, self.retry_at, self.reason, self.message = 0, None, 0.0, None, ""
        return closed

    def may_try(self, now_mono: float) -> bool:
        return now_mono >= self.retry_at


def object_bytes(obj: PlannedObject, state: ConfigState) -> bytes:
    """The object's JSONL: one line per event, in offset order, with its project's name and metadata."""
    projects: dict[str | None, Project | None] = {}
    lines = []
    for record in obj.records:
        if record.project_id not in projects:
            project = state.project(record.project_id) if record.project_id else None
            projects[record.project_id] = project if project is not None and project.org_id == obj.org_id else None
        lines.append(archive_line(record, projects[record.project_id]))
    return b"".join(lines)


def export_enabled(state: ConfigState, org_id: str) -> bool:
    """An org exports unless it configured a target and turned it off (DESIGN.md: an org
    without a target uses the deployment's default target, enabled)."""
    target = state.export_target(org_id)
    return target is None or target.enabled


class ObjectStore:
    """The filesystems of the orgs' targets (streams/archiver/target.py `open_target`), opened
    once per version of the org's target setting and reused."""

    def __init__(self, settings: GuardEnvironment) -> None:
        self._settings = settings
        self._locations: dict[str, tuple[str, ExportLocation]] = {}

    def location(self, state: ConfigState, org_id: str) -> ExportLocation:
        target = state.export_target(org_id)
        version = target.model_dump_json() if target is not None else "default"
        cached = self._locations.get(org_id)
        if cached is None or cached[0] != version:
            cached = (version, open_target(target, org_id, self._settings))
            self._locations[org_id] = cached
        return cached[1]

    def write(self, location: ExportLocation, obj: PlannedObject, data: bytes) -> str:
        """Write `data` at the object's key under the location's root (blocking); the path."""
        path = location.path(obj.key)
        fs = location.fs
        if "file" in _protocols(fs):
            # Local directory: a temp file renamed into place, so readers never see half an
            # object. The temp name does not end in .jsonl: globs never pick it up.
            local = fs._strip_protocol(path)
            os.makedirs(os.path.dirname(local), exist_ok=True)
            temp = os.path.join(os.path.dirname(local), f".{os.path.basename(local)}.{uuid.uuid4().hex[:8]}.tmp")
            with open(temp, "wb") as sink:
                sink.write(data)
            os.replace(temp, local)
        else:
            fs.pipe_file(path, data)
        return path


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = getattr(fs, "protocol", ())
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)

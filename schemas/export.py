"""SIEM export (issue 6): each organization's export target and its alerts, as config entities
on `guard.config`, and the bodies of the export API. Defined once here; the archiver
(streams/archiver), query_api (export_routes.py) and the web Settings page all use these.

* `ExportTarget`, key `export_target/<org_id>`, event `config.export_target.upserted`. An org
  without one exports to the deployment's default target (GUARD_ARCHIVE_URL, default
  `file://$GUARD_DATA_DIR/archive`), enabled.
* `ExportAlert`, key `export_alert/<org_id>`, event `config.export_alert.upserted`: upserted
  by the archiver while an org's writes fail, and once more with `resolved_at` when they work.

The secret access key is only ever stored sealed (schemas/sealed_secret.py) and no API body
carries it back: `ExportSettingsView` says `secret_set`, nothing more.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints, field_validator

from schemas.config import EntityId
from schemas.config_change import ConfigChange
from schemas.screening import ScreeningScreened

EXPORT_TARGET_UPSERTED = "config.export_target.upserted"
EXPORT_ALERT_UPSERTED = "config.export_alert.upserted"

ProbeFailure = Literal["bad_credentials", "no_such_bucket", "access_denied", "endpoint_unreachable"]
# `write_failed`: anything else (a 5xx, a full disk, an object read back different)
ExportFailure = Literal["bad_credentials", "no_such_bucket", "access_denied", "endpoint_unreachable", "write_failed"]
TargetKind = Literal["default", "s3"]

EndpointUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2048, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
]
Region = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")]
# S3's naming rules (lower case, digits, dots, hyphens; 3–63), which every compatible store accepts
Bucket = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
AccessKeyId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128, pattern=r"^\S+$")]


def _clean_prefix(value: str) -> str:
    """`/logs/guard/` → `logs/guard`: a relative path of plain segments."""
    value = value.strip().strip("/")
    segments = value.split("/") if value else []
    if any(s in ("", ".", "..") for s in segments) or any(c in value for c in "\\*?[]#\n\r\t"):
        raise ValueError("a prefix is slash-separated names, without empty, `.` or `..` parts or wildcards")
    return value


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExportTarget(_Frozen):
    """Where an org's Guard logs go: an S3-compatible bucket, or (bucket None) the default target."""

    org_id: EntityId
    enabled: bool = True
    endpoint_url: EndpointUrl | None = Field(default=None, description="S3-compatible endpoint; None = AWS")
    region: Region | None = None
    bucket: Bucket | None = Field(default=None, description="None = the deployment's default target")
    prefix: str = Field(
        default="", max_length=512, description="path inside the bucket; for the default target '' means '<org_id>'"
    )
    access_key_id: AccessKeyId | None = None
    secret_access_key_sealed: str | None = Field(default=None, description="schemas/sealed_secret.seal output")
    tested_at: datetime | None = None
    updated_at: datetime

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        return _clean_prefix(value)

    @property
    def kind(self) -> TargetKind:
        return "default" if self.bucket is None else "s3"

    def __repr__(self) -> str:  # the sealed secret stays out of logs and tracebacks
        return f"ExportTarget(org_id={self.org_id!r}, kind={self.kind!r}, bucket={self.bucket!r}, enabled={self.enabled})"

    __str__ = __repr__


class ExportAlert(_Frozen):
    """An org's export failing since `since` (open while `resolved_at` is None)."""

    org_id: EntityId
    reason: ExportFailure
    message: str = Field(max_length=1000, description="what went wrong, never a secret")
    since: datetime
    last_seen: datetime
    held_events: int = Field(ge=0, description="events kept back, not yet written")
    resolved_at: datetime | None = None


# --- config events (registered in schemas/config_events.py) -----------------------------------


class ExportTargetUpserted(ConfigChange):
    target: ExportTarget

    @property
    def entity_id(self) -> str:
        return self.target.org_id


class ExportAlertUpserted(ConfigChange):
    alert: ExportAlert

    @property
    def entity_id(self) -> str:
        return self.alert.org_id


# --- API bodies (query_api/export_routes.py) ------------------------------------------------


class ExportSettingsUpdate(_Frozen):
    """`POST /v1/settings/export/test` and `PUT /v1/settings/export`. `secret_access_key`
    left out (or null) keeps the stored one; the other fields are the whole new setting."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                # the deployment's default target (a directory under GUARD_DATA_DIR for `make run`)
                {"enabled": True, "bucket": None, "prefix": ""},
                {
                    "enabled": True,
                    "endpoint_url": "https://s3.eu-central-1.amazonaws.com",
                    "region": "eu-central-1",
                    "bucket": "acme-guard-logs",
                    "prefix": "guard",
                    "access_key_id": "AKIAIOSFODNN7EXAMPLE",
                    "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                },
            ]
        },
    )

    enabled: bool = True
    endpoint_url: EndpointUrl | None = Field(default=None, description="S3-compatible endpoint; null = AWS")
    region: Region | None = None
    bucket: Bucket | None = Field(default=None, description="null = the deployment's default target")
    prefix: str = Field(default="", max_length=512)
    access_key_id: AccessKeyId | None = None
    secret_access_key: SecretStr | None = Field(
        default=None, max_length=256, description="write-only; omitted or null keeps the stored one"
    )

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        return _clean_prefix(value)


class ExportSettingsView(_Frozen):
    """`GET`/`PUT /v1/settings/export`: the setting without its secret."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "enabled": True,
                    "endpoint_url": "https://s3.eu-central-1.amazonaws.com",
                    "region": "eu-central-1",
                    "bucket": "acme-guard-logs",
                    "prefix": "guard",
                    "access_key_id": "AKIAIOSFODNN7EXAMPLE",
                    "secret_set": True,
                    "target": "s3",
                    "tested_at": "2026-01-06T14:30:00Z",
                    "updated_at": "2026-01-06T14:30:00Z",
                }
            ]
        },
    )

    enabled: bool = True
    endpoint_url: str | None = None
    region: str | None = None
    bucket: str | None = None
    prefix: str = ""
    access_key_id: str | None = None
    secret_set: bool = False
    target: TargetKind = "default"
    tested_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def of(cls, target: ExportTarget | None) -> "ExportSettingsView":
        """The view of an org's target; the defaults for an org that never set one."""
        if target is None:
            return cls()
        return cls(
            **target.model_dump(exclude={"org_id", "secret_access_key_sealed"}),
            secret_set=target.secret_access_key_sealed is not None,
            target=target.kind,
        )


class ExportTestResult(_Frozen):
    """What "Test authentication" found: ok, or the reason and a precise message."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {"ok": True, "reason": None, "message": "wrote, read back and deleted s3://acme-guard-logs/guard/.guardstream-probe-3f9c", "elapsed_ms": 84},
                {"ok": False, "reason": "no_such_bucket", "message": "bucket 'acme-guard-logs' does not exist", "elapsed_ms": 41},
            ]
        },
    )

    ok: bool
    reason: ExportFailure | None = None
    message: str
    elapsed_ms: int = Field(ge=0)


class ExportAlertView(_Frozen):
    org_id: str
    reason: ExportFailure
    message: str
    since: datetime
    last_seen: datetime
    held_events: int
    resolved_at: datetime | None = None
    open: bool

    @classmethod
    def of(cls, alert: ExportAlert) -> "ExportAlertView":
        return cls(**alert.model_dump(), open=alert.resolved_at is None)


class ExportAlertList(_Frozen):
    """`GET /v1/alerts`: the caller's org's export alerts, open ones first."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "alerts": [
                        {
                            "org_id": "org-default",
                            "reason": "bad_credentials",
                            "message": "writing s3://acme-guard-logs/guard/2026/01/06/14/2026-01-06T14:31:00+00:00.jsonl: "
                            "the access key id is not known to the store (bad credentials)",
                            "since": "2026-01-06T14:31:02Z",
                            "last_seen": "2026-01-06T14:40:33Z",
                            "held_events": 5120,
                            "resolved_at": None,
                            "open": True,
                        }
                    ]
                }
            ]
        },
    )

    alerts: list[ExportAlertView]


class SiemLogLine(ScreeningScreened):
    """One line of an exported object (DESIGN.md "SIEM export"): the masked `screening.screened`
    event flattened for SIEM tools — the envelope's ids and time, the project's name and
    metadata from the org's config when the line was written, then `data` as the pipeline wrote
    it. streams/archiver/lines.py builds these lines without validation on the hot path; the
    tests check its output against this model."""

    model_config = ConfigDict(extra="forbid")

    event_id: str
    type: Literal["screening.screened"]
    occurred_at: str = Field(description="RFC 3339 UTC with ms, as in the envelope")
    org_id: str
    project_id: str | None
    project_name: str | None
    project_metadata: dict[str, str]

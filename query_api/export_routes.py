"""SIEM export settings and alerts of the caller's organization (admins only).

* `GET /v1/settings/export`: the setting, never its secret (`secret_set` says whether one is stored).
* `POST /v1/settings/export/test` ("Test authentication"): writes, reads back and deletes a
  probe object with the given settings (the stored secret when none is given) and says, within
  10 s, what is wrong: bad_credentials | no_such_bucket | access_denied | endpoint_unreachable.
* `PUT /v1/settings/export`: runs the same probe and stores the setting only if it passed
  (422 `export_test_failed` otherwise). Turning the export off needs no probe.
* `GET /v1/alerts`: the archiver's export alerts for the org (open ones first).

The secret access key is sealed (schemas/sealed_secret.py) before it reaches the config log,
and appears in no response, log line or audit entry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from fastapi import APIRouter, Depends

from query_api.access import Caller, error_responses
from query_api.command_runner import run_command
from schemas.environment import GuardEnvironment
from schemas.errors import ApiError
from schemas.export import (
    ExportAlertList,
    ExportAlertView,
    ExportSettingsUpdate,
    ExportSettingsView,
    ExportTarget,
    ExportTestResult,
)
from streams.archiver.target import PROBE_TIMEOUTS, TargetError, open_target, probe_within
from streams.config import ConfigLog, ConfigReplica
from streams.config.commands import export

log = structlog.get_logger(__name__)


async def probe_target(target: ExportTarget, settings: GuardEnvironment) -> ExportTestResult:
    """The probe of a candidate target, with the probe's short timeouts."""
    try:
        location = open_target(target, target.org_id, settings, timeouts=PROBE_TIMEOUTS)
    except TargetError as exc:
        return ExportTestResult(ok=False, reason=exc.reason, message=exc.message, elapsed_ms=0)
    result = await probe_within(location)
    log.info(
        "export_probe",
        org_id=target.org_id,
        target=target.kind,
        bucket=target.bucket,
        ok=result.ok,
        reason=result.reason,
        elapsed_ms=result.elapsed_ms,
    )
    return result


def build_export_router(
    replica: ConfigReplica, config: ConfigLog, authorized: Callable[..., Any], settings: GuardEnvironment
) -> APIRouter:
    router = APIRouter(tags=["export"], responses=error_responses(401, 403))
    secret_key = settings.require_secret_key()

    def candidate(caller: Caller, body: ExportSettingsUpdate) -> ExportTarget:
        current = replica.state.export_target(caller.org_id)
        return export.candidate_target(current, caller.org_id, body, secret_key, datetime.now(UTC))

    @router.get("/v1/settings/export", response_model=ExportSettingsView)
    async def get_export_settings(caller: Caller = Depends(authorized)) -> ExportSettingsView:
        """Where the org's Guard logs are exported; the defaults (the deployment's own target,
        enabled) until an admin saves a setting. The secret access key is never returned."""
        return ExportSettingsView.of(replica.state.export_target(caller.org_id))

    @router.post(
        "/v1/settings/export/test", response_model=ExportTestResult, responses=error_responses(422)
    )
    async def test_export_settings(body: ExportSettingsUpdate, caller: Caller = Depends(authorized)) -> ExportTestResult:
        """"Test authentication": write, read back and delete a probe object with these
        settings. Answers within 10 s with `ok`, or the `reason` and a precise `message`."""
        return await probe_target(candidate(caller, body), settings)

    @router.put(
        "/v1/settings/export", response_model=ExportSettingsView, responses=error_responses(404, 422, 503)
    )
    async def put_export_settings(body: ExportSettingsUpdate, caller: Caller = Depends(authorized)) -> ExportSettingsView:
        """Save the setting once it passes the same probe as the test (422
        `export_test_failed` with the reason otherwise). `enabled: false` is saved untested."""
        target = candidate(caller, body)
        if target.enabled:
            result = await probe_target(target, settings)
            if not result.ok:
                raise ApiError(422, f"{result.reason}: {result.message}", "export_test_failed")
            target = target.model_copy(update={"tested_at": datetime.now(UTC)})
        state = await run_command(config, lambda s: export.put_target(s, caller.user_id, target))
        log.info("export_settings_saved", org_id=caller.org_id, target=target.kind, enabled=target.enabled)
        return ExportSettingsView.of(state.export_target(caller.org_id))

    @router.get("/v1/alerts", response_model=ExportAlertList)
    async def alerts(caller: Caller = Depends(authorized)) -> ExportAlertList:
        """The org's export alerts: an open one while the archiver cannot write the org's
        objects (its events are held, nothing is lost), then resolved once writes succeed."""
        found = replica.state.export_alerts(caller.org_id)
        ordered = sorted(found, key=lambda a: (a.resolved_at is not None, -a.since.timestamp()))
        return ExportAlertList(alerts=[ExportAlertView.of(a) for a in ordered])

    return router

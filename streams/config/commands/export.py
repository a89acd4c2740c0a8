"""SIEM export settings commands (admins): the candidate target of an update, and storing it.

Pure. The secret access key is sealed here, before anything else sees it: a candidate target
carries only the sealed form, exactly as it will be stored.
"""

from __future__ import annotations

from datetime import datetime

from schemas.config_events import config_event
from schemas.errors import ApiError
from schemas.export import EXPORT_TARGET_UPSERTED, ExportSettingsUpdate, ExportTarget, ExportTargetUpserted
from schemas.sealed_secret import seal
from streams.config.state import ConfigState


def candidate_target(
    current: ExportTarget | None, org_id: str, update: ExportSettingsUpdate, secret_key: str, now: datetime
) -> ExportTarget:
    """The target `update` asks for. A secret left out keeps the stored one, but only for the
    same access key id: a new key id needs its own secret (422 naming `secret_access_key`)."""
    secret = update.secret_access_key.get_secret_value() if update.secret_access_key is not None else None
    sealed: str | None
    if secret:
        sealed = seal(secret, secret_key)
    elif current is not None and current.access_key_id == update.access_key_id:
        sealed = current.secret_access_key_sealed
    else:
        sealed = None
    if update.bucket is not None and update.access_key_id is not None and sealed is None:
        raise ApiError(
            422, "enter the secret access key of this access key id", "invalid_request", "secret_access_key"
        )
    if update.bucket is not None and update.access_key_id is None and secret:
        raise ApiError(422, "a secret access key needs its access key id", "invalid_request", "access_key_id")
    return ExportTarget(
        org_id=org_id,
        **update.model_dump(exclude={"secret_access_key"}),
        secret_access_key_sealed=sealed,
        tested_at=None,
        updated_at=now,
    )


def put_target(state: ConfigState, actor: str, target: ExportTarget) -> list:
    """Store the org's target (already probed by the caller, unless it disables the export)."""
    if state.organization(target.org_id) is None:
        raise ApiError(404, "your organization no longer exists", "not_found")
    return [config_event(EXPORT_TARGET_UPSERTED, target.org_id, ExportTargetUpserted(actor=actor, target=target))]

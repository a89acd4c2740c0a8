"""General settings of the caller's organization (admins): prompt logging, data retention,
the default policy; name, plan and monthly quota are shown read-only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends

from query_api.access import Caller, error_responses
from query_api.command_runner import run_command
from schemas.config_api import OrgSettings, SettingsUpdate
from schemas.errors import ApiError
from streams.config import ConfigLog, ConfigReplica, ConfigState
from streams.config.commands import organization


def settings_of(state: ConfigState, org_id: str) -> OrgSettings:
    org = state.organization(org_id)
    if org is None:
        raise ApiError(404, "your organization no longer exists", "not_found")
    return OrgSettings(org_id=org.id, **org.model_dump(exclude={"id", "created_at"}))


def build_settings_router(replica: ConfigReplica, config: ConfigLog, authorized: Callable[..., Any]) -> APIRouter:
    router = APIRouter(tags=["settings"], responses=error_responses(401, 403))

    @router.get("/v1/settings", response_model=OrgSettings)
    async def get_settings(caller: Caller = Depends(authorized)) -> OrgSettings:
        return settings_of(replica.state, caller.org_id)

    @router.put("/v1/settings", response_model=OrgSettings, responses=error_responses(404, 422, 503))
    async def update_settings(body: SettingsUpdate, caller: Caller = Depends(authorized)) -> OrgSettings:
        """Toggle prompt logging, set retention (Enterprise: 403 `enterprise_plan_required`
        otherwise) or the default policy. Fields left out keep their value."""
        state = await run_command(
            config, lambda s: organization.update_settings(s, caller.user_id, caller.org_id, body)
        )
        return settings_of(state, caller.org_id)

    return router

"""API keys: list (prefixes only), create (the secret is in that response only), rename or
rescope, revoke. Nothing here ever returns a secret or its hash after creation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends

from query_api.access import Caller, error_responses
from query_api.command_runner import run_command
from schemas.config import ApiKey
from schemas.config_api import ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyUpdate, ApiKeyView
from streams.config import ConfigLog, ConfigReplica, ConfigState
from streams.config.commands import api_keys
from streams.config.commands.entity_checks import in_org


def _key(state: ConfigState, caller: Caller, key_id: str) -> ApiKey:
    return in_org(state.api_key(key_id), caller.org_id, "API key", key_id, "key_id")


def build_api_key_router(replica: ConfigReplica, config: ConfigLog, authorized: Callable[..., Any]) -> APIRouter:
    router = APIRouter(tags=["api keys"], responses=error_responses(401, 403))

    @router.get("/v1/api-keys", response_model=ApiKeyList)
    async def list_api_keys(caller: Caller = Depends(authorized)) -> ApiKeyList:
        """Every key of the org, revoked ones included, oldest first; prefixes, never secrets."""
        return ApiKeyList(items=[ApiKeyView.of(k) for k in replica.state.api_keys_of(caller.org_id)])

    @router.post("/v1/api-keys", status_code=201, response_model=ApiKeyCreated, responses=error_responses(404, 422, 503))
    async def create_api_key(body: ApiKeyCreate, caller: Caller = Depends(authorized)) -> ApiKeyCreated:
        """A new key. Copy `secret` now: it is shown in this response only."""
        secret, key_id = api_keys.new_api_key_secret(), api_keys.new_api_key_id()
        state = await run_command(
            config, lambda s: api_keys.create_api_key(s, caller.user_id, caller.org_id, body, secret, key_id)
        )
        view = ApiKeyView.of(_key(state, caller, key_id))
        return ApiKeyCreated(**view.model_dump(), secret=secret)

    @router.get("/v1/api-keys/{key_id}", response_model=ApiKeyView, responses=error_responses(404))
    async def get_api_key(key_id: str, caller: Caller = Depends(authorized)) -> ApiKeyView:
        return ApiKeyView.of(_key(replica.state, caller, key_id))

    @router.patch("/v1/api-keys/{key_id}", response_model=ApiKeyView, responses=error_responses(404, 409, 422, 503))
    async def update_api_key(key_id: str, body: ApiKeyUpdate, caller: Caller = Depends(authorized)) -> ApiKeyView:
        """Rename the key or change the projects it may screen for."""
        state = await run_command(
            config, lambda s: api_keys.update_api_key(s, caller.user_id, caller.org_id, key_id, body)
        )
        return ApiKeyView.of(_key(state, caller, key_id))

    @router.delete("/v1/api-keys/{key_id}", response_model=ApiKeyView, responses=error_responses(404, 503))
    async def revoke_api_key(key_id: str, caller: Caller = Depends(authorized)) -> ApiKeyView:
        """Revoke the key: ingest refuses it from now on; it stays listed as revoked."""
        state = await run_command(config, lambda s: api_keys.revoke_api_key(s, caller.user_id, caller.org_id, key_id))
        return ApiKeyView.of(_key(state, caller, key_id))

    return router

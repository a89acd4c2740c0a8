"""Policies: list, read, create, edit (a new version each time), version history, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Response

from query_api.access import Caller, error_responses
from query_api.command_runner import run_command
from schemas.config import Policy
from schemas.config_api import PolicyCreate, PolicyList, PolicyUpdate
from streams.config import ConfigLog, ConfigReplica, ConfigState
from streams.config.commands import policies
from streams.config.commands.entity_checks import in_org


def _policy(state: ConfigState, caller: Caller, policy_id: str) -> Policy:
    return in_org(state.policy(policy_id), caller.org_id, "policy", policy_id, "policy_id")


def build_policy_router(replica: ConfigReplica, config: ConfigLog, authorized: Callable[..., Any]) -> APIRouter:
    router = APIRouter(tags=["policies"], responses=error_responses(401, 403))

    @router.get("/v1/policies", response_model=PolicyList)
    async def list_policies(caller: Caller = Depends(authorized)) -> PolicyList:
        """The current version of every policy of the caller's organization."""
        return PolicyList(items=replica.state.policies_of(caller.org_id))

    @router.post("/v1/policies", status_code=201, response_model=Policy, responses=error_responses(422, 503))
    async def create_policy(body: PolicyCreate, caller: Caller = Depends(authorized)) -> Policy:
        """A new policy at version 1."""
        policy_id = policies.new_policy_id()
        state = await run_command(
            config, lambda s: policies.create_policy(s, caller.user_id, caller.org_id, body, policy_id)
        )
        return _policy(state, caller, policy_id)

    @router.get("/v1/policies/{policy_id}", response_model=Policy, responses=error_responses(404))
    async def get_policy(policy_id: str, caller: Caller = Depends(authorized)) -> Policy:
        """The current version."""
        return _policy(replica.state, caller, policy_id)

    @router.put("/v1/policies/{policy_id}", response_model=Policy, responses=error_responses(404, 409, 422, 503))
    async def update_policy(policy_id: str, body: PolicyUpdate, caller: Caller = Depends(authorized)) -> Policy:
        """Save new rules as version + 1 (unchanged rules make no new version)."""
        state = await run_command(
            config,
            lambda s: policies.update_policy(
                s, caller.user_id, caller.org_id, policy_id, body, expected_version=body.expected_version
            ),
        )
        return _policy(state, caller, policy_id)

    @router.get("/v1/policies/{policy_id}/versions", response_model=PolicyList, responses=error_responses(404))
    async def policy_versions(policy_id: str, caller: Caller = Depends(authorized)) -> PolicyList:
        """Every version of the policy, newest first."""
        state = replica.state
        _policy(state, caller, policy_id)
        return PolicyList(items=list(reversed(state.policy_versions(policy_id))))

    @router.delete("/v1/policies/{policy_id}", status_code=204, responses=error_responses(404, 409, 503))
    async def delete_policy(policy_id: str, caller: Caller = Depends(authorized)) -> Response:
        """Delete a policy no project uses and that is not the org's default."""
        await run_command(config, lambda s: policies.delete_policy(s, caller.user_id, caller.org_id, policy_id))
        return Response(status_code=204)

    return router

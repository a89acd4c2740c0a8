"""Login, logout and the caller's own account.

Login checks the argon2 hash held by the replica and signs a token naming the user and the
org; the role is not in the token (access.py reads it from the replica on every request).
Logout appends `config.session.revoked`, so every query_api process refuses the token.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from fastapi import APIRouter, Depends, Response

from query_api.access import Caller, error_responses, fresh_state
from query_api.command_runner import run_command
from query_api.passwords import hash_password, verify_password
from query_api.permissions import permissions_of
from query_api.tokens import TokenClaims, sign_token
from schemas.api import LoginRequest, LoginResponse
from schemas.config import Membership
from schemas.config_api import Me, OrgMembership, PasswordChange
from schemas.errors import ApiError
from streams.config import ConfigLog, ConfigReplica, ConfigState
from streams.config.commands import members

log = structlog.get_logger(__name__)


def choose_membership(state: ConfigState, user_id: str, org_id: str | None) -> Membership:
    """The org a login is for: the one asked for, else the user's first (by org id)."""
    memberships = state.memberships_of(user_id)
    if org_id is not None:
        memberships = [m for m in memberships if m.org_id == org_id]
    if not memberships:
        raise ApiError(403, "you are not a member of that organization" if org_id else "you belong to no organization", "no_membership", "org_id" if org_id else None)
    return memberships[0]


def build_auth_router(
    replica: ConfigReplica,
    config: ConfigLog,
    authorized: Callable[..., Any],
    secret_key: str,
    token_ttl_s: int,
) -> APIRouter:
    router = APIRouter(tags=["auth"])

    @router.post("/v1/auth/login", response_model=LoginResponse, responses=error_responses(401, 403, 422))
    async def login(body: LoginRequest) -> LoginResponse:
        """Exchange email and password for a bearer token (expires after the configured TTL)."""
        state = await fresh_state(replica)
        user = state.user_by_email(body.email)
        # An unknown email still runs a verify, so timing does not reveal which emails exist.
        valid = await asyncio.to_thread(verify_password, user.password_hash if user else None, body.password)
        if user is None or not valid:
            log.info("login_refused")
            raise ApiError(401, "wrong email or password", "invalid_credentials")
        membership = choose_membership(state, user.id, body.org_id)
        expires = int(time.time()) + token_ttl_s
        token = sign_token(TokenClaims(sub=user.id, org_id=membership.org_id, exp=expires), secret_key)
        log.info("login", user_id=user.id, org_id=membership.org_id)
        return LoginResponse(token=token, expires_at=datetime.fromtimestamp(expires, UTC))

    @router.post("/v1/auth/logout", status_code=204, responses=error_responses(401, 503))
    async def logout(caller: Caller = Depends(authorized)) -> Response:
        """End this token's session in every query_api process."""
        await run_command(
            config,
            lambda s: members.revoke_session(
                s, caller.user_id, caller.org_id, caller.token_id, caller.user_id, caller.token_expires_at
            ),
        )
        return Response(status_code=204)

    @router.get("/v1/me", response_model=Me, responses=error_responses(401))
    async def me(caller: Caller = Depends(authorized)) -> Me:
        """Who the token stands for, their role in its org, and every org they belong to."""
        state = replica.state
        user, org = state.user(caller.user_id), state.organization(caller.org_id)
        assert user is not None and org is not None  # resolved by `authorized` from this state
        organizations = [
            OrgMembership(org_id=m.org_id, name=state.organizations[m.org_id].name, role=m.role)
            for m in state.memberships_of(user.id)
        ]
        return Me(
            user_id=user.id,
            email=user.email,
            status=user.status,
            org_id=org.id,
            org_name=org.name,
            role=caller.role,
            permissions=permissions_of(caller.role),
            organizations=organizations,
            token_expires_at=caller.token_expires_at,
        )

    @router.put("/v1/me/password", status_code=204, responses=error_responses(401, 422, 503))
    async def change_password(body: PasswordChange, caller: Caller = Depends(authorized)) -> Response:
        """Set your own password (an invited user's one-time password becomes theirs)."""
        user = replica.state.user(caller.user_id)
        current_ok = await asyncio.to_thread(verify_password, user.password_hash if user else None, body.current_password)
        if not current_ok:
            raise ApiError(422, "current_password: wrong password", "invalid_request", "current_password")
        new_hash = await asyncio.to_thread(hash_password, body.new_password)
        await run_command(config, lambda s: members.set_password(s, caller.user_id, caller.org_id, caller.user_id, new_hash))
        return Response(status_code=204)

    return router

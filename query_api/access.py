"""Who is calling, and may they call this route: the one FastAPI dependency of the query API.

`authorized` verifies the bearer token, brings the config replica up to date (`sync`), then
resolves the caller from the replica — user, membership and role as of now, not as of login —
and checks the matched route's row in the permission table. A role change, a removal or a
logout therefore applies to the very next request, in every query_api process.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict

from query_api.permissions import UnlistedRoute, may, route_permission
from query_api.tokens import TokenClaims, verify_token
from schemas.config import Role
from schemas.errors import ApiError, ErrorBody
from streams.config import ConfigReplica, ConfigState, ReplicaUnavailable

log = structlog.get_logger(__name__)


class Caller(BaseModel):
    """The authenticated caller. `org_id` scopes every read and write (read_routes.OrgScoped)."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    email: str
    org_id: str
    role: Role
    token_id: str
    token_expires_at: datetime


def resolve_caller(state: ConfigState, claims: TokenClaims) -> Caller | None:
    """The caller a valid token stands for now; None once logged out, removed or deleted."""
    user = state.user(claims.sub)
    membership = state.membership(claims.org_id, claims.sub)
    if user is None or membership is None or state.organization(claims.org_id) is None:
        return None
    if state.session_revoked(claims.jti):
        return None
    return Caller(
        user_id=user.id,
        email=user.email,
        org_id=claims.org_id,
        role=membership.role,
        token_id=claims.jti,
        token_expires_at=datetime.fromtimestamp(claims.exp, UTC),
    )


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="login token",
    description="`token` from POST /v1/auth/login, sent as `Authorization: Bearer <token>`",
)


def build_authorizer(replica: ConfigReplica, secret_key: str) -> Callable[..., Awaitable[Caller]]:
    async def authorized(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Security(_bearer)
    ) -> Caller:
        route = request.scope.get("route")
        try:
            permission = route_permission(request.method, getattr(route, "path", request.url.path))
        except UnlistedRoute as exc:
            log.error("route_without_permission_row", route=str(exc))
            raise ApiError(403, "this route has no access rule yet", "forbidden") from None
        claims = verify_token(credentials.credentials, secret_key) if credentials else None
        if claims is None:
            raise ApiError(401, "log in first: `Authorization: Bearer <token>` from POST /v1/auth/login")
        caller = resolve_caller(await fresh_state(replica), claims)
        if caller is None:
            raise ApiError(401, "session ended (logged out, or no longer a member); log in again")
        if not may(caller.role, permission):
            raise ApiError(403, f"the `{caller.role}` role may not do this (needs {permission})", "forbidden")
        return caller

    return authorized


async def fresh_state(replica: ConfigReplica) -> ConfigState:
    """The replica including every config write acknowledged before this call.

    If Kafka does not answer quickly, the replica as it is: reads stay available in an
    outage (no config change can be written then anyway).
    """
    started = time.perf_counter()
    try:
        return await replica.sync(timeout=2)
    except ReplicaUnavailable as exc:
        log.warning("config_sync_failed", reason=str(exc), waited_ms=round((time.perf_counter() - started) * 1000))
        return replica.state


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the contract's error body."""
    meaning = {
        401: "no valid login token",
        403: "the caller's role may not do this",
        404: "no such entity in the caller's organization",
        409: "conflicts with the current configuration",
        422: "invalid request; `field` names the offending field",
        503: "the config log (Kafka) is unavailable; retry",
    }
    return {status: {"model": ErrorBody, "description": meaning[status]} for status in statuses}

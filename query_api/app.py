"""The query API: login, the requests list and request details, scoped to the caller's org.

Routes are thin: parse filters, resolve the caller, call a read function, return a
schema model. ClickHouse calls run in threads so the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import hmac
import time
import uuid
from datetime import UTC, datetime

from fastapi import Depends, FastAPI, Header, Query

from projections.clickhouse import connect
from query_api.filters import RelativeRange, time_window
from query_api.requests_read import get_request, list_requests
from query_api.settings import QuerySettings
from query_api.tokens import TokenClaims, sign_token, verify_token
from schemas.api import LoginRequest, LoginResponse, RequestDetail, RequestsPage
from schemas.bootstrap import BootstrapCredentials
from schemas.errors import ApiError, install_error_handlers


def create_app(settings: QuerySettings) -> FastAPI:
    secret_key = settings.require_secret_key()
    client = connect(settings.require_clickhouse(), settings.database)
    app = FastAPI(
        title="guardstream query API",
        version="1",
        description="Dashboard, requests and configuration of a guardstream organization.",
    )
    install_error_handlers(app)

    def load_admin() -> BootstrapCredentials | None:
        path = settings.credentials_path
        return BootstrapCredentials.load(path) if path.exists() else None

    def caller(authorization: str | None = Header(default=None)) -> TokenClaims:
        scheme, _, token = (authorization or "").partition(" ")
        claims = verify_token(token.strip(), secret_key) if scheme.lower() == "bearer" else None
        if claims is None:
            raise ApiError(401, "log in first: `Authorization: Bearer <token>` from POST /v1/auth/login")
        return claims

    @app.post("/v1/auth/login", response_model=LoginResponse)
    async def login(body: LoginRequest) -> LoginResponse:
        admin = load_admin()
        email_ok = admin is not None and hmac.compare_digest(body.email.lower(), admin.admin_email)
        password_ok = admin is not None and hmac.compare_digest(body.password, admin.admin_password)
        if not (email_ok and password_ok) or admin is None:
            raise ApiError(401, "wrong email or password", "invalid_credentials")
        expires = int(time.time()) + settings.token_ttl_s
        token = sign_token(TokenClaims(sub=admin.admin_email, org_id=admin.org_id, exp=expires), secret_key)
        return LoginResponse(token=token, expires_at=datetime.fromtimestamp(expires, UTC))

    @app.get("/v1/requests", response_model=RequestsPage)
    async def requests_list(
        claims: TokenClaims = Depends(caller),
        range_: RelativeRange | None = Query(default=None, alias="range"),
        from_: datetime | None = Query(default=None, alias="from"),
        to: datetime | None = Query(default=None),
        project_id: list[str] = Query(default=[]),
        flagged: bool | None = Query(default=None, description="true = the Detections tab"),
        limit: int = Query(default=50, ge=1, le=500),
        cursor: str | None = Query(default=None),
    ) -> RequestsPage:
        """Screenings of the caller's org, newest first, with keyset pagination."""
        window = time_window(range_, from_, to)
        items, next_cursor = await asyncio.to_thread(
            list_requests, client, settings.database, claims.org_id, window, project_id, flagged, limit, cursor
        )
        return RequestsPage(items=items, next_cursor=next_cursor)

    @app.get("/v1/requests/{event_id}", response_model=RequestDetail)
    async def request_details(event_id: uuid.UUID, claims: TokenClaims = Depends(caller)) -> RequestDetail:
        """Masked contents, every check with its result, and the exact API response."""
        found = await asyncio.to_thread(get_request, client, settings.database, claims.org_id, str(event_id))
        if found is None:
            raise ApiError(404, f"no screening {event_id} in your organization", "not_found", "event_id")
        return found

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app

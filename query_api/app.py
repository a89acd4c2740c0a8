"""The query API: login, the requests list and request details, scoped to the caller's org.

Routes are thin: parse filters, resolve the caller, call a read function, return a
schema model. ClickHouse calls run in threads so the event loop never blocks.
"""

from __future__ import annotations

import hmac
import time
from datetime import UTC, datetime

from fastapi import FastAPI, Header

from projections.clickhouse import connect
from query_api.read_routes import build_read_router
from query_api.settings import QuerySettings
from query_api.tokens import TokenClaims, sign_token, verify_token
from schemas.api import LoginRequest, LoginResponse
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

    app.include_router(build_read_router(client, settings.database, caller))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app

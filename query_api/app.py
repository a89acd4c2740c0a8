"""The query API: login, the control plane (projects, policies, API keys, members, settings,
audit) and the read models (requests, dashboard), scoped to the caller's org and role.

Routes are thin: the caller comes from the one `authorized` dependency (access.py), config
reads come from the replica, config writes are commands run by the ConfigLog, and ClickHouse
reads run in threads so the event loop never blocks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI

from projections.clickhouse import connect
from query_api.access import build_authorizer
from query_api.api_key_routes import build_api_key_router
from query_api.audit_routes import build_audit_router
from query_api.auth_routes import build_auth_router
from query_api.export_routes import build_export_router
from query_api.member_routes import build_member_router
from query_api.playground_routes import IngestGuard, build_playground_router
from query_api.policy_routes import build_policy_router
from query_api.project_routes import build_project_router
from query_api.read_routes import build_read_router
from query_api.settings import QuerySettings
from query_api.settings_routes import build_settings_router
from query_api.web_routes import mount_web
from schemas.errors import install_error_handlers
from streams.config import ConfigLog, ConfigReplica

log = structlog.get_logger(__name__)


def create_app(settings: QuerySettings) -> FastAPI:
    secret_key = settings.require_secret_key()
    bootstrap = settings.require_kafka()
    client = connect(settings.require_clickhouse(), settings.database)
    replica = ConfigReplica(bootstrap, client_id="guardstream-query-api")
    config = ConfigLog(bootstrap, replica)
    guard = IngestGuard(settings.ingest_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await replica.start()  # serves nothing before the whole config is applied
        await config.start()
        log.info("query_api_started", port=settings.port, config_offset=replica.position)
        try:
            yield
        finally:
            await guard.close()
            await config.stop()
            await replica.stop()

    app = FastAPI(
        title="guardstream query API",
        version="1",
        lifespan=lifespan,
        description=(
            "Dashboard, requests and configuration of a guardstream organization. Log in with "
            "POST /v1/auth/login and send the token as `Authorization: Bearer <token>`. Roles: "
            "`user` views everything but secrets; `admin` also changes projects, policies, API "
            "keys, members and settings; `no_access` only logs in and out."
        ),
    )
    install_error_handlers(app)
    app.state.config_replica = replica

    # Routers are included without prefixes: `authorized` looks routes up by their own path.
    authorized = build_authorizer(replica, secret_key)
    app.include_router(build_auth_router(replica, config, authorized, secret_key, settings.token_ttl_s))
    app.include_router(build_project_router(replica, config, authorized))
    app.include_router(build_policy_router(replica, config, authorized))
    app.include_router(build_api_key_router(replica, config, authorized))
    app.include_router(build_member_router(replica, config, authorized))
    app.include_router(build_settings_router(replica, config, authorized))
    app.include_router(build_export_router(replica, config, authorized, settings))
    app.include_router(build_audit_router(replica, authorized))
    app.include_router(build_playground_router(replica, config, authorized, secret_key, guard))

    def project_names(org_id: str) -> dict[str, str]:
        return {p.id: p.name for p in replica.state.projects_of(org_id)}

    def retention_days(org_id: str) -> int | None:
        org = replica.state.organization(org_id)
        return org.retention_days if org else None

    app.include_router(build_read_router(client, settings.database, authorized, project_names, retention_days))

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str | int]:
        """Up, with the config replica's position on guard.config."""
        return {"status": "ok", "config_offset": replica.position}

    mount_web(app)  # the dashboard's pages at / and its files at /static/

    return app

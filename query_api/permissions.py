"""RBAC, exactly the seed's table, as data: what each role may do, and what each route needs.

Pure: no FastAPI here. `query_api/access.py` is the one dependency that applies it, by
looking up the matched route in ROUTE_PERMISSIONS — a route without a row is refused, and
the RBAC matrix test (one case per row × role) fails until the row is added.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from schemas.config import Role


class Permission(StrEnum):
    SELF = "self"  # log out, see and manage one's own account: every member, even no_access
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_REQUESTS = "view_requests"  # the requests list and a request's details
    VIEW_API_KEYS = "view_api_keys"  # prefixes only: secrets are shown once, at creation
    VIEW_PROJECTS = "view_projects"
    VIEW_POLICIES = "view_policies"
    VIEW_MEMBERS = "view_members"  # every member of the org and their role
    MANAGE_API_KEYS = "manage_api_keys"
    MANAGE_PROJECTS = "manage_projects"
    MANAGE_POLICIES = "manage_policies"
    MANAGE_MEMBERS = "manage_members"  # invite, change others' roles, remove (never oneself)
    VIEW_SETTINGS = "view_settings"  # the seed: Settings are accessible by admins only
    MANAGE_SETTINGS = "manage_settings"  # prompt logging, retention
    MANAGE_EXPORT = "manage_export"  # SIEM export settings and alerts
    VIEW_AUDIT = "view_audit"


_USER = frozenset(
    {
        Permission.SELF,
        Permission.VIEW_DASHBOARD,
        Permission.VIEW_REQUESTS,
        Permission.VIEW_API_KEYS,
        Permission.VIEW_PROJECTS,
        Permission.VIEW_POLICIES,
        Permission.VIEW_MEMBERS,
    }
)

ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    "no_access": frozenset({Permission.SELF}),
    "user": _USER,
    "admin": frozenset(Permission),
}

PUBLIC = None  # a route anyone may call, without a token
_P = Permission

# The web dashboard's page paths (query_api/web_routes.py): each answers the same HTML shell,
# which holds no data; its scripts call the API routes below with the member's token.
# Keep in sync with ROUTES in query_api/web/static/router.js.
WEB_PAGES: tuple[str, ...] = (
    "/",
    "/login",
    "/dashboard",
    "/requests",
    "/requests/{event_id}",
    "/projects",
    "/policies",
    "/playground",
    "/api-access",
    "/settings",
    "/settings/{tab}",
)

# (method, path template as FastAPI matched it) → the permission it needs, or PUBLIC.
ROUTE_PERMISSIONS: Mapping[tuple[str, str], Permission | None] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("POST", "/v1/auth/login"): PUBLIC,
    **{("GET", page): PUBLIC for page in WEB_PAGES},
    ("POST", "/v1/auth/logout"): _P.SELF,
    ("GET", "/v1/me"): _P.SELF,
    ("PUT", "/v1/me/password"): _P.SELF,
    # read models (query_api/read_routes.py)
    ("GET", "/v1/dashboard"): _P.VIEW_DASHBOARD,
    ("GET", "/v1/requests"): _P.VIEW_REQUESTS,
    ("GET", "/v1/requests/{event_id}"): _P.VIEW_REQUESTS,
    # projects
    ("GET", "/v1/projects"): _P.VIEW_PROJECTS,
    ("POST", "/v1/projects"): _P.MANAGE_PROJECTS,
    ("GET", "/v1/projects/{project_id}"): _P.VIEW_PROJECTS,
    ("PATCH", "/v1/projects/{project_id}"): _P.MANAGE_PROJECTS,
    ("DELETE", "/v1/projects/{project_id}"): _P.MANAGE_PROJECTS,
    # policies
    ("GET", "/v1/policies"): _P.VIEW_POLICIES,
    ("POST", "/v1/policies"): _P.MANAGE_POLICIES,
    ("GET", "/v1/policies/{policy_id}"): _P.VIEW_POLICIES,
    ("PUT", "/v1/policies/{policy_id}"): _P.MANAGE_POLICIES,
    ("DELETE", "/v1/policies/{policy_id}"): _P.MANAGE_POLICIES,
    ("GET", "/v1/policies/{policy_id}/versions"): _P.VIEW_POLICIES,
    # API keys
    ("GET", "/v1/api-keys"): _P.VIEW_API_KEYS,
    ("POST", "/v1/api-keys"): _P.MANAGE_API_KEYS,
    ("GET", "/v1/api-keys/{key_id}"): _P.VIEW_API_KEYS,
    ("PATCH", "/v1/api-keys/{key_id}"): _P.MANAGE_API_KEYS,
    ("DELETE", "/v1/api-keys/{key_id}"): _P.MANAGE_API_KEYS,
    # members
    ("GET", "/v1/members"): _P.VIEW_MEMBERS,
    ("POST", "/v1/members"): _P.MANAGE_MEMBERS,
    ("PATCH", "/v1/members/{user_id}"): _P.MANAGE_MEMBERS,
    ("DELETE", "/v1/members/{user_id}"): _P.MANAGE_MEMBERS,
    # settings
    ("GET", "/v1/settings"): _P.VIEW_SETTINGS,
    ("PUT", "/v1/settings"): _P.MANAGE_SETTINGS,
    ("GET", "/v1/settings/export"): _P.MANAGE_EXPORT,
    ("PUT", "/v1/settings/export"): _P.MANAGE_EXPORT,
    ("POST", "/v1/settings/export/test"): _P.MANAGE_EXPORT,
    # SIEM export alerts (query_api/export_routes.py): admins, like the export settings
    ("GET", "/v1/alerts"): _P.MANAGE_EXPORT,
    # audit
    ("GET", "/v1/audit"): _P.VIEW_AUDIT,
    # playground (query_api/playground_routes.py): it screens with an org API key, so only those
    # who could create and use a key themselves may; a `user` stays read-only
    ("POST", "/v1/playground/chat"): _P.MANAGE_API_KEYS,
}


class UnlistedRoute(LookupError):
    """A route with no row in ROUTE_PERMISSIONS: refused until someone decides who may call it."""


def route_permission(method: str, path: str) -> Permission | None:
    """The permission a route needs (None = public); UnlistedRoute if it has no row."""
    try:
        return ROUTE_PERMISSIONS[(method.upper(), path)]
    except KeyError:
        raise UnlistedRoute(f"{method.upper()} {path}") from None


def may(role: Role, permission: Permission | None) -> bool:
    return permission is None or permission in ROLE_PERMISSIONS[role]


def permissions_of(role: Role) -> list[str]:
    return sorted(p.value for p in ROLE_PERMISSIONS[role])

"""RBAC and tenant isolation of the query API, on the real broker and ClickHouse.

The matrix is parametrised from the permission table: every (route, role) pair is a case,
and a route the app serves without a row in the table fails `test_every_route_has_a_row`.
Requests carry the OpenAPI example body of their route, so the examples are exercised too.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from query_api.permissions import PUBLIC, ROUTE_PERMISSIONS, may

pytestmark = pytest.mark.integration

ROWS = sorted(ROUTE_PERMISSIONS)
CALLERS = ("admin", "user", "no_access", "anonymous")
# A route's path parameters, for cases where no entity should be found.
PLACEHOLDERS = {"event_id": "00000000-0000-7000-8000-000000000000"}


def _walk(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI >= 0.16x keeps routers nested
        yield from _walk(included.routes) if included is not None else (route,)


def served_routes(client: Any) -> set[tuple[str, str]]:
    """Every (method, path) the app answers: its routes, and the OpenAPI document's."""
    routed = {
        (method, route.path)
        for route in _walk(client.app.routes)
        for method in (getattr(route, "methods", None) or ())
        if method != "HEAD"
    }
    documented = {(m.upper(), path) for path, ops in client.app.openapi()["paths"].items() for m in ops}
    return routed | documented


def example_body(client: Any, method: str, path: str) -> Any:
    """The first example of the route's JSON request body in the OpenAPI document, if any."""
    spec = client.app.openapi()
    operation = spec["paths"].get(path, {}).get(method.lower(), {})  # /docs etc. are not in it
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return None
    name = schema["$ref"].rsplit("/", 1)[1]
    return spec["components"]["schemas"][name]["examples"][0]


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), PLACEHOLDERS.get(m.group(1), "no-such-id")), path)


@pytest.fixture(scope="module")
def rbac_org(seed_org):
    return seed_org()


@pytest.fixture(scope="module")
def tokens(control_plane, rbac_org, login_as) -> dict[str, dict[str, str]]:
    return {role: login_as(control_plane, rbac_org.emails[role]) for role in ("admin", "user", "no_access")} | {
        "anonymous": {}
    }


def test_every_route_has_a_row(control_plane) -> None:
    unlisted = served_routes(control_plane) - set(ROUTE_PERMISSIONS)
    assert not unlisted, f"routes without a row in query_api/permissions.py ROUTE_PERMISSIONS: {sorted(unlisted)}"


def test_every_row_is_served(control_plane) -> None:
    """No reserved rows left (the SIEM export routes came with issue 6): every case runs."""
    unserved = set(ROUTE_PERMISSIONS) - served_routes(control_plane)
    assert not unserved, f"rows in ROUTE_PERMISSIONS that the app does not serve: {sorted(unserved)}"


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "path"), ROWS, ids=[f"{m} {p}" for m, p in ROWS])
def test_route_by_role(control_plane, rbac_org, tokens, login_as, method: str, path: str, caller: str) -> None:
    headers = tokens[caller]
    if path == "/v1/auth/logout" and caller != "anonymous":
        headers = login_as(control_plane, rbac_org.emails[caller])  # logging out spends the token
    body = example_body(control_plane, method, path)
    if path == "/v1/auth/login":
        body = {"email": rbac_org.emails.get(caller, rbac_org.emails["user"]), "password": rbac_org.password}
    response = control_plane.request(method, fill(path, {}), json=body, headers=headers)

    permission = ROUTE_PERMISSIONS[(method, path)]
    if permission is PUBLIC:
        assert response.status_code < 400, response.text
    elif caller == "anonymous":
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "unauthorized"
    elif may(caller, permission):
        assert response.status_code not in (401, 403), response.text
        assert response.status_code < 500, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden"


def test_done_when_cases(control_plane, rbac_org, tokens) -> None:
    """The issue's three named cases, spelled out."""
    created = control_plane.post("/v1/projects", json={"name": "nope"}, headers=tokens["user"])
    assert created.status_code == 403 and created.json()["error"]["code"] == "forbidden"

    admin_id = rbac_org.user_id("admin")
    own = control_plane.patch(f"/v1/members/{admin_id}", json={"role": "user"}, headers=tokens["admin"])
    assert own.status_code == 403 and own.json()["error"]["code"] == "own_role", own.text
    assert "own role" in own.json()["error"]["message"]

    for path in ("/v1/projects", "/v1/policies", "/v1/api-keys", "/v1/members", "/v1/requests", "/v1/settings", "/v1/audit"):
        response = control_plane.get(path, headers=tokens["no_access"])
        assert response.status_code == 403, (path, response.text)
    me = control_plane.get("/v1/me", headers=tokens["no_access"])
    assert me.status_code == 200 and me.json()["role"] == "no_access" and me.json()["permissions"] == ["self"]


# --- two organizations: nothing crosses -------------------------------------------------------


@pytest.fixture(scope="module")
def org_a(seed_org):
    return seed_org()


@pytest.fixture(scope="module")
def org_b(seed_org):
    return seed_org()


@pytest.fixture(scope="module")
def admin_a(control_plane, org_a, login_as) -> dict[str, str]:
    return login_as(control_plane, org_a.emails["admin"])


def org_view(state, org) -> tuple:
    """Everything one org has, to compare before and after another org's attempts."""
    return (
        state.organization(org.org_id),
        state.projects_of(org.org_id),
        state.policies_of(org.org_id),
        state.api_keys_of(org.org_id),
        state.members(org.org_id),
    )


# Routes naming an entity; public rows (the web dashboard's page shell, query_api/web_routes.py)
# hold no entity: the page's own API calls are the rows checked here.
ENTITY_ROWS = [(m, p) for m, p in ROWS if "{" in p and ROUTE_PERMISSIONS[(m, p)] is not PUBLIC]


@pytest.mark.parametrize(("method", "path"), ENTITY_ROWS, ids=[f"{m} {p}" for m, p in ENTITY_ROWS])
def test_another_orgs_ids_are_not_found(control_plane, config_writer, org_a, org_b, admin_a, method: str, path: str) -> None:
    before = org_view(config_writer.sync(), org_b)
    ids = {
        "project_id": org_b.project_id,
        "policy_id": org_b.policy_id,
        "key_id": org_b.key_id,
        "user_id": org_b.user_id("user"),
        # no screenings are seeded here; the read-model tests cover org scoping of requests
        "event_id": str(uuid.uuid4()),
    }
    response = control_plane.request(method, fill(path, ids), json=example_body(control_plane, method, path), headers=admin_a)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"
    assert org_view(config_writer.sync(), org_b) == before


def test_lists_and_documents_show_only_the_callers_org(control_plane, org_a, org_b, admin_a) -> None:
    for method, path in ROWS:
        if method != "GET" or "{" in path or (method, path) not in served_routes(control_plane):
            continue
        response = control_plane.get(path, headers=admin_a)
        assert response.status_code == 200, (path, response.text)
        leaked = [i for i in org_b.ids if i in response.text]
        assert not leaked, (path, leaked)
    projects = control_plane.get("/v1/projects", headers=admin_a).json()["items"]
    assert [p["id"] for p in projects] == [org_a.project_id]


def test_references_to_another_orgs_entities_are_not_found(control_plane, config_writer, org_a, org_b, admin_a) -> None:
    before = org_view(config_writer.sync(), org_b)
    attempts = [
        ("POST", "/v1/projects", {"name": "x", "policy_id": org_b.policy_id}, "policy_id"),
        ("PATCH", f"/v1/projects/{org_a.project_id}", {"policy_id": org_b.policy_id}, "policy_id"),
        ("POST", "/v1/api-keys", {"name": "x", "project_ids": [org_b.project_id]}, "project_ids"),
        ("PATCH", f"/v1/api-keys/{org_a.key_id}", {"project_ids": [org_b.project_id]}, "project_ids"),
        ("PUT", "/v1/settings", {"default_policy_id": org_b.policy_id}, "default_policy_id"),
    ]
    for method, path, body, field in attempts:
        response = control_plane.request(method, path, json=body, headers=admin_a)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"]["field"] == field
    assert org_view(config_writer.sync(), org_b) == before
    # a login cannot pick an org the user does not belong to
    refused = control_plane.post(
        "/v1/auth/login", json={"email": org_a.emails["admin"], "password": org_a.password, "org_id": org_b.org_id}
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "no_membership"


def test_audit_shows_only_the_callers_org(control_plane, org_a, org_b, admin_a) -> None:
    items = control_plane.get("/v1/audit", params={"limit": 500}, headers=admin_a).json()["items"]
    assert items and {item["org_id"] for item in items} == {org_a.org_id}
    assert not {item["entity_id"] for item in items} & org_b.ids

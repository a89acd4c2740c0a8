"""The control-plane API end to end: the query_api process of `running_stack` and a second
query_api (`control_plane`, in this process) on the same broker — writes are visible at once
in the writing process and in the other one, roles and logouts apply on the next request."""

from __future__ import annotations

import pytest

from schemas.config import api_key_sha256

pytestmark = pytest.mark.integration


def test_read_your_writes_in_the_writing_and_in_another_process(running_stack, control_plane) -> None:
    created = running_stack.query.post("/v1/projects", json={"name": "ryw", "metadata": {"team": "qa"}})
    assert created.status_code == 201, created.text
    project = created.json()
    assert project["policy_id"] == "policy-default"  # the org's default policy
    listed = running_stack.query.get("/v1/projects").json()["items"]
    assert project["id"] in [p["id"] for p in listed]
    # the same login token works in the other query_api process, which sees the write at once
    elsewhere = control_plane.get(f"/v1/projects/{project['id']}", headers=dict(running_stack.query.headers))
    assert elsewhere.status_code == 200 and elsewhere.json() == project
    gone = control_plane.delete(f"/v1/projects/{project['id']}", headers=dict(running_stack.query.headers))
    assert gone.status_code == 204
    assert running_stack.query.get(f"/v1/projects/{project['id']}").status_code == 404


def test_bootstrap_identity_is_served(running_stack) -> None:
    projects = {p["id"] for p in running_stack.query.get("/v1/projects").json()["items"]}
    assert {"project-demo", "project-support-bot", "project-internal-copilot"} <= projects
    policy = running_stack.query.get("/v1/policies/policy-default").json()
    assert len(policy["detectors"]) == 16
    settings = running_stack.query.get("/v1/settings").json()
    assert settings["org_id"] == running_stack.creds.org_id and settings["plan"] == "enterprise"
    keys = running_stack.query.get("/v1/api-keys").json()["items"]
    assert running_stack.creds.api_key[:8] in [k["prefix"] for k in keys]
    assert running_stack.creds.api_key not in str(keys)


def test_role_changes_and_removal_apply_to_the_next_request_everywhere(running_stack, control_plane, seed_org, login_as) -> None:
    org = seed_org()
    admin = login_as(control_plane, org.emails["admin"])
    user = login_as(running_stack.query, org.emails["user"])  # token from the other process
    assert running_stack.query.post("/v1/projects", json={"name": "x"}, headers=user).status_code == 403

    promoted = control_plane.patch(f"/v1/members/{org.user_id('user')}", json={"role": "admin"}, headers=admin)
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    assert running_stack.query.post("/v1/projects", json={"name": "x"}, headers=user).status_code == 201

    control_plane.patch(f"/v1/members/{org.user_id('user')}", json={"role": "no_access"}, headers=admin)
    assert running_stack.query.get("/v1/projects", headers=user).status_code == 403
    assert running_stack.query.get("/v1/me", headers=user).json()["role"] == "no_access"

    assert control_plane.delete(f"/v1/members/{org.user_id('user')}", headers=admin).status_code == 204
    assert running_stack.query.get("/v1/me", headers=user).status_code == 401
    refused = control_plane.post("/v1/auth/login", json={"email": org.emails["user"], "password": org.password})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "no_membership"


def test_logout_ends_the_session_in_every_process(running_stack, control_plane, seed_org, login_as) -> None:
    org = seed_org()
    headers = login_as(control_plane, org.emails["user"])
    assert running_stack.query.get("/v1/me", headers=headers).status_code == 200
    assert running_stack.query.post("/v1/auth/logout", headers=headers).status_code == 204
    for client in (control_plane, running_stack.query):
        assert client.get("/v1/me", headers=headers).status_code == 401
    assert control_plane.get("/v1/me", headers=login_as(control_plane, org.emails["user"])).status_code == 200


def test_wrong_passwords_and_unknown_emails_look_the_same(control_plane, seed_org) -> None:
    org = seed_org()
    for email in (org.emails["admin"], "nobody@example.com"):
        response = control_plane.post("/v1/auth/login", json={"email": email, "password": "wrong password"})
        assert response.status_code == 401
        assert response.json()["error"] == {"code": "invalid_credentials", "message": "wrong email or password", "field": None}


def test_policies_keep_every_version(control_plane, seed_org, login_as) -> None:
    org = seed_org()
    admin = login_as(control_plane, org.emails["admin"])
    created = control_plane.post("/v1/policies", json={"name": "strict"}, headers=admin)
    assert created.status_code == 201 and created.json()["version"] == 1
    policy = created.json()
    assert len(policy["detectors"]) == 16  # left out: every built-in detector
    rules = {k: policy[k] for k in ("name", "mode", "detectors", "allowed_domains", "custom_detectors")}
    edits = [
        {**rules, "allowed_domains": ["lakera.ai"], "expected_version": 1},
        {**rules, "mode": "input_output", "custom_detectors": [{"name": "ticket", "pattern": "TCK-[0-9]{6}"}]},
    ]
    for expected, edit in enumerate(edits, start=2):
        saved = control_plane.put(f"/v1/policies/{policy['id']}", json=edit, headers=admin)
        assert saved.status_code == 200 and saved.json()["version"] == expected, saved.text
    stale = control_plane.put(f"/v1/policies/{policy['id']}", json={**rules, "expected_version": 1}, headers=admin)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "version_conflict"
    unchanged = control_plane.put(f"/v1/policies/{policy['id']}", json=edits[1], headers=admin)
    assert unchanged.json()["version"] == 3  # no change, no new version
    versions = control_plane.get(f"/v1/policies/{policy['id']}/versions", headers=admin).json()["items"]
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert versions[1]["allowed_domains"] == ["lakera.ai"] and versions[2]["allowed_domains"] == []
    bad = control_plane.put(f"/v1/policies/{policy['id']}", json={**rules, "custom_detectors": [{"name": "x", "pattern": "(["}]}, headers=admin)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "custom_detectors[0].pattern"
    in_use = control_plane.delete(f"/v1/policies/{org.policy_id}", headers=admin)
    assert in_use.status_code == 409 and in_use.json()["error"]["code"] == "policy_in_use"
    assert control_plane.delete(f"/v1/policies/{policy['id']}", headers=admin).status_code == 204


def test_api_key_secret_is_shown_once(control_plane, config_writer, seed_org, login_as) -> None:
    org = seed_org()
    admin = login_as(control_plane, org.emails["admin"])
    created = control_plane.post("/v1/api-keys", json={"name": "bot", "project_ids": [org.project_id]}, headers=admin)
    assert created.status_code == 201, created.text
    key = created.json()
    secret = key.pop("secret")
    assert secret.startswith("gs_") and len(secret) > 40 and key["prefix"] == secret[:8]
    for response in (
        control_plane.get("/v1/api-keys", headers=admin),
        control_plane.get(f"/v1/api-keys/{key['id']}", headers=login_as(control_plane, org.emails["user"])),
    ):
        assert response.status_code == 200 and secret not in response.text and "sha256" not in response.text
    # what ingest will look up: the key by the hash of the secret it is sent
    assert config_writer.sync().api_key_by_hash(api_key_sha256(secret)).project_ids == [org.project_id]
    widened = control_plane.patch(f"/v1/api-keys/{key['id']}", json={"project_ids": None}, headers=admin)
    assert widened.status_code == 200 and widened.json()["project_ids"] is None
    revoked = control_plane.delete(f"/v1/api-keys/{key['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert config_writer.sync().api_key_by_hash(api_key_sha256(secret)).revoked


def test_invited_member_with_a_one_time_password(control_plane, seed_org, login_as) -> None:
    org = seed_org()
    admin = login_as(control_plane, org.emails["admin"])
    email = f"new-{org.org_id}@example.com"
    invited = control_plane.post("/v1/members", json={"email": email, "role": "user"}, headers=admin)
    assert invited.status_code == 201, invited.text
    one_time = invited.json()["initial_password"]
    assert one_time and invited.json()["member"]["status"] == "invited"
    again = control_plane.post("/v1/members", json={"email": email}, headers=admin)
    assert again.status_code == 409

    member = login_as(control_plane, email, one_time)
    assert control_plane.get("/v1/me", headers=member).json()["status"] == "invited"
    changed = control_plane.put(
        "/v1/me/password", json={"current_password": one_time, "new_password": "a much better passphrase"}, headers=member
    )
    assert changed.status_code == 204
    assert control_plane.get("/v1/me", headers=member).json()["status"] == "active"
    assert control_plane.post("/v1/auth/login", json={"email": email, "password": one_time}).status_code == 401
    login_as(control_plane, email, "a much better passphrase")
    members = control_plane.get("/v1/members", headers=member).json()["items"]
    assert email in [m["email"] for m in members] and all("password" not in str(m) for m in members)


def test_member_of_two_orgs_picks_one_at_login(control_plane, seed_org, login_as) -> None:
    first, second = seed_org(), seed_org()
    email = first.emails["user"]
    admin_two = login_as(control_plane, second.emails["admin"])
    with_password = control_plane.post("/v1/members", json={"email": email, "password": "chosen by another org"}, headers=admin_two)
    assert with_password.status_code == 409  # an existing user keeps their own password
    added = control_plane.post("/v1/members", json={"email": email, "role": "admin"}, headers=admin_two)
    assert added.status_code == 201 and added.json()["initial_password"] is None
    in_second = login_as(control_plane, email, org_id=second.org_id)
    me = control_plane.get("/v1/me", headers=in_second).json()
    assert me["org_id"] == second.org_id and me["role"] == "admin"
    assert {o["org_id"] for o in me["organizations"]} == {first.org_id, second.org_id}
    assert control_plane.get("/v1/projects", headers=in_second).json()["items"][0]["id"] == second.project_id


def test_settings_and_their_plan(control_plane, seed_org, login_as) -> None:
    enterprise, community = seed_org(), seed_org("community")
    admin = login_as(control_plane, enterprise.emails["admin"])
    saved = control_plane.put("/v1/settings", json={"prompt_logging": False, "retention_days": 30}, headers=admin)
    assert saved.status_code == 200, saved.text
    assert (saved.json()["prompt_logging"], saved.json()["retention_days"]) == (False, 30)
    assert control_plane.get("/v1/settings", headers=admin).json()["prompt_logging"] is False
    assert control_plane.put("/v1/settings", json={"retention_days": 0}, headers=admin).status_code == 422

    community_admin = login_as(control_plane, community.emails["admin"])
    settings = control_plane.get("/v1/settings", headers=community_admin).json()
    assert settings["plan"] == "community" and settings["monthly_quota"] == 10_000
    refused = control_plane.put("/v1/settings", json={"prompt_logging": False}, headers=community_admin)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "enterprise_plan_required"


def test_audit_lists_changes_newest_first_with_filters(control_plane, seed_org, login_as) -> None:
    org = seed_org()
    admin = login_as(control_plane, org.emails["admin"])
    project = control_plane.post("/v1/projects", json={"name": "audited"}, headers=admin).json()
    control_plane.patch(f"/v1/projects/{project['id']}", json={"name": "renamed"}, headers=admin)
    control_plane.delete(f"/v1/projects/{project['id']}", headers=admin)

    trail = control_plane.get("/v1/audit", params={"entity_id": project["id"]}, headers=admin).json()["items"]
    assert [e["type"] for e in trail] == ["config.project.deleted", "config.project.upserted", "config.project.upserted"]
    assert {e["actor"] for e in trail} == {org.user_id("admin")}
    everything = control_plane.get("/v1/audit", params={"limit": 500}, headers=admin).json()["items"]
    assert [e["occurred_at"] for e in everything] == sorted((e["occurred_at"] for e in everything), reverse=True)
    system = control_plane.get("/v1/audit", params={"actor": "system", "entity_type": "organization"}, headers=admin).json()
    assert [e["entity_id"] for e in system["items"]] == [org.org_id]
    later = control_plane.get("/v1/audit", params={"from": trail[0]["occurred_at"]}, headers=admin).json()["items"]
    assert trail[0]["event_id"] in [e["event_id"] for e in later]
    page = control_plane.get("/v1/audit", params={"limit": 1}, headers=admin).json()
    following = control_plane.get("/v1/audit", params={"limit": 1, "cursor": page["next_cursor"]}, headers=admin).json()
    assert following["items"][0]["event_id"] != page["items"][0]["event_id"]


def test_openapi_documents_every_control_plane_route_with_examples(control_plane) -> None:
    spec = control_plane.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]

    def example_of(schema: dict) -> bool:
        if "$ref" in schema:
            return bool(schemas[schema["$ref"].rsplit("/", 1)[1]].get("examples"))
        return "items" in schema and example_of(schema["items"])

    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not path.startswith("/v1/") or path.startswith("/v1/requests") or path.startswith("/v1/dashboard"):
                continue  # the read models document their own routes
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body is not None and not example_of(body):
                missing.append(f"{method.upper()} {path} request")
            for status, response in operation["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if status.startswith("2") and schema is not None and not example_of(schema):
                    missing.append(f"{method.upper()} {path} {status}")
            if not operation.get("security") and path != "/v1/auth/login":
                missing.append(f"{method.upper()} {path} security")
    assert not missing, missing

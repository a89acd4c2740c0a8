"""The admin pages in Debian's Chromium on the running stack: projects, policies, API access,
team members and export settings, as an admin changes them and as a `user` sees them."""

from __future__ import annotations

import json
import re
import uuid

import boto3
import httpx
import pytest
from moto.core.authorization import enable_iam_authentication
from playwright.sync_api import Page, expect

from tests.integration.polling import wait_for

pytestmark = pytest.mark.integration


def loaded(page: Page, url: str) -> Page:
    page.goto(url)
    page.wait_for_selector("#page[data-loaded=true]")
    return page


def test_an_admin_creates_edits_and_deletes_a_project(page_as, web_url, seeded_web) -> None:
    name = f"Checkout {uuid.uuid4().hex[:6]}"
    page = loaded(page_as("admin"), f"{web_url}/projects")
    page.click("#create-project")
    page.fill("#project-name", name)
    page.select_option("#project-policy", "policy-default")
    page.click("#add-metadata")
    page.fill("#project-metadata .meta-key", "team")
    page.fill("#project-metadata .meta-value", "payments")
    page.click("#project-dialog-submit")
    row = page.locator("#projects-table tbody tr", has_text=name)
    expect(row.locator(".project-metadata")).to_have_text("team=payments")
    project_id = row.get_attribute("data-project-id")
    with seeded_web.api() as api:
        stored = api.get(f"/v1/projects/{project_id}").json()
    assert stored["metadata"] == {"team": "payments"} and stored["policy_id"] == "policy-default"

    row.locator(".edit-project").click()
    page.fill("#project-name", name + " v2")
    page.select_option("#project-policy", "")  # back to the org's default policy
    page.click("#project-dialog-submit")
    renamed = page.locator(f"#projects-table tr[data-project-id='{project_id}']")
    expect(renamed.locator(".project-name")).to_have_text(name + " v2")
    expect(renamed.locator(".project-policy")).to_have_text("Organization default")

    renamed.locator(".delete-project").click()
    page.click("#delete-project-dialog-submit")
    expect(renamed).to_have_count(0)
    with seeded_web.api() as api:
        assert api.get(f"/v1/projects/{project_id}").status_code == 404


def test_a_user_sees_no_admin_controls_and_a_fetch_is_refused(page_as, web_url) -> None:
    page = page_as("user")
    for path, controls in (
        ("/projects", ["#create-project", ".edit-project", ".delete-project"]),
        ("/api-access", ["#create-key", ".revoke-key"]),
        ("/policies", ["#create-policy", "#save-policy", "#delete-policy", "#add-custom"]),
    ):
        loaded(page, web_url + path)
        for control in controls:
            assert page.locator(control).count() == 0, (path, control)
    assert page.locator("#policy-detectors .det-enabled").first.is_disabled()  # read-only policy view
    # the page's own fetch with the member's token, as a curious user would try it
    answer = page.evaluate(
        """async () => {
            const r = await fetch('/v1/projects', {method: 'POST', headers: {
              'Content-Type': 'application/json',
              Authorization: 'Bearer ' + localStorage.getItem('guardstream.token')},
              body: JSON.stringify({name: 'sneaky'})});
            return {status: r.status, body: await r.json()};
        }"""
    )
    assert answer["status"] == 403 and answer["body"]["error"]["code"] == "forbidden"


def test_an_api_key_secret_is_shown_once_and_works(page_as, web_url, running_stack) -> None:
    page = loaded(page_as("admin"), f"{web_url}/api-access")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    name = f"web key {uuid.uuid4().hex[:6]}"
    page.click("#create-key")
    page.fill("#key-name", name)
    page.click("#key-dialog-submit")
    secret = page.inner_text("#secret-value")
    assert secret.startswith("gs_") and len(secret) > 30
    page.click("#copy-secret")
    expect(page.locator("#new-key-secret .copy-status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    row = page.locator("#keys-table tbody tr", has_text=name)
    expect(row.locator(".key-prefix")).to_have_text(secret[:8] + "…")

    body = {"messages": [{"role": "user", "content": "hello"}], "project_id": "project-demo"}
    screened = wait_for(
        lambda: httpx.post(running_stack.creds.ingest_url + "/v2/guard", json=body, headers={"Authorization": f"Bearer {secret}"}, timeout=10).status_code == 200,
        timeout=20,
    )
    assert screened, "the secret shown does not authenticate at ingest"

    loaded(page, f"{web_url}/api-access")  # shown once: gone after a reload
    assert secret not in page.content()
    row.locator(".revoke-key").click()
    page.click("#revoke-key-dialog-submit")
    expect(row.locator(".key-status")).to_have_text("revoked")


def test_a_policy_edit_makes_a_new_version_in_the_history(page_as, web_url, seeded_web) -> None:
    with seeded_web.api() as api:
        policy = api.post("/v1/policies", json={"name": f"Web policy {uuid.uuid4().hex[:6]}"}).json()
    page = loaded(page_as("admin"), f"{web_url}/policies?policy={policy['id']}")
    expect(page.locator("#policy-panel")).to_have_attribute("data-version", "1")
    page.select_option("#policy-detectors tr[data-detector='prompt_attack'] .det-threshold", "l3_likely")
    page.uncheck("#policy-detectors tr[data-detector='pii/address'] .det-enabled")
    page.fill("#policy-domains", "example.org")
    page.click("#add-custom")
    page.fill("#policy-custom .custom-name", "ticket-id")
    page.fill("#policy-custom .custom-pattern", "TCK-[0-9]{6}")
    page.click("#save-policy")
    expect(page.locator("#policy-panel")).to_have_attribute("data-version", "2")
    expect(page.locator("#policy-status")).to_have_text("Saved as version 2.")
    latest = page.locator("#policy-history li[data-version='2'] .changes")
    for change in ("prompt_attack l2 → l3", "pii/address off", "allowed example.org", "custom/ticket-id added"):
        expect(latest).to_contain_text(change)
    assert page.locator("#policy-history li[data-version='1']").count() == 1
    with seeded_web.api() as api:
        versions = api.get(f"/v1/policies/{policy['id']}/versions").json()["items"]
        assert [v["version"] for v in versions] == [2, 1]
        assert versions[0]["allowed_domains"] == ["example.org"]
        assert next(d for d in versions[0]["detectors"] if d["type"] == "prompt_attack")["threshold"] == "l3_likely"
        api.delete(f"/v1/policies/{policy['id']}")


def test_team_members_roles_but_never_ones_own(page_as, web_url, seeded_web) -> None:
    page = loaded(page_as("admin"), f"{web_url}/settings/members")
    own = page.locator("#members-table tr[data-own=true]")
    expect(own.locator(".member-role")).to_be_disabled()
    assert own.locator(".remove-member").count() == 0

    email = f"teammate-{uuid.uuid4().hex[:6]}@example.com"
    page.click("#invite-member")
    page.fill("#invite-email", email)
    page.click("#invite-dialog-submit")
    expect(page.locator("#invited")).to_contain_text(email)
    row = page.locator("#members-table tbody tr", has_text=email)
    row.locator(".member-role").select_option("admin")
    expect(page.locator("#members-status")).to_contain_text(f"{email} is now admin")
    with seeded_web.api() as api:
        roles = {m["email"]: m["role"] for m in api.get("/v1/members").json()["items"]}
    assert roles[email] == "admin"
    row.locator(".remove-member").click()
    page.click("#remove-member-dialog-submit")
    expect(row).to_have_count(0)


@pytest.fixture(scope="module")
def export_bucket(s3_endpoint) -> tuple[str, str, str]:
    """A bucket on moto and an IAM user's access key allowed to write it: (bucket, key id, secret)."""
    bucket = f"guard-web-{uuid.uuid4().hex[:8]}"
    options = {"endpoint_url": s3_endpoint, "region_name": "us-east-1", "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    boto3.client("s3", **options).create_bucket(Bucket=bucket)
    iam = boto3.client("iam", **options)
    user = f"exporter-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=user)
    allow_s3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.put_user_policy(UserName=user, PolicyName="export", PolicyDocument=json.dumps(allow_s3))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return bucket, key["AccessKeyId"], key["SecretAccessKey"]


def test_export_test_authentication_then_save(page_as, web_url, s3_endpoint, export_bucket, seeded_web) -> None:
    bucket, key_id, secret = export_bucket
    page = loaded(page_as("admin"), f"{web_url}/settings/export")
    page.check("#target-s3")
    page.fill("#export-bucket", bucket)
    page.fill("#export-prefix", "web")
    page.fill("#export-endpoint", s3_endpoint)
    page.fill("#export-region", "us-east-1")
    page.fill("#export-access-key", key_id)
    result, save = page.locator("#export-test-result"), page.locator("#export-save")
    try:
        with enable_iam_authentication():  # moto checks signatures and IAM policies from here on
            page.fill("#export-secret", secret[:-4] + "AAAA")  # a wrong secret
            expect(save).to_be_disabled()  # nothing tested yet
            page.click("#export-test")
            expect(result).to_have_attribute("data-reason", "bad_credentials")
            expect(result).to_contain_text("Bad credentials")
            expect(save).to_be_disabled()

            page.fill("#export-secret", secret)
            page.click("#export-test")
            expect(result).to_contain_text("Authentication succeeded")
            expect(save).to_be_enabled()
            page.fill("#export-prefix", "web2")  # an edit needs a new test
            expect(save).to_be_disabled()
            page.fill("#export-prefix", "web")
            page.click("#export-test")
            expect(save).to_be_enabled()
            page.click("#export-save")
            expect(result).to_contain_text("Saved")
        expect(page.locator("#export-bucket")).to_have_value(bucket)
        expect(page.locator("#export-secret")).to_have_attribute("placeholder", re.compile("stored"))
        assert secret not in page.content()
        expect(page.locator("#export-alerts")).to_be_visible()
    finally:  # the stack's org exports to its default target again
        with seeded_web.api() as api:
            restored = api.put("/v1/settings/export", json={"enabled": True, "bucket": None, "prefix": ""})
            assert restored.status_code == 200, restored.text

"""The dashboard's pages in Debian's Chromium, on screenings ingested through the real stack:
what a person sees must be what the API answers, and a role's limits hold in the page and on
the server."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.web_seed import ATTACKS, BENIGN, PII, RAW_EMAIL

pytestmark = pytest.mark.integration


def loaded(page: Page, path: str) -> Page:
    page.goto(path)
    page.wait_for_selector("[data-loaded=true]")
    return page


def number(text: str) -> float:
    return float(re.sub(r"[^0-9.]", "", text))


def test_login_form_and_logout(browser, web_url, seeded_web) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(web_url + "/requests?range=1h")
        expect(page).to_have_url(re.compile(r"/login\?next="))  # not logged in: to the login form
        page.fill("#email", seeded_web.emails["admin"])
        page.fill("#password", "not the password")
        page.click("#login-submit")
        expect(page.locator("#login-error")).to_contain_text("wrong email or password")
        page.fill("#password", seeded_web.passwords["admin"])
        page.click("#login-submit")
        expect(page).to_have_url(re.compile(r"/requests\?range=1h$"))  # back where the user was going
        expect(page.locator(".account-email")).to_have_text(seeded_web.emails["admin"])
        page.click("#logout")
        expect(page.locator("#email")).to_be_visible()
        page.goto(web_url + "/dashboard")
        expect(page).to_have_url(re.compile(r"/login"))
    finally:
        context.close()


def test_dashboard_numbers_equal_the_api(page_as, web_url, seeded_web) -> None:
    query = f"project_id={seeded_web.project_id}&range=1h"
    page = loaded(page_as("admin"), f"{web_url}/dashboard?{query}")
    with seeded_web.api() as api:
        totals = api.get("/v1/dashboard", params={"project_id": seeded_web.project_id, "range": "1h"}).json()["totals"]
    assert totals["requests"] >= len(ATTACKS + PII + BENIGN)  # other tests may screen through this project too
    assert number(page.inner_text("#card-requests .value")) == totals["requests"]
    assert number(page.inner_text("#card-flagged .value")) == totals["flagged"]
    assert number(page.inner_text("#card-rate .value")) == pytest.approx(totals["detection_rate"] * 100, abs=0.05)
    assert totals["flagged"] >= len(ATTACKS)  # the attacks were flagged, so the charts have detections
    for chart in ("chart-requests", "chart-detections", "chart-types", "chart-latency"):
        assert page.locator(f"#{chart}").bounding_box()["height"] > 100


def test_projects_table_sorts_by_detection_rate_and_reverses(page_as, web_url, seeded_web) -> None:
    projects = f"project_id={seeded_web.project_id}&project_id={seeded_web.quiet_project_id}"
    page = loaded(page_as("admin"), f"{web_url}/dashboard?{projects}&range=1h")

    def names() -> list[str]:
        return page.locator("#projects-table tbody td:first-child").all_inner_texts()

    def rates() -> list[float]:
        return [number(t) for t in page.locator("#projects-table tbody td:last-child").all_inner_texts()]

    page.click("[data-sort=detection_rate]")  # already the default (desc): a click reverses it
    assert rates() == sorted(rates()) and names() == [seeded_web.quiet_project_name, seeded_web.project_name]
    page.click("[data-sort=detection_rate]")
    assert rates() == sorted(rates(), reverse=True) and names() == [seeded_web.project_name, seeded_web.quiet_project_name]
    assert "order=desc" in page.url  # the sort is part of the shareable URL
    page.click("[data-sort=name]")
    assert names() == sorted(names(), key=str.lower)


def test_detections_tab_shows_only_flagged_requests(page_as, web_url, seeded_web) -> None:
    page = loaded(page_as("admin"), f"{web_url}/requests?project_id={seeded_web.project_id}&range=1h")
    everything = page.locator("#requests-table tbody tr")
    with seeded_web.api() as api:
        listed = api.get("/v1/requests", params={"project_id": seeded_web.project_id, "range": "1h"}).json()["items"]
    assert everything.count() == len(listed) >= len(ATTACKS + PII + BENIGN)
    page.click("#tab-detections")
    page.wait_for_url(re.compile(r"tab=detections"))
    page.wait_for_selector("[data-loaded=true]")
    rows = page.locator("#requests-table tbody tr")
    with seeded_web.api() as api:
        flagged = api.get("/v1/requests", params={"project_id": seeded_web.project_id, "range": "1h", "flagged": "true"}).json()
    assert rows.count() == len(flagged["items"]) >= len(ATTACKS)
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.flagged)")) == {"true"}


def test_request_details_show_masked_content_and_the_api_response(page_as, web_url, seeded_web) -> None:
    page = loaded(page_as("admin"), f"{web_url}/requests?project_id={seeded_web.project_id}&range=1h")
    page.click(f"tr[data-event-id='{seeded_web.pii_event_id}'] a.preview")
    page.wait_for_url(re.compile(seeded_web.pii_event_id))
    page.wait_for_selector("#request-details")
    contents = page.inner_text("#contents")
    assert "<EMAIL>" in contents and "<NAME>" in contents
    assert RAW_EMAIL not in page.content() and "David Haber" not in page.content()
    with seeded_web.api() as api:
        detail = api.get(f"/v1/requests/{seeded_web.pii_event_id}").json()
    assert json.loads(page.inner_text("#api-response-json")) == detail["api_response"]
    checks = page.locator("#checks-table tbody tr")
    assert checks.count() == len(detail["results"])
    assert page.locator("#checks-table tbody tr[data-detected=true]").count() == sum(r["detected"] for r in detail["results"])


def test_a_user_sees_no_create_controls_and_the_server_refuses_anyway(page_as, web_url, seeded_web) -> None:
    page = page_as("user")
    loaded(page, f"{web_url}/dashboard?range=1h")
    nav = page.locator(".sidebar [data-nav]").all_inner_texts()
    assert "Projects" in nav and "Settings" not in nav  # settings are for admins (the seed)
    loaded(page, f"{web_url}/projects")
    assert page.locator("#create-project").count() == 0
    assert page.get_by_text(seeded_web.project_name).count() >= 1  # the list itself is there
    assert page.get_by_role("button", name=re.compile("create", re.I)).count() == 0
    answer = page.request.post(
        f"{web_url}/v1/projects",
        data={"name": "sneaky"},
        headers={"Authorization": f"Bearer {seeded_web.token('user')}"},
    )
    assert answer.status == 403 and answer.json()["error"]["code"] == "forbidden"

    admin = loaded(page_as("admin"), f"{web_url}/projects")
    assert admin.locator("#create-project").is_visible()  # the control exists, for those allowed

    no_access = page_as("no_access")
    no_access.goto(f"{web_url}/dashboard")
    expect(no_access.locator("#no-access")).to_contain_text("No access")
    assert no_access.locator(".sidebar [data-nav]").count() == 0


def test_relative_and_absolute_filters_change_what_is_shown(page_as, web_url, seeded_web) -> None:
    page = loaded(page_as("admin"), f"{web_url}/requests?project_id={seeded_web.project_id}&range=1h")
    shown = page.locator("#requests-table tbody tr").count()
    assert shown >= len(ATTACKS + PII + BENIGN)

    # an absolute period before the screenings were sent: nothing to show
    start = datetime.now(UTC).astimezone() - timedelta(days=3)
    page.fill("#filter-from", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#filter-to", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.click("#filter-apply")
    page.wait_for_url(re.compile(r"from=.*to="))
    expect(page.locator("#requests-status")).to_contain_text("No requests in this period")
    assert "range=" not in page.url

    # back to a relative frame: the rows are back, and "Update data" keeps them
    page.click("[data-range='15m']")
    page.wait_for_url(re.compile(r"range=15m"))
    expect(page.locator("#requests-table tbody tr")).to_have_count(shown)
    page.click("#filter-update")
    expect(page.locator("#requests-table tbody tr")).to_have_count(shown)

    # the project dropdown: the benign project alone
    page.select_option("#filter-project", seeded_web.quiet_project_id)
    page.wait_for_url(re.compile(seeded_web.quiet_project_id))
    expect(page.locator("#requests-table tbody tr")).to_have_count(len(BENIGN))

    # the dashboard follows the same filters, from the URL
    dashboard = loaded(page, f"{web_url}/dashboard?project_id={seeded_web.quiet_project_id}&range=15m")
    assert number(dashboard.inner_text("#card-requests .value")) == len(BENIGN)
    dashboard.goto(f"{web_url}/dashboard?project_id={seeded_web.quiet_project_id}&from={start.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}&to={(start + timedelta(hours=2)).astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}")
    dashboard.wait_for_selector("[data-loaded=true]")
    assert number(dashboard.inner_text("#card-requests .value")) == 0


def test_load_more_follows_the_keyset_cursor(page_as, web_url, seeded_web) -> None:
    page = loaded(page_as("admin"), f"{web_url}/requests?project_id={seeded_web.project_id}&range=1h&limit=4")
    rows = page.locator("#requests-table tbody tr")
    assert rows.count() == 4
    while page.locator("#load-more").is_visible():
        before = rows.count()
        page.click("#load-more")
        expect(rows).not_to_have_count(before)
    seen = rows.evaluate_all("rows => rows.map(r => r.dataset.eventId)")
    assert len(seen) == len(set(seen))  # no row twice across pages
    assert set(seeded_web.event_ids[: len(ATTACKS + PII + BENIGN)]) <= set(seen)
    expect(page.locator("#requests-status")).to_contain_text("all of this period")

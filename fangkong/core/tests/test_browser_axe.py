"""Accessibility: axe-core (pinned in package.json) on the main pages, in Debian's Chromium.

The commander on a desktop and a grid worker on a 375 px phone; any serious or critical
violation (colour contrast first of all: the red menu bar, muted text, badges, greyed menu
items) fails the test with the list of rules and elements. The screenshots land in
var/axe/ for a look: a page that passes axe but looks broken is still broken.
"""

from pathlib import Path

import pytest

from fangkong.core.tests.test_browser import (  # noqa: F401
    browser,
    demo,
    log_in,
    user_with_role,
)
from fangkong.people.models import Person

ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "var" / "axe"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def axe_violations(page) -> list[str]:
    """Serious and critical axe violations of the page, one line per rule and element."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluate() is not subject to script-src 'self' (an injected <script> would be).
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' ') + ' :: '"
        " + (n.any.concat(n.all, n.none).map(c => c.message).join('; ')))}))"
    )
    return [f"{v['id']}: {node}" for v in result for node in v["nodes"]]


def check_pages(page, base_url, person, label):
    pages = {
        "home": "/",
        "person-list": "/people/",
        "person-detail": f"/people/{person.pk}/",
        "area-browser": "/places/",
        "household": f"/places/households/{person.household_id}/",
        "job-list": "/jobs/",
    }
    found = []
    for name, path in pages.items():
        response = page.goto(base_url + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        found += [f"{name}: {line}" for line in axe_violations(page)]
        page.screenshot(path=str(SHOTS / f"{label}-{name}.png"), full_page=True)
    # The search answers a POST (no ID in an address).
    page.goto(base_url + "/people/search/")
    page.fill("main input[name=q]", person.name_initials)
    page.locator("main form button").first.click()
    page.wait_for_load_state("networkidle")
    found += [f"person-search: {line}" for line in axe_violations(page)]
    page.screenshot(path=str(SHOTS / f"{label}-person-search.png"), full_page=True)
    # The menu bar's dropdowns and the phone's offcanvas menu, opened.
    toggler = page.locator(".navbar-toggler:visible")
    if toggler.count():
        toggler.click()
        page.locator("#fk-menu.show").wait_for()
        page.wait_for_timeout(400)
    # Groups of unbuilt modules: greyed on a desktop, one "coming" line on a phone.
    phone = page.viewport_size["width"] < 768
    unavailable = 0
    for group in page.locator("[data-fk-nav-group]").all():
        # A group this user can open something in has a link; the others only greyed items.
        available = group.locator("a.dropdown-item").count() > 0
        unavailable += not available
        key = group.get_attribute("data-fk-nav-group")
        assert group.is_visible() is (available or not phone), key
    assert not phone or unavailable, (
        "the grid worker should have modules still coming (command, reports)"
    )
    assert page.locator("[data-fk-nav-coming]").is_visible() is (phone and unavailable > 0)
    page.locator("#fk-menu .nav-link.dropdown-toggle:visible").first.click()
    page.wait_for_timeout(300)
    found += [f"menu: {line}" for line in axe_violations(page)]
    page.screenshot(path=str(SHOTS / f"{label}-menu.png"))
    return found


def test_no_serious_axe_violations(browser, live_server, demo):  # noqa: F811
    assert AXE.exists(), "axe-core is missing: `npm ci` installs it (package-lock.json)"
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = []

    anonymous = browser.new_context(viewport={"width": 375, "height": 700}, locale="zh-CN")
    page = anonymous.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    found += [f"login: {line}" for line in axe_violations(page)]
    page.screenshot(path=str(SHOTS / "phone-login.png"))
    anonymous.close()

    commander = user_with_role("district_commander")
    desktop = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = desktop.new_page()
    log_in(page, live_server.url, commander)
    person = Person.objects.restrict(commander).exclude(household=None).order_by("id").first()
    found += [f"desktop {line}" for line in check_pages(page, live_server.url, person, "desktop")]
    desktop.close()

    worker = user_with_role("grid_worker")
    phone = browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = phone.new_page()
    log_in(page, live_server.url, worker)
    person = Person.objects.restrict(worker).exclude(household=None).order_by("id").first()
    found += [f"phone {line}" for line in check_pages(page, live_server.url, person, "phone")]
    phone.close()

    assert not found, "serious/critical axe violations:\n" + "\n".join(found)

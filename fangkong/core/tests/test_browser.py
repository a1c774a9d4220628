"""Browser tests on Debian's Chromium (Playwright, no downloaded browser).

They walk the field worker's main flow on a phone-sized screen and save screenshots. Look at them
after a change: a page that looks broken is broken. They go to var/screenshots/ so that a test run
leaves the tree clean; `make screenshots` writes them into docs/img/, which the user guide shows.
"""

import os
from pathlib import Path

import pytest

from fangkong.core.models import Role, RoleGrant, User
from fangkong.core.testing import DEMO_PERSONS, DEMO_SEED, load_demo_once
from fangkong.people.models import Person

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[3]
DOCS_IMG = Path(os.environ.get("FANGKONG_SCREENSHOT_DIR") or ROOT / "var" / "screenshots")
DOCS_IMG.mkdir(parents=True, exist_ok=True)
PASSWORD = "Fk-browser-2020"

# Playwright's sync API runs an event loop in this thread; the ORM calls the test makes around
# it are ordinary blocking calls, so Django's async-safety guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make system-deps` installs it")
    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def demo(transactional_db):
    """The Datonghu demo of 3,000 persons (loaded once per test process, then restored)."""
    load_demo_once(persons=DEMO_PERSONS, seed=DEMO_SEED)


def user_with_role(code: str) -> User:
    grant = RoleGrant.objects.filter(role=Role.objects.get(code=code), user__demo=True).first()
    user = grant.user
    user.set_password(PASSWORD)
    user.save()
    return user


def assert_fits_the_phone(page) -> None:
    # Sideways scrolling on a phone hides the right edge of forms and tables.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"


def log_in(page, base_url: str, user: User) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(f"{base_url}/")


def test_grid_worker_finds_a_person_by_initials_on_a_phone(browser, live_server, demo):
    worker = user_with_role("grid_worker")
    mine = Person.objects.restrict(worker).exclude(household=None).order_by("id").first()
    initials = mine.name_initials
    outside = (
        Person.objects.exclude(pk__in=Person.objects.restrict(worker))
        .filter(name_initials=initials)
        .first()
    )

    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = context.new_page()
    log_in(page, live_server.url, worker)
    assert_fits_the_phone(page)
    page.screenshot(path=str(DOCS_IMG / "phone-home.png"), full_page=True)

    page.goto(f"{live_server.url}/people/search/")
    page.fill("main input[name=q]", initials)
    page.locator("main form button").first.click()
    page.wait_for_load_state("networkidle")
    cards = page.locator("body")
    assert mine.name in cards.inner_text()
    if outside is not None and outside.name != mine.name:
        assert outside.name not in cards.inner_text()
    assert "?" not in page.url  # the search travelled in a POST body, not the address
    assert_fits_the_phone(page)
    page.screenshot(path=str(DOCS_IMG / "phone-search.png"), full_page=True)

    page.locator(f"a[href='/people/{mine.pk}/']:visible").first.click()
    page.wait_for_url(f"{live_server.url}/people/{mine.pk}/")
    text = page.locator("main").inner_text()
    assert mine.masked("id_number") in text or not mine.id_number
    assert mine.id_number == "" or mine.id_number not in text
    assert_fits_the_phone(page)
    page.screenshot(path=str(DOCS_IMG / "phone-person.png"), full_page=True)

    page.locator(f"main a[href*='/places/households/{mine.household_id}/']").first.click()
    page.wait_for_load_state("networkidle")
    assert mine.household.address in page.locator("main").inner_text()
    assert_fits_the_phone(page)
    page.screenshot(path=str(DOCS_IMG / "phone-household.png"), full_page=True)

    # Another grid's person is answered like a missing one.
    if outside is not None:
        response = page.goto(f"{live_server.url}/people/{outside.pk}/")
        assert response.status == 404
    context.close()


def test_commander_drills_down_the_area_browser_on_a_desktop(browser, live_server, demo):
    commander = user_with_role("district_commander")
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server.url, commander)
    page.screenshot(path=str(DOCS_IMG / "desktop-home.png"), full_page=True)
    page.goto(f"{live_server.url}/places/")
    text = page.locator("main").inner_text()
    for town in ("河坝镇", "金盆镇", "北洲子镇", "千山红镇"):
        assert town in text
    page.screenshot(path=str(DOCS_IMG / "area-browser-district.png"), full_page=True)
    page.get_by_role("link", name="河坝镇").first.click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(DOCS_IMG / "area-browser-town.png"), full_page=True)
    context.close()


def test_login_page_and_traditional_script(browser, live_server, db):
    context = browser.new_context(
        viewport={"width": 375, "height": 700}, is_mobile=True, locale="zh-TW"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.screenshot(path=str(DOCS_IMG / "phone-login.png"))
    assert page.locator("input[name=password]").count() == 1
    context.close()

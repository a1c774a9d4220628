"""Browser tests of the kit's phone-facing pieces: the top-bar search box and the
search-as-you-type choice widget, at 375 px on Debian's Chromium."""

import pytest

from fangkong.core.tests.test_browser import assert_fits_the_phone, browser  # noqa: F401
from fangkong.places.models import Household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Fk-test-pass-2020"  # core.testing.make_user


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    yield context.new_page()
    context.close()


def _log_in(page, base_url, user):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(f"{base_url}/")


def test_top_bar_search_and_household_choice_on_a_phone(phone, live_server, commander, person_in):
    world_grid = person_in.area
    Household.objects.bulk_create(
        Household(area=world_grid, number=f"{100 + i}", address=f"东湖路{i}号") for i in range(40)
    )
    _log_in(phone, live_server.url, commander)
    box = phone.locator("form.fk-topsearch input[name=q]")
    assert box.is_visible()
    assert_fits_the_phone(phone)
    box.fill("zs")
    box.press("Enter")
    phone.wait_for_url(f"{live_server.url}/people/search/")
    assert "张三" in phone.locator("main").inner_text()

    phone.goto(f"{live_server.url}/people/")
    assert_fits_the_phone(phone)
    # On a phone the filters other than the search box are folded behind "More filters".
    search = phone.locator("#id_household")
    assert not search.is_visible()
    phone.locator("button[data-bs-target='#fk-more-filters']").tap()
    search.wait_for(state="visible")
    search.tap()
    search.fill("东湖村一组1")
    option = phone.locator(".fk-choice-option", has_text="东湖村一组1号")
    option.wait_for()
    assert phone.locator(".fk-choice-option").count() == 1
    assert_fits_the_phone(phone)
    with phone.expect_response(lambda r: "/people/?" in r.url and "household=" in r.url):
        option.tap()
    assert phone.locator("#id_household_value").input_value() == str(person_in.household_id)
    assert "张三" in phone.locator("#fk-results").inner_text()
    # Keyboard: arrow down and Enter pick the first match.
    search.fill("")
    search.type("东湖路39")
    phone.locator(".fk-choice-option", has_text="东湖路39号").wait_for()
    search.press("ArrowDown")
    search.press("Enter")
    assert phone.locator("#id_household_value").input_value() != ""

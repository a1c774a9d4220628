"""The clerk's story on a 375-px phone: a feverish passenger from Wuhan registered in seconds.

Screenshots go to var/screenshots/ (or ``FANGKONG_SCREENSHOT_DIR``, e.g. docs/img for the user
guide) as checkpoints-*.png. Look at them after a change."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from fangkong.alerts.models import Alert
from fangkong.checkpoints.models import Checkpoint, Passage, Shift
from fangkong.core.testing import build_world, make_id_number, make_user
from fangkong.core.tests.test_browser import DOCS_IMG, assert_fits_the_phone, browser  # noqa: F401
from fangkong.observation.models import KeyPerson, Observation
from fangkong.people.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Fk-test-pass-2020"


@pytest.fixture
def story(db):
    world = build_world()
    checkpoint = Checkpoint.objects.create(
        area=world.town, name="河坝镇沙堡洲卡点", kind="road", location="S308 河坝镇与南县交界"
    )
    clerk = make_user("kadian", "checkpoint_staff", world.town, full_name="陈国平")
    now = timezone.now()
    Shift.objects.create(
        checkpoint=checkpoint,
        user=clerk,
        start=now - dt.timedelta(hours=3),
        end=now + dt.timedelta(hours=5),
        duty="leader",
    )
    resident = Person.objects.create(
        name="刘建华",
        id_number=make_id_number(seq=77),
        phone="13807370077",
        area=world.grid,
        household=world.household,
    )
    return world, checkpoint, clerk, resident


def test_clerk_registers_a_feverish_passenger_from_wuhan_on_a_phone(browser, live_server, story):  # noqa: F811
    world, checkpoint, clerk, resident = story
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", clerk.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    # Checkpoint staff land on "my checkpoint, my shift".
    page.wait_for_url(f"{base}/checkpoints/")
    assert page.locator(f"[data-fk-on-duty='{checkpoint.pk}']").is_visible()
    assert_fits_the_phone(page)
    page.screenshot(path=str(DOCS_IMG / "checkpoints-shift.png"), full_page=True)

    page.locator(f"a[href*='/checkpoints/register/?checkpoint={checkpoint.pk}']").click()
    page.wait_for_selector("#id_id_number")
    assert_fits_the_phone(page)
    started = time.perf_counter()
    # Typed (or scanned: a scanner types and ends with Enter) — the lookup fires at 18 chars.
    page.locator("#id_id_number").type(resident.id_number)
    page.wait_for_selector("[data-fk-lookup=found]")
    page.keyboard.press("Enter")  # moves on, does not submit
    assert page.locator("#id_name").input_value() == "刘建华"
    page.locator("#id_temperature").fill("38.2")
    page.locator("[data-fk-origin='武汉']").tap()
    page.locator("#id_destination").fill("东湖村")
    page.screenshot(path=str(DOCS_IMG / "checkpoints-register.png"), full_page=True)
    page.locator("[data-fk-submit]").tap()
    page.wait_for_selector("[data-fk-last-passage] [data-fk-fever]")
    elapsed = time.perf_counter() - started
    # The form is ready for the next traveller: empty, the cursor in the ID field.
    assert page.locator("#id_id_number").input_value() == ""
    assert page.locator("#id_temperature").input_value() == ""
    assert page.evaluate("document.activeElement.id") == "id_id_number"
    assert page.locator("[data-fk-last-passage] [data-fk-risk]").is_visible()
    assert elapsed < 10, f"registration took {elapsed:.1f} s"
    assert_fits_the_phone(page)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(DOCS_IMG / "checkpoints-registered.png"), full_page=True)

    passage = Passage.objects.get()
    assert passage.fever and passage.risk_origin and passage.person == resident
    assert KeyPerson.objects.get(person=resident).category.code == "wuhan"
    assert Observation.objects.get(person=resident).kind == "home"
    assert set(Alert.objects.values_list("kind", flat=True)) == {"fever_checkpoint", "risk_arrival"}

    page.goto(f"{base}/checkpoints/registry/{checkpoint.pk}/ledger/")
    page.wait_for_selector("#fk-hourly-chart canvas")
    assert_fits_the_phone(page)
    page.screenshot(path=str(DOCS_IMG / "checkpoints-ledger.png"), full_page=True)
    context.close()

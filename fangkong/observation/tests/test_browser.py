"""The observation module on a phone (375 px): the grid worker's today list, recording a check
at the door, the dashboard, and the release notice printed on day 14. The screenshots
illustrate the user guide (``docs/img/observation-*.png`` with ``FANGKONG_SCREENSHOT_DIR``)."""

import datetime as dt
import subprocess

import pytest
from django.utils import timezone

from fangkong.core.testing import make_id_number
from fangkong.core.tests.test_browser import (  # noqa: F401 (fixtures)
    DOCS_IMG,
    assert_fits_the_phone,
    browser,
    demo,
    log_in,
    user_with_role,
)
from fangkong.observation import services
from fangkong.observation.models import HealthCheck, ReleaseNotice
from fangkong.people.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _phone(browser):  # noqa: F811
    return browser.new_context(
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )


def _observed(worker, name, seq, days_ago=0):
    from fangkong.places.models import Area

    grid = Area.objects.filter(
        pk__in=worker.grants.values("area_id"), level=Area.Level.GRID
    ).first()
    person = Person.objects.create(name=name, id_number=make_id_number(seq=seq), area=grid)
    start = timezone.localdate() - dt.timedelta(days=days_ago)
    kp, _ = services.register_key_person(
        actor=worker,
        person=person,
        category="wuhan",
        source="checkpoint",
        origin="武汉市",
        arrival_date=start,
    )
    obs, _ = services.start_observation(
        actor=worker,
        key_person=kp,
        start_date=start,
        started_at=timezone.make_aware(dt.datetime.combine(start, dt.time(8))),
    )
    return obs


def test_grid_worker_checks_and_the_office_releases_on_a_phone(browser, live_server, demo):  # noqa: F811
    worker = user_with_role("grid_worker")
    obs = _observed(worker, "刘返乡", 31)
    assert obs.team.count() == 6  # from the demo's standing roster
    page = _phone(browser).new_page()
    log_in(page, live_server.url, worker)

    page.goto(f"{live_server.url}/observation/")
    assert "刘返乡" in page.locator("#fk-today").inner_text()
    assert_fits_the_phone(page)
    page.screenshot(path=str(DOCS_IMG / "observation-today.png"), full_page=True)

    page.locator(".fk-today-todo", has_text="刘返乡").first.click()
    page.wait_for_url(f"{live_server.url}/observation/observations/{obs.pk}/check/")
    page.fill("input[name=temperature]", "36.6")
    assert_fits_the_phone(page)
    page.screenshot(path=str(DOCS_IMG / "observation-check.png"), full_page=True)
    page.click("#fk-save-check")
    page.wait_for_url(f"{live_server.url}/observation/")
    assert HealthCheck.objects.filter(observation=obs).count() == 1
    assert page.locator(".fk-today-done", has_text="刘返乡").count() == 1

    # A temperature nobody can have is refused with a message, nothing stored.
    page.goto(f"{live_server.url}/observation/observations/{obs.pk}/check/")
    page.select_option("select[name=half]", "am")
    page.fill("input[name=date]", (timezone.localdate() - dt.timedelta(days=1)).isoformat())
    page.fill("input[name=temperature]", "48")
    page.click("#fk-save-check")
    assert page.locator(".invalid-feedback").count() >= 1
    assert HealthCheck.objects.filter(observation=obs).count() == 1

    page.goto(f"{live_server.url}/observation/dashboard/")
    assert_fits_the_phone(page)
    page.screenshot(path=str(DOCS_IMG / "observation-dashboard.png"), full_page=True)

    # Day 14: a person observed for the whole period with normal checks is released.
    done = _observed(worker, "陈期满", 32, days_ago=14)
    for day in (timezone.localdate() - dt.timedelta(days=1), timezone.localdate()):
        for half in ("am", "pm"):
            HealthCheck.objects.create(observation=done, date=day, half=half, temperature="36.4")
    page.goto(f"{live_server.url}/observation/observations/{done.pk}/")
    assert_fits_the_phone(page)
    page.click("#fk-release")
    page.locator("form button.btn-primary").click()
    page.wait_for_url(f"{live_server.url}/observation/observations/{done.pk}/")
    assert ReleaseNotice.objects.filter(observation=done).exists()
    page.screenshot(path=str(DOCS_IMG / "observation-released.png"), full_page=True)
    response = page.request.get(
        f"{live_server.url}/observation/observations/{done.pk}/notice.pdf", timeout=180_000
    )
    assert response.status == 200 and response.body().startswith(b"%PDF")
    pdf = DOCS_IMG / "observation-notice.pdf"
    pdf.write_bytes(response.body())
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-singlefile",
            str(pdf),
            str(DOCS_IMG / "observation-notice"),
        ],
        check=True,
    )
    pdf.unlink()

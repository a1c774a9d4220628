"""Issue 6, "Done when", on a 375-px phone: a checkpoint clerk registers a feverish passenger
from Wuhan; the grid worker's and the district hospital's alerts exist; the passenger is a key
person under 14-day home observation with a six-person team; the person is on every member's
"today" list and the check shows there; on day 14 the release notice prints."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.alerts.models import Alert
from fangkong.core.models import Role, RoleGrant, User
from fangkong.core.tests.test_browser import (  # noqa: F401 (fixtures)
    DOCS_IMG,
    PASSWORD,
    assert_fits_the_phone,
    browser,
    demo,
    log_in,
    user_with_role,
)
from fangkong.observation.models import HealthCheck, KeyPerson, Observation, ReleaseNotice
from fangkong.people.models import Person
from fangkong.places.models import Area

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _phone(browser):  # noqa: F811
    return browser.new_context(
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )


def _log_in_anywhere(page, base_url, user):
    """Log in and wait for whatever page the role lands on (checkpoint staff land on their
    shift's passage screen, not on home)."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def _seat_users(obs, other_town):
    """Accounts for the seats the roster left without one (the village doctor, the police
    officer, the volunteer): they hold no role where the person lives, only their team seat."""
    role = Role.objects.get(code="grid_worker")
    for member in obs.team.filter(user__isnull=True):
        user = User.objects.create_user(
            username=f"seat_{member.role.code}", password=PASSWORD, full_name=member.name
        )
        RoleGrant.objects.create(
            user=user, role=role, area=other_town, status=RoleGrant.Status.APPROVED
        )
        member.user = user
        member.save()


def _today_shows(browser, live_server, user, name, done):  # noqa: F811
    context = _phone(browser)
    page = context.new_page()
    if not user.check_password(PASSWORD):
        # Setting it again would end the member's other sessions (the worker's phone below).
        user.set_password(PASSWORD)
        user.save()
    _log_in_anywhere(page, live_server.url, user)
    page.goto(f"{live_server.url}/observation/?half=am")
    row = ".fk-today-done" if done else ".fk-today-todo"
    found = page.locator(row, has_text=name).count() == 1
    context.close()
    return found


def test_feverish_passenger_from_wuhan_to_release_on_day_14(browser, live_server, demo):  # noqa: F811
    worker = user_with_role("grid_worker")
    clerk = user_with_role("checkpoint_staff")
    clinician = user_with_role("clinician")
    grid = Area.objects.filter(pk__in=worker.grants.values("area_id")).order_by("code").first()
    busy = KeyPerson.objects.exclude(status="closed").values("person_id")
    traveller = (
        Person.objects.filter(area__path__startswith=grid.path, household__isnull=False)
        .exclude(pk__in=busy)
        .order_by("pk")
        .first()
    )

    # 1. The clerk on duty at the checkpoint registers the traveller: 38.2 °C, from Wuhan.
    last_alert = Alert.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    new_alerts = Alert.objects.filter(pk__gt=last_alert)
    page = _phone(browser).new_page()
    _log_in_anywhere(page, live_server.url, clerk)
    page.goto(f"{live_server.url}/checkpoints/register/")
    page.fill("#id_id_number", traveller.id_number)
    page.locator("#id_id_number").dispatch_event("change")
    page.locator("#fk-lookup", has_text=traveller.name).wait_for()
    assert traveller.name in page.locator("#fk-lookup").inner_text()
    assert traveller.id_number not in page.content()  # the clerk sees a masked number only
    # As the clerk does: go on once the lookup has filled the name (typing the number and
    # leaving the field each ask the registry; the second answer may come a moment later).
    page.wait_for_load_state("networkidle")
    expect(page.locator("#id_name")).to_have_value(traveller.name)
    page.fill("#id_temperature", "38.2")
    page.fill("#id_origin", "武汉市")
    page.locator("label[for=fk-direction-in]").click()
    page.locator("[data-fk-submit]").click()
    page.wait_for_selector("[data-fk-last-passage] [data-fk-fever]")
    assert_fits_the_phone(page)
    page.screenshot(path=str(DOCS_IMG / "observation-story-passage.png"), full_page=True)

    # 2. The grid's workers and the district hospital's fever clinic are alerted.
    fever = new_alerts.get(kind=Alert.Kind.FEVER_CHECKPOINT)
    assert "clinician" in fever.roles
    hospital_area = clinician.grants.get().area
    assert fever.area.path.startswith(hospital_area.path)
    arrival = new_alerts.get(kind=Alert.Kind.RISK_ARRIVAL)
    assert arrival.area == traveller.household.area and "grid_worker" in arrival.roles
    worker_paths = [g.area.path for g in worker.grants.select_related("area")]
    assert any(arrival.area.path.startswith(p) for p in worker_paths)

    # 3. A key person under 14-day home observation with a six-person team.
    kp = KeyPerson.objects.get(person=traveller, category__code="wuhan")
    obs = Observation.objects.get(key_person=kp, status="active")
    assert obs.kind == "home"
    assert obs.planned_end_date == timezone.localdate() + dt.timedelta(days=14)
    assert obs.team.count() == 6

    # 4. The person is on every member's today list; the grid worker records the check at the
    # door, and it shows as done on every member's list.
    other_town = next(
        t for t in Area.objects.filter(level=Area.Level.TOWN) if not grid.path.startswith(t.path)
    )
    _seat_users(obs, other_town)
    members = [m.user for m in obs.team.select_related("user")]
    assert len(members) == 6 and all(members)
    for user in members:
        assert _today_shows(browser, live_server, user, traveller.name, done=False), user
    wpage = _phone(browser).new_page()
    _log_in_anywhere(wpage, live_server.url, worker)
    wpage.goto(f"{live_server.url}/observation/observations/{obs.pk}/check/")
    wpage.select_option("select[name=half]", "am")
    wpage.fill("input[name=temperature]", "36.8")
    wpage.click("#fk-save-check")
    wpage.wait_for_url(f"{live_server.url}/observation/")
    assert HealthCheck.objects.filter(observation=obs).count() == 1
    for user in members:
        assert _today_shows(browser, live_server, user, traveller.name, done=True), user

    # 5. Fourteen days later (the calendar moved forward: the same records, dated back), with
    # normal checks to the end, the grid worker releases the person and prints the notice.
    back = dt.timedelta(days=14)
    Observation.objects.filter(pk=obs.pk).update(
        start_date=obs.start_date - back,
        planned_end_date=obs.planned_end_date - back,
        started_at=obs.started_at - back,
    )
    HealthCheck.objects.filter(observation=obs).update(date=obs.start_date - back)
    for day in (timezone.localdate() - dt.timedelta(days=1), timezone.localdate()):
        for half in ("am", "pm"):
            HealthCheck.objects.create(observation=obs, date=day, half=half, temperature="36.5")
    wpage.goto(f"{live_server.url}/observation/observations/{obs.pk}/")
    wpage.click("#fk-release")
    wpage.locator("form button.btn-primary").click()
    wpage.wait_for_url(f"{live_server.url}/observation/observations/{obs.pk}/")
    notice = ReleaseNotice.objects.get(observation=obs)
    assert notice.issued_on == timezone.localdate()
    assert_fits_the_phone(wpage)
    response = wpage.request.get(
        f"{live_server.url}/observation/observations/{obs.pk}/notice.pdf", timeout=180_000
    )
    assert response.status == 200 and response.body().startswith(b"%PDF")
    kp.refresh_from_db()
    assert kp.status == "closed"

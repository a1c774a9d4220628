"""The story of issue 7, in a test world, in Debian's Chromium: a villager with a fever asks a
pharmacy for medicine → the pharmacy registers them → the grid worker sees the home-visit task
and visits → the village doctor reports and refers them → the fever clinic acknowledges,
triages them as suspected and refers them to the designated hospital → the case is confirmed →
three household contacts go under observation with one action → the command office sees the
chain of transmission and every step's time. Screenshots illustrate the user guide."""

import datetime as dt

import pytest

from fangkong.core.tests.test_browser import DOCS_IMG, assert_fits_the_phone, browser  # noqa: F401
from fangkong.medical.models import Case, Contact, HomeVisitTask, PharmacyReport, Referral
from fangkong.observation.models import Observation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Fk-test-pass-2020"  # core.testing.make_user


def _context(browser, phone=True):  # noqa: F811
    if phone:
        return browser.new_context(
            viewport={"width": 375, "height": 812},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
        )
    return browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")


def _log_in(page, base_url, user):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(f"{base_url}/")


def _shot(page, name):
    page.screenshot(path=str(DOCS_IMG / f"medical-{name}.png"), full_page=True)


def test_villager_with_fever_from_pharmacy_to_contacts_under_observation(
    browser,  # noqa: F811
    live_server,
    med,
    grid_worker,
    office,
    household_family,  # noqa: F811
):
    base = live_server.url
    villager, *family = household_family

    # 1. The pharmacy registers the buyer (it may not sell fever medicine).
    ctx = _context(browser)
    page = ctx.new_page()
    _log_in(page, base, med.pharmacist)
    page.goto(f"{base}/medical/pharmacy-reports/new/")
    page.fill("input[name=buyer_name]", villager.name)
    page.fill("input[name=buyer_phone]", villager.phone)
    page.fill("input[name=symptom]", "发热、咳嗽")
    page.fill("input[name=medicine]", "布洛芬")
    assert_fits_the_phone(page)
    _shot(page, "pharmacy-report")
    page.locator("main form button.btn-primary").click()
    page.wait_for_url(f"{base}/medical/pharmacy-reports/*/")
    report = PharmacyReport.objects.get()
    assert report.person == villager
    ctx.close()

    # 2. The grid worker sees the home-visit task and records the visit.
    ctx = _context(browser)
    page = ctx.new_page()
    _log_in(page, base, grid_worker)
    page.goto(f"{base}/medical/home-visits/")
    assert villager.name in page.locator("main").inner_text()
    assert_fits_the_phone(page)
    _shot(page, "home-visits")
    task = HomeVisitTask.objects.get(pharmacy_report=report)
    page.goto(f"{base}/medical/home-visits/{task.pk}/edit/")
    page.select_option("select[name=outcome]", "fever_referred")
    page.fill("input[name=outcome_note]", "体温38.3℃，已告知村医")
    page.locator("main form button.btn-primary").click()
    page.wait_for_url(f"{base}/medical/home-visits/{task.pk}/")
    task.refresh_from_db()
    assert task.outcome == "fever_referred" and task.visited_by == grid_worker
    ctx.close()

    # 3. The village doctor reports the fever patient and refers them to the fever clinic.
    ctx = _context(browser)
    page = ctx.new_page()
    _log_in(page, base, med.village_doctor)
    page.goto(f"{base}/medical/clinic-reports/new/")
    page.select_option("select[name=facility]", str(med.clinic.pk))
    page.fill("input[name=id_number]", villager.id_number)
    page.fill("input[name=temperature]", "38.4")
    page.fill("input[name=symptoms]", "发热、咳嗽")
    page.select_option("select[name=transport]", "facility_vehicle")
    assert_fits_the_phone(page)
    _shot(page, "clinic-report")
    page.locator("main form button.btn-primary").click()
    page.wait_for_url(f"{base}/medical/clinic-reports/*/")
    referral = Referral.objects.get(to_facility=med.hospital)
    ctx.close()

    # 4. The fever clinic acknowledges the patient, triages them as suspected and refers them.
    ctx = _context(browser)
    page = ctx.new_page()
    _log_in(page, base, med.doctor)
    page.goto(f"{base}/medical/referrals/{referral.pk}/")
    page.locator("form[action$='/acknowledge/'] button").click()
    page.wait_for_url(f"{base}/medical/referrals/{referral.pk}/")
    referral.refresh_from_db()
    assert referral.acknowledged_by == med.doctor
    page.goto(f"{base}/medical/triage/")
    page.select_option("select[name=facility]", str(med.hospital.pk))
    page.fill("input[name=id_number]", villager.id_number)
    page.fill("input[name=temperature]", "38.6")
    page.fill("input[name=symptoms]", "发热、干咳、乏力")
    page.check("input[name=contact_case]")
    page.select_option("select[name=assessment]", "suspected")
    page.select_option("select[name=disposition]", "referred")
    page.select_option("select[name=referred_to]", str(med.designated.pk))
    page.select_option("select[name=transport]", "negative_pressure")
    page.fill("textarea[name=clinical_notes]", "胸部CT示双肺磨玻璃影")
    assert_fits_the_phone(page)
    _shot(page, "triage")
    page.locator("main form button.btn-primary").click()
    page.wait_for_url(f"{base}/medical/cases/*/")
    case = Case.objects.get()
    assert case.status == "suspected"
    assert case.referrals.get().to_facility == med.designated
    assert case.referrals.get().notices.get().jurisdiction == med.yiyang

    # 5. The case is confirmed.
    page.select_option("select[name=to_status]", "confirmed")
    page.select_option("select[name=severity]", "mild")
    page.fill("input[name=reason]", "定点医院核酸检测阳性")
    page.locator("#fk-transition button").click()
    page.wait_for_url(f"{base}/medical/cases/{case.pk}/")
    case.refresh_from_db()
    assert case.status == "confirmed"
    ctx.close()

    # 6. The command office lists the household and puts the three under observation at once.
    ctx = _context(browser, phone=False)
    page = ctx.new_page()
    _log_in(page, base, office)
    page.goto(f"{base}/medical/cases/{case.pk}/")
    page.fill("input[name=exposure_date]", (dt.date.today() - dt.timedelta(days=1)).isoformat())
    page.locator("#fk-household").click()
    page.wait_for_url(f"{base}/medical/cases/{case.pk}/")
    assert Contact.objects.filter(case=case).count() == 3
    page.locator("#fk-observe button").click()
    page.wait_for_url(f"{base}/medical/cases/{case.pk}/")
    observed = Observation.objects.filter(person__in=family, status="active")
    assert observed.count() == 3

    # 7. The chain of transmission and every step's time.
    page.locator("#fk-chain svg").first.wait_for()
    timeline = page.locator("#fk-timeline").inner_text()
    times = page.locator("#fk-timeline time").all_inner_texts()
    assert len(times) >= 8, timeline
    assert times == sorted(times)
    drawn = page.locator("#fk-chain svg").first.inner_html()
    for person in (villager, *family):
        assert person.name in drawn
    _shot(page, "case")
    ctx.close()

"""The patrols story in Debian's Chromium: a town officer closes a venue and records an
inspection (desktop), a wedding is registered and postponed, and a village cadre records the
follow-up visit on a phone (375 px). Screenshots illustrate the user guide (docs/img/patrols-*
with ``FANGKONG_SCREENSHOT_DIR=docs/img``)."""

import pytest

from fangkong.core.tests.test_browser import (  # noqa: F401
    DOCS_IMG,
    assert_fits_the_phone,
    browser,
    demo,
    log_in,
    user_with_role,
)
from fangkong.patrols.models import Ceremony, Venue, VenueOrder
from fangkong.places.models import Area

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _save(page):
    page.locator("main form button.btn-primary").first.click()
    page.wait_for_load_state("networkidle")


def test_a_venue_closure_and_a_postponed_wedding_with_follow_ups(browser, live_server, demo):  # noqa: F811
    officer = user_with_role("town_officer")  # 河坝镇
    cadre = user_with_role("village_cadre")  # 东湖村
    village = Area.objects.restrict(cadre, "view").filter(level=Area.Level.VILLAGE).first()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = desk.new_page()
    log_in(page, live_server.url, officer)
    base = live_server.url + "/patrols"

    # A venue: registered, then closed by the district's order.
    page.goto(f"{base}/venues/new/")
    page.select_option("select[name=area]", str(village.pk))
    page.fill("input[name=name]", "东湖星空网吧")
    page.select_option("select[name=kind]", "netbar")
    page.fill("input[name=address]", "东湖村一组8号")
    page.fill("input[name=operating_since]", "2016-05-01")
    page.fill("input[name=operator_name]", "刘德福")
    page.fill("input[name=operator_phone]", "13907371234")
    _save(page)
    venue = Venue.objects.get(name="东湖星空网吧")
    assert page.url.endswith(f"/venues/{venue.pk}/")
    text = page.locator("main").inner_text()
    assert "139****1234" in text and "13907371234" not in text

    page.locator(f"a[href*='venue={venue.pk}&kind=closure']").click()
    page.wait_for_load_state("networkidle")
    page.fill("input[name=effective_date]", "2016-04-01")  # before the venue existed
    page.fill("input[name=issued_by]", "大通湖区新冠肺炎疫情防控指挥部")
    page.fill("input[name=document_number]", "大防指发〔2020〕3号")
    _save(page)
    assert page.locator(".invalid-feedback, .text-danger").count() >= 1
    assert not VenueOrder.objects.filter(venue=venue).exists()
    page.fill("input[name=effective_date]", "2020-01-24")
    _save(page)
    assert page.url.endswith(f"/venues/{venue.pk}/")
    assert VenueOrder.objects.filter(venue=venue, kind="closure").exists()

    page.locator(
        f"a[href*='venueinspection'][href*='venue={venue.pk}'], "
        f"a[href*='inspections/new/?venue={venue.pk}']"
    ).first.click()
    page.wait_for_load_state("networkidle")
    page.fill("input[name=inspected_on]", "2020-02-05")
    page.fill("input[name=inspector]", "赵刚（河坝派出所）、张桂兰")
    page.select_option("select[name=finding]", "compliant")
    page.fill("input[name=note]", "卷帘门已锁，张贴停业通告")
    _save(page)
    assert page.url.endswith(f"/venues/{venue.pk}/")
    page.screenshot(path=str(DOCS_IMG / "patrols-venue-closed-desktop.png"), full_page=True)

    # A reopening dated before the closure is refused with the rule.
    page.locator(f"a[href*='venue={venue.pk}&kind=reopening']").click()
    page.wait_for_load_state("networkidle")
    page.fill("input[name=effective_date]", "2020-01-20")
    page.fill("input[name=issued_by]", "河坝镇人民政府")
    _save(page)
    assert VenueOrder.objects.filter(venue=venue).count() == 1
    page.screenshot(path=str(DOCS_IMG / "patrols-reopening-refused-desktop.png"), full_page=True)

    page.goto(f"{base}/venues/?status=closed")
    page.screenshot(path=str(DOCS_IMG / "patrols-venues-desktop.png"), full_page=False)

    # A wedding registered for the Spring Festival, then postponed.
    page.goto(f"{base}/ceremonies/new/")
    page.select_option("select[name=area]", str(village.pk))
    page.select_option("select[name=kind]", "wedding")
    page.fill("input[name=hosts]", "王建军、李春梅")
    page.fill("input[name=planned_date]", "2020-02-01")
    page.fill("input[name=place]", "东湖村三组王家")
    page.fill("input[name=expected_guests]", "260")
    _save(page)
    wedding = Ceremony.objects.get(hosts="王建军、李春梅")
    page.goto(f"{base}/ceremonies/{wedding.pk}/edit/")
    page.select_option("select[name=status]", "postponed")
    _save(page)  # without who and when: refused, both named
    assert Ceremony.objects.get(pk=wedding.pk).status == "planned"
    page.fill("input[name=decided_on]", "2020-01-25")
    page.fill("input[name=persuaded_by]", "张桂兰（村支书）、赵刚（河坝派出所）")
    page.fill("input[name=new_date]", "2020-05-01")
    _save(page)
    assert Ceremony.objects.get(pk=wedding.pk).status == "postponed"
    desk.close()

    # The village cadre visits the family on the planned day, on a phone.
    phone_ctx = browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    phone = phone_ctx.new_page()
    log_in(phone, live_server.url, cadre)
    phone.goto(f"{base}/ceremonies/{wedding.pk}/")
    assert_fits_the_phone(phone)
    phone.locator(f"a[href*='ceremony={wedding.pk}']").first.tap()
    phone.wait_for_load_state("networkidle")
    assert_fits_the_phone(phone)
    phone.fill("input[name=visited_on]", "2020-02-01")
    phone.fill("input[name=visitor]", "张桂兰")
    phone.select_option("select[name=result]", "kept")
    phone.fill("input[name=note]", "未办酒席，未发现聚集")
    phone.screenshot(path=str(DOCS_IMG / "patrols-follow-up-form-phone.png"), full_page=True)
    _save(phone)
    assert phone.url.endswith(f"/ceremonies/{wedding.pk}/")
    assert wedding.follow_ups.count() == 1
    text = phone.locator("main").inner_text()
    assert "张桂兰" in text
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(DOCS_IMG / "patrols-wedding-postponed-phone.png"), full_page=True)

    phone.goto(f"{base}/venues/{venue.pk}/")
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(DOCS_IMG / "patrols-venue-closed-phone.png"), full_page=True)
    phone.goto(f"{base}/ceremonies/")
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(DOCS_IMG / "patrols-ceremonies-phone.png"), full_page=False)
    phone.goto(f"{base}/")
    assert_fits_the_phone(phone)
    phone.screenshot(path=str(DOCS_IMG / "patrols-patrols-phone.png"), full_page=False)
    phone_ctx.close()

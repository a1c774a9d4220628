"""The carpet-survey story on a 375-px phone (issue 8, "Done when", the survey half).

The command office launches a survey; a grid worker picks households from the blanks list
(search as you type), records who was seen at each door, one household not reachable and then
seen on a revisit; the coverage map the office keeps open turns the worker's grid from red to
green by itself (it refreshes from the kept counters). Screenshots: ``surveys-*.png`` (into
docs/img with ``FANGKONG_SCREENSHOT_DIR=docs/img``), shown by the user guide.
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.core.testing import build_world, make_id_number
from fangkong.core.tests.test_browser import (
    DOCS_IMG,
    PASSWORD,
    assert_fits_the_phone,
    browser,  # noqa: F401 (the fixture)
    log_in,
)
from fangkong.places.models import Household
from fangkong.surveys.models import Campaign, Coverage, Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _phone(browser):  # noqa: F811
    return browser.new_context(
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )


@pytest.fixture
def story(db):
    from fangkong.core.testing import make_user
    from fangkong.people.services import person_create

    world = build_world()
    office = make_user("office", "command_office", world.district, full_name="刘敏")
    worker = make_user("gridworker", "grid_worker", world.grid, full_name="王志强")
    for user in (office, worker):
        user.set_password(PASSWORD)
        user.save()
    # Three households in the worker's grid (the first one exists), two in the next grid.
    households = [world.household]
    for n, head in ((2, "李春生"), (3, "赵秀英")):
        households.append(
            Household.objects.create(
                area=world.grid, number=f"{n:03d}", address=f"东湖村一组{n}号", head_name=head
            )
        )
    for n in (1, 2):
        Household.objects.create(
            area=world.grid2, number=f"{n:03d}", address=f"东湖村二组{n}号", head_name="周"
        )
    for household, names in zip(
        households, (("张三", "张小明"), ("李春生",), ("赵秀英", "钱德福")), strict=True
    ):
        for name in names:
            person_create(
                actor=_admin(world),
                data={
                    "name": name,
                    "id_number": make_id_number(),
                    "area": world.grid,
                    "household": household,
                },
            )
    return world, office, worker, households


def _admin(world):
    from fangkong.core.models import User

    admin = User.objects.filter(username="story-admin").first()
    if admin is None:
        admin = User.objects.create_superuser("story-admin", password="x-Story-2020")
    return admin


def test_survey_story_on_a_phone(browser, live_server, story, settings):  # noqa: F811
    settings.FANGKONG_SURVEY_REFRESH_SECONDS = 2
    world, office, worker, households = story
    base = live_server.url
    today = timezone.localdate()

    # 1. The command office launches a survey for the district.
    office_ctx = _phone(browser)
    op = office_ctx.new_page()
    log_in(op, base, office)
    op.goto(f"{base}/surveys/campaigns/")
    op.locator("a[href='/surveys/campaigns/new/']").first.click()
    op.wait_for_url(f"{base}/surveys/campaigns/new/")
    op.select_option("select[name=area]", str(world.district.pk))
    op.fill("input[name=name]", "第一轮地毯式摸排")
    op.fill("input[name=starts_on]", (today - dt.timedelta(days=1)).isoformat())
    op.fill("input[name=ends_on]", (today + dt.timedelta(days=6)).isoformat())
    op.fill("input[name=since_date]", (today - dt.timedelta(days=20)).isoformat())
    assert_fits_the_phone(op)
    op.screenshot(path=str(DOCS_IMG / "surveys-launch.png"), full_page=True)
    op.locator("main form button.btn-primary").last.click()
    campaign = None
    for _ in range(50):
        campaign = Campaign.objects.filter(name="第一轮地毯式摸排").first()
        if campaign:
            break
        op.wait_for_timeout(100)
    assert campaign is not None
    op.wait_for_url(f"{base}/surveys/campaigns/{campaign.pk}/")

    # The office follows the village of 东湖村: both grids red, nothing seen yet.
    op.goto(f"{base}/surveys/campaigns/{campaign.pk}/?area={world.village.pk}")
    grid_row = f"[data-fk-area='{world.grid.code}'] .fk-dot"
    op.wait_for_selector(f"{grid_row}.fk-cov-red")
    op.wait_for_selector("#fk-coverage-map canvas")
    assert_fits_the_phone(op)
    op.screenshot(path=str(DOCS_IMG / "surveys-coverage-before.png"), full_page=True)

    # 2. The grid worker, on a phone: the blanks list of their grid, searched as they type.
    wctx = _phone(browser)
    wp = wctx.new_page()
    log_in(wp, base, worker)
    wp.goto(f"{base}/surveys/campaigns/{campaign.pk}/")
    wp.locator("#fk-record-visits").click()
    wp.wait_for_url(f"{base}/surveys/campaigns/{campaign.pk}/blanks/")
    assert wp.locator("[data-fk-household]").count() == 3
    wp.fill("#fk-blanks-q", "赵")
    expect(wp.locator("[data-fk-household]")).to_have_count(1)
    assert_fits_the_phone(wp)
    wp.screenshot(path=str(DOCS_IMG / "surveys-blanks.png"), full_page=True)

    # Household 003: both members seen; one came back from Wuhan (a risk for the village).
    wp.locator("[data-fk-household='003']").click()
    third = households[2]
    members = list(third.members.order_by("id"))
    for m in members:
        wp.check(f"#p-{m.pk}-seen")
    wp.fill(f"#p-{members[1].pk}-origin", "湖北武汉")
    wp.fill(f"#p-{members[1].pk}-arrival", (today - dt.timedelta(days=3)).isoformat())
    assert_fits_the_phone(wp)
    wp.screenshot(path=str(DOCS_IMG / "surveys-visit.png"), full_page=True)
    wp.locator("#fk-visit-form button[type=submit]").click()
    wp.wait_for_url(f"**/surveys/campaigns/{campaign.pk}/blanks/**")
    assert wp.locator("[data-fk-household]").count() == 2

    # Household 002: nobody at home; a retry is planned, it stays a blank.
    wp.locator("[data-fk-household='002']").click()
    wp.click("label[for=outcome-unreachable]")
    wp.select_option("#unreachable_reason", "nobody_home")
    wp.locator("#fk-visit-form button[type=submit]").click()
    wp.wait_for_url(f"**/surveys/campaigns/{campaign.pk}/blanks/**")
    assert wp.locator("[data-fk-household='002'] .badge").count() == 1  # "retry"

    # Household 001, then 002 on the revisit: everybody seen.
    for number, household in (("001", households[0]), ("002", households[1])):
        wp.locator(f"[data-fk-household='{number}']").click()
        if number == "002":  # the revisit opens on last time's "not reachable"
            wp.click("label[for=outcome-seen]")
        for m in household.members.all():
            wp.check(f"#p-{m.pk}-seen")
        wp.locator("#fk-visit-form button[type=submit]").click()
        wp.wait_for_url(f"**/surveys/campaigns/{campaign.pk}/blanks/**")
    assert wp.locator("[data-fk-household]").count() == 0
    wp.screenshot(path=str(DOCS_IMG / "surveys-no-blanks.png"), full_page=True)

    # 3. The office's page turned the grid green by itself (no reload).
    op.wait_for_selector(f"{grid_row}.fk-cov-green", timeout=15_000)
    assert op.locator(f"[data-fk-area='{world.grid2.code}'] .fk-dot.fk-cov-red").count() == 1
    op.wait_for_timeout(500)
    op.screenshot(path=str(DOCS_IMG / "surveys-coverage-after.png"), full_page=True)
    assert Visit.objects.filter(campaign=campaign).count() == 3
    assert Coverage.objects.get(campaign=campaign, area=world.grid).seen == 3
    assert Visit.objects.get(household=households[1]).visits_made == 2

    # The district view: the treemap and the lagging grids for the office.
    op.goto(f"{base}/surveys/campaigns/{campaign.pk}/")
    op.wait_for_selector("#fk-coverage-map canvas")
    op.wait_for_timeout(500)
    assert_fits_the_phone(op)
    op.screenshot(path=str(DOCS_IMG / "surveys-district.png"), full_page=True)
    office_ctx.close()
    wctx.close()

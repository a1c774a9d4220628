"""Browser test of the command and alerts flow: the commander's task board with the response
level in the header, a town officer on a phone acknowledging an alert and reporting a task done,
the commander verifying it. Screenshots: docs/img/command-*.png and alerts-*.png (with
FANGKONG_SCREENSHOT_DIR=docs/img, as `make screenshots` does)."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.alerts.services import raise_alert
from fangkong.command import services
from fangkong.command.models import CommandGroup, Task
from fangkong.core.tests.test_browser import (  # noqa: F401 - fixtures
    DOCS_IMG,
    assert_fits_the_phone,
    browser,
    demo,
    log_in,
    user_with_role,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


def test_dispatch_acknowledge_complete_verify(browser, live_server, demo):  # noqa: F811
    commander = user_with_role("district_commander")
    officer = user_with_role("town_officer")
    town = officer.grants.get().area
    task = services.task_dispatch(
        actor=commander,
        data={
            "area": town,
            "title": "核查新一批湖北返区人员名单",
            "details": "今日18时前报送核查结果。",
            "deadline": timezone.now() + dt.timedelta(hours=8),
        },
    )
    raise_alert(
        kind="fever_checkpoint",
        area=town,
        title="卡口发现发热人员 37.9℃",
        roles=["town_officer"],
        severity="urgent",
    )

    desk = browser.new_context(**DESKTOP)
    page = desk.new_page()
    log_in(page, live_server.url, commander)
    header = page.locator("nav").inner_text()
    assert "I" in page.locator(".fk-response-level").inner_text()
    assert header
    page.goto(f"{live_server.url}/command/")
    assert "核查新一批湖北返区人员名单" in page.locator("main").inner_text()
    page.screenshot(path=str(DOCS_IMG / "command-board.png"), full_page=True)
    page.goto(f"{live_server.url}/command/meetings/")
    assert "区委常委会" in page.locator("main").inner_text()
    page.screenshot(path=str(DOCS_IMG / "command-meetings.png"), full_page=True)
    leadership = CommandGroup.objects.get(group_kind="leadership", effective_to=None)
    page.goto(f"{live_server.url}/command/groups/{leadership.pk}/")
    assert "第一组长" in page.locator("main").inner_text()
    page.screenshot(path=str(DOCS_IMG / "command-leadership.png"), full_page=True)
    page.goto(f"{live_server.url}/places/areas/{town.pk}/")
    assert "包干" in page.locator("main").inner_text()
    page.screenshot(path=str(DOCS_IMG / "command-area-responsibility.png"), full_page=True)

    phone = browser.new_context(**PHONE)
    mobile = phone.new_page()
    log_in(mobile, live_server.url, officer)
    mobile.wait_for_selector("[data-fk-unread]")
    assert_fits_the_phone(mobile)
    mobile.goto(f"{live_server.url}/alerts/?open=true")
    assert "卡口发现发热人员" in mobile.locator("main").inner_text()
    mobile.screenshot(path=str(DOCS_IMG / "alerts-inbox-phone.png"), full_page=True)
    row = mobile.locator(".list-group-item", has_text="卡口发现发热人员")
    row.locator("button").click()
    mobile.wait_for_selector(".list-group-item:has-text('卡口发现发热人员') .text-success")
    assert_fits_the_phone(mobile)
    mobile.screenshot(path=str(DOCS_IMG / "alerts-acknowledged-phone.png"), full_page=True)

    mobile.goto(f"{live_server.url}/command/tasks/{task.pk}/")
    mobile.locator("form[action$='act/acknowledge/'] button").click()
    mobile.wait_for_load_state("networkidle")
    mobile.fill("textarea[name=text]", "已分派到各村，正在逐户核查。")
    mobile.locator("form[action$='act/note/'] button").click()
    mobile.wait_for_load_state("networkidle")
    mobile.fill("textarea[name=report]", "名单内12人均已核查，无发热。")
    mobile.locator("form[action$='act/complete/'] button").click()
    mobile.wait_for_load_state("networkidle")
    assert_fits_the_phone(mobile)
    mobile.screenshot(path=str(DOCS_IMG / "command-task-phone.png"), full_page=True)
    task.refresh_from_db()
    assert task.status == Task.Status.COMPLETED and task.completed_by == officer

    page.goto(f"{live_server.url}/command/tasks/{task.pk}/")
    page.locator("form[action$='act/verify/'] button").click()
    page.wait_for_load_state("networkidle")
    task.refresh_from_db()
    assert task.status == Task.Status.VERIFIED
    page.screenshot(path=str(DOCS_IMG / "command-task-verified.png"), full_page=True)

    office = user_with_role("command_office")
    desk2 = browser.new_context(**DESKTOP)
    page2 = desk2.new_page()
    log_in(page2, live_server.url, office)
    page2.goto(f"{live_server.url}/alerts/sms/")
    text = page2.locator("main").inner_text()
    assert "****" in text
    page2.screenshot(path=str(DOCS_IMG / "alerts-sms.png"), full_page=True)
    page2.goto(f"{live_server.url}/command/responsibilities/uncovered/")
    page2.screenshot(path=str(DOCS_IMG / "command-uncovered.png"), full_page=True)
    for context in (desk, phone, desk2):
        context.close()

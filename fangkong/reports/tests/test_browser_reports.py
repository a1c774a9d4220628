"""Browser test: the command office on the morning of 2020-02-24 opens the dashboard and the
report of 2-23 (desktop and phone) and saves the screenshots of the user guide
(``reports-*.png``; ``make screenshots`` writes them into docs/img/)."""

import pytest

from fangkong.core.tests.test_browser import (
    DOCS_IMG,
    assert_fits_the_phone,
    browser,  # noqa: F401 - the fixture
    demo,  # noqa: F401 - the fixture
    log_in,
    user_with_role,
)
from fangkong.reports.models import DailyReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


DEVICES = (
    ("desktop", {"viewport": {"width": 1280, "height": 900}}),
    (
        "phone",
        {
            "viewport": {"width": 375, "height": 812},
            "device_scale_factor": 2,
            "is_mobile": True,
            "has_touch": True,
        },
    ),
)


def test_the_office_reads_the_dashboard_and_the_report_of_2_23(
    browser,  # noqa: F811
    live_server,
    demo,  # noqa: F811
):
    # One demo for both devices: loading it is the slow part.
    for name, options in DEVICES:
        _read_on(browser, live_server, name, options)


def _read_on(browser, live_server, name, options):  # noqa: F811
    office = user_with_role("command_office")
    report = DailyReport.objects.get(area__parent=None, day="2020-02-23")
    context = browser.new_context(locale="zh-CN", **options)
    page = context.new_page()
    log_in(page, live_server.url, office)

    page.goto(f"{live_server.url}/reports/dashboard/")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(800)  # the charts animate in
    assert "2020-02-23" in page.locator("main").inner_text()
    if name == "phone":
        assert_fits_the_phone(page)
    page.screenshot(path=str(DOCS_IMG / f"reports-dashboard-{name}.png"), full_page=True)

    page.locator(f"main a[href='/reports/daily/{report.pk}/']").first.click()
    page.wait_for_url(f"{live_server.url}/reports/daily/{report.pk}/")
    text = page.locator("main").inner_text()
    assert report.summary[:20] in text
    if name == "phone":
        assert_fits_the_phone(page)
    page.screenshot(path=str(DOCS_IMG / f"reports-report-{name}.png"), full_page=True)
    with page.expect_download() as download:
        page.locator("main a[href$='report.pdf']").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    context.close()

"""The verification half of issue 8's story on Debian's Chromium: the command office uploads a
carrier spreadsheet of 10,000 rows and watches the import's progress bar; within a minute the
leads are verification tasks on the right grid workers' lists; a grid worker records an outcome
on a 375-px phone. Screenshots illustrate the user guide (docs/img/bigdata-*.png)."""

import io
import threading
import time

import pytest
from openpyxl import Workbook

from fangkong.core.tests.test_browser import (  # noqa: F401
    DOCS_IMG,
    assert_fits_the_phone,
    browser,
    demo,
    log_in,
    user_with_role,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROWS = 10_000


def _spreadsheet(persons) -> bytes:
    """A carrier workbook: a merged title row, then 10,000 rows, most of them the demo's
    residents (several arrivals each), some unknown numbers and a few broken ones."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("2月10日")
    ws.append(["大通湖区湖北来区人员名单（电信，2月10日）"])
    ws.append(["序号", "手机号码", "姓名", "到达日期", "来源地", "号码归属地"])
    origins = ("湖北省武汉市", "湖北省孝感市", "湖北省黄冈市")
    for i in range(ROWS):
        day = f"2020-02-{1 + i % 9:02d}"
        if i % 10 == 9:
            ws.append([i + 1, f"17{i:09d}", "", day, origins[i % 3], "河坝镇" if i % 20 else ""])
        elif i % 500 == 7:
            ws.append([i + 1, "1380000", "号码不全", day, "武汉", ""])
        else:
            name, phone = persons[i % len(persons)]
            ws.append([i + 1, phone, name if i % 2 else "", day, origins[i % 3], "益阳"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class Worker(threading.Thread):
    """The background worker (``manage.py db_worker``) for the live server: runs queued jobs."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stopped = threading.Event()

    def run(self):
        from django.db import connection

        from fangkong.core.jobs import run_job
        from fangkong.core.models import Job

        try:
            while not self.stopped.is_set():
                for pk in Job.objects.filter(status="queued").values_list("pk", flat=True):
                    run_job.call(str(pk))
                time.sleep(0.3)
        finally:
            connection.close()


def test_carrier_list_becomes_tasks_and_a_grid_worker_verifies_on_a_phone(
    browser,  # noqa: F811
    live_server,
    demo,  # noqa: F811
    tmp_path,
):
    from fangkong.bigdata.models import CarrierList, VerificationTask
    from fangkong.people.models import Person

    office = user_with_role("command_office")
    worker = user_with_role("grid_worker")
    mine = list(Person.objects.restrict(worker, "view").exclude(phone="").order_by("id")[:20])
    others = list(Person.objects.exclude(phone_bidx="").order_by("-id")[:2500])
    persons = [(p.name, p.phone) for p in [*mine, *others]]
    path = tmp_path / "电信湖北来区人员名单-0210.xlsx"
    path.write_bytes(_spreadsheet(persons))

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = desk.new_page()
    log_in(page, live_server.url, office)
    page.goto(f"{live_server.url}/bigdata/lists/new/")
    page.select_option("#id_area", label=page.locator("#id_area option").nth(1).inner_text())
    page.fill("#id_name", "电信湖北来区人员名单（2月10日）")
    page.select_option("#id_carrier", "telecom")
    page.fill("#id_source", "省疫情防控指挥部大数据组")
    page.fill("#id_list_date", "2020-02-10")
    page.set_input_files("#id_file", str(path))
    page.screenshot(path=str(DOCS_IMG / "bigdata-upload.png"), full_page=True)
    page.locator("form[data-testid=list-upload] button.btn-primary").click()
    page.wait_for_url(f"{live_server.url}/bigdata/lists/*/")
    page.locator("#job-progress").wait_for()
    worker_thread = Worker()
    started = time.monotonic()
    worker_thread.start()
    try:
        # The progress bar moves while the worker imports.
        page.wait_for_function(
            "() => { const b = document.querySelector('#job-progress .progress-bar');"
            " return b && parseInt(b.textContent) > 0; }",
            timeout=60_000,
        )
        page.screenshot(path=str(DOCS_IMG / "bigdata-progress.png"), full_page=True)
        page.locator("#job-progress [data-status=done]").wait_for(timeout=60_000)
        elapsed = time.monotonic() - started
    finally:
        worker_thread.stopped.set()
        worker_thread.join(10)
    assert elapsed < 60, f"the import took {elapsed:.0f} s"
    lst = CarrierList.objects.get(name="电信湖北来区人员名单（2月10日）")
    assert lst.rows_total == ROWS and lst.rows_rejected == ROWS // 500
    assert lst.rows_matched > 2 * lst.rows_unmatched
    print(f"import of {ROWS:,} rows: {elapsed:.1f} s; {lst.rows_matched:,} matched")
    page.reload()
    page.locator("[data-testid=list-progress]").wait_for()
    page.screenshot(path=str(DOCS_IMG / "bigdata-list.png"), full_page=True)
    # The queue of ambiguous rows (the demo's lists hold some: namesakes in one village).
    from fangkong.bigdata.models import ListRow

    ambiguous = ListRow.objects.filter(status="ambiguous").order_by("id").first()
    if ambiguous is not None:
        page.goto(f"{live_server.url}/bigdata/rows/{ambiguous.pk}/")
        page.locator("[data-testid=candidates]").wait_for()
        page.screenshot(path=str(DOCS_IMG / "bigdata-ambiguous.png"), full_page=True)
    desk.close()

    # The grid worker's list holds the new leads of their grids: a phone at the door.
    expected = VerificationTask.objects.restrict(worker, "view").filter(carrier_list=lst)
    assert expected.exists()
    assert (
        not VerificationTask.objects.filter(carrier_list=lst)
        .exclude(pk__in=expected)
        .filter(area__in=[p.area_id for p in mine])
        .exists()
    )
    phone = browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = phone.new_page()
    log_in(page, live_server.url, worker)
    # The menu's entry: pending leads first, the overdue ones on top; filters folded away.
    page.goto(f"{live_server.url}/bigdata/tasks/")
    assert_fits_the_phone(page)
    page.screenshot(path=str(DOCS_IMG / "bigdata-phone-tasks.png"))
    page.goto(f"{live_server.url}/bigdata/tasks/?state=pending&carrier_list={lst.pk}")
    assert page.locator("[data-testid=task-list] a").count() > 0
    page.locator("[data-testid=task-list] a").first.tap()
    page.locator("[data-testid=outcome-form]").wait_for()
    assert_fits_the_phone(page)
    task_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    page.locator("label[for=outcome-present]").tap()
    page.fill("#id_note", "已到户见人，体温正常")
    page.screenshot(path=str(DOCS_IMG / "bigdata-phone-task.png"), full_page=True)
    page.locator("[data-testid=outcome-form] button.btn-primary").tap()
    page.wait_for_url(f"{live_server.url}/bigdata/tasks/?state=pending")
    assert_fits_the_phone(page)
    task = VerificationTask.objects.get(pk=task_id)
    assert task.status == "verified" and task.outcome == "present"
    assert task.person_id is None or task.key_person_id
    phone.close()

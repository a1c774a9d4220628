"""Pages, exports and the API of the daily report and the dashboard, with the personas."""

from __future__ import annotations

import contextlib
import datetime as dt
import io

import pytest
from django.utils import timezone

from fangkong.core.tokens import token_create
from fangkong.reports import services
from fangkong.reports.models import DailyReport, NightlyRun
from fangkong.reports.tests.conftest import DAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    # Assertions read the English source texts (the Chinese arrive with the catalogue).
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def issued(district, sections, office_user):
    return services.report_issue(actor=office_user, area=district.district, day=DAY)


def test_the_office_reads_the_report_with_links_and_unbuilt_sections(login, office_user, issued):
    client = login(office_user)
    page = client.get(f"/reports/?day={DAY}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "data-fk-streak" in text and '<strong class="fs-4">35</strong>' in text
    assert f'href="/people/?area={issued.area.pk}"' in text
    assert text.count("data-fk-not-built") == 8
    assert "confirmed patients of other jurisdictions" in text
    assert client.get(f"/reports/daily/{issued.pk}/").status_code == 200


def test_a_day_not_yet_issued_offers_to_issue_it_and_the_future_is_refused(
    login, office_user, district, sections
):
    client = login(office_user)
    page = client.get(f"/reports/?day={DAY}").content.decode()
    assert "Issue it now" in page
    response = client.post("/reports/issue/", {"area": district.district.pk, "day": DAY})
    report = DailyReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/daily/{report.pk}/"
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page = client.get(f"/reports/?day={tomorrow}").content.decode()
    assert "data-fk-refusal" in page and "Issue it now" not in page
    response = client.post(
        "/reports/issue/", {"area": district.district.pk, "day": tomorrow}, follow=True
    )
    assert "can be issued from" in response.content.decode()
    assert DailyReport.objects.count() == 1


def test_other_towns_and_roles_without_reports_are_refused(
    login, issued, other_town_officer, town_officer, grid_worker, district
):
    # The other town's officer: the district's report and 河坝镇 are not theirs (404).
    client = login(other_town_officer)
    assert client.get(f"/reports/daily/{issued.pk}/").status_code == 404
    assert client.get(f"/reports/daily/{issued.pk}/report.pdf").status_code == 404
    assert client.get(f"/reports/?area={district.town.pk}").status_code == 404
    assert client.post("/reports/issue/", {"area": district.town.pk, "day": DAY}).status_code == 404
    assert client.get(f"/api/v1/reports/daily/{issued.pk}").status_code == 404
    # A town officer reads their town, not the district above it.
    client = login(town_officer)
    assert client.get(f"/reports/daily/{issued.pk}/").status_code == 404
    assert client.get(f"/reports/?area={district.town.pk}&day={DAY}").status_code == 200
    # A grid worker has no reports at all.
    client = login(grid_worker)
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/dashboard/").status_code == 403
    assert DailyReport.objects.count() == 1


def test_exports_open_in_their_programs(login, office_user, issued):
    from docx import Document
    from openpyxl import load_workbook

    client = login(office_user)
    xlsx = client.get(f"/reports/daily/{issued.pk}/report.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "大通湖区 COVID-19 Prevention and Control Daily Situation Report" in cells
    assert "疫指办〔2020〕35号" in cells
    assert "registered persons" in cells and 6 in cells
    assert any("This module is not yet built" in str(c) for c in cells)

    docx = client.get(f"/reports/daily/{issued.pk}/report.docx")
    document = Document(io.BytesIO(docx.content))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "大通湖区 COVID-19 Prevention and Control Daily Situation Report"
    assert "疫指办〔2020〕35号" in paragraphs
    assert any(p.startswith("一、") for p in paragraphs)
    table_text = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "registered persons" in table_text and "河坝镇" in table_text

    pdf = client.get(f"/reports/daily/{issued.pk}/report.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    title = "大通湖区 COVID-19 Prevention and Control Daily Situation Report"
    # WeasyPrint writes the <title> into the document information as UTF-16 (hex), inside a
    # compressed object stream.
    assert ("<feff" + title.encode("utf-16-be").hex()).encode() in pdf_objects(pdf.content)


def pdf_objects(data: bytes) -> bytes:
    import re
    import zlib

    out = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        with contextlib.suppress(zlib.error):
            out.append(zlib.decompress(match.group(1)))
    return b"".join(out).lower()


def test_compare_shows_nothing_changed_then_a_correction(login, office_user, issued, district):
    from fangkong.reports.tests.conftest import add_person, at

    client = login(office_user)
    assert (
        "data-fk-unchanged" in client.get(f"/reports/daily/{issued.pk}/compare/").content.decode()
    )
    add_person(district, area=district.grid, when=at(DAY, 12))
    page = client.get(f"/reports/daily/{issued.pk}/compare/").content.decode()
    assert 'data-fk-change="population.registered"' in page
    response = client.post(f"/reports/daily/{issued.pk}/compare/", {"reason": "late ledger"})
    new = DailyReport.objects.get(revision=2)
    assert response["Location"] == f"/reports/daily/{new.pk}/"


def test_the_api_gives_the_figures_to_a_higher_level_with_a_token(
    client, office_user, issued, district
):
    _token, secret = token_create(actor=office_user, name="city")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    listing = client.get(f"/api/v1/reports/daily?day={DAY}", **auth).json()
    assert listing["count"] == 1 and listing["results"][0]["zero_streak"] == 35
    full = client.get(f"/api/v1/reports/daily/{issued.pk}", **auth).json()
    cases = next(s for s in full["figures"]["sections"] if s["key"] == "cases")
    assert {f["key"]: f["total"] for f in cases["figures"]}["external_confirmed"] == 1
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    refused = client.post(
        "/api/v1/reports/daily/issue",
        {"area_id": district.district.pk, "day": future},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 422 and "can be issued from" in str(refused.json())
    again = client.post(
        "/api/v1/reports/daily/issue",
        {"area_id": district.district.pk, "day": DAY.isoformat()},
        content_type="application/json",
        **auth,
    )
    assert again.status_code == 200 and again.json()["id"] == issued.pk


def test_the_dashboard_reads_issued_reports_and_shows_a_failed_night(
    login, office_user, issued, district
):
    client = login(office_user)
    page = client.get("/reports/dashboard/").content.decode()
    assert 'hx-trigger="every 60s"' in page and "echarts.min.js" in page
    assert "registered persons" in page and f"?area={district.town.pk}" in page
    # Yesterday's nightly report failed: shown, with its retry.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    NightlyRun.objects.create(
        day=yesterday, status="failed", attempts=1, error="x", retry_at=timezone.now()
    )
    live = client.get("/reports/dashboard/live/").content.decode()
    assert "data-fk-nightly-missing" in live and "failed (attempt 1)" in live
    trends = client.get("/reports/dashboard/trends/").json()
    assert trends["days"][-1] == DAY.isoformat()
    assert trends["days"][0] == "2020-01-20"
    # Nothing of the test sections matches the default charts' patterns.
    assert [c["key"] for c in trends["charts"]] == [
        "observation",
        "checkpoints",
        "fevers",
        "surveys",
    ]


def test_the_dashboard_warns_when_the_nightly_job_never_ran(login, office_user, district, sections):
    page = login(office_user).get("/reports/dashboard/live/").content.decode()
    assert "the nightly job did not run" in page


def test_a_percentage_is_not_drawn_on_the_axis_of_counts(login, office_user, district, sections):
    from fangkong.core.figures import Figure, figure_section

    @figure_section("surveys", "Surveys", order=60)
    def surveys(ctx):
        return [
            Figure("households", "households to survey", 900, {}),
            Figure("coverage_percent", "survey coverage", 87, {}, unit="%"),
        ]

    services.report_issue(actor=office_user, area=district.district, day=DAY)
    trends = login(office_user).get("/reports/dashboard/trends/").json()
    (chart,) = [c for c in trends["charts"] if c["key"] == "surveys"]
    assert [s["name"] for s in chart["series"]] == ["households to survey"]
    assert chart["series"][0]["data"][-1] == 900

"""The daily report: every figure against hand-computed expectations, late records, the zero
streak, refusals, issuing once, corrections, the nightly job and its retries."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from fangkong.core import figures as registry
from fangkong.reports import services
from fangkong.reports.compute import compute_report, flat_figures
from fangkong.reports.models import DailyFigure, DailyReport, NightlyRun
from fangkong.reports.tests.conftest import DAY, add_person, at, register_cases

pytestmark = pytest.mark.django_db


def by_key(doc):
    return flat_figures(doc)


def test_every_figure_of_the_report_matches_the_records(district, sections, office_user):
    w = district
    report = services.report_issue(actor=office_user, area=w.district, day=DAY)
    f = by_key(report.figures)
    town, other = str(w.town.pk), str(w.other_town.pk)

    assert [u["name"] for u in report.figures["units"]] == ["河坝镇", "金盆镇"]
    assert f["population.registered"]["total"] == 6
    assert f["population.registered"]["by_unit"] == {town: 4, other: 2}
    assert f["population.new_today"]["total"] == 2
    assert f["population.new_today"]["by_unit"] == {town: 1, other: 1}
    for key in ("confirmed_new", "confirmed_cumulative", "suspected_new", "suspected_current"):
        assert f[f"cases.{key}"]["total"] == 0, key
    # The other jurisdiction's patient is listed apart, never as the district's own.
    assert f["cases.external_confirmed"]["total"] == 1
    assert f["cases.external_confirmed"]["external"] is True
    assert f["cases.external_confirmed"]["by_unit"] == {town: 1}
    assert all(h["key"] != "external_confirmed" for h in report.figures["headline"])
    # Key figures: the cases first, then each section's headline figure.
    assert [h["key"] for h in report.figures["headline"]] == [
        "confirmed_cumulative",
        "suspected_current",
        "confirmed_new",
        "suspected_new",
        "registered",
    ]
    # 2020-01-20 … 2020-02-23 without a case: 35 days.
    assert report.zero_streak == 35
    assert report.summary.startswith(
        "As of 24:00 on 2/23, the whole district had 0 confirmed cases in total and 0 "
        "suspected cases. Zero confirmed and zero suspected cases for 35 days in a row."
    )
    # Planned sections nobody has built: said plainly, no figures (never a made-up zero).
    missing = [s for s in report.figures["sections"] if not s["built"]]
    assert {s["key"] for s in missing} == {
        "key_persons",
        "observation",
        "checkpoints",
        "medical",
        "surveys",
        "bigdata",
        "patrols",
        "command",
    }
    assert all(s["figures"] == [] for s in missing)
    assert "Not yet in this report (module not yet built)" in report.summary
    # Drill-down: the link narrowed to the area where the list supports it.
    assert f["population.registered"]["link"] == f"/people/?area={w.district.pk}"
    assert f["population.registered"]["unit_links"][town] == f"/people/?area={w.town.pk}"
    assert f["population.new_today"]["link"] == "/people/"
    assert report.issued_by == office_user
    # Trend rows for the district and, from its columns, for each town.
    assert DailyFigure.objects.get(area=w.district, day=DAY, key="population.registered").value == 6
    assert DailyFigure.objects.get(area=w.town, day=DAY, key="population.registered").value == 4


def test_a_town_report_has_villages_as_columns(district, sections, town_officer):
    w = district
    report = services.report_issue(actor=town_officer, area=w.town, day=DAY)
    f = by_key(report.figures)
    assert [u["name"] for u in report.figures["units"]] == ["东湖村"]
    assert f["population.registered"]["total"] == 4
    assert report.summary.startswith("As of 24:00 on 2/23, 河坝镇 had 0 confirmed")


def test_a_record_added_after_24_00_does_not_change_the_past_report(
    district, sections, office_user
):
    w = district
    issued = services.report_issue(actor=office_user, area=w.district, day=DAY)
    late = add_person(w, area=w.grid, when=at(DAY + dt.timedelta(days=1), 0, 30))
    # The issued report is kept as issued, and recomputing the day gives the same figures.
    again = services.report_issue(actor=office_user, area=w.district, day=DAY)
    assert again.pk == issued.pk and again.revision == 1
    fresh = compute_report(area=w.district, day=DAY)
    assert services.report_diff(issued.figures, fresh)["changes"] == []
    with pytest.raises(ValidationError):
        services.report_correct(actor=office_user, report=issued, reason="recount")
    # It counts on its own day.
    next_day = compute_report(area=w.district, day=DAY + dt.timedelta(days=1))
    assert by_key(next_day)["population.registered"]["total"] == 7
    assert late.pk


def test_a_late_record_of_the_day_shows_in_compare_and_a_corrected_revision(
    district, sections, office_user
):
    w = district
    issued = services.report_issue(actor=office_user, area=w.district, day=DAY)
    # Entered on 2-25 for a registration made on 2-23 at 15:00: it belongs to 2-23.
    add_person(w, area=w.other_grid, when=at(DAY, 15))
    diff = services.report_diff(issued.figures, compute_report(area=w.district, day=DAY))
    changed = {c["key"]: c for c in diff["changes"]}
    assert set(changed) == {"population.registered", "population.new_today"}
    assert (changed["population.registered"]["old"], changed["population.registered"]["new"]) == (
        6,
        7,
    )
    assert changed["population.registered"]["per_unit"] == [{"unit": "金盆镇", "old": 2, "new": 3}]
    assert "after the report was issued" in changed["population.registered"]["why"]
    assert changed["population.registered"]["link"]
    with pytest.raises(ValidationError):
        services.report_correct(actor=office_user, report=issued, reason="  ")
    corrected = services.report_correct(actor=office_user, report=issued, reason="late ledger")
    assert corrected.revision == 2 and corrected.reason == "late ledger"
    issued.refresh_from_db()
    assert by_key(issued.figures)["population.registered"]["total"] == 6  # kept as issued
    assert DailyFigure.objects.get(area=w.district, day=DAY, key="population.registered").value == 7


def test_a_suspected_case_breaks_the_streak_and_is_in_the_bulletin(district, sections, office_user):
    w = district
    add_person(w, area=w.grid, when=at(DAY, 10), tags=["suspected"])
    report = services.report_issue(actor=office_user, area=w.district, day=DAY)
    assert by_key(report.figures)["cases.suspected_new"]["by_unit"] == {str(w.town.pk): 1}
    assert report.zero_streak == 0
    assert "0 confirmed cases in total and 1 suspected cases" in report.summary


def test_the_streak_continues_from_the_report_of_the_day_before(district, sections, office_user):
    w = district
    before = services.report_issue(
        actor=office_user, area=w.district, day=DAY - dt.timedelta(days=1)
    )
    assert before.zero_streak == 34
    DailyReport.objects.filter(pk=before.pk).update(zero_streak=10)  # what was issued stands
    assert services.report_issue(actor=office_user, area=w.district, day=DAY).zero_streak == 11


def test_without_a_cases_section_the_streak_cannot_be_computed(district, office_user):
    from fangkong.reports.tests.conftest import register_population

    with registry.only_sections(), override_settings(FANGKONG_REPORT_LANGUAGE="en"):
        register_population()
        report = services.report_issue(actor=office_user, area=district.district, day=DAY)
    assert report.zero_streak is None
    assert "cannot be computed" in report.summary
    assert [s["built"] for s in report.figures["sections"] if s["key"] == "cases"] == [False]


def test_a_future_day_and_today_before_24_00_are_refused(district, sections, office_user):
    today = timezone.localdate()
    for day in (today, today + dt.timedelta(days=3)):
        with pytest.raises(ValidationError) as exc:
            services.report_issue(actor=office_user, area=district.district, day=day)
        assert "can be issued from" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        services.report_issue(actor=office_user, area=district.district, day=dt.date(2019, 12, 1))
    assert not DailyReport.objects.exists()


def test_issuing_twice_gives_one_report(district, sections, office_user, commander):
    a = services.report_issue(actor=office_user, area=district.district, day=DAY)
    b = services.report_issue(actor=commander, area=district.district, day=DAY)
    assert a.pk == b.pk and DailyReport.objects.count() == 1


def test_a_concurrent_insert_of_the_same_report_returns_the_stored_one(
    district, sections, office_user
):
    # The second writer computed before the first stored: its insert hits the unique key.
    first = services.report_issue(actor=office_user, area=district.district, day=DAY)
    with mock.patch.object(services, "latest_report", return_value=None):
        second = services.report_issue(actor=office_user, area=district.district, day=DAY)
    assert second.pk == first.pk and DailyReport.objects.count() == 1


def test_only_areas_of_ones_own_may_be_issued(district, sections, other_town_officer, town_officer):
    with pytest.raises(PermissionDenied):
        services.report_issue(actor=other_town_officer, area=district.town, day=DAY)
    with pytest.raises(PermissionDenied):
        services.report_issue(actor=town_officer, area=district.district, day=DAY)


def test_a_failed_nightly_run_is_retried_and_then_issued(district, office_user):
    fails = [1, 1]
    with registry.only_sections(), override_settings(FANGKONG_REPORT_LANGUAGE="en"):
        register_cases(fail_times=fails)
        run = services.nightly_issue(day=DAY)
        assert run.status == NightlyRun.Status.FAILED and run.attempts == 1
        assert "database went away" in run.error and run.retry_at is not None
        # Not due before its retry time; due after it.
        assert DAY not in services.nightly_due(now=run.retry_at - dt.timedelta(minutes=1))
        later = run.retry_at + dt.timedelta(minutes=1)
        with mock.patch.object(timezone, "now", return_value=later):
            assert DAY in services.nightly_due(now=later, days_back=9999)
        run = services.nightly_issue(day=DAY)
        assert run.status == NightlyRun.Status.FAILED and run.attempts == 2
        run = services.nightly_issue(day=DAY)
        assert run.status == NightlyRun.Status.DONE and run.attempts == 3
        assert run.reports == 3  # the district and its two towns
        assert DailyReport.objects.filter(day=DAY, trigger="nightly", issued_by=None).count() == 3


@override_settings(FANGKONG_REPORT_RETRIES=1)
def test_a_nightly_run_out_of_attempts_is_not_retried(district):
    with registry.only_sections():
        register_cases(fail_times=[1, 1, 1])
        services.nightly_issue(day=DAY)
        run = services.nightly_issue(day=DAY)
    assert run.status == NightlyRun.Status.FAILED and run.retry_at is None


def test_the_command_issues_the_due_days_and_refuses_the_future(district, sections):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with override_settings(
        FANGKONG_REPORT_FIRST_DAY=(yesterday - dt.timedelta(days=1)).isoformat()
    ):
        call_command("issue_daily_reports", verbosity=0)
        assert set(NightlyRun.objects.values_list("day", "status")) == {
            (yesterday, "done"),
            (yesterday - dt.timedelta(days=1), "done"),
        }
        assert DailyReport.objects.filter(day=yesterday).count() == 3
        call_command("issue_daily_reports", verbosity=0)  # nothing due: nothing new
        assert DailyReport.objects.count() == 6
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="can be issued from"):
        call_command("issue_daily_reports", day=timezone.localdate().isoformat(), verbosity=0)


def test_a_link_naming_the_report_area_gets_a_link_per_unit(district):
    from fangkong.core.figures import Figure, figure_section

    w = district

    with registry.only_sections():

        @figure_section("checkpoints", "Checkpoints", order=20)
        def passages(ctx):
            link = f"/checkpoints/passages/?day={ctx.day}&area={ctx.root.pk}"
            return [Figure("passages", "passages", 3, {w.town.pk: 3}, link=link)]

        doc = compute_report(area=w.district, day=DAY)
    figure = by_key(doc)["checkpoints.passages"]
    assert figure["link"] == f"/checkpoints/passages/?day={DAY}&area={w.district.pk}"
    assert figure["unit_links"][str(w.other_town.pk)] == (
        f"/checkpoints/passages/?day={DAY}&area={w.other_town.pk}"
    )

"""Writes of the reports app: issuing a daily report (once), a corrected revision, and the
nightly job's run records.

When may a report be issued? Only for a day whose 24:00 (local time) has passed: the report is
"as of 24:00", so a report for today before midnight, or for a future day, is refused with a
message saying from when it can be issued. Nor before ``FANGKONG_REPORT_FIRST_DAY``.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.scoping import covers
from fangkong.reports.compute import compute_report, first_day, flat_figures, report_end
from fangkong.reports.models import DailyFigure, DailyReport, NightlyRun

log = logging.getLogger(__name__)
ISSUE_PERM = "reports.issue_dailyreport"


def check_day(day: dt.date) -> None:
    """Refuse a day whose 24:00 has not passed yet, or before the first day of the response."""
    end = report_end(day)
    if timezone.now() < end:
        raise ValidationError(
            {
                "day": _(
                    "The report for %(day)s is as of 24:00 of that day and can be issued from "
                    "%(when)s, not before."
                )
                % {
                    "day": day.isoformat(),
                    "when": timezone.localtime(end).strftime("%Y-%m-%d %H:%M"),
                }
            }
        )
    if day < first_day():
        raise ValidationError(
            {
                "day": _("Reports start on %(first)s, the first day of the response.")
                % {"first": first_day().isoformat()}
            }
        )


def latest_report(area, day: dt.date) -> DailyReport | None:
    return DailyReport.objects.filter(area=area, day=day).order_by("-revision").first()


def _check_actor(actor, area) -> None:
    # ``actor`` None is the nightly job, which issues for every area.
    if actor is not None and not covers(actor, ISSUE_PERM, area):
        raise PermissionDenied(_("You may not issue reports for this area."))


def _store(*, area, day, revision, doc, actor, trigger, reason) -> DailyReport:
    """Insert one revision and its trend rows; the database keeps (area, day, revision)
    unique, so of two concurrent writers one stores and the other gets the stored one."""
    try:
        with transaction.atomic():
            report = DailyReport.objects.create(
                area=area,
                day=day,
                revision=revision,
                figures=doc,
                summary=doc["summary"],
                zero_streak=doc["zero_streak"],
                issued_by=actor,
                trigger=trigger,
                reason=reason[:200],
            )
            flat = flat_figures(doc)
            DailyFigure.objects.filter(area=area, day=day).delete()
            DailyFigure.objects.bulk_create(
                DailyFigure(area=area, day=day, key=key, value=f["total"], report=report)
                for key, f in flat.items()
            )
            # The units' trend values come with the report (its columns), so a town's
            # dashboard has trends without a report issued for the town every day; the
            # town's own report, when issued, replaces them (same figures, its own rows).
            DailyFigure.objects.bulk_create(
                (
                    DailyFigure(
                        area_id=unit["id"],
                        day=day,
                        key=key,
                        value=f["by_unit"].get(str(unit["id"]), 0),
                        report=report,
                    )
                    for unit in doc.get("units", [])
                    for key, f in flat.items()
                ),
                ignore_conflicts=True,
            )
            return report
    except IntegrityError:
        # Someone issued the same revision a moment ago: theirs is the report.
        return DailyReport.objects.get(area=area, day=day, revision=revision)


def report_issue(*, actor, area, day: dt.date, trigger: str = DailyReport.Trigger.ON_DEMAND):
    """Issue the report of ``area`` for ``day`` once: if it was issued already, the issued one
    is returned unchanged (a corrected revision is ``report_correct``). Two callers at once
    store one report. Raises ``ValidationError`` for a day not yet over, ``PermissionDenied``
    outside the actor's areas."""
    _check_actor(actor, area)
    check_day(day)
    existing = latest_report(area, day)
    if existing is not None:
        return existing
    doc = compute_report(area=area, day=day)
    return _store(area=area, day=day, revision=1, doc=doc, actor=actor, trigger=trigger, reason="")


def report_correct(*, actor, report: DailyReport, reason: str) -> DailyReport:
    """Issue a corrected revision of ``report`` (recomputed now), with the reason. Refused when
    nothing changed (the issued report stands) or without a reason."""
    _check_actor(actor, report.area)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the report is corrected.")})
    latest = latest_report(report.area, report.day)
    doc = compute_report(area=report.area, day=report.day)
    if not report_diff(latest.figures, doc)["changes"]:
        raise ValidationError(
            {"reason": _("Nothing changed since the report was issued; it stands as issued.")}
        )
    return _store(
        area=report.area,
        day=report.day,
        revision=latest.revision + 1,
        doc=doc,
        actor=actor,
        trigger=DailyReport.Trigger.CORRECTION,
        reason=reason,
    )


def _nonzero(by_unit: dict) -> dict:
    """A breakdown without its zeros: a unit left out and a unit at 0 read the same."""
    return {unit: value for unit, value in by_unit.items() if value}


def report_diff(old: dict, new: dict) -> dict:
    """What changed between two report documents, figure by figure (and per unit), each with
    the reason in words and the link to the records behind the new value."""
    before, after = flat_figures(old), flat_figures(new)
    built_before = {s["key"] for s in old.get("sections", []) if s.get("built")}
    built_after = {s["key"] for s in new.get("sections", []) if s.get("built")}
    units = {str(u["id"]): u["name"] for u in new.get("units", [])}
    changes = []
    for key in list(after) + [k for k in before if k not in after]:
        a, b = before.get(key), after.get(key)
        section = key.split(".", 1)[0]
        if a is None:
            why = (
                _("The module of this section was built after the report was issued.")
                if section not in built_before
                else _("A new figure of this section.")
            )
        elif b is None:
            why = (
                _("This section is no longer in the report.")
                if section not in built_after
                else _("This figure is no longer computed.")
            )
        elif a["total"] != b["total"] or _nonzero(a["by_unit"]) != _nonzero(b["by_unit"]):
            why = _(
                "Records of this day or earlier were entered, corrected or removed after the "
                "report was issued (their own dates count, not when they were typed in)."
            )
        else:
            continue
        per_unit = []
        if a is not None and b is not None:
            for unit_id, name in units.items():
                old_v, new_v = a["by_unit"].get(unit_id, 0), b["by_unit"].get(unit_id, 0)
                if old_v != new_v:
                    per_unit.append({"unit": name, "old": old_v, "new": new_v})
        ref = b or a
        changes.append(
            {
                "key": key,
                "section": ref["section_title"],
                "label": ref["label"],
                "old": a["total"] if a else None,
                "new": b["total"] if b else None,
                "per_unit": per_unit,
                "why": why,
                "link": (b or {}).get("link", ""),
            }
        )
    return {
        "changes": changes,
        "summary_changed": old.get("summary") != new.get("summary"),
        "streak": (old.get("zero_streak"), new.get("zero_streak")),
    }


# --------------------------------------------------------------------------- the nightly run


def report_areas():
    """The areas the nightly job issues for: the district(s) and the towns below them."""
    from fangkong.core.scoping import area_model

    Area = area_model()
    return list(
        Area.objects.filter(level__in=[Area.Level.DISTRICT, Area.Level.TOWN]).order_by("path")
    )


def nightly_issue(*, day: dt.date) -> NightlyRun:
    """Issue every area's report for ``day`` (the nightly job's work), recording the run.

    A failure is recorded with the error and, while attempts remain
    (``FANGKONG_REPORT_RETRIES``), a ``retry_at`` time; the task re-enqueues itself and
    ``manage.py issue_daily_reports`` picks up whatever is due. Reports already issued stay
    as they are, so a retry issues only the missing ones."""
    from django.conf import settings

    run, _created = NightlyRun.objects.get_or_create(day=day)
    now = timezone.now()
    NightlyRun.objects.filter(pk=run.pk).update(
        status=NightlyRun.Status.RUNNING, started_at=now, attempts=run.attempts + 1, retry_at=None
    )
    run.refresh_from_db()
    try:
        issued = 0
        for area in report_areas():
            report_issue(actor=None, area=area, day=day, trigger=DailyReport.Trigger.NIGHTLY)
            issued += 1
    except Exception as exc:
        log.exception("nightly report for %s failed (attempt %s)", day, run.attempts)
        retry_at = None
        if run.attempts <= settings.FANGKONG_REPORT_RETRIES:
            retry_at = timezone.now() + dt.timedelta(minutes=settings.FANGKONG_REPORT_RETRY_MINUTES)
        NightlyRun.objects.filter(pk=run.pk).update(
            status=NightlyRun.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
            retry_at=retry_at,
        )
    else:
        NightlyRun.objects.filter(pk=run.pk).update(
            status=NightlyRun.Status.DONE,
            finished_at=timezone.now(),
            error="",
            reports=issued,
            retry_at=None,
        )
    run.refresh_from_db()
    return run


def nightly_due(*, now: dt.datetime | None = None, days_back: int = 7) -> list[dt.date]:
    """Days the nightly job must (re)run now: the last ``days_back`` finished days that have no
    successful run (never run — the scheduler was down — or failed with a retry due)."""
    now = now or timezone.now()
    yesterday = timezone.localtime(now).date() - dt.timedelta(days=1)
    days = [yesterday - dt.timedelta(days=n) for n in range(days_back)]
    days = [d for d in days if d >= first_day()]
    runs = {r.day: r for r in NightlyRun.objects.filter(day__in=days)}
    due = []
    for day in sorted(days):
        run = runs.get(day)
        retry_due = run is not None and run.retry_at is not None and run.retry_at <= now
        if run is None or (run.status == NightlyRun.Status.FAILED and retry_due):
            due.append(day)
    return due

"""The 24:00 daily situation report and the dashboard.

An **issued report** (``DailyReport``) is the figures of every registered section for one area
and one day, as of that day's 24:00 local time, kept as issued: the figures as JSON, the
bulletin text, who issued it and when. It is never edited; a correction is a new **revision**
(``revision`` 2, 3, …) with a reason, and the page shows what changed. ``(area, day,
revision)`` is unique in the database, so two people (or the nightly job and a person) issuing
the same report at once store one.

``DailyFigure`` holds each issued figure's total once more, one row per (area, day, figure),
from the latest revision: the dashboard's trends read 36 rows per series in one indexed query
instead of recomputing 36 days or parsing 36 JSON documents per view.

``NightlyRun`` is the nightly job's record for one day: queued, running, done or failed, with
its attempts and the last error, so that a failed night is retried and shown on the dashboard,
never silently missing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoping import ScopedManager, area_model_label


class DailyReport(models.Model):
    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", _("nightly job")
        ON_DEMAND = "on_demand", _("on demand")
        CORRECTION = "correction", _("corrected revision")

    area = models.ForeignKey(
        area_model_label(),
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
    )
    day = models.DateField(_("day"))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    # {"sections": [...], "missing": [...], "units": [...], "external": [...]} — see services.
    figures = models.JSONField(_("figures"), default=dict)
    summary = models.TextField(_("summary"), blank=True)
    # Days in a row with zero confirmed and zero suspected up to this day; null: no cases
    # section, so it cannot be computed.
    zero_streak = models.IntegerField(_("days in a row without cases"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    # Null when the nightly job issued it.
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    trigger = models.CharField(
        _("issued by way of"), max_length=12, choices=Trigger.choices, default=Trigger.ON_DEMAND
    )
    reason = models.CharField(_("reason for the revision"), max_length=200, blank=True)

    scope_path = "area__path"
    objects = ScopedManager()

    class Meta:
        ordering = ["-day", "-revision"]
        verbose_name = _("daily situation report")
        verbose_name_plural = _("daily situation reports")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "day", "revision"], name="dailyreport_one_per_revision"
            )
        ]
        permissions = [("issue_dailyreport", _("Can issue daily situation reports"))]

    def __str__(self) -> str:
        return f"{self.area} {self.day:%Y-%m-%d} #{self.revision}"


class DailyFigure(models.Model):
    """One issued figure's total for the dashboard's trends (from the latest revision)."""

    area = models.ForeignKey(area_model_label(), on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    key = models.CharField(max_length=80)  # "<section>.<figure>"
    value = models.BigIntegerField()
    report = models.ForeignKey(DailyReport, on_delete=models.CASCADE, related_name="+")

    scope_path = "area__path"
    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "key", "day"], name="dailyfigure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.key}={self.value}"


class NightlyRun(models.Model):
    """The nightly job for one day (every area's report)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    day = models.DateField(_("day"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    reports = models.PositiveIntegerField(_("reports issued"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # When a failed run is tried again (null: no more attempts, or not failed).
    retry_at = models.DateTimeField(_("next attempt"), null=True, blank=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("nightly report run")
        verbose_name_plural = _("nightly report runs")

    def __str__(self) -> str:
        return f"{self.day} {self.status}"

"""Key persons (重点人员) and 14-day medical observation (医学观察).

A **key person** record says why someone needs attention (category, source, origin, dates). One
person can be a key person several times, but only once per category while a record is open
(the database enforces it: a checkpoint, a survey and a carrier list naming the same traveller
link to one record). An **observation** is the 14-day period a key person is watched at home or
in a centralised site; a person has at most one active observation (database-enforced).

Both are scoped through their own ``area``: the person's grid, or the district when the person
has no household here (the district pool)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from fangkong.core.models import ScopedModel


class KeyPersonCategory(models.Model):
    """Categories as data; defaults seeded by migration (codes are stable, names translated)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    sort = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("key-person category")
        verbose_name_plural = _("key-person categories")

    def __str__(self) -> str:
        from django.utils.translation import gettext

        return gettext(self.name)


# Codes other modules use (checkpoints, medical, surveys, bigdata).
WUHAN = "wuhan"
HUBEI = "hubei"
CLOSE_CONTACT = "close_contact"
FEVER = "fever"
OTHER = "other"


class KeyPerson(ScopedModel):
    class Source(models.TextChoices):
        CHECKPOINT = "checkpoint", _("checkpoint")
        BIGDATA = "bigdata", _("big-data list")
        SURVEY = "survey", _("carpet survey")
        CLINIC = "clinic", _("clinic or fever clinic")
        PHARMACY = "pharmacy", _("pharmacy report")
        CONTACT_TRACING = "contact_tracing", _("contact tracing")
        SELF_REPORT = "self_report", _("self-report")
        MANUAL = "manual", _("entered by hand")

    class Status(models.TextChoices):
        OPEN = "open", _("needs action")
        OBSERVING = "observing", _("under observation")
        CLOSED = "closed", _("closed")

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="key_person_records",
        verbose_name=_("person"),
    )
    category = models.ForeignKey(
        KeyPersonCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    # Where the record came from in detail, e.g. "checkpoints.passage:123" (tracing, not shown).
    source_ref = models.CharField(_("source reference"), max_length=80, blank=True)
    origin = models.CharField(_("came from"), max_length=60, blank=True)
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    last_exposure_date = models.DateField(_("last exposure date"), null=True, blank=True)
    # When the person became a key person (effective time for the daily report).
    identified_at = models.DateTimeField(_("identified"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-identified_at", "-id"]
        verbose_name = _("key person")
        verbose_name_plural = _("key persons")
        indexes = [
            models.Index(fields=["status", "identified_at"], name="keyperson_status_idx"),
            models.Index(fields=["identified_at"], name="keyperson_identified_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "category"],
                condition=~Q(status="closed") & Q(deleted_at__isnull=True),
                name="keyperson_one_open_per_category",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.category}"


class ObservationSite(ScopedModel):
    """A centralised observation site (a hotel, a training centre) with its room capacity."""

    name = models.CharField(_("name"), max_length=80)
    address = models.CharField(_("address"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("rooms"), default=0)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    active = models.BooleanField(_("open"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("centralised observation site")
        verbose_name_plural = _("centralised observation sites")

    def __str__(self) -> str:
        return self.name


class Observation(ScopedModel):
    class Kind(models.TextChoices):
        HOME = "home", _("home observation")
        CENTRALISED = "centralised", _("centralised observation")

    class Status(models.TextChoices):
        ACTIVE = "active", _("under observation")
        RELEASED = "released", _("released")
        HOSPITAL = "hospital", _("transferred to hospital")
        ENDED = "ended", _("ended otherwise")

    key_person = models.ForeignKey(
        KeyPerson,
        on_delete=models.PROTECT,
        related_name="observations",
        verbose_name=_("key person"),
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="observations",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.HOME)
    site = models.ForeignKey(
        ObservationSite,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="observations",
        verbose_name=_("site"),
    )
    room = models.CharField(_("room"), max_length=20, blank=True)
    start_date = models.DateField(_("start"))
    planned_end_date = models.DateField(_("planned end"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    # Effective times for the daily report: started (00:00 of start_date unless given) / ended.
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        indexes = [
            models.Index(fields=["status", "planned_end_date"], name="observation_status_idx"),
            models.Index(fields=["started_at"], name="observation_started_idx"),
            models.Index(fields=["ended_at"], name="observation_ended_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="active") & Q(deleted_at__isnull=True),
                name="observation_one_active_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_kind_display()}"


# The seeded category names, for the translation catalogue (migration 0002 stores them).
_CATEGORY_NAMES = (
    gettext_noop("returned from Wuhan"),
    gettext_noop("returned from elsewhere in Hubei"),
    gettext_noop("close contact of a case"),
    gettext_noop("fever patient"),
    gettext_noop("other"),
)

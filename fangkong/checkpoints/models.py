"""24-hour checkpoints (防疫监测点): the registry, the shift roster and the passages registered
at them (the passenger ledger, 台账).

A **checkpoint** belongs to an area (``ScopedModel``). A **shift** and a **passage** belong to
their checkpoint's area *through the checkpoint* (scope path ``checkpoint__area__path``): no area
column is copied onto every passage. A passage keeps what the clerk wrote in the ledger (name,
ID and phone numbers encrypted, plate, temperature, direction, origin, destination) and, when
the ID number belongs to someone in the person registry, a link to that person (never shown to
the clerk beyond name, masked number and the key-person flag)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.fields import EncryptedTextField
from fangkong.core.models import DomainModel, ScopedModel
from fangkong.core.scoping import ScopedManager
from fangkong.core.sensitive import SensitiveFieldsMixin
from fangkong.core.validators import PERSON_NAME_MAX_LENGTH, validate_person_name

# A shift longer than a day is a typing error (the roster runs around the clock in turns).
MAX_SHIFT_HOURS = 24


class Checkpoint(ScopedModel):
    class Kind(models.TextChoices):
        ROAD = "road", _("road border post")
        BUS = "bus", _("bus station")
        DOCK = "dock", _("dock or ferry")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ROAD)
    location = models.CharField(_("location"), max_length=200, blank=True)
    active = models.BooleanField(_("in operation"), default=True)

    class Meta:
        ordering = ["area__path", "name"]
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "name"],
                condition=Q(deleted_at__isnull=True),
                name="checkpoint_unique_name_in_area",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Shift(DomainModel):
    """Who is on duty at a checkpoint, from ``start`` to ``end`` (a 24-hour roster in turns)."""

    class Duty(models.TextChoices):
        LEADER = "leader", _("shift leader")
        MEMBER = "member", _("member")

    scope_path = "checkpoint__area__path"

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("checkpoint")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="checkpoint_shifts",
        verbose_name=_("staff member"),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    duty = models.CharField(_("duty"), max_length=10, choices=Duty.choices, default=Duty.MEMBER)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-start", "checkpoint_id", "id"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        indexes = [
            # "Is this clerk on duty now?" is asked on every passage.
            models.Index(fields=["user", "checkpoint", "start", "end"], name="shift_on_duty_idx"),
            models.Index(fields=["checkpoint", "start"], name="shift_roster_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="shift_ends_after")
        ]

    def __str__(self) -> str:
        return f"{self.checkpoint} · {self.user}"

    def clean(self):
        if self.start and self.end:
            if self.end <= self.start:
                raise ValidationError({"end": _("A shift ends after it starts.")})
            if (self.end - self.start).total_seconds() > MAX_SHIFT_HOURS * 3600:
                raise ValidationError(
                    {"end": _("A shift lasts at most %(h)d hours.") % {"h": MAX_SHIFT_HOURS}}
                )


class Passage(SensitiveFieldsMixin, DomainModel):
    """One line of a checkpoint's passenger ledger: a traveller, or a vehicle with its driver."""

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        VEHICLE = "vehicle", _("vehicle")

    class Direction(models.TextChoices):
        IN = "in", _("entering")
        OUT = "out", _("leaving")

    SENSITIVE = {
        "id_number": ("id_number_bidx", "id_last4_bidx", "resident_id"),
        "phone": ("phone_bidx", "phone_last4_bidx", "mobile"),
    }
    scope_path = "checkpoint__area__path"

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="passages", verbose_name=_("checkpoint")
    )
    # When the traveller passed (the effective time of the ledger, the hourly counts and the
    # daily report); the screen sets it to now, a phone syncing later sends its own.
    at = models.DateTimeField(_("time"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    id_number = EncryptedTextField(_("resident ID number"), blank=True)
    id_number_bidx = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    id_last4_bidx = models.CharField(max_length=64, blank=True, editable=False)
    name = models.CharField(
        pgettext_lazy("person", "name"),
        max_length=PERSON_NAME_MAX_LENGTH,
        validators=[validate_person_name],
    )
    phone = EncryptedTextField(_("mobile number"), blank=True)
    phone_bidx = models.CharField(max_length=64, blank=True, editable=False)
    phone_last4_bidx = models.CharField(max_length=64, blank=True, editable=False)
    plate = models.CharField(_("number plate"), max_length=10, blank=True, db_index=True)
    passengers = models.PositiveSmallIntegerField(_("passengers"), default=0)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default=Direction.IN
    )
    origin = models.CharField(_("coming from"), max_length=60, blank=True)
    destination = models.CharField(_("going to"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Derived when registered (core.validators.is_fever / is_risk_origin), kept for the ledger,
    # the lists and the daily report.
    fever = models.BooleanField(_("fever"), default=False, editable=False)
    risk_origin = models.BooleanField(_("from a risk area"), default=False, editable=False)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checkpoint_passages",
        editable=False,
        verbose_name=_("person"),
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("registered by"),
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        indexes = [
            models.Index(fields=["checkpoint", "at"], name="passage_ledger_idx"),
            models.Index(fields=["at"], name="passage_at_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.plate or f"#{self.pk}"

    def clean(self):
        errors: dict[str, list] = {}
        if self.kind == self.Kind.VEHICLE and not self.plate:
            errors["plate"] = [_("Enter the vehicle's number plate.")]
        if self.kind == self.Kind.PERSON and self.passengers:
            errors["passengers"] = [_("Passengers are counted for a vehicle only.")]
        if errors:
            raise ValidationError(errors)

"""Carrier (telecom) lists of arrivals from Hubei: import, matching, verification tasks.

- ``CarrierList``: one spreadsheet received from a carrier or the provincial big-data group,
  held by the district (or a town) that received it.
- ``ListRow``: one accepted row of it, with where it came from (sheet, line), normalised and
  matched against the person registry (matched / ambiguous / unmatched). Unique per list and
  row fingerprint, so an import that is run again or resumed stores each row once.
- ``VerificationTask``: the lead a grid worker checks at the door. One per person and
  (list source, arrival window), so the same arrival named by two overlapping lists is one task.
  Unmatched leads are tasks without a person, in the town of the phone's registered area or in
  the district pool, where the command office assigns them.
- ``VerificationOutcome``: what the worker found; sent from phones in batches (client ids).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.fields import EncryptedTextField
from fangkong.core.models import DomainModel, ScopedModel
from fangkong.core.scoping import ScopedManager
from fangkong.core.sensitive import SensitiveFieldsMixin


class CarrierList(ScopedModel):
    class Carrier(models.TextChoices):
        MOBILE = "mobile", _("China Mobile")
        UNICOM = "unicom", _("China Unicom")
        TELECOM = "telecom", _("China Telecom")
        OTHER = "other", _("other source")

    class Status(models.TextChoices):
        IMPORTING = "importing", _("importing")
        DONE = "done", _("imported")
        FAILED = "failed", _("refused")
        INTERRUPTED = "interrupted", _("interrupted")

    name = models.CharField(_("list name"), max_length=100)
    carrier = models.CharField(_("carrier"), max_length=10, choices=Carrier.choices)
    source = models.CharField(
        _("list source"),
        max_length=60,
        help_text=_("Who sent the list, e.g. the provincial big-data group."),
    )
    list_date = models.DateField(_("list date"))
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    file_name = models.CharField(_("file"), max_length=200, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IMPORTING, editable=False
    )
    job = models.ForeignKey(
        "core.Job",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("import job"),
    )
    # The last line whose rows are committed: a resumed import skips what is already stored.
    resume_line = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=_("resume at line")
    )
    rows_total = models.PositiveIntegerField(_("rows read"), default=0, editable=False)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0, editable=False)
    rows_matched = models.PositiveIntegerField(_("matched"), default=0, editable=False)
    rows_ambiguous = models.PositiveIntegerField(_("ambiguous"), default=0, editable=False)
    rows_unmatched = models.PositiveIntegerField(_("unmatched"), default=0, editable=False)
    message = models.CharField(_("message"), max_length=500, blank=True, editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-list_date", "-id"]
        verbose_name = _("carrier list")
        verbose_name_plural = _("carrier lists")

    def __str__(self) -> str:
        return self.name

    @property
    def rows_imported(self) -> int:
        return self.rows_matched + self.rows_ambiguous + self.rows_unmatched


class ListRow(SensitiveFieldsMixin, models.Model):
    """One accepted row of a carrier list, scoped through its list."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("matched")
        AMBIGUOUS = "ambiguous", _("ambiguous")
        UNMATCHED = "unmatched", _("unmatched")
        RESOLVED = "resolved", _("resolved by hand")

    class MatchBy(models.TextChoices):
        ID = "id", _("ID number")
        PHONE = "phone", _("mobile number")
        NAME = "name", _("name and village")
        HAND = "hand", _("chosen by hand")

    SENSITIVE = {
        "phone": ("phone_bidx", "phone_last4_bidx", "mobile"),
        "id_number": ("id_number_bidx", "id_last4_bidx", "resident_id"),
    }
    scope_path = "carrier_list__area__path"

    carrier_list = models.ForeignKey(
        CarrierList, on_delete=models.CASCADE, related_name="rows", verbose_name=_("carrier list")
    )
    sheet = models.CharField(_("sheet"), max_length=60, blank=True)
    line = models.PositiveIntegerField(_("line"))
    # Keyed hash of the row's normalised content: the same row read twice is stored once.
    fingerprint = models.CharField(max_length=64, editable=False)
    phone = EncryptedTextField(_("mobile number"))
    phone_bidx = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    phone_last4_bidx = models.CharField(max_length=64, blank=True, editable=False)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60, blank=True)
    id_number = EncryptedTextField(_("resident ID number"), blank=True)
    id_number_bidx = models.CharField(max_length=64, blank=True, editable=False)
    id_last4_bidx = models.CharField(max_length=64, blank=True, editable=False)
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    origin = models.CharField(_("came from"), max_length=60, blank=True)
    phone_region = models.CharField(_("phone registered in"), max_length=60, blank=True)
    village = models.CharField(_("village"), max_length=60, blank=True)
    status = models.CharField(_("match"), max_length=10, choices=Status.choices)
    match_by = models.CharField(_("matched by"), max_length=6, choices=MatchBy.choices, blank=True)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("person"),
    )
    # Ids of the persons it could be (ambiguous rows): the queue offers them, masked.
    candidates = models.JSONField(default=list, blank=True)
    task = models.ForeignKey(
        "VerificationTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rows",
        verbose_name=_("verification task"),
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["carrier_list_id", "line", "id"]
        verbose_name = _("list row")
        verbose_name_plural = _("list rows")
        constraints = [
            models.UniqueConstraint(
                fields=["carrier_list", "fingerprint"], name="bigdata_row_once_per_list"
            )
        ]
        indexes = [models.Index(fields=["carrier_list", "status"], name="bigdata_row_status_idx")]

    def __str__(self) -> str:
        return f"{self.carrier_list_id}:{self.line}"


class VerificationTask(SensitiveFieldsMixin, ScopedModel):
    """A lead to verify at the door: in the person's grid, or (no person matched) in the town of
    the phone's registered area or the district pool."""

    class Status(models.TextChoices):
        PENDING = "pending", _("to verify")
        VERIFIED = "verified", _("verified")

    class Outcome(models.TextChoices):
        PRESENT = "present", _("confirmed present")
        LEFT = "left", _("not present / already left")
        KEY_PERSON = "key_person", _("already registered as key person")
        WRONG_NUMBER = "wrong_number", _("wrong number")

    SENSITIVE = {"phone": ("phone_bidx", "phone_last4_bidx", "mobile")}

    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person"),
    )
    carrier_list = models.ForeignKey(
        CarrierList, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("carrier list")
    )
    source = models.CharField(_("list source"), max_length=60)
    # Arrival window number (days since 2020-01-01 // FANGKONG_BIGDATA_WINDOW_DAYS).
    window = models.IntegerField(editable=False, verbose_name=_("arrival window"))
    name = models.CharField(_("name on the list"), max_length=60, blank=True)
    phone = EncryptedTextField(_("mobile number"))
    phone_bidx = models.CharField(max_length=64, blank=True, editable=False)
    phone_last4_bidx = models.CharField(max_length=64, blank=True, editable=False)
    phone_region = models.CharField(_("phone registered in"), max_length=60, blank=True)
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    origin = models.CharField(_("came from"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    due_at = models.DateTimeField(_("due"))
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verified by"),
    )
    key_person = models.ForeignKey(
        "observation.KeyPerson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("key person"),
    )

    class Meta:
        ordering = ["status", "due_at", "id"]
        verbose_name = _("verification task")
        verbose_name_plural = _("verification tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "source", "window"],
                condition=Q(person__isnull=False) & Q(deleted_at__isnull=True),
                name="bigdata_task_once_per_person_window",
            ),
            models.UniqueConstraint(
                fields=["phone_bidx", "source", "window"],
                condition=Q(person__isnull=True) & Q(deleted_at__isnull=True),
                name="bigdata_task_once_per_phone_window",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="bigdata_task_due_idx"),
            models.Index(fields=["carrier_list", "status"], name="bigdata_task_list_idx"),
        ]

    def __str__(self) -> str:
        who = self.person.name if self.person_id and self.person else (self.name or "?")
        return f"{who} · {self.arrival_date or ''}"

    @property
    def overdue(self) -> bool:
        return self.status == self.Status.PENDING and self.due_at < timezone.now()


class VerificationOutcome(DomainModel):
    """One verification at the door, recorded on a phone (scoped through its task)."""

    scope_path = "task__area__path"

    task = models.ForeignKey(
        VerificationTask,
        on_delete=models.PROTECT,
        related_name="outcomes",
        verbose_name=_("verification task"),
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=VerificationTask.Outcome.choices
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("verification outcome")
        verbose_name_plural = _("verification outcomes")

    def __str__(self) -> str:
        return f"{self.task_id}: {self.get_outcome_display()}"

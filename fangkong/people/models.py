"""Persons: identity with protected ID and phone numbers, household, residence, tags."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.fields import EncryptedTextField
from fangkong.core.models import ScopedModel
from fangkong.core.sensitive import SensitiveFieldsMixin
from fangkong.core.validators import (
    PERSON_NAME_MAX_LENGTH,
    validate_not_future,
    validate_person_name,
)

# The longest name an identity document prints: a foreigner's permanent residence card holds
# about 60 Latin letters (a resident ID card 15 Chinese characters). ``name_pinyin`` and
# ``name_initials`` are derived from it, so they are sized to hold whatever ``name`` can
# (pinyin of a CJK character is at most 6 letters; a Latin name passes through as itself).
NAME_MAX_LENGTH = PERSON_NAME_MAX_LENGTH


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=30, unique=True)
    color = models.CharField(_("colour"), max_length=20, default="secondary")

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Person(SensitiveFieldsMixin, ScopedModel):
    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    # field -> (blind-index field, last-four blind-index field, blind-index purpose). The last
    # four digits are kept only as a keyed index (purpose "<purpose>_last4"): in plain text they
    # would, with the region code and the birth date, give the whole ID number back.
    SENSITIVE = {
        "id_number": ("id_number_bidx", "id_last4_bidx", "resident_id"),
        "phone": ("phone_bidx", "phone_last4_bidx", "mobile"),
    }

    name = models.CharField(
        pgettext_lazy("person", "name"),
        max_length=NAME_MAX_LENGTH,
        validators=[validate_person_name],
    )
    name_pinyin = models.CharField(
        max_length=NAME_MAX_LENGTH * 6,
        editable=False,
        db_index=True,
        verbose_name=_("name in pinyin"),
    )
    name_initials = models.CharField(
        max_length=NAME_MAX_LENGTH, editable=False, verbose_name=_("pinyin initials")
    )
    id_number = EncryptedTextField(_("resident ID number"))
    id_number_bidx = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    id_last4_bidx = models.CharField(max_length=64, blank=True, editable=False)
    id_region_unknown = models.BooleanField(
        default=False, editable=False, verbose_name=_("region code not on record")
    )
    birth_date = models.DateField(
        _("date of birth"), null=True, blank=True, validators=[validate_not_future]
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    phone = EncryptedTextField(_("mobile number"))
    phone_bidx = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    phone_last4_bidx = models.CharField(max_length=64, blank=True, editable=False)
    household = models.ForeignKey(
        "places.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("household"),
    )
    relation = models.CharField(_("relation to head"), max_length=20, blank=True)
    current_address = models.CharField(_("current address"), max_length=200, blank=True)
    registered_residence = models.CharField(
        _("registered residence (hukou)"), max_length=200, blank=True
    )
    is_resident = models.BooleanField(_("resident"), default=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="persons", verbose_name=_("tags"))
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        editable=False,
        verbose_name=_("merged into"),
    )

    class Meta:
        ordering = ["name_pinyin", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            models.Index(fields=["area", "name_initials"], name="person_area_initials_idx"),
            # Prefix search (LIKE 'zs%') on PostgreSQL needs pattern opclasses; SQLite ignores them.
            models.Index(
                fields=["name_initials"],
                name="person_initials_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["name_pinyin"],
                name="person_pinyin_like_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["name"], name="person_name_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["id_last4_bidx"], name="person_id_last4_idx"),
            models.Index(fields=["phone_last4_bidx"], name="person_phone_last4_idx"),
            # The possible duplicates start from the few live records without an ID number.
            models.Index(
                fields=["phone_bidx"],
                name="person_no_id_phone_idx",
                condition=Q(id_number_bidx="") & ~Q(phone_bidx="") & Q(deleted_at__isnull=True),
            ),
        ]
        constraints = [
            # One live record per ID number, kept by the database: two registrations racing
            # past the service's check cannot both commit (persons without a number, and
            # deleted or merged records, do not count).
            models.UniqueConstraint(
                fields=["id_number_bidx"],
                condition=~Q(id_number_bidx="") & Q(deleted_at__isnull=True),
                name="person_unique_live_id_number",
            )
        ]

    def __str__(self) -> str:
        return self.name


class TransferRequest(models.Model):
    """A request to move a person registered in another area into the requester's area.

    Registration refuses a second record for one ID number; when the first lies outside the
    registering user's view, they learn only "registered elsewhere" and may ask the owning area
    for the person here. The requester never sees who or where until the owners accept.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        REFUSED = "refused", _("refused")

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="transfer_requests", verbose_name=_("person")
    )
    from_area = models.ForeignKey(
        "places.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("from area")
    )
    to_area = models.ForeignKey(
        "places.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("to area")
    )
    to_household = models.ForeignKey(
        "places.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("into household"),
    )
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=200, blank=True)

    # Answered by the area the person is taken from (core.scoping's scope paths).
    scope_path = "from_area__path"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("transfer request")
        verbose_name_plural = _("transfer requests")
        constraints = [
            # One open request per person and requester: a retry must not pile up requests.
            models.UniqueConstraint(
                fields=["person", "requester"],
                condition=Q(status="pending"),
                name="transfer_one_pending_per_requester",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

"""Persons: identity with protected ID and phone numbers, household, residence, tags."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import EncryptedTextField
from fangkong.core.models import ScopedModel
from fangkong.core.sensitive import SensitiveFieldsMixin


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

    # field -> (blind-index field, suffix field, blind-index purpose)
    SENSITIVE = {
        "id_number": ("id_number_bidx", "id_suffix", "resident_id"),
        "phone": ("phone_bidx", "phone_suffix", "mobile"),
    }

    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(max_length=120, editable=False, db_index=True)
    name_initials = models.CharField(max_length=20, editable=False)
    id_number = EncryptedTextField(_("resident ID number"))
    id_number_bidx = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    id_suffix = models.CharField(max_length=4, blank=True, editable=False)
    id_region_unknown = models.BooleanField(default=False, editable=False)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    phone = EncryptedTextField(_("mobile number"))
    phone_bidx = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    phone_suffix = models.CharField(max_length=4, blank=True, editable=False)
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
            models.Index(fields=["id_suffix"], name="person_id_suffix_idx"),
            models.Index(fields=["phone_suffix"], name="person_phone_suffix_idx"),
        ]

    def __str__(self) -> str:
        return self.name

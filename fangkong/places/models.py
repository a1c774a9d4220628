"""The area tree (district > town > village/community > grid) and households."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import DomainModel, ScopedModel
from fangkong.core.scoping import AllObjectsManager, ScopedManager


class Area(DomainModel):
    class Level(models.IntegerChoices):
        DISTRICT = 1, _("district")
        TOWN = 2, _("town")
        VILLAGE = 3, _("village")
        COMMUNITY = 4, _("community")
        GRID = 5, _("grid")

    # Which levels may hang below which: villages and communities both sit under towns.
    CHILD_LEVELS = {
        Level.DISTRICT: {Level.TOWN},
        Level.TOWN: {Level.VILLAGE, Level.COMMUNITY},
        Level.VILLAGE: {Level.GRID},
        Level.COMMUNITY: {Level.GRID},
        Level.GRID: set(),
    }

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent area"),
    )
    # Materialised path of codes, e.g. "/430971/430971100/": scoping is a prefix match on it.
    path = models.CharField(
        max_length=255, unique=True, editable=False, verbose_name=_("tree path")
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_reason = models.CharField(max_length=200, blank=True, editable=False)

    # The area tree scopes itself: a prefix match on its own materialised path.
    scope_path = "path"

    objects = ScopedManager()
    all_objects = AllObjectsManager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        indexes = [
            models.Index(fields=["level"], name="area_level_idx"),
            models.Index(
                fields=["path"], name="area_path_like_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def build_path(self) -> str:
        return (self.parent.path if self.parent else "/") + self.code + "/"

    def clean(self):
        if not self.code or not self.code.isdigit():
            raise ValidationError({"code": _("An area code is digits only.")})
        if self.parent is None and self.level != self.Level.DISTRICT:
            raise ValidationError({"parent": _("Only a district has no parent area.")})
        if self.parent is not None:
            allowed = self.CHILD_LEVELS.get(self.parent.level, set())
            if self.level not in allowed:
                raise ValidationError(
                    {
                        "level": _("A %(child)s cannot be placed under a %(parent)s.")
                        % {
                            "child": self.get_level_display(),
                            "parent": self.parent.get_level_display(),
                        }
                    }
                )
            if self.pk and self.parent.path.startswith(self.path or "\x00"):
                raise ValidationError({"parent": _("An area cannot be placed under itself.")})

    def save(self, *args, **kwargs):
        self.path = self.build_path()
        super().save(*args, **kwargs)

    def ancestors(self) -> list[Area]:
        codes = [c for c in self.path.strip("/").split("/")[:-1]]
        by_code = {a.code: a for a in Area.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]

    @property
    def is_grid(self) -> bool:
        return self.level == self.Level.GRID


class Household(ScopedModel):
    """A household registered in a grid; its members are the persons pointing to it."""

    number = models.CharField(_("household number"), max_length=30)
    address = models.CharField(_("address"), max_length=200)
    head_name = models.CharField(_("head of household"), max_length=50, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["area_id", "number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "number"],
                condition=Q(deleted_at__isnull=True),
                name="unique_household_number_in_grid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.address}"

    def clean(self):
        if self.area_id and self.area.level != Area.Level.GRID:
            raise ValidationError({"area": _("A household belongs to a grid.")})


class AreaCount(models.Model):
    """How many live records of one counted kind (``people.person``, ``places.household``) sit
    directly in one area — its own rows, not its subtree.

    Subtree totals are sums over the area rows under a path prefix (a few hundred rows for a
    district), so moving an area in the tree never makes a kept figure wrong. The services keep
    the rows current through ``places.counts`` (signals on the counted models); bulk loads that
    bypass signals end with ``manage.py refresh_counts``.
    """

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=60)
    n = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("kept area count")
        verbose_name_plural = _("kept area counts")
        constraints = [
            models.UniqueConstraint(fields=["area", "kind"], name="unique_area_count_kind")
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.kind}: {self.n}"

"""Carpet surveys (摸排) with kept coverage, and unit staff declarations (返岗申报).

- ``Campaign``: a survey round launched by the district or a town for an area and a period,
  with its question set (which of the standard questions are asked, plus extra yes/no
  questions, one per line) stored on the campaign: data, not code.
- ``Visit``: one per household per campaign (a unique index). A revisit updates it; the change
  history keeps the earlier outcome. Its ``VisitAnswer`` rows hold who was seen (到户见人) and
  each person's answers.
- ``Coverage``: kept counters per campaign and grid (visited, seen, unreachable, risks),
  adjusted in the visit's own transaction; the coverage pages sum a few thousand rows instead
  of counting a million visits. Household totals come from ``places.AreaCount``.
- ``Unit`` / ``UnitStaff`` / ``Declaration``: government units and institutions collect
  declarations from staff returning to work; a change is a new declaration version, the old
  ones are kept.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.models import DomainModel, ScopedModel
from fangkong.core.scoping import ScopedManager
from fangkong.core.validators import validate_temperature


class Symptom(models.TextChoices):
    FEVER = "fever", _("fever")
    COUGH = "cough", _("cough")
    FATIGUE = "fatigue", _("fatigue")
    BREATH = "breath", _("shortness of breath")
    THROAT = "throat", _("sore throat")
    DIARRHOEA = "diarrhoea", _("diarrhoea")


SYMPTOM_CODES = frozenset(Symptom.values)


class Campaign(ScopedModel):
    """A carpet-survey round over ``area`` (district, town or village) for a period."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    name = models.CharField(_("name"), max_length=80)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    since_date = models.DateField(
        _("returned since"),
        help_text=_("Ask about travel and contacts since this date."),
    )
    ask_travel = models.BooleanField(_("ask: back from Wuhan or Hubei"), default=True)
    ask_symptoms = models.BooleanField(_("ask: symptoms"), default=True)
    ask_temperature = models.BooleanField(_("ask: temperature"), default=False)
    ask_contact = models.BooleanField(_("ask: contact with key persons"), default=True)
    ask_residence = models.BooleanField(_("ask: who lives here now"), default=True)
    extra_questions = models.TextField(
        _("extra yes/no questions"),
        blank=True,
        help_text=_("One question per line; at most 5."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")

    def __str__(self) -> str:
        return self.name

    MAX_EXTRA = 5

    @property
    def extra_list(self) -> list[str]:
        return [q.strip() for q in (self.extra_questions or "").splitlines() if q.strip()]

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("A campaign cannot end before it starts.")
        if self.since_date and self.starts_on and self.since_date > self.starts_on:
            errors["since_date"] = _("Ask about the time before the campaign starts.")
        if len(self.extra_list) > self.MAX_EXTRA:
            errors["extra_questions"] = _("At most %(n)d extra questions.") % {"n": self.MAX_EXTRA}
        if any(len(q) > 100 for q in self.extra_list):
            errors["extra_questions"] = _("Keep each question under 100 characters.")
        if self.area_id and self.area.level == self.area.Level.GRID:
            errors["area"] = _("Launch a survey for a district, town or village, not one grid.")
        if errors:
            raise ValidationError(errors)

    def is_running_on(self, day) -> bool:
        return self.status == self.Status.OPEN and self.starts_on <= day <= self.ends_on


class Visit(DomainModel):
    """A grid worker's visit to a household in a campaign: one per household and campaign."""

    scope_path = "household__area__path"

    class Outcome(models.TextChoices):
        SEEN = "seen", _("household seen")
        UNREACHABLE = "unreachable", _("not reachable")

    class Reason(models.TextChoices):
        NOBODY_HOME = "nobody_home", _("nobody at home")
        AWAY = "away", _("family away (working or staying elsewhere)")
        VACANT = "vacant", _("house empty")
        REFUSED = "refused", _("refused to open")
        OTHER = "other", _("other")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="visits", verbose_name=_("campaign")
    )
    household = models.ForeignKey(
        "places.Household",
        on_delete=models.PROTECT,
        related_name="survey_visits",
        verbose_name=_("household"),
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("grid worker"),
        editable=False,
    )
    visited_at = models.DateTimeField(_("visited at"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    unreachable_reason = models.CharField(
        _("why not reachable"), max_length=12, choices=Reason.choices, blank=True
    )
    retry_on = models.DateField(_("visit again on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    persons_seen = models.PositiveSmallIntegerField(_("persons seen"), default=0, editable=False)
    risks_found = models.PositiveSmallIntegerField(_("risks found"), default=0, editable=False)
    visits_made = models.PositiveSmallIntegerField(_("visits made"), default=1, editable=False)

    objects = ScopedManager()

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "household"], name="unique_visit_per_household_campaign"
            )
        ]
        indexes = [models.Index(fields=["campaign", "visited_at"], name="visit_campaign_at_idx")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.household}"

    def clean(self):
        errors = {}
        if self.outcome == self.Outcome.UNREACHABLE and not self.unreachable_reason:
            errors["unreachable_reason"] = _("Say why the household could not be reached.")
        if self.outcome == self.Outcome.SEEN and (self.unreachable_reason or self.retry_on):
            errors["outcome"] = _(
                "A household that was seen has no reason for being unreachable and no retry."
            )
        if (
            self.retry_on
            and self.visited_at
            and self.retry_on < timezone.localdate(self.visited_at)
        ):
            errors["retry_on"] = _("Plan the next visit on or after this visit.")
        if errors:
            raise ValidationError(errors)


class VisitAnswer(models.Model):
    """One person at a visited household: seen or not, and their answers."""

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="answers", verbose_name=_("visit")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    seen = models.BooleanField(_("seen"), default=True)
    lives_here = models.BooleanField(_("lives here now"), default=True)
    newcomer = models.BooleanField(_("newcomer"), default=False)
    travel_origin = models.CharField(_("came back from"), max_length=60, blank=True)
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    symptoms = models.CharField(_("symptoms"), max_length=80, blank=True)
    temperature = models.DecimalField(
        _("temperature (°C)"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[validate_temperature],
    )
    contact = models.BooleanField(_("contact with key persons"), default=False)
    extra = models.CharField(_("extra answers"), max_length=20, blank=True)
    risk = models.CharField(_("risk found"), max_length=60, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("visit answer")
        verbose_name_plural = _("visit answers")
        constraints = [
            models.UniqueConstraint(fields=["visit", "person"], name="unique_answer_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.visit_id}:{self.person_id}"

    @property
    def symptom_list(self) -> list[str]:
        return [s for s in self.symptoms.split(",") if s]


class Coverage(models.Model):
    """Kept counters of one campaign in one grid, adjusted in each visit's transaction.

    ``visited`` counts households with a visit (seen or not), ``seen`` those where people were
    seen (到户见人: the coverage figure), ``unreachable`` the others, ``risks`` persons with a
    risky answer. Households in the grid come from ``places.AreaCount``."""

    scope_path = "area__path"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="coverage")
    area = models.ForeignKey("places.Area", on_delete=models.CASCADE, related_name="+")
    visited = models.IntegerField(default=0)
    seen = models.IntegerField(default=0)
    unreachable = models.IntegerField(default=0)
    risks = models.IntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("coverage")
        verbose_name_plural = _("coverage")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "area"], name="unique_coverage_grid")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.area_id} {self.seen}"


class Unit(ScopedModel):
    """A government unit or institution whose staff declare on returning to work."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("government department")
        INSTITUTION = "institution", _("public institution")
        SCHOOL = "school", _("school")
        HOSPITAL = "hospital", _("hospital or health centre")
        ENTERPRISE = "enterprise", _("state enterprise")

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("head of unit"),
    )
    since_date = models.DateField(
        _("declare travel since"), help_text=_("Staff declare travel and contacts since then.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "name"],
                condition=Q(deleted_at__isnull=True),
                name="unique_unit_name_in_area",
            )
        ]

    def __str__(self) -> str:
        return self.name


class UnitStaff(DomainModel):
    """A member of a unit's staff who must declare (scoped through the unit)."""

    scope_path = "unit__area__path"

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="staff", verbose_name=_("unit")
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    position = models.CharField(_("position"), max_length=50, blank=True)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person in the registry"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="unit_staff",
        verbose_name=_("user account (declares for themselves)"),
    )
    active = models.BooleanField(_("on the staff"), default=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["unit_id", "name"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="unique_staff_name_in_unit")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class Declaration(DomainModel):
    """One version of a staff member's declaration; the newest is ``current``."""

    scope_path = "staff__unit__area__path"

    staff = models.ForeignKey(
        UnitStaff,
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("staff member"),
    )
    number = models.PositiveSmallIntegerField(_("declaration no."), default=1, editable=False)
    current = models.BooleanField(_("current"), default=True, editable=False)
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)
    returned_on = models.DateField(_("back at work on"), null=True, blank=True)
    travel_origin = models.CharField(
        _("places travelled to or come back from"), max_length=100, blank=True
    )
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    contact = models.BooleanField(_("contact with key persons"), default=False)
    symptoms = models.CharField(_("symptoms"), max_length=80, blank=True)
    temperature = models.DecimalField(
        _("temperature (°C)"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[validate_temperature],
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    self_declared = models.BooleanField(_("declared by the staff member"), default=False)
    risk = models.CharField(_("risk found"), max_length=60, blank=True, editable=False)

    objects = ScopedManager()

    class Meta:
        ordering = ["-declared_at", "-id"]
        verbose_name = _("staff declaration")
        verbose_name_plural = _("staff declarations")
        constraints = [
            models.UniqueConstraint(fields=["staff", "number"], name="unique_declaration_number"),
            models.UniqueConstraint(
                fields=["staff"], condition=Q(current=True), name="one_current_declaration"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} #{self.number}"

    @property
    def symptom_list(self) -> list[str]:
        return [s for s in self.symptoms.split(",") if s]

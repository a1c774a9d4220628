"""Key persons (重点人员) and 14-day medical observation (医学观察).

A **key person** record says why someone needs attention (category, source, origin, dates). One
person can be a key person several times, but only once per category while a record is open
(the database enforces it: a checkpoint, a survey and a carrier list naming the same traveller
link to one record). An **observation** is the 14-day period a key person is watched at home or
in a centralised site; a person has at most one active observation (database-enforced).

Both are scoped through their own ``area``: the person's grid, or the district when the person
has no household here (the district pool)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from fangkong.core.fields import EncryptedTextField
from fangkong.core.models import DomainModel, ScopedModel
from fangkong.core.scoping import ScopedManager
from fangkong.core.sensitive import SensitiveFieldsMixin
from fangkong.core.validators import validate_temperature


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
    # Extension (reason kept here and in the change history) and transfer to hospital.
    extension_reason = models.CharField(_("reason for extension"), max_length=200, blank=True)
    hospital = models.CharField(_("hospital"), max_length=80, blank=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        indexes = [
            models.Index(fields=["status", "planned_end_date"], name="observation_status_idx"),
            models.Index(fields=["started_at"], name="observation_started_idx"),
            models.Index(fields=["ended_at"], name="observation_ended_idx"),
            # The "today" list: active observations of an area (grid workers' scope).
            models.Index(fields=["area", "status"], name="observation_area_status_idx"),
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


# --------------------------------------------------------------------------- configurable lists


class _ListItem(models.Model):
    """A configurable list entry (team roles, 六个一 measures, symptoms): data, not code. Codes
    are stable; names are English source strings for the seeded rows (translated on display)
    or whatever the command office types for its own."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    sort = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        abstract = True
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        from django.utils.translation import gettext

        return gettext(self.name)


class TeamRole(_ListItem):
    """A seat of the 六包一 team (six people answer for one observed person)."""

    class Meta(_ListItem.Meta):
        verbose_name = _("team role")
        verbose_name_plural = _("team roles")


class Measure(_ListItem):
    """One of the 六个一 measures ticked for each observed person."""

    class Meta(_ListItem.Meta):
        verbose_name = _("measure")
        verbose_name_plural = _("measures (六个一)")


class Symptom(_ListItem):
    """A symptom asked at each check (any one makes the check abnormal)."""

    class Meta(_ListItem.Meta):
        verbose_name = _("symptom")
        verbose_name_plural = _("symptoms")


# --------------------------------------------------------------------------- teams


class RosterEntry(SensitiveFieldsMixin, ScopedModel):
    """Who usually serves in a team role in a grid or village: ``start_observation`` copies
    the roster of the observed person's grid (falling back to the village, then the town) into
    each new observation's 六包一 team."""

    SENSITIVE = {"phone": ("phone_bidx", "phone_last4_bidx", "mobile")}

    role = models.ForeignKey(
        TeamRole, on_delete=models.PROTECT, related_name="+", verbose_name=_("team role")
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    phone = EncryptedTextField(_("mobile number"))
    phone_bidx = models.CharField(max_length=64, blank=True, editable=False)
    phone_last4_bidx = models.CharField(max_length=64, blank=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user account"),
    )

    class Meta:
        ordering = ["area__path", "role__sort"]
        verbose_name = _("roster entry")
        verbose_name_plural = _("team roster")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "role"],
                condition=Q(deleted_at__isnull=True),
                name="roster_one_per_role_and_area",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.name}"


class TeamMember(SensitiveFieldsMixin, DomainModel):
    """A member of one observed person's 六包一 team; scoped through the observation."""

    scope_path = "observation__area__path"
    SENSITIVE = {"phone": ("phone_bidx", "phone_last4_bidx", "mobile")}

    observation = models.ForeignKey(
        Observation, on_delete=models.CASCADE, related_name="team", verbose_name=_("observation")
    )
    role = models.ForeignKey(
        TeamRole, on_delete=models.PROTECT, related_name="+", verbose_name=_("team role")
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    phone = EncryptedTextField(_("mobile number"))
    phone_bidx = models.CharField(max_length=64, blank=True, editable=False)
    phone_last4_bidx = models.CharField(max_length=64, blank=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="observation_teams",
        verbose_name=_("user account"),
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["role__sort", "id"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=["observation", "role"], name="team_one_per_role")
        ]
        indexes = [models.Index(fields=["user", "observation"], name="team_user_idx")]

    def __str__(self) -> str:
        return f"{self.role} {self.name}"


class MeasureTick(DomainModel):
    """A 六个一 measure done for one observation: who ticked it, when."""

    scope_path = "observation__area__path"

    observation = models.ForeignKey(
        Observation,
        on_delete=models.CASCADE,
        related_name="measure_ticks",
        verbose_name=_("observation"),
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="+", verbose_name=_("measure")
    )
    done_at = models.DateTimeField(_("done"), default=timezone.now)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("measure done")
        verbose_name_plural = _("measures done")
        constraints = [
            models.UniqueConstraint(fields=["observation", "measure"], name="measure_once")
        ]


# --------------------------------------------------------------------------- checks


class HealthCheck(DomainModel):
    """One of the twice-daily door-to-door checks: temperature and symptoms.

    Unique per observation, date and half-day in the database, so a retried check (a phone
    that lost the answer) is stored once. Scoped through its observation."""

    scope_path = "observation__area__path"

    class Half(models.TextChoices):
        MORNING = "am", _("morning")
        AFTERNOON = "pm", _("afternoon")

    observation = models.ForeignKey(
        Observation, on_delete=models.PROTECT, related_name="checks", verbose_name=_("observation")
    )
    date = models.DateField(_("date"))
    half = models.CharField(_("half-day"), max_length=2, choices=Half.choices)
    temperature = models.DecimalField(
        _("temperature (°C)"),
        max_digits=3,
        decimal_places=1,
        validators=[validate_temperature],
    )
    symptoms = models.ManyToManyField(
        Symptom, blank=True, related_name="+", verbose_name=_("symptoms")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Effective time of the check (the report counts it for this moment's day).
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("checked by"),
    )
    # Derived when stored: temperature at/above the fever threshold / fever or any symptom.
    fever = models.BooleanField(_("fever"), default=False, editable=False)
    abnormal = models.BooleanField(_("abnormal"), default=False, editable=False)

    objects = ScopedManager()

    class Meta:
        ordering = ["-date", "-half", "-id"]
        verbose_name = _("check")
        verbose_name_plural = _("checks")
        constraints = [
            models.UniqueConstraint(
                fields=["observation", "date", "half"], name="check_once_per_half_day"
            )
        ]
        indexes = [
            models.Index(fields=["date", "half"], name="check_day_idx"),
            models.Index(fields=["checked_at"], name="check_checked_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.observation_id} {self.date} {self.get_half_display()} {self.temperature}"

    def clean(self):
        from fangkong.core.validators import is_fever

        if self.temperature is not None:
            self.fever = is_fever(self.temperature)
            self.abnormal = self.abnormal or self.fever


class ReleaseNotice(DomainModel):
    """The 解除医学观察通知书 issued when an observation is released (one per observation)."""

    scope_path = "observation__area__path"

    observation = models.OneToOneField(
        Observation,
        on_delete=models.PROTECT,
        related_name="release_notice",
        verbose_name=_("observation"),
    )
    number = models.CharField(_("number"), max_length=40, unique=True)
    issuing_body = models.CharField(_("issuing body"), max_length=80)
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("issued by"),
    )
    printed = models.PositiveIntegerField(_("times printed"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("release notice")
        verbose_name_plural = _("release notices")

    def __str__(self) -> str:
        return self.number


# The seeded names of the configurable lists (migration 0004), for the translation catalogue.
_LIST_NAMES = (
    gettext_noop("town cadre"),
    gettext_noop("village cadre"),
    gettext_noop("village doctor"),
    gettext_noop("police officer"),
    gettext_noop("grid worker"),
    gettext_noop("party member or volunteer"),
    gettext_noop("one visit to explain the observation rules"),
    gettext_noop("one signed home-observation commitment"),
    gettext_noop("one thermometer handed over"),
    gettext_noop("one pack of masks and disinfectant"),
    gettext_noop("one contact card with the team's phone numbers"),
    gettext_noop("one notice posted at the door"),
    gettext_noop("cough"),
    gettext_noop("fatigue"),
    gettext_noop("sore throat"),
    gettext_noop("shortness of breath"),
    gettext_noop("diarrhoea"),
    gettext_noop("muscle aches"),
)

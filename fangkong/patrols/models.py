"""Patrols, spot checks, gatherings dispersed, violations, venue closures, weddings and funerals.

The article's "網格管理防擴散": daily patrols by the police station and the village together
(日常巡查), surprise spot checks (突擊暗訪抽查), no gatherings (不聚集), public venues closed from
24 January (entertainment venues, internet cafés, religious sites), weddings and banquets
stopped (婚宴喜事一律停辦), funerals simplified (喪事一律從簡), gambling and rumours prosecuted.

Every record carries the date or time *when it happened* (``day``, ``checked_at``,
``effective_date`` …): the daily report counts from those, never from when a row was written.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from fangkong.core.fields import EncryptedTextField
from fangkong.core.models import DomainModel, ScopedModel
from fangkong.core.scoping import ScopedManager
from fangkong.core.sensitive import SensitiveFieldsMixin
from fangkong.core.validators import validate_not_future

# Counts a village official writes down: a gathering of more than this many people, or a
# banquet of more guests, is not something a patrol disperses or a village registers by hand.
MAX_PEOPLE = 5000
NAMES_MAX = 200  # a team or a host family written as names separated by 、


def _count_validators(maximum: int = MAX_PEOPLE):
    return [MinValueValidator(1), MaxValueValidator(maximum)]


# --------------------------------------------------------------------------- patrols


class Patrol(ScopedModel):
    """One day's patrol by a joint team of the police station and the village (联合巡查)."""

    day = models.DateField(_("date"), validators=[validate_not_future])
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    police_members = models.CharField(
        _("police officers"),
        max_length=NAMES_MAX,
        help_text=_("Names of the police station's members, separated by 、"),
    )
    village_members = models.CharField(
        _("village members"),
        max_length=NAMES_MAX,
        help_text=_("Names of the village (community) cadres and volunteers, separated by 、"),
    )
    route = models.CharField(_("route or area covered"), max_length=200)
    findings = models.TextField(_("findings"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-day", "-start_time", "-id"]
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        indexes = [models.Index(fields=["day"], name="patrol_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.route}"

    def clean(self):
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError(
                {"end_time": _("The patrol must end after it started (same day).")}
            )


class SpotCheck(ScopedModel):
    """A surprise check of a place (突击暗访抽查): sent from phones in batches."""

    class Result(models.TextChoices):
        COMPLIANT = "compliant", _("compliant")
        RECTIFIED = "rectified", _("problem found, rectified on the spot")
        REPORTED = "reported", _("problem found, reported")

    checked_at = models.DateTimeField(_("checked at"), validators=[validate_not_future])
    place = models.CharField(_("place checked"), max_length=100)
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")
        indexes = [models.Index(fields=["checked_at"], name="spotcheck_at_idx")]

    def __str__(self) -> str:
        return self.place


class Dispersal(ScopedModel):
    """A gathering the patrol broke up (劝散聚集): where, about how many, how handled."""

    class Kind(models.TextChoices):
        CARDS = "cards", _("cards or mahjong")
        MEAL = "meal", _("meal or banquet")
        CHAT = "chat", _("chatting crowd")
        DANCE = "dance", _("square dancing")
        MARKET = "market", _("market crowd")
        OTHER = "other", _("other")

    class Handling(models.TextChoices):
        PERSUADED = "persuaded", _("persuaded, dispersed")
        WARNED = "warned", _("dispersed with a warning")
        REFERRED = "referred", _("referred to the police")

    dispersed_at = models.DateTimeField(_("dispersed at"), validators=[validate_not_future])
    place = models.CharField(_("place"), max_length=100)
    kind = models.CharField(_("kind of gathering"), max_length=10, choices=Kind.choices)
    people = models.PositiveIntegerField(_("estimated people"), validators=_count_validators())
    handling = models.CharField(_("how handled"), max_length=10, choices=Handling.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-dispersed_at", "-id"]
        verbose_name = _("gathering dispersed")
        verbose_name_plural = _("gatherings dispersed")
        indexes = [models.Index(fields=["dispersed_at"], name="dispersal_at_idx")]

    def __str__(self) -> str:
        return self.place


# --------------------------------------------------------------------------- violations


class Violation(ScopedModel):
    """A breach of the prevention rules, and its referral to the police.

    Status: recorded → referred (time, station) → concluded (outcome). Each change is a row of
    the record's history, shown as the status timeline on its page.
    """

    class Kind(models.TextChoices):
        GATHERING = "gathering", _("gathering")
        GAMBLING = "gambling", _("gambling")
        RUMOUR = "rumour", _("rumour")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        RECORDED = "recorded", _("recorded")
        REFERRED = "referred", _("referred to the police")
        CONCLUDED = "concluded", _("concluded")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("occurred at"), validators=[validate_not_future])
    place = models.CharField(_("place"), max_length=100)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person (if registered)"),
    )
    others = models.CharField(
        _("other persons involved"),
        max_length=NAMES_MAX,
        blank=True,
        help_text=_("Names or descriptions, separated by 、; leave empty if unknown."),
    )
    description = models.TextField(_("what happened"), max_length=2000)
    action = models.CharField(_("action taken"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECORDED
    )
    referred_at = models.DateTimeField(_("referred at"), null=True, blank=True)
    police_station = models.CharField(_("police station"), max_length=100, blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        indexes = [models.Index(fields=["occurred_at"], name="violation_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.place}"

    def clean(self):
        errors: dict[str, str] = {}
        referred = self.status in (self.Status.REFERRED, self.Status.CONCLUDED)
        # A case concluded on the spot (education, a warning) needs no referral; one that was
        # referred, or is concluded after a referral, names when and to which station.
        gave_referral = bool(self.referred_at or self.police_station.strip())
        if self.status == self.Status.REFERRED or (referred and gave_referral):
            if not self.referred_at:
                errors["referred_at"] = _("Give the time of the referral to the police.")
            if not self.police_station.strip():
                errors["police_station"] = _("Name the police station it was referred to.")
        if not referred and (self.referred_at or self.police_station.strip()):
            errors["status"] = _("A referral was entered: set the status to referred.")
        if self.referred_at and self.occurred_at and self.referred_at < self.occurred_at:
            errors["referred_at"] = _("The referral cannot come before the violation.")
        if self.status == self.Status.CONCLUDED and not self.outcome.strip():
            errors["outcome"] = _("Say how the case was concluded.")
        if errors:
            raise ValidationError(errors)


# --------------------------------------------------------------------------- venues


class Venue(SensitiveFieldsMixin, ScopedModel):
    """A public venue the rules close: internet café, entertainment venue, religious site, …

    Whether it is closed is not a field: it follows from its orders (``VenueOrder``), so the
    status on a given day is the last order in force that day.
    """

    class Kind(models.TextChoices):
        NETBAR = "netbar", _("internet café")
        ENTERTAINMENT = "entertainment", _("entertainment venue")
        RELIGIOUS = "religious", _("religious site")
        MARKET = "market", _("market")
        OTHER = "other", _("other")

    SENSITIVE = {"operator_phone": ("operator_phone_bidx", "operator_phone_last4_bidx", "mobile")}

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=200)
    operating_since = models.DateField(
        _("operating since"),
        validators=[validate_not_future],
        help_text=_("When the venue opened; no closure order can start before it."),
    )
    operator_name = models.CharField(_("operator"), max_length=50, blank=True)
    operator_phone = EncryptedTextField(_("operator's mobile number"))
    operator_phone_bidx = models.CharField(max_length=64, blank=True, editable=False)
    operator_phone_last4_bidx = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "name"],
                condition=Q(deleted_at__isnull=True),
                name="venue_unique_live_name_in_area",
                violation_error_message=_("A venue of this name is already registered here."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class VenueOrder(DomainModel):
    """A closure order or a reopening approval of a venue; in its venue's area (scope path).

    Orders of one venue alternate, by effective date: closure, reopening, closure, … — the
    services refuse a reopening without an active closure and a closure of a closed venue.
    """

    scope_path = "venue__area__path"

    class Kind(models.TextChoices):
        CLOSURE = "closure", _("closure order")
        REOPENING = "reopening", _("reopening")

    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, related_name="orders", verbose_name=_("venue")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    effective_date = models.DateField(_("effective date"))
    issued_by = models.CharField(
        _("issuing or approving body"),
        max_length=100,
        help_text=_("E.g. the district's epidemic prevention command, the town government."),
    )
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-effective_date", "-id"]
        verbose_name = _("venue order")
        verbose_name_plural = _("venue orders")
        constraints = [
            # One order per venue and day: the day's status is then never ambiguous, and a
            # double submission of the same order is refused by the database as well.
            models.UniqueConstraint(
                fields=["venue", "effective_date"],
                name="venue_order_once_per_day",
                violation_error_message=_("This venue already has an order on this date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_date} {self.document_number}".strip()


class VenueInspection(DomainModel):
    """An inspection visit to a venue: is the closed venue really closed?"""

    scope_path = "venue__area__path"

    class Finding(models.TextChoices):
        COMPLIANT = "compliant", _("compliant")
        VIOLATION = "violation", _("violation")

    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("venue")
    )
    inspected_on = models.DateField(_("inspection date"), validators=[validate_not_future])
    inspector = models.CharField(_("inspector"), max_length=100)
    finding = models.CharField(_("finding"), max_length=10, choices=Finding.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = _("venue inspection")
        verbose_name_plural = _("venue inspections")

    def __str__(self) -> str:
        return f"{self.venue_id and self.venue} {self.inspected_on}"


# --------------------------------------------------------------------------- weddings, funerals


# The seeded arrangements' names (migration 0002), marked for translation: stored in English,
# shown in the reader's language.
SEEDED_ARRANGEMENTS = (
    gettext_noop("No funeral banquet"),
    gettext_noop("Close family only"),
    gettext_noop("No gathering for condolences"),
    gettext_noop("No band, opera or firecrackers"),
    gettext_noop("No funeral procession"),
    gettext_noop("Burial or cremation within three days"),
    gettext_noop("Masks and temperature checks for attendees"),
)


class Arrangement(models.Model):
    """One of the simplified funeral arrangements a family agrees to (a configurable list)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    sort = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("simplified arrangement")
        verbose_name_plural = _("simplified arrangements")

    def __str__(self) -> str:
        from django.utils.translation import gettext

        return gettext(self.name)


class Ceremony(ScopedModel):
    """A wedding, banquet or funeral registered with the village (红白喜事).

    Weddings and banquets are persuaded to postpone or cancel (when, by whom); funerals are
    held with simplified arrangements (ticked) and a count of attendees.
    """

    class Kind(models.TextChoices):
        WEDDING = "wedding", _("wedding")
        BANQUET = "banquet", _("banquet")
        FUNERAL = "funeral", _("funeral")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        POSTPONED = "postponed", _("postponed")
        CANCELLED = "cancelled", _("cancelled")
        HELD = "held", _("held")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    hosts = models.CharField(
        _("hosts"), max_length=NAMES_MAX, help_text=_("The host family's names, separated by 、")
    )
    planned_date = models.DateField(_("planned date"))
    place = models.CharField(_("place"), max_length=100)
    expected_guests = models.PositiveIntegerField(
        _("expected guests"), null=True, blank=True, validators=_count_validators()
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    decided_on = models.DateField(
        _("postponed or cancelled on"),
        null=True,
        blank=True,
        validators=[validate_not_future],
    )
    persuaded_by = models.CharField(
        _("persuaded by"),
        max_length=NAMES_MAX,
        blank=True,
        help_text=_("Who persuaded the family (names, separated by 、)."),
    )
    new_date = models.DateField(_("new date"), null=True, blank=True)
    arrangements = models.ManyToManyField(
        Arrangement,
        blank=True,
        related_name="+",
        verbose_name=_("simplified arrangements"),
    )
    attendees = models.PositiveIntegerField(
        _("attendees"), null=True, blank=True, validators=_count_validators()
    )

    class Meta:
        ordering = ["-planned_date", "-id"]
        verbose_name = _("wedding, banquet or funeral")
        verbose_name_plural = _("weddings, banquets and funerals")
        indexes = [models.Index(fields=["planned_date"], name="ceremony_planned_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.hosts}"

    @property
    def is_funeral(self) -> bool:
        return self.kind == self.Kind.FUNERAL

    def clean(self):
        errors: dict[str, str] = {}
        stopped = self.status in (self.Status.POSTPONED, self.Status.CANCELLED)
        if self.is_funeral and stopped:
            errors["status"] = _(
                "A funeral is not postponed or cancelled: record it as held, with the "
                "simplified arrangements."
            )
        if stopped:
            if not self.decided_on:
                errors["decided_on"] = _("Give the date the family agreed to postpone or cancel.")
            if not self.persuaded_by.strip():
                errors["persuaded_by"] = _("Name who persuaded the family.")
        elif self.status == self.Status.PLANNED and (self.decided_on or self.persuaded_by.strip()):
            # (A postponed wedding later held on its new date keeps when and who persuaded.)
            errors.setdefault(
                "status",
                _("A persuasion was entered: set the status to postponed or cancelled."),
            )
        if self.new_date:
            if self.status != self.Status.POSTPONED:
                errors["new_date"] = _("Only a postponed event has a new date.")
            elif self.planned_date and self.new_date <= self.planned_date:
                errors["new_date"] = _("The new date must come after the planned date.")
        if self.attendees and not (self.is_funeral and self.status == self.Status.HELD):
            errors["attendees"] = _("Attendees are counted for a funeral that was held.")
        if errors:
            raise ValidationError(errors)


class FollowUp(DomainModel):
    """A visit to the family after the registration: is the plan kept? (phones, in batches)."""

    scope_path = "ceremony__area__path"

    class Result(models.TextChoices):
        KEPT = "kept", _("plan kept")
        PERSUADED = "persuaded", _("family persuaded again")
        DISPERSED = "dispersed", _("gathering found and dispersed")
        OTHER = "other", _("other")

    ceremony = models.ForeignKey(
        Ceremony,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("wedding, banquet or funeral"),
    )
    visited_on = models.DateField(_("visit date"), validators=[validate_not_future])
    visitor = models.CharField(_("visitor"), max_length=100)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")

    def __str__(self) -> str:
        return f"{self.visited_on} {self.visitor}"

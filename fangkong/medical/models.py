"""Facilities, fever-clinic triage, referrals, cases, contact tracing, pharmacy and clinic
fever reports (嚴·抓診治).

Scoping. Facilities belong to an area (the district hospital to the district, a village clinic
to its village). Records made at a facility are scoped **through the facility**
(``facility__area__path``), and on top of that a user who is not allowed to see every facility
of their areas (``medical.view_all_facilities``: command office, commander, town officers) sees
only the records of the facilities they are a staff member of (``FacilityMember``): a pharmacist
sees their own pharmacy's reports, never the shop next door's (``selectors.member_filter``).

Cases belong to the patient's home area; a patient of **another jurisdiction** (received or
referred by the district's facilities) is recorded against ``home_jurisdiction`` and is never
counted as the district's own.
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


class Jurisdiction(ScopedModel):
    """Another jurisdiction (a neighbouring county or city) and its contact on record.

    A referral of a patient of that jurisdiction, or to a hospital in it, notifies this contact
    at once (``services.referral_create``). Kept by the district (area = the district)."""

    name = models.CharField(_("jurisdiction"), max_length=60)
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_unit = models.CharField(_("contact unit"), max_length=80, blank=True)
    # An official duty number, not a private person's: kept in clear, validated as a mobile.
    contact_phone = models.CharField(_("contact mobile number"), max_length=20)

    class Meta:
        ordering = ["name"]
        verbose_name = _("other jurisdiction")
        verbose_name_plural = _("other jurisdictions")
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(deleted_at__isnull=True),
                name="medical_jurisdiction_unique_name",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Facility(ScopedModel):
    class Kind(models.TextChoices):
        DISTRICT_HOSPITAL = "district_hospital", _("district hospital")
        HEALTH_CENTRE = "health_centre", _("town health centre")
        VILLAGE_CLINIC = "village_clinic", _("village clinic")
        PRIVATE_CLINIC = "private_clinic", _("private clinic")
        PHARMACY = "pharmacy", _("pharmacy")
        DESIGNATED = "designated", _("designated hospital")

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    fever_clinic = models.BooleanField(_("fever clinic"), default=False)
    observation_beds = models.PositiveIntegerField(_("observation beds"), default=0)
    # Empty: in this district. Otherwise the jurisdiction it lies in (a designated hospital of
    # the city): a referral there notifies that jurisdiction's contact.
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilities",
        verbose_name=_("other jurisdiction"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    active = models.BooleanField(_("open"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        permissions = [
            ("view_all_facilities", "Can see the records of every facility in their areas"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(deleted_at__isnull=True),
                name="medical_facility_unique_name",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def external(self) -> bool:
        return self.jurisdiction_id is not None


class FacilityMember(DomainModel):
    """A user working at a facility, with their role there."""

    class Role(models.TextChoices):
        DOCTOR = "doctor", _("doctor")
        NURSE = "nurse", _("nurse")
        PHARMACIST = "pharmacist", _("pharmacist")
        MANAGER = "manager", _("manager")

    scope_path = "facility__area__path"

    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="members", verbose_name=_("facility")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="facility_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["facility", "user"]
        verbose_name = _("facility staff member")
        verbose_name_plural = _("facility staff")
        constraints = [
            models.UniqueConstraint(fields=["facility", "user"], name="medical_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.facility}"


class EpiHistory(models.Model):
    """Epidemiological history fields shared by triage and clinic reports."""

    travel_wuhan = models.BooleanField(_("travelled to or from Wuhan"), default=False)
    travel_hubei = models.BooleanField(_("travelled to or from elsewhere in Hubei"), default=False)
    contact_case = models.BooleanField(_("contact with a case"), default=False)
    contact_key_person = models.BooleanField(_("contact with a key person"), default=False)
    cluster = models.BooleanField(_("part of a cluster"), default=False)

    class Meta:
        abstract = True

    @property
    def from_hubei(self) -> bool:
        return self.travel_wuhan or self.travel_hubei


class FeverVisit(EpiHistory, DomainModel):
    """Pre-screening triage (预检分诊) of a patient at a fever clinic or another facility."""

    class Assessment(models.TextChoices):
        ORDINARY = "ordinary", _("ordinary fever")
        SUSPECTED = "suspected", _("suspected case")

    class Disposition(models.TextChoices):
        HOME = "home", _("home, followed up by the grid")
        OBSERVATION = "observation", _("medical observation")
        ADMITTED = "admitted", _("admitted to observation beds")
        REFERRED = "referred", _("referred to a designated hospital")

    scope_path = "facility__area__path"

    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="fever_visits", verbose_name=_("facility")
    )
    patient = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("patient")
    )
    home_jurisdiction = models.ForeignKey(
        Jurisdiction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("patient of another jurisdiction"),
    )
    visited_at = models.DateTimeField(_("seen at"), default=timezone.now, blank=True)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    symptoms = models.CharField(_("symptoms"), max_length=200, blank=True)
    onset_date = models.DateField(_("onset date"), null=True, blank=True)
    assessment = models.CharField(
        _("assessment"), max_length=10, choices=Assessment.choices, default=Assessment.ORDINARY
    )
    disposition = models.CharField(_("disposition"), max_length=12, choices=Disposition.choices)
    referred_to = models.ForeignKey(
        Facility,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("referred to"),
    )
    clinical_notes = models.TextField(_("clinical notes"), blank=True)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("clinician"),
    )
    # What the disposition created (for tracing and the story's timeline).
    key_person = models.ForeignKey(
        "observation.KeyPerson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("key person"),
    )
    observation = models.ForeignKey(
        "observation.Observation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("medical observation"),
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = _("fever-clinic visit")
        verbose_name_plural = _("fever-clinic visits")
        indexes = [models.Index(fields=["visited_at"], name="medical_visit_at_idx")]

    def __str__(self) -> str:
        return f"{self.patient} · {self.facility}"


class Referral(DomainModel):
    """A patient sent from one facility to another, with handover and acknowledgement."""

    class Transport(models.TextChoices):
        NEGATIVE_PRESSURE = "negative_pressure", _("negative-pressure ambulance")
        AMBULANCE = "ambulance", _("ambulance (120)")
        FACILITY_VEHICLE = "facility_vehicle", _("facility vehicle")
        OWN = "own", _("own means, escorted")
        OTHER = "other", _("other")

    scope_path = "from_facility__area__path"

    patient = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("patient")
    )
    home_jurisdiction = models.ForeignKey(
        Jurisdiction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("patient of another jurisdiction"),
    )
    from_facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="referrals_out", verbose_name=_("from")
    )
    to_facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="referrals_in", verbose_name=_("to")
    )
    referred_at = models.DateTimeField(_("referred at"), default=timezone.now, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    transport = models.CharField(_("transport"), max_length=20, choices=Transport.choices)
    handover_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("receipt acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    # Who signed for the patient at a receiving facility outside the platform.
    receiver_name = models.CharField(_("received by"), max_length=50, blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("referred by"),
    )
    fever_visit = models.ForeignKey(
        FeverVisit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("fever-clinic visit"),
    )
    case = models.ForeignKey(
        "medical.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("case"),
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-referred_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["referred_at"], name="medical_referral_at_idx")]

    def __str__(self) -> str:
        return f"{self.patient} · {self.from_facility} → {self.to_facility}"


class JurisdictionNotice(DomainModel):
    """The proof that another jurisdiction was told: when, how, what, by whom."""

    class Channel(models.TextChoices):
        SMS = "sms", _("text message")
        PHONE = "phone", _("telephone")
        DOCUMENT = "document", _("official letter")

    scope_path = "referral__from_facility__area__path"

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="notices", verbose_name=_("referral")
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", verbose_name=_("jurisdiction")
    )
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact mobile number"), max_length=20)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    content = models.TextField(_("content"))
    notified_at = models.DateTimeField(_("notified at"), default=timezone.now)
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("notified by"),
    )
    sms = models.ForeignKey(
        "alerts.SmsMessage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("text message"),
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-notified_at", "-id"]
        verbose_name = _("notice to another jurisdiction")
        verbose_name_plural = _("notices to other jurisdictions")

    def __str__(self) -> str:
        return f"{self.jurisdiction} · {self.notified_at:%Y-%m-%d %H:%M}"


class Case(ScopedModel):
    """A suspected or confirmed case with the national direct-report card's fields.

    ``area`` is the patient's home area, or the district when the patient belongs to another
    jurisdiction (``home_jurisdiction``): such a case is the district's to handle, never to
    count as its own. Status changes go through ``services.case_transition`` only, each kept as
    a ``CaseTransition`` (who, when, why)."""

    class Status(models.TextChoices):
        SUSPECTED = "suspected", _("suspected")
        CONFIRMED = "confirmed", _("confirmed")
        EXCLUDED = "excluded", _("excluded")
        RECOVERED = "recovered", _("recovered")
        DIED = "died", _("died")

    class Severity(models.TextChoices):
        ASYMPTOMATIC = "asymptomatic", _("asymptomatic infection")
        MILD = "mild", _("mild")
        MODERATE = "moderate", _("moderate")
        SEVERE = "severe", _("severe")
        CRITICAL = "critical", _("critical")

    patient = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("patient")
    )
    home_jurisdiction = models.ForeignKey(
        Jurisdiction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("patient of another jurisdiction"),
    )
    status = models.CharField(
        _("case classification"), max_length=10, choices=Status.choices, default="suspected"
    )
    occupation = models.CharField(_("occupation"), max_length=40, blank=True)
    current_address = models.CharField(_("current address"), max_length=200, blank=True)
    onset_date = models.DateField(_("onset date"), null=True, blank=True)
    diagnosed_at = models.DateTimeField(_("diagnosed at"), default=timezone.now, blank=True)
    severity = models.CharField(
        _("clinical severity"), max_length=12, choices=Severity.choices, blank=True
    )
    reporting_facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="cases", verbose_name=_("reporting unit")
    )
    reporting_doctor = models.CharField(_("reporting doctor"), max_length=50, blank=True)
    reported_at = models.DateTimeField(_("report date"), default=timezone.now, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    clinical_notes = models.TextField(_("clinical notes"), blank=True)
    # The contact (of another case) this patient was: an edge of the chain of transmission.
    infected_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="infected",
        verbose_name=_("infected by case"),
    )
    fever_visit = models.ForeignKey(
        FeverVisit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name=_("fever-clinic visit"),
    )

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("classify_case", "Can confirm, exclude or close a case"),
            ("view_clinical_notes", "Can read clinical notes"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} · {self.get_status_display()}"

    @property
    def external(self) -> bool:
        return self.home_jurisdiction_id is not None


class CaseTransition(models.Model):
    """One status change of a case (the first one, from nothing to suspected, is the report)."""

    scope_path = "case__area__path"

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("case")
    )
    from_status = models.CharField(
        _("from"), max_length=10, choices=Case.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=10, choices=Case.Status.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.CharField(_("reason"), max_length=200)

    objects = ScopedManager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case status change")
        verbose_name_plural = _("case status changes")
        indexes = [models.Index(fields=["to_status", "at"], name="medical_transition_idx")]

    def __str__(self) -> str:
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"


class Contact(DomainModel):
    """A contact of a case, with exposure; under observation once ``key_person`` is set."""

    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("household")
        WORK = "work", _("work")
        TRAVEL = "travel", _("travel")
        OTHER = "other", _("other")

    scope_path = "case__area__path"

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("case")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    kind = models.CharField(_("kind of contact"), max_length=10, choices=Kind.choices)
    exposure_date = models.DateField(_("last exposure date"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    key_person = models.ForeignKey(
        "observation.KeyPerson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("key person"),
    )
    observed_at = models.DateTimeField(_("put under observation"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="medical_contact_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_kind_display()}"


class PharmacyReport(SensitiveFieldsMixin, DomainModel):
    """A buyer who asked a pharmacy for fever or cold medicine (which it may not sell)."""

    SENSITIVE = {
        "buyer_id_number": ("buyer_id_bidx", "buyer_id_last4_bidx", "resident_id"),
        "buyer_phone": ("buyer_phone_bidx", "buyer_phone_last4_bidx", "mobile"),
    }
    scope_path = "pharmacy__area__path"

    pharmacy = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        related_name="pharmacy_reports",
        verbose_name=_("pharmacy"),
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now, blank=True)
    buyer_name = models.CharField(_("buyer's name"), max_length=60)
    buyer_id_number = EncryptedTextField(_("buyer's resident ID number"))
    buyer_id_bidx = models.CharField(max_length=64, blank=True, editable=False)
    buyer_id_last4_bidx = models.CharField(max_length=64, blank=True, editable=False)
    buyer_phone = EncryptedTextField(_("buyer's mobile number"))
    buyer_phone_bidx = models.CharField(max_length=64, blank=True, editable=False)
    buyer_phone_last4_bidx = models.CharField(max_length=64, blank=True, editable=False)
    symptom = models.CharField(_("symptom"), max_length=100)
    medicine = models.CharField(_("medicine asked for"), max_length=100)
    # The registry's person, when the ID number or the phone number matched one.
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("matched person"),
        editable=False,
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("pharmacy report")
        verbose_name_plural = _("pharmacy reports")
        indexes = [models.Index(fields=["reported_at"], name="medical_pharmacy_at_idx")]

    def __str__(self) -> str:
        return f"{self.buyer_name} · {self.pharmacy}"


class ClinicReport(EpiHistory, DomainModel):
    """A village or private clinic's report of a fever patient, who is referred on."""

    scope_path = "facility__area__path"

    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="clinic_reports", verbose_name=_("clinic")
    )
    patient = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("patient")
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now, blank=True)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    symptoms = models.CharField(_("symptoms"), max_length=200, blank=True)
    onset_date = models.DateField(_("onset date"), null=True, blank=True)
    referral = models.ForeignKey(
        Referral,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("referral"),
    )
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("doctor"),
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("clinic fever report")
        verbose_name_plural = _("clinic fever reports")
        indexes = [models.Index(fields=["reported_at"], name="medical_clinic_at_idx")]

    def __str__(self) -> str:
        return f"{self.patient} · {self.facility}"


class HomeVisitTask(ScopedModel):
    """A home visit the grid worker owes someone a pharmacy or clinic reported.

    ``area`` is the person's grid (or the reporting facility's area when nobody matched)."""

    class Outcome(models.TextChoices):
        WELL = "well", _("at home, no fever")
        FEVER_REFERRED = "fever_referred", _("fever, sent to the fever clinic")
        OBSERVATION = "observation", _("already under observation")
        NOT_FOUND = "not_found", _("not found at home")
        OTHER = "other", _("other")

    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person"),
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    reason = models.CharField(_("reason"), max_length=200)
    pharmacy_report = models.ForeignKey(
        PharmacyReport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("pharmacy report"),
    )
    clinic_report = models.ForeignKey(
        ClinicReport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("clinic fever report"),
    )
    due_at = models.DateTimeField(_("due"))
    visited_at = models.DateTimeField(_("visited at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(_("outcome note"), max_length=200, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("visited by"),
    )

    class Meta:
        ordering = ["visited_at", "due_at", "id"]
        verbose_name = _("home-visit task")
        verbose_name_plural = _("home-visit tasks")

    def __str__(self) -> str:
        return f"{self.name} · {self.reason}"

    @property
    def done(self) -> bool:
        return self.visited_at is not None

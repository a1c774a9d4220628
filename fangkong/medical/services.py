"""Every write of the medical module: facilities and staff, triage, referrals and the notices to
other jurisdictions, cases and their transitions, contacts, pharmacy and clinic fever reports,
home-visit tasks.

Each write checks, before anything is stored, that the actor may make it **here**: records made
at a facility are made by its staff (``FacilityMember``), not by anyone holding the role in a
wider area; the article's rules (``rules.py``) say what each kind of facility may do. Alerts,
text messages, key persons and observations are consequences of the write and happen in the same
transaction (the alert or SMS commits or rolls back with it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.crypto import blind_index
from fangkong.core.models import AccessLog
from fangkong.core.scoping import covers, holds_anywhere
from fangkong.core.sensitive import log_access
from fangkong.core.services import create_record, soft_delete_record, update_record
from fangkong.core.validators import (
    is_fever,
    validate_mobile,
    validate_not_future,
    validate_resident_id,
    validate_temperature,
)
from fangkong.medical import rules
from fangkong.medical.models import (
    Case,
    CaseTransition,
    ClinicReport,
    Contact,
    Facility,
    FacilityMember,
    FeverVisit,
    HomeVisitTask,
    Jurisdiction,
    JurisdictionNotice,
    PharmacyReport,
    Referral,
)

VIEW_ALL = "medical.view_all_facilities"
CLASSIFY = "medical.classify_case"

# --------------------------------------------------------------------------- who works where


def sees_all_facilities(user) -> bool:
    """Whether ``user`` sees the records of every facility in their areas (command office,
    commander, town officers), rather than only those of the facilities they work at."""
    return bool(user.is_superuser or holds_anywhere(user, VIEW_ALL))


def member_facility_ids(user) -> set[int]:
    """Ids of the facilities where ``user`` is an active staff member (cached on the user)."""
    cached = getattr(user, "_fk_medical_facilities", None)
    if cached is None:
        cached = set(
            FacilityMember.objects.filter(
                user=user, active=True, facility__deleted_at__isnull=True
            ).values_list("facility_id", flat=True)
        )
        user._fk_medical_facilities = cached
    return cached


def require_staff(actor, facility: Facility, field: str = "facility") -> None:
    """Refuse unless ``actor`` works at ``facility`` (superusers excepted)."""
    if actor.is_superuser or facility.pk in member_facility_ids(actor):
        return
    raise ValidationError(
        {
            field: _(
                "You are not on the staff of %(facility)s: only its staff may record this "
                "there. Ask the command office to add you to the facility's staff."
            )
            % {"facility": facility}
        }
    )


def who(user) -> str:
    """A user as people know them: full name, else username."""
    if user is None:
        return "—"
    return getattr(user, "full_name", "") or user.get_full_name() or user.username


def district_of(area):
    """The top of ``area``'s tree (the district)."""
    node = area
    while node.parent_id is not None:
        node = node.parent
    return node


def _link(name: str, pk: int) -> str:
    return reverse(f"medical:{name}", args=[pk])


def _local(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")


def _when(value: dt.datetime | None, field: str) -> dt.datetime:
    value = value or timezone.now()
    try:
        validate_not_future(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    return value


# --------------------------------------------------------------------------- facilities

FACILITY_FIELDS = (
    "area",
    "name",
    "kind",
    "fever_clinic",
    "observation_beds",
    "jurisdiction",
    "address",
    "phone",
    "active",
)


def facility_check(*, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate as ``facility_create`` would, without writing."""
    fields = {k: v for k, v in data.items() if k in FACILITY_FIELDS}
    if fields.get("jurisdiction") and fields.get("kind") != Facility.Kind.DESIGNATED:
        raise ValidationError(
            {"jurisdiction": _("Only a designated hospital may lie in another jurisdiction.")}
        )
    if fields.get("name"):
        clash = Facility.objects.filter(name=fields["name"]).exclude(pk=exclude_pk)
        if clash.exists():
            raise ValidationError({"name": _("A facility of this name is already registered.")})
    Facility(**fields).full_clean(validate_constraints=False)
    return fields


@transaction.atomic
def facility_create(*, actor, data: dict[str, Any]) -> Facility:
    """Register a facility in one of the actor's areas."""
    return create_record(Facility, actor=actor, **facility_check(data=data))


@transaction.atomic
def facility_update(*, actor, obj: Facility, expected_version, data: dict) -> Facility:
    current = {name: getattr(obj, name) for name in FACILITY_FIELDS}
    checked = facility_check(data={**current, **data}, exclude_pk=obj.pk)
    changes = {k: checked[k] for k in data if k in checked}
    return update_record(obj, actor=actor, expected_version=expected_version, changes=changes)


def facility_delete(*, actor, obj, reason: str, expected_version) -> Facility:
    return soft_delete_record(obj, actor=actor, reason=reason, expected_version=expected_version)


MEMBER_FIELDS = ("facility", "user", "role", "active")


def staffable_users(actor):
    """Users the actor may put on a facility's staff: those holding a role in one of the
    actor's areas (a user of another town is neither listed nor accepted)."""
    from django.contrib.auth import get_user_model

    from fangkong.core.models import RoleGrant
    from fangkong.core.scoping import areas_for

    areas = areas_for(actor, "medical.add_facilitymember")
    granted = RoleGrant.objects.active().filter(area__in=areas).values("user_id")
    return get_user_model().objects.filter(pk__in=granted, is_active=True)


def member_check(*, actor, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate as ``member_create`` would: the user holds a role within the actor's areas."""
    fields = {k: v for k, v in data.items() if k in MEMBER_FIELDS}
    user = fields.get("user")
    if user is not None and not staffable_users(actor).filter(pk=user.pk).exists():
        raise ValidationError({"user": _("No such user in your area of responsibility.")})
    if fields.get("facility") and fields.get("user"):
        clash = FacilityMember.objects.filter(facility=fields["facility"], user=fields["user"])
        if clash.exclude(pk=exclude_pk).exists():
            raise ValidationError({"user": _("This user is already on the facility's staff.")})
    FacilityMember(**fields).full_clean(validate_constraints=False)
    return fields


@transaction.atomic
def member_create(*, actor, data: dict[str, Any]) -> FacilityMember:
    """Put a user on a facility's staff (the facility must be in the actor's areas)."""
    return create_record(FacilityMember, actor=actor, **member_check(actor=actor, data=data))


@transaction.atomic
def member_update(*, actor, obj, expected_version, data: dict) -> FacilityMember:
    current = {name: getattr(obj, name) for name in MEMBER_FIELDS}
    checked = member_check(actor=actor, data={**current, **data}, exclude_pk=obj.pk)
    changes = {k: checked[k] for k in data if k in checked}
    return update_record(obj, actor=actor, expected_version=expected_version, changes=changes)


JURISDICTION_FIELDS = ("area", "name", "contact_name", "contact_unit", "contact_phone")


def jurisdiction_check(*, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    fields = {k: v for k, v in data.items() if k in JURISDICTION_FIELDS}
    if fields.get("contact_phone"):
        try:
            fields["contact_phone"] = validate_mobile(fields["contact_phone"])
        except ValidationError as exc:
            raise ValidationError({"contact_phone": exc.messages}) from None
    if fields.get("name"):
        clash = Jurisdiction.objects.filter(name=fields["name"]).exclude(pk=exclude_pk)
        if clash.exists():
            raise ValidationError({"name": _("This jurisdiction is already on record.")})
    Jurisdiction(**fields).full_clean(validate_constraints=False)
    return fields


@transaction.atomic
def jurisdiction_create(*, actor, data: dict[str, Any]) -> Jurisdiction:
    """Record another jurisdiction and its contact."""
    return create_record(Jurisdiction, actor=actor, **jurisdiction_check(data=data))


@transaction.atomic
def jurisdiction_update(*, actor, obj, expected_version, data: dict) -> Jurisdiction:
    current = {name: getattr(obj, name) for name in JURISDICTION_FIELDS}
    checked = jurisdiction_check(data={**current, **data}, exclude_pk=obj.pk)
    changes = {k: checked[k] for k in data if k in checked}
    return update_record(obj, actor=actor, expected_version=expected_version, changes=changes)


# --------------------------------------------------------------------------- patients


def find_or_create_patient(
    *,
    actor,
    id_number: str = "",
    name: str = "",
    phone: str = "",
    area=None,
    purpose: str,
    ip: str | None = None,
):
    """The patient holding ``id_number`` anywhere in the district (``person_lookup``, logged
    and rate-limited), or a new person registered in ``area`` with ``name``/``phone``.

    A desk that may not browse the registry gets only this one person."""
    from fangkong.people.services import person_create, person_lookup

    number = (id_number or "").strip()
    if number:
        try:
            person = person_lookup(actor=actor, id_number=number, purpose=purpose, ip=ip)
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.messages}) from None
        if person is not None:
            return person
    if not (name or "").strip():
        raise ValidationError(
            {"name": _("Nobody is registered under this ID number: enter the patient's name.")}
            if number
            else {"id_number": _("Enter the patient's ID number, or their name to register them.")}
        )
    if area is None:
        raise ValidationError({"area": _("Choose where the patient lives or stays.")})
    data = {"name": name, "id_number": number, "phone": phone, "area": area}
    data["is_resident"] = False
    return person_create(actor=actor, data=data, ip=ip)


# --------------------------------------------------------------------------- referrals


def in_stored_language(func):
    """Compose stored texts (text messages, alerts, tasks) in the district's language
    (``LANGUAGE_CODE``), whatever language the writer's screen is in: the message to 沅江市
    is in Chinese even when the clerk works in English."""
    from functools import wraps

    from django.utils import translation

    @wraps(func)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return func(*args, **kwargs)

    return wrapper


@in_stored_language
def _notify_jurisdiction(*, actor, referral: Referral, jurisdiction: Jurisdiction, why: str):
    """Text the other jurisdiction's contact on record at once and keep the proof."""
    from fangkong.alerts.sms import queue_sms

    patient = referral.patient
    why = (
        _("A patient of your jurisdiction was received and referred")
        if why == "received"
        else _("A patient is being referred to a hospital of your jurisdiction")
    )
    content = _(
        "[%(district)s] %(why)s: patient %(name)s, referred at %(when)s from %(from)s to %(to)s. "
        "Please follow up (screening and control). Contact: %(sender)s, %(from)s."
    ) % {
        "district": district_of(referral.from_facility.area).name,
        "why": why,
        "name": patient.name,
        "when": _local(referral.referred_at),
        "from": referral.from_facility,
        "to": referral.to_facility,
        "sender": who(actor),
    }
    sms = queue_sms(
        phone=jurisdiction.contact_phone,
        text=content,
        template="medical_referral_notice",
        source=f"medical.referral:{referral.pk}",
        dedupe_key=f"medical.referral:{referral.pk}:notice:{jurisdiction.pk}",
    )
    return JurisdictionNotice.objects.create(
        referral=referral,
        jurisdiction=jurisdiction,
        contact_name=jurisdiction.contact_name,
        contact_phone=jurisdiction.contact_phone,
        channel=JurisdictionNotice.Channel.SMS,
        content=content,
        # "At once": with the referral (a back-dated referral is notified at its own time).
        notified_at=min(referral.referred_at, timezone.now()),
        notified_by=actor,
        sms=sms,
    )


REFERRAL_FIELDS = (
    "patient",
    "from_facility",
    "to_facility",
    "reason",
    "transport",
    "referred_at",
    "handover_at",
    "home_jurisdiction",
)


def referral_check(*, actor, data: dict[str, Any]) -> dict[str, Any]:
    """Validate a referral as ``referral_create`` would, without writing."""
    fields = {k: v for k, v in data.items() if k in REFERRAL_FIELDS}
    errors: dict[str, list] = {}
    src, dst = fields.get("from_facility"), fields.get("to_facility")
    if src is not None:
        try:
            require_staff(actor, src, "from_facility")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if src is not None and dst is not None and src.pk == dst.pk:
        errors.setdefault("to_facility", []).append(_("A patient is referred to another facility."))
    if dst is not None and dst.kind == Facility.Kind.PHARMACY:
        errors.setdefault("to_facility", []).append(_("A pharmacy does not receive patients."))
    fields["referred_at"] = fields.get("referred_at") or timezone.now()
    try:
        _when(fields["referred_at"], "referred_at")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if fields.get("handover_at") and fields["handover_at"] < fields["referred_at"]:
        errors.setdefault("handover_at", []).append(
            _("The handover cannot come before the referral.")
        )
    try:
        Referral(**fields).full_clean(exclude=["referred_by"], validate_constraints=False)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(m for m in messages if m not in errors.get(key, []))
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def referral_create(
    *, actor, data: dict[str, Any], fever_visit=None, case=None, check: bool = True
) -> Referral:
    """Refer a patient from the actor's facility to another one.

    Alerts the receiving facility's clinicians and the patient's home area (grid worker,
    village cadre); when the patient belongs to another jurisdiction, or the receiving hospital
    lies in one, that jurisdiction's contact on record is texted at once and the notice kept
    (``JurisdictionNotice``: when, channel, content, by whom)."""
    from fangkong.alerts.models import Alert
    from fangkong.alerts.services import raise_alert

    fields = referral_check(actor=actor, data=data) if check else data
    referral = Referral(**fields, referred_by=actor, fever_visit=fever_visit, case=case)
    referral._history_user = actor
    referral.save()
    patient, dst = referral.patient, referral.to_facility
    link = _link("referral_detail", referral.pk)
    source = f"medical.referral:{referral.pk}"
    title = _("Referral of %(name)s from %(from)s") % {
        "name": patient.name,
        "from": referral.from_facility,
    }
    body = _("Referred at %(when)s, %(transport)s. Reason: %(reason)s") % {
        "when": _local(referral.referred_at),
        "transport": referral.get_transport_display(),
        "reason": referral.reason,
    }
    if not dst.external:
        raise_alert(
            kind=Alert.Kind.REFERRAL,
            area=dst.area,
            roles=["clinician"],
            title=title,
            body=body,
            link=link,
            severity=Alert.Severity.URGENT,
            source=source,
            dedupe_key=f"{source}:receiving",
            raised_at=referral.referred_at,
        )
    if referral.home_jurisdiction_id is None:
        raise_alert(
            kind=Alert.Kind.REFERRAL,
            area=patient.area,
            roles=["grid_worker", "village_cadre"],
            title=_("%(name)s of your area was referred to %(to)s")
            % {"name": patient.name, "to": dst},
            body=body,
            link=link,
            source=source,
            dedupe_key=f"{source}:home",
            raised_at=referral.referred_at,
        )
    told = set()
    if referral.home_jurisdiction_id:
        _notify_jurisdiction(
            actor=actor,
            referral=referral,
            jurisdiction=referral.home_jurisdiction,
            why="received",
        )
        told.add(referral.home_jurisdiction_id)
    if dst.jurisdiction_id and dst.jurisdiction_id not in told:
        _notify_jurisdiction(
            actor=actor,
            referral=referral,
            jurisdiction=dst.jurisdiction,
            why="receiving",
        )
    return referral


@transaction.atomic
def referral_acknowledge(
    *, actor, referral: Referral, at: dt.datetime | None = None, receiver_name: str = ""
) -> Referral:
    """Record that the receiving facility took the patient over.

    The receiving facility's staff acknowledge; for a hospital outside the platform the
    referring staff record who signed for the patient. A second acknowledgement is refused."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.acknowledged_at is not None:
        who_ = locked.receiver_name or who(locked.acknowledged_by)
        raise ValidationError(
            _(
                "This referral was already acknowledged by %(who)s at %(when)s; it cannot be "
                "acknowledged twice."
            )
            % {"who": who_, "when": _local(locked.acknowledged_at)},
            code="already_acknowledged",
        )
    dst = locked.to_facility
    receiver_name = (receiver_name or "").strip()
    if dst.external or dst.pk not in member_facility_ids(actor) and not actor.is_superuser:
        if not dst.external:
            raise PermissionDenied(
                _("Only the staff of %(facility)s acknowledge receiving this patient.")
                % {"facility": dst}
            )
        require_staff(actor, locked.from_facility, "receiver_name")
        if not receiver_name:
            raise ValidationError(
                {
                    "receiver_name": _("Enter who at %(facility)s signed for the patient.")
                    % {"facility": dst}
                }
            )
    at = _when(at, "acknowledged_at")
    if at < locked.referred_at:
        raise ValidationError({"acknowledged_at": _("Receipt cannot come before the referral.")})
    locked.acknowledged_at = at
    locked.acknowledged_by = actor
    locked.receiver_name = receiver_name[:50]
    locked.handover_at = locked.handover_at or at
    locked.version += 1
    locked._history_user = actor
    locked.save()
    return locked


# --------------------------------------------------------------------------- triage

TRIAGE_EPI = ("travel_wuhan", "travel_hubei", "contact_case", "contact_key_person", "cluster")


def triage_check(*, actor, data: dict[str, Any]) -> dict[str, Any]:
    """Validate a triage as ``triage_create`` would, apart from finding the patient."""
    errors: dict[str, list] = {}
    facility = data.get("facility")
    if facility is None:
        raise ValidationError({"facility": _("Choose the facility.")})
    try:
        require_staff(actor, facility)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        temperature = validate_temperature(data.get("temperature"))
    except ValidationError as exc:
        errors["temperature"] = exc.messages
        temperature = None
    disposition = data.get("disposition") or ""
    assessment = data.get("assessment") or FeverVisit.Assessment.ORDINARY
    if temperature is not None:
        for field, message in rules.triage_refusals(
            facility=facility,
            fever=is_fever(temperature),
            from_hubei=bool(data.get("travel_wuhan") or data.get("travel_hubei")),
            assessment=assessment,
            disposition=disposition,
        ):
            errors.setdefault(field, []).append(message)
    if disposition == FeverVisit.Disposition.REFERRED:
        if not data.get("referred_to"):
            errors.setdefault("referred_to", []).append(_("Choose the hospital to refer to."))
        if not data.get("transport"):
            errors.setdefault("transport", []).append(_("Choose how the patient travels."))
    if data.get("onset_date"):
        try:
            validate_not_future(data["onset_date"])
        except ValidationError as exc:
            errors.setdefault("onset_date", []).extend(exc.messages)
    fields = {
        "facility": facility,
        "visited_at": data.get("visited_at") or timezone.now(),
        "temperature": temperature,
        "symptoms": data.get("symptoms", ""),
        "onset_date": data.get("onset_date"),
        "assessment": assessment,
        "disposition": disposition,
        "referred_to": data.get("referred_to")
        if disposition == FeverVisit.Disposition.REFERRED
        else None,
        "clinical_notes": data.get("clinical_notes", ""),
        "home_jurisdiction": data.get("home_jurisdiction"),
        **{k: bool(data.get(k)) for k in TRIAGE_EPI},
    }
    try:
        _when(fields["visited_at"], "visited_at")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        FeverVisit(**fields).full_clean(
            exclude=["patient", "clinician"], validate_constraints=False
        )
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            if key not in errors:
                errors[key] = messages
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def triage_create(*, actor, data: dict[str, Any], ip: str | None = None) -> FeverVisit:
    """Pre-screening triage (预检分诊): find or register the patient, check the article's rules,
    record the visit and carry out its disposition in one transaction.

    ``data``: facility, id_number (or patient), name/phone/area for a new patient, temperature,
    symptoms, onset_date, the epidemiological history flags, assessment, disposition,
    referred_to + transport (+ reason) for a referral, clinical_notes, home_jurisdiction,
    visited_at.

    - home: a home-visit task for the patient's grid worker (follow-up by the grid);
    - observation: a key person (category fever, source clinic) under home observation,
      through ``observation.services`` (on behalf: the clinician never sees the grid);
    - admitted: kept in the facility's observation beds;
    - referred: a referral, with its alerts and notices.

    A suspected assessment reports a suspected case (``case_report``)."""
    fields = triage_check(actor=actor, data=data)
    patient = data.get("patient") or find_or_create_patient(
        actor=actor,
        id_number=data.get("id_number", ""),
        name=data.get("name", ""),
        phone=data.get("phone", ""),
        area=data.get("area"),
        purpose="fever clinic triage",
        ip=ip,
    )
    visit = FeverVisit(**fields, patient=patient, clinician=actor)
    visit._history_user = actor
    visit.save()
    facility = visit.facility
    case = None
    if visit.assessment == FeverVisit.Assessment.SUSPECTED:
        case = case_report(
            actor=actor,
            data={
                "patient": patient,
                "reporting_facility": facility,
                "home_jurisdiction": visit.home_jurisdiction,
                "onset_date": visit.onset_date,
                "diagnosed_at": visit.visited_at,
                "reported_at": visit.visited_at,
                "clinical_notes": visit.clinical_notes,
                "occupation": data.get("occupation", ""),
            },
            fever_visit=visit,
        )
    if visit.disposition == FeverVisit.Disposition.OBSERVATION:
        from fangkong.observation import services as obs

        key_person, _created = obs.register_key_person(
            actor=actor,
            person=patient,
            category="fever",
            source="clinic",
            source_ref=f"medical.fevervisit:{visit.pk}",
            note=_("Fever-clinic triage at %(facility)s") % {"facility": facility},
            identified_at=visit.visited_at,
            on_behalf=True,
        )
        observation, _created = obs.start_observation(
            actor=actor,
            key_person=key_person,
            start_date=timezone.localtime(visit.visited_at).date(),
            started_at=visit.visited_at,
            on_behalf=True,
        )
        visit.key_person, visit.observation = key_person, observation
        visit.save(update_fields=["key_person", "observation"])
    elif visit.disposition == FeverVisit.Disposition.HOME:
        _home_visit_task(
            person=patient,
            area=patient.area,
            reason=_("Follow-up after a fever-clinic visit at %(facility)s")
            % {"facility": facility},
            since=visit.visited_at,
        )
    elif visit.disposition == FeverVisit.Disposition.REFERRED:
        referral_create(
            actor=actor,
            data={
                "patient": patient,
                "from_facility": facility,
                "to_facility": visit.referred_to,
                "reason": data.get("reason")
                or (_("suspected case") if case else _("fever, referred after triage")),
                "transport": data.get("transport"),
                "referred_at": visit.visited_at,
                "home_jurisdiction": visit.home_jurisdiction,
            },
            fever_visit=visit,
            case=case,
        )
    return visit


# --------------------------------------------------------------------------- cases

# Which classification may follow which. An excluded case is re-assessed as suspected (with the
# new assessment as the reason) before it can be confirmed.
TRANSITIONS = {
    Case.Status.SUSPECTED: {Case.Status.CONFIRMED, Case.Status.EXCLUDED},
    Case.Status.EXCLUDED: {Case.Status.SUSPECTED},
    Case.Status.CONFIRMED: {Case.Status.RECOVERED, Case.Status.DIED},
    Case.Status.RECOVERED: set(),
    Case.Status.DIED: set(),
}

CASE_FIELDS = (
    "patient",
    "home_jurisdiction",
    "occupation",
    "current_address",
    "onset_date",
    "diagnosed_at",
    "severity",
    "reporting_facility",
    "reporting_doctor",
    "reported_at",
    "clinical_notes",
    "infected_by",
)


@transaction.atomic
def case_report(*, actor, data: dict[str, Any], fever_visit=None) -> Case:
    """Report a suspected case (the direct-report card), by the reporting facility's staff.

    The case lies in the patient's home area, or in the district when the patient belongs to
    another jurisdiction (then never counted as the district's own)."""
    from fangkong.alerts.models import Alert
    from fangkong.alerts.services import raise_alert

    fields = {k: v for k, v in data.items() if k in CASE_FIELDS}
    facility = fields.get("reporting_facility")
    if facility is None:
        raise ValidationError({"reporting_facility": _("Choose the reporting unit.")})
    require_staff(actor, facility, "reporting_facility")
    patient = fields["patient"]
    fields.setdefault("current_address", patient.current_address)
    fields["current_address"] = fields["current_address"] or patient.current_address
    fields["reporting_doctor"] = fields.get("reporting_doctor") or who(actor)
    now = timezone.now()
    fields["reported_at"] = _when(fields.get("reported_at") or now, "reported_at")
    fields["diagnosed_at"] = fields.get("diagnosed_at") or fields["reported_at"]
    external = fields.get("home_jurisdiction") is not None
    area = district_of(facility.area) if external else patient.area
    case = Case(
        **fields,
        area=area,
        status=Case.Status.SUSPECTED,
        status_changed_at=fields["reported_at"],
        fever_visit=fever_visit,
    )
    case.full_clean(validate_constraints=False)
    case._history_user = actor
    case.save()
    CaseTransition.objects.create(
        case=case,
        from_status="",
        to_status=Case.Status.SUSPECTED,
        at=case.reported_at,
        by=actor,
        reason=_("reported by %(facility)s") % {"facility": facility},
    )
    raise_alert(
        kind=Alert.Kind.CASE_STATUS,
        area=district_of(area),
        roles=["command_office", "district_commander"],
        title=_("Suspected case reported by %(facility)s") % {"facility": facility},
        body=_("Patient of another jurisdiction (%(j)s).") % {"j": case.home_jurisdiction}
        if external
        else "",
        link=_link("case_detail", case.pk),
        severity=Alert.Severity.URGENT,
        source=f"medical.case:{case.pk}",
        dedupe_key=f"medical.case:{case.pk}:suspected",
        raised_at=case.reported_at,
    )
    return case


@transaction.atomic
def case_transition(
    *,
    actor,
    case: Case,
    to_status: str,
    reason: str,
    at: dt.datetime | None = None,
    severity: str | None = None,
) -> Case:
    """Move a case to ``to_status`` (confirmed, excluded, recovered, died, or back to suspected
    after an exclusion), by someone holding ``medical.classify_case`` over it, with a reason;
    kept as a ``CaseTransition`` and in the case's change history. An illegal transition is
    refused with the reason why."""
    from fangkong.alerts.models import Alert
    from fangkong.alerts.services import raise_alert

    if not covers(actor, CLASSIFY, case):
        raise PermissionDenied(_("You may not change the classification of this case."))
    locked = Case.objects.select_for_update().get(pk=case.pk)
    current = Case.Status(locked.status)
    try:
        target = Case.Status(to_status)
    except ValueError:
        raise ValidationError({"to_status": _("Choose a valid classification.")}) from None
    if target not in TRANSITIONS[current]:
        if current == Case.Status.EXCLUDED and target == Case.Status.CONFIRMED:
            message = _(
                "An excluded case cannot be confirmed directly: re-assess it as suspected first "
                "(give the new assessment as the reason), then confirm it."
            )
        elif not TRANSITIONS[current]:
            message = _("The case is %(current)s: its classification is final.") % {
                "current": current.label
            }
        else:
            message = _(
                "A %(current)s case cannot become %(target)s; it can become: %(allowed)s."
            ) % {
                "current": current.label,
                "target": target.label,
                "allowed": "、".join(str(s.label) for s in sorted(TRANSITIONS[current])),
            }
        raise ValidationError({"to_status": message}, code="illegal_transition")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason (the assessment or test result).")})
    at = _when(at, "at")
    if at < locked.status_changed_at:
        raise ValidationError(
            {
                "at": _("The change cannot come before the case's last change (%(when)s).")
                % {"when": _local(locked.status_changed_at)}
            }
        )
    locked.status = target
    locked.status_changed_at = at
    if severity:
        locked.severity = severity
    if target == Case.Status.CONFIRMED:
        locked.diagnosed_at = at
    locked.version += 1
    locked._history_user = actor
    locked._change_reason = reason[:100]
    locked.full_clean(validate_constraints=False)
    locked.save()
    CaseTransition.objects.create(
        case=locked, from_status=current, to_status=target, at=at, by=actor, reason=reason[:200]
    )
    raise_alert(
        kind=Alert.Kind.CASE_STATUS,
        area=district_of(locked.area),
        roles=["command_office", "district_commander"],
        title=_("Case of %(name)s: %(from)s → %(to)s")
        % {"name": locked.patient.name, "from": current.label, "to": target.label},
        body=reason,
        link=_link("case_detail", locked.pk),
        severity=Alert.Severity.URGENT
        if target == Case.Status.CONFIRMED
        else Alert.Severity.WARNING,
        source=f"medical.case:{locked.pk}",
        raised_at=at,
    )
    return locked


# --------------------------------------------------------------------------- contacts


@transaction.atomic
def contact_add(
    *,
    actor,
    case: Case,
    person,
    kind: str,
    exposure_date: dt.date,
    note: str = "",
) -> Contact:
    """List ``person`` as a contact of ``case`` (once per case)."""
    if not covers(actor, "medical.add_contact", case):
        raise PermissionDenied(_("You may not trace contacts of this case."))
    if person.pk == case.patient_id:
        raise ValidationError({"person": _("The patient is not their own contact.")})
    if exposure_date:
        try:
            validate_not_future(exposure_date)
        except ValidationError as exc:
            raise ValidationError({"exposure_date": exc.messages}) from None
    contact = Contact(case=case, person=person, kind=kind, exposure_date=exposure_date, note=note)
    contact.full_clean(validate_constraints=False)
    if Contact.objects.filter(case=case, person=person).exists():
        raise ValidationError(
            {"person": _("%(name)s is already a contact of this case.") % {"name": person.name}}
        )
    contact._history_user = actor
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        raise ValidationError(
            {"person": _("%(name)s is already a contact of this case.") % {"name": person.name}}
        ) from None
    return contact


@transaction.atomic
def contacts_from_household(*, actor, case: Case, exposure_date: dt.date) -> list[Contact]:
    """List every member of the patient's household as a household contact (not yet listed)."""
    from fangkong.people.models import Person

    patient = case.patient
    if not patient.household_id:
        raise ValidationError(_("The patient has no household on record."))
    listed = set(case.contacts.values_list("person_id", flat=True))
    fellows = Person.objects.filter(household_id=patient.household_id).exclude(pk=patient.pk)
    return [
        contact_add(
            actor=actor,
            case=case,
            person=p,
            kind=Contact.Kind.HOUSEHOLD,
            exposure_date=exposure_date,
        )
        for p in fellows.order_by("id")
        if p.pk not in listed
    ]


@transaction.atomic
def contacts_observe(
    *, actor, case: Case, contacts: list[Contact], at: dt.datetime | None = None
) -> list[Contact]:
    """Put the chosen contacts under observation in one action: each becomes a key person
    (category close contact, last exposure date, source contact tracing) under home
    observation. A contact already observed is left as it is."""
    from fangkong.observation import services as obs

    if not covers(actor, "medical.change_contact", case):
        raise PermissionDenied(_("You may not put contacts of this case under observation."))
    if not contacts:
        raise ValidationError(_("Choose the contacts to put under observation."))
    at = _when(at, "at")
    done = []
    for contact in contacts:
        if contact.case_id != case.pk:
            raise ValidationError(_("A chosen contact belongs to another case."))
        if contact.key_person_id:
            continue
        key_person, _created = obs.register_key_person(
            actor=actor,
            person=contact.person,
            category="close_contact",
            source="contact_tracing",
            last_exposure_date=contact.exposure_date,
            source_ref=f"medical.contact:{contact.pk}",
            note=_("Contact (%(kind)s) of a case reported by %(facility)s")
            % {"kind": contact.get_kind_display(), "facility": case.reporting_facility},
            identified_at=at,
            on_behalf=True,
        )
        obs.start_observation(
            actor=actor,
            key_person=key_person,
            start_date=timezone.localtime(at).date(),
            started_at=at,
            on_behalf=True,
        )
        contact.key_person = key_person
        contact.observed_at = at
        contact.version += 1
        contact._history_user = actor
        contact.save(update_fields=["key_person", "observed_at", "version", "updated_at"])
        done.append(contact)
    return done


# --------------------------------------------------------------------------- home visits


def _home_visit_task(*, person, area, reason: str, since: dt.datetime, **links) -> HomeVisitTask:
    hours = settings.FANGKONG_HOME_VISIT_HOURS
    name = links.pop("name", "")
    task = HomeVisitTask(
        person=person,
        name=person.name if person else name,
        area=area,
        reason=reason[:200],
        due_at=since + dt.timedelta(hours=hours),
        created_at=since,
        **links,
    )
    task.save()
    return task


HOME_VISIT_FIELDS = ("visited_at", "outcome", "outcome_note")


@transaction.atomic
def home_visit_record(
    *, actor, obj: HomeVisitTask, expected_version: int | None, data: dict
) -> HomeVisitTask:
    """The grid worker's visit: when, and what they found."""
    fields = {k: v for k, v in data.items() if k in HOME_VISIT_FIELDS}
    fields["visited_at"] = fields.get("visited_at") or obj.visited_at or timezone.now()
    errors = {}
    try:
        _when(fields["visited_at"], "visited_at")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not fields.get("outcome", obj.outcome):
        errors["outcome"] = [_("Say what you found at the visit.")]
    if errors:
        raise ValidationError(errors)
    fields["visited_by"] = actor
    return update_record(obj, actor=actor, expected_version=expected_version, changes=fields)


# --------------------------------------------------------------------------- pharmacy reports

PHARMACY_FIELDS = (
    "pharmacy",
    "reported_at",
    "buyer_name",
    "buyer_id_number",
    "buyer_phone",
    "symptom",
    "medicine",
)


def pharmacy_report_check(*, actor, data: dict[str, Any], exclude_pk=None) -> dict[str, Any]:
    """Validate a pharmacy report as ``pharmacy_report_create`` would, without writing:
    the actor works at the pharmacy, and the buyer gave an ID number or a phone number."""
    fields = {k: v for k, v in data.items() if k in PHARMACY_FIELDS}
    errors: dict[str, list] = {}
    pharmacy = fields.get("pharmacy")
    if pharmacy is not None:
        if pharmacy.kind != Facility.Kind.PHARMACY:
            errors["pharmacy"] = [_("Choose a pharmacy.")]
        else:
            try:
                require_staff(actor, pharmacy, "pharmacy")
            except ValidationError as exc:
                errors.update(exc.message_dict)
    number = (fields.get("buyer_id_number") or "").strip()
    phone = (fields.get("buyer_phone") or "").strip()
    if not number and not phone:
        message = _("Enter the buyer's ID number or mobile number: one of them is required.")
        errors.setdefault("buyer_id_number", []).append(message)
        errors.setdefault("buyer_phone", []).append(message)
    if number:
        try:
            fields["buyer_id_number"] = validate_resident_id(number).number
        except ValidationError as exc:
            errors.setdefault("buyer_id_number", []).extend(exc.messages)
    if phone:
        try:
            fields["buyer_phone"] = validate_mobile(phone)
        except ValidationError as exc:
            errors.setdefault("buyer_phone", []).extend(exc.messages)
    fields["reported_at"] = fields.get("reported_at") or timezone.now()
    try:
        _when(fields["reported_at"], "reported_at")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        PharmacyReport(**fields).full_clean(validate_constraints=False)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(m for m in messages if m not in errors[key])
    if errors:
        raise ValidationError(errors)
    return fields


def match_buyer(*, actor, report: PharmacyReport, ip: str | None = None):
    """The registry's person the buyer is: by ID number (``person_lookup``), else by phone
    number (blind index; only when exactly one person has it). Both are in the access log."""
    from fangkong.people.models import Person
    from fangkong.people.services import person_lookup

    if report.buyer_id_number:
        person = person_lookup(
            actor=actor,
            id_number=report.buyer_id_number,
            purpose="pharmacy fever-medicine report",
            ip=ip,
        )
        if person is not None:
            return person
    if report.buyer_phone:
        found = list(
            Person.objects.filter(
                phone_bidx=blind_index(report.buyer_phone, "mobile")
            ).select_related("area")[:2]
        )
        if len(found) == 1:
            log_access(
                actor=actor,
                subjects=found,
                action=AccessLog.Action.SEARCH,
                fields=["phone"],
                reason="lookup: pharmacy fever-medicine report (phone)",
                ip=ip,
            )
            return found[0]
    return None


@in_stored_language
def pharmacy_report_followup(*, actor, report: PharmacyReport, ip: str | None = None) -> None:
    """What a pharmacy report sets off: the buyer matched in the registry, a home-visit task for
    their grid worker (or for the pharmacy's area when nobody matched) and an alert there."""
    from fangkong.alerts.models import Alert
    from fangkong.alerts.services import raise_alert

    person = match_buyer(actor=actor, report=report, ip=ip)
    if person is not None and report.person_id != person.pk:
        report.person = person
        PharmacyReport.objects.filter(pk=report.pk).update(person=person)
    area = person.area if person is not None else report.pharmacy.area
    task = _home_visit_task(
        person=person,
        area=area,
        name=report.buyer_name,
        reason=_("Asked %(pharmacy)s for %(medicine)s (%(symptom)s)")
        % {"pharmacy": report.pharmacy, "medicine": report.medicine, "symptom": report.symptom},
        since=report.reported_at,
        pharmacy_report=report,
    )
    raise_alert(
        kind=Alert.Kind.PHARMACY_REPORT,
        area=area,
        roles=["grid_worker", "village_cadre"],
        title=_("Visit %(name)s: asked a pharmacy for fever medicine")
        % {"name": report.buyer_name},
        body=task.reason,
        link=_link("homevisittask_detail", task.pk),
        source=f"medical.pharmacyreport:{report.pk}",
        dedupe_key=f"medical.pharmacyreport:{report.pk}",
        raised_at=report.reported_at,
    )


@transaction.atomic
def pharmacy_report_create(*, actor, data: dict[str, Any], ip: str | None = None) -> PharmacyReport:
    """Register a buyer who asked for fever or cold medicine (which the pharmacy may not sell)
    and send their grid worker to visit them."""
    fields = pharmacy_report_check(actor=actor, data=data)
    report = create_record(PharmacyReport, actor=actor, **fields)
    pharmacy_report_followup(actor=actor, report=report, ip=ip)
    return report


# --------------------------------------------------------------------------- clinic reports


def fever_clinic_for(facility: Facility) -> Facility | None:
    """The fever clinic a clinic's patients go to: the district hospital's."""
    return (
        Facility.objects.filter(
            kind=Facility.Kind.DISTRICT_HOSPITAL, fever_clinic=True, active=True
        )
        .order_by("id")
        .first()
    )


@transaction.atomic
def clinic_report_create(*, actor, data: dict[str, Any], ip: str | None = None) -> ClinicReport:
    """A village or private clinic reports a fever patient and refers them to the fever clinic.

    The referral alerts the fever clinic's clinicians; the report alerts the patient's grid.
    A clinic may not keep a fever patient (the article), so there is no other outcome."""
    from fangkong.alerts.models import Alert
    from fangkong.alerts.services import raise_alert

    facility = data.get("facility")
    errors: dict[str, list] = {}
    if facility is None:
        raise ValidationError({"facility": _("Choose your clinic.")})
    if facility.kind not in rules.REPORTING_CLINICS:
        errors["facility"] = [_("Fever reports are made by village, private and town clinics.")]
    try:
        require_staff(actor, facility)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        temperature = validate_temperature(data.get("temperature"))
    except ValidationError as exc:
        errors["temperature"] = exc.messages
        temperature = None
    target = data.get("to_facility") or fever_clinic_for(facility)
    if target is None:
        errors.setdefault("to_facility", []).append(_("No fever clinic is on record to refer to."))
    elif (
        (data.get("travel_wuhan") or data.get("travel_hubei"))
        and temperature is not None
        and is_fever(temperature)
        and target.kind not in rules.hubei_triage_kinds()
    ):
        errors.setdefault("to_facility", []).append(rules.hubei_message())
    if not data.get("transport"):
        errors.setdefault("transport", []).append(_("Choose how the patient travels."))
    reported_at = data.get("reported_at") or timezone.now()
    try:
        _when(reported_at, "reported_at")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    patient = data.get("patient") or find_or_create_patient(
        actor=actor,
        id_number=data.get("id_number", ""),
        name=data.get("name", ""),
        phone=data.get("phone", ""),
        area=data.get("area") or facility.area,
        purpose="clinic fever report",
        ip=ip,
    )
    report = ClinicReport(
        facility=facility,
        patient=patient,
        reported_at=reported_at,
        temperature=temperature,
        symptoms=data.get("symptoms", ""),
        onset_date=data.get("onset_date"),
        doctor=actor,
        **{k: bool(data.get(k)) for k in TRIAGE_EPI},
    )
    report.full_clean(validate_constraints=False)
    report._history_user = actor
    report.save()
    referral = referral_create(
        actor=actor,
        data={
            "patient": patient,
            "from_facility": facility,
            "to_facility": target,
            "reason": _("fever %(t)s °C reported by %(clinic)s")
            % {"t": temperature, "clinic": facility},
            "transport": data["transport"],
            "referred_at": reported_at,
        },
    )
    report.referral = referral
    report.save(update_fields=["referral"])
    raise_alert(
        kind=Alert.Kind.CLINIC_REPORT,
        area=target.area,
        roles=["clinician"],
        title=_("Fever patient reported by %(clinic)s") % {"clinic": facility},
        body=_("%(name)s, %(t)s °C, %(symptoms)s")
        % {"name": patient.name, "t": temperature, "symptoms": report.symptoms or "—"},
        link=_link("clinicreport_detail", report.pk),
        severity=Alert.Severity.URGENT,
        source=f"medical.clinicreport:{report.pk}",
        dedupe_key=f"medical.clinicreport:{report.pk}:clinic",
        raised_at=reported_at,
    )
    raise_alert(
        kind=Alert.Kind.CLINIC_REPORT,
        area=patient.area,
        roles=["grid_worker", "village_cadre"],
        title=_("%(name)s of your area has a fever and was referred") % {"name": patient.name},
        body=_("Reported by %(clinic)s, referred to %(to)s.") % {"clinic": facility, "to": target},
        link=_link("clinicreport_detail", report.pk),
        source=f"medical.clinicreport:{report.pk}",
        dedupe_key=f"medical.clinicreport:{report.pk}:grid",
        raised_at=reported_at,
    )
    return report

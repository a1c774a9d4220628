"""The medical API under /api/v1/: the kit's routes for every list (scoped by area and by the
facilities the caller works at; masked), the pharmacy-report batch for the phone app, and the
desks' own writes (triage, clinic reports, acknowledgement, case transitions, contacts)."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from fangkong.core.api_auth import scoped_get
from fangkong.core.api_schemas import MAX_DB_ID, OBJECT_ERROR_RESPONSES
from fangkong.core.idempotency import IDEMPOTENCY_OPENAPI, idempotent
from fangkong.core.kit.api import KitApi, kit_router, related_one
from fangkong.core.scoping import covers
from fangkong.core.signals import client_ip
from fangkong.medical import kit, selectors, services
from fangkong.medical.models import (
    Case,
    ClinicReport,
    Contact,
    Facility,
    FeverVisit,
    Jurisdiction,
    Referral,
)

router = Router(tags=["medical"])

visit_api = KitApi(kit.fever_visit_kit, getter=kit.getter_for(FeverVisit))
referral_api = KitApi(kit.referral_kit, getter=kit.getter_for(Referral))
case_api = KitApi(kit.case_kit, getter=kit.getter_for(Case))
clinic_api = KitApi(kit.clinic_report_kit, getter=kit.getter_for(ClinicReport))


class PatientIn(Schema):
    id_number: str = ""
    name: str = ""
    phone: str = ""
    area_id: int | None = None


class TriageIn(PatientIn):
    facility_id: int
    temperature: Decimal
    symptoms: str = ""
    onset_date: dt.date | None = None
    travel_wuhan: bool = False
    travel_hubei: bool = False
    contact_case: bool = False
    contact_key_person: bool = False
    cluster: bool = False
    home_jurisdiction_id: int | None = None
    occupation: str = ""
    assessment: str = FeverVisit.Assessment.ORDINARY
    disposition: str
    referred_to_id: int | None = None
    transport: str = ""
    reason: str = ""
    clinical_notes: str = ""
    visited_at: dt.datetime | None = None


class ClinicReportIn(PatientIn):
    facility_id: int
    temperature: Decimal
    symptoms: str = ""
    onset_date: dt.date | None = None
    travel_wuhan: bool = False
    travel_hubei: bool = False
    contact_case: bool = False
    contact_key_person: bool = False
    cluster: bool = False
    to_facility_id: int | None = None
    transport: str
    reported_at: dt.datetime | None = None


class ReferralIn(Schema):
    patient_id: int
    from_facility_id: int
    to_facility_id: int
    reason: str
    transport: str
    referred_at: dt.datetime | None = None
    handover_at: dt.datetime | None = None
    home_jurisdiction_id: int | None = None


class AcknowledgeIn(Schema):
    receiver_name: str = ""
    at: dt.datetime | None = None


class TransitionIn(Schema):
    to_status: str
    reason: str
    at: dt.datetime | None = None
    severity: str | None = None


class ObserveIn(Schema):
    contact_ids: list[int]
    at: dt.datetime | None = None


class ObservedOut(Schema):
    observed: list[int]


class NotesOut(Schema):
    id: int
    clinical_notes: str


class ChainOut(Schema):
    nodes: list[dict]
    links: list[dict]


def _facility(actor, pk):
    # Any registered facility may be named (referral targets lie outside the caller's areas);
    # the service decides whether the caller works there.
    try:
        return Facility.objects.get(pk=pk)
    except Facility.DoesNotExist:
        raise ValidationError({"facility_id": _("No such facility.")}) from None


def _patient_data(actor, payload) -> dict:
    data = payload.dict()
    area_id = data.pop("area_id", None)
    if area_id:
        from fangkong.places.models import Area

        data["area"] = related_one(actor, Area, area_id)
    return data


def _jurisdiction(pk):
    if pk is None:
        return None
    try:
        return Jurisdiction.objects.get(pk=pk)
    except Jurisdiction.DoesNotExist:
        raise ValidationError({"home_jurisdiction_id": _("No such jurisdiction.")}) from None


@router.post(
    "/fever-visits",
    response={201: visit_api.output, **OBJECT_ERROR_RESPONSES},
    openapi_extra=IDEMPOTENCY_OPENAPI,
    summary="Pre-screening triage (finds the patient by ID number or registers them)",
)
@idempotent(visit_api.output)
def triage(request, payload: TriageIn):
    actor = request.auth
    data = _patient_data(actor, payload)
    data["facility"] = _facility(actor, data.pop("facility_id"))
    data["home_jurisdiction"] = _jurisdiction(data.pop("home_jurisdiction_id"))
    ref = data.pop("referred_to_id")
    data["referred_to"] = _facility(actor, ref) if ref else None
    if not actor.has_perm("medical.add_fevervisit"):
        raise HttpError(403, _("You may not triage patients."))
    visit = services.triage_create(actor=actor, data=data, ip=client_ip(request))
    return Status(201, visit)


@router.post(
    "/clinic-reports",
    response={201: clinic_api.output, **OBJECT_ERROR_RESPONSES},
    openapi_extra=IDEMPOTENCY_OPENAPI,
    summary="A clinic reports a fever patient and refers them to the fever clinic",
)
@idempotent(clinic_api.output)
def clinic_report(request, payload: ClinicReportIn):
    actor = request.auth
    if not actor.has_perm("medical.add_clinicreport"):
        raise HttpError(403, _("You may not report fever patients."))
    data = _patient_data(actor, payload)
    data["facility"] = _facility(actor, data.pop("facility_id"))
    to = data.pop("to_facility_id")
    data["to_facility"] = _facility(actor, to) if to else None
    report = services.clinic_report_create(actor=actor, data=data, ip=client_ip(request))
    return Status(201, report)


@router.post(
    "/referrals",
    response={201: referral_api.output, **OBJECT_ERROR_RESPONSES},
    openapi_extra=IDEMPOTENCY_OPENAPI,
    summary="Refer a patient from your facility to another one",
)
@idempotent(referral_api.output)
def refer(request, payload: ReferralIn):
    from fangkong.people.models import Person

    actor = request.auth
    if not actor.has_perm("medical.add_referral"):
        raise HttpError(403, _("You may not refer patients."))
    data = payload.dict()
    data["patient"] = related_one(actor, Person, data.pop("patient_id"))
    data["from_facility"] = _facility(actor, data.pop("from_facility_id"))
    target = data.pop("to_facility_id")
    data["to_facility"] = kit.receiving_facilities().filter(pk=target).first()
    if data["to_facility"] is None:
        raise ValidationError({"to_facility_id": _("No such facility.")})
    data["home_jurisdiction"] = _jurisdiction(data.pop("home_jurisdiction_id"))
    return Status(201, services.referral_create(actor=actor, data=data))


@router.post(
    "/referrals/{referral_id}/acknowledge",
    response={200: referral_api.output, **OBJECT_ERROR_RESPONSES},
    summary="Acknowledge receipt of the referred patient (once)",
)
def acknowledge(request, payload: AcknowledgeIn, referral_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    referral = scoped_get(request, referral_api.getter, Referral, referral_id)
    try:
        return services.referral_acknowledge(
            actor=request.auth,
            referral=referral,
            at=payload.at,
            receiver_name=payload.receiver_name,
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None


@router.post(
    "/cases/{case_id}/transition",
    response={200: case_api.output, **OBJECT_ERROR_RESPONSES},
    summary="Confirm, exclude, re-assess or close a case (with a reason)",
)
def transition(request, payload: TransitionIn, case_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    case = scoped_get(request, case_api.getter, Case, case_id)
    try:
        return services.case_transition(
            actor=request.auth,
            case=case,
            to_status=payload.to_status,
            reason=payload.reason,
            at=payload.at,
            severity=payload.severity,
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None


@router.post(
    "/cases/{case_id}/observe",
    response={200: ObservedOut, **OBJECT_ERROR_RESPONSES},
    summary="Put chosen contacts of the case under observation, in one action",
)
def observe(request, payload: ObserveIn, case_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    case = scoped_get(request, case_api.getter, Case, case_id)
    contacts = list(Contact.objects.filter(case=case, pk__in=payload.contact_ids))
    if len(contacts) != len(set(payload.contact_ids)):
        raise ValidationError({"contact_ids": _("A chosen contact is not a contact of this case.")})
    try:
        done = services.contacts_observe(
            actor=request.auth, case=case, contacts=contacts, at=payload.at
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    return {"observed": [c.pk for c in done]}


@router.get(
    "/cases/{case_id}/clinical-notes",
    response={200: NotesOut, **OBJECT_ERROR_RESPONSES},
    summary="Clinical notes (clinical roles and the command office only)",
)
def clinical_notes(request, case_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    case = scoped_get(request, case_api.getter, Case, case_id)
    if not covers(request.auth, "medical.view_clinical_notes", case):
        raise HttpError(403, _("Clinical notes are for clinical roles and the command office."))
    return {"id": case.pk, "clinical_notes": case.clinical_notes}


@router.get(
    "/cases/{case_id}/chain",
    response={200: ChainOut, **OBJECT_ERROR_RESPONSES},
    summary="The chain of transmission from the case (nodes and links)",
)
def chain(request, case_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    case = scoped_get(request, case_api.getter, Case, case_id)
    return selectors.case_chain(actor=request.auth, case=case)


kit_router(kit.facility_kit, router=router)
kit_router(kit.member_kit, router=router, getter=kit.getter_for(kit.member_kit.model))
kit_router(kit.jurisdiction_kit, router=router)
kit_router(kit.fever_visit_kit, router=router, api=visit_api)
# The create route is the hand-written one above (its target may lie outside the caller's area).
kit_router(replace(kit.referral_kit, create=None), router=router, api=referral_api)
kit_router(kit.notice_kit, router=router, getter=kit.getter_for(kit.notice_kit.model))
kit_router(kit.case_kit, router=router, api=case_api)
kit_router(kit.contact_kit, router=router, getter=kit.getter_for(Contact))
kit_router(
    kit.pharmacy_report_kit, router=router, getter=kit.getter_for(kit.pharmacy_report_kit.model)
)
kit_router(kit.clinic_report_kit, router=router, api=clinic_api)
kit_router(kit.home_visit_kit, router=router)

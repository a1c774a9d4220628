"""Every read of the medical module: scoped by area (``restrict``) and, for users who do not
see every facility of their areas, by the facilities they work at (``member_filter``)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from fangkong.medical import filtersets as fs
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
from fangkong.medical.services import member_facility_ids, sees_all_facilities


def member_filter(queryset: QuerySet, actor, *lookups: str) -> QuerySet:
    """Keep the records whose facility (any of ``lookups``, e.g. ``"from_facility"``) is one the
    actor works at, unless the actor sees every facility of their areas. Applied on top of the
    area scope, never instead of it: a pharmacist sees their own pharmacy's reports only."""
    if sees_all_facilities(actor):
        return queryset
    ids = member_facility_ids(actor)
    q = Q(pk__in=[])
    for lookup in lookups:
        q |= Q(**{f"{lookup}__in": ids})
    return queryset.filter(q)


def _filtered(filterset, queryset, actor, filters):
    return filterset(filters or {}, queryset=queryset, actor=actor).qs


def facility_list(*, actor, filters: dict | None = None) -> QuerySet[Facility]:
    qs = Facility.objects.restrict(actor, "view").select_related("area", "jurisdiction")
    return _filtered(fs.FacilityFilterSet, qs, actor, filters)


def member_list(*, actor, filters: dict | None = None) -> QuerySet[FacilityMember]:
    qs = FacilityMember.objects.restrict(actor, "view").select_related("facility", "user")
    qs = member_filter(qs, actor, "facility")
    return _filtered(fs.FacilityMemberFilterSet, qs, actor, filters)


def jurisdiction_list(*, actor, filters: dict | None = None) -> QuerySet[Jurisdiction]:
    qs = Jurisdiction.objects.restrict(actor, "view").select_related("area")
    return _filtered(fs.JurisdictionFilterSet, qs, actor, filters)


def fever_visit_list(*, actor, filters: dict | None = None) -> QuerySet[FeverVisit]:
    qs = FeverVisit.objects.restrict(actor, "view").select_related(
        "facility__area", "patient", "referred_to"
    )
    qs = member_filter(qs, actor, "facility")
    return _filtered(fs.FeverVisitFilterSet, qs, actor, filters)


def referral_list(*, actor, filters: dict | None = None) -> QuerySet[Referral]:
    """Referrals from the actor's areas; for facility staff, those from or to their facility
    (the receiving clinic sees what is coming)."""
    qs = Referral.objects.restrict(actor, "view").select_related(
        "from_facility__area", "to_facility", "patient"
    )
    qs = member_filter(qs, actor, "from_facility", "to_facility")
    return _filtered(fs.ReferralFilterSet, qs, actor, filters)


def notice_list(*, actor, filters: dict | None = None) -> QuerySet[JurisdictionNotice]:
    qs = JurisdictionNotice.objects.restrict(actor, "view").select_related(
        "referral__patient", "jurisdiction", "notified_by"
    )
    qs = member_filter(qs, actor, "referral__from_facility")
    return _filtered(fs.NoticeFilterSet, qs, actor, filters)


def case_list(*, actor, filters: dict | None = None) -> QuerySet[Case]:
    qs = Case.objects.restrict(actor, "view").select_related(
        "patient", "reporting_facility", "home_jurisdiction", "area"
    )
    qs = member_filter(qs, actor, "reporting_facility")
    return _filtered(fs.CaseFilterSet, qs, actor, filters)


def case_transitions(*, actor, case: Case) -> QuerySet[CaseTransition]:
    return CaseTransition.objects.filter(case=case).select_related("by").order_by("at", "id")


def contact_list(*, actor, filters: dict | None = None) -> QuerySet[Contact]:
    qs = Contact.objects.restrict(actor, "view").select_related("case__patient", "person")
    qs = member_filter(qs, actor, "case__reporting_facility")
    return _filtered(fs.ContactFilterSet, qs, actor, filters)


def pharmacy_report_list(*, actor, filters: dict | None = None) -> QuerySet[PharmacyReport]:
    """A pharmacy's staff see their own pharmacy's reports, never another's."""
    qs = PharmacyReport.objects.restrict(actor, "view").select_related("pharmacy__area", "person")
    qs = member_filter(qs, actor, "pharmacy")
    return _filtered(fs.PharmacyReportFilterSet, qs, actor, filters)


def clinic_report_list(*, actor, filters: dict | None = None) -> QuerySet[ClinicReport]:
    qs = ClinicReport.objects.restrict(actor, "view").select_related(
        "facility__area", "patient", "referral__to_facility"
    )
    # The fever clinic the patient was referred to sees the report too.
    qs = member_filter(qs, actor, "facility", "referral__to_facility")
    return _filtered(fs.ClinicReportFilterSet, qs, actor, filters)


def home_visit_list(*, actor, filters: dict | None = None) -> QuerySet[HomeVisitTask]:
    """The home visits owed in the actor's grids (the grid worker's task list)."""
    qs = HomeVisitTask.objects.restrict(actor, "view").select_related("area", "person")
    return _filtered(fs.HomeVisitTaskFilterSet, qs, actor, filters)


def get_for(selector, *, actor, pk: int, action: str = "view"):
    """One record through its list selector (area and facility scope), for ``action``: the
    records the actor may change are the listed ones they also hold ``change`` over."""
    qs = selector(actor=actor)
    model = qs.model
    if action != "view":
        qs = qs.filter(pk__in=model.objects.restrict(actor, action).values("pk"))
    return qs.get(pk=pk)


# --------------------------------------------------------------------------- a case's story


def case_timeline(*, actor, case: Case) -> list[dict]:
    """Every step of the patient's path the actor may see, in time order: pharmacy report,
    home visit, clinic report, referrals (and their receipt), triage, classification changes,
    notices to other jurisdictions, contacts put under observation."""
    from django.utils.translation import gettext as _

    patient = case.patient
    events: list[dict] = []

    def add(at, label, detail="", url=""):
        if at is not None:
            events.append({"at": at, "label": label, "detail": detail, "url": url})

    from django.urls import reverse

    for r in pharmacy_report_list(actor=actor).filter(person=patient):
        add(
            r.reported_at,
            _("Asked a pharmacy for fever medicine"),
            f"{r.pharmacy} · {r.medicine}",
            reverse("medical:pharmacyreport_detail", args=[r.pk]),
        )
    for t in home_visit_list(actor=actor).filter(person=patient).exclude(visited_at=None):
        add(
            t.visited_at,
            _("Visited at home by the grid worker"),
            t.get_outcome_display(),
            reverse("medical:homevisittask_detail", args=[t.pk]),
        )
    for r in clinic_report_list(actor=actor).filter(patient=patient):
        add(
            r.reported_at,
            _("Fever reported by a clinic"),
            f"{r.facility} · {r.temperature} °C",
            reverse("medical:clinicreport_detail", args=[r.pk]),
        )
    for v in fever_visit_list(actor=actor).filter(patient=patient):
        add(
            v.visited_at,
            _("Triaged"),
            f"{v.facility} · {v.temperature} °C · "
            f"{v.get_assessment_display()} · {v.get_disposition_display()}",
            reverse("medical:fevervisit_detail", args=[v.pk]),
        )
    referrals = referral_list(actor=actor).filter(patient=patient)
    for r in referrals:
        url = reverse("medical:referral_detail", args=[r.pk])
        add(
            r.referred_at,
            _("Referred"),
            f"{r.from_facility} → {r.to_facility} · {r.get_transport_display()}",
            url,
        )
        add(
            r.acknowledged_at,
            _("Receipt acknowledged"),
            f"{r.to_facility} · {r.receiver_name or r.acknowledged_by or ''}",
            url,
        )
    for n in notice_list(actor=actor).filter(referral__in=referrals):
        add(
            n.notified_at,
            _("Other jurisdiction notified"),
            f"{n.jurisdiction} · {n.contact_name} · {n.get_channel_display()}",
        )
    for t in case_transitions(actor=actor, case=case):
        label = _("Reported as suspected") if not t.from_status else _("Classification changed")
        add(t.at, label, f"{t.get_to_status_display()} · {t.reason}")
    for c in case.contacts.exclude(observed_at=None).select_related("person"):
        add(
            c.observed_at,
            _("Contact put under observation"),
            f"{c.person.name} · {c.get_kind_display()}",
        )
    events.sort(key=lambda e: e["at"])
    return events


def case_chain(*, actor, case: Case, depth: int = 3) -> dict:
    """The chain of transmission from ``case``: nodes (cases and contacts) and links (case →
    contact; a contact who became a case continues to that case's contacts), for ECharts."""
    from django.urls import reverse

    nodes: dict[str, dict] = {}
    links: list[dict] = []
    visible = case_list(actor=actor)

    def walk(c: Case, level: int):
        key = f"p{c.patient_id}"
        nodes[key] = {
            "id": key,
            "name": c.patient.name,
            "category": 0,
            "status": c.get_status_display(),
            "url": reverse("medical:case_detail", args=[c.pk]),
        }
        if level >= depth:
            return
        for contact in c.contacts.select_related("person"):
            ck = f"p{contact.person_id}"
            became = visible.filter(patient_id=contact.person_id).exclude(pk=c.pk).first()
            if ck not in nodes:
                nodes[ck] = {
                    "id": ck,
                    "name": contact.person.name,
                    "category": 1 if contact.key_person_id else 2,
                    "status": str(contact.get_kind_display()),
                    "url": "",
                }
            links.append({"source": key, "target": ck, "label": str(contact.get_kind_display())})
            if became is not None and f"case{became.pk}" not in nodes:
                nodes[f"case{became.pk}"] = {"id": f"case{became.pk}", "hidden": True}
                walk(became, level + 1)

    walk(case, 0)
    return {
        "nodes": [n for n in nodes.values() if not n.get("hidden")],
        "links": links,
    }

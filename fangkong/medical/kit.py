"""The medical module's kit declarations: one ``ModelKit`` per listed model.

Records made at a facility are read through the app's selectors, which add the facility-staff
filter on top of the area scope; the detail pages and the API fetch single records through the
same filter (``MEMBER_LOOKUPS``, ``getter``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fangkong.core.kit import ModelKit, register
from fangkong.core.kit.columns import NaturalKey, register_natural_key
from fangkong.core.kit.forms import KitForm
from fangkong.core.scoping import restrict
from fangkong.medical import filtersets as fs
from fangkong.medical import selectors, services
from fangkong.medical.models import (
    Case,
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

# Which facility links decide whether facility staff may see a record (see selectors).
MEMBER_LOOKUPS: dict[type, tuple[str, ...]] = {
    FacilityMember: ("facility",),
    FeverVisit: ("facility",),
    Referral: ("from_facility", "to_facility"),
    JurisdictionNotice: ("referral__from_facility",),
    Case: ("reporting_facility",),
    Contact: ("case__reporting_facility",),
    PharmacyReport: ("pharmacy",),
    ClinicReport: ("facility", "referral__to_facility"),
}


def scoped_queryset(model, actor):
    """The model's records the actor may reach: the facility-staff filter where it applies."""
    qs = model.objects.all()
    lookups = MEMBER_LOOKUPS.get(model)
    return selectors.member_filter(qs, actor, *lookups) if lookups else qs


def getter_for(model):
    """``(*, actor, pk, action)`` for the API: area scope and facility-staff filter."""

    def get(*, actor, pk: int, action: str = "view"):
        return restrict(scoped_queryset(model, actor), actor, action).get(pk=pk)

    return get


def _facility_resolver(*, actor, perm):
    def resolve(text, row):
        found = Facility.objects.restrict(actor, "view").filter(name=str(text).strip()).first()
        if found is None:
            raise ValidationError(_("No facility of this name in your area of responsibility."))
        return found

    return resolve


register_natural_key(
    NaturalKey(
        model=Facility,
        to_text=lambda obj: obj.name,
        resolver=_facility_resolver,
        help=_("The facility's name as registered."),
        example="大通湖区人民医院",
        width=24,
    )
)


def _jurisdiction_resolver(*, actor, perm):
    def resolve(text, row):
        found = Jurisdiction.objects.restrict(actor, "view").filter(name=str(text).strip()).first()
        if found is None:
            raise ValidationError(_("No such jurisdiction on record."))
        return found

    return resolve


register_natural_key(
    NaturalKey(
        model=Jurisdiction,
        to_text=lambda obj: obj.name,
        resolver=_jurisdiction_resolver,
        help=_("The jurisdiction's name as on record."),
        example="沅江市",
        width=16,
    )
)


def _adapt_update(fn, name):
    def update(*, actor, obj, expected_version, data):
        return fn(actor=actor, obj=obj, expected_version=expected_version, data=data)

    update.__name__ = name
    return update


facility_kit = register(
    ModelKit(
        model=Facility,
        fields=services.FACILITY_FIELDS,
        filterset=fs.FacilityFilterSet,
        selector=selectors.facility_list,
        create=services.facility_create,
        update=services.facility_update,
        delete=services.facility_delete,
        check=lambda *, actor, data, exclude_pk=None: services.facility_check(
            data=data, exclude_pk=exclude_pk
        ),
        url_namespace="medical",
        api_path="facilities",
        options={"select_related": ("area", "jurisdiction"), "import_unique": (("name",),)},
    )
)


class MemberForm(KitForm):
    """Only users holding a role in the actor's areas are offered (names are personal data)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = services.staffable_users(self.actor)
        if self.editing:
            users = users | type(self.instance.user).objects.filter(pk=self.instance.user_id)
        self.fields["user"].queryset = users


member_kit = register(
    ModelKit(
        model=FacilityMember,
        fields=services.MEMBER_FIELDS,
        filterset=fs.FacilityMemberFilterSet,
        selector=selectors.member_list,
        create=services.member_create,
        update=services.member_update,
        url_namespace="medical",
        api_path="facility-staff",
        options={"select_related": ("facility", "user"), "form_class": MemberForm},
    )
)

jurisdiction_kit = register(
    ModelKit(
        model=Jurisdiction,
        fields=services.JURISDICTION_FIELDS,
        filterset=fs.JurisdictionFilterSet,
        selector=selectors.jurisdiction_list,
        create=services.jurisdiction_create,
        update=services.jurisdiction_update,
        url_namespace="medical",
        api_path="jurisdictions",
        options={"select_related": ("area",)},
    )
)

fever_visit_kit = register(
    ModelKit(
        model=FeverVisit,
        fields=(
            "facility",
            "patient",
            "visited_at",
            "temperature",
            "symptoms",
            "onset_date",
            "travel_wuhan",
            "travel_hubei",
            "contact_case",
            "contact_key_person",
            "cluster",
            "assessment",
            "disposition",
            "referred_to",
            "home_jurisdiction",
        ),
        filterset=fs.FeverVisitFilterSet,
        selector=selectors.fever_visit_list,
        url_namespace="medical",
        api_path="fever-visits",
        options={"select_related": ("facility__area", "patient", "referred_to")},
    )
)


class ReferralForm(KitForm):
    """From a facility the actor works at, to any facility that receives patients: the fever
    clinic or the designated hospital usually lies outside a village doctor's own area."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mine = services.member_facility_ids(self.actor)
        self.fields["from_facility"].queryset = Facility.objects.filter(pk__in=mine)
        self.fields["to_facility"].queryset = receiving_facilities()


def receiving_facilities():
    return Facility.objects.filter(active=True).exclude(kind=Facility.Kind.PHARMACY)


def _referral_create(*, actor, data):
    return services.referral_create(actor=actor, data=data)


referral_kit = register(
    ModelKit(
        model=Referral,
        fields=services.REFERRAL_FIELDS,
        filterset=fs.ReferralFilterSet,
        selector=selectors.referral_list,
        create=_referral_create,
        extra_columns=("acknowledged_at", "receiver_name"),
        url_namespace="medical",
        api_path="referrals",
        options={
            "select_related": ("from_facility__area", "to_facility", "patient"),
            "form_class": ReferralForm,
        },
    )
)

notice_kit = register(
    ModelKit(
        model=JurisdictionNotice,
        fields=(
            "referral",
            "jurisdiction",
            "contact_name",
            "contact_phone",
            "channel",
            "content",
            "notified_at",
            "notified_by",
        ),
        filterset=fs.NoticeFilterSet,
        selector=selectors.notice_list,
        url_namespace="medical",
        api_path="jurisdiction-notices",
        options={"select_related": ("referral__from_facility__area", "jurisdiction")},
    )
)


def _case_create(*, actor, data):
    return services.case_report(actor=actor, data=data)


case_kit = register(
    ModelKit(
        model=Case,
        fields=(
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
        ),
        filterset=fs.CaseFilterSet,
        selector=selectors.case_list,
        create=_case_create,
        extra_columns=("status", "status_changed_at"),
        url_namespace="medical",
        api_path="cases",
        options={"select_related": ("patient", "reporting_facility", "home_jurisdiction")},
    )
)


def _contact_create(*, actor, data):
    return services.contact_add(
        actor=actor,
        case=data.get("case"),
        person=data.get("person"),
        kind=data.get("kind"),
        exposure_date=data.get("exposure_date"),
        note=data.get("note", ""),
    )


contact_kit = register(
    ModelKit(
        model=Contact,
        fields=("case", "person", "kind", "exposure_date", "note"),
        filterset=fs.ContactFilterSet,
        selector=selectors.contact_list,
        create=_contact_create,
        extra_columns=("observed_at",),
        url_namespace="medical",
        api_path="contacts",
        options={"select_related": ("case__area", "person")},
    )
)

pharmacy_report_kit = register(
    ModelKit(
        model=PharmacyReport,
        fields=services.PHARMACY_FIELDS,
        filterset=fs.PharmacyReportFilterSet,
        selector=selectors.pharmacy_report_list,
        create=services.pharmacy_report_create,
        check=lambda *, actor, data, exclude_pk=None: services.pharmacy_report_check(
            actor=actor, data=data
        ),
        url_namespace="medical",
        api_path="pharmacy-reports",
        options={"select_related": ("pharmacy__area", "person")},
    )
)

clinic_report_kit = register(
    ModelKit(
        model=ClinicReport,
        fields=(
            "facility",
            "patient",
            "reported_at",
            "temperature",
            "symptoms",
            "onset_date",
            "travel_wuhan",
            "travel_hubei",
            "contact_case",
            "contact_key_person",
            "cluster",
        ),
        filterset=fs.ClinicReportFilterSet,
        selector=selectors.clinic_report_list,
        url_namespace="medical",
        api_path="clinic-reports",
        options={"select_related": ("facility__area", "patient", "referral__to_facility")},
    )
)

home_visit_kit = register(
    ModelKit(
        model=HomeVisitTask,
        fields=("visited_at", "outcome", "outcome_note"),
        filterset=fs.HomeVisitTaskFilterSet,
        selector=selectors.home_visit_list,
        update=services.home_visit_record,
        extra_columns=("name", "reason", "due_at"),
        url_namespace="medical",
        api_path="home-visits",
        options={"select_related": ("area", "person")},
    )
)

"""One FilterSet per list of the medical module, shared by its page, the API and the export.
``day`` (a local calendar day) is what the daily report's figures link to."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import ScopedFilterSet
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

_DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _day(field: str, label=None):
    return django_filters.DateFilter(
        field_name=field, lookup_expr="date", label=label or _("Day"), widget=_DATE
    )


class FacilityFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("Name"))

    class Meta:
        model = Facility
        fields = ["name", "kind", "fever_clinic"]


class FacilityMemberFilterSet(ScopedFilterSet):
    class Meta:
        model = FacilityMember
        fields = ["facility", "role", "active"]


class JurisdictionFilterSet(ScopedFilterSet):
    class Meta:
        model = Jurisdiction
        fields = ["name"]


class FeverVisitFilterSet(ScopedFilterSet):
    day = _day("visited_at")

    class Meta:
        model = FeverVisit
        fields = ["day", "facility", "assessment", "disposition"]


class ReferralFilterSet(ScopedFilterSet):
    day = _day("referred_at")
    pending = django_filters.BooleanFilter(
        field_name="acknowledged_at", lookup_expr="isnull", label=_("Awaiting acknowledgement")
    )

    class Meta:
        model = Referral
        fields = ["day", "from_facility", "to_facility", "pending"]


class NoticeFilterSet(ScopedFilterSet):
    class Meta:
        model = JurisdictionNotice
        fields = ["jurisdiction", "channel"]


class CaseFilterSet(ScopedFilterSet):
    day = _day("reported_at", _("Reported on"))
    external = django_filters.BooleanFilter(
        field_name="home_jurisdiction",
        lookup_expr="isnull",
        exclude=True,
        label=_("Patient of another jurisdiction"),
    )

    class Meta:
        model = Case
        fields = ["day", "status", "severity", "reporting_facility", "external"]


class ContactFilterSet(ScopedFilterSet):
    class Meta:
        model = Contact
        fields = ["case", "kind"]


class PharmacyReportFilterSet(ScopedFilterSet):
    day = _day("reported_at")

    class Meta:
        model = PharmacyReport
        fields = ["day", "pharmacy"]


class ClinicReportFilterSet(ScopedFilterSet):
    day = _day("reported_at")

    class Meta:
        model = ClinicReport
        fields = ["day", "facility"]


class HomeVisitTaskFilterSet(ScopedFilterSet):
    open = django_filters.BooleanFilter(
        field_name="visited_at", lookup_expr="isnull", label=_("Not yet visited")
    )

    class Meta:
        model = HomeVisitTask
        fields = ["open", "outcome"]
